"""Checks on the sections and on each question by itself: ids, scale, choices and selection limits."""

from __future__ import annotations

from forms.checks.raw import Asked, RawDefinition, mapping, sequence
from forms.yamlfile import Problem


def section_problems(raw: RawDefinition) -> list[Problem]:
    """Two sections with one id."""
    problems, seen = [], set()
    for i, section in enumerate(sequence(raw.data.get("sections"))):
        sid = section.get("id") if isinstance(section, dict) else None
        if isinstance(sid, str):
            if sid in seen:
                problems.append(Problem(("sections", i, "id"), f"section '{sid}': duplicate section id"))
            seen.add(sid)
    return problems


def _ids(raw: RawDefinition, asked: Asked) -> list[Problem]:
    """Answer ids that are invalid or already used by an earlier question."""
    return raw.index.refused[asked.position]


def _scale(raw: RawDefinition, asked: Asked) -> list[Problem]:
    """A scale name the definition does not define."""
    scale = asked.q.get("scale")
    if isinstance(scale, str) and scale not in mapping(raw.data.get("scales")):
        return [Problem(asked.where + ("scale",), f"{asked.name}unknown scale '{scale}'")]
    return []


def _choice_source(raw: RawDefinition, asked: Asked) -> list[Problem]:
    """Choices from a menu the definition does not name, or from a choice list it does not define."""
    q, choices = asked.q, asked.q.get("choices")
    if choices == "menu" or q.get("items_from_menu") is not None:
        if raw.menu is None and not isinstance(raw.data.get("menu"), str):
            return [Problem(asked.where, f"{asked.name}uses the menu, but the definition names no menu")]
    elif isinstance(choices, str) and choices not in mapping(raw.data.get("choice_lists")):
        return [Problem(asked.where + ("choices",), f"{asked.name}unknown choice list '{choices}'")]
    return []


def _duplicate_choices(raw: RawDefinition, asked: Asked) -> list[Problem]:
    """Two choices with one id."""
    ids = raw.choice_ids(asked.q) or []
    dupes = sorted({str(c) for c in ids if ids.count(c) > 1 and c is not None})
    return [Problem(asked.where + ("choices",), f"{asked.name}duplicate choice ids {dupes}")] if dupes else []


def _selection_limits(raw: RawDefinition, asked: Asked) -> list[Problem]:
    """A min_selected or max_selected above the number of choices."""
    ids, problems = raw.choice_ids(asked.q), []
    for key in ("min_selected", "max_selected"):
        limit = asked.q.get(key)
        if isinstance(limit, int) and ids and limit > len(ids):
            problems.append(Problem(asked.where + (key,),
                                    f"{asked.name}{key} ({limit}) exceeds the {len(ids)} choices"))
    return problems


# Run on each question in turn, so that a question's problems stay together in this order.
QUESTION_CHECKS = (_ids, _scale, _choice_source, _duplicate_choices, _selection_limits)


def question_problems(raw: RawDefinition) -> list[Problem]:
    """Every question's own problems, question by question."""
    return [problem for asked in raw.questions for check in QUESTION_CHECKS for problem in check(raw, asked)]
