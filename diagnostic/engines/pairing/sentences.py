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


def _all(people: list[Teacher]) -> str:
    """How a sentence starts when it is true of everyone in the partnership: "Both", "All three"."""
    return {2: "Both", 3: "All three", 4: "All four", 5: "All five"}.get(len(people), f"All {len(people)}")


def _not_all(people: list[Teacher]) -> str:
    return "Not both of them" if len(people) == 2 else f"Not all {_all(people)[4:].strip() or len(people)} of them"


def _focus(t: Teacher) -> str:
    return t.get("focus_title") or t.get("focus") or "their focus"


def _shown(t: Teacher, focus: str | None) -> str:
    return (t.get("confidence_shown") or {}).get(focus, "not given")


def _times(people: list[Teacher]) -> str:
    """The times every one of them gave, in their words."""
    first, *rest = people
    common = [x for x in first.get("times") or [] if all(x in (o.get("times") or []) for o in rest)]
    return "; ".join(f"“{x}”" for x in common)


def _levels(people: list[Teacher], focus: str | None, then: str = "and") -> str:
    shown = [_shown(t, focus) for t in people]
    return f" {then} ".join(shown) if len(shown) < 3 else f"{', '.join(shown[:-1])} {then} {shown[-1]}"


def _peers(people: list[Teacher], value: float) -> tuple[str, str]:
    first = people[0]
    focus, title = first.get("focus"), _focus(first).lower()
    levels = [(t.get("confidence") or {}).get(focus) for t in people]
    known = [t for t, level in zip(people, levels, strict=True) if level is not None]
    spread = {level for level in levels if level is not None}
    if len(spread) > 1:
        ahead = max(known, key=lambda t: t["confidence"][focus])
        others = [t for t in people if t is not ahead]
        well = (f"{ahead.get('name')} is {'a step' if len(people) == 2 else 'furthest'} ahead in {title} "
                f"({_shown(ahead, focus)} against "
                f"{_levels(others, focus)}), so each has something to offer the "
                f"{'other' if len(people) == 2 else 'others'}.")
    else:
        well = (f"{_all(people)} feel about as confident in {title} ({_shown(first, focus)}): they can learn as "
                "equals.")
    if len(known) < len(people):
        weak = f"We do not know how confident {'both' if len(people) == 2 else 'all of them'} are in {title}."
    elif len(spread) == 1:
        weak = (f"{_all(people)} are at the same level in {title} ({_shown(first, focus)}), so no one is a step "
                "ahead to model it: the specialist input matters more.")
    else:
        weak = (f"Their confidence in {title} is far apart ({_levels(people, focus)}): agree early how the "
                f"stronger {'partner' if len(people) == 2 else 'partners'} will share without leading.")
    return well, weak


def _wishes(people: list[Teacher]) -> str:
    def unmet(t: Teacher) -> bool:
        others = [o for o in people if o is not t]
        if t.get("wish") == "same":
            return any(o.get("school") != t.get("school") for o in others)
        return t.get("wish") == "other" and any(o.get("school") == t.get("school") for o in others)

    missed = [t for t in people if unmet(t)]
    if not missed:
        return f"{'Neither' if len(people) == 2 else 'None of them'} said where a partner should work."
    where = {"same": "in their own school", "other": "in another school"}
    return f"{missed[0].get('name')} asked for {'a partner' if len(people) == 2 else 'partners'} " \
           f"{where[missed[0]['wish']]}."


def _focuses(people: list[Teacher]) -> str:
    titles = list(dict.fromkeys(_focus(t).lower() for t in people))
    return " and ".join(titles) if len(titles) < 3 else f"{', '.join(titles[:-1])} and {titles[-1]}"


def _availability(people: list[Teacher], value: float) -> tuple[str, str]:
    common = _times(people)
    return (f"They gave the same times to meet: {common}." if common else "Their times to meet are not known yet.",
            f"Only some of their times match ({common})." if common else
            f"{'One of them has' if len(people) == 2 else 'Some of them have'} not said when they could meet.")


def _school(people: list[Teacher], value: float) -> tuple[str, str]:
    return ("They work in different schools, as the programme prefers." if len(people) == 2 else
            "They work in different schools from one another, as the programme prefers.",
            "They work in the same school, though the programme prefers partners from different schools."
            if len(people) == 2 else
            "Some of them work in the same school, though the programme prefers partners from different schools.")


