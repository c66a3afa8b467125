"""The show_if evaluator: comparisons, combinations, unanswered questions and dropping hidden answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from forms.conditions import holds, visible, visible_answers
from forms.loader import load_definition
from forms.schema import Condition


def cond(**spec) -> Condition:
    """A condition from keyword arguments; `in_`/`not_` stand for the YAML keys `in`/`not`."""
    data = {("in" if k == "in_" else "not" if k == "not_" else k): v for k, v in spec.items()}
    return Condition.model_validate(data)


# --- single comparisons ---------------------------------------------------------------------

# (condition, answers, expected)
COMPARISONS = [
    # equals on text, numbers and booleans
    ({"question": "role", "equals": "other"}, {"role": "other"}, True),
    ({"question": "role", "equals": "other"}, {"role": "senior_leader"}, False),
    ({"question": "role", "equals": "Other"}, {"role": "other"}, False),
    ({"question": "years", "equals": 3}, {"years": 3}, True),
    ({"question": "years", "equals": 3}, {"years": 3.0}, True),
    ({"question": "years", "equals": 3}, {"years": "3"}, True),
    ({"question": "years", "equals": 3}, {"years": 4}, False),
    ({"question": "years", "equals": 0}, {"years": 0}, True),
    ({"question": "hours", "equals": 2.5}, {"hours": 2.5}, True),
    ({"question": "consent", "equals": True}, {"consent": True}, True),
    ({"question": "consent", "equals": True}, {"consent": False}, False),
    ({"question": "consent", "equals": False}, {"consent": False}, True),
    ({"question": "consent", "equals": True}, {"consent": "true"}, True),
    ({"question": "years", "equals": 1}, {"years": True}, False),
    ({"question": "keep", "equals": "no"}, {"keep": "no"}, True),
    ({"question": "keep", "equals": "no"}, {"keep": "yes"}, False),
    # not_equals
    ({"question": "role", "not_equals": "other"}, {"role": "other"}, False),
    ({"question": "role", "not_equals": "other"}, {"role": "subject_lead"}, True),
    ({"question": "years", "not_equals": 3}, {"years": "3"}, False),
    ({"question": "role", "not_equals": "other"}, {}, True),
    ({"question": "role", "not_equals": "other"}, {"role": ""}, True),
    ({"question": "role", "not_equals": "other"}, {"role": None}, True),
    # in
    ({"question": "role", "in": ["other", "senior_leader"]}, {"role": "senior_leader"}, True),
    ({"question": "role", "in": ["other", "senior_leader"]}, {"role": "class_teacher"}, False),
    ({"question": "mood", "in": [1, 2]}, {"mood": 2}, True),
    ({"question": "mood", "in": [1, 2]}, {"mood": "2"}, True),
    ({"question": "mood", "in": [1, 2]}, {"mood": 3}, False),
    ({"question": "tastes", "in": ["red"]}, {"tastes": ["red"]}, False),
    # includes, on list answers only
    ({"question": "barriers", "includes": "time"}, {"barriers": ["workload", "time"]}, True),
    ({"question": "barriers", "includes": "time"}, {"barriers": ["workload"]}, False),
    ({"question": "barriers", "includes": "time"}, {"barriers": "time"}, False),
    ({"question": "barriers", "includes": "time"}, {"barriers": "overtime"}, False),
    ({"question": "focus", "includes": "feedback"}, {"focus": ["questioning", "feedback"]}, True),
    # numeric comparisons with numbers and numeric text
    ({"question": "years", "gt": 5}, {"years": 6}, True),
    ({"question": "years", "gt": 5}, {"years": 5}, False),
    ({"question": "years", "gte": 5}, {"years": 5}, True),
    ({"question": "years", "gte": 5}, {"years": 4}, False),
    ({"question": "years", "lt": 2}, {"years": 1}, True),
    ({"question": "years", "lt": 2}, {"years": 2}, False),
    ({"question": "years", "lte": 2}, {"years": 2}, True),
    ({"question": "years", "lte": 2}, {"years": 3}, False),
    ({"question": "years", "gt": 5}, {"years": "12"}, True),
    ({"question": "years", "lt": 5}, {"years": "12"}, False),
    ({"question": "hours", "lte": 2.5}, {"hours": "2.5"}, True),
    ({"question": "hours", "gt": 0}, {"hours": -0.5}, False),
    ({"question": "mood", "gte": 0}, {"mood": 0}, True),
    ({"question": "name", "gt": 1}, {"name": "Sam"}, False),
    ({"question": "consent", "gt": 0}, {"consent": True}, False),
    ({"question": "tastes", "gt": 0}, {"tastes": ["red"]}, False),
    # answered
    ({"question": "notes", "answered": True}, {"notes": "Some words"}, True),
    ({"question": "notes", "answered": True}, {}, False),
    ({"question": "notes", "answered": True}, {"notes": ""}, False),
    ({"question": "tastes", "answered": True}, {"tastes": []}, False),
    ({"question": "years", "answered": True}, {"years": 0}, True),
    ({"question": "consent", "answered": True}, {"consent": False}, True),
    ({"question": "notes", "answered": False}, {}, True),
    ({"question": "notes", "answered": False}, {"notes": None}, True),
    ({"question": "notes", "answered": False}, {"notes": "Some words"}, False),
]


@pytest.mark.parametrize(("spec", "answers", "expected"), COMPARISONS)
def test_comparisons(spec, answers, expected):
    assert holds(Condition.model_validate(spec), answers) is expected


UNANSWERED = [{}, {"q": None}, {"q": ""}, {"q": []}]


@pytest.mark.parametrize("answers", UNANSWERED, ids=["missing", "none", "empty text", "empty list"])
@pytest.mark.parametrize(("spec", "expected"), [
    ({"equals": "x"}, False),
    ({"equals": 0}, False),
    ({"equals": False}, False),
    ({"in": ["x", ""]}, False),
    ({"includes": "x"}, False),
    ({"gt": -1}, False),
    ({"gte": -1}, False),
    ({"lt": 100}, False),
    ({"lte": 100}, False),
    ({"answered": True}, False),
    ({"not_equals": "x"}, True),
    ({"answered": False}, True),
], ids=lambda v: "-".join(map(str, v)) if isinstance(v, dict) else str(v))
def test_unanswered_makes_every_test_false_but_not_equals_and_answered_false(spec, expected, answers):
    assert holds(Condition.model_validate({"question": "q", **spec}), answers) is expected


def test_no_condition_means_always_shown():
    assert holds(None, {}) is True


# --- all / any / not -----------------------------------------------------------------------

RED = {"question": "colour", "equals": "red"}
OLD = {"question": "age", "gte": 18}


@pytest.mark.parametrize(("spec", "answers", "expected"), [
    ({"all": [RED, OLD]}, {"colour": "red", "age": 20}, True),
    ({"all": [RED, OLD]}, {"colour": "red", "age": 12}, False),
    ({"all": [RED, OLD]}, {"colour": "red"}, False),
    ({"any": [RED, OLD]}, {"colour": "blue", "age": 20}, True),
    ({"any": [RED, OLD]}, {"colour": "blue", "age": 12}, False),
    ({"any": [RED, OLD]}, {}, False),
    ({"not": RED}, {"colour": "blue"}, True),
    ({"not": RED}, {"colour": "red"}, False),
    ({"not": RED}, {}, True),
    ({"not": {"not": RED}}, {"colour": "red"}, True),
    ({"all": [{"any": [RED, OLD]}, {"not": {"question": "keep", "equals": "yes"}}]},
     {"age": 30, "keep": "no"}, True),
    ({"all": [{"any": [RED, OLD]}, {"not": {"question": "keep", "equals": "yes"}}]},
     {"age": 30, "keep": "yes"}, False),
    ({"any": [{"all": [RED, OLD]}, {"question": "keep", "answered": False}]}, {"colour": "red"}, True),
    ({"any": [{"all": [RED, OLD]}, {"question": "keep", "answered": False}]},
     {"colour": "red", "keep": "yes"}, False),
])
def test_all_any_not_nest(spec, answers, expected):
    assert holds(Condition.model_validate(spec), answers) is expected


def test_conditions_read_their_yaml_aliases():
    condition = Condition.model_validate({"not": {"question": "role", "in": ["other"]}})
    assert condition.not_ is not None and condition.not_.in_ == ["other"]
    assert condition.questions() == ["role"]
    assert Condition.model_validate({"all": [RED, {"any": [OLD, {"not": RED}]}]}).questions() == [
        "colour", "age", "colour"]


# --- Hypothesis: combinators behave like logic ---------------------------------------------

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "a", "b", "2", "-1", "2.5", "x y"]),
    st.floats(-5, 5, allow_nan=False), st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
)
COMPARED = st.one_of(st.booleans(), st.integers(-3, 3), st.sampled_from(["a", "b", "2", "yes"]),
                     st.floats(-5, 5, allow_nan=False))


@st.composite
def comparisons(draw, questions=("p", "q")):
    question = draw(st.sampled_from(questions))
    operator = draw(st.sampled_from(["equals", "not_equals", "in", "includes", "gt", "gte", "lt", "lte",
                                     "answered"]))
    if operator in ("equals", "not_equals"):
        value = draw(COMPARED)
    elif operator == "in":
        value = draw(st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "2"])), min_size=1,
                              max_size=3))
    elif operator == "includes":
        value = draw(st.sampled_from(["a", "b", "c"]))
    elif operator == "answered":
        value = draw(st.booleans())
    else:
        value = draw(st.one_of(st.integers(-4, 4), st.floats(-5, 5, allow_nan=False)))
    return Condition.model_validate({"question": question, operator: value})


def conditions(max_leaves=6):
    return st.recursive(
        comparisons(),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda parts: Condition.model_validate({"all": parts})),
            st.lists(inner, min_size=1, max_size=3).map(lambda parts: Condition.model_validate({"any": parts})),
            inner.map(lambda part: Condition.model_validate({"not": part})),
        ),
        max_leaves=max_leaves,
    )


ANSWERS = st.dictionaries(st.sampled_from(["p", "q", "r"]), VALUES, max_size=3)


@settings(max_examples=100, deadline=None)
@given(condition=conditions(), answers=ANSWERS)
def test_not_is_the_opposite(condition, answers):
    assert holds(Condition.model_validate({"not": condition}), answers) is (not holds(condition, answers))


@settings(max_examples=100, deadline=None)
@given(condition=conditions(), answers=ANSWERS)
def test_all_or_any_of_one_condition_is_that_condition(condition, answers):
    alone = holds(condition, answers)
    assert holds(Condition.model_validate({"all": [condition]}), answers) is alone
    assert holds(Condition.model_validate({"any": [condition]}), answers) is alone


@settings(max_examples=100, deadline=None)
@given(first=conditions(3), second=conditions(3), answers=ANSWERS)
def test_all_and_any_follow_de_morgan(first, second, answers):
    a, b = holds(first, answers), holds(second, answers)
    assert holds(Condition.model_validate({"all": [first, second]}), answers) is (a and b)
    assert holds(Condition.model_validate({"any": [first, second]}), answers) is (a or b)
    not_all = Condition.model_validate({"not": {"all": [first, second]}})
    any_not = Condition.model_validate({"any": [{"not": first}, {"not": second}]})
    assert holds(not_all, answers) is holds(any_not, answers)


@settings(max_examples=100, deadline=None)
@given(condition=comparisons(questions=("p",)), answers=ANSWERS)
def test_a_comparison_reads_only_its_own_question(condition, answers):
    others_changed = {k: v for k, v in answers.items() if k == "p"} | {"q": "changed", "r": [1]}
    assert holds(condition, answers) is holds(condition, others_changed)


# --- what a condition may hold ---------------------------------------------------------------

@pytest.mark.parametrize("spec", [
    {"question": "role"},
    {"equals": "other"},
    {"question": "role", "equals": "other", "not_equals": "x"},
    {"question": "role", "gt": 1, "lt": 5},
    {"question": "role", "in": ["a"], "answered": True},
    {"all": []},
    {"any": []},
    {"question": "role", "all": [RED]},
    {"question": "role", "equals": "x", "not": RED},
    {"all": [RED], "any": [RED]},
    {"all": [RED], "equals": "red"},
    {"not": RED, "any": [OLD]},
    {"question": "role", "equal": "other"},
    {"question": "Role", "equals": "other"},
    {"all": [{"question": "role"}]},
    {"not": {}},
], ids=[
    "no operator", "no question", "two comparisons", "a range in one condition", "in and answered",
    "all empty", "any empty", "question with all", "comparison with not", "all and any", "all with equals",
    "not with any", "misspelt operator", "bad question id", "bad condition inside all", "empty not",
])
def test_malformed_conditions_are_refused(spec):
    with pytest.raises(ValidationError):
        Condition.model_validate(spec)


# --- visible answers ---------------------------------------------------------------------------

FORM = """\
id: followups
version: "1"
title: Follow-ups
choice_lists:
  roles:
    - {id: teacher, label: Teacher}
    - {id: other, label: Something else}
  barriers:
    - {id: time, label: Time}
    - {id: workload, label: Workload}
