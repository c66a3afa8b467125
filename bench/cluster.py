"""Load test on two app servers sharing one PostgreSQL database and one Redis, as two machines behind a balancer.

Usage: .venv/bin/python bench/cluster.py [--quick] [--teachers N] [--workers W] [--think LOW HIGH] [--saves N]
                                         [--repeats R] [--postgres URL] [--redis URL]

Two `diagnostic serve --production --workers W` (gunicorn) on two ports of 127.0.0.1 stand for two machines:
each has its own data directory, and both have the same DIAGNOSTIC_SECRET_KEY, DIAGNOSTIC_DATABASE_URL (a
database made for this run on --postgres, schema by `diagnostic db upgrade`, dropped afterwards) and
DIAGNOSTIC_RATELIMIT_STORAGE_URI (--redis, with a key prefix of this run's own, deleted afterwards). The
simulated teachers of bench/traffic.py send EACH REQUEST to one of the two at random, so a session cookie made
by one server is used on the other all the time. The runs:
  paced        every teacher at once, each taking --think seconds over a page: the p99 page-save target.
  saturation   the same teachers again, the whole questionnaire with no thinking: requests per second, flat out.
  baseline     a minimal Flask app under two gunicorns with the same workers, writing one row to the same
               database per page save, driven as in saturation.
  page saves   every teacher starts, and once all have, only saves pages (--saves each, no thinking): page
               saves per second, flat out, on the app and on the baseline in turn, --repeats times each; the
               throughput target compares the medians.
After the app's runs the database is compared with every acknowledgement (traffic.check_store, on the store the
app opens). Prints one JSON object (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
import traffic  # noqa: E402

TARGET_P99_SAVE_MS = 250
TARGET_SAVE_RATIO = 0.5  # the app's saturated page saves per second over the baseline's
POSTGRES = os.environ.get("DIAGNOSTIC_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("DIAGNOSTIC_BENCH_REDIS", "redis://127.0.0.1:6379/14")


# -- the servers: one database, one Redis, two app servers -------------------------------------------------------
@contextmanager
def scratch_database(admin_url: str = POSTGRES) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server at `admin_url` for one run: its URL; dropped afterwards."""
    import psycopg

    name = f"bench_cluster_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Cluster:
    """App servers with data directories of their own, sharing a database, a Redis and a secret key."""

    def __init__(self, root: Path, database_url: str, redis_url: str, workers: int, servers: int = 2):
        self.database_url, self.redis_url = database_url, redis_url
        self.key = traffic.new_key()
        self.prefix = f"bench-cluster-{secrets.token_hex(4)}"  # this run's rate-limit counts, apart from others'
        self.data = [root / f"server-{n}" / "data" for n in range(servers)]
        # One public address for both, as behind a load balancer: every link either shows is the same.
        # Every simulated teacher comes from 127.0.0.1, which stands for many schools here: the limit on starts
        # per address is raised (the per-invitation limit, counted in Redis by both servers, stays).
        shared = {"DATABASE_URL": database_url, "RATELIMIT_STORAGE_URI": redis_url,
                  "RATELIMIT_KEY_PREFIX": self.prefix, "BASE_URL": f"https://{traffic.HOST}",
                  "RATELIMIT_START_ADDRESS": "100000 per 10 minutes"}
        self.servers = [traffic.app_server(data, workers, traffic.free_port(), self.key,
                                           root / f"server-{n}.log", **shared) for n, data in enumerate(self.data)]

    @property
    def bases(self) -> tuple[str, ...]:
        return tuple(s.base for s in self.servers)

    def upgrade(self) -> str:
        """`diagnostic db upgrade`, as an operator runs it once before the servers start."""
        return traffic.diagnostic_command(self.data[0], ["db", "upgrade"], self.database_url).strip()

    def create_cohort(self, name: str) -> tuple[str, str]:
        """A demo-like cohort made with `diagnostic cohort create` on the first server's data directory."""
        return traffic.create_cohort(self.data[0], name, self.database_url)

    def store(self):  # noqa: ANN201 - a PostgresStore
        """The store as the app opens it (close it when done)."""
        return traffic.open_store(self.data[0], self.database_url)

    def start(self) -> list[float]:
        return [server.start() for server in self.servers]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def cpu_seconds(self) -> float:
        return sum(server.group_cpu_seconds() for server in self.servers)

    def rate_limit_counts(self, invites: list[str]) -> dict:
        """This run's keys in Redis, and the starts counted there per invitation (by both servers together)."""
        import redis

        client = redis.Redis.from_url(self.redis_url)
        keys = [k.decode() for k in client.scan_iter(match=f"*{self.prefix}*", count=1000)]
        starts = {}
        for invite in invites:
            hashed = hashlib.sha256(invite.encode()).hexdigest()
            starts[invite] = sum(int(client.get(k) or 0) for k in keys if "starts-per-invitation" in k and hashed in k)
        return {"keys": len(keys), "starts_counted_per_invitation": starts}

    def forget_rate_limits(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        for key in list(client.scan_iter(match=f"*{self.prefix}*", count=1000)):
            client.delete(key)

    def data_dir_files(self) -> list[list[str]]:
        """What each server wrote into its own data directory (no store files: the store is the database)."""
        return [sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()) for d in self.data]


