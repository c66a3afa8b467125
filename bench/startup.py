"""Benchmark: how long `diagnostic` commands take to start, against Python alone and a bare Click command.

Usage: .venv/bin/python bench/startup.py [--repeats R] [--quick] [--root DIR]

Prints JSON. Every run is a fresh process, timed from the outside: wall time
(what a person waits for) and CPU time (user + system, which a busy machine
inflates much less). Runs are interleaved, one of each command per round, so a
burst of load hits every command alike; medians are reported. Two baselines run
in the same rounds: `python -c pass` (the interpreter alone) and a bare Click
command printing its --help (the least any Click program pays). The target is
that `diagnostic --help`, `cohort list` and `forms check` start in well under a
second: median CPU time at most 0.75 s, and no heavy library loaded. CPU time is
judged, not wall time, because on a shared machine the wall time mostly measures
waiting for a core (with a load average of 10 on 2 cores it is four times the
CPU time); on an idle machine the two are within a few hundredths of a second.
Read the wall times with `machine.load_average_*`. One more untimed run of each command
records which heavy libraries (numpy, pandas, scipy, scikit-learn, rustworkx,
joblib) it loaded: none, for these three.

`--root` points at another checkout of the project (for example an older
version, to compare); by default it is the one this file is in.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
TARGET_CPU_S = 0.75
HEAVY = ("numpy", "pandas", "scipy", "sklearn", "rustworkx", "joblib")
BARE_CLICK = """
import click

@click.group(help="A bare Click program.")
def bare():
    pass

@bare.command()
def hello():
    click.echo("hello")

bare(["--help"], prog_name="bare")
"""
# The console script `diagnostic` calls diagnostic.cli:main; this is the same call, from the checkout being measured.
DIAGNOSTIC = "import sys; from diagnostic.cli import main; sys.argv[0] = 'diagnostic'; main()"
# Untimed: the same call, reporting the heavy libraries left in sys.modules at exit.
WATCHED = ("import atexit, json, sys; "
           f"atexit.register(lambda: sys.stderr.write('\\n@@' + json.dumps([m for m in {HEAVY!r} "
           "if m in sys.modules]))); " + DIAGNOSTIC)


def commands(root: Path, data: Path) -> dict[str, list[str]]:
    definition = str(root / "forms" / "definitions" / "starting-point.yaml")
    return {
        "python_pass": ["-c", "pass"],
        "bare_click_help": ["-c", BARE_CLICK],
        "diagnostic_help": ["--data", str(data), "--help"],
        "cohort_list": ["--data", str(data), "cohort", "list"],
        "forms_check": ["--data", str(data), "forms", "check", definition],
        # For context, no target: what a command that groups teachers pays once it needs scikit-learn.
        "import_sklearn_models": ["-c", "import models.clustering, models.features, models.profiles"],
    }


def argv(name: str, args: list[str], watched: bool = False) -> list[str]:
    if args[0] == "-c":
        return [sys.executable, *args]
    return [sys.executable, "-c", WATCHED if watched else DIAGNOSTIC, *args]


def run_once(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="rounds of every command (default 15)")
    parser.add_argument("--quick", action="store_true", help="3 rounds: a smoke test")
    parser.add_argument("--root", type=Path, default=HERE, help="checkout of the project to measure")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    root = args.root.resolve()
    # Bytecode is cached as it would be for an installed package (pip compiles it), so that the figures are those
    # of every start after the first; a PYTHONDONTWRITEBYTECODE in the caller's environment would hide that.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "DIAGNOSTIC_DATA")}
    env["PYTHONPATH"] = str(root)
    started = time.perf_counter()
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        data = Path(tmp) / "data"
        create = argv("", ["--data", str(data), "cohort", "create", "--name", "Bench network", "--form",
                           "starting_point", "--schools", "A,B"])
        made = subprocess.run(create, env=env, cwd=root, capture_output=True, text=True, check=False)
        if made.returncode != 0:
            sys.exit(f"could not create the benchmark's cohort: {made.stderr or made.stdout}")
        table = commands(root, data)
        loaded, failures = {}, {}
        for name, cmd in table.items():  # warm-up (bytecode, disk cache) and the check of what is loaded
            _, _, done = run_once(argv(name, cmd, watched=True), env, root)
            if done.returncode != 0:
                failures[name] = (done.stderr or done.stdout)[-500:]
            marker = done.stderr.rpartition("@@")[2]
            loaded[name] = json.loads(marker) if "@@" in done.stderr else None
        times: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in table}
        for round_number in range(repeats):
            names = list(table)
            shift = round_number % len(names)  # rotate the order each round
            for name in names[shift:] + names[:shift]:
                wall, cpu, done = run_once(argv(name, table[name]), env, root)
                if done.returncode != 0:
                    failures.setdefault(name, (done.stderr or done.stdout)[-500:])
                times[name]["wall"].append(wall)
                times[name]["cpu"].append(cpu)

    def summary(values: list[float]) -> dict[str, object]:
        return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
                "max": round(max(values), 3)}

    seconds = {name: {"wall": summary(t["wall"]), "cpu": summary(t["cpu"]),
                      "heavy_libraries_loaded": loaded[name]} for name, t in times.items()}
    bare = seconds["bare_click_help"]["wall"]["median"]
    python = seconds["python_pass"]["wall"]["median"]
    targeted = ("diagnostic_help", "cohort_list", "forms_check")
    for name in table:
        entry = seconds[name]
        entry["wall_over_bare_click"] = round(entry["wall"]["median"] / bare, 2) if bare else None
        entry["wall_over_python"] = round(entry["wall"]["median"] / python, 2) if python else None
    met = {name: seconds[name]["cpu"]["median"] <= TARGET_CPU_S and not loaded[name] for name in targeted}
    print(json.dumps({
        "seconds": seconds,
        "target": {"commands": list(targeted), "median_cpu_at_most_s": TARGET_CPU_S,
                   "heavy_libraries_loaded": "none"},
        "met": met, "all_targets_met": all(met.values()) and not failures,
        "failures": failures,
        "settings": {"repeats": repeats, "root": str(root), "bytecode_cached": True},
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "load_average_start": load_before, "load_average_end": [round(x, 2) for x in os.getloadavg()]},
        "elapsed_seconds": round(time.perf_counter() - started, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
