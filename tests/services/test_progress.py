"""Progress from the starting point, on a cohort with a planted change whose figures are worked out here.

Each teacher's learner-centred items and their confidence in their own focus are set so that their score is
known exactly before and after; the expected means, intervals and effect sizes are then computed with scipy
and the standard library, independently of the product's code.
"""

from __future__ import annotations

import random
import statistics

import pytest
from scipy import stats

from diagnostic.services import cycles, progress
from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import submitted_response
from diagnostic.services.demo import planted_cohort
from diagnostic.services.demo_cycles import follow_up_answers

TEACHERS = 24
ANSWERING = 20  # the last four never answer the follow-up: they are the ones not counted
KEYS = {"lc1": "+", "lc2": "-", "lc3": "+", "lc4": "-", "lc5": "+"}


def beliefs_at(level: int) -> dict[str, int]:
    """Learner-centred items whose construct score is exactly `level` (reverse-keyed items written reversed)."""
    return {item: level if key == "+" else 6 - level for item, key in KEYS.items()}


@pytest.fixture
def planted(store, cohort):
    """Cycle 1 with known learner-centred scores (2) and focus confidence (1 or 2); cycle 2 with a planted rise."""
    start = published_definition(store, cohort["form_id"], cohort["form_version"])
    firsts, _ = planted_cohort(cohort, start, TEACHERS, seed=3, missing=0)
    rng = random.Random(5)
    rise = {"beliefs": [rng.choice([0, 1, 2]) for _ in firsts],
            "confidence": [rng.choice([0, 1, 2, 3]) for _ in firsts]}
    for n, first in enumerate(firsts):
        first["answers"].update(beliefs_at(2), focus_choice=["questioning"], confidence_questioning=1 + n % 2)
        first["scores"]["learner_centred"] = 2.0
    store.add_responses(cohort["id"], firsts)
    cycles.close_current(store, cohort)
    cycles.open_follow_up(store, store.get_cohort(cohort["id"]), "follow_up", "1")
    cohort = store.get_cohort(cohort["id"])
    later = published_definition(store, "follow_up", "1")
    answering = {**cohort, "form_id": later.id, "form_version": later.version}
    laters = []
    for n, first in enumerate(firsts[:ANSWERING]):
        answers = follow_up_answers(later, first["answers"], rng)
        answers.update(beliefs_at(2 + rise["beliefs"][n]),
                       confidence_questioning=first["answers"]["confidence_questioning"] + rise["confidence"][n],
                       goal_progress=1 + n % 5, pupil_evidence=["work_samples"] if n % 2 else ["pupil_talk"])
        record = submitted_response(answering, later, answers, first["respondent"], first["school"])
        record.update(cycle=2, teacher=first["id"], token_hash="")
        laters.append(record)
    # A teacher's unfinished follow-up is not counted.
    draft = {**laters[-1], "id": "d0d0d0d0d0d0d0d0", "status": "draft", "teacher": firsts[-1]["id"]}
    store.add_responses(cohort["id"], [*laters, draft])
    store.update_responses(cohort["id"], {
        **{r["teacher"]: (lambda f, made=r["id"]: {**f, "later": {"2": made}}) for r in laters},
        firsts[-1]["id"]: lambda f: {**f, "later": {"2": "d0d0d0d0d0d0d0d0"}}})
    before = {"beliefs": [2.0] * ANSWERING,
              "confidence": [f["answers"]["confidence_questioning"] for f in firsts[:ANSWERING]]}
    after = {"beliefs": [2.0 + r for r in rise["beliefs"][:ANSWERING]],
             "confidence": [b + r for b, r in zip(before["confidence"], rise["confidence"], strict=False)]}
    return {"cohort": cohort, "firsts": firsts, "before": before, "after": after}


def expected(before: list[float], after: list[float]) -> dict:
    diffs = [a - b for b, a in zip(before, after, strict=True)]
    low, high = stats.ttest_rel(after, before).confidence_interval(0.95)
    return {"n": len(diffs), "change": statistics.fmean(diffs), "ci": [low, high],
            "effect_size": statistics.fmean(diffs) / statistics.stdev(diffs)}


def close_to(found: dict, wanted: dict) -> bool:
    return found["n"] == wanted["n"] and found["change"] == pytest.approx(wanted["change"], abs=1e-3) and \
        found["ci"] == [pytest.approx(x, abs=1e-3) for x in wanted["ci"]] and \
        found["effect_size"] == pytest.approx(wanted["effect_size"], abs=1e-3)


