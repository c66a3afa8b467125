"""Crash test: SIGKILL the production server (master and workers) at random moments under load, restart it,
and check that every acknowledged write survived, that the store loads and that teachers can resume.

Usage: .venv/bin/python bench/crash.py [--quick] [--teachers N] [--kills K | --kill-after N [N ...]] [--workers W]
                                       [--tmp DIR]

On a fresh data directory with a demo-like cohort made with `diagnostic cohort create`, it starts
`diagnostic --data DIR serve --production --workers W` and drives the simulated teachers of bench/traffic.py
through the whole questionnaire with little thinking, so the workers are busy writing. Meanwhile it kills the
server's whole process group with SIGKILL K times, each after a random pause, and starts it again on the same
port with the same secret key. A teacher whose request fails waits, then opens their private link in a fresh
browser, as a person would: it must lead to the page after their last acknowledged save (or one further, if
the kill came after a save was stored but before its answer was sent), and they carry on from there. Once
every teacher has finished, every private link is opened again, the server is stopped, and the store is
checked: every JSON file parses, every acknowledged save and submission is there, no stored answer is one a
teacher never sent, no response is stored twice. Prints one JSON object (see bench/README.md).
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

import traffic  # noqa: E402

# A request in flight when the server died: the connection was dropped (not refused: that is a server down).
CUT_OFF = {"ServerDisconnectedError", "ClientOSError", "ClientPayloadError"}


async def _killer(server: traffic.Server, run: traffic.Run, kills: int, gap: tuple[float, float],
                  rng: random.Random, finished: asyncio.Event, outcomes_so_far,  # noqa: ANN001
                  kill_after: tuple[int, ...] = ()) -> list[dict]:
    """Kill the server `kills` times while teachers are still running; restart it each time.

    Each kill comes a random `gap` after the last restart, or, with `kill_after`, as soon as that many writes
    have been acknowledged (one number per kill): the same moments in the run every time, whatever the machine.
    """
    done = []
    began = time.monotonic()
    for n in range(kills):
        if kill_after:
            while outcomes_so_far() < kill_after[n] and not finished.is_set():
                await asyncio.sleep(0.01)
            if outcomes_so_far() < kill_after[n]:
                break  # every teacher finished first
        else:
            try:
                await asyncio.wait_for(finished.wait(), rng.uniform(*gap))
                break  # every teacher finished first
            except TimeoutError:
                pass
        at = time.monotonic()
        acknowledged = outcomes_so_far()
        await asyncio.to_thread(server.kill)
        killed = time.monotonic() - at
        restart = await asyncio.to_thread(server.start)
        done.append({"at_seconds": round(at - began, 2), "teachers_in_flight": run.in_flight,
                     "acknowledged_writes_before": acknowledged, "kill_seconds": round(killed, 3),
                     "restart_seconds": round(restart, 2)})
    return done


def crash_run(root: Path, teachers: int = 200, kills: int = 5, workers: int = 2, think: tuple = (0.0, 0.3),
              gap: tuple = (2.0, 5.0), ramp: float = 2.0, timeout: float = 300.0, seed: int = 2026,
              kill_after: tuple[int, ...] = ()) -> dict:
    """The whole crash test on a fresh data directory under `root`; returns the figures and checks.

    `kill_after` (acknowledged writes, one number per kill, rising) kills at fixed points of the run instead of
    after random gaps; it sets the number of kills.
    """
    kill_after = tuple(sorted(kill_after))
    kills = len(kill_after) or kills
    data = root / "data"
    cohort, invite = traffic.create_cohort(data, "Crash test")
    definition = traffic.load_definition(traffic.open_store(data, None), cohort)
    plans = traffic.make_plans(definition, teachers, seed)
    key = traffic.new_key()
    server = traffic.app_server(data, workers, traffic.free_port(), key, root / "server.log")
    run = traffic.Run(server.base, invite, key, think=think, ramp=ramp, recover=True, max_requests=250)
    rng = random.Random(seed)

    began = time.monotonic()
    server.start()
    try:
        outcomes, wall, killed = asyncio.run(drive_and_kill(
            run, plans, timeout,
            lambda finished, acknowledged: _killer(server, run, kills, gap, rng, finished, acknowledged, kill_after)))
        resume_links = asyncio.run(traffic.check_resume_links(server.base, outcomes))
    finally:
        server.stop()
    files = traffic.check_files(data)
    try:
        store = traffic.check_store(traffic.open_store(data, None), cohort, definition, outcomes, exact=False)
    except Exception as exc:  # noqa: BLE001 - "the store loads" is what is being tested: report, don't crash
        store = {"ok": False, "problems": [f"the store does not load: {type(exc).__name__}: {exc}"]}
    result = {
        **figures(run, outcomes, wall, teachers, killed, kills), "workers": workers,
        "store": store, "files": files, "resume_links_after": resume_links,
        "elapsed_seconds": round(time.monotonic() - began, 1),
    }
    result["checks"] = checks(result, store, resume_links)
    result["checks"]["store_loads_every_file_parses"] = files["ok"] and "responses_stored" in store
    result["all_ok"] = all(result["checks"].values())
    return result


async def drive_and_kill(run: traffic.Run, plans: list, timeout: float, killer) -> tuple[list, float, list]:  # noqa: ANN001
    """Drive every teacher while `killer(finished, acknowledged)` kills servers; (outcomes, wall seconds, kills).

    `finished` is set once every teacher is done; `acknowledged()` counts the writes (starts, saves, submissions)
    teachers have been told were stored so far.
    """
    finished = asyncio.Event()

    async def load() -> tuple[list, float]:
        try:
            return await traffic.drive(run, plans, timeout)
        finally:
            finished.set()

    def acknowledged() -> int:
        return sum(len(o.saves) + o.submitted + (o.response_id is not None) for o in run.outcomes)

    (outcomes, wall), killed = await asyncio.gather(load(), killer(finished, acknowledged))
    return outcomes, wall, killed


def figures(run: traffic.Run, outcomes: list, wall: float, teachers: int, killed: list[dict], kills: int) -> dict:
    """What every crash test reports of its run: teachers, kills, interruptions, resumes, errors, speed."""
    resumes = [r for o in outcomes for r in o.resumes]
    return {
        "teachers": teachers, "teachers_completed": sum(o.done for o in outcomes),
        "kills": killed, "kills_wanted": kills,
        "interruptions": sum(o.interruptions for o in outcomes),
        "requests_cut_off_by_a_kill": sum(s.status in CUT_OFF for s in run.samples),
        "teachers_interrupted": sum(o.interruptions > 0 for o in outcomes),
        "resumes_during_load": {"count": len(resumes), "to_the_right_page": sum(r["ok"] for r in resumes),
                                "wrong": [r for r in resumes if not r["ok"]][:5]},
        "errors": traffic.errors(run.samples), "failures": [o.failure for o in outcomes if o.failure][:5],
        **traffic.throughput(run.samples), "wall_seconds": round(wall, 2),
        "latency_ms": traffic.latency(run.samples),
    }


def checks(result: dict, store: dict, resume_links: dict) -> dict:
    """The checks every crash test makes of `figures`, the store's check and the private links opened after."""
    resumes = result["resumes_during_load"]
    return {
        "killed_as_often_as_wanted": len(result["kills"]) == result["kills_wanted"],
        "every_teacher_completed": result["teachers_completed"] == result["teachers"],
        "every_acknowledged_write_survived": store.get("lost_saves") == 0 and store.get("lost_submissions") == 0
        and store.get("ok", False),
        "resumes_led_to_the_right_page": resumes["count"] == resumes["to_the_right_page"],
        "every_private_link_opens_the_response": resume_links["ok"],
        "no_5xx": not any(s.isdigit() and int(s) >= 500 for s in result["errors"]),
    }


