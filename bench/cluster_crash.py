"""Crash test on two app servers sharing one PostgreSQL and one Redis: SIGKILL one of them, again and again, under
load, while the other carries on; check nothing acknowledged is lost and that the killed one rejoins.

Usage: .venv/bin/python bench/cluster_crash.py [--quick] [--teachers N] [--kills K | --kill-after N [N ...]]
                                               [--workers W] [--postgres URL] [--redis URL]

The two servers of bench/cluster.py (own data directories; the same secret key, database and Redis), and the
simulated teachers of bench/traffic.py sending each request to either at random. Each kill takes one server's
whole process group (gunicorn's master and workers) with SIGKILL, the two in turn. The killer keeps it down
until the live server has acknowledged --hold writes and led at least one teacher back through a private link
(at most 60 s, or until every teacher is done), restarts it on the same port and waits until it has answered a
teacher again (at most 60 s) before the next kill. A teacher whose request fails (cut off, or refused by the
dead server) waits and opens their private link in a fresh browser; that request, like every other, goes to
either server. Afterwards every private link is opened again, shared out between the two servers in turn, and
the database is checked against every acknowledgement. Prints one JSON object (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster as cluster_bench  # noqa: E402
import crash  # noqa: E402
import traffic  # noqa: E402

WRITES = ("join_post", "page_post", "submit_post")  # the requests whose redirect acknowledges a write
WAIT = 60.0  # seconds the killer waits for the live server to carry on, or the restarted one to answer


def _answered(run: traffic.Run, base: str, since: float, steps: tuple[str, ...] | None = None) -> int:
    """Requests `base` answered (with any HTTP status but a 5xx) that were sent after `since`, of these steps."""
    return sum(1 for s in run.samples if s.server == base and s.started >= since and isinstance(s.status, int)
               and s.status < 500 and (steps is None or s.step in steps))


def _acknowledged(run: traffic.Run, base: str, since: float) -> int:
    """Writes (starts, saves, submissions) `base` acknowledged that were sent after `since`."""
    return sum(1 for s in run.samples if s.server == base and s.started >= since and s.step in WRITES
               and s.status == 302)


async def _until(condition, finished: asyncio.Event, timeout: float = WAIT) -> bool:  # noqa: ANN001
    """Wait until `condition()` holds (True), every teacher is done or `timeout` passed (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if finished.is_set() or time.monotonic() > deadline:
            return condition()
        await asyncio.sleep(0.02)
    return True


async def _killer(servers: list[traffic.Server], run: traffic.Run, kills: int, gap: tuple[float, float],
                  hold: int, rng: random.Random, finished: asyncio.Event, acknowledged,  # noqa: ANN001
                  kill_after: tuple[int, ...] = ()) -> list[dict]:
    """Kill the servers in turn `kills` times while teachers are still running; restart each one."""
    done: list[dict] = []
    began = time.monotonic()
    for n in range(kills):
        if kill_after:
            if not await _until(lambda n=n: acknowledged() >= kill_after[n], finished, timeout=float("inf")):
                break  # every teacher finished first
        else:
            try:
                await asyncio.wait_for(finished.wait(), rng.uniform(*gap))
                break  # every teacher finished first
            except TimeoutError:
                pass
        victim, live = servers[n % 2], servers[(n + 1) % 2]
        at = time.monotonic()
        before = acknowledged()
        in_flight = run.in_flight
        await asyncio.to_thread(victim.kill)
        killed = time.monotonic()
        carried_on = await _until(lambda live=live, at=at: _acknowledged(run, live.base, at) >= hold
                                  and _answered(run, live.base, at, ("resume",)) > 0, finished)
        down = time.monotonic()
        restart = await asyncio.to_thread(victim.start)
        back = time.monotonic()
        rejoined = await _until(lambda victim=victim, back=back: _answered(run, victim.base, back) > 0, finished)
        done.append({
            "server": n % 2, "at_seconds": round(at - began, 2), "teachers_in_flight": in_flight,
            "acknowledged_writes_before": before, "kill_seconds": round(killed - at, 3),
            "down_seconds": round(back - at, 2), "restart_seconds": round(restart, 2),
            "held_down_until_the_other_carried_on": carried_on, "held_seconds": round(down - killed, 2),
            "rejoined_during_the_load": rejoined, "_window": (at, back, victim.base, live.base),
        })
    return done


def _window_figures(run: traffic.Run, kill: dict) -> None:
    """What each server did around one kill, from the record of requests: the live one's work, the victim's return."""
    at, back, victim, live = kill.pop("_window")
    inside = [s for s in run.samples if at <= s.started < back]
    kill["while_down"] = {
        "writes_acknowledged_by_the_other": sum(1 for s in inside if s.server == live and s.step in WRITES
                                                and s.status == 302),
        "resumes_on_the_other": sum(1 for s in inside if s.server == live and s.step == "resume" and s.status == 302),
        "requests_refused_or_cut_off": sum(1 for s in inside if s.server == victim and not isinstance(s.status, int)),
    }
    kill["after_restart"] = {"requests_answered": _answered(run, victim, back),
                             "writes_acknowledged": _acknowledged(run, victim, back)}


def cluster_crash_run(root: Path, database_url: str, redis_url: str, teachers: int = 200, kills: int = 5,
                      workers: int = 2, think: tuple = (0.0, 0.3), gap: tuple = (2.0, 5.0), hold: int = 10,
                      ramp: float = 2.0, timeout: float = 300.0, seed: int = 2026,
                      kill_after: tuple[int, ...] = ()) -> dict:
    """The whole crash test on two servers over `database_url` (made already) and Redis; figures and checks.

    `kill_after` (acknowledged writes, one number per kill, rising) kills at fixed points of the run instead of
    after random gaps; it sets the number of kills.
    """
    kill_after = tuple(sorted(kill_after))
    kills = len(kill_after) or kills
    cluster = cluster_bench.Cluster(root, database_url, redis_url, workers)
    cluster.upgrade()
    cohort, invite = cluster.create_cohort("Cluster crash test")
    store = cluster.store()
    began = time.monotonic()
    try:
        definition = traffic.load_definition(store, cohort)
        plans = traffic.make_plans(definition, teachers, seed)
        run = traffic.Run(cluster.bases[0], invite, cluster.key, bases=cluster.bases, think=think, ramp=ramp,
                          recover=True, max_requests=250)
        rng = random.Random(seed)
        try:
            cluster.start()
            outcomes, wall, killed = asyncio.run(crash.drive_and_kill(
                run, plans, timeout, lambda finished, acknowledged: _killer(
                    cluster.servers, run, kills, gap, hold, rng, finished, acknowledged, kill_after)))
            resume_links = asyncio.run(traffic.check_resume_links(list(cluster.bases), outcomes))
        finally:
            cluster.stop()
        try:
            checked = traffic.check_store(store, cohort, definition, outcomes, exact=False)
        except Exception as exc:  # noqa: BLE001 - "the database loads" is what is being tested: report, don't crash
            checked = {"ok": False, "problems": [f"the database does not load: {type(exc).__name__}: {exc}"]}
    finally:
        store.close()
        cluster.forget_rate_limits()
    for kill in killed:
        _window_figures(run, kill)
    result = {
        **crash.figures(run, outcomes, wall, teachers, killed, kills),
        "servers": len(cluster.servers), "workers_per_server": workers,
        "store": checked, "resume_links_after": resume_links, "data_dir_files": cluster.data_dir_files(),
        "elapsed_seconds": round(time.monotonic() - began, 1),
    }
    opened_on = resume_links.get("opened_on", {})
    result["checks"] = {
        **crash.checks(result, checked, resume_links),
        "the_other_carried_on_during_every_kill": all(k["held_down_until_the_other_carried_on"]
                                                      and k["while_down"]["writes_acknowledged_by_the_other"] > 0
                                                      for k in killed),
        "interrupted_teachers_resumed_on_the_other": all(k["while_down"]["resumes_on_the_other"] > 0 for k in killed),
        "every_killed_server_rejoined": all(k["rejoined_during_the_load"] for k in killed)
        and all(opened_on.get(base, 0) > 0 for base in cluster.bases),
    }
    result["all_ok"] = all(result["checks"].values())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    crash.add_arguments(parser, "SIGKILLs of one server, the two in turn", "a rejoin")
    parser.add_argument("--hold", type=int, default=10,
                        help="keep a killed server down until the other has acknowledged this many writes")
    parser.add_argument("--postgres", default=cluster_bench.POSTGRES, help="a PostgreSQL server's admin URL")
    parser.add_argument("--redis", default=cluster_bench.REDIS, help="the Redis for rate-limit counts")
    args = parser.parse_args()
    teachers, kills, gap = crash.chosen(args)

    with tempfile.TemporaryDirectory(prefix="bench-cluster-crash-") as tmp, \
            cluster_bench.scratch_database(args.postgres) as url:
        result = cluster_crash_run(Path(tmp), url, args.redis, teachers, kills, args.workers, tuple(args.think), gap,
                                   args.hold, timeout=args.timeout, seed=args.seed,
                                   kill_after=tuple(args.kill_after or ()))
    result["settings"] = {"think_seconds": args.think, "gap_seconds": list(gap), "hold_writes": args.hold,
                          "seed": args.seed, "kill_after": args.kill_after, "timeout_seconds": args.timeout,
                          "postgres": args.postgres, "redis": args.redis}
    result["machine"] = {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                         "platform": platform.platform(), "load_average_end": traffic.load_average()}
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["all_ok"] else 1)


if __name__ == "__main__":
    main()
