"""Load test: 200 teachers at once through the whole questionnaire, on the production server (gunicorn).

Usage: .venv/bin/python bench/load.py [--quick] [--teachers N] [--workers 2 4] [--think LOW HIGH] [--tmp DIR]

For each number of workers (2, then 4), on a fresh data directory with two demo-like cohorts made with
`diagnostic cohort create`, it starts `diagnostic --data DIR serve --production --workers N` and runs:
  paced       every teacher at once (arriving over --ramp seconds), each taking --think seconds to answer
              a page before sending it: 200 teachers in the middle of the questionnaire together. The
              latency target is judged here.
  saturation  the same teachers again with no thinking at all, as fast as the server answers: the
              throughput, compared with a minimal Flask app served the same way.
Then the server is stopped and the store is compared with every acknowledgement teachers received
(see bench/traffic.py: check_store). The baseline is a minimal Flask app (one route per step, one
Jinja template made from a real questionnaire page of the average size) under gunicorn with the same
workers, driven by the same client with no thinking. Prints one JSON object (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import traffic  # noqa: E402

TARGET_P99_SAVE_MS = 250

BASELINE_APP = '''"""The floor to compare with: Flask, Jinja and gunicorn rendering one template the size of a page.

With BENCH_DATABASE_URL set (bench/cluster.py), each page save also writes one row to that PostgreSQL database.
"""
import json
import os
import secrets

from flask import Flask, redirect, render_template, request

app = Flask(__name__)
PAGES = int(os.environ["BENCH_PAGES"])
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL")
_connections = {}


def database():
    # One connection per worker process, made after gunicorn forked it; each save is its own transaction.
    if os.getpid() not in _connections:
        import psycopg

        _connections.clear()
        _connections[os.getpid()] = psycopg.connect(DATABASE_URL, autocommit=True)
    return _connections[os.getpid()]


def page():
    return render_template("page.html", csrf=secrets.token_urlsafe(32), revision=0)


@app.get("/")
def home():
    return "ok"


@app.route("/join/<invite>", methods=["GET", "POST"])
def join(invite):
    if request.method == "POST":
        return redirect("/resume/base.0123456789abcdef." + secrets.token_hex(24) + "?new=1")
    return page()


@app.get("/resume/<token>")
def private_link(token):
    return page()


@app.route("/questionnaire/page/<int:number>", methods=["GET", "POST"])
def questionnaire_page(number):
    if request.method == "POST":
        answers = json.dumps(request.form.to_dict(flat=False))  # parse what was posted, as a form would
        if DATABASE_URL:
            database().execute("INSERT INTO baseline_saves (page, answers) VALUES (%s, %s)", (number, answers))
        return redirect(f"/questionnaire/page/{number + 1}" if number < PAGES else "/questionnaire/review")
    return page()


@app.get("/questionnaire/review")
def review():
    return page()


@app.post("/questionnaire/submit")
def submit():
    request.form
    return redirect("/questionnaire/summary")


@app.get("/questionnaire/summary")
def summary():
    return page()
'''


def baseline_template(pages: dict[str, str]) -> str:
    """A Jinja template from the real questionnaire page closest to the average page size."""
    html = [v for k, v in pages.items() if k.startswith("/questionnaire/page/")]
    mean = sum(len(h) for h in html) / len(html)
    chosen = min(html, key=lambda h: abs(len(h) - mean))
    hidden, _ = traffic.form_fields(chosen)
    parts = re.split(r'(value="[^"]*")', chosen)
    out = []
    for part in parts:
        if part == f'value="{hidden.get("csrf_token")}"':
            out.append('value="{{ csrf }}"')
        elif part == f'value="{hidden.get("revision")}"' and "{{ revision }}" not in "".join(out):
            out.append('value="{{ revision }}"')
        else:
            out.append("{% raw %}" + part + "{% endraw %}")
    return "".join(out)


def baseline_server(folder: Path, template: str, workers: int, pages: int, log: Path,
                    database_url: str | None = None) -> traffic.Server:
    """The minimal Flask app under gunicorn, with the same number of workers (writing to `database_url`, if given)."""
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "baseline.py").write_text(BASELINE_APP)
    (folder / "templates" / "page.html").write_text(template)
    port = traffic.free_port()
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{traffic.HOST}:{port}",
            "--no-control-socket", "baseline:app"]
    env = traffic.clean_env(BENCH_PAGES=str(pages), **({"BENCH_DATABASE_URL": database_url} if database_url else {}))
    return traffic.Server(argv, env, port, log, cwd=folder)


def phase(server: traffic.Server, run: traffic.Run, plans: list, timeout: float) -> tuple[dict, list]:
    """Drive every teacher once; the figures, and the outcomes for the store check."""
    cpu, client_cpu, load = server.group_cpu_seconds(), time.process_time(), traffic.load_average()
    outcomes, wall = asyncio.run(traffic.drive(run, plans, timeout))
    server_cpu, client_cpu = server.group_cpu_seconds() - cpu, time.process_time() - client_cpu
    answered = traffic.throughput(run.samples)
    failures = [o.failure for o in outcomes if o.failure]
    return {
        **answered,
        "teachers": len(plans), "teachers_completed": sum(o.done for o in outcomes), "max_in_flight": run.max_in_flight,
        "latency_ms": traffic.latency(run.samples), "errors": traffic.errors(run.samples),
        "failures": failures[:5], "wall_seconds": round(wall, 2),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, answered["requests"]), 2),
        "server_cores_used": round(server_cpu / max(wall, 1e-9), 2),
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, answered["requests"]), 2),
        "load_average_before": load,
    }, outcomes


def run_workers(root: Path, workers: int, args: argparse.Namespace, key: str) -> dict:
    """One server configuration: paced and saturation runs on the app, then the baseline."""
    data = root / f"workers-{workers}" / "data"
    paced_cohort, paced_invite = traffic.create_cohort(data, "Load test: paced")
    busy_cohort, busy_invite = traffic.create_cohort(data, "Load test: saturation")
    store = traffic.open_store(data, None)
    definition = traffic.load_definition(store, paced_cohort)
    plans = traffic.make_plans(definition, args.teachers, args.seed)

    server = traffic.app_server(data, workers, traffic.free_port(), key, root / f"server-{workers}.log")
    boot = server.start()
    try:
        paced_run = traffic.Run(server.base, paced_invite, key, think=tuple(args.think), ramp=args.ramp)
        paced, paced_outcomes = phase(server, paced_run, plans, args.timeout)
        busy_run = traffic.Run(server.base, busy_invite, key)
        busy, busy_outcomes = phase(server, busy_run, plans, args.timeout)
    finally:
        server.stop()
    paced["store"] = traffic.check_store(store, paced_cohort, definition, paced_outcomes, exact=True)
    busy["store"] = traffic.check_store(store, busy_cohort, definition, busy_outcomes, exact=True)

    template = baseline_template(paced_run.pages)
    base = baseline_server(root / f"baseline-{workers}", template, workers, len(definition.sections),
                           root / f"baseline-{workers}.log")
    base.start()
    try:
        base_run = traffic.Run(base.base, "baseline", None, check_fields=False)
        baseline, _ = phase(base, base_run, plans, args.timeout)
    finally:
        base.stop()
    baseline["template_bytes"] = len(template.replace("{% raw %}", "").replace("{% endraw %}", ""))
    pages = [len(v) for k, v in paced_run.pages.items() if k.startswith("/questionnaire/page/")]
    return {
        "workers": workers, "boot_seconds": round(boot, 2),
        "paced": paced, "saturation": busy, "baseline_saturation": baseline,
        "page_bytes": {"min": min(pages), "mean": round(sum(pages) / len(pages)), "max": max(pages)},
        "throughput_ratio_app_over_baseline": round(busy["requests_per_second"] / baseline["requests_per_second"], 3),
        "files": traffic.check_files(data),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 30 teachers, 2 workers, short thinking")
    parser.add_argument("--teachers", type=int, help="simulated teachers (default 200; --quick 30)")
    parser.add_argument("--workers", type=int, nargs="+", help="gunicorn workers, one run each (default 2 4)")
    parser.add_argument("--think", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="seconds a teacher takes over a page in the paced run, uniform (default 4 12)")
    parser.add_argument("--ramp", type=float, default=10.0, help="teachers arrive over this many seconds (paced)")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds after which every teacher stops")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tmp", help="where to create the temporary data directories (default: system temp)")
    args = parser.parse_args()
    args.teachers = args.teachers or (30 if args.quick else 200)
    args.workers = args.workers or ([2] if args.quick else [2, 4])
    args.think = args.think or ([0.2, 0.6] if args.quick else [4.0, 12.0])

    began = time.monotonic()
    key = traffic.new_key()
    result: dict = {"runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-load-", dir=args.tmp) as tmp:
        for workers in args.workers:
            result["runs"][f"{workers}_workers"] = run_workers(Path(tmp), workers, args, key)
        fs = traffic.filesystem(Path(tmp).resolve())
    runs = list(result["runs"].values())
    app_phases = [r[p] for r in runs for p in ("paced", "saturation")]
    result["targets"] = {
        "no_5xx": all(not any(s.isdigit() and int(s) >= 500 for s in p["errors"]) for p in app_phases),
        "no_errors_at_all": all(not p["errors"] and not p["failures"] for p in app_phases),
        "every_teacher_completed": all(p["teachers_completed"] == p["teachers"] for p in app_phases),
        "nothing_lost": all(p["store"]["lost_saves"] == 0 and p["store"]["lost_submissions"] == 0 for p in app_phases),
        "nothing_duplicated_or_unacknowledged": all(p["store"]["duplicated"] == 0
                                                    and p["store"]["stored_without_acknowledgement"] == 0
                                                    for p in app_phases),
        "store_matches_acknowledgements_exactly": all(p["store"]["ok"] for p in app_phases),
        "store_files_parse": all(r["files"]["ok"] for r in runs),
        f"paced_p99_page_save_le_{TARGET_P99_SAVE_MS}ms": {
            f"{r['workers']}_workers": r["paced"]["latency_ms"].get("page_post", {}).get("p99", 1e9)
            <= TARGET_P99_SAVE_MS for r in runs},
    }
    flat = [v for v in result["targets"].values() if isinstance(v, bool)]
    flat += [v for v in result["targets"].values() if isinstance(v, dict) for v in v.values()]
    result["all_targets_met"] = all(flat)
    result["settings"] = {"teachers": args.teachers, "workers": args.workers, "think_seconds": args.think,
                          "ramp_seconds": args.ramp, "timeout_seconds": args.timeout, "seed": args.seed,
                          "max_requests_per_teacher": traffic.Run("", "").max_requests}
    result["machine"] = {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                         "usable_cpus": len(os.sched_getaffinity(0)), "platform": platform.platform(),
                         "tmp_filesystem": fs, "load_average_end": traffic.load_average()}
    result["elapsed_seconds"] = round(time.monotonic() - began, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
