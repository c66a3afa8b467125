"""Benchmark: proposing coaching partnerships for a large network, against the simplest way of doing it.

Usage: .venv/bin/python bench/pairing.py [--teachers N] [--mentees N] [--mentors N] [--capacity C] [--repeats R]
                                         [--full-up-to N] [--national]

Prints JSON. The teachers are built directly as the engine's plain dicts
(`diagnostic.engines.pairing.facts`) with a seeded `random.Random`: 10 focuses,
8 schools, 5 times, random confidence, observation comfort, wishes and roles,
some answers missing. The weights are the shipped questionnaire's.

- `co_coaching`: `propose("co-coaching", ...)` for `--teachers` (2,000) teachers
  with the school rule "cross_preferred", ruled-out pairs and locked pairs: the
  allowed pairs and their scores, the maximum-weight matching per focus, trios,
  reasons. Target: median at most 5 s (15 s with `--teachers 20000`). Baseline, timed in the same run on the
  same teachers and rules: the same allowed pairs and integer weights per focus
  (`cocoaching.criteria`), sorted by weight and taken greedily (no trios, no
  reasons). `quality` compares the two totals.
- `mentoring`: `propose("mentoring", ...)` for `--mentees` (1,000) mentees and
  `--mentors` (300) mentors with `--capacity` (4) places each, ruled-out pairs
  and locks. Target: median at most 2 s. Baseline: only the
  `scipy.optimize.linear_sum_assignment` call on the expanded score matrix
  (one column per place) that the engine builds, caught from an untimed run,
  so the ratio is what the criteria, the rules and the reasons cost on top of
  the solver.
- `context.co_coaching_one_graph`: one run with `relax_focus` (every teacher
  in one graph, built from blocks when it has more than `FULL_GRAPH`
  teachers); no target. Up to `--full-up-to` (2,000) teachers its
  `full_graph` compares the matching with the exact optimum of the graph of
  every allowed pair, solved by rustworkx (about 30 s at 2,000).
- `memory`: the co-coaching proposal for `--teachers` and its greedy baseline,
  each in a child process of its own (`bench/measure.py`): seconds and peak
  RSS, for how memory grows with the cohort.
- `national` (with `--national`): mentoring for 4,900 mentees and 11,300
  mentors with 2 places each, and specialist coaching for 20,000 teachers
  and 200 specialists with 12 places each (the shapes of `diagnostic demo
  --teachers 20000`), each in a child: the engine as it runs (tables above
  `assignment.DENSE_UP_TO` cells reduced, mentoring on each mentee's best
  mentors) against the baseline of the whole table solved at once, as
  before. Seconds, peak RSS, teachers placed and `matching_total` of both,
  `same_optimum` and `share_of_optimum`; target at most 15 s and 1 GB, as
  many placed and at least 99.9% of the whole table's total.

Runs alternate engine and baseline in every repetition, so drift of the
machine hits both alike; medians are reported with every raw time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import in_child  # noqa: E402

from diagnostic.engines.pairing import assignment, cocoaching, propose  # noqa: E402
from diagnostic.engines.pairing.facts import Cohort  # noqa: E402
from diagnostic.services.partnerships import engine_config  # noqa: E402
from forms.catalog import SHIPPED, find_definition  # noqa: E402

CO_COACHING_TARGET_S = {2_000: 5.0, 20_000: 15.0}  # by teachers: the largest size not below --teachers
MENTORING_TARGET_S = 2.0
NATIONAL_TARGET = {"seconds": 15.0, "peak_rss_mb": 1000.0}
NATIONAL_SHARE = 0.999  # of the whole table's total, with as many placed
FOCUSES = [f"focus{k}" for k in range(10)]
SCHOOLS = [f"school{k}" for k in range(8)]
TIMES = [f"time{k}" for k in range(5)]
LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)


def synthetic(rng: random.Random, tid: str, stage: str | None = None) -> dict:
    """One teacher as the engine reads them, with about one answer in ten missing."""
    def maybe(value):
        return None if rng.random() < 0.1 else value

    times = rng.sample(TIMES, rng.randint(1, 3))
    levels = {f: maybe(rng.choice(LEVELS)) for f in FOCUSES}
    return {"id": tid, "name": f"Teacher {tid}", "school": maybe(rng.choice(SCHOOLS)), "group": None,
            "focus": rng.choice(FOCUSES), "focus_title": None, "confidence": levels,
            "confidence_shown": {f: f"{round(v * 4) + 1} of 5" for f, v in levels.items() if v is not None},
            "availability": maybe(times), "times": times, "observation": maybe(rng.choice(LEVELS)),
            "wish": rng.choice(("same", "other", None, None)), "coach": maybe(rng.random() < 0.7),
            "coached": maybe(rng.random() < 0.7), "stage": stage,
            "experience": maybe(rng.choice((0.0, 0.5, 1.0))) if stage == "mentor" else None}


def co_coaching_cohort(n: int, seed: int = 7) -> tuple[list[dict], list[list[str]], list[list[str]]]:
    """Teachers, 20 locked pairs (sharing a focus) and n/4 ruled-out pairs (half of them sharing a focus)."""
    rng = random.Random(seed)
    teachers = [synthetic(rng, f"t{i:05d}") for i in range(n)]
    by_focus: dict[str, list[str]] = {}
    for t in teachers:
        by_focus.setdefault(t["focus"], []).append(t["id"])
    locked = [rng.sample(by_focus[FOCUSES[k % 10]], 2) for k in range(20)]
    in_lock = {m for pair in locked for m in pair}
    free = [i for i in (t["id"] for t in teachers) if i not in in_lock]
    forbidden = [rng.sample(by_focus[rng.choice(FOCUSES)], 2) if k % 2 else rng.sample(free, 2) for k in range(n // 4)]
    forbidden = [p for p in forbidden if not in_lock & set(p)]
    return teachers, locked, forbidden


def greedy_co_coaching(teachers: list[dict], config: dict, rule: str, locked: list[list[str]],
                       forbidden: list[list[str]]) -> tuple[int, int]:
    """(pairs, total of integer weights): each focus's allowed pairs taken best first while both are free."""
    c = Cohort(sorted(teachers, key=lambda t: t["id"]), [])
    weights = config["weights"]["co_coaching"]
    in_lock = {m for pair in locked for m in pair}
    ruled_out = {frozenset(p) for p in forbidden}
    pairs = total = 0
    for f in range(len(c.focuses)):
        idx = np.array([i for i in np.flatnonzero(c.focus == f) if c.teachers[i]["id"] not in in_lock])
        found, allowed = cocoaching.criteria(c, idx, config["step"], rule)
        at = {c.teachers[i]["id"]: n for n, i in enumerate(idx)}
        for a, b in (tuple(p) for p in ruled_out):
            if a in at and b in at:
                allowed[at[a], at[b]] = allowed[at[b], at[a]] = False
        whole = np.rint(sum(weights[k] * found[k] for k in cocoaching.CRITERIA) * cocoaching.SCALE).astype(np.int64)
        rows, cols = np.nonzero(np.triu(allowed, 1))
        taken = np.zeros(len(idx), dtype=bool)
        for e in np.argsort(-whole[rows, cols], kind="stable"):
            i, j = rows[e], cols[e]
            if not taken[i] and not taken[j]:
                taken[i] = taken[j] = True
                pairs += 1
                total += int(whole[i, j])
    return pairs, total


