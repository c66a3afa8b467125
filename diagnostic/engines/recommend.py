"""Ranking the menu of learning focuses for one teacher, with the reasons, as plain functions on plain data.

A focus's score is a weighted sum of seven components, each between -1 and 1
(weights come from the definition's `recommend:` section):

- gap: (value - confidence) / (top - bottom of the scale) for the focus's strategy:
  valued highly but not yet confident with scores highest.
- beliefs: over the constructs the focus rests on, the mean of
  (score - midpoint) / half the range: beliefs that support it score above 0,
  beliefs in tension with it below.
- pupils: 70% how well it serves the teacher's ranked pupil priorities
  (1, 2/3, 1/3 by rank, out of 2), 30% the share of their chosen pupil groups it serves.
- time: for a teacher held back by time, pressure p (their strongest time
  barrier over the scale's top, 0 if none) times 1 for a light focus, 0 for a
  medium one and -1 for a time-heavy one (which then offers a lighter way in).
- programme: the programme's weight for the focus times the school's, minus 1 (clipped).
- own_choice: 1, 2/3 or 1/3 for the teacher's first, second or third choice in the questionnaire.
- group: the share of the other teachers in their starting-point group who are choosing it.

Ties keep the menu's order, so the result is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from diagnostic.engines.reasons import COMPONENTS, number, sentences
from forms.schema import Definition, Recommend

DEMAND = {"low": 1.0, "medium": 0.0, "high": -1.0}


def _lower(text: str) -> str:
    return text[0].lower() + text[1:] if text and text[:2] != text[:2].upper() else text


def prepare(definition: Definition, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything about the menu and the questionnaire the engine needs, worked out once per cohort.

    `settings` are the coordinator's: ``{"offered": [focus ids] or None, "weights": {focus: w},
    "schools": {school: {focus: w}}}``.
    """
    config = definition.recommend or Recommend()
    settings = settings or {}
    menu = definition.learning_focuses
    if menu is None:
        raise ValueError(f"form {definition.id} version {definition.version} has no menu of learning focuses")
    constructs = _constructs(definition)
    return {
        "focuses": [_focus(definition, config, settings, f, constructs) for f in menu.focuses],
        "constructs": constructs, "weights": config.weights.model_dump(),
        "choices": config.choices,
        "labels": {key: _labels(definition, getattr(config, key)) for key in ("pupil_priorities", "pupil_groups",
                                                                              "barriers")},
        "keys": {"pupil_priorities": config.pupil_priorities, "pupil_groups": config.pupil_groups,
                 "barriers": config.barriers, "choice": definition.learning_focus.choice
                 if definition.learning_focus else None},
        "time_barriers": [_time_barrier(definition, config, b) for b in config.time_barriers],
    }


def _constructs(definition: Definition) -> dict[str, dict[str, Any]]:
    """Each construct's label and the range of its scale (that of its first item)."""
    constructs = {}
    for c in definition.constructs:
        scale = definition.answer_question(next(iter(c.items))).scale
        constructs[c.id] = {"label": c.label, "label_lower": _lower(c.label), "min": scale.min, "max": scale.max}
    return constructs


def _focus(definition: Definition, config: Recommend, settings: dict[str, Any], f: Any,
           constructs: dict[str, Any]) -> dict[str, Any]:
    """One focus of the menu as the engine reads it, with the coordinator's weights and offer applied."""
    value_id, confidence_id = (config.value.replace("{focus}", f.id), config.confidence.replace("{focus}", f.id))
    value_q, confidence_q = _question(definition, value_id), _question(definition, confidence_id)
    offered = settings.get("offered")
    return {
        "id": f.id, "title": f.title, "title_lower": _lower(f.title), "description": f.description,
        "time_demand": f.time_demand,
        "value": value_id, "confidence": confidence_id,
        "value_scale": _scale(value_q), "confidence_scale": _scale(confidence_q),
        "rests_on": [c for c in f.rests_on if c in constructs], "builds": f.builds,
        "pupil_priorities": set(f.pupil_priorities), "pupil_groups": set(f.pupil_groups),
        "lighter_start": f.lighter_start, "specialist_input": f.specialist_input,
        "peer_activities": f.peer_activities,
        "weight": settings.get("weights", {}).get(f.id, f.weight),
        "school_weights": {**f.school_weights, **{s: w[f.id] for s, w in settings.get("schools", {}).items()
                                                  if f.id in w}},
        "offered": offered is None or f.id in offered,
    }


