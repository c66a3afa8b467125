"""One teacher's starting point as a specialist reads it: who, their answers in words, and where they stand.

Plain functions over the store, no Flask. Specialists analyse each teacher's
starting point (their pupils, beliefs, skills and barriers) to plan input; this
gathers it from the response, the cohort and its grouping. Who may read it is
the specialist blueprint's business; every reading is logged there.
"""

from __future__ import annotations

import re
from statistics import fmean
from typing import Any

from diagnostic.services import grouping
from diagnostic.services.choice import current_choice
from diagnostic.services.cohorts import published_definition
from diagnostic.services.erasure import typed_name
from diagnostic.services.partnerships import display_name
from diagnostic.services.summary import review_rows, starting_point
from diagnostic.storage.interface import DamagedGrouping, Record, Store
from forms.schema import Definition

RESPONSE_ID = re.compile(r"^[0-9a-f]{16}$")


class UnknownStartingPoint(LookupError):
    """No submitted questionnaire with that id in that cohort."""


def names(store: Store, cohort: Record) -> dict[str, str]:
    """The name each submitted teacher of the cohort gave, by response id (teachers who gave none are left out)."""
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    submitted = store.list_responses(cohort["id"], status="submitted", cycle=1)
    found = {r["id"]: typed_name(definition, r) for r in submitted}
    return {rid: name for rid, name in found.items() if name}


def starting_point_of(store: Store, cohort: Record, response_id: str) -> Record:
    """Everything a specialist needs to plan for one submitted teacher; `UnknownStartingPoint` if there is none."""
    record = store.get_response(cohort["id"], response_id) if RESPONSE_ID.match(response_id) else None
    if record is None or record.get("status") != "submitted":
        raise UnknownStartingPoint("There is no submitted questionnaire with that id in this cohort. The teacher "
                                   "may have been erased, or not have submitted yet: go back to the groups.")
    definition = published_definition(store, record["form_id"], record["form_version"])
    answers = record.get("answers", {})
    return {
        "id": record["id"], "name": display_name(definition, record), "reference": grouping.respondent(record),
        "school": record.get("school") or "", "submitted_at": record.get("submitted_at"),
        "group": _group(store, cohort, record["id"]),
        "constructs": _beside_cohort(store, cohort, record, definition),
        "barriers": barriers(definition, answers),
        "pupil_groups": _labels(definition, _key(definition, "pupil_groups"), answers),
        "pupil_priorities": _labels(definition, _key(definition, "pupil_priorities"), answers),
        "focus": _focus(definition, record),
        "pages": review_rows(definition, answers),
    }


def _key(definition: Definition, part: str) -> str | None:
    config = definition.recommend
    return getattr(config, part) if config else None


def _labels(definition: Definition, question_id: str | None, answers: dict[str, Any]) -> list[str]:
    """The labels of a choice answer, in the teacher's order (a ranking keeps its ranks)."""
    if not question_id:
        return []
    value = answers.get(question_id) or []
    q = definition.question(question_id)
    return [q.option_label(v) for v in (value if isinstance(value, list) else [value])]


def barriers(definition: Definition, answers: dict[str, Any]) -> list[Record]:
    """Each barrier the teacher chose, with how strongly it holds them back (in words and out of the scale's top)."""
    question_id, strength = _key(definition, "barriers"), _key(definition, "barrier_strength")
    if not question_id:
        return []
    q = definition.question(question_id)
    found = []
    for choice in answers.get(question_id) or []:
        row = {"label": q.option_label(choice), "strength": None, "words": None, "max": None}
        if strength:
            answer_id = strength.replace("{choice}", choice)
            value = answers.get(answer_id)
            try:
                scale = definition.answer_question(answer_id).scale
            except KeyError:
                scale = None
            if value is not None and scale is not None:
                row.update(strength=value, words=scale.label(value), max=scale.max)
        found.append(row)
    # The strongest first: that is what a specialist plans around.
    return sorted(found, key=lambda r: -(r["strength"] or 0))


def _beside_cohort(store: Store, cohort: Record, record: Record, definition: Definition) -> list[Record]:
    """The teacher's construct scores (with their range and sentence) beside the cohort's average of each."""
    others = [r.get("scores") or {} for r in store.list_responses(cohort["id"], status="submitted", cycle=1)
              if (r.get("form_id"), r.get("form_version")) == (record["form_id"], record["form_version"])]
    rows = starting_point(definition, record.get("scores") or {})
    for row in rows:
        given = [s[row["id"]] for s in others if s.get(row["id"]) is not None]
        row["cohort"] = round(fmean(given), 2) if given else None
        row["cohort_count"] = len(given)
        row["beside"] = _beside(row["score"], row["cohort"], row["max"] - row["min"])
    return rows


def _beside(score: float | None, cohort: float | None, span: float) -> str:
    """The teacher's score against the cohort's average in words; within a tenth of the scale counts as alike."""
    if score is None or cohort is None:
        return "No comparison"
    gap = score - cohort
    if abs(gap) < span / 10:
        return "About the cohort's average"
    return f"{abs(gap):.1f} {'above' if gap > 0 else 'below'} the cohort's average"


def _focus(definition: Definition, record: Record) -> Record:
    """The chosen focus(es) by title, the pupils it is for and the goal; whether it was chosen on the menu."""
    choice = current_choice(record, definition)
    keys = definition.learning_focus
    titles = {c.id: c.label for c in definition.question(keys.choice).options} if keys else {}
    menu = definition.learning_focuses
    if menu is not None:
        titles.update({f.id: f.title for f in menu.focuses})
    groups = {}
    if _key(definition, "pupil_groups"):
        groups = {c.id: c.label for c in definition.question(_key(definition, "pupil_groups")).options}
    return {"titles": [titles.get(f, f) for f in choice["focuses"]], "confirmed": choice["confirmed"],
            "pupil_group": groups.get(choice.get("pupil_group") or "", choice.get("pupil_group")),
            "goal": choice.get("goal") or ""}


def _group(store: Store, cohort: Record, response_id: str) -> Record | None:
    """Their group in the current grouping (key, name, how clearly), or None if ungrouped or unreadable."""
    try:
        current = grouping.current(store, cohort)
    except DamagedGrouping:
        return None
    for group in (current or {}).get("groups", []):
        for member in group["members"]:
            if member["id"] == response_id:
                return {"key": group["key"], "name": group["name"], "confidence": member["confidence"],
                        "outlier": member["outlier"], "size": len(group["members"])}
    return None