def co_coaching_child(n: int) -> None:
    """The co-coaching proposal for `n` synthetic teachers (run in a child, for its peak memory)."""
    config = engine_config(find_definition("starting_point", None, [SHIPPED])[0])
    teachers, locked, forbidden = co_coaching_cohort(n)
    propose("co-coaching", teachers, config, options={"school_rule": "cross_preferred"}, locked=locked,
            forbidden=forbidden)


def greedy_child(n: int) -> None:
    """The greedy baseline for the same teachers, in a child."""
    config = engine_config(find_definition("starting_point", None, [SHIPPED])[0])
    teachers, locked, forbidden = co_coaching_cohort(n)
    greedy_co_coaching(teachers, config, "cross_preferred", locked, forbidden)


def national_child(mode: str, whole: bool, out: str) -> None:
    """Mentoring or specialist coaching at national size (whole: the whole table at once, as before), in a child;
    how many were placed and the matching's total are written to `out`."""
    if whole:
        assignment.DENSE_UP_TO = float("inf")
    config = engine_config(find_definition("starting_point", None, [SHIPPED])[0])
    if mode == "mentoring":
        teachers, locked, forbidden = mentoring_cohort(4_900, 11_300)
        result = propose("mentoring", teachers, config, options={"capacity": 2}, locked=locked, forbidden=forbidden)
    else:
        teachers, _, forbidden = co_coaching_cohort(20_000)
        rng = random.Random(13)
        specialists = [{"id": f"s{k:03d}", "name": f"Specialist {k}", "capacity": 12, "places_used": 0,
                        "expertise": rng.sample(FOCUSES, rng.randint(1, 3))} for k in range(200)]
        result = propose("specialist", teachers, config, forbidden=forbidden, specialists=specialists)
    Path(out).write_text(json.dumps({"placed": len(result["pairs"]), "matching_total": result["matching_total"]}))


