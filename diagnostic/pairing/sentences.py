"""Why a partnership was proposed and what it trades off, in plain words from the teachers' own answers.

Each criterion has a sentence for when it is met well and one for when it is
the partnership's weak point. A partnership shows the (up to) two criteria that
added most to its score, then its weakest criterion as the trade-off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WELL_MET = 0.75  # a criterion at least this well met can be a reason
WEAK = WELL_MET  # a criterion met less well than this can be the trade-off

Teacher = dict[str, Any]


def _names(*teachers: Teacher) -> str:
    names = [t.get("name") or "a teacher" for t in teachers]
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def _focus(t: Teacher) -> str:
    return t.get("focus_title") or t.get("focus") or "their focus"


def _shown(t: Teacher, focus: str | None) -> str:
    return (t.get("confidence_shown") or {}).get(focus, "not given")


def _times(a: Teacher, b: Teacher) -> str:
    common = [x for x in a.get("times") or [] if x in (b.get("times") or [])]
    return "; ".join(f"“{x}”" for x in common)


def _peers(a: Teacher, b: Teacher, value: float) -> tuple[str, str]:
    focus, title = a.get("focus"), _focus(a)
    la, lb = (a.get("confidence") or {}).get(focus), (b.get("confidence") or {}).get(focus)
    if la is not None and lb is not None and la != lb:
        ahead, behind = (a, b) if la > lb else (b, a)
        well = (f"{ahead.get('name')} is a step ahead in {title.lower()} ({_shown(ahead, focus)} against "
                f"{_shown(behind, focus)}), so each has something to offer the other.")
    else:
        well = f"Both feel about as confident in {title.lower()} ({_shown(a, focus)}): they can learn as equals."
    if la is None or lb is None:
        weak = f"We do not know how confident both are in {title.lower()}."
    elif la == lb:
        weak = (f"Both are at the same level in {title.lower()} ({_shown(a, focus)}), so neither is a step ahead "
                "to model it: the specialist input matters more.")
    else:
        weak = (f"Their confidence in {title.lower()} is far apart ({_shown(a, focus)} and {_shown(b, focus)}): "
                "agree early how the stronger partner will share without leading.")
    return well, weak


def _wishes(a: Teacher, b: Teacher) -> str:
    unmet = [t for t in (a, b) if t.get("wish") in ("same", "other")
             and (t.get("wish") == "same") != (a.get("school") == b.get("school"))]
    if not unmet:
        return "Neither said where a partner should work."
    where = {"same": "in their own school", "other": "in another school"}
    return f"{unmet[0].get('name')} asked for a partner {where[unmet[0]['wish']]}."


# criterion -> (sentence when met well, sentence when it is the trade-off), from the two teachers and the value
CO_COACHING: dict[str, Callable[[Teacher, Teacher, float], tuple[str, str]]] = {
    "focus": lambda a, b, v: (f"Both chose {_focus(a).lower()} as their learning focus.",
                              f"They chose different focuses ({_focus(a).lower()} and {_focus(b).lower()}), "
                              "so they will need to agree what to observe."),
    "confidence": _peers,
    "availability": lambda a, b, v: (f"They gave the same times to meet: {_times(a, b)}." if _times(a, b) else
                                     "Their times to meet are not known yet.",
                                     f"Only some of their times match ({_times(a, b)})." if _times(a, b) else
                                     "One of them has not said when they could meet."),
    "observation": lambda a, b, v: ("Both are comfortable being observed.",
                                    "One of them is unsure about being observed: start by planning together "
                                    "before watching lessons."),
    "school": lambda a, b, v: ("They work in different schools, as the programme prefers.",
                               "They work in the same school, though the programme prefers partners from "
                               "different schools."),
    "wishes": lambda a, b, v: ("Each gets the kind of partner they asked for.", _wishes(a, b)),
    "roles": lambda a, b, v: ("Both want to take turns coaching.",
                              "Not both of them asked to take turns coaching: agree who leads each cycle."),
}

MENTORING: dict[str, Callable[[Teacher, Teacher, float], tuple[str, str]]] = {
    "strength": lambda m, t, v: (
        f"{m.get('name')} is strong in {_focus(t).lower()} ({_shown(m, t.get('focus'))})." if t.get("focus") else
        f"{m.get('name')} is confident across the strategies ({t.get('name')} has not chosen a focus yet).",
        f"{m.get('name')} is less confident in {_focus(t).lower()} than other mentors "
        f"({_shown(m, t.get('focus'))})."),
    "experience": lambda m, t, v: (f"{m.get('name')} has long experience to share.",
                                   f"{m.get('name')} is among the less experienced mentors."),
    "availability": CO_COACHING["availability"],
    "observation": lambda m, t, v: (f"{t.get('name')} is comfortable being observed.",
                                    f"{t.get('name')} is not yet comfortable being observed: start with the "
                                    "mentee watching the mentor."),
    "school": CO_COACHING["school"],
    "wishes": CO_COACHING["wishes"],
}

SPECIALIST: dict[str, Callable[[Teacher, Teacher, float], tuple[str, str]]] = {
    "expertise": lambda s, t, v: (f"{s.get('name')} specialises in {_focus(t).lower()}.",
                                  f"{_focus(t)} is not among {s.get('name')}'s main specialisms."),
    "need": lambda s, t, v: (f"{t.get('name')} is least confident in {_focus(t).lower()} "
                             f"({_shown(t, t.get('focus'))}), so specialist input should help most.",
                             f"{t.get('name')} already feels fairly confident in {_focus(t).lower()} "
                             f"({_shown(t, t.get('focus'))})."),
    "wants_coaching": lambda s, t, v: (f"{t.get('name')} asked to be coached.",
                                       f"{t.get('name')} did not ask to be coached."),
}


def explain(phrases: dict, criteria: dict[str, float], weights: dict[str, float], a: Teacher, b: Teacher) -> list[str]:
    """The two criteria that added most (if well met), then the weakest one as the trade-off."""
    counted = [c for c in phrases if weights.get(c, 0) > 0 and c in criteria]
    best = sorted((c for c in counted if criteria[c] >= WELL_MET), key=lambda c: -weights[c] * criteria[c])[:2]
    found = [phrases[c](a, b, criteria[c])[0] for c in best]
    weak = sorted((c for c in counted if criteria[c] < WEAK), key=lambda c: (criteria[c] - 1) * weights[c])
    if weak:
        found.append("Trade-off: " + phrases[weak[0]](a, b, criteria[weak[0]])[1])
    return found


def for_group(specialist: Teacher, members: list[Teacher], criteria: dict[str, float]) -> list[str]:
    """Why a whole starting-point group goes to a specialist, in group terms only (no one's own ratings)."""
    covered = [m for m in members if m.get("focus") in specialist.get("expertise", [])]
    titles = sorted({_focus(m).lower() for m in covered})
    found = [f"{specialist.get('name')} covers {', '.join(titles) or 'none of their focuses'}, chosen by "
             f"{len(covered)} of the {len(members)} teachers in the group."]
    if criteria.get("need", 0) >= WELL_MET:
        found.append("The group is, on the whole, least confident in the focuses it chose.")
    if len(covered) < len(members):
        found.append(f"Trade-off: {len(members) - len(covered)} of them chose a focus this specialist does not "
                     "cover.")
    return found
