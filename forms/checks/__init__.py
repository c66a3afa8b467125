"""Cross-reference checks on a raw definition: one checker per part, run in the order of CHECKERS.

These run on the raw YAML data (tolerating shapes the schema will reject) so that
one `forms check` run reports every problem, not only the first kind found.
Each checker takes a `RawDefinition` (the data, its menu and shared lookups) and
returns its problems; a new part of the format gets its own checker in the table.
"""

from __future__ import annotations

from forms.checks.conditions import show_if_problems
from forms.checks.constructs import construct_problems
from forms.checks.follow_up import follow_up_problems, progress_problems
from forms.checks.grouping import grouping_problems
from forms.checks.menu import menu_problems
from forms.checks.questions import question_problems, section_problems
from forms.checks.raw import RawDefinition
from forms.checks.recommend import learning_focus_problems, recommend_problems
from forms.pairing import pairing_problems as pairing_section_problems
from forms.schema import Menu
from forms.yamlfile import Problem

__all__ = ["CHECKERS", "cross_reference_problems", "menu_problems"]


def pairing_problems(raw: RawDefinition) -> list[Problem]:
    """The questions and choices `pairing:` names must exist and fit (see forms/pairing.py)."""
    return [Problem(where, message) for where, message in
            pairing_section_problems(raw.data, raw.menu, raw.by_id, raw.choice_ids)]


CHECKERS = (
    section_problems,         # sections: unique ids
    question_problems,        # each question: ids, scale, choices, selection limits
    show_if_problems,         # conditions: earlier answers, compared as their type allows
    construct_problems,       # constructs: unique ids, scale items on one scale
    grouping_problems,        # grouping: blocks and describe
    recommend_problems,       # recommend: the questions and answers ranking the menu reads
    pairing_problems,         # pairing: the questions and choices partnerships read
    learning_focus_problems,  # learning_focus: the choice and goal questions
    follow_up_problems,       # follows and matches: a follow-up's own side (the followed side: forms/catalog.py)
    progress_problems,        # progress: the follow-up's goal, pupil evidence and new goal questions
)


def cross_reference_problems(data: dict, menu: Menu | None) -> list[Problem]:
    """Every broken reference in a raw definition, each naming the question it concerns."""
    raw = RawDefinition(data, menu)
    return [problem for check in CHECKERS for problem in check(raw)]
