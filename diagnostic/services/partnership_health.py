"""Partnership health: is each confirmed partnership working, and which ones may need the coordinator's help.

Three weeks after a partnership is confirmed, each teacher in it is asked one question on their partner page:
"Is this partnership working for you?", with an optional reason when it is not. The answer is kept inside the
partnership record (`health`, by response id; the latest answer wins) and is for the cohort's coordinators
only: the partner never sees it, so a teacher can say so honestly. Coordinators also see partnerships whose
coaching log has gone quiet (no entry for the cohort's `quiet_weeks`), from the log's counts, never its text.
A coordinator can re-pair a flagged partnership: it is undone, its members are ruled out as partners again,
and the mode is proposed afresh for everyone waiting, leaving every other confirmed partnership as it was.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from diagnostic.engines.pairing import PairingError
from diagnostic.services import agreements, audit, coaching_log, partnerships
from diagnostic.services.journey import JourneyError, now
from diagnostic.storage.interface import Record, Store, whole_cohort

HEALTH_AFTER_DAYS = 21  # long enough to have planned and observed once; early doubts are normal
WHY_LIMIT = 300  # characters: a sentence or two for the coordinator, not a complaint form
QUIET_WEEKS = 3  # the default, per cohort
QUIET_WEEKS_RANGE = (1, 26)


class TooSoon(JourneyError):
    """The partnership is younger than HEALTH_AFTER_DAYS, so the question is not asked yet."""

    status = 409
    title = "It is too early to ask this"


class Ended(JourneyError):
    """The partnership was undone or a partner withdrew: there is nothing to say about it now."""

    status = 410
    title = "This partnership has ended"


class BadAnswer(JourneyError):
    """The answer or the setting cannot be stored as sent; nothing was changed."""

    status = 422


def _day(iso: str) -> date:
    return date.fromisoformat(iso[:10])


def asked_from(partnership: Record) -> date | None:
    """The first day the question is asked for this partnership (None for a record with no confirmation date)."""
    confirmed_at = partnership.get("confirmed_at")
    return _day(confirmed_at) + timedelta(days=HEALTH_AFTER_DAYS) if confirmed_at else None


def is_due(partnership: Record, today: date | None = None) -> bool:
    """Whether a standing partnership is old enough for its teachers to be asked how it is going."""
    start = asked_from(partnership)
    return (partnership.get("status", "confirmed") == "confirmed" and start is not None
            and (today or date.today()) >= start)


def answer_of(partnership: Record, response_id: str) -> Record | None:
    """This teacher's own latest answer, or None (never another member's)."""
    return (partnership.get("health") or {}).get(response_id)


def check_answer(working: bool, why: str | None) -> str:
    """The reason to keep, trimmed (none when it is working), or `BadAnswer` naming the field and its limit."""
    why = "" if working else (why or "").strip()
    if len(why) > WHY_LIMIT:
        raise BadAnswer(f"What is getting in the way: keep it to {WHY_LIMIT} characters (this has {len(why)}).")
    return why


def mine(store: Store, cohort: Record, partnership_id: str, response_id: str) -> Record:
    """The partnership if this teacher is one of its teachers; `NotYours` (404) otherwise, revealing nothing."""
    found = store.get_partnership(cohort["id"], partnership_id)
    if found is None or response_id not in agreements.teachers_in(found):
        raise agreements.NotYours("There is no partnership of yours at this address. Open it from your partner page.")
    return found


def check_askable(partnership: Record, today: date | None = None) -> None:
    """Raise `Ended` (410) for a partnership that no longer stands, `TooSoon` (409) for one not old enough."""
    if partnership.get("status", "confirmed") != "confirmed":
        raise Ended("This partnership has ended, so there is no need to say how it is going. "
                    "Your coordinator can pair you with someone else.")
    if not is_due(partnership, today):
        start = asked_from(partnership)
        raise TooSoon(f"This question is asked once a partnership has run for {HEALTH_AFTER_DAYS} days"
                      + (f", from {start.isoformat()}" if start else "") + ". Nothing was saved.")


def answer(store: Store, cohort: Record, partnership_id: str, response_id: str, working: bool, why: str = "",
           today: date | None = None) -> Record:
    """Store a teacher's answer in their partnership (`NotYours` 404, `Ended` 410, `TooSoon` 409 otherwise)."""
    mine(store, cohort, partnership_id, response_id)  # 404 for anyone not in it, before anything else
    reason = check_answer(working, why)

    def change(current: Record) -> Record:
        check_askable(current, today)  # under the record's lock: a partnership undone meanwhile is not written
        health = {**(current.get("health") or {}),
                  response_id: {"working": bool(working), "why": reason, "answered_at": now()}}
        return {**current, "health": health}

    saved = store.update_partnership(cohort["id"], partnership_id, change)
    # The audit log says that a teacher answered, never what they said.
    audit.record(store, "a teacher", "answer partnership health", "A teacher said how their partnership is going.",
                 cohort["id"])
    return saved


