"""Benchmark: `diagnostic db copy-from-tinydb` for a cohort of 10,000 teachers, against plain reading and COPY.

Usage: .venv/bin/python bench/copy_from_tinydb.py [--teachers N] [--repeats R] [--postgres URL]

A temporary TinyDB data directory is filled as bench/progress.py fills it (N planted teachers over two cycles,
N/2 co-coaching partnerships with 5 coaching-log entries each), then grouped twice (a grouping with its model,
and an earlier one), with a group name, a pairing state, staff accounts, an uploaded definition and their
audit entries. Each repeat
makes a fresh PostgreSQL database (CREATE DATABASE on the server `--postgres` names, upgraded with
`diagnostic.storage.migrate.upgrade`, dropped at the end) and times, interleaved:

- `copy`: `services.copying.copy_store`, what the command runs: both stores read, every record written through
  the store interface, then the target read again and every kind checked against the source;
- `read_source`: the baseline's first half, every record of the source read through the interface (`snapshot`);
- `pg_copy`: its second half, psycopg's COPY of the same records as JSON rows into a plain table of the same
  database (one text key and one JSONB document per record, the models as bytes).

`ratio_copy_over_plain` is `copy` over `read_source` + `pg_copy`: what writing through the interface and
checking every record costs over moving the bytes. Prints JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diagnostic.services import grouping  # noqa: E402
from diagnostic.services.accounts import create_user  # noqa: E402
from diagnostic.services.copying import copy_store, snapshot  # noqa: E402
from diagnostic.services.definitions import add_upload  # noqa: E402
from diagnostic.storage import migrate  # noqa: E402
from diagnostic.storage.postgres_store import PostgresStore, engine_url  # noqa: E402
from diagnostic.storage.tinydb_store import TinyDBStore  # noqa: E402
from forms.catalog import SHIPPED  # noqa: E402

ADMIN_URL = os.environ.get("DIAGNOSTIC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _progress_bench():  # noqa: ANN202 - bench/progress.py as a module, for its `fill`
    spec = importlib.util.spec_from_file_location("bench_progress", ROOT / "bench" / "progress.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fill(store: TinyDBStore, teachers: int) -> dict:
    """bench/progress.py's cohort, grouped twice, with a group name, a pairing state, staff accounts and an upload."""
    cohort = _progress_bench().fill(store, teachers)
    for role in ("specialist", "coordinator", "admin"):
        create_user(store, f"{role}@bench.example", role, [cohort["id"]] if role != "admin" else [])
    record = grouping.refit(store, cohort)
    grouping.refit(store, cohort)  # the first grouping is kept as an earlier one
    grouping.rename(store, cohort, record["groups"][0]["key"], "Careful planners", "Meet on Tuesdays")
    store.update_pairing_state(cohort["id"], "co-coaching", lambda state: {**state, "options": {"relax_focus": True}})
    upload = (SHIPPED / "starting-point.yaml").read_bytes().replace(b'version: "2"', b'version: "3"', 1)
    add_upload(store, "ours.yaml", upload, actor="admin@bench.example")
    return cohort


def _admin(sql: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql)


def fresh_database() -> tuple[str, str]:
    """A new database at the current schema: its name and URL."""
    name = f"bench_copy_{secrets.token_hex(4)}"
    _admin(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(engine_url(url))
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return name, url


def pg_copy(url: str, kinds: dict, models: list[bytes]) -> float:
    """Seconds to COPY every record, as JSON, and the model files into a plain table of this database."""
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE plain_copy (kind text, key text, doc jsonb, model bytea)")
        start = time.perf_counter()
        with connection.cursor().copy("COPY plain_copy (kind, key, doc, model) FROM STDIN") as copy:
            for kind, records in kinds.items():
                for key, record in records.items():
                    copy.write_row((kind, "/".join(key), json.dumps(record), None))
            for model in models:
                copy.write_row(("model", "", None, model))
        connection.commit()
        return time.perf_counter() - start


def main() -> None:
    global ADMIN_URL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", default=ADMIN_URL, help="A database on the server to run CREATE DATABASE in.")
    args = parser.parse_args()
    ADMIN_URL = args.postgres
    began = time.perf_counter()
    times: dict[str, list[float]] = {"copy": [], "read_source": [], "pg_copy": [], "plain": []}
    verified, copied, stages = [], {}, []
    with tempfile.TemporaryDirectory(prefix="bench-copy-") as tmp:
        source = TinyDBStore(tmp)
        cohort = fill(source, args.teachers)
        filled = time.perf_counter() - began
        models = [source.load_model(cohort["id"])]
        models += [m for _, m, _ in (source.load_earlier_grouping(cohort["id"], e["id"])
                                     for e in source.earlier_groupings(cohort["id"])) if m]
        for _ in range(args.repeats):  # interleaved, each on fresh databases, so drift hits every run alike
            start = time.perf_counter()
            kinds = snapshot(source)
            times["read_source"].append(time.perf_counter() - start)
            name, url = fresh_database()
            try:
                times["pg_copy"].append(pg_copy(url, kinds, models))
            finally:
                _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            times["plain"].append(times["read_source"][-1] + times["pg_copy"][-1])
            name, url = fresh_database()
            target = PostgresStore(tmp, url)
            try:
                marks: list[float] = []
                start = time.perf_counter()
                reports = copy_store(source, target,
                                     progress=lambda kind, n, marks=marks: marks.append(time.perf_counter()))
                end = time.perf_counter()
                times["copy"].append(end - start)
                stages.append({"read_and_plan": marks[0] - start, "write": marks[-1] - marks[0],
                               "verify": end - marks[-1]})
            finally:
                target.close()
                _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            verified.append(all(r.verified for r in reports))
            copied = {r.kind: r.source for r in reports}
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(json.dumps({
        "teachers": args.teachers, "records": copied, "records_total": sum(copied.values()),
        "model_bytes": sum(len(m) for m in models),
        "seconds": {name: {"median": round(m, 3), "runs": [round(v, 3) for v in times[name]]}
                    for name, m in medians.items()},
        "copy_stages_median": {stage: round(statistics.median(s[stage] for s in stages), 3)
                               for stage in ("read_and_plan", "write", "verify")},
        "records_per_second": round(sum(copied.values()) / medians["copy"]),
        "ratio_copy_over_plain": round(medians["copy"] / medians["plain"], 2),
        "ratio_copy_over_read_source": round(medians["copy"] / medians["read_source"], 2),
        "every_kind_verified": all(verified),
        "repeats": args.repeats, "cpu_count": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "fill_seconds": round(filled, 1), "elapsed_seconds": round(time.perf_counter() - began, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
