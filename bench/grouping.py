"""Grouping: does it recover planted groups, and how fast and how big is it on a 10,000-teacher cohort?

Usage: .venv/bin/python bench/grouping.py [--quick] [--teachers N] [--repeats R] [--tmp DIR]
                                         [--parts recovery,rare,speed]

1. Recovery. For seeds 0..9, a planted cohort of 300 teachers (`diagnostic.services.demo.planted_cohort`:
   four profiles of unequal size, Likert noise, 10% of answers missing) is stored and grouped
   through the real path (`create_cohort`, `Store.add_responses`, `diagnostic.services.grouping.refit` with
   k "auto"), once per method (kmeans, gmm, ward). The groups found are compared with the planted
   truth by the adjusted Rand index (ARI).
2. A rare starting point (issue 13). For held-out seeds 2000..2029, `rare_profile_cohort` plants
   600 teachers in four profiles of 40, 30, 20 and 10% that differ on two of the grouping's
   dimensions each, in three settings (1.4 points apart with scatter 0.6; 0.8 apart with scatter
   0.9; no difference at all). Each method, and the plain search below, groups them; k and ARI
   against the planted truth are reported per method.
3. Speed. One cohort of N submitted teachers (default 10,000) is stored in batches. Interleaved,
   in an order rotated each repetition, we time:
     end_to_end    `refit(store, cohort)`: store read, features, fit, profiles, map, saved files
     estimator     the grouping pipeline's fit on the encoded table (what `refit` fits)
     plain_search  plain scikit-learn on the pipeline's transformed matrix: KMeans(k, n_init=10)
                   for k in 2..8, silhouette on a 2,000-teacher sample, smallest-group rule, best k
     naive_search  the same with the silhouette on every teacher (context only)
   Then each of end_to_end, plain_search and naive_search runs once in a fresh subprocess for its
   peak RSS (and the refit once more under tracemalloc for the peak of Python allocations).
Prints one JSON object to stdout (see bench/README.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

# Project modules (Flask, pandas, TinyDB...) are imported inside the functions that need them, so the
# baseline's subprocess loads only numpy and scikit-learn and its peak RSS is that of a plain script.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

SCHOOLS = ["Ashfield Primary", "Brook Lane Academy", "Castleton High", "Dunmore Federation"]
METHODS = ("kmeans", "gmm", "ward")
PLANTED_K = 4
RECOVERY_TEACHERS = 300
RECOVERY_TARGET = {"min_mean_ari": 0.9, "min_right_k": 8}  # of 10 seeds (scaled for --quick)
END_TO_END_TARGET_S = 10.0
ESTIMATOR_OVER_PLAIN_TARGET = 1.0
BATCH = 1000  # responses per `add_responses` call when filling the large cohort
SPEED_SEED = 2026
# The plain search's settings, matching StartingPointGroups' defaults.
KS = range(2, 9)
N_INIT, SAMPLE, MIN_SHARE, MIN_SIZE = 10, 2000, 0.05, 3


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


def peak_rss_kib() -> int:
    """This process's peak resident set size, in KiB.

    `ru_maxrss` is not used when /proc is there: Linux carries it over from the parent's memory through
    fork (or vfork) and exec, so in a child started by this (large) parent it reports at least the
    parent's size. VmHWM is the high-water mark of this process's own address space.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


# -- the baseline: a plain scikit-learn script ---------------------------------------------------
def plain_search(X: np.ndarray, full_silhouette: bool = False, seed: int = 0) -> dict:
    """KMeans for k in 2..8, silhouette on a fixed sample (or on everyone), smallest-group rule, best k."""
    n = X.shape[0]
    min_size = max(MIN_SIZE, math.ceil(MIN_SHARE * n))
    best = None
    for k in KS:
        labels = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit(X).labels_
        if np.bincount(labels, minlength=k).min() < min_size:
            continue
        if full_silhouette:
            score = silhouette_score(X, labels)
        else:  # the same random_state draws the same sample of teachers for every k
            score = silhouette_score(X, labels, sample_size=min(SAMPLE, n), random_state=seed)
        if best is None or score > best[0]:
            best = (score, k, labels)
    if best is None:
        return {"k": 1, "labels": np.zeros(n, dtype=int), "silhouette": None}
    return {"k": best[1], "labels": best[2], "silhouette": round(float(best[0]), 3)}


