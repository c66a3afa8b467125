"""The menu-ranking engine: components, ranking and reasons from constructed teachers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostic.engines.reasons import group_sentence
from diagnostic.engines.recommend import COMPONENTS, prepare, rank, recommend
from forms.catalog import SHIPPED, find_definition

FOCUSES = ["assessment_for_learning", "questioning", "feedback", "adaptive_teaching", "collaborative_learning",
           "metacognition", "modelling_explanation", "retrieval_practice", "classroom_talk", "reading_across_subjects"]


@pytest.fixture(scope="module")
def shipped():
    return find_definition("starting_point", None, [SHIPPED])[0]


@pytest.fixture(scope="module")
def plan(shipped):
    return prepare(shipped)


def teacher(values=None, confidences=None, **extra):
    answers = {f"value_{f}": (values or {}).get(f, 3) for f in FOCUSES}
    answers.update({f"confidence_{f}": (confidences or {}).get(f, 3) for f in FOCUSES})
    answers.update(extra)
    return answers


def item(ranked, focus):
    return next(i for i in ranked if i["focus"] == focus)


def test_a_valued_strategy_with_low_confidence_comes_first_and_says_why(plan):
    ranked = recommend(plan, teacher({"feedback": 5}, {"feedback": 1}), {})
    assert ranked[0]["focus"] == "feedback"
    assert ranked[0]["components"]["gap"] == 1.0
    assert "You rate feedback as 5 of 5 for your pupils' learning, but your confidence with it as 1 of 5." \
        in ranked[0]["reasons"]


def test_time_pressure_lowers_time_heavy_focuses_and_offers_a_lighter_start(plan):
    short = teacher(barriers=["time"], barrier_time=5)
    ranked = recommend(plan, short, {})
    heavy, light = item(ranked, "adaptive_teaching"), item(ranked, "questioning")
    assert heavy["components"]["time"] == -1.0 and light["components"]["time"] == 1.0
    assert heavy["lighter_start"] and light["lighter_start"] is None
    assert any("not enough time holds you back (5 of 5)" in r for r in heavy["reasons"])
    assert item(recommend(plan, teacher(), {}), "adaptive_teaching")["lighter_start"] is None


@pytest.mark.parametrize(("scores", "sign"), [({"learner_centred": 5.0}, 1), ({"learner_centred": 1.0}, -1)])
def test_beliefs_support_or_tension(plan, scores, sign):
    found = item(recommend(plan, teacher(), scores), "questioning")["components"]["beliefs"]
    assert found == sign * 1.0


@pytest.mark.parametrize(("rank", "expected"), [(0, 1.0), (1, 0.667), (2, 0.333)])
def test_own_ranking_counts_by_position(plan, rank, expected):
    order = ["metacognition", "feedback", "questioning"]
    chosen = order[rank]
    found = item(recommend(plan, teacher(focus_choice=order), {}), chosen)["components"]["own_choice"]
    assert found == expected


def test_programme_weights_restrictions_and_school_weights(plan, shipped):
    weighted = prepare(shipped, {"weights": {"feedback": 1.5}, "schools": {"A": {"feedback": 2}}})
    assert item(recommend(weighted, teacher(), {}), "feedback")["components"]["programme"] == 0.5
    assert item(recommend(weighted, teacher(), {}, school="A"), "feedback")["components"]["programme"] == 1.0
    restricted = prepare(shipped, {"offered": ["feedback", "questioning"]})
    assert [i["focus"] for i in recommend(restricted, teacher(), {})] in (["feedback", "questioning"],
                                                                          ["questioning", "feedback"])


def test_group_share_and_its_reason(plan):
    group = {"others": 10, "choosing": {"metacognition": 6}}
    found = item(recommend(plan, teacher(), {}, group=group), "metacognition")
    assert found["components"]["group"] == 0.6
    assert "6 of the 10 other teachers in your starting-point group are choosing it" in " ".join(found["reasons"])


@pytest.mark.parametrize(("count", "others", "says"), [
    (1, 13, "1 of the 13 other teachers in your starting-point group is choosing it."),
    (2, 13, "2 of the 13 other teachers in your starting-point group are choosing it, so a partner working on it "
            "is likely."),
    (0, 13, "None of the 13 other teachers in your starting-point group is choosing it yet."),
    (5, 5, "All 5 other teachers in your starting-point group are choosing it, so a partner working on it is likely."),
    (1, 1, "The other teacher in your starting-point group is choosing it."),
    (0, 1, "The other teacher in your starting-point group is not choosing it."),
    (0, 0, "You are the only teacher in your starting-point group so far."),
])
def test_the_group_sentence_is_worded_for_one_and_for_many(count, others, says):
    assert group_sentence(count, others) == says


def test_one_teacher_choosing_reads_is_not_are(plan):
    found = item(recommend(plan, teacher(), {}, group={"others": 13, "choosing": {"metacognition": 1}}),
                 "metacognition")
    assert "1 of the 13 other teachers in your starting-point group is choosing it." in found["reasons"]


def test_the_lighter_way_in_is_said_once_beside_the_reasons_not_inside_them(plan):
    heavy = item(recommend(plan, teacher(barriers=["time"], barrier_time=5), {}), "adaptive_teaching")
    assert heavy["lighter_start"] and not any(heavy["lighter_start"] in r for r in heavy["reasons"])
    assert any("a lighter way in is suggested" in r for r in heavy["reasons"])


def test_a_teacher_who_skipped_everything_still_gets_the_whole_menu(plan):
    ranked = recommend(plan, {}, {})
    assert sorted(i["focus"] for i in ranked) == sorted(FOCUSES)
    assert all(v == 0 for i in ranked for k, v in i["components"].items() if k != "programme")


def test_answers_on_a_scale_that_are_not_numbers_count_as_skipped(plan):
    skipped = teacher()
    del skipped["value_feedback"]
    odd = [teacher(value_feedback=v) for v in (True, "5", None, [4])]
    ranked = rank(plan, [{"answers": a, "scores": {"efficacy": s}, "school": None, "group": None}
                         for a, s in zip([skipped, *odd], [None, False, "4", True, None], strict=True)])
    assert ranked[1:] == [ranked[0]] * 4


likert = st.integers(1, 5)
teachers = st.fixed_dictionaries({
    "values": st.fixed_dictionaries({f: likert for f in FOCUSES}),
    "confidences": st.fixed_dictionaries({f: likert for f in FOCUSES}),
    "barrier": st.one_of(st.none(), likert),
    "choice": st.lists(st.sampled_from(FOCUSES), max_size=3, unique=True),
    "scores": st.fixed_dictionaries({c: st.floats(1, 5) for c in ("learner_centred", "efficacy", "openness")}),
})


def build(t):
    extra = {"focus_choice": t["choice"]}
    if t["barrier"] is not None:
        extra.update(barriers=["time"], barrier_time=t["barrier"])
    return teacher(t["values"], t["confidences"], **extra), t["scores"]


@settings(max_examples=60, deadline=None)
@given(teachers, st.sampled_from(FOCUSES))
def test_raising_confidence_never_raises_the_gap_or_the_score(plan, t, focus):
    answers, scores = build(t)
    before = item(recommend(plan, answers, scores), focus)
    answers[f"confidence_{focus}"] = min(5, answers[f"confidence_{focus}"] + 1)
    after = item(recommend(plan, answers, scores), focus)
    assert after["components"]["gap"] <= before["components"]["gap"]
    assert after["score"] <= before["score"]


@settings(max_examples=60, deadline=None)
@given(teachers, st.sampled_from(FOCUSES))
def test_removing_a_focus_keeps_the_others_in_order(plan, shipped, t, focus):
    answers, scores = build(t)
    full = [i["focus"] for i in recommend(plan, answers, scores) if i["focus"] != focus]
    fewer = prepare(shipped, {"offered": [f for f in FOCUSES if f != focus]})
    assert [i["focus"] for i in recommend(fewer, answers, scores)] == full


@settings(max_examples=60, deadline=None)
@given(teachers)
def test_scores_are_the_weighted_sum_of_bounded_parts(plan, t):
    answers, scores = build(t)
    ranked = recommend(plan, answers, scores)
    assert ranked == recommend(plan, answers, scores)
    for i in ranked:
        assert all(-1 <= i["components"][c] <= 1 for c in COMPONENTS)
        assert i["score"] == pytest.approx(sum(plan["weights"][c] * i["components"][c] for c in COMPONENTS),
                                           abs=0.01)
        assert len(i["reasons"]) <= 3
    assert [i["score"] for i in ranked] == sorted((i["score"] for i in ranked), reverse=True)


@settings(max_examples=60, deadline=None)
@given(teachers, st.sampled_from(FOCUSES))
def test_valued_but_unconfident_focus_is_in_the_top_three(plan, t, focus):
    # The other focuses have no gap (confidence at least value); no time barrier, no restriction.
    answers, scores = build({**t, "barrier": None})
    for f in FOCUSES:
        answers[f"confidence_{f}"] = max(answers[f"confidence_{f}"], answers[f"value_{f}"])
    answers[f"value_{focus}"], answers[f"confidence_{focus}"] = 5, 1
    ranked = recommend(plan, answers, scores)
    assert focus in [i["focus"] for i in ranked[:3]]
    assert any("5 of 5" in r and "1 of 5" in r for r in item(ranked, focus)["reasons"])


def test_a_belief_reason_names_the_belief_the_teacher_actually_holds(plan):
    # Two teachers with the same score on different beliefs must not share a sentence.
    first, second = rank(plan, [
        {"answers": teacher(), "scores": {"learner_centred": 4.5}, "school": None, "group": None},
        {"answers": teacher(), "scores": {"efficacy": 4.5}, "school": None, "group": None},
    ])
    assert "It builds on your learner-centred beliefs (4.5 of 5)." in item(first, "adaptive_teaching")["reasons"]
    assert "It builds on your confidence to make a difference (4.5 of 5)." in \
        item(second, "adaptive_teaching")["reasons"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(teachers, st.sampled_from([None, "A", "B"]),
                          st.one_of(st.none(), st.fixed_dictionaries({
                              "others": st.integers(0, 30),
                              "choosing": st.dictionaries(st.sampled_from(FOCUSES), st.integers(0, 30))}))),
                min_size=1, max_size=8))
def test_ranking_a_whole_cohort_gives_each_teacher_what_they_get_alone(shipped, cohort):
    plan = prepare(shipped, {"schools": {"A": {"feedback": 2}}})
    together = [{"answers": build(t)[0], "scores": build(t)[1], "school": school, "group": group}
                for t, school, group in cohort]
    assert rank(plan, together) == [recommend(plan, t["answers"], t["scores"], t["school"], t["group"])
                                    for t in together]
