"""The pairing engine (`diagnostic.engines.pairing`) on teachers built by hand or drawn at random.

The optimality tests rebuild each graph from the engine's own criteria and
weights, solve it with networkx (or, for large graphs, rustworkx on the full
graph) and compare totals. The other tests check what a coordinator relies on:
hard rules hold, locks are kept, everyone is accounted for, every teacher left
out is told why, and the same input always gives the same proposal.
"""

from __future__ import annotations

import random
from collections import Counter

import networkx as nx
import numpy as np
import pytest
import rustworkx as rx
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostic.engines.pairing import (
    MODES,
    NO_FOCUS,
    SCHOOL_RULES,
    PairingError,
    assignment,
    cocoaching,
    propose,
    sentences,
)
from diagnostic.engines.pairing.facts import Cohort
from diagnostic.services.partnerships import engine_config
from forms.catalog import SHIPPED, find_definition

CONFIG = engine_config(find_definition("starting_point", None, [SHIPPED])[0])
FOCUSES = ("questioning", "feedback", "modelling", "retrieval", "talk")
TIMES = {"mon": "Monday after school", "tue": "Tuesday period 5", "wed": "Wednesday lunch",
         "thu": "Thursday period 2", "fri": "Friday after school"}
SCHOOLS = ("North", "South", "East", "West")
LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)  # a 1-5 scale, as `engine_config` reads the shipped questionnaire


def teacher(tid: str, focus: str | None = "questioning", level: float | None = 0.5, *, times=("mon",),
            school: str | None = "North", observation: float | None = 1.0, wish: str | None = None,
            coach: bool | None = True, coached: bool | None = True, stage: str | None = None,
            experience: float | None = None, group: str | None = None, confidence: dict | None = None) -> dict:
    """One teacher as `diagnostic.services.partnerships.teacher_facts` would give them to the engine.

    `level` is the confidence in their own focus; `confidence` sets every focus at once instead.
    """
    levels = dict(confidence) if confidence is not None else ({focus: level} if focus else {})
    return {"id": tid, "name": tid.title(), "school": school, "group": group, "focus": focus,
            "focus_title": focus.title() if focus else None, "confidence": levels,
            "confidence_shown": {f: f"{round(v * 4) + 1} of 5" for f, v in levels.items() if v is not None},
            "availability": None if times is None else list(times), "times": [TIMES[x] for x in times or ()],
            "observation": observation, "wish": wish, "coach": coach, "coached": coached, "stage": stage,
            "experience": experience}


def random_cohort(seed: int, n: int, focuses: int = 3) -> list[dict]:
    """`n` teachers with random answers: some missing, a few without a focus, a mix of career stages.

    Every value sits on a grid (quarters, or shares of up to five times) so that
    mentoring scores are exact multiples of 1/240.
    """
    rng = random.Random(seed)
    offered = FOCUSES[:focuses]
    teachers = []
    for i in range(n):
        stage = rng.choice(("mentee", "mentee", "mentor", None))
        told = rng.random()  # one in ten gave no times at all, one in twenty an empty list
        teachers.append(teacher(
            f"t{i:04d}", rng.choice(offered) if rng.random() > 0.05 else None,
            times=None if told < 0.1 else () if told < 0.15 else rng.sample(sorted(TIMES), rng.randint(1, 4)),
            school=rng.choice((*SCHOOLS, None)), observation=rng.choice((*LEVELS, None)),
            wish=rng.choice(("same", "other", None, None)), coach=rng.choice((True, True, False, None)),
            coached=rng.choice((True, False, None)), stage=stage,
            experience=rng.choice((0.0, 0.5, 1.0, None)) if stage == "mentor" else None,
            group=rng.choice(("g1", "g2", "g3", None)),
            confidence={f: rng.choice((*LEVELS, None)) for f in offered}))
    rng.shuffle(teachers)  # the engine must not depend on the order it is given
    return teachers


def random_specialists(rng: random.Random, teachers: list[dict]) -> list[dict]:
    """Three specialists with random specialisms and places; one of them is a teacher of the cohort."""
    inside = rng.choice(teachers)["id"] if teachers else None
    return [{"id": f"s{k}", "name": f"Specialist {k}", "expertise": rng.sample(FOCUSES[:3], rng.randint(1, 2)),
             "capacity": rng.randint(1, 6), "places_used": rng.randint(0, 2), "respondent": inside if k == 0 else None}
            for k in range(3)]


def by_id(teachers: list[dict]) -> Cohort:
    return Cohort(sorted(teachers, key=lambda t: t["id"]), [])


