"""Construct scores: the mean of a construct's answered items, reverse keys applied."""

from __future__ import annotations

from typing import Any

from forms.schema import Construct, Definition


def item_score(value: int, key: str, low: int, high: int) -> int:
    """An item's contribution: reverse-keyed items count as low + high - value."""
    return low + high - value if key == "-" else value


def construct_score(definition: Definition, construct: Construct, answers: dict[str, Any]) -> float | None:
    """The construct's mean over answered items, or None if fewer than `min_answered` were answered."""
    values = []
    for item, key in construct.items.items():
        value = answers.get(item)
        if isinstance(value, int) and not isinstance(value, bool):
            scale = definition.answer_question(item).scale
            values.append(item_score(value, key, scale.min, scale.max))
    if len(values) < construct.min_answered:
        return None
    return round(sum(values) / len(values), 3)


def score(definition: Definition, answers: dict[str, Any]) -> dict[str, float | None]:
    """Every construct's score for one response, keyed by construct id."""
    return {c.id: construct_score(definition, c, answers) for c in definition.constructs}


def construct_range(definition: Definition, construct: Construct) -> tuple[int, int]:
    """The lowest and highest possible score of a construct (its items' shared scale)."""
    scale = definition.answer_question(next(iter(construct.items))).scale
    return scale.min, scale.max
