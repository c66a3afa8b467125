"""A teacher's data: everything held about them, their request to have it erased, and erasing it for good.

Plain functions over the store, no Flask. Erasing a teacher removes their
response and every trace of them the store keeps elsewhere: their row in the
cohort's grouping, the coordinator's locks, ruled-out pairs and proposals that
name them, an internal-expert listing that is them, and their place, name,
school and goal in partnership records. A confirmed partnership they were in
ends ("withdrawn") and each former partner is freed to choose their focus and be
paired again, with a notice for their partner page. The audit entry names the
cohort, never the teacher.

Their words go too: the learning agreement answers they wrote themselves (each
answer records who wrote it), and, in every free-text field of the cohort (other
teachers' answers and goals, other agreements, the specialists' group names,
notes and titles), their goal and what they wrote about how their partner could
reach them wherever it was copied, and their name in any case, as a first name
on its own, or as a title and surname (see `diagnostic.engines.scrub`).

The earlier groupings kept for going back lose them the same way (member,
model rows, and their name and goal in the names and notes kept with them).

Kept on purpose: the grouping's group-level profiles and centres (averages over
many teachers, forgotten at the next re-grouping), and the agreement answers
their partner wrote, which belong to the partner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from diagnostic.engines.pairing import MODES
from diagnostic.engines.scrub import scrubber
from diagnostic.services import agreements, audit, coaching_log, grouping, peer_assessment
from diagnostic.services.choice import current_choice
from diagnostic.services.cohorts import published_definition
from diagnostic.services.journey import now
from diagnostic.services.partnerships import EVERY_MODE, display_name, pairing_of
from diagnostic.storage.interface import DamagedGrouping, Record, Store, whole_cohort
from forms.schema import Definition
from models.persist import ModelFileError, dumps, loads

ERASED = "erase a teacher's data"
ASKED = "ask for a teacher's data to be erased"
FORMER = "a former partner"  # stands in for the erased teacher's name in what their partner keeps
RESPONSE_ID = re.compile(r"^[0-9a-f]{16}$")


class UnknownTeacher(LookupError):
    """No teacher with that reference or response id in that cohort (nothing was changed)."""


def find_teacher(store: Store, cohort_id: str, reference: str) -> Record:
    """The response with this response id or import reference in the cohort; `UnknownTeacher` if none."""
    if store.get_cohort(cohort_id) is None:
        raise UnknownTeacher(f"there is no cohort {cohort_id!r}")
    reference = reference.strip()
    # Only a well-formed id can name a shard: anything else is looked for as an import reference.
    found = store.get_response(cohort_id, reference) if RESPONSE_ID.match(reference) else None
    found = found or next((r for r in store.list_responses(cohort_id) if r.get("respondent") == reference), None)
    if found is None:
        raise UnknownTeacher(f"there is no teacher with reference or response id {reference!r} in cohort "
                             f"{cohort_id!r}; nothing was erased")
    return found


@whole_cohort
def erase(store: Store, cohort_id: str, response_id: str, actor: str) -> Record:
    """Erase everything held about one teacher; return how many partnerships ended and how many partners were told.

    Raises `UnknownTeacher` (and changes nothing) if the cohort has no such response. Every step can be
    run again, and the response goes last, so an erasure that was interrupted is finished by running it again.
    """
    cohort = store.get_cohort(cohort_id)
    record = store.get_response(cohort_id, response_id) if cohort and RESPONSE_ID.match(response_id) else None
    if record is None:
        raise UnknownTeacher(f"there is no response {response_id!r} in cohort {cohort_id!r}; nothing was erased")
    if record.get("teacher"):  # a later cycle's answers: the teacher is their first response
        record = store.get_response(cohort_id, record["teacher"]) or record
        response_id = record["id"]
    later = list((record.get("later") or {}).values())
    definition = published_definition(store, record["form_id"], record["form_version"])
    # An internal expert listed for specialist coaching is this same teacher under a specialist id.
    experts = [s for s in cohort.get("specialists") or [] if s.get("respondent") == response_id]
    gone = {response_id, *(s["id"] for s in experts)}
    names = {display_name(definition, record), *(s["name"] for s in experts)}
    typed = [n for n in (typed_name(definition, record), *(s["name"] for s in experts)) if n]
    scrub = scrubber(names, goals_of(definition, record), typed, [record.get("partner_contact") or ""])
    _forget_in_grouping(store, cohort_id, response_id)
    _forget_in_pairing(store, cohort_id, gone)
    if experts:
        store.update_cohort(cohort_id, lambda c: {
            **c, "specialists": [s for s in c.get("specialists") or [] if s["id"] not in gone]})
    ended, told = _withdraw(store, cohort_id, gone, names, scrub)
    coaching_log.forget(store, cohort_id, gone, scrub)
    _scrub_cohort(store, cohort_id, gone | set(later), scrub)
    for later_id in later:  # their answers in later cycles go before the first response, which finds them
        if store.get_response(cohort_id, later_id):
            store.remove_response(cohort_id, later_id)
    store.remove_response(cohort_id, response_id)
    asked = "they had asked for it" if record.get("erasure_requested_at") else "they had not asked"
    audit.record(store, actor, ERASED, f"Erased a teacher's data: {audit.plural(ended, 'partnership')} ended, "
                                       f"{audit.plural(told, 'partner')} to be told; {asked}.", cohort_id)
    return {"partnerships_ended": ended, "partners_told": told}


def typed_name(definition: Definition, record: Record) -> str:
    """The name the teacher typed in the questionnaire ("" if none)."""
    key = pairing_of(definition).name
    value = record.get("answers", {}).get(key) if key else None
    return value.strip() if isinstance(value, str) else ""


def goals_of(definition: Definition, record: Record) -> list[str]:
    """Every goal the teacher wrote: in the questionnaire, on the menu page, and in earlier choices."""
    keys = definition.learning_focus
    earlier = [(c or {}).get("goal") for c in record.get("choice_history", [])]
    found = [record.get("answers", {}).get(keys.goal) if keys and keys.goal else None,
             (record.get("choice") or {}).get("goal"), *earlier]
    return [g for g in found if isinstance(g, str) and g.strip()]


def _text_questions(definition: Definition) -> set[str]:
    """The answers people type in their own words (the name question aside: it is the person's own name)."""
    typed = {q.id for q in definition.questions() if q.type in ("short_text", "long_text")}
    return typed - {pairing_of(definition).name}


def _scrub_cohort(store: Store, cohort_id: str, gone: set[str], scrub: Callable[[str], str]) -> None:
    """Take the teacher's name and goal out of everything else typed in the cohort.

    Other teachers' own words and goals, the learning agreements of partnerships they were not in, and the
    specialists' names, notes and titles for groups. Only what changes is written.
    """
    changes = {}
    for r in store.list_responses(cohort_id):
        keys = _text_questions(published_definition(store, r["form_id"], r["form_version"]))
        if r["id"] not in gone and _scrubbed_response(r, keys, scrub) != r:
            changes[r["id"]] = lambda current, keys=keys: _scrubbed_response(current, keys, scrub)
    if changes:
        store.update_responses(cohort_id, changes)
    for p in store.list_partnerships(cohort_id):
        agreement = p.get("agreement")
        if agreement and not gone & set(p["members"]):
            answers = {k: scrub(v) if isinstance(v, str) else v for k, v in agreement["answers"].items()}
            if answers != agreement["answers"]:
                store.update_partnership(cohort_id, p["id"], lambda current, a=answers: {
                    **current, "agreement": {**current["agreement"], "answers": a}})
        if not gone & set(p["members"]) and peer_assessment.forget(p, gone, scrub) != p:
            store.update_partnership(cohort_id, p["id"], lambda current: peer_assessment.forget(current, gone, scrub))
    for key, label in store.group_labels(cohort_id).items():
        new = {k: scrub(label[k]) if isinstance(label.get(k), str) else label.get(k)
               for k in ("name", "note", "teacher_title") if k in label}
        if any(new[k] != label[k] for k in new):
            store.set_group_label(cohort_id, key, {**{k: v for k, v in label.items() if k != "key"}, **new})
    # The names and notes kept with earlier groupings, as they were then.
    store.update_earlier_groupings(cohort_id, lambda record, model, labels: (record, model, {
        key: {k: scrub(v) if k in ("name", "note", "teacher_title") and isinstance(v, str) else v
              for k, v in label.items()} for key, label in labels.items()}))


def _scrubbed_response(record: Record, text_keys: set[str], scrub: Callable[[str], str]) -> Record:
    """Another teacher's response with the erased teacher's name and goal taken out of their own words."""
    answers = {k: scrub(v) if k in text_keys and isinstance(v, str) else v for k, v in record["answers"].items()}
    new = {**record, "answers": answers}
    if record.get("choice"):
        new["choice"] = {**record["choice"], "goal": scrub(record["choice"].get("goal") or "")}
    if record.get("choice_history"):
        new["choice_history"] = [{**c, "goal": scrub(c.get("goal") or "")} for c in record["choice_history"]]
    return new


def _forget_in_grouping(store: Store, cohort_id: str, response_id: str) -> None:
    """Take the teacher out of the saved grouping's members, and the per-teacher rows out of its model."""
    def change(record: Record, model: bytes | None) -> tuple[Record, bytes | None]:
        if response_id not in record["members"]:
            return record, model  # submitted after the fit: they were placed on the fly, never stored
        members = {k: v for k, v in record["members"].items() if k != response_id}
        model, meta = _without_rows(model, record["model"])
        return {**record, "members": members, "model": meta}, model

    store.update_grouping(cohort_id, change)

    # Earlier groupings a specialist could go back to must forget them too.
    def change_earlier(record: Record, model: bytes | None, labels: dict) -> tuple[Record, bytes | None, dict]:
        if response_id not in record["members"]:
            return record, model, labels
        record, model = change(record, model)
        return record, model, labels

    store.update_earlier_groupings(cohort_id, change_earlier)


def _without_rows(blob: bytes | None, meta: Record) -> tuple[bytes | None, Record]:
    """The model file without the per-teacher arrays kept from fitting, and its new fingerprint.

    Checked in `models/`: besides the estimator, the model keeps only summaries over the cohort (the scaler's
    and imputer's averages, the map's axes); `StartingPointGroups.forget_rows` drops the estimator's rows.
    """
    if blob is None:
        return None, meta
    try:
        model = loads(blob, meta)
    except ModelFileError:
        return None, meta  # this server cannot read it, so it could place no one either: re-grouping makes a new one
    model["pipeline"][-1].forget_rows()
    blob, fresh = dumps(model)
    return blob, {**meta, **fresh}


def _forget_in_pairing(store: Store, cohort_id: str, gone: set[str]) -> None:
    """Drop the coordinator's locks and ruled-out pairs with the teacher in them, and proposals that name them."""
    for mode in MODES:
        state = store.pairing_state(cohort_id, mode)
        if gone & (_named(state.get("proposal")) | {m for lock in state.get("locked", []) for m in lock}):
            store.update_pairing_state(cohort_id, mode, lambda s, mode=mode: _without_them(s, gone, mode))
    if any(gone & set(p) for p in store.pairing_state(cohort_id, EVERY_MODE).get("forbidden", [])):
        store.update_pairing_state(cohort_id, EVERY_MODE, lambda s: {
            **s, "forbidden": [p for p in s.get("forbidden", []) if not gone & set(p)]})


def _named(proposal: Record | None) -> set[str]:
    """Everyone a stored proposal names: the members of its partnerships and the teachers it left out."""
    proposal = proposal or {}
    return ({m for p in proposal.get("pairs", []) for m in p["members"]}
            | {u["respondent"] for u in proposal.get("unpaired", [])})


def _without_them(state: Record, gone: set[str], mode: str) -> Record:
    locked = []
    for lock in state.get("locked", []):
        kept = [m for m in lock if m not in gone]
        # A lock keeps going without them only if its lead (a mentor or specialist) is still there.
        if len(kept) >= 2 and (mode == "co-coaching" or lock[0] not in gone):
            locked.append(kept)
    proposal = state.get("proposal")
    # The simplest safe thing: a proposal that names them is dropped; the coordinator runs the mode again.
    return {**state, "locked": locked, "proposal": None if gone & _named(proposal) else proposal}


def _withdraw(store: Store, cohort_id: str, gone: set[str], names: set[str],
              scrub: Callable[[str], str]) -> tuple[int, int]:
    """Take the teacher out of every partnership record; confirmed ones they were in end, and partners are told.

    Partners are freed before the records change, so a second run after an interruption still finds them.
    """
    stamp = now()
    affected = [p for p in store.list_partnerships(cohort_id) if gone & set(p["members"])]
    changed = {p["id"]: _without_member(p, gone, names, stamp, scrub) for p in affected}
    ended = [p for p in affected if p.get("status", "confirmed") == "confirmed"
             and changed[p["id"]]["status"] == "withdrawn"]
    standing = [changed.get(p["id"], p) for p in store.list_partnerships(cohort_id)
                if changed.get(p["id"], p).get("status", "confirmed") == "confirmed"]
    teachers = {r["id"] for r in store.list_responses(cohort_id)} - gone
    partners = {m for p in ended for m in agreements.teachers_in(p) if m in teachers}
    store.update_responses(cohort_id, {m: (lambda r, m=m: _freed(
        r, [p for p in ended if m in p["members"]], [p for p in standing if m in p["members"]], stamp))
        for m in partners})
    for p in affected:
        if any(m in teachers for m in agreements.teachers_in(p)):
            store.update_partnership(cohort_id, p["id"], lambda _, p=p: changed[p["id"]])
        else:
            store.remove_partnership(cohort_id, p["id"])  # no teacher is left to keep it for
    return len(ended), len(partners)


def _without_member(partnership: Record, gone: set[str], names: set[str], stamp: str,
                    scrub: Callable[[str], str]) -> Record:
    """A partnership record without the erased teacher: members, names and schools line up as before."""
    p = partnership
    keep = [n for n, m in enumerate(p["members"]) if m not in gone]
    # Reasons quote both partners' answers by name; score and criteria were worked out from them too.
    new = {k: v for k, v in p.items() if k not in ("reasons", "criteria", "score")}
    new["members"] = [p["members"][n] for n in keep]
    for key in ("names", "schools"):
        if p.get(key):
            new[key] = [p[key][n] for n in keep if n < len(p[key])]
    if p.get("agreement"):
        new["agreement"] = _scrubbed(p["agreement"], gone, names, scrub)
    if p.get("health"):
        # Their own "is it working" answer goes; a partner's reason keeps its words without their name.
        new["health"] = {m: {**said, "why": scrub(said.get("why") or "")} for m, said in p["health"].items()
                         if m not in gone}
    # What partners said of each other's progress: theirs and about them goes; their name leaves the rest.
    new = peer_assessment.forget(new, gone, scrub)
    # In specialist coaching a teacher simply leaves the allocation; any other partnership ends without them.
    goes_on = p["mode"] == "specialist" and p["members"][0] not in gone and len(keep) >= 2
    if p.get("status", "confirmed") == "confirmed" and not goes_on:
        new.update(status="withdrawn", withdrawn_at=stamp)
    return new


def _scrubbed(agreement: Record, gone: set[str], names: set[str], scrub: Callable[[str], str]) -> Record:
    """The agreement as the remaining partner keeps it: without the answers the erased teacher wrote,
    and with their name and goal taken out of the rest."""
    authors = agreement.get("authors") or {}
    answers = {k: scrub(v) if isinstance(v, str) else v for k, v in agreement["answers"].items()
               if authors.get(k) not in gone}
    saver = agreement.get("updated_by")
    return {**agreement, "answers": answers, "authors": {k: v for k, v in authors.items() if k in answers},
            "updated_by": FORMER if saver in names else saver}


def _freed(record: Record, ended: list[Record], standing: list[Record], stamp: str) -> Record:
    """A former partner: their ended partnerships let go (open again unless another stands), a notice for each."""
    held = {p["mode"]: p["id"] for p in standing}
    notices = list(record.get("partner_withdrew") or [])
    told = {n["partnership"] for n in notices}
    notices += [{"partnership": p["id"], "mode": p["mode"], "at": stamp} for p in ended if p["id"] not in told]
    pair = {**(record.get("pair") or {}), "partnerships": held, "status": "confirmed" if held else "open"}
    return {**record, "pair": pair, "partner_withdrew": notices}


def request_erasure(store: Store, cohort: Record, response_id: str) -> Record:
    """Note that the teacher asked for their data to be erased (the first time they asked is kept)."""
    record = store.get_response(cohort["id"], response_id)
    if record is None or record.get("erasure_requested_at"):
        return record
    record = store.update_response(cohort["id"], response_id, lambda r: {
        **r, "erasure_requested_at": r.get("erasure_requested_at") or now()})
    # The entry must outlive the erasure without naming them: it says which cohort, not who.
    audit.record(store, "a teacher, through their private link", ASKED,
                 "A teacher asked for their data to be erased.", cohort["id"])
    return record


def requests(store: Store) -> list[Record]:
    """Every request for erasure not yet acted on: cohort, the teacher's reference and when they asked."""
    found = [{"cohort": c, "reference": grouping.respondent(r), "response_id": r["id"],
              "asked_at": r["erasure_requested_at"]}
             for c in store.list_cohorts() for r in store.list_responses(c["id"]) if r.get("erasure_requested_at")]
    return sorted(found, key=lambda f: f["asked_at"])


def teacher_data(store: Store, cohort: Record, response: Record) -> Record:
    """Everything held about one teacher, as plain JSON-able data (their partners appear by name only)."""
    definition = published_definition(store, response["form_id"], response["form_version"])
    mine = [p for p in store.list_partnerships(cohort["id"]) if response["id"] in p["members"]]
    return {
        "about": "Everything Starting Points holds about you, as it was when you downloaded it.",
        "programme": {"cohort": cohort["id"], "name": cohort["name"]},
        # Only a hash of the private link's secret is kept; it is of no use to anyone, so it is left out.
        "response": {k: v for k, v in response.items() if k != "token_hash"},
        "learning_focus": current_choice(response, definition),
        "starting_point_group": _group_of(store, cohort, response["id"]),
        "partnerships": [_partnership_for(p, response["id"]) for p in mine],
        # What they said of their partners' progress, and what partners said of theirs.
        "peer_assessments": peer_assessment.by_or_about(store, cohort, response["id"]),
        "later_cycles": [{k: v for k, v in r.items() if k != "token_hash"}
                         for r in (store.get_response(cohort["id"], i) for i in (response.get("later") or {}).values())
                         if r],
        "erasure_requested_at": response.get("erasure_requested_at"),
    }


def _group_of(store: Store, cohort: Record, response_id: str) -> Record | None:
    try:
        current = grouping.current(store, cohort)
    except DamagedGrouping:
        return None  # a damaged grouping holds nothing anyone can read
    for group in (current or {}).get("groups", []):
        for member in group["members"]:
            if member["id"] == response_id:
                return {"group": group["key"], "title": grouping.title_for_teacher(group, member),
                        "how_clearly": member["confidence"], "far_from_the_group_centre": member["outlier"]}
    return None


def _partnership_for(partnership: Record, response_id: str) -> dict[str, Any]:
    p = partnership
    others = [name for m, name in zip(p["members"], p.get("names") or [], strict=False) if m != response_id]
    agreement = p.get("agreement")
    return {
        "kind": agreements.kind(p), "status": p.get("status", "confirmed"), "confirmed_at": p.get("confirmed_at"),
        "ended_at": p.get("withdrawn_at") or p.get("dissolved_at"), "focus": p.get("focus_title"),
        "partners": others,
        "learning_agreement": {"answers": agreement["answers"], "last_saved_at": agreement.get("updated_at"),
                               "last_saved_by": agreement.get("updated_by")} if agreement else None,
        # Their own answer to "Is this partnership working for you?"; a partner's answer is never theirs to see.
        "is_it_working": (p.get("health") or {}).get(response_id),
    }