def co_coaching_optimum(teachers: list[dict], options: dict, forbidden=(), solver: str = "networkx") -> tuple[int, int]:
    """(pairs, total of integer weights) of the best matching, solved from scratch over every allowed pair."""
    c = by_id(teachers)
    found, allowed = cocoaching.criteria(c, np.arange(len(c.teachers)), CONFIG["step"],
                                         options.get("school_rule", "any"))
    if not options.get("relax_focus"):
        allowed &= c.focus[:, None] == c.focus[None, :]
    for a, b in forbidden:
        allowed[c.index[a], c.index[b]] = allowed[c.index[b], c.index[a]] = False
    weights = CONFIG["weights"]["co_coaching"]
    whole = np.rint(sum(weights[k] * found[k] for k in cocoaching.CRITERIA) * cocoaching.SCALE).astype(int)
    edges = [(int(i), int(j), int(whole[i, j])) for i, j in np.argwhere(np.triu(allowed, 1))]
    if solver == "networkx":
        graph = nx.Graph()
        graph.add_weighted_edges_from(edges)
        matching = nx.max_weight_matching(graph, maxcardinality=True)
    else:
        graph = rx.PyGraph()
        graph.add_nodes_from(range(len(c.teachers)))
        graph.add_edges_from(edges)
        matching = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
    return len(matching), int(sum(whole[i, j] for i, j in matching))


def mentoring_optimum(teachers: list[dict], capacity: int, forbidden=(), rule: str = "any") -> tuple[int, float]:
    """(mentees placed, total score) of the best allocation, as a bipartite matching of mentees and places."""
    c = by_id(teachers)
    mentors = np.array([i for i, s in enumerate(c.stage) if s == "mentor"], dtype=int)
    mentees = np.array([i for i, s in enumerate(c.stage) if s == "mentee"], dtype=int)
    found, allowed = assignment.mentoring_criteria(c, mentors, mentees, CONFIG["strong"], rule)
    ruled_out = {frozenset(p) for p in forbidden}
    for r, k in np.argwhere(allowed):
        if frozenset((c.teachers[mentees[r]]["id"], c.teachers[mentors[k]]["id"])) in ruled_out:
            allowed[r, k] = False
    weights = CONFIG["weights"]["mentoring"]
    score = sum(weights[k] * found[k] for k in assignment.MENTORING) * 240
    exact = np.rint(score).astype(int)
    assert np.allclose(score, exact)  # whole numbers, so networkx works in exact arithmetic
    graph = nx.Graph()
    graph.add_weighted_edges_from(((("mentee", int(r)), ("place", int(k), place), int(exact[r, k]))
                                   for r, k in np.argwhere(allowed) for place in range(capacity)))
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    return len(matching), sum(graph.edges[e]["weight"] for e in matching) / 240


def members(result: dict) -> list[set[str]]:
    return [set(p["members"]) for p in result["pairs"]]


def reasons_of(result: dict, tid: str) -> str:
    return next(u["reason"] for u in result["unpaired"] if u["respondent"] == tid)


def random_rules(rng: random.Random, mode: str, teachers: list[dict], specialists: list[dict]) -> tuple[list, list]:
    """A few random locks (the kind the mode takes) and ruled-out pairs."""
    ids = sorted(t["id"] for t in teachers)
    if len(ids) < 2:
        return [], []
    forbidden = [rng.sample(ids, 2) for _ in range(len(ids) // 3)]
    if mode == "specialist":
        locked = [[rng.choice(specialists)["id"], rng.choice(ids)]]
    elif mode == "mentoring":
        mentors = sorted(t["id"] for t in teachers if t["stage"] == "mentor")
        mentees = sorted(t["id"] for t in teachers if t["stage"] == "mentee")
        locked = [[rng.choice(mentors), rng.choice(mentees)]] if mentors and mentees else []
    else:
        locked = [rng.sample(ids, 2) for _ in range(2)]
    return locked, forbidden


# --- optimality ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("seed", "n", "focuses", "rule", "relax", "ruled_out"), [
    (1, 200, 3, "any", False, 0),  # even
    (2, 199, 4, "cross_preferred", False, 40),  # odd
    (3, 151, 2, "same", False, 25),
    (4, 120, 3, "cross_required", True, 30),  # one graph for everyone
    (5, 57, 5, "any", True, 0),
    (6, 2, 1, "any", False, 0),
    (7, 3, 1, "cross_preferred", False, 0),
])
def test_co_coaching_finds_the_best_matching_networkx_finds(seed, n, focuses, rule, relax, ruled_out):
    teachers = random_cohort(seed, n, focuses)
    ids = sorted(t["id"] for t in teachers)
    forbidden = [random.Random(seed).sample(ids, 2) for _ in range(ruled_out)]
    options = {"school_rule": rule, "relax_focus": relax}
    result = propose("co-coaching", teachers, CONFIG, options=options, forbidden=forbidden)
    pairs, total = co_coaching_optimum(teachers, options, forbidden)
    assert len(result["pairs"]) == pairs  # as many partnerships as possible (a trio grows out of one pair)
    assert result["matching_total"] == round(total / cocoaching.SCALE, 3)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), rule=st.sampled_from(SCHOOL_RULES),
       relax=st.booleans())
