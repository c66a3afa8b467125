"""The safe `show_if` evaluator: walks a parsed condition over answers, never `eval`."""

from __future__ import annotations

from typing import Any

from forms.schema import Condition, Definition, Question

Answers = dict[str, Any]


def holds(condition: Condition | None, answers: Answers) -> bool:
    """Whether a condition is true for these answers; no condition means always shown.

    An unanswered question makes every comparison false except `not_equals`
    and `answered: false`, so follow-up questions stay hidden until asked for.
    """
    if condition is None:
        return True
    if condition.all is not None:
        return all(holds(part, answers) for part in condition.all)
    if condition.any is not None:
        return any(holds(part, answers) for part in condition.any)
    if condition.not_ is not None:
        return not holds(condition.not_, answers)
    value = answers.get(condition.question)
    answered = value not in (None, "", [])
    if condition.answered is not None:
        return answered == condition.answered
    if condition.not_equals is not None:
        return not answered or not _same(value, condition.not_equals)
    if not answered:
        return False
    if condition.equals is not None:
        return _same(value, condition.equals)
    if condition.in_ is not None:
        return any(_same(value, option) for option in condition.in_)
    if condition.includes is not None:
        return isinstance(value, list) and condition.includes in value
    number = _number(value)
    if number is None:
        return False
    for bound, test in (("gt", number.__gt__), ("gte", number.__ge__), ("lt", number.__lt__), ("lte", number.__le__)):
        limit = getattr(condition, bound)
        if limit is not None:
            return bool(test(limit))
    return False


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return value is expected or str(value).lower() == str(expected).lower()
    if isinstance(expected, int | float) and _number(value) is not None:
        return _number(value) == expected
    return str(value) == str(expected)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def visible(question: Question, answers: Answers) -> bool:
    """Whether a question is shown, given the answers so far."""
    return holds(question.show_if, answers)


def visible_answers(definition: Definition, answers: Answers) -> Answers:
    """Keep only answers to questions that are shown, in page order.

    A question hidden by an earlier answer is dropped, so changing an early
    answer removes follow-ups that no longer apply.
    """
    kept: Answers = {}
    for q in definition.questions():
        if not holds(q.show_if, kept):
            continue
        for answer_id in q.answer_ids():
            if answer_id in answers:
                kept[answer_id] = answers[answer_id]
    return kept
