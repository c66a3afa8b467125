"""Peer assessment: in a later cycle, each teacher in a co-coaching or mentoring partnership says how far they
saw their partner get towards the goal in their agreement, and what they saw that tells them so.

Plain functions over the store, no Flask. What partners say is kept inside the partnership record, under
`assessments`, by cycle and then by f"{assessor}:{assessed}" (response ids), and saved under the partnership's
lock (`Store.update_partnership`): an assessor may change theirs, but a copy opened before their last save is
refused (`StaleAssessment`), as with the learning agreement. Only the assessor, the teacher assessed and the
specialists see an assessment; coordinators and admins never do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from diagnostic.services import agreements, coaching_log
from diagnostic.services.cohorts import published_definition
from diagnostic.services.cycles import current, cycle_of, later_response
from diagnostic.services.journey import JourneyError, now
from diagnostic.storage.interface import Record, Store

# What a partner saw, in steps that describe the change rather than judge the person.
SCALE = {1: "Just starting", 2: "Trying it out in some lessons", 3: "Growing in confidence with it",
         4: "It is part of how they teach now"}
SCALE_FOR_YOU = {**SCALE, 4: "It is part of how you teach now"}  # the same, as the teacher assessed reads it
EVIDENCE_LIMIT = 1000  # characters: a paragraph or two about what they saw
MODES = ("co-coaching", "mentoring")  # partners who watch each other teach


class NoLaterCycle(JourneyError):
    """Partners assess each other's progress only once a later cycle has begun."""

    status = 409
    title = "Peer assessment has not started yet"


class CycleClosed(JourneyError):
    """The cycle has closed, so what partners said in it stays as it was."""

    status = 410
    title = "This round has closed"


class BadAssessment(JourneyError):
    """Something in the assessment needs changing before it can be saved; `field` names which."""

    status = 422

    def __init__(self, message: str, field: str):
        self.field = field
        super().__init__(message)


class NotAPartner(JourneyError):
    """The teacher to assess is not in this partnership (whether they exist is not said)."""

    status = 404


class StaleAssessment(JourneyError):
    """The assessor saved this assessment again after this copy was opened; `latest` is what is saved now."""

    status = 409
    title = "You changed this assessment elsewhere"

    def __init__(self, latest: Record):
        self.latest = latest
        super().__init__("You saved this assessment in another tab or window after this page was opened.")


def open_cycle(cohort: Record) -> int:
    """The number of the later cycle partners assess in now; `NoLaterCycle` or `CycleClosed` otherwise."""
    latest = current(cohort)
    if latest["number"] < 2:
        raise NoLaterCycle("You can say how your partner is getting on once your coordinator opens the next "
                           "round of the programme.")
    if latest["closed_at"] is not None:
        raise CycleClosed("This round of the programme has closed, so assessments can no longer be changed. "
                          "What you saved is kept.")
    return latest["number"]


def partnership_for(store: Store, cohort: Record, partnership_id: str, assessor: str) -> Record:
    """The confirmed co-coaching or mentoring partnership `assessor` is a teacher in; 404 for any other."""
    partnership = agreements.find(store, cohort, partnership_id, assessor)
    if partnership["mode"] not in MODES:
        raise agreements.NotYours("Partners in co-coaching or mentoring say how each other is getting on; your "
                                  "specialist does this in specialist coaching.")
    agreements.check_open(partnership)
    return partnership


def partners(partnership: Record, assessor: str) -> list[str]:
    """The other teachers in the partnership, whom `assessor` assesses."""
    return [m for m in agreements.teachers_in(partnership) if m != assessor]


def check_assessed(partnership: Record, assessor: str, assessed: str) -> None:
    if assessed == assessor:
        raise BadAssessment("You say how your partner is getting on here; your own view goes in your "
                            "follow-up questionnaire.", "assessed")
    if assessed not in agreements.teachers_in(partnership):
        raise NotAPartner("There is no partner of yours at this address. Open it from your partner page.")


def check(partnership: Record, store: Store, cohort: Record, scale: Any, evidence: str,
          entries: list[str]) -> tuple[int, str, list[str]]:
    """The scale point, the evidence trimmed and the chosen log entries, or `BadAssessment` naming the field."""
    if scale not in SCALE:
        raise BadAssessment("How far your partner has got: choose one of the options.", "scale")
    text = (evidence or "").strip()
    if not text:
        raise BadAssessment("What you saw: write a sentence or two about what you saw in their lessons.",
                            "evidence")
    if len(text) > EVIDENCE_LIMIT:
        raise BadAssessment(f"What you saw: keep it to {EVIDENCE_LIMIT} characters (this has {len(text)}).",
                            "evidence")
    known = {e["id"] for e in coaching_log.entries(store, cohort, partnership["id"])}
    if not set(entries) <= known:
        raise BadAssessment("Coaching log entries: choose only entries from your partnership's log.", "entries")
    return scale, text, sorted(set(entries))


def key(assessor: str, assessed: str) -> str:
    return f"{assessor}:{assessed}"


def saved(partnership: Record, cycle: int, assessor: str, assessed: str) -> Record | None:
    """What `assessor` said about `assessed` in this cycle, if they have said it."""
    return ((partnership.get("assessments") or {}).get(str(cycle)) or {}).get(key(assessor, assessed))