# -- shared set-up -------------------------------------------------------------------------------
def shipped_definition():
    from forms.catalog import SHIPPED, find_definition

    definition, _ = find_definition("starting_point", None, [SHIPPED])
    return definition


def planted_store(root: Path, definition, name: str, teachers: int, seed: int, store=None):
    """A cohort in a data directory, filled with a planted cohort in batches: (store, cohort, responses, truth)."""
    from diagnostic.services.cohorts import create_cohort, published_definition
    from diagnostic.services.demo import planted_cohort
    from diagnostic.storage.tinydb_store import TinyDBStore as Store

    store = store or Store(root)
    cohort = create_cohort(store, definition, name, SCHOOLS)
    published = published_definition(store, cohort["form_id"], cohort["form_version"])
    responses, truth = planted_cohort(cohort, published, teachers, seed)
    for start in range(0, len(responses), BATCH):
        store.add_responses(cohort["id"], responses[start:start + BATCH])
    return store, cohort, responses, truth


# -- 1. recovery -----------------------------------------------------------------------------------
def recovery(root: Path, seeds: list[int]) -> dict:
    from diagnostic.services.grouping import refit
    from diagnostic.storage.tinydb_store import TinyDBStore as Store

    definition = shipped_definition()
    store = Store(root)
    per = {m: {"k": [], "ari": [], "finding": [], "seconds": 0.0} for m in METHODS}
    for seed in seeds:
        for method in METHODS:
            # The same seed gives the same teachers (answers and ids) in each method's cohort.
            _, cohort, responses, truth = planted_store(root, definition, f"seed {seed} {method}",
                                                        RECOVERY_TEACHERS, seed, store)
            start = time.perf_counter()
            record = refit(store, cohort, "auto", method)
            per[method]["seconds"] += time.perf_counter() - start
            found = [record["members"][r["id"]]["group"] for r in responses]
            per[method]["k"].append(record["k"])
            per[method]["ari"].append(round(float(adjusted_rand_score(truth, found)), 3))
            per[method]["finding"].append(record["finding"])
    need = math.ceil(RECOVERY_TARGET["min_right_k"] * len(seeds) / 10)
    methods = {}
    for method, got in per.items():
        mean_ari = statistics.mean(got["ari"])
        right_k = sum(k == PLANTED_K for k in got["k"])
        methods[method] = {
            "mean_ari": round(mean_ari, 3), "min_ari": min(got["ari"]), "right_k": right_k,
            "of": len(seeds), "k_per_seed": got["k"], "ari_per_seed": got["ari"],
            "findings": sorted(set(got["finding"])), "refit_seconds_mean": round(got["seconds"] / len(seeds), 2),
            "met": mean_ari >= RECOVERY_TARGET["min_mean_ari"] and right_k >= need,
        }
    return {"teachers": RECOVERY_TEACHERS, "seeds": seeds, "missing": 0.1, "planted_k": PLANTED_K,
            "target": {"min_mean_ari": RECOVERY_TARGET["min_mean_ari"], "min_right_k": need, "of": len(seeds)},
            "methods": methods, "all_met": all(m["met"] for m in methods.values())}


# -- 2. a rare starting point -------------------------------------------------------------------------
RARE_TEACHERS = 600
RARE_SHARES = (0.4, 0.3, 0.2, 0.1)
# "clear" and "subtle" are the two settings of issue 13; "none" has no profiles at all (the right answer is one group).
RARE_SETTINGS = {"clear": {"difference": 1.4, "scatter": 0.6}, "subtle": {"difference": 0.8, "scatter": 0.9},
                 "none": {"difference": 0.0, "scatter": 0.9}}
# Held out: the choice of k was tuned on seeds 100..159 of this generator and on the demo profiles'
# seeds 0..19, and one failure on seeds 1000..1009 was looked into; these were never looked at.
RARE_SEEDS = list(range(2000, 2030))
RARE_TARGET = {"setting": "clear", "method": "kmeans", "min_right_k": 9, "min_mean_ari": 0.95}  # per 10 cohorts


