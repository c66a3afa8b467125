"""Co-coaching: reciprocal pairs of peers who share a learning focus, found by maximum-weight matching.

Teachers who chose the same focus form one graph (all teachers form one when
the coordinator relaxes the shared-focus rule). An edge joins two teachers no
hard rule keeps apart; its weight is the pair's score. rustworkx finds the
matching with the most pairs and, among those, the highest total score. A
teacher left over joins the pair where they add most as a trio.

A graph of up to `FULL_GRAPH` teachers holds every allowed pair, so its
matching is the best there is. A larger graph (a national cohort has
thousands of teachers per focus) would cost time and memory with the square
of its size, so it is built from blocks instead (`_block_edges`): the
teachers are dealt into blocks of about `BLOCK`, a few schools each
(`_blocks`; one focus each when the shared-focus rule is relaxed), each
block is matched exactly over every allowed pair in it, and then the pairs
found are dealt into new blocks (other schools side by side) and matched
again, `ROUNDS` times; a round never does worse than the one before, because
each block holds the pairs it had. The graph is every pair any round
matched, plus every allowed pair among the teachers the last round left
alone, and its matching is again exact. What is given up: an edge no round
put inside one block, so the total can fall a little short of the full
graph's (about one part in a thousand on 2,000 teachers of one focus in
the demo network, two in ten thousand on bench/pairing.py's 2,000 in one
graph; tests/engines/test_pairing_blocks.py measures it too).
"""

from __future__ import annotations

import zlib
from itertools import groupby
from typing import Any

import numpy as np
import rustworkx as rx

from diagnostic.engines.pairing.criteria import CO_COACHING as CRITERIA
from diagnostic.engines.pairing.facts import UNKNOWN, Cohort, comfort, common_times, school_facts, schools, shared_times

SCALE = 1000  # scores become whole numbers for the matching: 0.001 is the finest difference kept
FULL_GRAPH = 400  # a graph of at most this many teachers holds every allowed pair
# Blocks of 200 matched 4 times came within 0.1% of the full graph's total on 2,000 teachers of one focus
# (the demo network's), in about 0.7 s where the full graph takes 19 s; larger blocks or more rounds gain little.
BLOCK = 200
ROUNDS = 4