def test_co_coaching_is_optimal_on_small_random_cohorts(seed, n, rule, relax):
    teachers = random_cohort(seed, n, focuses=2)
    options = {"school_rule": rule, "relax_focus": relax}
    result = propose("co-coaching", teachers, CONFIG, options=options)
    pairs, total = co_coaching_optimum(teachers, options)
    assert (len(result["pairs"]), result["matching_total"]) == (pairs, round(total / cocoaching.SCALE, 3))


def test_as_many_teachers_as_possible_are_paired_even_if_one_excellent_pair_scores_more():
    # A path a-b-c-d (times keep everyone else apart): b-c alone scores 10, a-b plus c-d only 9.
    ends = {"observation": 0.0, "coach": False, "coached": False}
    teachers = [teacher("a", "feedback", 1.0, times=("mon",), **ends), teacher("b", level=0.25, times=("mon", "tue")),
                teacher("c", level=0.0, times=("tue", "wed")), teacher("d", "feedback", 1.0, times=("wed",), **ends)]
    result = propose("co-coaching", teachers, CONFIG, options={"relax_focus": True})
    assert members(result) == [{"a", "b"}, {"c", "d"}]
    assert (result["unpaired"], result["matching_total"]) == ([], 9.0)


def test_the_reference_solvers_agree_with_each_other():
    teachers = random_cohort(21, 90, focuses=2)
    options = {"school_rule": "cross_preferred", "relax_focus": True}
    assert co_coaching_optimum(teachers, options) == co_coaching_optimum(teachers, options, solver="rustworkx")


