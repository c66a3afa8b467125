"""The teacher's own choice of learning focus: kept with their response, theirs to change until their pair is set.

Plain functions over plain records, applied under the response's lock with
`Store.update_response`, like the questionnaire steps in `journey.py`.
"""

from __future__ import annotations

from typing import Any

from diagnostic.services.journey import AlreadySubmitted, JourneyError, now
from forms.schema import Definition

GOAL_LIMIT = 600


class ChoiceLocked(JourneyError):
    """The teacher's coaching pair is confirmed, so their focus is settled."""

    status = 409
    title = "Your learning focus is settled"


class BadChoice(JourneyError):
    """The choice names a focus, pupil group or goal the menu or questionnaire does not allow."""

    status = 422


def is_locked(record: dict[str, Any]) -> bool:
    """Whether the teacher's focus is settled: their coaching pair has been confirmed."""
    return (record.get("pair") or {}).get("status") == "confirmed"


def current_choice(record: dict[str, Any], definition: Definition) -> dict[str, Any]:
    """The teacher's choice: what they chose on the menu page, else what they ranked in the questionnaire."""
    if record.get("choice"):
        return {**record["choice"], "confirmed": True}
    answers, keys = record.get("answers", {}), definition.learning_focus
    ranked = answers.get(keys.choice) if keys else None
    goal = answers.get(keys.goal) if keys and keys.goal else None
    return {"focuses": list(ranked or [])[:1], "pupil_group": None, "goal": goal or "", "chosen_at": None,
            "confirmed": False}


def choose(record: dict[str, Any], focuses: list[str], pupil_group: str | None, goal: str, *,
           offered: set[str], limit: int, pupil_groups: set[str], cycle: int = 1) -> dict[str, Any]:
    """Store the teacher's chosen focus(es), the pupils it is for and their goal in their own words, as their
    choice for `cycle` (the cohort's latest), so their history shows what they chose in each cycle."""
    if record.get("status") != "submitted":
        raise AlreadySubmitted("Submit your questionnaire first; then choose your learning focus.")
    if is_locked(record):
        raise ChoiceLocked("Your coaching pair has been confirmed, so your learning focus is settled. "
                           "Talk to your coordinator if it needs to change.")
    focuses = list(dict.fromkeys(focuses))
    previous = set((record.get("choice") or {}).get("focuses", []))
    if not focuses:
        raise BadChoice("Choose a learning focus.")
    if len(focuses) > limit:
        raise BadChoice(f"Choose at most {limit} learning focus{'es' if limit > 1 else ''}.")
    # A focus the programme no longer offers may be kept by a teacher who chose it earlier.
    unknown = [f for f in focuses if f not in offered and f not in previous]
    if unknown:
        raise BadChoice("That learning focus is not on your programme's menu.")
    if pupil_group and pupil_group not in pupil_groups:
        raise BadChoice("Choose the pupils from the list.")
    goal = goal.strip()
    if len(goal) > GOAL_LIMIT:
        raise BadChoice(f"Write your goal in at most {GOAL_LIMIT} characters.")
    history = [*record.get("choice_history", []), record["choice"]] if record.get("choice") else []
    chosen = {"focuses": focuses, "pupil_group": pupil_group or None, "goal": goal, "chosen_at": now()}
    record.update(choice={**chosen, "cycle": cycle} if cycle > 1 else chosen, choice_history=history[-20:])
    return record


def refine_goal(record: dict[str, Any], choice: dict[str, Any], goal: str, cycle: int) -> dict[str, Any]:
    """A teacher who sharpens their goal in a later cycle's follow-up: it becomes their goal from that cycle on,
    and the choice it replaces goes into their history, so the goals of every cycle are kept. `choice` is their
    choice now (`current_choice`); sending the same goal for the same cycle again changes nothing."""
    kept = {k: v for k, v in choice.items() if k != "confirmed"}
    goal = goal.strip()[:GOAL_LIMIT]
    if kept.get("cycle") == cycle and kept.get("goal") == goal:
        return record
    history = [*record.get("choice_history", []), {**kept, "cycle": kept.get("cycle", 1)}]
    record.update(choice={**kept, "goal": goal, "chosen_at": now(), "cycle": cycle}, choice_history=history[-20:])
    return record


def goals_by_cycle(record: dict[str, Any], definition: Definition) -> list[dict[str, Any]]:
    """The teacher's focus and goal in each cycle, first to latest (the last choice made in each)."""
    latest: dict[int, dict[str, Any]] = {}
    for entry in [*record.get("choice_history", []), current_choice(record, definition)]:
        latest[entry.get("cycle", 1)] = entry
    titles = {f.id: f.title for f in definition.learning_focuses.focuses} if definition.learning_focuses else {}
    return [{"cycle": n, "focuses": [titles.get(f, f) for f in c.get("focuses", [])], "goal": c.get("goal") or ""}
            for n, c in sorted(latest.items())]