# -- the baseline: load.py's minimal Flask app, with one row written per page save --------------------------------
BASELINE_TABLE = ("CREATE TABLE baseline_saves (id bigserial PRIMARY KEY, page integer NOT NULL, "
                  "answers jsonb NOT NULL, saved_at timestamptz NOT NULL DEFAULT now())")


def baseline_servers(root: Path, template: str, workers: int, pages: int, database_url: str) -> list[traffic.Server]:
    """Two gunicorns of the minimal app, the same workers each, writing to table baseline_saves of the database."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute(BASELINE_TABLE)
    return [load.baseline_server(root / "baseline", template, workers, pages, root / f"baseline-{n}.log",
                                 database_url) for n in range(2)]


def baseline_rows(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as db:
        return db.execute("SELECT count(*) FROM baseline_saves").fetchone()[0]


# -- one run of every teacher, and its figures ---------------------------------------------------------------------
def database_cpu_seconds() -> float:
    """User + system CPU seconds of every PostgreSQL process on this machine (0 when the server is elsewhere)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or (proc / "comm").read_text().strip() != "postgres":
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def phase(servers: list[traffic.Server], run: traffic.Run, plans: list, timeout: float,
          journey=None) -> tuple[dict, list]:  # noqa: ANN001
    """Drive every teacher once over the servers; the figures, and the outcomes for the store check."""
    cpu, database_cpu = sum(s.group_cpu_seconds() for s in servers), database_cpu_seconds()
    client_cpu, load_before = time.process_time(), traffic.load_average()
    outcomes, wall = asyncio.run(traffic.drive(run, plans, timeout, journey))
    server_cpu = sum(s.group_cpu_seconds() for s in servers) - cpu
    database_cpu = database_cpu_seconds() - database_cpu
    client_cpu = time.process_time() - client_cpu
    answered = traffic.throughput(run.samples)
    saves = [s for s in run.samples if s.step == "page_post" and s.status == 302]
    per_server = Counter(s.server for s in run.samples if isinstance(s.status, int))
    # Saves per second from the first save sent to the last one answered (starts and first GETs left out).
    span = max(s.started + s.seconds for s in saves) - min(s.started for s in saves) if saves else 0.0
    return {
        **answered,
        "page_saves": len(saves), "page_saves_seconds": round(span, 2),
        "page_saves_per_second": round(len(saves) / span, 1) if span else 0.0,
        "requests_per_server": [per_server[s.base] for s in servers],
        "teachers": len(plans), "teachers_completed": sum(o.done for o in outcomes),
        "max_in_flight": run.max_in_flight,
        "latency_ms": traffic.latency(run.samples), "errors": traffic.errors(run.samples),
        "failures": [o.failure for o in outcomes if o.failure][:5], "wall_seconds": round(wall, 2),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, answered["requests"]), 2),
        "server_cores_used": round(server_cpu / max(wall, 1e-9), 2),
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, answered["requests"]), 2),
        # PostgreSQL's own processes (a server on this machine only): what the queries cost on its side.
        "database_cpu_ms_per_request": round(1000 * database_cpu / max(1, answered["requests"]), 2),
        "database_cores_used": round(database_cpu / max(wall, 1e-9), 2),
        "load_average_before": load_before,
    }, outcomes


def on_another_server(samples: list[traffic.Sample]) -> dict:
    """How often a session started on one server was used on the other: teachers, and saves acknowledged there."""
    started = {s.teacher: s.server for s in samples if s.step == "join_post" and s.status == 302}
    saves = [s for s in samples if s.step == "page_post" and s.status == 302 and s.teacher in started]
    elsewhere = [s for s in saves if s.server != started[s.teacher]]
    return {"teachers": len({s.teacher for s in elsewhere}), "saves": len(elsewhere), "of_saves": len(saves)}


