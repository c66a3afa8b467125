"""A second learning cycle for a synthetic cohort: partnerships, their coaching logs, and planted follow-ups.

For demos, benchmarks and tests of the progress reports: co-coaching partnerships are proposed and
confirmed, each keeps a few log entries, cycle 1 is closed, cycle 2 opens on the shipped follow-up, and most
teachers answer it. Their answers to the questions asked again start from their own starting point and move
by a planted amount (confidence up by `lift` on average, beliefs a little towards learner-centred), so the
reports have a known change to find.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from diagnostic.services import coaching_log, cycles, partnerships
from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import submitted_response
from diagnostic.services.journey import now
from diagnostic.storage.interface import Record, Store
from forms.catalog import find_definition
from forms.conditions import holds
from forms.schema import Definition, Question

TRIED = ["Thinking time before taking answers", "Mini whiteboards in every lesson", "Hinge questions mid-lesson",
         "Talk partners before whole-class discussion", "Worked examples, then fading the steps"]
PUPILS = ["More pupils explained how they got their answer", "Quieter pupils joined in the group work",
          "Pupils asked each other before asking me", "Fewer pupils were stuck at the start of a task"]
NEW_GOALS = ["I want every pupil to explain their thinking to a partner before we share as a class.",
             "I want pupils to check their own work against a model before handing it in."]


def follow_up_answers(later: Definition, first: dict[str, Any], rng: random.Random, lift: int = 1) -> dict[str, Any]:
    """One teacher's follow-up: matched answers moved from their own starting point, the rest drawn plausibly."""
    matched = later.matches.item_pairs() if later.matches else {}
    keyed = {item: key for c in later.constructs for item, key in c.items.items()}
    answers: dict[str, Any] = {}
    for q in later.questions():
        if not holds(q.show_if, answers):
            continue
        for answer_id in q.answer_ids():
            value = _matched(q, answer_id, matched, keyed, first, rng, lift) if answer_id in matched else \
                _fresh(later, q, rng)
            if value is not None:
                answers[answer_id] = value
    return answers


def _matched(q: Question, answer_id: str, matched: dict[str, str], keyed: dict[str, str], first: dict[str, Any],
             rng: random.Random, lift: int) -> Any:
    before = first.get(matched[answer_id])
    if type(before) is not int:
        return before
    if answer_id in keyed:  # a belief: a little more learner-centred, open and sure of making a difference
        step = (1 if keyed[answer_id] == "+" else -1) if rng.random() < 0.4 else 0
    else:  # confidence in a strategy: up by `lift` on average
        step = rng.choice([lift - 1, lift, lift, lift + 1])
    return max(q.scale.min, min(q.scale.max, before + step))


def _fresh(later: Definition, q: Question, rng: random.Random) -> Any:
    ids = [c.id for c in q.options] if q.type in ("single_choice", "multi_choice", "consent") else []
    if q.type == "consent":
        return ids[0] if ids else "yes"
    if q.type == "likert":
        return rng.choice(range(q.scale.min, q.scale.max + 1))
    if q.type == "multi_choice":
        ordinary = [i for i in ids if not i.startswith("other")]
        return rng.sample(ordinary, k=min(len(ordinary), rng.randint(1, 3)))
    if q.type == "single_choice":
        return "refine" if "refine" in ids and rng.random() < 0.3 else ids[0]
    if q.type == "long_text" and q.required is not False:
        words = {"tried": TRIED, "pupils_differently": PUPILS, "new_goal": NEW_GOALS}.get(q.id, TRIED)
        return rng.choice(words)
    return None


def planted_follow_ups(cohort: Record, later: Definition, number: int, firsts: list[Record], seed: int,
                       answered: float = 0.8, lift: int = 1) -> list[Record]:
    """Submitted follow-ups of cycle `number` for about `answered` of these teachers, each naming its teacher."""
    rng = random.Random(seed)
    # Ids from a stream of their own: drawn from `rng`, they could repeat the ids the starting point's planted
    # teachers were given from the same seed, and the follow-ups would be refused as already taken.
    ids = random.Random(f"{seed}-follow-up-ids")
    answering = {**cohort, "form_id": later.id, "form_version": later.version}
    made = []
    for first in firsts:
        if rng.random() >= answered:
            continue
        record = submitted_response(answering, later, follow_up_answers(later, first["answers"], rng, lift),
                                    first.get("respondent"), first.get("school"))
        record.update(id=f"{ids.getrandbits(64):016x}", cycle=number, teacher=first["id"], token_hash="")
        made.append(record)
    return made


def seed_second_cycle(store: Store, definition_dirs: list[Path], cohort_id: str, seed: int = 11,
                      entries: int = 5, answered: float = 0.8) -> dict[str, Any]:
    """Confirm co-coaching, write `entries` log entries per partnership, close cycle 1, open cycle 2, answer it."""
    cohort = store.get_cohort(cohort_id)
    proposal = partnerships.run(store, cohort, "co-coaching")
    made = partnerships.confirm(store, cohort, "co-coaching", proposal["id"], actor="demo")
    _write_logs(store, cohort, made, entries, random.Random(seed))
    cycles.close_current(store, cohort, actor="demo")
    follow_up, _ = find_definition("follow_up", None, definition_dirs)
    opened = cycles.open_follow_up(store, store.get_cohort(cohort_id), follow_up.id, follow_up.version, actor="demo")
    cohort = store.get_cohort(cohort_id)
    later = published_definition(store, opened["form_id"], opened["form_version"])
    firsts = store.list_responses(cohort_id, status="submitted", cycle=1)
    responses = planted_follow_ups(cohort, later, opened["number"], firsts, seed, answered)
    store.add_responses(cohort_id, responses)
    store.update_responses(cohort_id, {r["teacher"]: (lambda f, made=r["id"]: {
        **f, "later": {**(f.get("later") or {}), str(opened["number"]): made}}) for r in responses})
    for r in responses:
        cycles.carry_goal(store, cohort, r)
    return {"partnerships": len(made), "answered": len(responses), "started": len(firsts)}


def _write_logs(store: Store, cohort: Record, made: list[Record], entries: int, rng: random.Random) -> None:
    """A few entries per partnership, written straight to the store (the demo is not one audited person)."""
    kinds, written = list(coaching_log.KINDS), []
    for p in made:
        for n in range(entries):
            kind = kinds[n % len(kinds)]
            fields = coaching_log.KINDS[kind][1]
            author = p["members"][n % len(p["members"])]
            written.append({
                "id": secrets.token_hex(8), "partnership": p["id"], "kind": kind,
                "on": (date.today() - timedelta(days=7 * (entries - n))).isoformat(),
                "author": {"id": author, "name": p["names"][n % len(p["members"])], "role": "teacher"},
                "text": {f: rng.choice(TRIED) for f in fields}, "revision": 1, "written_at": now(),
                "changed_at": None})
    store.add_log_entries(cohort["id"], written)