def national() -> dict:
    """The engine and the whole table at national size, each mode and way in a child of its own."""
    found = {}
    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        for mode in ("mentoring", "specialist"):
            runs = {}
            for name, whole in (("engine", False), ("baseline_whole_table", True)):
                out = os.path.join(tmp, f"{mode}-{name}.json")
                measured = in_child("pairing:national_child", mode, whole, out)
                runs[name] = {**measured, **json.loads(Path(out).read_text())}
            mine, whole = runs["engine"], runs["baseline_whole_table"]
            runs["same_optimum"] = all(mine[k] == whole[k] for k in ("placed", "matching_total"))
            runs["share_of_optimum"] = round(mine["matching_total"] / whole["matching_total"], 5)
            runs["met"] = (mine["placed"] == whole["placed"] and runs["share_of_optimum"] >= NATIONAL_SHARE
                           and all(mine[k] <= v for k, v in NATIONAL_TARGET.items()))
            found[mode] = runs
    return {**found, "target": NATIONAL_TARGET, "load_average_end": [round(x, 2) for x in os.getloadavg()]}


def full_graph_optimum(teachers: list[dict], config: dict, options: dict, locked: list[list[str]],
                       forbidden: list[list[str]]) -> dict:
    """The one-graph run's graph with every allowed pair, matched by rustworkx: pairs, total and seconds."""
    c = Cohort(sorted(teachers, key=lambda t: t["id"]), [])
    in_lock = {m for pair in locked for m in pair}
    idx = np.array([i for i, t in enumerate(c.teachers) if c.focus[i] >= 0 and t["id"] not in in_lock])
    rules = {**options, "step": config["step"], "relax_focus": True}
    start = time.perf_counter()
    apart = cocoaching._apart(c, {frozenset(p) for p in forbidden if len(set(p)) == 2})
    whole, allowed = cocoaching._graph(c, idx, idx, config["weights"]["co_coaching"], rules, apart)
    edges = np.argwhere(np.triu(allowed, 1))
    matched = cocoaching._matching(len(idx), edges, whole[edges[:, 0], edges[:, 1]])
    return {"pairs": len(matched), "matching_total": sum(int(whole[i, j]) for i, j in matched) / cocoaching.SCALE,
            "edges": len(edges), "seconds": round(time.perf_counter() - start, 3)}


