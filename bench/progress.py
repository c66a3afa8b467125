"""Benchmark: the progress figures and the impact report for 10,000 teachers over two cycles.

Usage: .venv/bin/python bench/progress.py [--teachers N] [--repeats R]

A temporary data directory holds one cohort: N planted teachers' starting points, their follow-ups of cycle 2
(80% answered, with a planted rise, `diagnostic.services.demo_cycles`), N/2 confirmed co-coaching partnerships
and 5 coaching-log entries per partnership. `reports` is the product's own work, from the store: every
teacher's two responses read and paired (`progress.gather`), all the figures (`progress.figures`) and the
coordinators' impact report (`progress.impact`). `pandas` is the plain computation of the same paired means
in the same run, also from the store: both cycles read with `list_responses`, put in two DataFrames, joined on
the teacher and averaged per construct and for confidence in the chosen focus (`pandas_compute_only` leaves out
the reading, for context). Targets: `reports` under 3 s and at most 2x `pandas`. Prints JSON.
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

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from diagnostic.services import cycles, progress  # noqa: E402
from diagnostic.services.cohorts import create_cohort, published_definition  # noqa: E402
from diagnostic.services.demo import planted_cohort  # noqa: E402
from diagnostic.services.demo_cycles import planted_follow_ups  # noqa: E402
from diagnostic.storage.tinydb_store import TinyDBStore as Store  # noqa: E402
from forms.catalog import SHIPPED, find_definition  # noqa: E402

TARGET_S, TARGET_RATIO, MIN_GROUP = 3.0, 2.0, 5
CONSTRUCTS = ["learner_centred", "efficacy", "openness"]


def fill(store: Store, teachers: int) -> dict:
    """The cohort: starting points, partnerships with 5 log entries each, cycle 2 answered by most."""
    definition, _ = find_definition("starting_point", None, [SHIPPED])
    cohort = create_cohort(store, definition, "Large network", [f"School {n:02d}" for n in range(1, 21)])
    start = published_definition(store, cohort["form_id"], cohort["form_version"])
    firsts, _ = planted_cohort(cohort, start, teachers, seed=3)
    pairs = [firsts[n:n + 2] for n in range(0, len(firsts) - 1, 2)]
    made = [{"id": secrets.token_hex(8), "mode": "co-coaching", "status": "confirmed", "members": [a["id"], b["id"]],
             "names": [a["respondent"], b["respondent"]], "schools": [a["school"], b["school"]]} for a, b in pairs]
    store.add_partnerships(cohort["id"], made)
    kinds = ["planning", "observation", "feedback", "observation", "review"]
    store.add_log_entries(cohort["id"], [
        {"id": secrets.token_hex(8), "partnership": p["id"], "kind": kind, "on": f"2026-10-{n + 1:02d}",
         "author": {"id": p["members"][n % 2], "name": p["names"][n % 2], "role": "teacher"},
         "text": {"notes": "What we tried"}, "revision": 1, "written_at": "2026-10-01T00:00:00+00:00"}
        for p in made for n, kind in enumerate(kinds)])
    cycles.close_current(store, cohort)
    follow_up, _ = find_definition("follow_up", None, [SHIPPED])
    cycles.open_next(store, store.get_cohort(cohort["id"]), follow_up)
    later = published_definition(store, follow_up.id, follow_up.version)
    answers = planted_follow_ups(cohort, later, 2, firsts, seed=4)
    linked = {r["teacher"]: r["id"] for r in answers}
    for first in firsts:
        if first["id"] in linked:
            first["later"] = {"2": linked[first["id"]]}
    store.add_responses(cohort["id"], [*firsts, *answers])
    return store.get_cohort(cohort["id"])


def reports(store: Store, cohort: dict) -> dict:
    found = progress.gather(store, cohort)
    return {"figures": progress.figures(found), "impact": progress.impact(store, cohort, MIN_GROUP, progress=found)}


def pandas_means(firsts: list[dict], laters: list[dict]) -> dict:
    """The same paired means, the plain way: two tables joined on the teacher."""
    before = pd.DataFrame([{"teacher": r["id"], "focus": (r["answers"].get("focus_choice") or [None])[0],
                            **{c: r["scores"].get(c) for c in CONSTRUCTS},
                            **{k: v for k, v in r["answers"].items() if k.startswith("confidence_")}} for r in firsts])
    after = pd.DataFrame([{"teacher": r["teacher"], **{c: r["scores"].get(c) for c in CONSTRUCTS},
                           **{k: v for k, v in r["answers"].items() if k.startswith("confidence_")}} for r in laters])
    both = before.merge(after, on="teacher", suffixes=("_before", "_after"))
    means = {c: float((both[f"{c}_after"] - both[f"{c}_before"]).mean()) for c in CONSTRUCTS}
    picked = both.apply(lambda row: (row.get(f"confidence_{row['focus']}_before"),
                                     row.get(f"confidence_{row['focus']}_after")), axis=1, result_type="expand")
    means["focus_confidence"] = float((picked[1] - picked[0]).mean())
    return means


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-progress-") as tmp:
        store = Store(tmp)
        cohort = fill(store, args.teachers)
        filled = time.perf_counter() - began
        times: dict[str, list[float]] = {"reports": [], "pandas": [], "pandas_compute_only": []}
        for _ in range(args.repeats):  # interleaved, so drift of the machine hits both alike
            start = time.perf_counter()
            found = reports(store, cohort)
            times["reports"].append(time.perf_counter() - start)
            start = time.perf_counter()
            firsts = store.list_responses(cohort["id"], status="submitted", cycle=1)
            laters = store.list_responses(cohort["id"], status="submitted", cycle=2)
            read = time.perf_counter() - start
            means = pandas_means(firsts, laters)
            times["pandas"].append(time.perf_counter() - start)
            times["pandas_compute_only"].append(time.perf_counter() - start - read)
        kept = {"partnerships": len(store.list_partnerships(cohort["id"])),
                "log_entries": len(store.log_entries(cohort["id"]))}
    medians = {name: statistics.median(values) for name, values in times.items()}
    ours = {m["id"]: m["change"] for m in found["figures"]["measures"]}
    ratio = medians["reports"] / medians["pandas"]
    print(json.dumps({
        "teachers": args.teachers, "answered_follow_up": found["figures"]["answered"],
        **kept,
        "repeats": args.repeats, "cpu_count": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "seconds": {name: {"median": round(m, 3), "runs": [round(v, 3) for v in times[name]]}
                    for name, m in medians.items()},
        "ratio_reports_over_pandas": round(ratio, 2),
        "same_means": all(abs(ours[k] - round(v, 3)) <= 0.001 for k, v in means.items()),
        "target": {"max_seconds": TARGET_S, "max_ratio": TARGET_RATIO},
        "met": medians["reports"] <= TARGET_S and ratio <= TARGET_RATIO,
        "fill_seconds": round(filled, 1), "elapsed_seconds": round(time.perf_counter() - began, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