# criterion -> (sentence when met well, sentence when it is the trade-off), from everyone in the partnership (a
# mentor or specialist first) and how well the criterion is met. A trio reads "All three …", never "Both …".
CO_COACHING: dict[str, Callable[[list[Teacher], float], tuple[str, str]]] = {
    "focus": lambda p, v: (f"{_all(p)} chose {_focus(p[0]).lower()} as their learning focus.",
                           f"They chose different focuses ({_focuses(p)}), so they will need to agree what to "
                           "observe."),
    "confidence": _peers,
    "availability": _availability,
    "observation": lambda p, v: (f"{_all(p)} are comfortable being observed.",
                                 f"{'One of them is' if len(p) == 2 else 'Some of them are'} unsure about being "
                                 "observed: start by planning together before watching lessons."),
    "school": _school,
    "wishes": lambda p, v: ("Each gets the kind of partner they asked for.", _wishes(p)),
    "roles": lambda p, v: (f"{_all(p)} want to take turns coaching.",
                           f"{_not_all(p)} asked to take turns coaching: agree who leads each cycle."),
}

MENTORING: dict[str, Callable[[list[Teacher], float], tuple[str, str]]] = {
    "strength": lambda p, v: (
        f"{p[0].get('name')} is strong in {_focus(p[1]).lower()} ({_shown(p[0], p[1].get('focus'))})."
        if p[1].get("focus") else
        f"{p[0].get('name')} is confident across the strategies ({p[1].get('name')} has not chosen a focus yet).",
        f"{p[0].get('name')} is less confident in {_focus(p[1]).lower()} than other mentors "
        f"({_shown(p[0], p[1].get('focus'))})."),
    "experience": lambda p, v: (f"{p[0].get('name')} has long experience to share.",
                                f"{p[0].get('name')} is among the less experienced mentors."),
    "availability": _availability,
    "observation": lambda p, v: (f"{p[1].get('name')} is comfortable being observed.",
                                 f"{p[1].get('name')} is not yet comfortable being observed: start with the "
                                 "mentee watching the mentor."),
    "school": _school,
    "wishes": CO_COACHING["wishes"],
}

SPECIALIST: dict[str, Callable[[list[Teacher], float], tuple[str, str]]] = {
    "expertise": lambda p, v: (f"{p[0].get('name')} specialises in {_focus(p[1]).lower()}.",
                               f"{_focus(p[1])} is not among {p[0].get('name')}'s main specialisms."),
    "need": lambda p, v: (f"{p[1].get('name')} is least confident in {_focus(p[1]).lower()} "
                          f"({_shown(p[1], p[1].get('focus'))}), so specialist input should help most.",
                          f"{p[1].get('name')} already feels fairly confident in {_focus(p[1]).lower()} "
                          f"({_shown(p[1], p[1].get('focus'))})."),
    "wants_coaching": lambda p, v: (f"{p[1].get('name')} asked to be coached.",
                                    f"{p[1].get('name')} did not ask to be coached."),
}

TRADE_OFF = "Trade-off: "  # how the weak point starts, so pages can count the partnerships that have one


def explain(phrases: dict, criteria: dict[str, float], weights: dict[str, float], people: list[Teacher]) -> list[str]:
    """The two criteria that added most (if well met), then the weakest one as the trade-off.

    `people` is everyone in the partnership (a mentor or specialist first, then the teacher).
    """
    counted = [c for c in phrases if weights.get(c, 0) > 0 and c in criteria]
    best = sorted((c for c in counted if criteria[c] >= WELL_MET), key=lambda c: -weights[c] * criteria[c])[:2]
    found = [phrases[c](people, criteria[c])[0] for c in best]
    weak = sorted((c for c in counted if criteria[c] < WEAK), key=lambda c: (criteria[c] - 1) * weights[c])
    if weak:
        found.append(TRADE_OFF + phrases[weak[0]](people, criteria[weak[0]])[1])
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
        found.append(f"{TRADE_OFF}{len(members) - len(covered)} of them chose a focus this specialist does not "
                     "cover.")
    return found
