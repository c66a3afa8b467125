"""The store: nothing lost with several processes and threads writing at once, private files, clear errors."""

from __future__ import annotations

import multiprocessing
import stat
import threading
from pathlib import Path

import pytest

from diagnostic.services.journey import new_response
from diagnostic.storage.interface import NotFound, StoreError, VersionConflict
from diagnostic.storage.tinydb_store import TinyDBStore as Store

COHORT = {"id": "north", "form_id": "f", "form_version": "1"}


def _increment(data_dir: str, response_id: str, times: int) -> None:
    store = Store(data_dir)
    for _ in range(times):
        def bump(record):
            record["answers"]["count"] = record["answers"].get("count", 0) + 1
            record["revision"] += 1
            return record
        store.update_response("north", response_id, bump)


def _add_many(data_dir: str, worker: int, count: int) -> None:
    store = Store(data_dir)
    for n in range(count):
        record, _ = new_response(COHORT, respondent=f"w{worker}-{n}")
        store.add_responses("north", [record])


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path / "data")


def test_several_processes_updating_one_response_lose_nothing(data_dir):
    store = Store(data_dir)
    record, _ = new_response(COHORT)
    store.add_responses("north", [record])
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_increment, args=(data_dir, record["id"], 25)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    final = store.get_response("north", record["id"])
    assert final["answers"]["count"] == 100 and final["revision"] == 100


def test_several_processes_adding_responses_lose_none(data_dir):
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_add_many, args=(data_dir, w, 30)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    responses = Store(data_dir).list_responses("north")
    assert sorted(r["respondent"] for r in responses) == sorted(f"w{w}-{n}" for w in range(4) for n in range(30))


def test_threads_updating_one_response_lose_nothing(data_dir):
    store = Store(data_dir)
    record, _ = new_response(COHORT)
    store.add_responses("north", [record])
    threads = [threading.Thread(target=_increment, args=(data_dir, record["id"], 20)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get_response("north", record["id"])["answers"]["count"] == 100


def test_data_files_are_private_and_no_temporary_files_remain(data_dir):
    store = Store(data_dir)
    record, _ = new_response(COHORT)
    store.add_responses("north", [record])
    store.add_cohort({"id": "north", "invite": "abc"})
    files = [p for p in Path(data_dir).rglob("*.json")]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    assert not list(Path(data_dir).rglob("*.tmp"))


def test_a_failed_change_leaves_the_record_untouched(data_dir):
    store = Store(data_dir)
    record, _ = new_response(COHORT)
    store.add_responses("north", [record])

    def refuse(current):
        current["answers"]["x"] = 1
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.update_response("north", record["id"], refuse)
    assert store.get_response("north", record["id"])["answers"] == {}


def test_responses_are_split_so_one_write_touches_a_small_file(data_dir):
    store = Store(data_dir)
    records = [new_response(COHORT)[0] for _ in range(500)]
    store.add_responses("north", records)
    shards = list((Path(data_dir) / "store" / "cohorts" / "north").glob("responses-*.json"))
    assert len(shards) > 100  # 500 responses spread over many files, not one
    assert len(store.list_responses("north")) == 500


def test_damaged_file_is_reported_with_its_path(data_dir):
    store = Store(data_dir)
    store.add_cohort({"id": "north", "invite": "abc"})
    path = Path(data_dir) / "store" / "cohorts.json"
    path.write_text("{not json")
    with pytest.raises(StoreError, match="cohorts.json"):
        store.get_cohort("north")


def test_unknown_response_and_duplicate_ids(data_dir):
    store = Store(data_dir)
    with pytest.raises(NotFound):
        store.update_response("north", "00" * 8, lambda r: r)
    record, _ = new_response(COHORT)
    store.add_responses("north", [record])
    with pytest.raises(StoreError):
        store.add_responses("north", [record])
    assert len(store.list_responses("north")) == 1


def test_a_published_version_cannot_change(data_dir):
    store = Store(data_dir)
    assert store.publish_form("f", "1", "aaa", {"x": 1}) is True
    assert store.publish_form("f", "1", "aaa", {"x": 1}) is False
    with pytest.raises(VersionConflict, match="new version"):
        store.publish_form("f", "1", "bbb", {"x": 2})
    assert store.publish_form("f", "2", "bbb", {"x": 2}) is True
    assert store.get_form("f", "1")["definition"] == {"x": 1}


def test_updating_many_responses_writes_each_once_and_a_missing_one_leaves_its_shard_untouched(data_dir):
    store = Store(data_dir)
    records = [new_response(COHORT, respondent=f"t{n}")[0] for n in range(40)]
    store.add_responses("north", records)
    store.update_responses("north", {r["id"]: (lambda rec: {**rec, "revision": rec["revision"] + 1})
                                     for r in records})
    assert {r["revision"] for r in store.list_responses("north")} == {1}
    ghost = records[0]["id"][:2] + "0" * 14  # same shard as the first record
    with pytest.raises(NotFound):
        store.update_responses("north", {records[0]["id"]: lambda rec: {**rec, "revision": 99},
                                         ghost: lambda rec: rec})
    assert store.get_response("north", records[0]["id"])["revision"] == 1


def test_every_update_replaces_the_record_so_a_key_the_change_dropped_is_gone(data_dir):
    store = Store(data_dir)

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
