"""Checks on constructs: unique ids, and items that are scale questions sharing one scale."""

from __future__ import annotations

from forms.checks.raw import RawDefinition, is_grid, mapping, sequence
from forms.yamlfile import Problem


def construct_problems(raw: RawDefinition) -> list[Problem]:
    """Every construct's problems, construct by construct."""
    problems, seen = [], set()
    for i, c in enumerate(sequence(raw.data.get("constructs"))):
        if not isinstance(c, dict):
            continue
        name = f"construct '{c.get('id')}': "
        cid = c.get("id") if isinstance(c.get("id"), str) else None
        if cid is not None and cid in seen:
            problems.append(Problem(("constructs", i, "id"), f"{name}duplicate construct id"))
        seen.add(cid)
        problems += _items(raw, c, i, name)
    return problems


def _items(raw: RawDefinition, c: dict, i: int, name: str) -> list[Problem]:
    """Items that are not scale questions of this definition, or that use different scales."""
    problems, used_scales = [], set()
    for item, key in mapping(c.get("items")).items():
        q = raw.index.owner.get(item)
        wrong = _item_problem(q, item, key)
        if wrong:
            problems.append(Problem(("constructs", i, "items", item), f"{name}{wrong}"))
        else:
            scale = q.get("scale")
            used_scales.add(scale if isinstance(scale, str) else repr(scale))
    if len(used_scales) > 1:
        problems.append(Problem(("constructs", i, "items"), f"{name}items use different scales; "
                                                             "a construct's items must share one scale"))
    return problems


def _item_problem(q: dict | None, item: object, key: object) -> str | None:
    """Why the question owning `item` cannot be a construct's item: a whole grid, none, or not a scale."""
    if q is not None and q.get("id") == item and is_grid(q):
        return f"'{item}' is a whole grid; list the grid's items instead"
    if q is None:
        return f"item '{item}' is not a question in this definition"
    if q.get("type") != "likert":
        what = "a reverse key ('-')" if key == "-" else "a key"
        return f"item '{item}' is {q.get('type')}, not a scale item, so it cannot take {what}"
    return None
