"""Co-coaching: reciprocal pairs of peers who share a learning focus, found by maximum-weight matching.

Teachers who chose the same focus form one graph (all teachers form one when
the coordinator relaxes the shared-focus rule). An edge joins two teachers no
hard rule keeps apart; its weight is the pair's score. rustworkx finds the
matching with the most pairs and, among those, the highest total score. A
teacher left over joins the pair where they add most as a trio.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import rustworkx as rx

from diagnostic.engines.pairing.criteria import CO_COACHING as CRITERIA
from diagnostic.engines.pairing.facts import UNKNOWN, Cohort, comfort, common_times, schools

SCALE = 1000  # scores become whole numbers for the matching: 0.001 is the finest difference kept
FULL_GRAPH = 400  # a graph with more teachers than this keeps only each teacher's best candidates
# With 40, a third of random one-graph cohorts of 250 to 700 teachers fell a little short of the optimum;
# with 160 none did, for about 40% more time at 2,000 teachers.
CANDIDATES = 160


def criteria(c: Cohort, idx: np.ndarray, step: float, rule: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every criterion (0 to 1) for every pair among `idx`, and which pairs no hard rule keeps apart.

    `step` is one step of the confidence scale (0.25 on a 1-5 scale): peers
    one step apart score highest, the same level or two steps apart half, three
    steps apart nothing.
    """
    focus = c.focus[idx]
    same_focus = (focus[:, None] == focus[None, :]) & (focus[:, None] >= 0)
    own = c.own[idx]
    apart = np.abs(own[:, None] - own[None, :])
    confidence = np.where(np.isnan(apart), UNKNOWN, np.clip(1 - np.abs(apart - step) / (2 * step), 0, 1))
    availability, no_time = common_times(c, idx, idx)
    seen = comfort(c.observation[idx])
    programme, wishes, school_rule = schools(c, idx, idx, rule)
    turns = (c.coach[idx] + c.coached[idx]) / 2
    found = {"focus": same_focus.astype(float), "confidence": confidence, "availability": availability,
             "observation": np.minimum(seen[:, None], seen[None, :]), "school": programme, "wishes": wishes,
             "roles": (turns[:, None] + turns[None, :]) / 2}
    allowed = ~no_time & ~school_rule & ~np.eye(len(idx), dtype=bool) & (focus[:, None] >= 0) & (focus[None, :] >= 0)
    return found, allowed


def match(c: Cohort, idx: np.ndarray, weights: dict[str, float], options: dict[str, Any],
          forbidden: set[frozenset[str]]) -> dict[str, Any]:
    """The best pairs among the teachers `idx` (one graph), with trios for those left over.

    Returns ``{"groups": [index arrays], "left": [(teacher index, why)], "matching_total": int,
    "criteria": {...}, "score": matrix, "allowed": matrix, "idx": idx}``.
    """
    found, allowed = criteria(c, idx, options["step"], options["school_rule"])
    if not options.get("relax_focus"):
        allowed &= found["focus"] > 0
    at = {c.teachers[i]["id"]: n for n, i in enumerate(idx)}  # a lookup, not a scan per ruled-out pair
    for pair in forbidden:
        a, b = tuple(pair)
        if a in at and b in at:
            allowed[at[a], at[b]] = allowed[at[b], at[a]] = False
    score = sum(weights[k] * found[k] for k in CRITERIA)
    whole = np.rint(score * SCALE).astype(np.int64)
    edges = _edges(allowed, whole)
    graph = rx.PyGraph()
    graph.add_nodes_from(range(len(idx)))
    first, second = edges.T
    graph.add_edges_from(list(zip(first.tolist(), second.tolist(), whole[first, second].tolist(), strict=True)))
    matched = sorted(tuple(sorted(p)) for p in rx.max_weight_matching(graph, max_cardinality=True,
                                                                       weight_fn=lambda w: w))
    groups = [list(p) for p in matched]
    used = {i for p in matched for i in p}
    left = []
    for t in (i for i in range(len(idx)) if i not in used):
        best = _best_trio(t, groups, allowed, score)
        if best is None:
            left.append(t)
        else:
            groups[best].append(t)
    return {"groups": groups, "left": left, "matching_total": int(sum(whole[i, j] for i, j in matched)),
            "criteria": found, "score": score, "allowed": allowed, "idx": idx}


def _edges(allowed: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """The edges of the graph: every allowed pair, or each teacher's best candidates in a large graph.

    A teacher keeps every partner at least as good as their `CANDIDATES`-th
    best, ties included, so which of several equally good partners survive
    never depends on the order of ids; an edge stays if either end keeps it.
    This is a shortcut, not a guarantee: tests/engines/test_pairing.py checks that it
    finds the full graph's optimum on random cohorts of 250 to 450 teachers,
    and at 1,000 to 2,000 teachers in one graph it can fall short by about one
    point in 10,000 (the full graph would take 30 s at 2,000).
    """
    upper = np.triu(allowed, 1)
    if len(allowed) <= FULL_GRAPH:
        return np.argwhere(upper)
    ranked = np.where(allowed, whole, -1)
    k = min(CANDIDATES, len(allowed)) - 1
    kth = -np.partition(-ranked, k, axis=1)[:, k]  # each teacher's k-th best weight
    keep = allowed & (ranked >= kth[:, None])
    return np.argwhere((keep | keep.T) & upper)


def _best_trio(t: int, groups: list[list[int]], allowed: np.ndarray, score: np.ndarray) -> int | None:
    """The pair a left-over teacher adds most to as a third member (None if no pair can take them)."""
    best, value = None, -1.0
    for g, members in enumerate(groups):
        if len(members) == 2 and all(allowed[t, m] for m in members):
            added = float(np.mean([score[t, m] for m in members]))
            if added > value:
                best, value = g, added
    return best


def why_alone(c: Cohort, t: int, idx: np.ndarray, allowed: np.ndarray, options: dict,
              forbidden: set[frozenset[str]]) -> str:
    """Why a teacher is left without a partner, in the coordinator's terms."""
    teacher = c.teachers[idx[t]]
    title = (teacher.get("focus_title") or teacher.get("focus") or "").lower()
    if allowed[t].any():
        return (f"Everyone who could partner them on {title} is better matched elsewhere, and no pair could take "
                "a third member.")
    others = [i for i in range(len(idx)) if i != t]
    if not others:
        return f"No one else chose {title}." if not options.get("relax_focus") else "No one else is left to pair."
    me = np.array([idx[t]])
    rest = idx[others]
    _, no_time = common_times(c, me, rest)
    _, _, school_rule = schools(c, me, rest, options["school_rule"])
    kept = [f"{int(no_time.sum())} have no time in common with them" if no_time.any() else "",
            f"{int(school_rule.sum())} are ruled out by the school rule" if school_rule.any() else "",
            f"{sum(frozenset((teacher['id'], c.teachers[i]['id'])) in forbidden for i in rest)} are pairs you "
            "ruled out" if any(frozenset((teacher["id"], c.teachers[i]["id"])) in forbidden for i in rest) else ""]
    reasons = "; ".join(k for k in kept if k)
    return f"No eligible partner among the {len(others)} others working on {title}: {reasons}."
