"""Checks on `show_if` conditions: each names an earlier answer and compares it in a way that fits its type."""

from __future__ import annotations

from typing import Any

from forms.checks.raw import MULTI, Asked, RawDefinition
from forms.yamlfile import Problem

NUMERIC = ("gt", "gte", "lt", "lte")
CHOICE_TYPES = ("single_choice", "yes_no", *MULTI)


def show_if_problems(raw: RawDefinition) -> list[Problem]:
    """Every problem in every question's show_if, question by question."""
    problems = []
    for asked in raw.questions:
        condition = asked.q.get("show_if")
        if condition is not None:
            problems += _condition(raw, condition, asked.where + ("show_if",), asked)
    return problems


def _condition(raw: RawDefinition, cond: Any, where: tuple, asked: Asked) -> list[Problem]:
    """The problems of one condition: first those of the conditions inside it, then its own."""
    if not isinstance(cond, dict):
        return []
    problems = []
    for part, at in _parts(cond, where):
        problems += _condition(raw, part, at, asked)
    return problems + _comparison(raw, cond, where, asked)


def _parts(cond: dict, where: tuple) -> list[tuple[Any, tuple]]:
    """The conditions an all, any or not holds, with where each is written."""
    parts = [(part, where + (key, k)) for key in ("all", "any") if isinstance(cond.get(key), list)
             for k, part in enumerate(cond[key])]
    return parts + ([(cond["not"], where + ("not",))] if isinstance(cond.get("not"), dict) else [])


def _comparison(raw: RawDefinition, cond: dict, where: tuple, asked: Asked) -> list[Problem]:
    """The problems of the question a condition names and of how it compares that question's answer."""
    target = cond.get("question")
    if not isinstance(target, str):
        return []
    name = f"question '{asked.q.get('id')}': show_if"
    wrong_target = _target_problem(raw, target, asked.position)
    if wrong_target:
        return [Problem(where + ("question",), f"{name} {wrong_target}")]
    return _operators(cond, where, name, target, raw.index.owner[target]) + _values(raw, cond, where, name, target)


def _target_problem(raw: RawDefinition, target: str, position: int) -> str | None:
    """Why a condition cannot name `target`: a whole grid, an unknown id, or a later answer."""
    owner = raw.index.owner
    if target in raw.grids and (target not in owner or owner[target].get("id") == target):
        return f"names the grid '{target}'; name one of its items instead"
    if target not in raw.index.order:
        return f"names unknown question '{target}'"
    if raw.index.order[target] >= position:
        return f"names '{target}', which does not come before it (a condition can only use earlier answers)"
    return None


def _operators(cond: dict, where: tuple, name: str, target: str, source: dict) -> list[Problem]:
    """Operators that do not fit the type of the question named: includes, a number comparison, equals."""
    kind, at, problems = source.get("type"), where + ("question",), []
    if "includes" in cond and kind not in MULTI:
        problems.append(Problem(where + ("includes",), f"{name} uses includes on '{target}', "
                                                       f"which is {kind}, not multi_choice or ranking"))
    if any(k in cond for k in NUMERIC) and kind not in ("number", "likert"):
        problems.append(Problem(at, f"{name} compares '{target}' as a number, but it is {kind}"))
    if kind in MULTI and ("equals" in cond or "not_equals" in cond):
        problems.append(Problem(at, f"{name} compares '{target}' with equals, but it holds a list of choices; "
                                    "use includes"))
    return problems


def _values(raw: RawDefinition, cond: dict, where: tuple, name: str, target: str) -> list[Problem]:
    """Values compared with a choice question's answer that are not among its choices."""
    source = raw.index.owner[target]
    ids = raw.choice_ids(source)
    if not ids or source.get("type") not in CHOICE_TYPES:
        return []
    return [Problem(where + (key,), f"{name}: {cond.get(key)!r} is not a choice of '{target}'")
            for key in ("equals", "not_equals", "includes") if key in cond and cond.get(key) not in ids]