def test_the_paired_figures_match_an_independent_computation_of_the_planted_change(store, planted):
    found = progress.figures(progress.gather(store, planted["cohort"]))
    by_id = {m["id"]: m for m in found["measures"]}
    assert close_to(by_id["learner_centred"], expected(planted["before"]["beliefs"], planted["after"]["beliefs"]))
    assert close_to(by_id[progress.FOCUS], expected(planted["before"]["confidence"], planted["after"]["confidence"]))
    # Who it rests on: every teacher with a starting point, those who answered, and the rest (a draft is not an answer).
    assert (found["started"], found["answered"], found["not_answered"]) == (TEACHERS, ANSWERING, TEACHERS - ANSWERING)
    assert found["cycle"] == 2 and found["cycle_open"] is True
    assert any("comparison group" in text for text in found["limitations"])
    assert any("own ratings" in text for text in found["limitations"])


def test_goal_progress_and_the_pupils_evidence_are_counted_from_the_follow_up(store, planted):
    found = progress.figures(progress.gather(store, planted["cohort"]))
    goal = found["goal"]
    assert goal["n"] == ANSWERING and [level["teachers"] for level in goal["levels"]] == [4, 4, 4, 4, 4]
    assert goal["some"] == 16 and goal["share"] == 0.8  # everyone past "not started yet"
    assert {e["kind"]: e["teachers"] for e in found["evidence"]} == {"work_samples": 10, "pupil_talk": 10}


def test_one_teacher_sees_their_own_change(store, planted):
    data = progress.gather(store, planted["cohort"])
    mine = progress.of_teacher(data, planted["firsts"][0]["id"])
    by_id = {m["id"]: m for m in mine["measures"]}
    assert by_id[progress.FOCUS]["before"] == planted["before"]["confidence"][0]
    assert by_id[progress.FOCUS]["change"] == planted["after"]["confidence"][0] - planted["before"]["confidence"][0]
    assert mine["answered"] and mine["goal"] == 1 and mine["focus"] == "Questioning"
    waiting = progress.of_teacher(data, planted["firsts"][-1]["id"])
    assert not waiting["answered"] and all(m["change"] is None for m in waiting["measures"])
    assert progress.of_teacher(data, "nobody") is None


def test_the_impact_report_has_no_beliefs_and_hides_focuses_chosen_by_too_few(store, planted):
    report = progress.impact(store, planted["cohort"], min_group=5)
    assert report["confidence"]["id"] == progress.FOCUS
    assert "learner_centred" not in repr(report) and "efficacy" not in repr(report)
    (focus,) = report["focuses"]
    assert focus["focus"] == "questioning" and focus["shown"] and focus["n"] == ANSWERING
    hidden = progress.impact(store, planted["cohort"], min_group=ANSWERING + 1)
    assert hidden["goal"] is None and hidden["evidence"] is None and hidden["confidence"] is None
    assert [f["shown"] for f in hidden["focuses"]] == [False] and "change" not in hidden["focuses"][0]


def test_the_impact_report_counts_participation_per_school(store, planted):
    report = progress.impact(store, planted["cohort"], min_group=5)
    rows = {r["school"]: r for r in report["schools"]}
    assert set(rows) == {"Ashfield", "Brook Lane"}
    assert sum(r["joined"] for r in rows.values()) == TEACHERS  # the later cycle's drafts are not joiners
    assert sum(r["started"] for r in rows.values()) == TEACHERS
    assert sum(r["answered"] for r in rows.values()) == ANSWERING
    assert all(r["partnerships"] == 0 for r in rows.values())


@pytest.mark.parametrize(("number", "message"), [(None, "only its starting point"), (3, "no cycle 3")])
def test_without_a_later_cycle_there_is_nothing_to_measure(store, cohort, number, message):
    if number:
        cycles.close_current(store, cohort)
        cycles.open_follow_up(store, store.get_cohort(cohort["id"]), "follow_up", "1")
        cohort = store.get_cohort(cohort["id"])
    with pytest.raises(progress.ProgressError, match=message):
        progress.gather(store, cohort, number)


def test_partnerships_and_their_logs_are_counted_for_the_schools_of_their_members(make_two_cycles,
                                                                                  app_on_copy):
    app = app_on_copy(make_two_cycles("twin", 40, seed=8, entries=3))
    store = app.extensions["store"]
    cohort = store.get_cohort("twin")
    report = progress.impact(store, cohort, min_group=5)
    made = [p for p in store.list_partnerships("twin") if p["status"] == "confirmed"]
    entries = store.log_entries("twin")
    for row in report["schools"]:
        here = [p for p in made if row["school"] in p["schools"]]
        assert row["partnerships"] == len(here) == row["with_log"]
        assert row["observations"] == sum(e["kind"] == "observation" for e in entries
                                          if e["partnership"] in {p["id"] for p in here})
