"""CPU of one page save in one process, on PostgreSQL and Redis, against the minimal app's; and where it goes.

Usage: .venv/bin/python bench/save_cpu.py [--saves N] [--teachers T] [--profile [TOP]] [--postgres URL] [--redis URL]

The app as the production servers of `cluster.py` run it (its own database made for the run and upgraded, rate
limits counted in Redis under a prefix of the run's own, CSRF on), driven by Flask's test client the way
`traffic.saver` drives a server: each teacher starts, GETs page 1 once, then saves the pages of their path round
and round with no thinking. In the same rounds the same posts go to `cluster.py`'s baseline app (its page save
parses the form and INSERTs one row, in autocommit), in this process too. Only the page POSTs are measured:
`cpu_ms_per_save` is this process's CPU time (user + system) per save, `wall_ms_per_save` its wall time, and
`store_statements_per_save` the statements the app sent to PostgreSQL per save; `cpu_ms_per_start` is what a
teacher's start cost (the invitation, starting, the private link's page, page 1). `--profile` adds cProfile's
TOP functions of the app's saves by cumulative and by own CPU time (to stderr).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import psycopg  # noqa: E402
import redis  # noqa: E402
from cluster import BASELINE_TABLE  # noqa: E402
from load import BASELINE_APP  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from traffic import DEMO_SCHOOLS, REVIEW, form_fields, load_average, make_plans  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from diagnostic import create_app  # noqa: E402
from diagnostic.services.cohorts import create_cohort, definition_dirs, published_definition  # noqa: E402
from diagnostic.storage import migrate  # noqa: E402
from diagnostic.storage.postgres_store import engine_url  # noqa: E402
from forms.catalog import find_definition  # noqa: E402


def _teacher(client, invite: str, plan) -> tuple[str, int, list[int]]:  # noqa: ANN001
    """Start one teacher; their CSRF token, revision and the page numbers of their path."""
    page = client.get(f"/join/{invite}").get_data(as_text=True)
    hidden, _ = form_fields(page)
    started = client.post(f"/join/{invite}", data={"csrf_token": hidden["csrf_token"], "school": plan.school})
    assert started.status_code == 302, started.status_code
    client.get(started.headers["Location"])  # the private link's page, shown once
    page = client.get("/questionnaire/page/1").get_data(as_text=True)
    hidden, _ = form_fields(page)
    pages = [int(p.rsplit("/", 1)[1]) for p in plan.path if p != REVIEW]
    return hidden["csrf_token"], int(hidden["revision"]), pages


def _count_statements() -> dict:
    """Count the statements psycopg sends while `counting` is set (the store sends some through SQLAlchemy, some
    straight to psycopg, so the driver is where both are seen)."""
    statements = {"sent": 0, "counting": False}
    execute = psycopg.Cursor.execute

    def counted(cursor, *args, **kwargs):  # noqa: ANN001, ANN202
        statements["sent"] += statements["counting"]
        return execute(cursor, *args, **kwargs)
    psycopg.Cursor.execute = counted
    return statements


def _baseline(url: str, pages: int):  # noqa: ANN202 - a Flask app
    """load.py's baseline app as cluster.py runs it, here, writing to baseline_saves in this run's database."""
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(BASELINE_TABLE)
    os.environ.update(BENCH_PAGES=str(pages), BENCH_DATABASE_URL=url)
    namespace = {"__name__": "baseline"}
    exec(compile(BASELINE_APP, "baseline.py", "exec"), namespace)  # noqa: S102 - this repository's own code
    return namespace["app"]


def run(saves: int, teachers: int, top: int | None, admin_url: str, redis_url: str) -> dict:
    """Measure `saves` page saves by each of `teachers` teachers, on the app and on the baseline; the figures."""
    name = f"bench_save_cpu_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    prefix = f"bench-save-cpu-{secrets.token_hex(4)}"
    try:
        engine = create_engine(engine_url(url))
        migrate.upgrade(engine)
        engine.dispose()
        with tempfile.TemporaryDirectory(prefix="bench-save-cpu-") as data:
            app = create_app({"DATA": data, "DATABASE_URL": url, "RATELIMIT_STORAGE_URI": redis_url,
                              "RATELIMIT_KEY_PREFIX": prefix, "RATELIMIT_START_ADDRESS": "100000 per 10 minutes",
                              "SESSION_COOKIE_SECURE": False})
            store = app.extensions["store"]
            with app.app_context():
                definition, _ = find_definition("starting_point", None, definition_dirs(data))
                cohort = create_cohort(store, definition, "Bench", schools=DEMO_SCHOOLS)
                definition = published_definition(store, cohort["form_id"], cohort["form_version"])
            plans = make_plans(definition, teachers, seed=16)
            baseline = _baseline(url, len(definition.sections)).test_client()
            statements = _count_statements()
            drivers = []
            setup = time.process_time()
            for plan in plans:
                client = app.test_client()
                drivers.append((client, plan, *_teacher(client, cohort["invite"], plan)))
            setup = time.process_time() - setup
            profile = cProfile.Profile(time.process_time) if top else None  # CPU, not waiting
            cpu = {"app": 0.0, "baseline": 0.0}
            wall = {"app": 0.0, "baseline": 0.0}
            for n in range(saves):  # the app's round and the baseline's in turn: both see the same machine
                for which in ("app", "baseline"):
                    statements["counting"] = which == "app"
                    began, began_wall = time.process_time(), time.perf_counter()
                    for client, plan, csrf, revision, pages in drivers:
                        number = pages[n % len(pages)]
                        path = f"/questionnaire/page/{number}"
                        posted = MultiDict([("csrf_token", csrf), ("revision", str(revision + n)),
                                            *plan.posts[number]])
                        if which == "baseline":
                            answer = baseline.post(path, data=posted)
                        elif profile:
                            profile.enable()
                            answer = client.post(path, data=posted)
                            profile.disable()
                        else:
                            answer = client.post(path, data=posted)
                        assert answer.status_code == 302, (which, answer.status_code, answer.get_data()[:300])
                    cpu[which] += time.process_time() - began
                    wall[which] += time.perf_counter() - began_wall
                    statements["counting"] = False
            count = saves * teachers
            store.close()
        if profile:
            for order in ("cumulative", "tottime"):
                text = io.StringIO()
                pstats.Stats(profile, stream=text).sort_stats(order).print_stats(top)
                print(text.getvalue(), file=sys.stderr)
        figures = {which: {"cpu_ms_per_save": round(1000 * cpu[which] / count, 3),
                           "wall_ms_per_save": round(1000 * wall[which] / count, 3)} for which in cpu}
        figures["app"].update(store_statements_per_save=round(statements["sent"] / count, 2),
                              cpu_ms_per_start=round(1000 * setup / teachers, 3))
        return {"saves": count, "app": figures["app"],
                "baseline": figures["baseline"],
                "cpu_ratio_app_over_baseline": round(cpu["app"] / max(cpu["baseline"], 1e-9), 2),
                "profiled": bool(profile), "load_average": load_average()}
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        counts = redis.Redis.from_url(redis_url)
        keys = list(counts.scan_iter(f"*{prefix}*"))
        if keys:
            counts.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=50, help="page saves per teacher (default 50)")
    parser.add_argument("--teachers", type=int, default=10, help="teachers saving in turn (default 10)")
    parser.add_argument("--profile", type=int, nargs="?", const=40, default=None, metavar="TOP",
                        help="profile the app's saves and print the TOP functions (default 40) to stderr")
    parser.add_argument("--postgres", default=os.environ.get("DIAGNOSTIC_BENCH_POSTGRES",
                                                             "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis", default=os.environ.get("DIAGNOSTIC_BENCH_REDIS", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    print(json.dumps(run(args.saves, args.teachers, args.profile, args.postgres, args.redis), indent=2))


if __name__ == "__main__":
    main()