def rare_profile_cohort(spec: dict, teachers: int, difference: float, scatter: float, seed: int,
                        shares=RARE_SHARES):
    """A planted cohort with one rare starting point, at the level of the grouping's dimensions.

    The dimensions are the grouping's blocks (for the shipped questionnaire: beliefs, confidence
    with each strategy, barriers, career stage). Every column starts from its own mean near the
    middle of its range, the same for everyone. Three of the blocks, drawn at random, carry the
    profiles: each profile is a code word of 0s and 1s over them (000, 011, 101, 110, shuffled),
    and a 1 raises every column of the block by `difference` points against a 0, so every two
    profiles differ by `difference` on exactly two dimensions. Each answer is the profile's mean
    plus normal scatter of `scatter` points, rounded to a whole point and clipped to the column's
    range. Profiles have the given `shares` of the teachers. Returns (table, truth): a DataFrame
    with one column per feature column, and each teacher's profile (0 is the largest; all 0 when
    `difference` is 0, since the profiles are then one and the same).
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    columns = spec["columns"]
    names = [c["name"] for c in columns]
    low = np.array([c["min"] for c in columns], dtype=float)
    high = np.array([c["max"] for c in columns], dtype=float)
    means = np.tile((low + high) / 2 + rng.uniform(-0.5, 0.5, len(columns)), (len(shares), 1))
    code = rng.permutation(np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]]))[: len(shares)]
    carriers = rng.choice(len(spec["blocks"]), size=code.shape[1], replace=False)
    for bit, block in enumerate(carriers):
        at = [names.index(name) for name in spec["blocks"][block]["columns"]]
        means[:, at] += difference * (code[:, [bit]] - 0.5)
    counts = [round(teachers * share) for share in shares]
    counts[0] += teachers - sum(counts)
    truth = rng.permutation(np.repeat(np.arange(len(shares)), counts))
    answers = np.clip(np.rint(rng.normal(means[truth], scatter)), low, high)
    # With no difference the profiles are all alike, so the truth is one group.
    return pd.DataFrame(answers, columns=names), truth if difference else np.zeros(teachers, dtype=int)


def rare(seeds: list[int]) -> dict:
    """Each method's recovery of the planted profiles in every setting, with the plain search as the baseline."""
    from diagnostic.services.grouping import MAX_GROUPS
    from forms.grouping import feature_spec
    from models.clustering import StartingPointGroups
    from models.features import make_grouping_pipeline, uninformative

    spec = feature_spec(shipped_definition())
    settings = {}
    for name, setting in RARE_SETTINGS.items():
        per = {m: {"k": [], "ari": [], "finding": [], "seconds": 0.0} for m in (*METHODS, "plain_search")}
        planted_k = 1 if setting["difference"] == 0 else len(RARE_SHARES)
        for seed in seeds:
            table, truth = rare_profile_cohort(spec, RARE_TEACHERS, setting["difference"], setting["scatter"], seed)
            used = [c for c in table.columns if c not in uninformative(table)]
            for method in (*METHODS, "plain_search"):
                start = time.perf_counter()
                if method == "plain_search":
                    pipeline = make_grouping_pipeline(spec, used, StartingPointGroups())
                    found = plain_search(pipeline[:-1].fit(table[used]).transform(table[used]))
                    k, labels, finding = found["k"], found["labels"], "groups" if found["k"] > 1 else "one_group"
                else:
                    # What `refit` fits, without the resamples: stability is measured after k is chosen.
                    estimator = StartingPointGroups(method=method, max_clusters=MAX_GROUPS, n_resamples=0,
                                                    random_state=0)
                    make_grouping_pipeline(spec, used, estimator).fit(table[used])
                    k, labels, finding = estimator.n_clusters_, estimator.labels_, estimator.finding_
                per[method]["seconds"] += time.perf_counter() - start
                per[method]["k"].append(int(k))
                per[method]["ari"].append(round(float(adjusted_rand_score(truth, labels)), 3))
                per[method]["finding"].append(finding)
        methods = {}
        for method, got in per.items():
            methods[method] = {
                "right_k": sum(k == planted_k for k in got["k"]), "of": len(seeds),
                "mean_ari": round(statistics.mean(got["ari"]), 3), "min_ari": min(got["ari"]),
                "k_per_seed": got["k"], "ari_per_seed": got["ari"], "findings": sorted(set(got["finding"])),
                "fit_seconds_mean": round(got["seconds"] / len(seeds), 2)}
        settings[name] = {**setting, "planted_k": planted_k, "methods": methods}
    need = math.ceil(RARE_TARGET["min_right_k"] * len(seeds) / 10)
    target = settings[RARE_TARGET["setting"]]["methods"][RARE_TARGET["method"]]
    return {"teachers": RARE_TEACHERS, "shares": list(RARE_SHARES), "seeds": seeds, "settings": settings,
            "target": {**RARE_TARGET, "min_right_k": need, "of": len(seeds)},
            "met": target["right_k"] >= need and target["mean_ari"] >= RARE_TARGET["min_mean_ari"]}


