"""Mentoring and specialist coaching: assignment with capacities, solved exactly.

Each mentor (or specialist) offers as many places as their capacity; each place
is one column of a score matrix whose rows are the mentees (or teachers, or
groups). `scipy.optimize.linear_sum_assignment` then finds the allocation with
the most feasible matches and, among those, the highest total score: pairs a
hard rule keeps apart get a penalty larger than any total, so they are only
ever chosen where nothing else fills a place, and are then dropped.

A national cohort's table would not fit in memory (4,892 mentees by 22,522
mentor places at 20,000 teachers: 5 GB and a minute). Above `DENSE_UP_TO`
cells, `allocate` first leaves out the rows no optimum needs (each column
keeps only its best rows, as many as there are places), and mentoring builds a
graph of each mentee's `CANDIDATES` best allowed mentors, a few rows at a time,
and solves that exactly with `allocate_candidates` (scipy's sparse assignment).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from diagnostic.engines.pairing.criteria import MENTORING as MENTORING  # read by the package as assignment.MENTORING
from diagnostic.engines.pairing.criteria import SPECIALIST as SPECIALIST
from diagnostic.engines.pairing.facts import UNKNOWN, Cohort, comfort, common_times, schools

DENSE_UP_TO = 4_000_000  # cells (rows x places) of the table solved whole, as it stands: 2,000 teachers stay below
# Mentors kept per mentee on a larger graph. At 20,000 teachers the demo cohort's graph has the whole table's total,
# and bench/pairing.py's synthetic one (every mentee's best the same few mentors) 99.97% of it in 6 s.
CANDIDATES = 128


def allocate(score: np.ndarray, allowed: np.ndarray, capacity: list[int]) -> list[tuple[int, int]]:
    """(row, column) pairs: each row at most once, each column at most `capacity[column]` times.

    Maximises the number of allowed matches, then their total score.
    """
    if score.size == 0 or sum(capacity) == 0:
        return []
    if len(score) * sum(capacity) > DENSE_UP_TO:
        rows = _needed_rows(score, allowed, capacity)
        return [(int(rows[r]), k) for r, k in _allocate_lean(score[rows], allowed[rows], capacity)]
    places = np.repeat(np.arange(len(capacity)), capacity)
    penalty = float(np.abs(score).sum() + 1) * (len(score) + 1)
    # Penalised before it is widened to one column per place: one matrix of that size, not three.
    expanded = np.where(allowed, score, -penalty)[:, places]
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    return sorted((int(r), int(places[c])) for r, c in zip(rows, cols, strict=True) if allowed[r, places[c]])


def _allocate_lean(score: np.ndarray, allowed: np.ndarray, capacity: list[int]) -> list[tuple[int, int]]:
    """`allocate`'s optimum with a single table in memory: negated once (scipy would copy it to maximise), and
    built with the shorter side as its rows (scipy would copy it to turn it)."""
    places = np.repeat(np.arange(len(capacity)), capacity)
    penalty = float(np.abs(score).sum() + 1) * (len(score) + 1)
    if len(score) > len(places):
        cost = np.where(allowed.T, -score.T, penalty)[places]
        at_place, rows = linear_sum_assignment(cost)
    else:
        cost = np.where(allowed, -score, penalty)[:, places]
        rows, at_place = linear_sum_assignment(cost)
    return sorted((int(r), int(places[c])) for r, c in zip(rows, at_place, strict=True) if allowed[r, places[c]])


def _needed_rows(score: np.ndarray, allowed: np.ndarray, capacity: list[int]) -> np.ndarray:
    """The rows that are among some column's best allowed rows, as many as there are places in all (and at most one
    of them fewer than all its best): some optimum uses no other row.

    Were a column to take a row outside its best, one of its best would be unmatched (the places are too few to
    hold them all and that row too), and taking that one instead loses nothing.
    """
    best = min(sum(capacity), len(score))
    masked = np.where(allowed & (np.asarray(capacity) > 0)[None, :], score, -np.inf)
    top = np.argpartition(-masked, best - 1, axis=0)[:best]
    kept = np.zeros(allowed.shape, dtype=bool)
    np.put_along_axis(kept, top, True, axis=0)
    return np.flatnonzero((kept & np.isfinite(masked)).any(axis=1))


def allocate_candidates(rows: np.ndarray, cols: np.ndarray, score: np.ndarray, n_rows: int,
                        capacity: list[int]) -> list[tuple[int, int]]:
    """`allocate` over the allowed pairs (rows[i], cols[i]) with their scores only: the same optimum on that graph.

    Each pair is an edge to every place of its column, and each row has a place of its own, worth next to nothing,
    so every row can be matched and scipy's sparse solver (`min_weight_full_bipartite_matching`) applies; a
    real place is worth more than any total of scores, so the most rows get real places, then the best.
    """
    capacity = np.asarray(capacity, dtype=np.int64)
    keep = capacity[cols] > 0
    rows, cols, score = rows[keep], cols[keep], score[keep]
    if len(rows) == 0:
        return []
    first = np.r_[0, np.cumsum(capacity)]  # each column's first place
    copies = capacity[cols]
    within = np.arange(copies.sum()) - np.repeat(np.cumsum(copies) - copies, copies)
    places = int(first[-1])
    worth = float(np.abs(score).max()) * min(n_rows, places) + 1  # more than any allocation's total of scores
    graph = csr_array((np.r_[np.repeat(score, copies) + worth, np.full(n_rows, 1e-9 * worth)],
                       (np.r_[np.repeat(rows, copies), np.arange(n_rows)],
                        np.r_[np.repeat(first[cols], copies) + within, places + np.arange(n_rows)])),
                      shape=(n_rows, places + n_rows))
    matched, place = min_weight_full_bipartite_matching(graph, maximize=True)
    owner = np.repeat(np.arange(len(capacity)), capacity)
    real = place < places
    return sorted(zip(matched[real].tolist(), owner[place[real]].tolist(), strict=True))


def mentoring_criteria(c: Cohort, mentors: np.ndarray, mentees: np.ndarray, strong: float | None,
                       rule: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Criteria for every mentee (rows) and mentor (columns), and which matches no hard rule forbids.

    A mentor must be willing to coach and, where the mentee has chosen a focus,
    at least `strong` in it; a mentee without a focus is matched on the mentor's
    confidence across all strategies.
    """
    focus = c.focus[mentees]
    levels = c.confidence[mentors]
    answered = (~np.isnan(levels)).sum(axis=1)
    across = np.where(answered > 0, np.nansum(levels, axis=1) / np.maximum(answered, 1), np.nan)
    # mentees × mentors; a cohort where no one chose a focus has no focus columns to read
    in_focus = (levels[:, np.maximum(focus, 0)].T if levels.shape[1] else np.full((len(mentees), len(mentors)), np.nan))
    strength = np.where(focus[:, None] >= 0, in_focus, across[None, :])
    availability, no_time = common_times(c, mentees, mentors)
    programme, wishes, school_rule = schools(c, mentees, mentors, rule)
    seen = comfort(c.observation[mentees])
    experience = np.where(np.isnan(c.experience[mentors]), UNKNOWN, c.experience[mentors])
    found = {"strength": np.where(np.isnan(strength), 0.0, strength),
             "experience": np.broadcast_to(experience[None, :], strength.shape),
             "availability": availability, "observation": np.broadcast_to(seen[:, None], strength.shape),
             "school": programme, "wishes": wishes}
    allowed = ~no_time & ~school_rule & (c.coach[mentors] == 1)[None, :]
    if strong is not None:
        allowed &= np.where(focus[:, None] >= 0, np.nan_to_num(in_focus, nan=-1) >= strong, True)
    allowed &= mentees[:, None] != mentors[None, :]
    return found, allowed


