"""Grouping, the menu and pairing of one large cohort, read from TinyDB and from PostgreSQL, in the same run.

Usage: .venv/bin/python bench/backends.py [--teachers N] [--repeats R] [--postgres ADMIN_URL]

Plants a cohort of N teachers (default 10,000) in a TinyDB data directory, copies it into a fresh PostgreSQL
database with `diagnostic db copy-from-tinydb`'s own code, then times, on each store in turn (alternating, so
slow drift of the machine falls on both alike): re-grouping (`services.grouping.refit`), the whole cohort's
menu (`services.menu.for_cohort`) and a co-coaching pairing run (`services.partnerships.run`). Prints JSON:
the median seconds per operation and store, and the ratio PostgreSQL / TinyDB (the target: no slower, so at
most 1.0, with a little room for noise reported as it is). The database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from diagnostic.services import grouping, menu, partnerships  # noqa: E402
from diagnostic.services.cohorts import create_cohort, published_definition  # noqa: E402
from diagnostic.services.copying import copy_store  # noqa: E402
from diagnostic.services.demo import planted_cohort  # noqa: E402
from diagnostic.storage import migrate  # noqa: E402
from diagnostic.storage.postgres_store import PostgresStore, engine_url  # noqa: E402
from diagnostic.storage.tinydb_store import TinyDBStore  # noqa: E402
from forms.catalog import SHIPPED, find_definition  # noqa: E402

SCHOOLS = [f"School {n:02d}" for n in range(1, 41)]


def operations(store, cohort) -> dict:  # noqa: ANN001
    return {
        "grouping": lambda: grouping.refit(store, cohort),
        "menu": lambda: menu.for_cohort(store, cohort),
        "pairing": lambda: partnerships.run(store, cohort, "co-coaching"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres", metavar="ADMIN_URL")
    args = parser.parse_args()
    name = f"sp_bench_{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="bench-backends-") as tmp, \
            psycopg.connect(args.postgres, autocommit=True) as admin:
        tiny = TinyDBStore(Path(tmp) / "tinydb")
        definition, _ = find_definition("starting_point", None, [SHIPPED])
        cohort = create_cohort(tiny, definition, "National cohort", SCHOOLS)
        definition = published_definition(tiny, cohort["form_id"], cohort["form_version"])
        responses, _ = planted_cohort(cohort, definition, args.teachers, seed=3)
        for start in range(0, len(responses), 5000):
            tiny.add_responses(cohort["id"], responses[start:start + 5000])
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = args.postgres.rsplit("/", 1)[0] + "/" + name
            engine = create_engine(engine_url(url))
            migrate.upgrade(engine)
            engine.dispose()
            database = PostgresStore(Path(tmp) / "postgres", url)
            began = time.perf_counter()
            copy_store(tiny, database)
            copy_s = time.perf_counter() - began
            stores = {"tinydb": tiny, "postgresql": database}
            times = {(store, op): [] for store in stores for op in operations(tiny, cohort)}
            for _ in range(args.repeats):
                for op in operations(tiny, cohort):
                    for store_name, store in stores.items():
                        work = operations(store, store.get_cohort(cohort["id"]))[op]
                        began = time.perf_counter()
                        work()
                        times[store_name, op].append(time.perf_counter() - began)
            database.close()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    medians = {key: statistics.median(values) for key, values in times.items()}
    ops = sorted({op for _, op in medians})
    print(json.dumps({
        "teachers": args.teachers, "repeats": args.repeats, "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()], "copy_seconds": round(copy_s, 1),
        "seconds": {op: {store: round(medians[store, op], 3) for store in ("tinydb", "postgresql")} for op in ops},
        "ratio_postgresql_over_tinydb": {op: round(medians["postgresql", op] / medians["tinydb", op], 2)
                                         for op in ops},
        "target_max_ratio": 1.0,
        "met": all(medians["postgresql", op] <= medians["tinydb", op] * 1.0 for op in ops),
    }, indent=2))


if __name__ == "__main__":
    main()
