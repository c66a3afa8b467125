"""Mentoring and specialist coaching on tables too large to hold whole (`assignment.DENSE_UP_TO`), made small here.

`DENSE_UP_TO` is lowered so that cohorts of a few dozen take the path a national cohort takes: the rows no
optimum needs are left out before the table is solved, and mentoring solves the graph of each mentee's best
mentors with scipy's sparse assignment. What must hold: the same number placed and the same total as the whole
table solved by `linear_sum_assignment` (the optimum), every rule still holds, every teacher is accounted for.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostic.engines.pairing import assignment, propose
from tests.engines.test_pairing import CONFIG, check_proposal, mentoring_optimum, random_cohort


def solved(pairs: list[tuple[int, int]], score: np.ndarray, allowed: np.ndarray, capacity: list[int]
           ) -> tuple[int, float]:
    """(matches, total score) of an allocation, after checking it keeps every rule."""
    rows = [r for r, _ in pairs]
    assert len(set(rows)) == len(rows)
    assert all(allowed[r, k] for r, k in pairs)
    assert all(sum(k == j for _, k in pairs) <= capacity[j] for j in range(len(capacity)))
    return len(pairs), round(float(sum(score[r, k] for r, k in pairs)), 9)


@st.composite
def tables(draw):
    """A score table on a grid (so totals compare exactly), which pairs are allowed, and each column's places."""
    rows, cols = draw(st.integers(1, 9)), draw(st.integers(1, 5))
    score = np.array(draw(st.lists(st.integers(0, 12), min_size=rows * cols, max_size=rows * cols)),
                     dtype=float).reshape(rows, cols) / 4
    allowed = np.array(draw(st.lists(st.booleans(), min_size=rows * cols, max_size=rows * cols))).reshape(rows, cols)
    capacity = draw(st.lists(st.integers(0, 3), min_size=cols, max_size=cols))
    return score, allowed, capacity


@settings(max_examples=300, deadline=None)
@given(table=tables())
def test_a_large_table_reduced_first_has_the_optimum_of_the_whole_table(table):
    score, allowed, capacity = table
    whole = solved(assignment.allocate(score, allowed, capacity), score, allowed, capacity)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assignment, "DENSE_UP_TO", 0)
        assert solved(assignment.allocate(score, allowed, capacity), score, allowed, capacity) == whole


@settings(max_examples=300, deadline=None)
@given(table=tables())
def test_the_sparse_solver_on_every_allowed_pair_has_the_optimum_of_the_whole_table(table):
    score, allowed, capacity = table
    whole = solved(assignment.allocate(score, allowed, capacity), score, allowed, capacity)
    rows, cols = np.nonzero(allowed)
    sparse = assignment.allocate_candidates(rows, cols, score[rows, cols], len(score), capacity)
    assert solved(sparse, score, allowed, capacity) == whole


@pytest.fixture
def large(monkeypatch):
    """Every mentoring and specialist table counts as a national cohort's."""
    monkeypatch.setattr(assignment, "DENSE_UP_TO", 0)


@pytest.mark.parametrize(("seed", "n", "capacity", "rule"), [
    (31, 160, 2, "any"), (32, 120, 1, "cross_preferred"), (33, 90, 3, "same"), (34, 200, 2, "cross_required")])
def test_mentoring_a_large_cohort_finds_the_best_allocation(large, seed, n, capacity, rule):
    # About a quarter of the teachers are mentors: fewer than CANDIDATES, so the graph holds every allowed pair.
    teachers = random_cohort(seed, n)
    ids = sorted(t["id"] for t in teachers)
    forbidden = [random.Random(seed).sample(ids, 2) for _ in range(n // 4)]
    options = {"capacity": capacity, "school_rule": rule}
    result = propose("mentoring", teachers, CONFIG, options=options, forbidden=forbidden)
    placed, total = mentoring_optimum(teachers, capacity, forbidden, rule)
    assert len(result["pairs"]) == placed
    assert abs(result["matching_total"] - total) <= 0.0005 + 1e-9  # distinct totals differ by at least 1/240
    check_proposal(result, "mentoring", teachers, [], forbidden, capacity)


def test_mentoring_on_a_graph_of_a_few_mentors_each_keeps_every_rule(large, monkeypatch):
    monkeypatch.setattr(assignment, "CANDIDATES", 3)
    teachers = random_cohort(35, 240)
    ids = sorted(t["id"] for t in teachers)
    forbidden = [random.Random(35).sample(ids, 2) for _ in range(60)]
    locked = [[m["id"], e["id"]] for m, e in [(next(t for t in teachers if t["stage"] == "mentor"
                                                    and t["coach"] is True),
                                               next(t for t in teachers if t["stage"] == "mentee"))]]
    result = propose("mentoring", teachers, CONFIG, options={"capacity": 2}, forbidden=forbidden, locked=locked)
    check_proposal(result, "mentoring", teachers, [], forbidden, 2)
    placed, total = mentoring_optimum(teachers, 2, forbidden)
    assert len(result["pairs"]) <= placed + 1 and result["matching_total"] <= total + 0.0005  # the lock is extra
    assert any(p["locked"] for p in result["pairs"])


@pytest.mark.parametrize("by", ["teacher", "group"])
def test_specialists_for_a_large_cohort_get_the_same_optimum(monkeypatch, by):
    teachers = [{**t, "group": f"g{i % 7}"} for i, t in enumerate(random_cohort(36, 300))]
    specialists = [{"id": f"s{k}", "name": f"Specialist {k}", "expertise": expertise, "capacity": capacity,
                    "places_used": 0}
                   for k, (expertise, capacity) in enumerate([(["questioning"], 9), (["feedback", "modelling"], 4),
                                                              (["questioning", "feedback"], 2), ([], 3)])]
    whole = propose("specialist", teachers, CONFIG, options={"by": by}, specialists=specialists)
    monkeypatch.setattr(assignment, "DENSE_UP_TO", 0)
    result = propose("specialist", teachers, CONFIG, options={"by": by}, specialists=specialists)
    assert (len(result["pairs"]), result["matching_total"]) == (len(whole["pairs"]), whole["matching_total"])
    check_proposal(result, "specialist", teachers, specialists, [], 9)
