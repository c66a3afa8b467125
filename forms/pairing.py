"""Checks on a definition's `pairing:` section: the questions and choices it names must exist and fit."""

from __future__ import annotations

from forms.schema import Menu
from forms.yamlfile import listed

# key in `pairing:` -> the question types it may name
PAIRING_QUESTIONS = {
    "name": ("short_text",),
    "availability": ("multi_choice",),
    "observation_comfort": ("likert",),
    "partner_school": ("single_choice",),
    "coaching_role": ("single_choice",),
    "career_stage": ("single_choice",),
}
# lists of choice ids in `pairing:` -> the question whose choices they must be
PAIRING_CHOICES = {"same_school": "partner_school", "other_school": "partner_school", "coaches": "coaching_role",
                   "coached": "coaching_role", "mentees": "career_stage", "mentors": "career_stage"}


def pairing_problems(data: dict, menu: Menu | None, questions: dict[str, dict], choice_ids) -> list:  # noqa: ANN001
    """Problems with the `pairing:` section, as (where, message) pairs.

    `questions` maps question ids to raw questions; `choice_ids(q)` gives a raw
    question's choice ids (the checks module owns how choices resolve).
    """
    pairing = data.get("pairing")
    if not isinstance(pairing, dict):
        return []
    problems = []
    for key, kinds in PAIRING_QUESTIONS.items():
        qid = pairing.get(key)
        q = questions.get(qid) if isinstance(qid, str) else None
        if isinstance(qid, str) and (q is None or q.get("type") not in kinds or "items" in q):
            problems.append((("pairing", key), f"pairing: {key} '{qid}' must name a {' or '.join(kinds)} question"))
    for key, question_key in PAIRING_CHOICES.items():
        qid = pairing.get(question_key)
        q = questions.get(qid) if isinstance(qid, str) else None
        if q is None or not isinstance(pairing.get(key), list):
            continue
        known = choice_ids(q) or []
        for k, choice in enumerate(pairing[key]):
            if choice not in known:  # a list, not a set: a raw choice may be a list or mapping
                problems.append((("pairing", key, k), f"pairing: {key} names '{choice}', which is not a choice of "
                                                      f"'{qid}'"))
    overlap = set(listed(pairing.get("mentees"))) & set(listed(pairing.get("mentors")))
    if overlap:
        stages = ", ".join(sorted(map(str, overlap)))
        problems.append((("pairing", "mentors"), f"pairing: {stages} cannot be both a mentee and a mentor stage"))
    return problems
