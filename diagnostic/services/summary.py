"""Plain-language views of one response: answers as a teacher reads them, and their starting point."""

from __future__ import annotations

from typing import Any

from forms.conditions import holds
from forms.schema import Definition, Question
from forms.scoring import construct_range


def describe_answer(q: Question, answers: dict[str, Any]) -> list[str]:
    """A question's answer as lines of text (a grid gives one line per item); [] if unanswered."""
    if q.is_grid:
        return [f"{item.text}: {q.scale.label(answers[item.id])}" for item in q.items if item.id in answers]
    value = answers.get(q.id)
    if value in (None, "", []):
        return []
    if q.type == "likert":
        return [q.scale.label(value)]
    if q.type in ("single_choice", "yes_no"):
        return [q.option_label(value)]
    if q.type == "multi_choice":
        return [", ".join(q.option_label(v) for v in value)]
    if q.type == "ranking":
        return [f"{n}. {q.option_label(v)}" for n, v in enumerate(value, start=1)]
    if q.type == "consent":
        return ["Agreed"]
    return [str(value)]


def grid_answers(q: Question, answers: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Each statement of a likert grid with its answer's label (None if unanswered), to list them as pairs."""
    return [(item.text, q.scale.label(answers[item.id]) if item.id in answers else None) for item in q.items or []]


def review_rows(definition: Definition, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Per visible page: its number, title, (question, answer lines) rows, and each grid's (statement, answer)."""
    pages = []
    for number, section in enumerate(definition.sections, start=1):
        rows = [(q, describe_answer(q, answers)) for q in section.questions if holds(q.show_if, answers)]
        if rows:
            grids = {q.id: grid_answers(q, answers) for q, _ in rows if q.is_grid}
            pages.append({"number": number, "title": section.title, "rows": rows, "grids": grids})
    return pages


def starting_point(definition: Definition, scores: dict[str, float | None]) -> list[dict[str, Any]]:
    """Each construct's score with its range, position (0..1) and a plain-language sentence."""
    found = []
    for c in definition.constructs:
        low, high = construct_range(definition, c)
        value = scores.get(c.id)
        if value is None:
            sentence = "You did not answer enough of these statements for a score."
            position = None
        else:
            position = (value - low) / (high - low)
            if position >= 0.6 and c.high:
                sentence = c.high
            elif position <= 0.4 and c.low:
                sentence = c.low
            else:
                sentence = f"Your answers put you around the middle for {c.label.lower()}."
        found.append({"id": c.id, "label": c.label, "description": c.description, "score": value,
                      "min": low, "max": high, "position": position, "sentence": sentence})
    return found