@pytest.mark.parametrize(("seed", "n", "capacity", "rule"), [
    (31, 160, 2, "any"),  # about 40 mentors, 80 mentees: places for everyone who can be matched
    (32, 120, 1, "cross_preferred"),  # fewer places than mentees
    (33, 90, 3, "same"),
    (34, 200, 2, "cross_required"),
])
def test_mentoring_finds_the_best_allocation(seed, n, capacity, rule):
    teachers = random_cohort(seed, n)
    ids = sorted(t["id"] for t in teachers)
    forbidden = [random.Random(seed).sample(ids, 2) for _ in range(n // 4)]
    result = propose("mentoring", teachers, CONFIG, options={"capacity": capacity, "school_rule": rule},
                     forbidden=forbidden)
    placed, total = mentoring_optimum(teachers, capacity, forbidden, rule)
    assert len(result["pairs"]) == placed
    # Distinct totals differ by at least 1/240, so this tolerance (rounding only) cannot hide a worse allocation.
    assert abs(result["matching_total"] - total) <= 0.0005 + 1e-9


def test_when_mentor_places_run_out_the_closest_matches_get_them():
    mentor = teacher("mia", level=1.0, times=("mon", "tue"), stage="mentor", experience=1.0)
    close = [teacher(x, times=("mon", "tue"), stage="mentee") for x in ("ana", "ben")]
    further = teacher("cal", times=("mon", "wed"), stage="mentee")  # one time in common out of two
    result = propose("mentoring", [further, *close, mentor], CONFIG)  # the shipped capacity is 2
    assert members(result) == [{"mia", "ana"}, {"mia", "ben"}]
    assert [u["respondent"] for u in result["unpaired"]] == ["cal"]
    assert reasons_of(result, "cal").startswith("More mentees than mentor places")


def test_many_more_mentees_than_places_fills_every_place_with_the_best():
    teachers = random_cohort(35, 240)
    mentors = [t for t in teachers if t["stage"] == "mentor"]
    for t in mentors:  # every mentor can take anyone, so places, not fit, are what runs out
        t.update(coach=True, availability=None, confidence=dict.fromkeys(FOCUSES, 1.0))
    result = propose("mentoring", teachers, CONFIG, options={"capacity": 1})
    placed, total = mentoring_optimum(teachers, 1)
    mentees = [t for t in teachers if t["stage"] == "mentee"]
    assert len(result["pairs"]) == placed == len(mentors) < len(mentees)
    assert abs(result["matching_total"] - total) <= 0.0005 + 1e-9
    assert len(result["unpaired"]) == len(mentees) - len(mentors)
    assert all(u["reason"].startswith("More mentees than mentor places") for u in result["unpaired"])


# --- co-coaching rules ---------------------------------------------------------------------------------------

def test_forbidden_pairs_are_never_proposed_even_when_they_are_the_best_pair():
    ana, ben = teacher("ana", level=0.5), teacher("ben", level=0.75)  # the only pair one step apart
    cal, dev = teacher("cal", level=0.0), teacher("dev", level=0.0)
    result = propose("co-coaching", [ana, ben, cal, dev], CONFIG)
    assert {"ana", "ben"} in members(result)
    result = propose("co-coaching", [ana, ben, cal, dev], CONFIG, forbidden=[["ben", "ana"]])
    assert all(not {"ana", "ben"} <= m for m in members(result))
    assert len(result["pairs"]) == 2


def test_a_locked_pair_is_kept_as_locked_and_everyone_else_is_reoptimised():
    teachers = random_cohort(41, 60, focuses=2)
    free = propose("co-coaching", teachers, CONFIG)
    apart = [free["pairs"][0]["members"][0], free["pairs"][1]["members"][0]]  # not partners when unlocked
    result = propose("co-coaching", teachers, CONFIG, locked=[apart])
    locked = [p for p in result["pairs"] if p["locked"]]
    assert [p["members"] for p in locked] == [apart]
    assert locked[0]["reasons"][0] == "Locked by the coordinator."
    assert not any(p["locked"] for p in result["pairs"] if p not in locked)
    rest = [t for t in teachers if t["id"] not in apart]
    pairs, total = co_coaching_optimum(rest, {})
    assert (len(result["pairs"]) - 1, result["matching_total"]) == (pairs, round(total / cocoaching.SCALE, 3))


def test_a_locked_pair_that_is_also_ruled_out_is_dropped_with_a_note():
    teachers = [teacher("ana", level=0.5), teacher("ben", level=0.75), teacher("cal", level=0.5),
                teacher("dev", level=0.25)]
    result = propose("co-coaching", teachers, CONFIG, locked=[["ana", "ben"]], forbidden=[["ben", "ana"]])
    assert not any(p["locked"] for p in result["pairs"])
    assert all(not {"ana", "ben"} <= m for m in members(result))
    assert result["notes"] == ["A locked partnership contains a pair you ruled out; ruling out wins, so it was "
                               "dropped."]


def test_a_teacher_in_two_locks_keeps_the_first():
    teachers = [teacher(x) for x in ("ana", "ben", "cal", "dev")]
    result = propose("co-coaching", teachers, CONFIG, locked=[["ana", "ben"], ["cal", "ana"]])
    assert [p["members"] for p in result["pairs"] if p["locked"]] == [["ana", "ben"]]
    assert {"cal", "dev"} in members(result)
    assert result["notes"] == ["A teacher was in two locked partnerships; only the first was kept."]


@pytest.mark.parametrize(("mode", "lock", "note"), [
    ("co-coaching", ["ana", "zed"], "no longer in the cohort"),
    ("co-coaching", ["s0", "ana"], "no longer in the cohort"),  # a specialist is not a co-coaching peer
    ("mentoring", ["s0", "ana"], "no longer in the cohort"),
    ("specialist", ["ana", "ben"], "does not fit this kind of coaching"),  # a teacher cannot lead it
    ("specialist", ["s0", "s0"], "no longer in the cohort"),
])
def test_a_lock_that_cannot_apply_is_dropped_with_a_note(mode, lock, note):
    teachers = [teacher("ana", stage="mentee"), teacher("ben", level=1.0, stage="mentor")]
    specialists = [{"id": "s0", "name": "Sam", "expertise": ["questioning"], "capacity": 2}]
    result = propose(mode, teachers, CONFIG, locked=[lock], specialists=specialists)
    assert len(result["notes"]) == 1 and note in result["notes"][0]
    assert not any(p["locked"] for p in result["pairs"])


@pytest.mark.parametrize(("case", "teachers", "options", "forbidden", "why"), [
    ("no time in common", [teacher("ana", times=("mon",)), teacher("ben", times=("tue",))], {}, [],
     "No eligible partner among the 1 others working on questioning: 1 have no time in common with them."),
    ("school rule same", [teacher("ana", school="North"), teacher("ben", school="South")],
     {"school_rule": "same"}, [], "1 are ruled out by the school rule."),
    ("school rule cross required", [teacher("ana"), teacher("ben")], {"school_rule": "cross_required"}, [],
     "1 are ruled out by the school rule."),
    ("ruled out", [teacher("ana"), teacher("ben")], {}, [["ana", "ben"]], "1 are pairs you ruled out."),
    ("nobody else on the focus", [teacher("ana"), teacher("ben", "feedback")], {}, [],
     "No one else chose questioning."),
    ("no focus", [teacher("ana", None), teacher("ben")], {}, [], NO_FOCUS),
    ("alone in the cohort", [teacher("ana")], {}, [], "No one else chose questioning."),
])
def test_a_teacher_without_an_eligible_partner_is_told_why(case, teachers, options, forbidden, why):
    result = propose("co-coaching", teachers, CONFIG, options=options, forbidden=forbidden)
    assert result["pairs"] == []
    assert sorted(u["respondent"] for u in result["unpaired"]) == sorted(t["id"] for t in teachers)
    assert reasons_of(result, "ana").endswith(why)


def test_relaxing_the_focus_rule_pairs_teachers_on_different_focuses():
    teachers = [teacher("ana", "questioning"), teacher("ben", "feedback")]
    assert propose("co-coaching", teachers, CONFIG)["pairs"] == []
    result = propose("co-coaching", teachers, CONFIG, options={"relax_focus": True})
    assert members(result) == [{"ana", "ben"}]
    assert result["pairs"][0]["criteria"]["focus"] == 0.0


def four_in_two_schools(wish: str | None) -> list[dict]:
    """Two teachers in each school; every cross-school pair and every same-school pair is one step apart."""
    return [teacher("n1", level=0.5, school="North", wish=wish), teacher("n2", level=0.75, school="North", wish=wish),
            teacher("s1", level=0.5, school="South", wish=wish), teacher("s2", level=0.75, school="South", wish=wish)]


SAME_SCHOOL = [{"n1", "n2"}, {"s1", "s2"}]
CROSS = [{"n1", "s2"}, {"n2", "s1"}]


@pytest.mark.parametrize(("rule", "wish", "expected"), [
    ("any", "other", CROSS),  # nothing but the teachers' wishes decides
    ("any", "same", SAME_SCHOOL),
    ("same", "other", SAME_SCHOOL),  # the rule beats what the teachers asked for
    ("cross_required", "same", CROSS),
    ("cross_preferred", None, CROSS),
])
def test_school_rules_decide_or_tilt_who_is_paired(rule, wish, expected):
    result = propose("co-coaching", four_in_two_schools(wish), CONFIG, options={"school_rule": rule})
    assert sorted(members(result), key=sorted) == expected


def test_cross_school_is_only_preferred_so_one_school_still_pairs_unless_it_is_required():
    teachers = [teacher(x, level=level) for x, level in (("ana", 0.5), ("ben", 0.75), ("cal", 0.5), ("dev", 0.75))]
    preferred = propose("co-coaching", teachers, CONFIG, options={"school_rule": "cross_preferred"})
    assert len(preferred["pairs"]) == 2
    assert all(p["criteria"]["school"] == 0.0 for p in preferred["pairs"])
    required = propose("co-coaching", teachers, CONFIG, options={"school_rule": "cross_required"})
    assert required["pairs"] == [] and len(required["unpaired"]) == 4


@pytest.mark.parametrize(("n", "sizes"), [(3, [3]), (5, [2, 3]), (7, [2, 2, 3]), (4, [2, 2])])
def test_an_odd_teacher_out_joins_a_pair_as_a_trio(n, sizes):
    teachers = [teacher(f"t{i}", level=LEVELS[i % 5]) for i in range(n)]
    result = propose("co-coaching", teachers, CONFIG)
    assert sorted(len(p["members"]) for p in result["pairs"]) == sizes
    assert result["unpaired"] == []
    for pair in result["pairs"]:
        assert pair["reasons"][0].startswith("A trio:") == (len(pair["members"]) == 3)


PAIR_ONLY = ("Both", "Neither", "One of them", "either", "each other")


@pytest.mark.parametrize("levels", [(0.5, 0.5, 0.5), (0.25, 0.5, 1.0), (0.5, None, 0.75)])
@pytest.mark.parametrize("wishes", [(None, None, None), ("same", None, "other")])
def test_a_trio_is_described_as_three_people_in_every_sentence(levels, wishes):
    trio = [teacher(name, level=level, wish=wish, school=school, times=times)
            for name, level, wish, school, times in zip(("ana", "ben", "cal"), levels, wishes, SCHOOLS[:3],
                                                        (("mon", "tue"), ("mon",), ("mon", "wed")), strict=True)]
    for criterion, phrase in sentences.CO_COACHING.items():
        for said in phrase(trio, 0.5):
            assert not any(word in said for word in PAIR_ONLY), (criterion, said)
    assert sentences.CO_COACHING["focus"](trio, 1.0)[0].startswith("All three chose questioning")
    assert "“Monday after school”" in sentences.CO_COACHING["availability"](trio, 1.0)[0]
    pair = trio[:2]
    assert sentences.CO_COACHING["focus"](pair, 1.0)[0].startswith("Both chose questioning")


def test_a_proposed_trio_reads_all_three_not_both():
    teachers = [teacher(f"t{i}", level=0.5) for i in range(3)]
    (trio,) = propose("co-coaching", teachers, CONFIG)["pairs"]
    assert len(trio["members"]) == 3
    assert not any(r.startswith(("Both", "Neither")) for r in trio["reasons"])
    assert any(r.startswith("All three") for r in trio["reasons"])


def test_a_teacher_who_cannot_join_any_pair_is_left_out_rather_than_forced_into_a_trio():
    teachers = [teacher("ana", times=("mon",)), teacher("ben", times=("mon", "tue")), teacher("cal", times=("tue",))]
    result = propose("co-coaching", teachers, CONFIG)
    assert len(result["pairs"]) == 1 and len(result["pairs"][0]["members"]) == 2
    (left,) = result["unpaired"]
    assert left["respondent"] in ("ana", "cal")
    assert "no pair could take a third member" in left["reason"]


# --- mentoring and specialists -------------------------------------------------------------------------------

@pytest.mark.parametrize(("capacity", "placed"), [(1, 1), (3, 3), (5, 4)])
def test_a_mentor_takes_no_more_mentees_than_the_capacity_chosen(capacity, placed):
    teachers = [teacher("mia", level=1.0, stage="mentor", experience=1.0),
                *[teacher(f"m{i}", stage="mentee") for i in range(4)]]
    result = propose("mentoring", teachers, CONFIG, options={"capacity": capacity})
    assert len(result["pairs"]) == placed
    assert all(p["members"][0] == "mia" for p in result["pairs"])
    assert len(result["unpaired"]) == 4 - placed


@pytest.mark.parametrize(("mentor", "why"), [
    (teacher("mia", level=0.5, stage="mentor"), "No mentor is willing, strong in questioning"),  # not strong
    (teacher("mia", level=1.0, stage="mentor", coach=False), "No mentor is willing, strong in questioning"),
    (teacher("mia", level=1.0, stage="mentor", times=("tue",)), "No mentor is willing, strong in questioning"),
    (teacher("mia", level=1.0, stage=None), "No experienced colleague in the cohort can mentor yet."),
])
def test_a_mentee_without_a_suitable_mentor_is_told_why(mentor, why):
    result = propose("mentoring", [mentor, teacher("ana", stage="mentee")], CONFIG)
    assert result["pairs"] == []
    assert reasons_of(result, "ana").startswith(why)


def test_a_locked_mentoring_pair_is_kept_and_uses_one_of_the_mentors_places():
    teachers = [teacher("mia", level=1.0, stage="mentor"), teacher("ana", stage="mentee"),
                teacher("ben", stage="mentee"), teacher("cal", stage="mentee")]
    result = propose("mentoring", teachers, CONFIG, options={"capacity": 2}, locked=[["mia", "cal"]])
    assert [p["members"] for p in result["pairs"] if p["locked"]] == [["mia", "cal"]]
    assert len(result["pairs"]) == 2 and len(result["unpaired"]) == 1


def test_a_mentor_locked_with_two_mentees_keeps_both():
    teachers = [teacher("mia", level=1.0, stage="mentor"), teacher("ana", stage="mentee"),
                teacher("ben", stage="mentee")]
    result = propose("mentoring", teachers, CONFIG, locked=[["mia", "ana", "ben"]])
    assert [(p["members"], p["locked"]) for p in result["pairs"]] == [(["mia", "ana"], True), (["mia", "ben"], True)]
    assert result["unpaired"] == []


SPECIALISTS = [{"id": "sq", "name": "Sam", "expertise": ["questioning"], "capacity": 2},
               {"id": "sf", "name": "Fay", "expertise": ["feedback"], "capacity": 1}]


def test_specialists_take_only_teachers_in_their_specialism_up_to_their_places():
    teachers = [teacher("q1", level=0.0), teacher("q2", level=0.25), teacher("q3", level=1.0),
                teacher("f1", "feedback", 0.25), teacher("f2", "feedback", 0.75), teacher("m1", "modelling")]
    result = propose("specialist", teachers, CONFIG, specialists=SPECIALISTS)
    # Those least confident in their focus have most to gain, so they get the places.
    assert sorted(p["members"] for p in result["pairs"]) == [["sf", "f1"], ["sq", "q1"], ["sq", "q2"]]
    assert {u["respondent"]: u["reason"] for u in result["unpaired"]} == {
        "q3": "The specialists who cover questioning are full: their places went to closer matches.",
        "f2": "The specialists who cover feedback are full: their places went to closer matches.",
        "m1": "No specialist listed covers modelling."}


def test_specialists_by_group_take_whole_groups_up_to_their_places():
    teachers = [teacher("q1", level=0.0, group="g1"), teacher("q2", level=0.25, group="g1"),
                teacher("q3", level=1.0, group="g3"), teacher("f1", "feedback", group="g2"),
                teacher("f2", "feedback", group="g2")]
    specialists = [{**SPECIALISTS[0], "capacity": 1}, SPECIALISTS[1]]
    result = propose("specialist", teachers, CONFIG, options={"by": "group"}, specialists=specialists)
    assert sorted((p["group"], p["members"]) for p in result["pairs"]) == [("g1", ["sq", "q1", "q2"]),
                                                                           ("g2", ["sf", "f1", "f2"])]
    assert [u["respondent"] for u in result["unpaired"]] == ["q3"]


def test_an_internal_specialist_is_never_allocated_to_themselves():
    specialists = [{"id": "sq", "name": "Sam", "expertise": ["questioning"], "capacity": 5, "respondent": "q1"}]
    result = propose("specialist", [teacher("q1"), teacher("q2")], CONFIG, specialists=specialists)
    assert [p["members"] for p in result["pairs"]] == [["sq", "q2"]]
    assert reasons_of(result, "q1") == ("Every specialist who covers questioning is ruled out for them, or is one "
                                        "of them.")


# --- bad input -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "kwargs", "message"), [
    ("peer", {}, "unknown mode 'peer'"),
    ("co-coaching", {"options": {"school_rule": "nearby"}}, "unknown school rule 'nearby'"),
    ("co-coaching", {"options": {"schol_rule": "same"}}, "unknown option 'schol_rule'"),  # a typo is not ignored
    ("specialist", {"options": {"by": "class"}}, "by 'teacher' or by 'group'"),
    ("mentoring", {"options": {"capacity": "many"}}, "whole number of mentees"),
    ("mentoring", {"options": {"capacity": -1}}, "whole number of mentees"),
    ("mentoring", {"options": {"capacity": 0}}, "from 1 to 20"),
    ("specialist", {"specialists": [{"id": "s", "name": "Sam", "expertise": [], "capacity": 0}]}, "from 1 to 50"),
    ("specialist", {}, "no specialists are listed"),
])
def test_a_request_that_cannot_be_run_is_refused_with_a_pairing_error(mode, kwargs, message):
    with pytest.raises(PairingError, match=message):
        propose(mode, [teacher("ana"), teacher("ben")], CONFIG, **kwargs)