def _ratio(app: dict, baseline: dict, figure: str = "page_saves_per_second") -> float:
    return round(app[figure] / max(baseline[figure], 1e-9), 3)


def cluster_load(root: Path, database_url: str, redis_url: str, teachers: int = 200, workers: int = 2,
                 think: tuple = (4.0, 12.0), ramp: float = 10.0, timeout: float = 240.0, seed: int = 2026,
                 saves_each: int = 10, repeats: int = 3) -> dict:
    """The whole load test on two servers over `database_url` (already made) and Redis; returns figures and checks.

    The page-save runs of the app and of the baseline take turns, `repeats` times each, with both pairs of
    servers up, so that whatever else the machine is doing meanwhile weighs on both alike.
    """
    cluster = Cluster(root, database_url, redis_url, workers)
    upgraded = cluster.upgrade()
    names = ["paced", "saturation", *(f"page saves {n + 1}" for n in range(repeats))]
    cohorts = {name: cluster.create_cohort(f"Cluster load test: {name}") for name in names}
    saves_only = functools.partial(traffic.saver, saves=saves_each)
    runs: dict[str, traffic.Run] = {}
    figures: dict[str, dict] = {}
    outcomes: dict[str, list] = {}
    store = cluster.store()
    base: list[traffic.Server] = []
    try:
        definition = traffic.load_definition(store, cohorts["paced"][0])
        plans = traffic.make_plans(definition, teachers, seed)

        def app_phase(name: str, journey=None, **settings) -> None:  # noqa: ANN001
            runs[name] = traffic.Run(cluster.bases[0], cohorts[name][1], cluster.key, bases=cluster.bases, **settings)
            figures[name], outcomes[name] = phase(cluster.servers, runs[name], plans, timeout, journey)

        def baseline_phase(journey=None) -> dict:  # noqa: ANN001
            bases = tuple(s.base for s in base)
            run = traffic.Run(bases[0], "baseline", None, bases=bases, check_fields=False)
            return phase(base, run, plans, timeout, journey)[0]

        try:
            boot = cluster.start()
            app_phase("paced", think=tuple(think), ramp=ramp)
            app_phase("saturation")
            template = load.baseline_template(runs["paced"].pages)
            base = baseline_servers(root, template, workers, len(definition.sections), database_url)
            for server in base:
                server.start()
            baseline = baseline_phase()
            baseline_saving = []
            for n in range(repeats):
                app_phase(f"page saves {n + 1}", saves_only)
                baseline_saving.append(baseline_phase(saves_only))
        finally:
            cluster.stop()
            for server in base:
                server.stop()
        for name in names:
            figures[name]["store"] = traffic.check_store(store, cohorts[name][0], definition, outcomes[name],
                                                         exact=True)
            figures[name]["sessions_used_on_the_other_server"] = on_another_server(runs[name].samples)
        limits = cluster.rate_limit_counts([invite for _, invite in cohorts.values()])
    finally:
        store.close()
        cluster.forget_rate_limits()
    limits["starts_acknowledged_per_invitation"] = {
        cohorts[name][1]: sum(o.response_id is not None for o in outcomes[name]) for name in names}
    baseline["template_bytes"] = len(template.replace("{% raw %}", "").replace("{% endraw %}", ""))
    app_saving = [figures[f"page saves {n + 1}"] for n in range(repeats)]
    return {
        "servers": len(cluster.servers), "workers_per_server": workers, "boot_seconds": [round(b, 2) for b in boot],
        "db_upgrade": upgraded,
        "paced": figures["paced"], "saturation": figures["saturation"], "baseline_saturation": baseline,
        "page_saves": app_saving, "baseline_page_saves": baseline_saving,
        "baseline_rows_written": baseline_rows(database_url),
        "page_save_throughput": _throughputs(app_saving, baseline_saving),
        "page_save_throughput_ratio_app_over_baseline": _throughputs(app_saving, baseline_saving)["ratio_of_medians"],
        "questionnaire_throughput_ratio_app_over_baseline": {
            "requests": _ratio(figures["saturation"], baseline, "requests_per_second"),
            "page_saves": _ratio(figures["saturation"], baseline)},
        "rate_limits": limits, "data_dir_files": cluster.data_dir_files(),
    }