def save(store: Store, cohort: Record, partnership_id: str, assessor: str, assessed: str, scale: Any,
         evidence: str, entries: list[str], revision: int) -> Record:
    """Keep what `assessor` saw of `assessed`'s progress this cycle, from a copy opened at `revision` (0 for a
    first one); return the assessment as saved. Nothing is changed when it is refused."""
    partnership = partnership_for(store, cohort, partnership_id, assessor)
    check_assessed(partnership, assessor, assessed)
    cohort = store.get_cohort(cohort["id"]) or cohort  # the cycle may have closed since the page was opened
    cycle = open_cycle(cohort)
    scale, text, chosen = check(partnership, store, cohort, scale, evidence, entries)

    def change(latest: Record) -> Record:
        agreements.check_open(latest)  # the coordinator may have ended it since the page was opened
        before = saved(latest, cycle, assessor, assessed)
        if (before or {}).get("revision", 0) != revision:
            raise StaleAssessment(before or {})
        record = {"assessor": assessor, "assessed": assessed, "scale": scale, "evidence": text,
                  "entries": chosen, "revision": revision + 1, "saved_at": now()}
        every = dict(latest.get("assessments") or {})
        every[str(cycle)] = {**(every.get(str(cycle)) or {}), key(assessor, assessed): record}
        return {**latest, "assessments": every}

    done = store.update_partnership(cohort["id"], partnership_id, change)
    return saved(done, cycle, assessor, assessed)


def name_of(partnership: Record, response_id: str) -> str:
    names = partnership.get("names") or []
    at = partnership["members"].index(response_id) if response_id in partnership["members"] else len(names)
    return names[at] if at < len(names) and names[at] else "Your partner"


def _shown(store: Store, cohort: Record, partnership: Record, cycle: str, record: Record) -> Record:
    log = {e["id"]: e for e in coaching_log.entries(store, cohort, partnership["id"])}
    return {"partnership": partnership["id"], "cycle": int(cycle), "by": name_of(partnership, record["assessor"]),
            "about": name_of(partnership, record["assessed"]), "scale": record["scale"],
            "label": SCALE.get(record["scale"], str(record["scale"])),
            "for_you": SCALE_FOR_YOU.get(record["scale"], str(record["scale"])), "evidence": record["evidence"],
            "entries": [entry_label(log[i]) for i in record["entries"] if i in log],
            "saved_at": record["saved_at"]}


def _every(store: Store, cohort: Record, keep: Callable[[Record], bool], cycle: int | None) -> list[Record]:
    found = []
    for p in store.list_partnerships(cohort["id"]):
        for number, said in sorted((p.get("assessments") or {}).items()):
            if cycle is None or number == str(cycle):
                found += [_shown(store, cohort, p, number, r) for r in said.values() if keep(r)]
    return found


def about(store: Store, cohort: Record, response_id: str, cycle: int | None = None) -> list[Record]:
    """What partners said about this teacher in `cycle` (the latest cycle if None): who, the scale, evidence."""
    number = current(cohort)["number"] if cycle is None else cycle
    return _every(store, cohort, lambda r: r["assessed"] == response_id, number)


def by_or_about(store: Store, cohort: Record, response_id: str) -> list[Record]:
    """Every assessment this teacher wrote or that was written about them, every cycle (for their own data)."""
    return _every(store, cohort, lambda r: response_id in (r["assessor"], r["assessed"]), None)


def self_assessment(store: Store, cohort: Record, first: Record) -> Record | None:
    """The teacher's own answer to how far they have got towards their goal, in the latest cycle, if given."""
    later = later_response(store, cohort, first)
    if later is None or cycle_of(later) < 2:
        return None
    definition = published_definition(store, later["form_id"], later["form_version"])
    question = definition.progress.goal if definition.progress else None
    value = (later.get("answers") or {}).get(question) if question else None
    if value is None:
        return None
    q = next(q for q in definition.questions() if q.id == question)
    label = q.scale.label(value) if q.scale is not None and not isinstance(q.scale, str) else str(value)
    return {"value": value, "label": label}


def entry_label(entry: Record) -> str:
    """A log entry in a few words to choose from: its date, its kind and how it begins."""
    # In the order the entry's form asks, not the stored order: a server database need not keep the order of keys.
    asked = coaching_log.KINDS[entry["kind"]][1]
    text = [entry["text"].get(name) for name in asked] + [v for k, v in entry["text"].items() if k not in asked]
    words = " ".join(v for v in text if v).split()
    opening = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
    return f"{entry['on']}, {coaching_log.KINDS[entry['kind']][0].lower()}: {opening}"


def forget(partnership: Record, gone: set[str], scrub: Callable[[str], str]) -> Record:
    """The partnership without anything an erased teacher wrote or that was written about them, and with their
    name and goal (`scrub`) taken out of what is left."""
    if not partnership.get("assessments"):
        return partnership
    kept = {number: {k: {**r, "evidence": scrub(r["evidence"])} for k, r in said.items()
                     if not gone & {r["assessor"], r["assessed"]}}
            for number, said in partnership["assessments"].items()}
    return {**partnership, "assessments": {n: said for n, said in kept.items() if said}}
