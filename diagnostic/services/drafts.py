"""Unfinished responses (drafts): a cap on how many a cohort holds open, and removing those left untouched.

Plain functions over the store, no Flask. Anyone holding an invitation link can start a draft, so the
number of drafts is bounded here as well as by the rate limits on starting one: a cohort that reaches
its cap takes no new starts until drafts are submitted or removed, while every teacher who already
holds a draft carries on. Removing a draft is for good, and only ever touches drafts: a submitted
response is never removed here, however old.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from diagnostic.services import audit
from diagnostic.services.journey import JourneyError
from diagnostic.storage.interface import NotFound, Record, Store

PURGED = "purge drafts"  # the kind of action in the audit log


class CohortFull(JourneyError):
    """The cohort holds as many unfinished responses as it may, so a new one cannot start for now."""

    # 409 Conflict: nothing is wrong with the request or the teacher; the cohort's present state refuses it,
    # and that state changes as drafts are submitted or removed. 429 would blame the teacher's network and
    # 403 their right to take part; a 503 would tell monitoring that the server is failing.
    status = 409
    title = "New starts are paused"


def check_room(store: Store, cohort: Record, cap: int | None) -> None:
    """Raise `CohortFull` if the cohort already holds `cap` unfinished responses (0 or None: no cap)."""
    # Two starts at the same moment can both pass at cap - 1: the cap bounds a flood, it is not an exact quota.
    if cap and store.count_responses(cohort["id"]).get("draft", 0) >= cap:
        raise CohortFull("So many questionnaires have been started and not yet finished here that no new ones can "
                         "start just now. Please try again later, or tell your coordinator. If you have already "
                         "started, open your private link to carry on.")


def cutoff(days: int, today: date | None = None) -> datetime:
    """The moment before which a draft has gone untouched for more than `days` days (whole UTC days)."""
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValueError(f"the number of days must be a whole number of at least 1, not {days!r}")
    day = today or datetime.now(UTC).date()
    return datetime.combine(day - timedelta(days=days), time(), UTC)


def is_stale(record: Record, before: datetime) -> bool:
    """Whether a response is a draft last saved before `before` (one that cannot be dated is kept)."""
    if record.get("status") != "draft":
        return False
    try:
        touched = datetime.fromisoformat(record.get("updated_at") or record.get("created_at"))
    except (TypeError, ValueError):
        return False
    return (touched if touched.tzinfo else touched.replace(tzinfo=UTC)) < before


def _cohorts(store: Store, cohort_id: str | None) -> list[Record]:
    if cohort_id is None:
        return store.list_cohorts()
    found = store.get_cohort(cohort_id)
    if found is None:
        raise NotFound(f"no cohort {cohort_id!r}")
    return [found]


def stale_drafts(store: Store, days: int, cohort_id: str | None = None, today: date | None = None) -> dict[str, int]:
    """How many drafts each cohort (or only `cohort_id`) holds untouched for more than `days` days; changes nothing."""
    before = cutoff(days, today)
    return {c["id"]: sum(is_stale(r, before) for r in store.list_responses(c["id"], status="draft"))
            for c in _cohorts(store, cohort_id)}


def purge_stale_drafts(store: Store, days: int, cohort_id: str | None = None, today: date | None = None,
                       actor: str = "command line") -> dict[str, int]:
    """Remove the drafts untouched for more than `days` days; returns how many went from each cohort.

    Each cohort that lost drafts keeps the running total, the day and the number of days, and gets an
    audit entry with the count only: a removed draft's teacher is never named.
    """
    before = cutoff(days, today)
    day = (today or datetime.now(UTC).date()).isoformat()
    removed = {}
    for cohort in _cohorts(store, cohort_id):
        count = removed[cohort["id"]] = store.remove_responses(cohort["id"], lambda r: is_stale(r, before))
        if count:
            store.update_cohort(cohort["id"], lambda c, n=count: {
                **c, "drafts_purged": c.get("drafts_purged", 0) + n, "drafts_purged_at": day,
                "drafts_purged_days": days})
            audit.record(store, actor, PURGED, f"Removed {audit.plural(count, 'unfinished response')} untouched "
                                               f"for more than {audit.plural(days, 'day')}.", cohort["id"])
    return removed


def figures(store: Store, cohort: Record, days: int, today: date | None = None) -> dict:
    """What staff see of a cohort's responses: how many are submitted and unfinished, and drafts removed so far."""
    before = cutoff(days, today)
    responses = store.list_responses(cohort["id"])
    return {
        "submitted": sum(r.get("status") == "submitted" for r in responses),
        "open": sum(r.get("status") == "draft" for r in responses),
        "stale": sum(is_stale(r, before) for r in responses),
        "days": days,
        "purged": cohort.get("drafts_purged", 0),
        "purged_at": cohort.get("drafts_purged_at"),
        "purged_days": cohort.get("drafts_purged_days"),
    }


def describe(found: dict) -> str:
    """The draft figures in plain words: counts only, e.g. "12 unfinished (4 untouched for more than 60 days); ..."."""
    text = f"{found['open']} unfinished ({found['stale'] or 'none'} untouched for more than {found['days']} days); "
    if not found["purged"]:
        return text + "none removed yet"
    return (text + f"{found['purged']} removed after {found['purged_days']} days untouched, "
                   f"last on {found['purged_at']}")