# -- 3. speed ----------------------------------------------------------------------------------------
def features(store, cohort) -> dict:
    """What `refit` fits on: the encoded table, the columns kept, and the pipeline's transformed matrix."""
    from diagnostic.services.cohorts import published_definition
    from forms.grouping import feature_spec
    from models.clustering import StartingPointGroups
    from models.features import encode, make_grouping_pipeline, uninformative

    spec = feature_spec(published_definition(store, cohort["form_id"], cohort["form_version"]))
    responses = [r for r in store.list_responses(cohort["id"], status="submitted")
                 if (r.get("form_id"), r.get("form_version")) == (cohort["form_id"], cohort["form_version"])]
    ids = [r["id"] for r in responses]
    table = encode(responses, spec, index=ids)
    dropped = uninformative(table)
    used = [c for c in table.columns if c not in dropped]
    pipeline = make_grouping_pipeline(spec, used, StartingPointGroups(random_state=0))
    X = pipeline[:-1].fit(table[used]).transform(table[used])
    return {"spec": spec, "ids": ids, "table": table, "used": used, "dropped": dropped, "X": X}


def fit_estimator(data: dict):
    from models.clustering import StartingPointGroups
    from models.features import make_grouping_pipeline

    table, used = data["table"], data["used"]
    return make_grouping_pipeline(data["spec"], used, StartingPointGroups(random_state=0)).fit(table[used])


def timed_refit(store, cohort) -> tuple[float, dict, dict]:
    """Wall time of one `refit`, its record, and its stages (from the progress messages)."""
    from diagnostic.services.grouping import refit

    marks = []
    start = time.perf_counter()
    record = refit(store, cohort, progress=lambda message: marks.append((message, time.perf_counter())))
    end = time.perf_counter()
    first_fit = next(t for m, t in marks if m.startswith("trying"))
    describe = next((t for m, t in marks if m == "describing the groups"), end)
    stages = {"read_encode": first_fit - start, "fit": describe - first_fit, "describe_save": end - describe}
    return end - start, record, stages