def _throughputs(app: list[dict], baseline: list[dict]) -> dict:
    """Page saves per second of each turn, their medians, and the ratio of the medians (the figure judged)."""
    ours = [run["page_saves_per_second"] for run in app]
    theirs = [run["page_saves_per_second"] for run in baseline]
    return {"app_per_second": ours, "baseline_per_second": theirs,
            "app_median": statistics.median(ours), "baseline_median": statistics.median(theirs),
            "ratio_of_medians": round(statistics.median(ours) / max(statistics.median(theirs), 1e-9), 3),
            "ratio_per_turn": [round(a / max(b, 1e-9), 3) for a, b in zip(ours, theirs, strict=True)]}


def targets(result: dict) -> dict:
    """Each target, met or not."""
    phases = [result["paced"], result["saturation"], *result["page_saves"]]
    limits = result["rate_limits"]
    return {
        "no_5xx": all(not any(s.isdigit() and int(s) >= 500 for s in p["errors"]) for p in phases),
        "no_errors_at_all": all(not p["errors"] and not p["failures"] for p in phases),
        "every_teacher_completed": all(p["teachers_completed"] == p["teachers"] for p in phases),
        "both_servers_answered": all(min(p["requests_per_server"]) > 0 for p in phases),
        "sessions_work_on_both_servers": all(p["sessions_used_on_the_other_server"]["saves"] > 0 for p in phases),
        "nothing_lost": all(p["store"]["lost_saves"] == 0 and p["store"]["lost_submissions"] == 0 for p in phases),
        "nothing_duplicated_or_unacknowledged": all(p["store"]["duplicated"] == 0
                                                    and p["store"]["stored_without_acknowledgement"] == 0
                                                    for p in phases),
        "database_matches_acknowledgements_exactly": all(p["store"]["ok"] for p in phases),
        "rate_limit_counts_shared_in_redis": limits["starts_counted_per_invitation"]
        == limits["starts_acknowledged_per_invitation"],
        "no_store_files_in_the_data_directories": not any(f.startswith("store/") for files in result["data_dir_files"]
                                                          for f in files),
        f"paced_p99_page_save_le_{TARGET_P99_SAVE_MS}ms":
            result["paced"]["latency_ms"].get("page_post", {}).get("p99", 1e9) <= TARGET_P99_SAVE_MS,
        f"page_save_throughput_ge_{TARGET_SAVE_RATIO}_of_baseline":
            result["page_save_throughput_ratio_app_over_baseline"] >= TARGET_SAVE_RATIO,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 30 teachers, short thinking")
    parser.add_argument("--teachers", type=int, help="simulated teachers (default 200; --quick 30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--think", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="seconds a teacher takes over a page in the paced run, uniform (default 4 12)")
    parser.add_argument("--ramp", type=float, default=10.0, help="teachers arrive over this many seconds (paced)")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds after which every teacher stops")
    parser.add_argument("--saves", type=int, default=10, help="page saves per teacher in the page-save runs")
    parser.add_argument("--repeats", type=int, default=3, help="page-save runs of the app and the baseline, in turn")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--postgres", default=POSTGRES, help="a PostgreSQL server's admin URL: a database is made "
                        "on it for the run and dropped after (default: $DIAGNOSTIC_BENCH_POSTGRES or local)")
    parser.add_argument("--redis", default=REDIS, help="the Redis for rate-limit counts (default: "
                        "$DIAGNOSTIC_BENCH_REDIS or redis://127.0.0.1:6379/14); this run's keys are deleted after")
    args = parser.parse_args()
    teachers = args.teachers or (30 if args.quick else 200)
    think = tuple(args.think or ([0.2, 0.6] if args.quick else [4.0, 12.0]))

    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp, scratch_database(args.postgres) as url:
        result = cluster_load(Path(tmp), url, args.redis, teachers, args.workers, think, args.ramp, args.timeout,
                              args.seed, args.saves, args.repeats)
    result["targets"] = targets(result)
    result["all_targets_met"] = all(result["targets"].values())
    result["settings"] = {"teachers": teachers, "workers_per_server": args.workers, "think_seconds": list(think),
                          "ramp_seconds": args.ramp, "timeout_seconds": args.timeout, "seed": args.seed,
                          "saves_per_teacher": args.saves, "repeats": args.repeats,
                          "postgres": args.postgres, "redis": args.redis}
    result["machine"] = {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                         "usable_cpus": len(os.sched_getaffinity(0)), "platform": platform.platform(),
                         "load_average_end": traffic.load_average()}
    result["elapsed_seconds"] = round(time.monotonic() - began, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
