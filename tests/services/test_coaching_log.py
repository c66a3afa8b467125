"""The coaching log: partners' entries, a specialist's, limits, stale edits, what coordinators see, erasure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from diagnostic.services import coaching_log
from diagnostic.services.coaching_log import TEXT_LIMIT, LogError, NotYours, StaleEntry

AMY = {"id": "a" * 16, "name": "Amy", "role": "teacher"}
BEA = {"id": "b" * 16, "name": "Bea", "role": "teacher"}
CAL = {"id": "c" * 16, "name": "Cal", "role": "teacher"}
RAO = {"id": "spec-1", "name": "Dr Rao", "role": "specialist"}
TODAY = date.today()


@pytest.fixture
def pair(store, cohort):
    partnerships = [{"id": "p1", "mode": "co-coaching", "members": [AMY["id"], BEA["id"]]},
                    {"id": "p2", "mode": "specialist", "members": [RAO["id"], CAL["id"]]}]
    store.add_partnerships(cohort["id"], partnerships)
    return {p["id"]: p for p in partnerships}


def observation(**changes):
    return {"strategy": "Think, pair, share", "pupils": "Most pupils explained their thinking",
            "prior_knowledge": "Started from last week's fractions", **changes}


def test_partners_write_entries_and_read_them_latest_first(store, cohort, pair):
    coaching_log.add_entry(store, cohort, pair["p1"], AMY, "planning", TODAY - timedelta(days=7),
                           {"notes": "Agreed to observe questioning on Tuesday"})
    seen = coaching_log.add_entry(store, cohort, pair["p1"], BEA, "observation", TODAY, observation())
    log = coaching_log.entries(store, cohort, "p1")
    assert [e["kind"] for e in log] == ["observation", "planning"]
    assert log[0] == seen and seen["author"] == BEA and seen["text"]["strategy"] == "Think, pair, share"
    assert coaching_log.entries(store, cohort, "p2") == []


# The date is taken when the test runs, not when the module is imported: a run that crosses midnight
# would otherwise log "tomorrow" as today.
@pytest.mark.parametrize(("author", "partnership", "kind", "days_ahead", "fields", "message"), [
    (CAL, "p1", "planning", 0, {"notes": "x"}, "only the members"),
    (RAO, "p1", "feedback", 0, {"notes": "x"}, "only the members"),
    (RAO, "p2", "planning", 0, {"notes": "x"}, "a specialist writes"),
    (AMY, "p1", "gossip", 0, {"notes": "x"}, "unknown kind"),
    (AMY, "p1", "planning", 1, {"notes": "x"}, "in the future"),
    (AMY, "p1", "planning", 0, {"notes": "x" * (TEXT_LIMIT + 1)}, f"keep it to {TEXT_LIMIT} characters"),
    (AMY, "p1", "planning", 0, {"notes": "   "}, "write something"),
    (AMY, "p1", "planning", 0, {"strategy": "x"}, "has no field 'strategy'"),
])
def test_bad_entries_are_refused_and_nothing_is_written(store, cohort, pair, author, partnership, kind, days_ahead,
                                                        fields, message):
    with pytest.raises(LogError, match=message):
        coaching_log.add_entry(store, cohort, pair[partnership], author, kind,
                               date.today() + timedelta(days=days_ahead), fields)
    assert store.log_entries(cohort["id"]) == []


def test_a_specialist_writes_observations_of_the_teacher_they_coach(store, cohort, pair):
    entry = coaching_log.add_entry(store, cohort, pair["p2"], RAO, "observation", TODAY, observation())
    assert entry["author"]["role"] == "specialist"


def test_only_the_author_edits_and_a_stale_edit_is_refused(store, cohort, pair):
    entry = coaching_log.add_entry(store, cohort, pair["p1"], AMY, "planning", TODAY, {"notes": "First plan"})
    with pytest.raises(NotYours):
        coaching_log.edit_entry(store, cohort, entry["id"], BEA, 1, TODAY, {"notes": "Bea's version"})
    edited = coaching_log.edit_entry(store, cohort, entry["id"], AMY, 1, TODAY, {"notes": "Second plan"})
    assert edited["revision"] == 2 and edited["text"]["notes"] == "Second plan" and edited["changed_at"]
    with pytest.raises(StaleEntry):  # the first tab, still showing revision 1
        coaching_log.edit_entry(store, cohort, entry["id"], AMY, 1, TODAY, {"notes": "Overwritten?"})
    assert store.log_entries(cohort["id"])[0]["text"]["notes"] == "Second plan"


def test_coordinators_see_only_how_alive_each_log_is(store, cohort, pair):
    coaching_log.add_entry(store, cohort, pair["p1"], AMY, "planning", TODAY - timedelta(days=9), {"notes": "Plan"})
    coaching_log.add_entry(store, cohort, pair["p1"], BEA, "observation", TODAY - timedelta(days=2), observation())
    alive = coaching_log.liveness(store, cohort)
    assert alive == {"p1": {"entries": 2, "observations": 1, "last": (TODAY - timedelta(days=2)).isoformat()}}


def test_forgetting_a_teacher_removes_their_entries_and_their_name_from_others(store, cohort, pair):
    coaching_log.add_entry(store, cohort, pair["p1"], AMY, "planning", TODAY, {"notes": "Amy's own plan"})
    coaching_log.add_entry(store, cohort, pair["p1"], BEA, "feedback", TODAY, {"notes": "Amy tried it well"})
    assert coaching_log.forget(store, cohort["id"], {AMY["id"]}, lambda text: text.replace("Amy", "a partner")) == 1
    (left,) = store.log_entries(cohort["id"])
    assert left["author"] == BEA and left["text"]["notes"] == "a partner tried it well"