@pytest.mark.parametrize("teachers", [[teacher("ana"), teacher("ana", "feedback")], [{"name": "No id"}]])
def test_teachers_without_ids_of_their_own_are_refused(teachers):
    with pytest.raises(PairingError, match="id of their own"):
        propose("co-coaching", teachers, CONFIG)


def test_an_empty_cohort_gives_an_empty_proposal():
    for mode in ("co-coaching", "mentoring"):
        result = propose(mode, [], CONFIG)
        assert (result["pairs"], result["unpaired"], result["matching_total"]) == ([], [], 0.0)


# --- properties of every proposal ----------------------------------------------------------------------------

def check_proposal(result: dict, mode: str, teachers: list[dict], specialists: list[dict], forbidden: list,
                   capacity: int) -> None:
    """Everyone accounted for once, no rule broken, and every partnership explained."""
    t = {x["id"]: x for x in teachers}
    followers = [m for p in result["pairs"] for m in (p["members"] if mode == "co-coaching" else p["members"][1:])]
    listed = Counter(followers + [u["respondent"] for u in result["unpaired"]])
    if mode == "mentoring":  # mentors lead, and may lead several; only mentees are placed or left out
        expected = {x for x, v in t.items() if v["stage"] == "mentee"} | {p["members"][1] for p in result["pairs"]}
        leads = Counter(p["members"][0] for p in result["pairs"] if not p["locked"])
        assert all(t[m]["stage"] == "mentor" and n <= capacity for m, n in leads.items())
    else:
        expected = set(t)
    assert set(listed) == expected and set(listed.values()) <= {1}
    ruled_out = {frozenset(p) for p in forbidden}
    for pair in result["pairs"]:
        # A starting-point group goes to its specialist whole, so only the specialist is kept from ruled-out people.
        inside = pair["members"][:1] if "group" in pair else pair["members"]
        assert not any(frozenset((a, b)) in ruled_out for a in inside for b in pair["members"] if a != b)
        assert 1 <= len(pair["reasons"]) <= 4
        if pair["locked"]:
            continue
        if mode == "co-coaching":
            assert len(pair["members"]) in (2, 3)
            assert len({t[m]["focus"] for m in pair["members"]}) == 1 or result["options"]["relax_focus"]
        elif mode == "mentoring":
            mentor, mentee = (t[m] for m in pair["members"])
            assert mentor["coach"] is True
            assert mentee["focus"] is None or (mentor["confidence"].get(mentee["focus"]) or 0) >= CONFIG["strong"]
        else:
            lead = next(s for s in specialists if s["id"] == pair["members"][0])
            assert any(t[m]["focus"] in lead["expertise"] for m in pair["members"][1:])
            assert lead.get("respondent") not in pair["members"]
    if mode == "specialist":
        used = Counter(p["members"][0] for p in result["pairs"] if not p["locked"])
        assert all(used[s["id"]] <= max(0, s["capacity"] - s["places_used"]) for s in specialists)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 50), mode=st.sampled_from(MODES),
       rule=st.sampled_from(SCHOOL_RULES), relax=st.booleans(), by=st.sampled_from(("teacher", "group")),
       capacity=st.integers(1, 3))