def add_arguments(parser: argparse.ArgumentParser, kills_help: str, gap_help: str) -> None:
    """The options both crash tests take (bench/crash.py and bench/cluster_crash.py)."""
    parser.add_argument("--quick", action="store_true", help="smoke test: 20 teachers, 2 kills")
    parser.add_argument("--teachers", type=int, help="simulated teachers (default 200; --quick 20)")
    parser.add_argument("--kills", type=int, help=f"{kills_help} (default 5; --quick 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (per server)")
    parser.add_argument("--think", type=float, nargs=2, default=[0.0, 0.3], metavar=("LOW", "HIGH"),
                        help="seconds a teacher takes over a page, uniform")
    parser.add_argument("--gap", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help=f"seconds between {gap_help} and the next kill, uniform (default 2 5; --quick 0.5 1.5)")
    parser.add_argument("--kill-after", type=int, nargs="+", metavar="N",
                        help="kill once N writes (starts, saves, submissions) are acknowledged, for each N, "
                             "instead of after random gaps (sets --kills)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds after which every teacher stops")
    parser.add_argument("--seed", type=int, default=2026)


def chosen(args: argparse.Namespace) -> tuple[int, int, tuple[float, float]]:
    """Teachers, kills and the gap between kills, from `add_arguments`' options and their --quick defaults."""
    teachers = args.teachers or (20 if args.quick else 200)
    kills = args.kills if args.kills is not None else (2 if args.quick else 5)
    return teachers, kills, tuple(args.gap or ([0.5, 1.5] if args.quick else [2.0, 5.0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, "SIGKILLs of the whole server", "a restart")
    parser.add_argument("--tmp", help="where to create the temporary data directory (default: system temp)")
    args = parser.parse_args()
    teachers, kills, gap = chosen(args)

    with tempfile.TemporaryDirectory(prefix="bench-crash-", dir=args.tmp) as tmp:
        result = crash_run(Path(tmp), teachers, kills, args.workers, tuple(args.think), gap,
                           timeout=args.timeout, seed=args.seed, kill_after=tuple(args.kill_after or ()))
        result["settings"] = {"think_seconds": args.think, "gap_seconds": list(gap), "seed": args.seed,
                              "kill_after": args.kill_after,
                              "timeout_seconds": args.timeout}
        result["machine"] = {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                             "platform": platform.platform(), "tmp_filesystem": traffic.filesystem(Path(tmp).resolve()),
                             "load_average_end": traffic.load_average()}
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["all_ok"] else 1)


if __name__ == "__main__":
    main()
