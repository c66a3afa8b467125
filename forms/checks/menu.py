"""Checks on a menu against the definition using it: what its focuses name must exist in the questionnaire."""

from __future__ import annotations

from forms.checks.raw import RawDefinition, construct_ids, mapping
from forms.schema import Menu
from forms.yamlfile import Problem


def _vocabulary(raw: RawDefinition) -> dict[str, tuple[str, set]]:
    """For each list a focus holds, what its entries must be and the ids they may take."""
    constructs = construct_ids(raw.data)
    known = {"builds": ("construct", constructs), "rests_on": ("construct", constructs)}
    recommend = mapping(raw.data.get("recommend"))
    for key in ("pupil_priorities", "pupil_groups"):
        q = raw.by_id.get(recommend.get(key)) if isinstance(recommend.get(key), str) else None
        if q is not None:
            known[key] = (f"choice of '{q['id']}'", set(raw.choice_ids(q) or []))
    return known


def menu_problems(menu: Menu, data: dict) -> list[Problem]:
    """What a menu names that the definition using it does not have: constructs, pupil priorities, pupil groups."""
    known, problems = _vocabulary(RawDefinition(data, menu)), []
    for i, focus in enumerate(menu.focuses):
        for key, (what, ids) in known.items():
            problems += [Problem(("focuses", i, key, k), f"focus '{focus.id}': {key} names '{value}', "
                                                         f"which is not a {what} in the questionnaire")
                         for k, value in enumerate(getattr(focus, key)) if value not in ids]
    return problems
