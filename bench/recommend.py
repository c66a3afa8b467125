"""Benchmark: ranking the menu of learning focuses for 10,000 teachers, with reasons.

Usage: .venv/bin/python bench/recommend.py [--teachers N] [--repeats R] [--data DIR --cohort ID]

Prints JSON. `engine` is the time to rank every offered focus for every
teacher (scores, components and reasons) with `diagnostic.engines.recommend.rank`; the
target is under 2 s for 10,000 teachers. `baseline`, measured in the same
run on the same teachers, only sorts each teacher's focuses by the gap
between value and confidence (no other parts, no reasons): the bare minimum
any ranking must do, so the ratio shows what the full explanation costs.
`from_store` is `diagnostic.services.menu.for_cohort` end to end on a grouped cohort
in a data directory (reading, groups, ranking), reported for context.

`command` runs `diagnostic recommend --json` whole, in a child process each
(`bench/measure.py`: seconds and peak RSS), on the same data directory (or on
`--data DIR --cohort ID`, such as a `diagnostic demo --teachers 20000` one);
target under 4 s and 500 MB at 20,000 teachers. Its baseline, in the same
run: a child that prints `json.dumps(menu.for_cohort(...), indent=2)`, the
whole list at once, as the command did before it printed each batch as ranked
(`bench/menu_baseline.py`). Both times include the child's imports.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import in_child  # noqa: E402

from diagnostic.engines.recommend import prepare, rank  # noqa: E402
from diagnostic.services import grouping, menu  # noqa: E402
from diagnostic.services.cohorts import create_cohort, published_definition  # noqa: E402
from diagnostic.services.demo import planted_cohort  # noqa: E402
from diagnostic.storage.tinydb_store import TinyDBStore as Store  # noqa: E402
from forms.catalog import SHIPPED, find_definition  # noqa: E402

TARGET_S = 2.0
COMMAND_TARGET = {"seconds": 4.0, "peak_rss_mb": 500.0}  # at 20,000 teachers


def command_figures(data: str, cohort: str, repeats: int) -> dict:
    """The command and its baseline, alternated, each in a child of its own."""
    runs: dict[str, list[dict]] = {"command": [], "baseline_whole_list": []}
    for _ in range(repeats):
        runs["command"].append(in_child("diagnostic.cli:main", argv=["diagnostic", "--data", data, "recommend",
                                                                     "--cohort", cohort, "--json"]))
        runs["baseline_whole_list"].append(in_child("menu_baseline:whole_list", data, cohort))
    found = {name: {"seconds": statistics.median(r["seconds"] for r in rs),
                    "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in rs), "runs": rs}
             for name, rs in runs.items()}
    mine = found["command"]
    found["ratio_seconds_over_baseline"] = round(mine["seconds"] / found["baseline_whole_list"]["seconds"], 2)
    found["ratio_rss_over_baseline"] = round(mine["peak_rss_mb"] / found["baseline_whole_list"]["peak_rss_mb"], 2)
    found["target"] = COMMAND_TARGET
    found["met"] = all(mine[k] <= v for k, v in COMMAND_TARGET.items())
    return found


def baseline(plan: dict, responses: list[dict]) -> list[list[str]]:
    """Each teacher's focuses sorted by value minus confidence, and nothing else."""
    found = []
    for r in responses:
        answers = r["answers"]
        gaps = [((answers.get(f["value"]) or 0) - (answers.get(f["confidence"]) or 0), f["id"])
                for f in plan["focuses"]]
        found.append([f for _, f in sorted(gaps, reverse=True)])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", help="a data directory to time the command on, instead of the one built here")
    parser.add_argument("--cohort", default="network", help="its cohort (with --data)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-recommend-") as tmp:
        store = Store(tmp)
        definition, _ = find_definition("starting_point", None, [SHIPPED])
        cohort = create_cohort(store, definition, "Large network", ["A", "B", "C", "D"])
        definition = published_definition(store, cohort["form_id"], cohort["form_version"])
        responses, _ = planted_cohort(cohort, definition, args.teachers, seed=3)
        store.add_responses(cohort["id"], responses)
        grouping.refit(store, cohort)
        plan = prepare(definition)
        group = {"others": 40, "choosing": {"questioning": 12, "feedback": 6}}
        times = {"engine": [], "baseline": []}
        for _ in range(args.repeats):
            start = time.perf_counter()
            ranked = rank(plan, [{**r, "group": group} for r in responses])
            times["engine"].append(time.perf_counter() - start)
            start = time.perf_counter()
            baseline(plan, responses)
            times["baseline"].append(time.perf_counter() - start)
        start = time.perf_counter()
        everyone = menu.for_cohort(store, cohort)
        from_store = time.perf_counter() - start
        on = (args.data, args.cohort) if args.data else (tmp, cohort["id"])
        figures = command_figures(*on, args.repeats)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(json.dumps({
        "teachers": args.teachers, "focuses": len(plan["focuses"]), "repeats": args.repeats,
        "cpu_count": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "seconds": {name: {"median": round(m, 3), "runs": [round(v, 3) for v in times[name]]}
                    for name, m in medians.items()},
        "ratio_engine_over_baseline": round(medians["engine"] / medians["baseline"], 1),
        "from_store_seconds": round(from_store, 2), "from_store_teachers": len(everyone),
        "reasons_per_focus": round(sum(len(i["reasons"]) for t in ranked for i in t) / max(1, len(ranked) * 10), 2),
        "target_s": TARGET_S, "met": medians["engine"] < TARGET_S,
        "command": {"data": "--data " + args.data if args.data else "the cohort built here", **figures},
    }, indent=2))


if __name__ == "__main__":
    main()
