"""What the PostgreSQL store promises beyond the interface: no connection kept from start-up, dropped
connections replaced, the garbage collector left as it was, and migrations that make the tables `schema.py`
describes."""

from __future__ import annotations

import contextlib
import gc

import psycopg
import pytest
import servers
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from diagnostic.services.journey import new_response
from diagnostic.storage import schema
from diagnostic.storage.interface import StoreError
from diagnostic.storage.postgres_store import PostgresStore, engine_url


@pytest.fixture
def url():
    with servers.fresh_database() as made:
        yield made


def connections(url: str) -> int:
    with psycopg.connect(servers.ADMIN_URL, autocommit=True) as admin:
        return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                             (url.rsplit("/", 1)[1],)).fetchone()[0]


def test_checking_the_schema_at_start_up_keeps_no_connection_a_forked_worker_could_inherit(url, tmp_path):
    store = PostgresStore(tmp_path, url)
    assert connections(url) == 0
    store.add_cohort({"id": "north", "invite": "abc"})
    assert store.get_cohort("north")["invite"] == "abc"
    store.close()


def test_connections_the_server_dropped_are_replaced_and_the_next_reads_and_writes_carry_on(url, tmp_path):
    store = PostgresStore(tmp_path, url)
    store.add_cohort({"id": "north", "invite": "abc"})
    assert store.get_cohort("north")  # a pooled connection for reads, and one for writes, now open
    with psycopg.connect(servers.ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                      (url.rsplit("/", 1)[1],))
    assert store.get_cohort("north")["invite"] == "abc"  # a read is tried once more on a new connection
    with contextlib.suppress(StoreError):  # a write is never repeated by the store: it may fail once, clearly
        store.update_cohort("north", lambda c: {**c, "name": "North"})
    store.update_cohort("north", lambda c: {**c, "name": "North"})
    assert store.get_cohort("north")["name"] == "North"
    store.close()


def test_after_connections_are_dropped_a_teachers_page_reads_again_and_its_save_fails_at_most_once(url, tmp_path):
    store = PostgresStore(tmp_path, url)
    store.add_cohort({"id": "north", "invite": "abc"})
    record, _ = new_response({"id": "north", "form_id": "f", "form_version": "1"})
    store.add_responses("north", [record])
    _, known = store.get_cohort_and_response("north", record["id"])
    drop_every_connection(url)
    cohort, known = store.get_cohort_and_response("north", record["id"])  # read again on a new connection
    assert cohort["invite"] == "abc" and known["id"] == record["id"]
    drop_every_connection(url)

    def save(current):
        return {**current, "revision": current["revision"] + 1}

    with contextlib.suppress(StoreError):  # the save is never repeated by the store: it may fail once, clearly
        store.update_response("north", record["id"], save, known=known)
    _, known = store.get_cohort_and_response("north", record["id"])
    store.update_response("north", record["id"], save, known=known)
    assert store.get_response("north", record["id"])["revision"] in (1, 2)
    store.close()


def drop_every_connection(url: str) -> None:
    with psycopg.connect(servers.ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                      (url.rsplit("/", 1)[1],))


def test_a_save_through_the_compare_and_swap_keeps_text_as_every_other_write_does(url, tmp_path):
    store = PostgresStore(tmp_path, url)
    record, _ = new_response({"id": "north", "form_id": "f", "form_version": "1"}, respondent="r\x00")
    store.add_responses("north", [record])
    known = store.get_response("north", record["id"])
    assert known["respondent"] == "r\ufffd"  # PostgreSQL text holds no U+0000: it is kept as U+FFFD

    def answer(current):
        return {**current, "answers": {"note": "a\x00b"}, "revision": 1, "respondent": "s\x00"}

    assert store.update_response("north", record["id"], answer, known=known)["revision"] == 1
    stored = store.get_response("north", record["id"])
    assert stored["answers"] == {"note": "a\ufffdb"} and stored["respondent"] == "s\ufffd"
    assert [r["id"] for r in store.list_responses("north")] == [record["id"]]
    store.close()


@pytest.mark.parametrize("collector_on", [True, False])
def test_reading_a_cohort_leaves_the_garbage_collector_as_it_found_it(url, tmp_path, collector_on):
    store = PostgresStore(tmp_path, url)
    store.add_responses("north", [{"id": f"r{n}", "status": "submitted", "answers": {"q": [n]}} for n in range(3)])
    try:
        (gc.enable if collector_on else gc.disable)()
        assert [r["answers"]["q"] for r in store.list_responses("north")] == [[0], [1], [2]]
        assert gc.isenabled() is collector_on
    finally:
        gc.enable()
        store.close()


def test_the_migrations_make_exactly_the_tables_the_store_is_written_for(url):
    engine = create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), schema.metadata)
    finally:
        engine.dispose()
    assert differences == []