def quiet_weeks(cohort: Record) -> int:
    """After how many weeks without a coaching-log entry a partnership is listed as quiet."""
    return int((cohort.get("health") or {}).get("quiet_weeks") or QUIET_WEEKS)


def check_quiet_weeks(value: Any) -> int:
    """A whole number of weeks within QUIET_WEEKS_RANGE, or `BadAnswer` saying what is allowed."""
    low, high = QUIET_WEEKS_RANGE
    if type(value) is not int or not low <= value <= high:
        raise BadAnswer(f"Weeks without a coaching log entry: choose a whole number from {low} to {high}.")
    return value


def set_quiet_weeks(store: Store, cohort: Record, value: Any, actor: str = "system") -> Record:
    """Store the cohort's quiet-weeks setting on its record."""
    weeks = check_quiet_weeks(value)
    saved = store.update_cohort(cohort["id"], lambda c: {**c, "health": {**(c.get("health") or {}),
                                                                         "quiet_weeks": weeks}})
    audit.record(store, actor, "set partnership health",
                 f"Partnerships are listed as quiet after {audit.plural(weeks, 'week')} without a log entry.",
                 cohort["id"])
    return saved


def _names(partnership: Record) -> dict[str, str]:
    return dict(zip(partnership["members"], partnership.get("names") or [], strict=False))


def attention(partnership: Record, log: Record | None, weeks: int, today: date) -> Record | None:
    """Why one confirmed partnership may need the coordinator (not working, quiet), or None if it does not."""
    names = _names(partnership)
    flags = [{"name": names.get(member, "A teacher"), "why": said["why"], "answered_at": said["answered_at"]}
             for member, said in (partnership.get("health") or {}).items()
             if not said["working"] and member in agreements.teachers_in(partnership)]
    last = (log or {}).get("last") or partnership.get("confirmed_at")
    since = _day(last) if last else None
    quiet = since is not None and today - since >= timedelta(weeks=weeks)
    if not flags and not quiet:
        return None
    return {"id": partnership["id"], "mode": partnership["mode"], "kind": agreements.kind(partnership),
            "names": list(partnership.get("names") or []),
            "confirmed_at": (partnership.get("confirmed_at") or "")[:10] or None, "not_working": flags,
            "quiet": quiet, "quiet_since": since.isoformat() if since else None, "last_entry": (log or {}).get("last"),
            "entries": (log or {}).get("entries", 0)}


def needing_attention(store: Store, cohort: Record, mode: str | None = None, today: date | None = None
                      ) -> list[Record]:
    """The cohort's confirmed partnerships (of `mode`, or all) that may need attention, not working ones first.

    What a coordinator may see: names, kind, the not-working answers with their reasons, and the log's counts.
    """
    today, weeks = today or date.today(), quiet_weeks(cohort)
    alive = coaching_log.liveness(store, cohort)
    found = [attention(p, alive.get(p["id"]), weeks, today) for p in partnerships.confirmed(store, cohort)
             if mode is None or p["mode"] == mode]
    return sorted((f for f in found if f), key=lambda f: (not f["not_working"], f["quiet_since"] or ""))


@whole_cohort
def repair(store: Store, cohort: Record, partnership_id: str, actor: str = "system") -> Record:
    """Undo one confirmed partnership, rule its members out as partners, and propose its mode again.

    Every other confirmed partnership stays as it is: proposing leaves their teachers out. Returns
    {"partnership": the undone record, "proposal": the new proposal or None, "problem": why none, or None}.
    """
    found = next((p for p in partnerships.confirmed(store, cohort) if p["id"] == partnership_id), None)
    if found is None:
        raise PairingError("there is no confirmed partnership with that id in this cohort: it may have been "
                           "undone already")
    undone = partnerships.undo_and_rule_out(store, cohort, found, actor=actor)
    try:
        proposal, problem = partnerships.run(store, cohort, found["mode"], actor=actor), None
    except PairingError as exc:
        proposal, problem = None, str(exc)
    return {"partnership": undone, "proposal": proposal, "problem": problem}


def for_export(flagged: list[Record]) -> list[Record]:
    """The attention list as machine output (ids, names, reasons, counts: never a word of the log)."""
    return [{k: f[k] for k in ("id", "mode", "names", "confirmed_at", "not_working", "quiet", "quiet_since",
                               "last_entry", "entries")} for f in flagged]