def criteria(c: Cohort, idx: np.ndarray, step: float, rule: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every criterion (0 to 1) for every pair among `idx`, and which pairs no hard rule keeps apart.

    `step` is one step of the confidence scale (0.25 on a 1-5 scale): peers
    one step apart score highest, the same level or two steps apart half, three
    steps apart nothing.
    """
    return pair_criteria(c, idx[:, None], idx[None, :], step, rule)


def pair_criteria(c: Cohort, a: np.ndarray, b: np.ndarray, step: float, rule: str
                  ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """`criteria` for the pairs (a, b): index arrays broadcast against each other (rows by columns, or one
    pair per place), so a large graph never needs a teachers x teachers table."""
    focus_a, focus_b = c.focus[a], c.focus[b]
    apart = np.abs(c.own[a] - c.own[b])
    confidence = np.where(np.isnan(apart), UNKNOWN, np.clip(1 - np.abs(apart - step) / (2 * step), 0, 1))
    availability, no_time = shared_times(c, a, b)
    seen = comfort(c.observation)
    programme, wishes, school_rule = school_facts(c, a, b, rule)
    turns = (c.coach + c.coached) / 2
    found = {"focus": ((focus_a == focus_b) & (focus_a >= 0)).astype(float), "confidence": confidence,
             "availability": availability, "observation": np.minimum(seen[a], seen[b]), "school": programme,
             "wishes": wishes, "roles": (turns[a] + turns[b]) / 2}
    allowed = ~no_time & ~school_rule & (a != b) & (focus_a >= 0) & (focus_b >= 0)
    return found, allowed


def match(c: Cohort, idx: np.ndarray, weights: dict[str, float], options: dict[str, Any],
          forbidden: set[frozenset[str]]) -> dict[str, Any]:
    """The best pairs among the teachers `idx` (one graph), with trios for those left over.

    Returns ``{"groups": [lists of teacher indexes into c], "left": [teacher indexes], "matching_total": int}``.
    """
    apart = _apart(c, forbidden)
    if len(idx) <= FULL_GRAPH:
        whole, allowed = _graph(c, idx, idx, weights, options, apart)
        edges = np.argwhere(np.triu(allowed, 1))
        weight = whole[edges[:, 0], edges[:, 1]]
    else:
        edges, weight = _block_edges(c, idx, weights, options, apart)
    matched = _matching(len(idx), edges, weight)
    # Both kinds of edge list are sorted by (first, second), so a matched pair's weight is found by bisection.
    keys = edges[:, 0].astype(np.int64) * len(idx) + edges[:, 1]
    found = np.searchsorted(keys, [i * len(idx) + j for i, j in matched])
    total = int(weight[found].sum())
    groups = [[int(idx[i]), int(idx[j])] for i, j in matched]
    used = {i for pair in matched for i in pair}
    left = []
    for t in (int(idx[i]) for i in range(len(idx)) if i not in used):
        best = _best_trio(c, t, groups, weights, options, apart)
        if best is None:
            left.append(t)
        else:
            groups[best].append(t)
    return {"groups": groups, "left": left, "matching_total": total}


def _apart(c: Cohort, forbidden: set[frozenset[str]]) -> dict[int, set[int]]:
    """Each teacher's ruled-out partners, by index: a lookup, not a scan per ruled-out pair."""
    apart: dict[int, set[int]] = {}
    for pair in forbidden:
        a, b = tuple(pair)
        if a in c.index and b in c.index:
            apart.setdefault(c.index[a], set()).add(c.index[b])
            apart.setdefault(c.index[b], set()).add(c.index[a])
    return apart


def _graph(c: Cohort, rows: np.ndarray, cols: np.ndarray, weights: dict[str, float], options: dict[str, Any],
           apart: dict[int, set[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(whole-number weight, allowed) for every teacher of `rows` with every one of `cols`, all rules applied."""
    found, allowed = pair_criteria(c, rows[:, None], cols[None, :], options["step"], options["school_rule"])
    if not options.get("relax_focus"):
        allowed &= found["focus"] > 0
    at = {int(j): k for k, j in enumerate(cols)}
    for r, i in enumerate(rows.tolist()):
        for j in apart.get(i, ()):
            if j in at:
                allowed[r, at[j]] = False
    return np.rint(sum(weights[k] * found[k] for k in CRITERIA) * SCALE).astype(np.int64), allowed


def _matching(n: int, edges: np.ndarray, weight: np.ndarray) -> list[tuple[int, int]]:
    """rustworkx's maximum-weight matching of most pairs, each pair lower index first, in order."""
    graph = rx.PyGraph()
    graph.add_nodes_from(range(n))
    first, second = np.asarray(edges).reshape(-1, 2).T
    graph.add_edges_from(list(zip(first.tolist(), second.tolist(), np.asarray(weight).tolist(), strict=True)))
    if n <= FULL_GRAPH:
        return sorted(tuple(sorted(p)) for p in rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int))
    # A sparse graph built from blocks falls apart into pieces; the best matching of the whole is the best of each
    # piece, and the matching's cost grows faster than its size, so each piece is matched on its own.
    found = []
    for piece in rx.connected_components(graph):
        if len(piece) > 1:
            sub = graph.subgraph(sorted(piece))  # each node's payload is its index in the whole graph
            found += [(sub[a], sub[b]) for a, b in rx.max_weight_matching(sub, max_cardinality=True, weight_fn=int)]
    return sorted(tuple(sorted(p)) for p in found)


def _block_edges(c: Cohort, idx: np.ndarray, weights: dict[str, float], options: dict[str, Any],
                 apart: dict[int, set[int]]) -> tuple[np.ndarray, np.ndarray]:
    """The edges of a large graph (positions in `idx`) and their weights: every pair a round of blocks matched,
    and every allowed pair among those the last round left alone (see the module's notes)."""
    ids = [c.teachers[i]["id"] for i in idx]
    school, focus = c.school[idx].tolist(), c.focus[idx].tolist()
    kept: dict[tuple[int, int], int] = {}
    pairs: list[tuple[int, int]] = []
    for r in range(ROUNDS):
        used = {i for p in pairs for i in p}
        units = [list(p) for p in pairs] + [[i] for i in range(len(idx)) if i not in used]
        # Whole schools side by side, in an order of schools that changes every round (a pair from two schools
        # goes by one, then the other); hashes of ids, so the order teachers come in changes nothing. With the
        # focus rule relaxed, each focus is dealt into blocks of its own: a shared focus counts most.
        units.sort(key=lambda u, r=r: (focus[u[r % len(u)]], _mix(school[u[r % len(u)]], r), _mix(ids[u[0]], r)))
        by_focus = groupby(units, key=lambda u, r=r: focus[u[r % len(u)]])
        pairs = []
        for block in (block for _, same in by_focus for block in _blocks(list(same))):
            local = np.array(block)
            whole, allowed = _graph(c, idx[local], idx[local], weights, options, apart)
            edges = np.argwhere(np.triu(allowed, 1))
            for i, j in _matching(len(local), edges, whole[edges[:, 0], edges[:, 1]]):
                pair = tuple(sorted((int(local[i]), int(local[j]))))
                pairs.append(pair)
                kept[pair] = int(whole[i, j])
    used = {i for p in pairs for i in p}
    alone = np.array([i for i in range(len(idx)) if i not in used], dtype=int)
    for start in range(0, len(alone), FULL_GRAPH):  # in slices, should many be left alone
        chunk = alone[start:start + FULL_GRAPH]
        whole, allowed = _graph(c, idx[chunk], idx[chunk], weights, options, apart)
        for i, j in np.argwhere(np.triu(allowed, 1)):
            kept[(int(chunk[i]), int(chunk[j]))] = int(whole[i, j])
    edges = sorted(kept)
    return np.array(edges, dtype=int).reshape(-1, 2), np.array([kept[e] for e in edges], dtype=np.int64)


def _mix(value: Any, round_: int) -> int:
    """A hash of a value for one round, the same in every run (unlike Python's own hash of a string)."""
    return zlib.crc32(f"{value}/{round_}".encode())


def _blocks(units: list[list[int]]) -> list[list[int]]:
    """The units (single teachers or pairs), in order, dealt into blocks of about `BLOCK` teachers.

    The order runs school by school, so it is cut into runs of a quarter of a block, and each block takes
    runs from far apart: in a network of many small schools a block holds a few whole schools (partners from
    the same school, for those who wish it, and from others); where schools are larger than a block, a
    block still holds several of them.
    """
    count = sum(len(u) for u in units)
    blocks: list[list[int]] = [[] for _ in range(max(1, round(count / BLOCK)))]
    run, runs = [], 0
    for unit in units:
        run.extend(unit)
        if len(run) >= BLOCK // 4:
            blocks[runs % len(blocks)].extend(run)
            run, runs = [], runs + 1
    blocks[runs % len(blocks)].extend(run)
    return [b for b in blocks if b]


def _best_trio(c: Cohort, t: int, groups: list[list[int]], weights: dict[str, float], options: dict[str, Any],
               apart: dict[int, set[int]]) -> int | None:
    """The pair a left-over teacher adds most to as a third member (None if no pair can take them)."""
    pairs = [g for g, members in enumerate(groups) if len(members) == 2]
    if not pairs:
        return None
    members = np.array([groups[g] for g in pairs])
    found, allowed = pair_criteria(c, np.array(t), members, options["step"], options["school_rule"])
    if not options.get("relax_focus"):
        allowed &= found["focus"] > 0
    allowed &= ~np.isin(members, list(apart.get(t, ())))
    added = np.mean(sum(weights[k] * found[k] for k in CRITERIA), axis=1)
    fits = allowed.all(axis=1)
    return pairs[int(np.argmax(np.where(fits, added, -np.inf)))] if fits.any() else None


def why_alone(c: Cohort, t: int, idx: np.ndarray, options: dict, forbidden: set[frozenset[str]]) -> str:
    """Why teacher `t` (an index into c) of the graph `idx` is left without a partner, in the coordinator's terms."""
    teacher = c.teachers[t]
    title = (teacher.get("focus_title") or teacher.get("focus") or "").lower()
    rest = idx[idx != t]
    found, allowed = pair_criteria(c, np.array(t), rest, options["step"], options["school_rule"])
    if not options.get("relax_focus"):
        allowed &= found["focus"] > 0
    ruled_out = np.array([frozenset((teacher["id"], c.teachers[i]["id"])) in forbidden for i in rest], dtype=bool)
    if (allowed & ~ruled_out).any():
        return (f"Everyone who could partner them on {title} is better matched elsewhere, and no pair could take "
                "a third member.")
    if not len(rest):
        return f"No one else chose {title}." if not options.get("relax_focus") else "No one else is left to pair."
    me = np.array([t])
    _, no_time = common_times(c, me, rest)
    _, _, school_rule = schools(c, me, rest, options["school_rule"])
    kept = [f"{int(no_time.sum())} have no time in common with them" if no_time.any() else "",
            f"{int(school_rule.sum())} are ruled out by the school rule" if school_rule.any() else "",
            f"{int(ruled_out.sum())} are pairs you ruled out" if ruled_out.any() else ""]
    reasons = "; ".join(k for k in kept if k)
    return f"No eligible partner among the {len(rest)} others working on {title}: {reasons}."
