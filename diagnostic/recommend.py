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

from operator import itemgetter
from typing import Any

from forms.schema import Definition, Recommend

COMPONENTS = ("gap", "beliefs", "pupils", "time", "programme", "own_choice", "group")
DEMAND = {"low": 1.0, "medium": 0.0, "high": -1.0}
ORDINALS = ["first", "second", "third"]
SMALL = 0.05  # contributions smaller than this are not worth a reason


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
    constructs = {}
    for c in definition.constructs:
        scale = definition.answer_question(next(iter(c.items))).scale
        constructs[c.id] = {"label": c.label, "label_lower": _lower(c.label), "min": scale.min, "max": scale.max}
    offered = settings.get("offered")
    focuses = []
    for f in menu.focuses:
        value_id, confidence_id = (config.value.replace("{focus}", f.id), config.confidence.replace("{focus}", f.id))
        value_q, confidence_q = _question(definition, value_id), _question(definition, confidence_id)
        focuses.append({
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
        })
    return {
        "phrases": {},  # sentences already written, by what they depend on (see `reasons`)
        "focuses": focuses, "constructs": constructs, "weights": config.weights.model_dump(),
        "choices": config.choices,
        "labels": {key: _labels(definition, getattr(config, key)) for key in ("pupil_priorities", "pupil_groups",
                                                                              "barriers")},
        "keys": {"pupil_priorities": config.pupil_priorities, "pupil_groups": config.pupil_groups,
                 "barriers": config.barriers, "choice": definition.learning_focus.choice
                 if definition.learning_focus else None},
        "time_barriers": [_time_barrier(definition, config, b) for b in config.time_barriers],
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


def _number(value: Any) -> float | None:
    # type() rather than isinstance(): True and False are ints, but not answers on a scale.
    return value if type(value) in (int, float) else None


def components(plan: dict[str, Any], focus: dict[str, Any], answers: dict[str, Any], scores: dict[str, Any],
               facts: dict[str, Any], school: str | None, group: dict[str, Any] | None) -> dict[str, float]:
    """Each component of one focus's score for one teacher, between -1 and 1 (0 when unknown)."""
    gap = beliefs = own_choice = together = 0.0
    value, confidence = _number(answers.get(focus["value"])), _number(answers.get(focus["confidence"]))
    if value is not None and confidence is not None and focus["value_scale"]:
        low, high = focus["value_scale"]
        gap = max(-1.0, min(1.0, (value - confidence) / (high - low)))
    leanings = []
    for cid in focus["rests_on"]:
        score = _number(scores.get(cid))
        if score is not None:
            c = plan["constructs"][cid]
            half = (c["max"] - c["min"]) / 2
            leanings.append((score - c["min"] - half) / half)
    if leanings:
        beliefs = sum(leanings) / len(leanings)
    served = sum((3 - rank) / 3 for rank, p in enumerate(facts["priorities"]) if p in focus["pupil_priorities"])
    groups = facts["groups"]
    covered = sum(g in focus["pupil_groups"] for g in groups) / len(groups) if groups else 0.0
    weight = focus["weight"] * focus["school_weights"].get(school, 1.0)
    if focus["id"] in facts["own_choice"]:
        own_choice = (3 - facts["own_choice"].index(focus["id"])) / 3
    if group and group.get("others"):
        together = group["choosing"].get(focus["id"], 0) / group["others"]
    return {"gap": gap, "beliefs": beliefs, "pupils": 0.7 * min(served / 2, 1.0) + 0.3 * covered,
            "time": facts["pressure"] * DEMAND[focus["time_demand"]], "programme": max(-1.0, min(1.0, weight - 1.0)),
            "own_choice": own_choice, "group": together}


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
        Their starting-point group: ``{"name", "others": number of other members,
        "choosing": {focus id: how many of the others chose it}}``.

    Returns
    -------
    list of dict
        ``{"focus", "title", "score", "components", "contributions", "reasons", "lighter_start"}``, best first.
    """
    facts = teacher_facts(plan, answers)
    weights = plan["weights"]
    ranked = []
    for order, focus in enumerate(f for f in plan["focuses"] if f["offered"]):
        parts = components(plan, focus, answers, scores, facts, school, group)
        contributions = {c: weights[c] * v for c, v in parts.items()}
        ranked.append((-round(sum(contributions.values()), 3), order, focus, parts, contributions))
    ranked.sort(key=itemgetter(0, 1))
    return [{"focus": focus["id"], "title": focus["title"], "score": -negative,
             "components": {c: round(v, 3) for c, v in parts.items()},
             "reasons": reasons(plan, focus, answers, scores, facts, contributions, group),
             "lighter_start": focus["lighter_start"] if facts["pressure"] and focus["time_demand"] != "low" else None}
            for negative, _, focus, parts, contributions in ranked]


def reasons(plan: dict[str, Any], focus: dict[str, Any], answers: dict[str, Any], scores: dict[str, Any],
            facts: dict[str, Any], contributions: dict[str, float], group: dict[str, Any] | None) -> list[str]:
    """The two or three parts that counted most for this focus, in the teacher's own answers' terms."""
    top = sorted((c for c in COMPONENTS if abs(contributions[c]) >= SMALL), key=lambda c: -abs(contributions[c]))
    found = []
    cache = plan["phrases"]
    for c in top[:3]:
        up = contributions[c] > 0
        # The same few answers recur across a cohort, so each sentence is written once and then looked up.
        key = (c, up, focus["id"], *_phrase_inputs(c, focus, answers, scores, facts, group))
        if key not in cache:
            cache[key] = _phrase(c, up, plan, focus, answers, scores, facts, group)
        found.append(cache[key])
    return found


def _phrase_inputs(component: str, focus: dict, answers: dict, scores: dict, facts: dict,
                   group: dict | None) -> tuple:
    """Everything a reason's sentence depends on, beyond the component, its direction and the focus."""
    if component == "gap":
        return answers.get(focus["value"]), answers.get(focus["confidence"])
    if component == "beliefs":
        return tuple(round(scores[c], 1) for c in focus["rests_on"] if _number(scores.get(c)) is not None)
    if component == "pupils":
        return tuple(facts["priorities"]), tuple(facts["groups"])
    if component == "time":
        return facts["time_barrier"]
    if component == "own_choice":
        return (facts["own_choice"].index(focus["id"]),)
    if component == "group":
        return group["choosing"].get(focus["id"], 0), group["others"]
    return ()


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
        held = [(plan["constructs"][c], scores.get(c)) for c in focus["rests_on"] if _number(scores.get(c)) is not None]
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
        lighter = f" A lighter way in: {focus['lighter_start']}" if focus["lighter_start"] else ""
        return f"You said {said} holds you back{how}, and this focus takes time.{lighter}"
    if component == "programme":
        return "Your programme is giving this focus priority." if up else \
            "Your programme is giving this focus less priority."
    if component == "own_choice":
        rank = facts["own_choice"].index(focus["id"])
        return f"You picked it as your {ORDINALS[rank]} choice in the questionnaire."
    count, others = group["choosing"].get(focus["id"], 0), group["others"]
    likely = ", so a partner working on it is likely" if count >= 2 else ""
    return f"{count} of the {others} other teachers in your starting-point group are choosing it{likely}."