def specialist_criteria(c: Cohort, specialists: list[dict], learners: list[np.ndarray]
                        ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Criteria for every learner (a teacher, or a group's members: rows) and specialist (columns).

    A specialist takes only teachers (or groups) whose focus they cover; a
    group's fit is the share of its members whose focus they cover.
    """
    shape = (len(learners), len(specialists))
    expertise, need, wants = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    covers = np.array([[f in s.get("expertise", []) for f in c.focuses] for s in specialists],
                      dtype=float).reshape(len(specialists), len(c.focuses))
    for r, members in enumerate(learners):
        focus = c.focus[members]
        has = focus >= 0
        fit = covers[:, focus[has]].sum(axis=1) / len(members) if has.any() else np.zeros(len(specialists))
        gap = 1 - c.own[members]
        expertise[r] = fit
        need[r] = float(np.nanmean(gap)) if (~np.isnan(gap)).any() else UNKNOWN
        wants[r] = float(np.mean(c.coached[members]))
    allowed = expertise > 0
    for k, s in enumerate(specialists):  # an internal expert is never allocated to themselves
        if s.get("respondent"):
            allowed[[r for r, m in enumerate(learners) if any(c.teachers[i]["id"] == s["respondent"] for i in m)],
                    k] = False
    return {"expertise": expertise, "need": need, "wants_coaching": wants}, allowed
