"""The store's promises, tested through the interface alone, once for every backend in BACKENDS.

Nothing is lost with several processes and threads writing at once, every update replaces its record, a
failed change leaves it as it was, unknown and duplicate ids are refused. What a backend promises about its
own files is tested beside it (`test_tinydb_store.py`).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable

import pytest

from diagnostic.services.journey import new_response
from diagnostic.storage.interface import NotFound, Store, StoreError, VersionConflict
from diagnostic.storage.postgres_store import PostgresStore
from diagnostic.storage.tinydb_store import TinyDBStore

pytestmark = pytest.mark.both_backends  # every test here runs on each backend (tests/conftest.py)

# Each backend, as what opens its store at a place: a string naming where the data lives (a data directory,
# a database URL), which other processes can open too (some tests write from several processes at once).
BACKENDS: dict[str, Callable[[str], Store]] = {
    "tinydb": TinyDBStore,
    "postgresql": lambda url: PostgresStore("unused-data-dir", url),
}

COHORT = {"id": "north", "form_id": "f", "form_version": "1"}


@pytest.fixture
def place(tmp_path, backend, database_url) -> str:
    return database_url if backend == "postgresql" else str(tmp_path / "data")


@pytest.fixture
def backend_store(backend, place) -> Store:
    store = open_store(backend, place)
    yield store
    store.close()


def open_store(backend: str, place: str) -> Store:
    return BACKENDS[backend](place)


def _bump(record):
    record["answers"]["count"] = record["answers"].get("count", 0) + 1
    record["revision"] += 1
    return record


def _increment(backend: str, place: str, response_id: str, times: int) -> None:
    store = open_store(backend, place)
    for _ in range(times):
        store.update_response("north", response_id, _bump)


def _increment_what_was_read(backend: str, place: str, response_id: str, times: int) -> None:
    """As a page save does: read the response, then change it saying what was read (often stale by then)."""
    store = open_store(backend, place)
    for _ in range(times):
        store.update_response("north", response_id, _bump, known=store.get_response("north", response_id))


def _add_many(backend: str, place: str, worker: int, count: int) -> None:
    store = open_store(backend, place)
    for n in range(count):
        record, _ = new_response(COHORT, respondent=f"w{worker}-{n}")
        store.add_responses("north", [record])


def test_several_processes_updating_one_response_lose_nothing(backend, place, backend_store):
    record, _ = new_response(COHORT)
    backend_store.add_responses("north", [record])
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_increment, args=(backend, place, record["id"], 25)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    final = backend_store.get_response("north", record["id"])
    assert final["answers"]["count"] == 100 and final["revision"] == 100


def test_several_processes_adding_responses_lose_none(backend, place, backend_store):
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_add_many, args=(backend, place, w, 30)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    responses = backend_store.list_responses("north")
    assert sorted(r["respondent"] for r in responses) == sorted(f"w{w}-{n}" for w in range(4) for n in range(30))


def test_threads_updating_one_response_lose_nothing(backend, place, backend_store):
    record, _ = new_response(COHORT)
    backend_store.add_responses("north", [record])
    threads = [threading.Thread(target=_increment, args=(backend, place, record["id"], 20)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert backend_store.get_response("north", record["id"])["answers"]["count"] == 100


def test_processes_changing_what_they_read_a_moment_ago_lose_nothing(backend, place, backend_store):
    record, _ = new_response(COHORT)
    backend_store.add_responses("north", [record])
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_increment_what_was_read, args=(backend, place, record["id"], 25))
               for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    final = backend_store.get_response("north", record["id"])
    assert final["answers"]["count"] == 100 and final["revision"] == 100


def test_a_change_runs_on_the_stored_response_when_what_the_caller_read_is_out_of_date(backend_store):
    record, _ = new_response(COHORT)
    backend_store.add_responses("north", [record])
    read_earlier = backend_store.get_response("north", record["id"])
    backend_store.update_response("north", record["id"], lambda r: {**r, "answers": {"a": 1}, "revision": 1})

    def add_b(current):
        current["answers"] = {**current["answers"], "b": 2}
        return current

    saved = backend_store.update_response("north", record["id"], add_b, known=read_earlier)
    assert saved["answers"] == {"a": 1, "b": 2}
    assert backend_store.get_response("north", record["id"])["answers"] == {"a": 1, "b": 2}
    assert read_earlier["answers"] == {}  # what the caller read is left as it was


def test_a_change_made_in_place_deep_inside_the_response_is_saved(backend_store):
    record, _ = new_response(COHORT)
    record["answers"] = {"focus_choice": ["questioning"]}
    backend_store.add_responses("north", [record])

    def add_a_focus(current):
        current["answers"]["focus_choice"].append("feedback")  # nothing at the top level changes
        return current

    backend_store.update_response("north", record["id"], add_a_focus)
    assert backend_store.get_response("north", record["id"])["answers"] == {"focus_choice": ["questioning", "feedback"]}


def test_a_cohort_and_its_response_are_read_together(backend_store):
    record, _ = new_response(COHORT)
    assert backend_store.get_cohort_and_response("north", record["id"]) == (None, None)
    backend_store.add_cohort({"id": "north", "invite": "abc"})
    backend_store.add_responses("north", [record])
    backend_store.add_cohort({"id": "south", "invite": "def"})
    assert backend_store.get_cohort_and_response("north", record["id"]) == ({"id": "north", "invite": "abc"}, record)
    assert backend_store.get_cohort_and_response("north", "00" * 8) == ({"id": "north", "invite": "abc"}, None)
    assert backend_store.get_cohort_and_response("south", record["id"]) == ({"id": "south", "invite": "def"}, None)


def test_a_failed_change_leaves_the_record_untouched(backend_store):
    record, _ = new_response(COHORT)
    backend_store.add_responses("north", [record])

    def refuse(current):
        current["answers"]["x"] = 1
        raise ValueError("no")

    with pytest.raises(ValueError):
        backend_store.update_response("north", record["id"], refuse)
    assert backend_store.get_response("north", record["id"])["answers"] == {}


def test_unknown_response_and_duplicate_ids(backend_store):
    with pytest.raises(NotFound):
        backend_store.update_response("north", "00" * 8, lambda r: r)
    record, _ = new_response(COHORT)
    backend_store.add_responses("north", [record])
    with pytest.raises(StoreError):
        backend_store.add_responses("north", [record])
    assert len(backend_store.list_responses("north")) == 1


def test_a_published_version_cannot_change(backend_store):
    assert backend_store.publish_form("f", "1", "aaa", {"x": 1}) is True
    assert backend_store.publish_form("f", "1", "aaa", {"x": 1}) is False
    with pytest.raises(VersionConflict, match="new version"):
        backend_store.publish_form("f", "1", "bbb", {"x": 2})
    assert backend_store.publish_form("f", "2", "bbb", {"x": 2}) is True
    assert backend_store.get_form("f", "1")["definition"] == {"x": 1}


def test_a_definition_file_is_kept_exactly_listed_in_order_and_never_replaced(backend_store):
    text = "# ours\r\nid: mine\nversion: \"1\"\ntitle: Caf\u00e9 \u2013 ours\n"  # line ends and non-ASCII kept
    first = {"kind": "definition", "id": "mine", "version": "1", "content": text, "added_by": "a@example.org",
             "added_at": "2026-12-04T10:00:00+00:00"}
    menu = {**first, "kind": "menu", "content": "focuses: []\n"}  # a menu may share a definition's id and version
    backend_store.add_definition_file(first)
    backend_store.add_definition_file(menu)
    backend_store.add_definition_file({**first, "version": "2"})
    with pytest.raises(VersionConflict, match="new version"):
        backend_store.add_definition_file({**first, "content": "changed"})
    assert backend_store.get_definition_file("definition", "mine", "1") == first
    assert backend_store.get_definition_file("menu", "mine", "1") == menu
    assert backend_store.get_definition_file("definition", "mine", "3") is None
    assert backend_store.list_definition_files() == [
        {k: v for k, v in r.items() if k != "content"} for r in (first, menu, {**first, "version": "2"})]


def test_updating_many_responses_writes_each_once_and_a_missing_one_leaves_its_shard_untouched(backend_store):
    records = [new_response(COHORT, respondent=f"t{n}")[0] for n in range(40)]
    backend_store.add_responses("north", records)
    backend_store.update_responses("north", {r["id"]: (lambda rec: {**rec, "revision": rec["revision"] + 1})
                                             for r in records})
    assert {r["revision"] for r in backend_store.list_responses("north")} == {1}
    ghost = records[0]["id"][:2] + "0" * 14  # same shard as the first record, for a backend that shards by id
    with pytest.raises(NotFound):
        backend_store.update_responses("north", {records[0]["id"]: lambda rec: {**rec, "revision": 99},
                                                 ghost: lambda rec: rec})
    assert backend_store.get_response("north", records[0]["id"])["revision"] == 1


def test_every_update_replaces_the_record_so_a_key_the_change_dropped_is_gone(backend_store):
    store = backend_store

    def drop(key):
        return lambda record: {k: v for k, v in record.items() if k != key}

    store.add_cohort({"id": "north", "invite": "abc", "menu_settings": {"offered": ["a"]}})
    store.update_cohort("north", drop("menu_settings"))
    assert "menu_settings" not in store.get_cohort("north")

    store.add_user({"id": "u1", "email": "a@example.org", "sessions": ["s"]})
    store.update_user("u1", drop("sessions"))
    assert "sessions" not in store.get_user("u1")

    store.update_pairing_state("north", "co-coaching", lambda s: {**s, "proposal": {"pairs": []}, "locked": []})
    store.update_pairing_state("north", "co-coaching", drop("proposal"))
    assert store.pairing_state("north", "co-coaching") == {"mode": "co-coaching", "locked": []}
    store.update_pairing_state("north", "co-coaching", drop("mode"))  # the mode names the record, so it stays
    assert store.pairing_state("north", "co-coaching") == {"mode": "co-coaching", "locked": []}

    store.add_partnerships("north", [{"id": "p1", "members": ["a", "b"], "note": "x"}])
    store.update_partnership("north", "p1", drop("note"))
    assert "note" not in store.get_partnership("north", "p1")

    record, _ = new_response(COHORT)
    store.add_responses("north", [{**record, "partner_contact": "x"}])
    store.update_response("north", record["id"], drop("partner_contact"))
    assert "partner_contact" not in store.get_response("north", record["id"])
    store.update_responses("north", {record["id"]: drop("respondent")})
    assert "respondent" not in store.get_response("north", record["id"])


def test_coaching_log_entries_are_added_listed_replaced_and_removed(backend_store):
    store = backend_store
    store.add_cohort(dict(COHORT))
    first = {"id": "e1", "partnership": "p1", "kind": "planning", "text": {"notes": "plan"}, "revision": 1}
    store.add_log_entry("north", first)
    store.add_log_entry("north", {**first, "id": "e2", "partnership": "p2"})
    with pytest.raises(StoreError):
        store.add_log_entry("north", first)  # ids are unique
    with pytest.raises(StoreError):
        store.add_log_entries("north", [{**first, "id": "e3"}, {**first, "id": "e3"}])  # within one batch too
    with pytest.raises(StoreError):
        store.add_log_entries("north", [{**first, "id": "e4"}, first])  # and nothing of a refused batch is kept
    assert [e["id"] for e in store.log_entries("north")] == ["e1", "e2"]
    store.add_log_entries("north", [{**first, "id": "e5"}, {**first, "id": "e6"}])
    assert [e["id"] for e in store.log_entries("north")] == ["e1", "e2", "e5", "e6"]
    store.remove_log_entries("north", lambda e: e["id"] in ("e5", "e6"))
    assert [e["id"] for e in store.log_entries("north", "p2")] == ["e2"]
    changed = store.update_log_entry("north", "e1", lambda e: {k: v for k, v in e.items() if k != "kind"})
    assert "kind" not in changed and "kind" not in store.log_entries("north", "p1")[0]  # replaced, not merged
    with pytest.raises(NotFound):
        store.update_log_entry("north", "nope", lambda e: e)
    assert store.remove_log_entries("north", lambda e: e["partnership"] == "p2") == 1
    assert [e["id"] for e in store.log_entries("north")] == ["e1"]


def test_responses_a_grouping_and_a_proposal_read_back_as_written(backend_store):
    # Text a JSON writer must escape, and characters beyond the first plane and the line separator.
    said = {"zeta_long_question": 'she said "fine" \\ then left\nearly', "b": ["≥ 2", "🙂", "\u2028"], "a": 3}
    records = [{**new_response(COHORT, respondent=f"t{n}")[0], "answers": said, "status": "submitted"}
               for n in range(3)]
    backend_store.add_responses("north", records)
    read = backend_store.list_responses("north", status="submitted")
    assert read == sorted(records, key=lambda r: r["id"])  # made in the same second: oldest first, then by id
    assert backend_store.get_response("north", records[0]["id"])["answers"] == said
    assert backend_store.list_responses("north", status="draft") == []

    members = {"zz9": {"group": "b", "map": [1.0, 0.5]}, "aa1": {"group": "b", "map": [0.0, 0.0]}}
    group = {"key": "b", "centre": {}, "means": {}, "generated_name": "B", "generated_description": ""}
    backend_store.save_grouping("north", {"groups": [group], "members": members, "model": {}, "features": [],
                                          "quality": {}, "params": {}, "columns": [], "cohort_means": {}, "k": 1,
                                          "method": "kmeans", "fitted_at": "", "responses": 2}, b"model")
    assert backend_store.load_grouping("north")["members"] == members
    proposal = {"pairs": [["zz9", "aa1"]], "by_teacher": {"zz9": "p1", "aa1": "p1"}}
    backend_store.update_pairing_state("north", "co-coaching", lambda state: {**state, "proposal": proposal})
    assert backend_store.pairing_state("north", "co-coaching")["proposal"] == proposal