def _time_barrier(definition: Definition, config: Recommend, barrier: str) -> tuple[str, str | None, int]:
    strength_id = config.barrier_strength.replace("{choice}", barrier) if config.barrier_strength else None
    scale = _scale(_question(definition, strength_id)) if strength_id else None
    return barrier, strength_id, scale[1] if scale else 5


def _question(definition: Definition, answer_id: str):  # noqa: ANN202
    try:
        return definition.answer_question(answer_id)
    except KeyError:
        return None


def _scale(q: Any) -> tuple[int, int] | None:
    return (q.scale.min, q.scale.max) if q is not None and q.scale is not None else None


def _labels(definition: Definition, question_id: str | None) -> dict[str, str]:
    if not question_id:
        return {}
    return {c.id: _lower(c.label) for c in definition.question(question_id).options}


def teacher_facts(plan: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """What the engine reads from one teacher's answers, whatever they skipped."""
    keys = plan["keys"]

    def chosen(key: str) -> list[str]:
        value = answers.get(keys[key]) if keys[key] else None
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else [value] if value else []

    pressure, barrier = 0.0, None
    chosen_barriers = set(chosen("barriers"))
    for b, strength_id, top in plan["time_barriers"]:
        if b in chosen_barriers:
            strength = answers.get(strength_id) if strength_id else None
            # Chosen without a strength: count it as a moderate barrier.
            level = strength / top if isinstance(strength, int) and not isinstance(strength, bool) else 0.6
            if level > pressure:
                pressure, barrier = level, (b, strength)
    return {"priorities": chosen("pupil_priorities")[:3], "groups": chosen("pupil_groups"),
            "own_choice": chosen("choice")[:3], "pressure": min(pressure, 1.0), "time_barrier": barrier}


def recommend(plan: dict[str, Any], answers: dict[str, Any], scores: dict[str, Any], school: str | None = None,
              group: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The offered focuses ranked for one teacher: score, components and the reasons that counted most.

    Parameters
    ----------
    plan : dict
        From `prepare`.
    answers, scores : dict
        The teacher's answers and construct scores.
    school : str, optional
        Their school, for school weights.
    group : dict, optional
        Their starting-point group: ``{"group", "title", "others": number of other members,
        "choosing": {focus id: how many of the others chose it}}``.

    Returns
    -------
    list of dict
        ``{"focus", "title", "score", "components", "reasons", "lighter_start"}``, best first.
    """
    return rank(plan, [{"answers": answers, "scores": scores, "school": school, "group": group}])[0]


def rank(plan: dict[str, Any], teachers: Sequence[dict[str, Any]], brief: bool = False
         ) -> list[list[dict[str, Any]]]:
    """`recommend` for many teachers at once: each a dict with "answers", "scores", "school" and "group".

    The components of every focus for every teacher are worked out together as
    arrays, and each distinct reason sentence is written once, which is what
    keeps a whole network's menus quick to rank. `brief` leaves out each item's
    title and lighter start (a cohort's export has them once, in the menu).
    """
    focuses = [f for f in plan["focuses"] if f["offered"]]
    if not teachers or not focuses:
        return [[] for _ in teachers]
    facts = [teacher_facts(plan, t["answers"]) for t in teachers]
    inputs = _inputs(plan, focuses, teachers, facts)
    parts = _components(plan, focuses, inputs, facts)
    contributions = parts * np.array([plan["weights"][c] for c in COMPONENTS])
    # + 0.0 turns -0.0 into 0.0, which reads better in JSON.
    score = np.round(contributions.sum(axis=-1), 3) + 0.0
    order = np.argsort(-score, axis=1, kind="stable")  # stable: ties keep the menu's order
    reasons = sentences(plan, focuses, teachers, facts, inputs, contributions)
    # From here on everything is per teacher and focus, flat (teacher t's focus f at t * len(focuses) + f): the
    # items of a national cohort's menus are made in a few long comprehensions rather than one call each.
    components = _component_dicts((np.round(parts, 3) + 0.0).reshape(-1, len(COMPONENTS)).tolist())
    at = (order + len(focuses) * np.arange(len(teachers))[:, None]).ravel().tolist()
    ids = [f["id"] for f in focuses] * len(teachers)
    scores = score.ravel().tolist()
    if brief:
        items = [{"focus": ids[i], "score": scores[i], "components": components[i], "reasons": reasons[i]}
                 for i in at]
    else:
        titles = [f["title"] for f in focuses] * len(teachers)
        # A lighter way in is offered only to a teacher short of time.
        lighter = [_lighter_start(f) for f in focuses]
        none = [None] * len(focuses)
        lighter = [x for fact in facts for x in (lighter if fact["pressure"] else none)]
        items = [{"focus": ids[i], "title": titles[i], "score": scores[i], "components": components[i],
                  "reasons": reasons[i], "lighter_start": lighter[i]} for i in at]
    n = len(focuses)
    return [items[start:start + n] for start in range(0, len(items), n)]


def _component_dicts(rows: list[list[float]]) -> list[dict[str, float]]:
    """Each row of parts as a dict by component name (written out: four times quicker than dict(zip(...)))."""
    assert COMPONENTS == ("gap", "beliefs", "pupils", "time", "programme", "own_choice", "group")
    return [{"gap": gap, "beliefs": beliefs, "pupils": pupils, "time": time, "programme": programme,
             "own_choice": own_choice, "group": group}
            for gap, beliefs, pupils, time, programme, own_choice, group in rows]


def _lighter_start(focus: dict) -> str | None:
    """The focus's lighter way in; None for a light focus, which needs none."""
    return focus["lighter_start"] if focus["time_demand"] != "low" else None


def _inputs(plan: dict, focuses: list[dict], teachers: Sequence[dict], facts: list[dict]) -> dict[str, np.ndarray]:
    """The answers the components read, as arrays of teachers × focuses (NaN where not given)."""
    construct_ids = list(plan["constructs"])
    priority_ids = sorted({p for f in focuses for p in f["pupil_priorities"]})
    group_ids = sorted({g for f in focuses for g in f["pupil_groups"]})
    return {
        **_answered(focuses, construct_ids, teachers),
        **_pupils(priority_ids, group_ids, facts),
        "own_choice": _own_choices(focuses, facts),
        **_group_choosing(focuses, teachers),
        "programme": _programme(focuses, teachers),
        "pressure": np.array([f["pressure"] for f in facts], dtype=float),
        "serves_priority": _holds(focuses, "pupil_priorities", priority_ids, float),
        "serves_group": _holds(focuses, "pupil_groups", group_ids, float),
        "rests_on": _holds(focuses, "rests_on", construct_ids, bool),
    }


def _holds(focuses: list[dict], key: str, ids: list[str], dtype: type) -> np.ndarray:
    """Whether each focus's `key` (a row per focus) holds each of `ids` (a column each)."""
    return np.array([[i in f[key] for i in ids] for f in focuses], dtype=dtype).reshape(len(focuses), len(ids))


def _answered(focuses: list[dict], construct_ids: list[str], teachers: Sequence[dict]) -> dict[str, np.ndarray]:
    """Each teacher's value and confidence for each focus, and their construct scores (NaN where not given)."""
    value_ids, confidence_ids = [f["value"] for f in focuses], [f["confidence"] for f in focuses]
    answers = [t["answers"] for t in teachers]
    scores = [t["scores"] or {} for t in teachers]
    return {"value": _numbers([[a.get(q) for q in value_ids] for a in answers], len(focuses)),
            "confidence": _numbers([[a.get(q) for q in confidence_ids] for a in answers], len(focuses)),
            "scores": _numbers([[s.get(c) for c in construct_ids] for s in scores], len(construct_ids))}


_NUMERIC = {int, float, type(None)}


def _numbers(rows: list[list[Any]], width: int) -> np.ndarray:
    """Rows of answers as an array, NaN where an answer is not a number (True and False are not on a scale)."""
    if {type(v) for row in rows for v in row} <= _NUMERIC:  # as answers are: numpy then reads None as NaN
        return np.array(rows, dtype=float).reshape(len(rows), width)
    return np.array([[number(v, np.nan) for v in row] for row in rows], dtype=float).reshape(len(rows), width)


def _pupils(priority_ids: list[str], group_ids: list[str], facts: list[dict]) -> dict[str, np.ndarray]:
    """Each teacher's ranked pupil priorities (1, 2/3, 1/3 by rank), their chosen pupil groups and how many."""
    priority_at = {p: i for i, p in enumerate(priority_ids)}
    group_at = {g: i for i, g in enumerate(group_ids)}
    n = len(facts)
    found = {"priorities": np.zeros((n, len(priority_ids))), "groups": np.zeros((n, len(group_ids))),
             "group_count": np.zeros(n)}
    for t, fact in enumerate(facts):
        for rank_, p in enumerate(fact["priorities"]):
            if p in priority_at:
                found["priorities"][t, priority_at[p]] += (3 - rank_) / 3
        for g in fact["groups"]:
            if g in group_at:
                found["groups"][t, group_at[g]] += 1
        found["group_count"][t] = len(fact["groups"])
    return found


def _columns(focuses: list[dict]) -> dict[str, int]:
    """Each focus's column in the arrays, by focus id."""
    return {f["id"]: i for i, f in enumerate(focuses)}


def _own_choices(focuses: list[dict], facts: list[dict]) -> np.ndarray:
    """1, 2/3 or 1/3 for each teacher's first, second or third own choice of focus, else 0."""
    column = _columns(focuses)
    found = np.zeros((len(facts), len(focuses)))
    for t, fact in enumerate(facts):
        for rank_, f in reversed(list(enumerate(fact["own_choice"]))):  # reversed: a repeat keeps its first place
            if f in column:
                found[t, column[f]] = (3 - rank_) / 3
    return found


def _group_choosing(focuses: list[dict], teachers: Sequence[dict]) -> dict[str, np.ndarray]:
    """How many others are in each teacher's starting-point group, and how many of them chose each focus."""
    column = _columns(focuses)
    n = len(teachers)
    found = {"choosing": np.zeros((n, len(focuses))), "others": np.zeros((n, len(focuses)))}
    for t, teacher in enumerate(teachers):
        group = teacher.get("group")
        if group and group.get("others"):
            found["others"][t] = group["others"]
            for f, count in group["choosing"].items():
                if f in column:
                    found["choosing"][t, column[f]] = count
    return found


def _programme(focuses: list[dict], teachers: Sequence[dict]) -> np.ndarray:
    """The programme's weight for each focus times the teacher's school's, minus 1, clipped to -1..1."""
    found = np.zeros((len(teachers), len(focuses)))
    rows: dict[str | None, list[float]] = {}  # worked out once per school
    for t, teacher in enumerate(teachers):
        school = teacher.get("school")
        if school not in rows:
            rows[school] = [max(-1.0, min(1.0, f["weight"] * f["school_weights"].get(school, 1.0) - 1.0))
                            for f in focuses]
        found[t] = rows[school]
    return found


def _components(plan: dict, focuses: list[dict], x: dict[str, np.ndarray], facts: list[dict]) -> np.ndarray:
    """Every component for every teacher and focus: an array of teachers × focuses × COMPONENTS."""
    span = np.array([f["value_scale"][1] - f["value_scale"][0] if f["value_scale"] else np.nan for f in focuses])
    gap = np.nan_to_num(np.clip((x["value"] - x["confidence"]) / span, -1.0, 1.0))
    constructs = plan["constructs"].values()
    low = np.array([c["min"] for c in constructs], dtype=float)
    half = np.array([(c["max"] - c["min"]) / 2 for c in constructs], dtype=float)
    leaning = (x["scores"] - low - half) / half
    known = ~np.isnan(leaning)
    rests_on = x["rests_on"].T.astype(float)
    counted = known.astype(float) @ rests_on
    total = np.where(known, leaning, 0.0) @ rests_on
    beliefs = np.divide(total, counted, out=np.zeros_like(total), where=counted > 0)
    served = x["priorities"] @ x["serves_priority"].T
    covered = x["groups"] @ x["serves_group"].T
    covered = np.divide(covered, x["group_count"][:, None], out=np.zeros_like(covered),
                        where=x["group_count"][:, None] > 0)
    pupils = 0.7 * np.minimum(served / 2, 1.0) + 0.3 * covered
    time = x["pressure"][:, None] * np.array([DEMAND[f["time_demand"]] for f in focuses])
    together = np.divide(x["choosing"], x["others"], out=np.zeros_like(x["choosing"]), where=x["others"] > 0)
    return np.stack([gap, beliefs, pupils, time, x["programme"], x["own_choice"], together], axis=-1)
