"""Checks on the parts that lead to a learning focus: `recommend:` and `learning_focus:`."""

from __future__ import annotations

from forms.checks.raw import RawDefinition
from forms.yamlfile import Problem, listed

# key in `recommend:` -> the question types it may name
RECOMMEND_QUESTIONS = {"pupil_priorities": ("ranking", "multi_choice"),
                       "pupil_groups": ("multi_choice", "single_choice"), "barriers": ("multi_choice",)}
# key in `learning_focus:` -> the question types it may name
LEARNING_FOCUS_QUESTIONS = {"choice": ("ranking", "multi_choice"), "goal": ("long_text", "short_text")}


def recommend_problems(raw: RawDefinition) -> list[Problem]:
    """Every problem of `recommend:`, in the order of RECOMMEND_CHECKS."""
    recommend = raw.data.get("recommend")
    if not isinstance(recommend, dict):
        return []
    return [problem for check in RECOMMEND_CHECKS for problem in check(raw, recommend)]


def _named_questions(raw: RawDefinition, recommend: dict) -> list[Problem]:
    """Questions named for pupil priorities, pupil groups or barriers that are missing or of the wrong type."""
    problems = []
    for key, kinds in RECOMMEND_QUESTIONS.items():
        qid = recommend.get(key)
        if isinstance(qid, str) and (qid not in raw.by_id or raw.by_id[qid].get("type") not in kinds):
            problems.append(Problem(("recommend", key), f"recommend: {key} '{qid}' must name a "
                                                        f"{' or '.join(kinds)} question"))
    return problems


def _focus_answers(raw: RawDefinition, recommend: dict) -> list[Problem]:
    """Focuses of the menu with no value or confidence answer."""
    problems = []
    for key in ("value", "confidence"):
        pattern = recommend.get(key, f"{key}_{{focus}}")
        if not isinstance(pattern, str):
            continue
        missing = [f.id for f in (raw.menu.focuses if raw.menu else [])
                   if pattern.replace("{focus}", f.id) not in raw.answers]
        if missing:
            problems.append(Problem(("recommend", key) if key in recommend else ("recommend",),
                                    f"recommend: no '{pattern}' answer for focus(es) {', '.join(missing)}"))
    return problems


def _barrier_choices(raw: RawDefinition, recommend: dict) -> set:
    """The choice ids of the barriers question (none without one)."""
    qid = recommend.get("barriers")
    barriers = raw.by_id.get(qid) if isinstance(qid, str) else None
    return set(raw.choice_ids(barriers) or []) if barriers else set()


def _time_barriers(raw: RawDefinition, recommend: dict) -> list[Problem]:
    """Time barriers that are not choices of the barriers question."""
    choices = _barrier_choices(raw, recommend)
    return [Problem(("recommend", "time_barriers", k), f"recommend: time barrier '{barrier}' is not "
                                                       "a choice of the barriers question")
            for k, barrier in enumerate(listed(recommend.get("time_barriers"))) if barrier not in choices]


def _barrier_strength(raw: RawDefinition, recommend: dict) -> list[Problem]:
    """Barriers with no answer saying how strongly they hold a teacher back."""
    pattern = recommend.get("barrier_strength")
    if not isinstance(pattern, str):
        return []
    choices = sorted(c for c in _barrier_choices(raw, recommend) if isinstance(c, str))
    return [Problem(("recommend", "barrier_strength"), f"recommend: no '{pattern}' answer for barrier '{choice}'")
            for choice in choices if pattern.replace("{choice}", choice) not in raw.answers]


RECOMMEND_CHECKS = (_named_questions, _focus_answers, _time_barriers, _barrier_strength)


def learning_focus_problems(raw: RawDefinition) -> list[Problem]:
    """Questions named for the focus choice or goal that are missing or of the wrong type."""
    keys = raw.data.get("learning_focus")
    if not isinstance(keys, dict):
        return []
    owner, problems = raw.index.owner, []
    for key, kinds in LEARNING_FOCUS_QUESTIONS.items():
        target = keys.get(key)
        if isinstance(target, str) and (target not in owner or owner[target].get("type") not in kinds):
            problems.append(Problem(("learning_focus", key), f"learning_focus: {key} '{target}' must name a "
                                                             f"{' or '.join(kinds)} question"))
    return problems
