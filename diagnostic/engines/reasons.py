"""The reasons beside each ranked focus: sentences written from a teacher's own answers.

`sentences` picks, for every teacher and focus, the (up to) three parts of the
score that counted most, and `_phrase` says each in the teacher's terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

COMPONENTS = ("gap", "beliefs", "pupils", "time", "programme", "own_choice", "group")
ORDINALS = ["first", "second", "third"]
SMALL = 0.05  # contributions smaller than this are not worth a reason


def number(value: Any, missing: Any = None) -> Any:
    """The answer if it is a number, else `missing`."""
    # type() rather than isinstance(): True and False are ints, but not answers on a scale.
    return value if type(value) in (int, float) else missing


def sentences(plan: dict, focuses: list[dict], teachers: Sequence[dict], facts: list[dict],
              x: dict[str, np.ndarray], contributions: np.ndarray) -> list[list[str]]:
    """For each teacher and focus (teacher t's focus f at t * number of focuses + f), the sentences for the
    (up to) three parts that counted most.

    A sentence depends only on a few answers, and those recur across a cohort:
    each slot gets a key of (component, direction, focus, the answers its
    sentence reads), and each distinct key's sentence is written once, from
    the first teacher who has it.
    """
    size = np.abs(contributions)
    top = np.argsort(-size, axis=-1, kind="stable")[..., :3]  # stable: ties keep COMPONENTS order
    counts = np.take_along_axis(size, top, axis=-1) >= SMALL
    up = np.take_along_axis(contributions, top, axis=-1) > 0
    t, f, slot = np.nonzero(counts)
    part = top[t, f, slot]
    said = _said(facts, focuses)
    rests_on = x["rests_on"]
    # The answers each component's sentence reads, as columns (unused columns stay 0).
    reads = {
        0: [x["value"], x["confidence"]],
        1: [np.where(rests_on[None, :, k], x["scores"][:, None, k], -1.0) for k in range(rests_on.shape[1])],
        2: [said["priorities"], said["groups"]],
        3: [said["time"]],
        5: [x["own_choice"]],
        6: [x["choosing"], x["others"]],
    }
    keys = np.zeros((len(t), max(len(v) for v in reads.values())))
    upward = up[t, f, slot]
    for component, columns in reads.items():
        mine = part == component
        for i, values in enumerate(columns):
            keys[mine, i] = values[t[mine], f[mine]]
    first, which = _distinct((part * 2 + upward) * len(focuses) + f, np.nan_to_num(keys, nan=-2.0))
    written = []
    for who, component, rising, focus in zip(t[first].tolist(), part[first].tolist(), upward[first].tolist(),
                                             f[first].tolist(), strict=True):
        teacher = teachers[who]
        written.append(_phrase(COMPONENTS[component], rising, plan, focuses[focus], teacher["answers"],
                               teacher["scores"] or {}, facts[who], teacher.get("group")))
    # np.nonzero lists the slots teacher by teacher, focus by focus, and the ones that count come first
    # in each focus: so each focus's sentences are the next few of the flat list, as many as count.
    flat = list(map(written.__getitem__, which.tolist()))
    ends = np.cumsum(counts.sum(axis=-1).ravel()).tolist()
    return [flat[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def _distinct(start: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct row of (`start`, `keys`), and which distinct row each row is.

    `start` numbers each row already (small whole numbers); each column of `keys` is numbered by its distinct
    values, as 64-bit patterns (quicker to sort than floats, and -0.0 kept apart from 0.0, as equal bit for bit
    means), and the numbers are combined into one per row: sorting those is many times quicker than sorting rows.
    """
    code = start.astype(np.int64)
    for column in np.ascontiguousarray(keys.T).view(np.int64) if len(keys) else ():
        values = np.unique(column)
        if int(code.max(initial=0)) >= (2 ** 62) // len(values):  # renumber the rows before they could overflow
            code = np.unique(code, return_inverse=True)[1]
        code = code * len(values) + np.searchsorted(values, column)
    _, first, which = np.unique(code, return_index=True, return_inverse=True)
    return first, which


def _said(facts: list[dict], focuses: list[dict]) -> dict[str, np.ndarray]:
    """Numbers standing for what each teacher said that the pupils and time sentences read, per focus."""
    barriers: dict[str, int] = {}
    time = np.array([barriers.setdefault(repr(f["time_barrier"]), len(barriers)) for f in facts], dtype=float)
    priorities = _served(facts, focuses, "priorities", "pupil_priorities")
    # The pupil groups only matter to a sentence when none of the teacher's priorities matched.
    groups = np.where(priorities == 0, _served(facts, focuses, "groups", "pupil_groups"), -1)
    return {"time": np.broadcast_to(time[:, None], priorities.shape), "priorities": priorities, "groups": groups}


def _served(facts: list[dict], focuses: list[dict], said: str, serves: str) -> np.ndarray:
    """Teachers × focuses: a number for which of what the teacher `said` the focus `serves`, in their order.

    0 stands for none. Worked out once per distinct answer, not per teacher.
    """
    answers: dict[tuple, int] = {}
    per_teacher = [answers.setdefault(tuple(f[said]), len(answers)) for f in facts]
    served: dict[tuple, int] = {(): 0}
    table = [[served.setdefault(tuple(a for a in answer if a in focus[serves]), len(served)) for focus in focuses]
             for answer in answers]
    return np.array(table, dtype=float)[per_teacher]


def _phrase(component: str, up: bool, plan: dict, focus: dict, answers: dict, scores: dict, facts: dict,
            group: dict | None) -> str:
    title = focus["title_lower"]
    if component == "gap":
        value, confidence = answers.get(focus["value"]), answers.get(focus["confidence"])
        top_value, top_confidence = focus["value_scale"][1], focus["confidence_scale"][1]
        if up:
            return (f"You rate {title} as {value} of {top_value} for your pupils' learning, but your confidence "
                    f"with it as {confidence} of {top_confidence}.")
        return f"You already feel confident with {title} ({confidence} of {top_confidence}), so there is less to gain."
    if component == "beliefs":
        held = [(plan["constructs"][c], scores.get(c)) for c in focus["rests_on"] if number(scores.get(c)) is not None]
        text = " and ".join(f"{c['label_lower']} ({score:.1f} of {c['max']})" for c, score in held)
        if up:
            return f"It builds on your {text}."
        return f"It asks for {text}, where your answers are lower: the specialists' modelling can help."
    if component == "pupils":
        names = plan["labels"]["pupil_priorities"]
        matched = [names.get(p, p) for p in facts["priorities"] if p in focus["pupil_priorities"]]
        if matched:
            return f"It serves what you said matters most for your pupils: {', '.join(matched)}."
        groups = plan["labels"]["pupil_groups"]
        suited = [groups.get(g, g) for g in facts["groups"] if g in focus["pupil_groups"]]
        return f"It suits the pupils you want to help: {', '.join(suited)}."
    if component == "time":
        barrier, strength = facts["time_barrier"]
        said = plan["labels"]["barriers"].get(barrier, barrier)
        how = f" ({strength} of 5)" if isinstance(strength, int) else ""
        if up:
            return f"You said {said} holds you back{how}: this focus fits into lessons you already plan."
        # The lighter way in itself travels beside the reasons (`lighter_start`), so a page shows it once.
        lighter = ", so a lighter way in is suggested" if focus["lighter_start"] else ""
        return f"You said {said} holds you back{how}, and this focus takes time{lighter}."
    if component == "programme":
        return "Your programme is giving this focus priority." if up else \
            "Your programme is giving this focus less priority."
    if component == "own_choice":
        rank = facts["own_choice"].index(focus["id"])
        return f"You picked it as your {ORDINALS[rank]} choice in the questionnaire."
    return group_sentence(group["choosing"].get(focus["id"], 0), group["others"])


def group_sentence(count: int, others: int) -> str:
    """How many of the other members of the teacher's group are choosing the focus, worded for one and for many."""
    likely = ", so a partner working on it is likely" if count >= 2 else ""
    if others == 0:
        return "You are the only teacher in your starting-point group so far."
    if others == 1:
        return f"The other teacher in your starting-point group is {'' if count else 'not '}choosing it."
    if count == 0:
        return f"None of the {others} other teachers in your starting-point group is choosing it yet."
    if count == 1:
        return f"1 of the {others} other teachers in your starting-point group is choosing it."
    if count == others:
        return f"All {others} other teachers in your starting-point group are choosing it{likely}."
    return f"{count} of the {others} other teachers in your starting-point group are choosing it{likely}."