def child(args: list[str], timeout: float = 900) -> dict:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_child(mode: str, data_dir: str, cohort_id: str, matrix: str) -> None:
    """In a fresh process: one refit or one baseline search, with its peak RSS; prints JSON."""
    began = time.perf_counter()
    if mode.startswith("refit"):
        import tracemalloc

        from diagnostic.services.grouping import refit
        from diagnostic.storage.tinydb_store import TinyDBStore as Store

        imported = peak_rss_kib()
        store = Store(data_dir)
        cohort = store.get_cohort(cohort_id)
        if mode == "refit-tracemalloc":
            tracemalloc.start()
        start = time.perf_counter()
        record = refit(store, cohort)
        seconds = time.perf_counter() - start
        out = {"k": record["k"]}
        if mode == "refit-tracemalloc":
            out["tracemalloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
    else:
        imported = peak_rss_kib()
        X = np.load(matrix)
        start = time.perf_counter()
        out = {"k": plain_search(X, full_silhouette=mode == "naive")["k"]}
        seconds = time.perf_counter() - start
    out.update(seconds=round(seconds, 2), setup_seconds=round(start - began, 2),
               rss_after_imports_mib=mib(imported), peak_rss_mib=mib(peak_rss_kib()),
               ru_maxrss_mib=mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    print(json.dumps(out))


def summary(seconds: list[float]) -> dict:
    return {"median": round(statistics.median(seconds), 2), "min": round(min(seconds), 2),
            "runs": [round(s, 2) for s in seconds]}


def speed(root: Path, teachers: int, repeats: int) -> dict:
    definition = shipped_definition()
    start = time.perf_counter()
    store, cohort, responses, truth = planted_store(root, definition, "Large network", teachers, SPEED_SEED)
    truth_by_id = dict(zip([r["id"] for r in responses], truth, strict=True))
    del responses
    fill_s = time.perf_counter() - start
    start = time.perf_counter()
    data = features(store, cohort)
    prepare_s = time.perf_counter() - start
    X = data["X"]
    matrix = root / "features.npy"
    np.save(matrix, X)

    def end_to_end():
        seconds, record, stages = timed_refit(store, cohort)
        found = [record["members"][rid]["group"] for rid in data["ids"]]
        return seconds, {"k": record["k"], "features": record["features"], "stages": stages, "labels": found}

    def estimator():
        start = time.perf_counter()
        fitted = fit_estimator(data)
        return time.perf_counter() - start, {"k": int(fitted[-1].n_clusters_), "labels": fitted[-1].labels_}

    def baseline(full: bool):
        def run():
            start = time.perf_counter()
            found = plain_search(X, full_silhouette=full)
            return time.perf_counter() - start, found
        return run

    runs = {"end_to_end": end_to_end, "estimator": estimator, "plain_search": baseline(False),
            "naive_search": baseline(True)}
    times = {name: [] for name in runs}
    last = {}
    stages = {"read_encode": [], "fit": [], "describe_save": []}
    load = []  # 1-minute load average before each repetition: another busy process shows up here
    order = list(runs)
    for r in range(repeats):
        load.append(round(os.getloadavg()[0], 2))
        for name in order[r % len(order):] + order[: r % len(order)]:  # rotate, so no run always goes first
            gc.collect()
            seconds, last[name] = runs[name]()
            times[name].append(seconds)
            if name == "end_to_end":
                for stage, value in last[name]["stages"].items():
                    stages[stage].append(value)

    # Truth is in the order the responses were planted; refit's ids are in the store's order.
    truth_in_order = [truth_by_id[rid] for rid in data["ids"]]
    assert last["end_to_end"]["features"] == data["used"], "refit used other columns than the benchmark's table"

    medians = {name: statistics.median(values) for name, values in times.items()}

    def ratio(top: str, bottom: str) -> dict:
        return {"ratio_of_medians": round(medians[top] / medians[bottom], 2),
                "per_repeat": [round(a / b, 2) for a, b in zip(times[top], times[bottom], strict=True)]}

    memory = {"end_to_end": child(["refit", "--data", str(root), "--cohort", cohort["id"]]),
              "plain_search": child(["plain", "--matrix", str(matrix)]),
              "naive_search": child(["naive", "--matrix", str(matrix)]),
              "end_to_end_tracemalloc": child(["refit-tracemalloc", "--data", str(root), "--cohort", cohort["id"]])}
    ratios = {"estimator_over_plain": ratio("estimator", "plain_search"),
              "end_to_end_over_plain": ratio("end_to_end", "plain_search"),
              "naive_over_plain": ratio("naive_search", "plain_search")}
    met = {"end_to_end_le_10s": medians["end_to_end"] <= END_TO_END_TARGET_S,
           "estimator_over_plain_le_1": ratios["estimator_over_plain"]["ratio_of_medians"]
           <= ESTIMATOR_OVER_PLAIN_TARGET}
    return {
        "teachers": teachers, "repeats": repeats, "cohort": cohort["id"],
        "features": {"columns": len(data["table"].columns), "used": len(data["used"]),
                     "dropped": sorted(data["dropped"]), "matrix_shape": list(X.shape), "matrix_dtype": str(X.dtype)},
        "seconds": {name: summary(values) for name, values in times.items()},
        "load_average_per_repeat": load,
        "end_to_end_stages_median": {stage: round(statistics.median(v), 2) for stage, v in stages.items()},
        "ratios": ratios,
        "k_found": {name: last[name]["k"] for name in runs},
        "ari_vs_planted": {name: round(float(adjusted_rand_score(truth_in_order, last[name]["labels"])), 3)
                           for name in runs},
        "memory": memory,
        "targets": {"end_to_end_max_s": END_TO_END_TARGET_S, "estimator_over_plain_max": ESTIMATOR_OVER_PLAIN_TARGET},
        "met": met,
        "setup_seconds": {"plant_and_store": round(fill_s, 1), "read_encode_transform": round(prepare_s, 1)},
    }


# -- 4. the specialist's pages on the large cohort ------------------------------------------------------
def pages(root: Path, cohort_id: str) -> dict:
    """Each specialist page and export for the large cohort: status, size and time through the real app."""
    from diagnostic import create_app

    client = create_app({"DATA": str(root), "TESTING": True}).test_client()
    base = f"/specialist/cohorts/{cohort_id}"
    found = {}
    for url in ["/specialist/", f"{base}/", f"{base}/groups/A", f"{base}/export/members.csv",
                f"{base}/export/profiles.csv", f"{base}/export/grouping.json"]:
        start = time.perf_counter()
        response = client.get(url)
        found[url] = {"status": response.status_code, "kib": round(len(response.data) / 1024),
                      "seconds": round(time.perf_counter() - start, 2)}
    return {"pages": found, "met": all(p["status"] == 200 for p in found.values())}


# -- main --------------------------------------------------------------------------------------------
def machine() -> dict:
    import pandas
    import scipy
    from threadpoolctl import threadpool_info

    return {"python": platform.python_version(), "cpu_count": os.cpu_count(),
            "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "platform": platform.platform(), "numpy": np.__version__, "sklearn": sklearn.__version__,
            "scipy": scipy.__version__, "pandas": pandas.__version__,
            "thread_pools": [{k: p.get(k) for k in ("internal_api", "num_threads")} for p in threadpool_info()],
            "load_average_start": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 seeds, 1,000 teachers")
    parser.add_argument("--teachers", type=int, help="teachers in the speed cohort (default 10,000; --quick 1,000)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timing repetitions (default 3)")
    parser.add_argument("--tmp", help="where to create the temporary data directories (default: system temp)")
    parser.add_argument("--rare-seeds", metavar="FIRST:COUNT",
                        help="seeds of the rare-starting-point cohorts (default 2000:30, the held-out ones; "
                             "--quick 2000:3)")
    parser.add_argument("--parts", default="recovery,rare,speed",
                        help="comma-separated parts to run: recovery, rare, speed (speed includes the pages; "
                             "default all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--cohort", help=argparse.SUPPRESS)
    parser.add_argument("--matrix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.data, args.cohort, args.matrix)
        return
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    unknown = parts - {"recovery", "rare", "speed"}
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}: choose from recovery, rare, speed")
    teachers = args.teachers or (1_000 if args.quick else 10_000)
    seeds = list(range(3 if args.quick else 10))
    rare_seeds = RARE_SEEDS[:3] if args.quick else RARE_SEEDS
    if args.rare_seeds:
        try:
            first, count = (int(part) for part in args.rare_seeds.split(":"))
        except ValueError:
            parser.error(f"--rare-seeds must be FIRST:COUNT, two whole numbers (got {args.rare_seeds!r})")
        if count < 1:
            parser.error(f"--rare-seeds needs at least one seed (got a count of {count})")
        rare_seeds = list(range(first, first + count))

    began = time.perf_counter()
    result = {"machine": machine()}
    met = []
    with tempfile.TemporaryDirectory(prefix="bench-grouping-", dir=args.tmp) as tmp:
        if "recovery" in parts:
            start = time.perf_counter()
            result["recovery"] = recovery(Path(tmp) / "recovery", seeds)
            result["recovery"]["seconds"] = round(time.perf_counter() - start, 1)
            met.append(result["recovery"]["all_met"])
        if "rare" in parts:
            start = time.perf_counter()
            result["rare"] = rare(rare_seeds)
            result["rare"]["seconds"] = round(time.perf_counter() - start, 1)
            met.append(result["rare"]["met"])
        if "speed" in parts:
            start = time.perf_counter()
            result["speed"] = speed(Path(tmp) / "speed", teachers, max(1, args.repeats))
            result["speed"]["seconds_total"] = round(time.perf_counter() - start, 1)
            result["pages"] = pages(Path(tmp) / "speed", result["speed"]["cohort"])
            met += [all(result["speed"]["met"].values()), result["pages"]["met"]]
    result["all_targets_met"] = all(met)
    result["settings"] = {"quick": args.quick, "teachers": teachers, "repeats": args.repeats, "seeds": len(seeds),
                          "parts": sorted(parts)}
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["elapsed_seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