scales:
  five: {min: 1, max: 5}
sections:
  - id: you
    title: You
    questions:
      - {id: role, type: single_choice, prompt: Your role., choices: roles}
      - {id: role_other, type: short_text, prompt: "Which role?", show_if: {question: role, equals: other}}
      - id: role_detail
        type: long_text
        prompt: Tell us more.
        show_if: {question: role_other, answered: true}
      - {id: barriers, type: multi_choice, prompt: Barriers., choices: barriers}
  - id: more
    title: More
    questions:
      - {id: time_strength, type: likert, prompt: "How much?", scale: five,
         show_if: {question: barriers, includes: time}}
      - id: beliefs
        type: likert
        prompt: "Agree?"
        scale: five
        items: [{id: b1, text: One.}, {id: b2, text: Two.}]
      - {id: why_low, type: short_text, prompt: "Why?", show_if: {question: b1, lte: 2}}
"""


@pytest.fixture(scope="module")
def followups(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("conditions") / "followups.yaml"
    path.write_text(FORM, encoding="utf-8")
    return load_definition(path)


def test_changing_an_early_answer_drops_the_follow_up(followups):
    answers = {"role": "other", "role_other": "Librarian", "role_detail": "Part time"}
    assert visible_answers(followups, answers) == answers
    changed = {**answers, "role": "teacher"}
    # role_other is now hidden, and role_detail, which depends on it, goes too.
    assert visible_answers(followups, changed) == {"role": "teacher"}


def test_unticking_a_choice_drops_its_follow_up_on_a_later_page(followups):
    answers = {"barriers": ["time", "workload"], "time_strength": 4}
    assert visible_answers(followups, answers) == answers
    assert visible_answers(followups, {**answers, "barriers": ["workload"]}) == {"barriers": ["workload"]}
    assert visible_answers(followups, {"time_strength": 4}) == {}


def test_a_grid_item_can_show_a_follow_up(followups):
    assert visible_answers(followups, {"b1": 1, "b2": 5, "why_low": "Unsure"}) == {"b1": 1, "b2": 5,
                                                                                     "why_low": "Unsure"}
    assert visible_answers(followups, {"b1": 4, "b2": 5, "why_low": "Unsure"}) == {"b1": 4, "b2": 5}


def test_visible_answers_come_back_in_page_order_without_unknown_ids(followups):
    answers = {"why_low": "Unsure", "b2": 2, "b1": 2, "barriers": ["time"], "time_strength": 3,
               "role": "teacher", "stray": "left over"}
    kept = visible_answers(followups, answers)
    assert list(kept) == ["role", "barriers", "time_strength", "b1", "b2", "why_low"]
    assert "stray" not in kept


def test_visible_follows_the_question_condition(followups):
    role_other = followups.question("role_other")
    assert visible(role_other, {"role": "other"}) is True
    assert visible(role_other, {"role": "teacher"}) is False
    assert visible(role_other, {}) is False
    assert visible(followups.question("role"), {}) is True


@settings(max_examples=60, deadline=None)
@given(answers=st.fixed_dictionaries({}, optional={
    "role": st.sampled_from(["teacher", "other"]), "role_other": st.sampled_from(["", "Librarian"]),
    "role_detail": st.just("More"), "barriers": st.lists(st.sampled_from(["time", "workload"]), unique=True),
    "time_strength": st.integers(1, 5), "b1": st.integers(1, 5), "b2": st.integers(1, 5),
    "why_low": st.just("Because"),
}))
def test_visible_answers_is_stable_and_only_keeps_shown_questions(followups, answers):
    kept = visible_answers(followups, answers)
    assert visible_answers(followups, kept) == kept
    assert kept.items() <= answers.items()
    for answer_id in kept:
        assert visible(followups.answer_question(answer_id), kept)