def test_every_teacher_is_placed_once_or_told_why_in_every_mode(seed, n, mode, rule, relax, by, capacity):
    rng = random.Random(seed)
    teachers = random_cohort(seed, n)
    specialists = random_specialists(rng, teachers)
    locked, forbidden = random_rules(rng, mode, teachers, specialists)
    options = {"school_rule": rule, "relax_focus": relax, "by": by, "capacity": capacity}
    result = propose(mode, teachers, CONFIG, options=options, locked=locked, forbidden=forbidden,
                     specialists=specialists)
    check_proposal(result, mode, teachers, specialists, forbidden, capacity)
    assert all(u["reason"] for u in result["unpaired"])


@pytest.mark.parametrize("mode", MODES)
def test_the_same_teachers_in_any_order_give_the_same_proposal(mode):
    teachers = random_cohort(51, 80)
    rng = random.Random(51)
    specialists = random_specialists(rng, teachers)
    locked, forbidden = random_rules(rng, mode, teachers, specialists)
    runs = [propose(mode, order, CONFIG, options={"school_rule": "cross_preferred"}, locked=locked,
                    forbidden=forbidden, specialists=specialists)
            for order in (teachers, list(teachers), teachers[::-1], sorted(teachers, key=lambda t: t["name"]))]
    assert runs[0]["pairs"] and all(run == runs[0] for run in runs[1:])


@pytest.mark.parametrize(("ahead", "behind"), [("ann", "bea"), ("bea", "ann")])
def test_a_pair_one_step_apart_is_told_who_is_a_step_ahead(ahead, behind):
    result = propose("co-coaching", [teacher(ahead, level=0.75), teacher(behind, level=0.5)], CONFIG)
    (pair,) = result["pairs"]
    assert pair["criteria"]["confidence"] == 1.0
    assert (f"{ahead.title()} is a step ahead in questioning (4 of 5 against 3 of 5), so each has something to "
            "offer the other.") in pair["reasons"]


def test_mentoring_a_cohort_where_no_one_chose_a_focus_says_why_rather_than_crashing():
    alone = teacher("ana", focus=None, level=None, stage="mentee")
    result = propose("mentoring", [alone], CONFIG)
    assert result["pairs"] == [] and result["unpaired"][0]["reason"]