def mentoring_cohort(mentees: int, mentors: int, seed: int = 11) -> tuple[list[dict], list, list]:
    """Mentees and mentors (most willing to coach), 10 locked pairs and mentees/5 ruled-out pairs."""
    rng = random.Random(seed)
    teachers = [synthetic(rng, f"e{i:05d}", "mentee") for i in range(mentees)]
    teachers += [synthetic(rng, f"m{i:05d}", "mentor") for i in range(mentors)]
    mentee_ids, mentor_ids = [t["id"] for t in teachers[:mentees]], [t["id"] for t in teachers[mentees:]]
    locked = [[mentor_ids[k], mentee_ids[k]] for k in range(10)]
    forbidden = [[rng.choice(mentor_ids), rng.choice(mentee_ids[10:])] for _ in range(mentees // 5)]
    return teachers, locked, forbidden


def solved_matrix(run) -> np.ndarray:
    """The score matrix the engine hands to `linear_sum_assignment` during `run()`, caught on its way in."""
    seen = []
    original = assignment.linear_sum_assignment

    def catch(matrix, maximize):
        seen.append(matrix)
        return original(matrix, maximize=maximize)

    assignment.linear_sum_assignment = catch
    try:
        run()
    finally:
        assignment.linear_sum_assignment = original
    (matrix,) = seen
    return matrix


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def summary(runs: list[float]) -> dict:
    return {"median": round(statistics.median(runs), 3), "runs": [round(x, 3) for x in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=2_000)
    parser.add_argument("--mentees", type=int, default=1_000)
    parser.add_argument("--mentors", type=int, default=300)
    parser.add_argument("--capacity", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--full-up-to", type=int, default=2_000, help="compare the one-graph run with the full "
                        "graph's optimum up to this many teachers")
    parser.add_argument("--national", action="store_true", help="also mentoring and specialist coaching at 20,000 "
                        "teachers, against the whole table (about 2 minutes, 5 GB for the baseline)")
    args = parser.parse_args()
    config = engine_config(find_definition("starting_point", None, [SHIPPED])[0])
    load_start = [round(x, 2) for x in os.getloadavg()]

    teachers, locked, forbidden = co_coaching_cohort(args.teachers)
    options = {"school_rule": "cross_preferred"}
    mentoring, mentor_locks, mentor_forbidden = mentoring_cohort(args.mentees, args.mentors)
    mentoring_options = {"capacity": args.capacity}

    def mentor() -> dict:
        return propose("mentoring", mentoring, config, options=mentoring_options, locked=mentor_locks,
                       forbidden=mentor_forbidden)

    matrix = solved_matrix(mentor)
    times: dict[str, list[float]] = {"co_coaching": [], "greedy": [], "mentoring": [], "assignment_only": []}
    for _ in range(args.repeats):
        seconds, proposal = timed(lambda: propose("co-coaching", teachers, config, options=options, locked=locked,
                                                  forbidden=forbidden))
        times["co_coaching"].append(seconds)
        seconds, greedy = timed(lambda: greedy_co_coaching(teachers, config, "cross_preferred", locked, forbidden))
        times["greedy"].append(seconds)
        seconds, mentored = timed(mentor)
        times["mentoring"].append(seconds)
        seconds, _ = timed(lambda: linear_sum_assignment(matrix, maximize=True))
        times["assignment_only"].append(seconds)
    one_graph, relaxed = timed(lambda: propose("co-coaching", teachers, config,
                                               options={**options, "relax_focus": True}, locked=locked,
                                               forbidden=forbidden))
    full = (full_graph_optimum(teachers, config, options, locked, forbidden)
            if args.teachers <= args.full_up_to else None)
    children = {"engine": in_child("pairing:co_coaching_child", args.teachers),
                "baseline_greedy": in_child("pairing:greedy_child", args.teachers)}
    median = {name: statistics.median(runs) for name, runs in times.items()}
    at_scale = national() if args.national else None
    target = CO_COACHING_TARGET_S[min((n for n in CO_COACHING_TARGET_S if n >= args.teachers), default=20_000)]
    print(json.dumps({
        "repeats": args.repeats, "cpu_count": os.cpu_count(),
        "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "co_coaching": {
            "teachers": args.teachers, "locked": len(locked), "ruled_out": len(forbidden),
            "school_rule": "cross_preferred", "seconds": {"engine": summary(times["co_coaching"]),
                                                          "baseline_greedy": summary(times["greedy"])},
            "ratio_engine_over_baseline": round(median["co_coaching"] / median["greedy"], 1),
            "partnerships": len(proposal["pairs"]), "trios": sum(len(p["members"]) == 3 for p in proposal["pairs"]),
            "unpaired": len(proposal["unpaired"]),
            "quality": {"engine_pairs": len(proposal["pairs"]) - len(locked), "greedy_pairs": greedy[0],
                        "engine_total": proposal["matching_total"], "greedy_total": greedy[1] / cocoaching.SCALE},
            "target_s": target, "met": median["co_coaching"] <= target},
        "mentoring": {
            "mentees": args.mentees, "mentors": args.mentors, "capacity": args.capacity,
            "locked": len(mentor_locks), "ruled_out": len(mentor_forbidden), "matrix": list(matrix.shape),
            "seconds": {"engine": summary(times["mentoring"]),
                        "baseline_assignment": summary(times["assignment_only"])},
            "ratio_engine_over_baseline": round(median["mentoring"] / median["assignment_only"], 1),
            "placed": len(mentored["pairs"]), "unpaired": len(mentored["unpaired"]),
            "target_s": MENTORING_TARGET_S, "met": median["mentoring"] <= MENTORING_TARGET_S},
        "context": {"co_coaching_one_graph": {
            "seconds": round(one_graph, 3), "full_graph_up_to": cocoaching.FULL_GRAPH, "block": cocoaching.BLOCK,
            "rounds": cocoaching.ROUNDS, "partnerships": len(relaxed["pairs"]),
            "matching_total": relaxed["matching_total"],
            "full_graph": full and {**full, "share_of_optimum": round(relaxed["matching_total"] /
                                                                      full["matching_total"], 5)}}},
        "memory": {"teachers": args.teachers, **children,
                   "ratio_rss_over_baseline": round(children["engine"]["peak_rss_mb"] /
                                                    children["baseline_greedy"]["peak_rss_mb"], 2)},
        **({"national": at_scale} if at_scale else {}),
        "all_targets_met": median["co_coaching"] <= target and median["mentoring"] <= MENTORING_TARGET_S
        and (at_scale is None or all(at_scale[mode]["met"] for mode in ("mentoring", "specialist"))),
    }, indent=2))


if __name__ == "__main__":
    main()
