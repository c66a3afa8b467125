"""Unfinished responses (drafts): a cap on how many a cohort holds open, and removing those left untouched.

Plain functions over the store, no Flask. Anyone holding an invitation link can start a draft, so the
number of drafts is bounded here as well as by the rate limits on starting one: a cohort that reaches
its cap takes no new starts until drafts are submitted or removed, while every teacher who already
holds a draft carries on. Removing a draft is for good, and only ever touches drafts: a submitted
response is never removed here, however old.
"""

from __future__ import annotations

from diagnostic.journey import JourneyError
from diagnostic.store import Record, Store


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
