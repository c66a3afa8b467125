"""Tolerant readers of a raw definition, shared by the checkers: its questions, answer ids and choices.

The raw YAML data may have any shape the schema will later reject, so every reader here
skips what it cannot use instead of failing; the checkers report problems, not these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from forms.schema import Menu
from forms.yamlfile import Problem, hashable

MULTI = ("multi_choice", "ranking")
IDENT = re.compile(r"[a-z][a-z0-9_]{0,63}")
BAD_ID = ("is not a valid id (lower-case letters, digits and '_', starting with a letter, "
          "at most 64 characters)")


def mapping(value: object) -> dict:
    """`value` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def sequence(value: object) -> list:
    """`value` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def is_grid(q: dict) -> bool:
    """Whether a raw question is a grid (its items written out or taken from the menu)."""
    return "items" in q or "items_from_menu" in q


class Asked(NamedTuple):
    """One raw question, where it is written and its position in the form."""

    position: int
    where: tuple
    q: dict

    @property
    def name(self) -> str:
        """How messages about this question begin."""
        return f"question '{self.q.get('id')}': "


def questions(data: dict) -> list[Asked]:
    """Every question written as a mapping, in form order."""
    found = []
    for i, section in enumerate(sequence(data.get("sections"))):
        listed_questions = section.get("questions") if isinstance(section, dict) else None
        for j, q in enumerate(sequence(listed_questions)):
            if isinstance(q, dict):
                found.append(Asked(len(found), ("sections", i, "questions", j), q))
    return found


def answer_ids(q: dict, where: tuple, menu: Menu | None) -> list[tuple[str, tuple]]:
    """The answer ids a raw question stores, with where each is written."""
    if isinstance(q.get("items"), list):
        return _written_items(q["items"], where)
    if q.get("items_from_menu") is not None:
        return _menu_items(q["items_from_menu"], where, menu)
    return [(q["id"], where + ("id",))] if isinstance(q.get("id"), str) else []


def _written_items(items: list, where: tuple) -> list[tuple[str, tuple]]:
    """The ids of a grid's items written out in the definition."""
    return [(it["id"], where + ("items", k, "id")) for k, it in enumerate(items)
            if isinstance(it, dict) and isinstance(it.get("id"), str)]


def _menu_items(spec: object, where: tuple, menu: Menu | None) -> list[tuple[str, tuple]]:
    """The ids of a grid's items taken from the menu, one per focus."""
    # Without a usable menu there are no items to check (the menu's own problems are reported instead).
    if isinstance(spec, dict) and isinstance(spec.get("id"), str) and menu is not None:
        return [(spec["id"].replace("{focus}", f.id), where + ("items_from_menu", "id")) for f in menu.focuses]
    return []


def choice_ids(q: dict, data: dict, menu: Menu | None) -> list | None:
    """The ids of a raw question's choices, or None when they cannot be known."""
    choices = q.get("choices")
    if q.get("type") == "yes_no":
        return ["yes", "no"]
    if choices == "menu":
        return [f.id for f in menu.focuses] if menu else None
    if isinstance(choices, str):
        choices = mapping(data.get("choice_lists")).get(choices)
    if not isinstance(choices, list):
        return None
    return [c.get("id") for c in choices if isinstance(c, dict) and hashable(c.get("id"))]


def construct_ids(data: dict) -> set:
    """The ids of the definition's constructs."""
    return {c.get("id") for c in sequence(data.get("constructs")) if isinstance(c, dict) and hashable(c.get("id"))}


@dataclass
class AnswerIndex:
    """Which question owns each answer id and its position; the ids refused, by question position."""

    order: dict[str, int] = field(default_factory=dict)
    owner: dict[str, dict] = field(default_factory=dict)
    refused: list[list[Problem]] = field(default_factory=list)


def index_answers(asked: list[Asked], menu: Menu | None) -> AnswerIndex:
    """Claim every answer id in form order: the first valid use of an id owns it, later ones are refused."""
    index = AnswerIndex()
    for position, where, q in asked:
        grid_id = [(q.get("id"), where + ("id",))] if is_grid(q) else []
        refused = []
        for answer_id, at in answer_ids(q, where, menu) + grid_id:
            if not isinstance(answer_id, str):
                continue
            if not IDENT.fullmatch(answer_id):
                refused.append(Problem(at, f"question '{q.get('id')}': '{answer_id}' {BAD_ID}"))
            elif answer_id in index.order:
                refused.append(Problem(at, f"question '{q.get('id')}': duplicate id '{answer_id}' "
                                           "(also used by an earlier question)"))
            else:
                index.order[answer_id], index.owner[answer_id] = position, q
        index.refused.append(refused)
    return index


@dataclass
class RawDefinition:
    """A raw definition and its menu, with the lookups the checkers share, each worked out once."""

    data: dict
    menu: Menu | None

    @cached_property
    def questions(self) -> list[Asked]:
        """Every question, in form order."""
        return questions(self.data)

    @cached_property
    def by_id(self) -> dict[str, dict]:
        """Questions by id (of two with one id, the later)."""
        return {q["id"]: q for _, _, q in self.questions if isinstance(q.get("id"), str)}

    @cached_property
    def index(self) -> AnswerIndex:
        """Who owns each answer id."""
        return index_answers(self.questions, self.menu)

    @cached_property
    def answers(self) -> set[str]:
        """Every answer id a question with its own id stores."""
        return {a for q in self.by_id.values() for a, _ in answer_ids(q, (), self.menu)}

    @cached_property
    def grids(self) -> set[str]:
        """The ids of grids that own an answer id."""
        return {x.get("id") for x in self.index.owner.values() if is_grid(x) and isinstance(x.get("id"), str)}

    def answer_ids(self, q: dict) -> list[tuple[str, tuple]]:
        """The answer ids a raw question stores."""
        return answer_ids(q, (), self.menu)

    def choice_ids(self, q: dict) -> list | None:
        """The ids of a raw question's choices, or None when they cannot be known."""
        return choice_ids(q, self.data, self.menu)
