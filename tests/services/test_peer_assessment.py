"""Peer assessment in a later cycle: partners say how far each other got towards their goal, and what they saw."""

from __future__ import annotations

from datetime import date

import pytest

from diagnostic.services import coaching_log, peer_assessment
from diagnostic.services.cohorts import definition_dirs
from diagnostic.services.cycles import close_current, open_next, start_latest
from diagnostic.services.erasure import teacher_data
from forms.catalog import find_definition
from tests.web.test_partner import build

EVIDENCE = "Pupils waited five seconds before answering and more hands went up."


@pytest.fixture
def follow_up(app):
    definition, _ = find_definition("follow_up", None, definition_dirs(app.config["DATA"]))
    return definition


@pytest.fixture
def paired(app, store, cohort):
    """Amy and Bea, then Cal and Dan, confirmed co-coaching pairs (cycle 1 still open)."""
    return build(app, store, cohort)


@pytest.fixture
def cycle_two(store, cohort, follow_up, paired):
    close_current(store, cohort)
    open_next(store, cohort, follow_up)
    return store.get_cohort(cohort["id"])


def assess(store, cohort, paired, by="Amy", about="Bea", scale=3, evidence=EVIDENCE, entries=(), revision=0,
           pid=None):
    return peer_assessment.save(store, cohort, pid or paired["pair"], paired["ids"][by], paired["ids"][about],
                                scale, evidence, list(entries), revision)


def stored(store, cohort, paired):
    return store.get_partnership(cohort["id"], paired["pair"]).get("assessments")


def test_a_partner_saves_an_assessment_inside_the_partnership_and_can_change_it(store, cohort, paired, cycle_two):
    amy, bea = paired["ids"]["Amy"], paired["ids"]["Bea"]
    first = assess(store, cycle_two, paired)
    assert first["revision"] == 1 and first["scale"] == 3 and first["evidence"] == EVIDENCE
    changed = assess(store, cycle_two, paired, scale=4, evidence="It is how she teaches now.", revision=1)
    assert changed["revision"] == 2
    saved = stored(store, cohort, paired)["2"][f"{amy}:{bea}"]
    assert saved["scale"] == 4 and saved["evidence"] == "It is how she teaches now." and saved["saved_at"]


def test_what_partners_said_is_found_for_the_teacher_assessed_only(store, cohort, paired, cycle_two):
    assess(store, cycle_two, paired)
    (said,) = peer_assessment.about(store, cycle_two, paired["ids"]["Bea"])
    assert said["by"] == "Amy" and said["label"] == peer_assessment.SCALE[3] and said["evidence"] == EVIDENCE
    assert peer_assessment.about(store, cycle_two, paired["ids"]["Amy"]) == []


def test_log_entries_chosen_as_evidence_must_be_from_the_partnerships_log(store, cohort, paired, cycle_two):
    author = {"id": paired["ids"]["Amy"], "name": "Amy", "role": "teacher"}
    mine = coaching_log.add_entry(store, cohort, store.get_partnership(cohort["id"], paired["pair"]), author,
                                  "observation", date.today(), {"strategy": "Wait time"})
    other = coaching_log.add_entry(store, cohort, store.get_partnership(cohort["id"], paired["other"]),
                                   {"id": paired["ids"]["Cal"], "name": "Cal", "role": "teacher"}, "planning",
                                   date.today(), {"notes": "Plan"})
    assert assess(store, cycle_two, paired, entries=[mine["id"]])["entries"] == [mine["id"]]
    with pytest.raises(peer_assessment.BadAssessment) as refused:
        assess(store, cycle_two, paired, entries=[other["id"]], revision=1)
    assert refused.value.status == 422 and refused.value.field == "entries"


@pytest.mark.parametrize(("change", "status"), [
    ({"scale": 7}, 422),
    ({"scale": None}, 422),
    ({"evidence": "   "}, 422),
    ({"evidence": "x" * 1001}, 422),
    ({"about": "Amy"}, 422),  # oneself
    ({"about": "Cal"}, 404),  # not in this partnership
    ({"by": "Cal"}, 404),  # not a member
    ({"revision": 3}, 409),  # a stale copy
])
def test_bad_assessments_are_refused_and_nothing_is_saved(store, cohort, paired, cycle_two, change, status):
    with pytest.raises(peer_assessment.JourneyError) as refused:
        assess(store, cycle_two, paired, **change)
    assert refused.value.status == status and str(refused.value)
    assert not stored(store, cohort, paired)


def test_before_a_later_cycle_opens_it_is_409_and_once_closed_410(store, cohort, paired, follow_up):
    with pytest.raises(peer_assessment.NoLaterCycle):
        assess(store, cohort, paired)
    close_current(store, cohort)
    open_next(store, cohort, follow_up)
    close_current(store, cohort)
    with pytest.raises(peer_assessment.CycleClosed) as closed:
        assess(store, store.get_cohort(cohort["id"]), paired)
    assert closed.value.status == 410 and not stored(store, cohort, paired)


def test_the_teachers_own_self_assessment_is_read_from_their_follow_up(store, cohort, paired, cycle_two):
    first = store.get_response(cohort["id"], paired["ids"]["Bea"])
    assert peer_assessment.self_assessment(store, cycle_two, first) is None
    later = start_latest(store, cycle_two, first)
    store.update_response(cohort["id"], later["id"], lambda r: {**r, "answers": {**r["answers"], "goal_progress": 4}})
    first = store.get_response(cohort["id"], paired["ids"]["Bea"])
    assert peer_assessment.self_assessment(store, cycle_two, first) == {"value": 4, "label": "Most of the way"}


def test_a_teachers_data_holds_what_they_wrote_and_what_was_written_about_them(store, cohort, paired, cycle_two):
    assess(store, cycle_two, paired)
    for name in ("Amy", "Bea"):
        data = teacher_data(store, cycle_two, store.get_response(cohort["id"], paired["ids"][name]))
        assert [a["evidence"] for a in data["peer_assessments"]] == [EVIDENCE]
    cal = teacher_data(store, cycle_two, store.get_response(cohort["id"], paired["ids"]["Cal"]))
    assert cal["peer_assessments"] == []
