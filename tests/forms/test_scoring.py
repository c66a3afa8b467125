"""Construct scores: reverse keys, means over answered items, min_answered, and the shipped constructs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.loader import load_definition
from forms.schema import Definition
from forms.scoring import construct_range, construct_score, item_score, score

SHIPPED = Path(__file__).resolve().parents[2] / "forms" / "definitions" / "starting-point.yaml"


@pytest.fixture(scope="module")
def starting_point() -> Definition:
    return load_definition(SHIPPED)


def grid_definition(low: int, high: int, keys: dict[str, str], min_answered: int = 1) -> Definition:
    """A one-page definition: a grid of items on a low..high scale and one construct over them."""
    return Definition.model_validate({
        "id": "scored",
        "version": "1",
        "title": "Scored",
        "sections": [{
            "id": "page",
            "title": "Page",
            "questions": [{
                "id": "grid",
                "type": "likert",
                "prompt": "Rate these.",
                "scale": {"min": low, "max": high},
                "items": [{"id": item, "text": f"Statement {item}."} for item in keys],
            }],
        }],
        "constructs": [{"id": "trait", "label": "Trait", "items": keys, "min_answered": min_answered}],
    })


# --- single items ------------------------------------------------------------------------------

@pytest.mark.parametrize(("low", "high", "value", "expected"), [
    (1, 5, 1, 5), (1, 5, 2, 4), (1, 5, 3, 3), (1, 5, 4, 2), (1, 5, 5, 1),
    (0, 10, 0, 10), (0, 10, 3, 7), (0, 10, 5, 5), (0, 10, 10, 0),
    (0, 3, 1, 2), (-2, 2, -2, 2), (-2, 2, 1, -1),
])
def test_a_reverse_keyed_item_counts_as_min_plus_max_minus_the_answer(low, high, value, expected):
    assert item_score(value, "-", low, high) == expected
    assert item_score(value, "+", low, high) == value


@settings(max_examples=100, deadline=None)
@given(data=st.data(), low=st.integers(-5, 5), width=st.integers(1, 10))
def test_reversing_twice_gives_the_answer_back_and_stays_on_the_scale(data, low, width):
    high = low + width
    value = data.draw(st.integers(low, high))
    reversed_value = item_score(value, "-", low, high)
    assert low <= reversed_value <= high
    assert item_score(reversed_value, "-", low, high) == value


# --- means ---------------------------------------------------------------------------------------

def test_the_score_is_the_mean_of_answered_items_only():
    definition = grid_definition(1, 5, {"a": "+", "b": "+", "c": "-", "d": "+"})
    construct = definition.constructs[0]
    assert construct_score(definition, construct, {"a": 4, "b": 2}) == 3.0
    # c is reversed (5 -> 1); d is unanswered and left out, not counted as zero.
    assert construct_score(definition, construct, {"a": 4, "b": 2, "c": 5}) == pytest.approx(7 / 3, abs=0.001)
    assert construct_score(definition, construct, {"a": 4, "b": 2, "c": 5}) == 2.333


@pytest.mark.parametrize("not_a_rating", [None, "", "4", 4.0, True, [4]], ids=repr)
def test_only_whole_number_answers_count(not_a_rating):
    definition = grid_definition(1, 5, {"a": "+", "b": "+"})
    assert construct_score(definition, definition.constructs[0], {"a": 2, "b": not_a_rating}) == 2.0


@pytest.mark.parametrize(("answers", "expected"), [
    ({}, None),
    ({"a": 5}, None),
    ({"a": 5, "x": 1}, None),
    ({"a": 5, "b": 3}, 4.0),
    ({"a": 5, "b": 3, "c": 1}, 4.333),
    ({"a": 1, "b": 1, "c": 5}, 1.0),
])
def test_fewer_answers_than_min_answered_gives_no_score(answers, expected):
    definition = grid_definition(1, 5, {"a": "+", "b": "+", "c": "-"}, min_answered=2)
    assert construct_score(definition, definition.constructs[0], answers) == expected


def test_score_covers_every_construct_by_id():
    definition = Definition.model_validate({
        **grid_definition(0, 10, {"a": "+", "b": "-"}).model_dump(by_alias=True, exclude_none=True),
        "constructs": [
            {"id": "first", "label": "First", "items": {"a": "+", "b": "-"}},
            {"id": "second", "label": "Second", "items": {"b": "+"}, "min_answered": 1},
        ],
    })
    assert score(definition, {"a": 8, "b": 2}) == {"first": 8.0, "second": 2.0}
    assert score(definition, {"a": 8}) == {"first": 8.0, "second": None}


# --- the shipped questionnaire ------------------------------------------------------------

def test_strong_agreement_with_every_learner_centred_statement_scores_3_4(starting_point):
    answers = {f"lc{n}": 5 for n in range(1, 6)}
    assert score(starting_point, answers)["learner_centred"] == pytest.approx((5 + 1 + 5 + 1 + 5) / 5)
    assert score(starting_point, answers)["learner_centred"] == 3.4


def test_learner_centred_needs_three_answers(starting_point):
    construct = next(c for c in starting_point.constructs if c.id == "learner_centred")
    assert construct_score(starting_point, construct, {"lc1": 4, "lc2": 2}) is None
    # lc2 is reverse keyed: 2 counts as 4, so the mean is (4 + 4 + 3) / 3, rounded to three places.
    assert construct_score(starting_point, construct, {"lc1": 4, "lc2": 2, "lc3": 3}) == 3.667


def test_shipped_construct_ranges_are_their_scale(starting_point):
    for construct in starting_point.constructs:
        assert construct_range(starting_point, construct) == (1, 5)


def test_a_teacher_agreeing_fully_with_each_construct_gets_the_maximum(starting_point):
    for construct in starting_point.constructs:
        low, high = construct_range(starting_point, construct)
        answers = {item: high if key == "+" else low for item, key in construct.items.items()}
        assert construct_score(starting_point, construct, answers) == high
        opposite = {item: low if key == "+" else high for item, key in construct.items.items()}
        assert construct_score(starting_point, construct, opposite) == low


@settings(max_examples=100, deadline=None)
@given(answers=st.dictionaries(
    st.sampled_from(["lc1", "lc2", "lc3", "lc4", "lc5", "ef1", "ef2", "ef3", "ef4", "op1", "op2", "op3", "op4"]),
    st.integers(1, 5)))
def test_shipped_scores_lie_on_the_scale_or_are_missing(starting_point, answers):
    for construct in starting_point.constructs:
        result = construct_score(starting_point, construct, answers)
        answered = sum(1 for item in construct.items if item in answers)
        if answered < construct.min_answered:
            assert result is None
        else:
            assert 1 <= result <= 5


# --- any scale, any keys -----------------------------------------------------------------------

@st.composite
def scored_forms(draw):
    low = draw(st.integers(-3, 5))
    high = low + draw(st.integers(1, 10))
    count = draw(st.integers(1, 6))
    keys = {f"i{n}": draw(st.sampled_from(["+", "-"])) for n in range(count)}
    min_answered = draw(st.integers(1, count))
    answers = draw(st.dictionaries(st.sampled_from(list(keys)), st.integers(low, high)))
    return grid_definition(low, high, keys, min_answered), answers


@settings(max_examples=100, deadline=None)
@given(case=scored_forms())
def test_every_score_lies_within_the_scale(case):
    definition, answers = case
    construct = definition.constructs[0]
    low, high = construct_range(definition, construct)
    result = construct_score(definition, construct, answers)
    if len(answers) < construct.min_answered:
        assert result is None
    else:
        assert low <= result <= high
        contributions = [item_score(v, construct.items[k], low, high) for k, v in answers.items()]
        assert result == pytest.approx(sum(contributions) / len(contributions), abs=0.0005)


@settings(max_examples=100, deadline=None)
@given(case=scored_forms())
def test_agreeing_with_the_construct_on_every_item_scores_the_maximum(case):
    definition, _ = case
    construct = definition.constructs[0]
    low, high = construct_range(definition, construct)
    agreeing = {item: high if key == "+" else low for item, key in construct.items.items()}
    assert construct_score(definition, construct, agreeing) == high
    disagreeing = {item: low if key == "+" else high for item, key in construct.items.items()}
    assert construct_score(definition, construct, disagreeing) == low
