"""A cohort's partnerships: facts read from responses, the coordinator's rules, proposals, confirming and undoing."""

from __future__ import annotations

import pytest

from diagnostic.engines.pairing import PairingError
from diagnostic.services import partnerships
from diagnostic.services.choice import ChoiceLocked, choose
from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import submitted_response

pytestmark = pytest.mark.both_backends  # on the TinyDB store and on PostgreSQL (tests/conftest.py)

BASE = {"consent": "yes", "focus_choice": ["questioning", "feedback", "metacognition"], "availability": ["lunchtime"],
        "observation_comfort": 4, "coaching_role": "both", "career_stage": "established",
        **{f"confidence_{f}": 3 for f in ("questioning", "feedback", "metacognition")}}


@pytest.fixture
def definition(store, cohort):
    return published_definition(store, cohort["form_id"], cohort["form_version"])


def add(store, cohort, definition, name, school="Ashfield", **answers):
    """One submitted teacher with the given answers over a plain base."""
    record = submitted_response(cohort, definition, {**BASE, "teacher_name": name, **answers}, name.lower(), school)
    store.add_responses(cohort["id"], [record])
    return record


def test_facts_are_read_from_the_answers_the_pairing_section_names(store, cohort, definition):
    record = add(store, cohort, definition, "Amira Patel", confidence_questioning=5, observation_comfort=2,
                 partner_school="other_school", coaching_role="be_coached", career_stage="early_career")
    facts = partnerships.teacher_facts(definition, record, group="B")
    assert facts["name"] == "Amira Patel" and facts["school"] == "Ashfield" and facts["group"] == "B"
    assert (facts["focus"], facts["focus_title"]) == ("questioning", "Questioning")
    assert facts["confidence"]["questioning"] == 1.0 and facts["confidence_shown"]["questioning"] == "5 of 5"
    assert facts["confidence"]["feedback"] == 0.5
    assert facts["availability"] == ["lunchtime"] and facts["times"] == ["Lunchtime"]
    assert facts["observation"] == 0.25 and facts["wish"] == "other"
    assert (facts["coach"], facts["coached"], facts["stage"]) == (False, True, "mentee")


def test_a_teacher_who_skipped_the_coaching_page_is_unknown_not_unwilling(store, cohort, definition):
    record = add(store, cohort, definition, "Ben Jones")
    for key in ("availability", "observation_comfort", "coaching_role", "career_stage", "teacher_name"):
        record["answers"].pop(key)
    facts = partnerships.teacher_facts(definition, record)
    assert facts["availability"] is None and facts["observation"] is None
    assert facts["coach"] is None and facts["coached"] is None and facts["stage"] is None
    assert facts["name"] == "Teacher ben jones"  # the reference stands in for a missing name


def test_a_proposal_is_stored_and_locks_survive_a_rerun(store, cohort, definition):
    people = [add(store, cohort, definition, n) for n in ("Amy", "Bea", "Cal", "Dan")]
    first = partnerships.run(store, cohort, "co-coaching")
    assert store.pairing_state(cohort["id"], "co-coaching")["proposal"]["id"] == first["id"]
    a, b, c, d = (p["id"] for p in people)
    partnerships.lock(store, cohort, "co-coaching", [a, d])
    again = partnerships.run(store, cohort, "co-coaching")
    pairs = {frozenset(p["members"]): p for p in again["pairs"]}
    assert pairs[frozenset((a, d))]["locked"] and pairs[frozenset((b, c))]["locked"] is False
    # Moving Amy to Bea replaces the lock that held Amy.
    partnerships.lock(store, cohort, "co-coaching", [a, b])
    assert store.pairing_state(cohort["id"], "co-coaching")["locked"] == [[a, b]]


def test_ruling_out_a_locked_pair_releases_the_lock_and_it_cannot_be_locked_again(store, cohort, definition):
    a, b = (add(store, cohort, definition, n)["id"] for n in ("Amy", "Bea"))
    partnerships.lock(store, cohort, "co-coaching", [a, b])
    assert partnerships.forbid(store, cohort, a, b) is True
    assert store.pairing_state(cohort["id"], "co-coaching")["locked"] == []
    with pytest.raises(PairingError, match="ruled out"):
        partnerships.lock(store, cohort, "co-coaching", [b, a])
    proposal = partnerships.run(store, cohort, "co-coaching")
    assert proposal["pairs"] == [] and {u["respondent"] for u in proposal["unpaired"]} == {a, b}
    partnerships.allow(store, cohort, b, a)
    assert [set(p["members"]) for p in partnerships.run(store, cohort, "co-coaching")["pairs"]] == [{a, b}]


def test_confirming_stores_partnerships_settles_focus_and_leaves_them_out_of_the_next_run(store, cohort, definition):
    people = [add(store, cohort, definition, n) for n in ("Amy", "Bea", "Cal")]
    proposal = partnerships.run(store, cohort, "co-coaching")
    made = partnerships.confirm(store, cohort, "co-coaching", proposal["id"])
    assert [sorted(p["members"]) for p in made] == [sorted(r["id"] for r in people)]  # a trio: three teachers
    assert made[0]["agreement"]["form"] == ["learning_agreement", "1"]
    for r in people:
        stored = store.get_response(cohort["id"], r["id"])
        assert stored["pair"] == {"status": "confirmed", "partnerships": {"co-coaching": made[0]["id"]}}
        with pytest.raises(ChoiceLocked):
            choose(stored, ["feedback"], None, "", offered={"feedback"}, limit=1, pupil_groups=set())
    assert store.pairing_state(cohort["id"], "co-coaching")["proposal"] is None
    with pytest.raises(PairingError, match="already in a confirmed partnership"):
        partnerships.run(store, cohort, "co-coaching")


def test_a_stale_confirm_stores_nothing(store, cohort, definition):
    for n in ("Amy", "Bea"):
        add(store, cohort, definition, n)
    old = partnerships.run(store, cohort, "co-coaching")
    partnerships.run(store, cohort, "co-coaching")
    with pytest.raises(partnerships.StaleProposal):
        partnerships.confirm(store, cohort, "co-coaching", old["id"])
    assert store.list_partnerships(cohort["id"]) == []
    assert all(r.get("pair") is None for r in store.list_responses(cohort["id"]))


def test_undoing_a_confirmation_frees_the_teachers(store, cohort, definition):
    a, b = (add(store, cohort, definition, n)["id"] for n in ("Amy", "Bea"))
    made = partnerships.confirm(store, cohort, "co-coaching", partnerships.run(store, cohort, "co-coaching")["id"])
    partnerships.dissolve(store, cohort, made[0]["id"])
    assert partnerships.confirmed(store, cohort) == []
    assert store.get_response(cohort["id"], a)["pair"] == {"status": "open", "partnerships": {}}
    assert [set(p["members"]) for p in partnerships.run(store, cohort, "co-coaching")["pairs"]] == [{a, b}]


def test_mentoring_and_specialists_from_the_store(store, cohort, definition):
    mentee = add(store, cohort, definition, "New Teacher", career_stage="early_career", coaching_role="be_coached")
    mentor = add(store, cohort, definition, "Old Hand", career_stage="experienced", confidence_questioning=5)
    proposal = partnerships.run(store, cohort, "mentoring")
    assert [p["members"] for p in proposal["pairs"]] == [[mentor["id"], mentee["id"]]]
    with pytest.raises(PairingError, match="no specialists"):
        partnerships.run(store, cohort, "specialist")
    store.update_cohort(cohort["id"], lambda c: {**c, "specialists": [
        {"id": "s-1", "name": "Dr Quest", "kind": "specialist", "expertise": ["questioning"], "capacity": 1}]})
    cohort = store.get_cohort(cohort["id"])
    proposal = partnerships.run(store, cohort, "specialist")
    assert len(proposal["pairs"]) == 1 and proposal["pairs"][0]["members"][0] == "s-1"
    assert len(proposal["unpaired"]) == 1 and "full" in proposal["unpaired"][0]["reason"]
    made = partnerships.confirm(store, cohort, "specialist", proposal["id"])
    assert made[0]["agreement"] is None  # specialist coaching has no peer learning agreement
    # Dr Quest's one place is filled: the next run has no place for the other teacher.
    again = partnerships.run(store, cohort, "specialist")
    assert again["pairs"] == [] and "full" in again["unpaired"][0]["reason"]


def test_a_mentor_keeps_their_unfilled_places_after_a_confirmation(store, cohort, definition):
    mentor = add(store, cohort, definition, "Old Hand", career_stage="experienced", confidence_questioning=5)
    first = add(store, cohort, definition, "New One", career_stage="early_career")
    made = partnerships.confirm(store, cohort, "mentoring", partnerships.run(store, cohort, "mentoring")["id"])
    assert made[0]["members"] == [mentor["id"], first["id"]]
    second = add(store, cohort, definition, "New Two", career_stage="trainee")
    third = add(store, cohort, definition, "New Three", career_stage="trainee")
    proposal = partnerships.run(store, cohort, "mentoring")  # capacity 2: one place left
    assert [p["members"][0] for p in proposal["pairs"]] == [mentor["id"]]
    assert {u["respondent"] for u in proposal["unpaired"]} | {proposal["pairs"][0]["members"][1]} == \
        {second["id"], third["id"]}


def test_a_proposal_that_breaks_a_rule_made_since_cannot_be_confirmed(store, cohort, definition):
    a, b = (add(store, cohort, definition, n)["id"] for n in ("Amy", "Bea"))
    proposal = partnerships.run(store, cohort, "co-coaching")
    partnerships.forbid(store, cohort, a, b)
    with pytest.raises(partnerships.StaleProposal, match="ruled out"):
        partnerships.confirm(store, cohort, "co-coaching", proposal["id"])
    assert store.list_partnerships(cohort["id"]) == []


@pytest.mark.parametrize("call", [
    lambda store, cohort, a: partnerships.lock(store, cohort, "co-coaching", [a, "nobody"]),
    lambda store, cohort, a: partnerships.forbid(store, cohort, "nobody", a),
    lambda store, cohort, a: partnerships.lock(store, cohort, "specialist", [a, a + "x"]),
    lambda store, cohort, a: partnerships.dissolve(store, cohort, "no-such-partnership"),
    lambda store, cohort, a: partnerships.remove_specialist(store, cohort, "s-none"),
])
def test_unknown_people_and_partnerships_are_refused_and_change_nothing(store, cohort, definition, call):
    a = add(store, cohort, definition, "Amy")["id"]
    with pytest.raises(PairingError):
        call(store, cohort, a)
    assert store.pairing_state(cohort["id"], "co-coaching") == {"mode": "co-coaching"}
    assert store.pairing_state(cohort["id"], "all") == {"mode": "all"}


def test_specialists_by_group_need_a_grouped_cohort(store, cohort, definition):
    add(store, cohort, definition, "Amy")
    store.update_cohort(cohort["id"], lambda c: {**c, "specialists": [
        {"id": "s-1", "name": "Dr Quest", "kind": "specialist", "expertise": ["questioning"], "capacity": 1}]})
    with pytest.raises(PairingError, match="not been grouped"):
        partnerships.run(store, store.get_cohort(cohort["id"]), "specialist", {"by": "group"})


@pytest.mark.parametrize(("mode", "message"), [("co-coaching", "no submitted teachers"),
                                               ("pairs", "unknown mode")])
def test_nothing_to_pair_is_a_clear_error(store, cohort, mode, message):
    with pytest.raises(PairingError, match=message):
        partnerships.run(store, cohort, mode)


def test_a_partnership_needs_two_different_people(store, cohort, definition):
    a = add(store, cohort, definition, "Amy")["id"]
    with pytest.raises(PairingError):
        partnerships.lock(store, cohort, "co-coaching", [a, a])
    with pytest.raises(PairingError):
        partnerships.forbid(store, cohort, a, a)


def test_a_mentor_with_two_mentees_stays_settled_when_one_partnership_is_undone(store, cohort, definition):
    mentor = add(store, cohort, definition, "Old Hand", career_stage="experienced", confidence_questioning=5)
    for name in ("New One", "New Two"):
        add(store, cohort, definition, name, career_stage="early_career")
    made = partnerships.confirm(store, cohort, "mentoring", partnerships.run(store, cohort, "mentoring")["id"])
    assert len(made) == 2 and all(p["members"][0] == mentor["id"] for p in made)
    partnerships.dissolve(store, cohort, made[0]["id"])
    assert store.get_response(cohort["id"], mentor["id"])["pair"] == {
        "status": "confirmed", "partnerships": {"mentoring": made[1]["id"]}}
    freed = store.get_response(cohort["id"], made[0]["members"][1])
    assert freed["pair"]["status"] == "open"


def test_an_internal_expert_is_listed_once_and_only_as_one(store, cohort, definition):
    teacher = add(store, cohort, definition, "Chloe Fraser")
    partnerships.add_specialist(store, cohort, "Chloe Fraser", "internal", ["questioning"], 2, teacher["id"])
    # `cohort` is the record as read before the first was added (a second tab): the service reads it afresh.
    with pytest.raises(partnerships.ExpertRefused, match="already listed as an internal expert"):
        partnerships.add_specialist(store, cohort, "Chloe F.", "internal", ["feedback"], 2, teacher["id"])
    other = add(store, cohort, definition, "Dev Singh")
    with pytest.raises(partnerships.ExpertRefused, match="only an internal expert is one of the cohort's teachers"):
        partnerships.add_specialist(store, cohort, "Dev Singh", "specialist", ["feedback"], 2, other["id"])
    assert [s["name"] for s in partnerships.specialists(store.get_cohort(cohort["id"]))] == ["Chloe Fraser"]


def test_the_coordinators_run_refuses_a_cohort_that_cannot_be_paired(store, cohort, definition):
    add(store, cohort, definition, "Amy")
    with pytest.raises(partnerships.NotPairable, match="only one teacher"):
        partnerships.run_if_pairable(store, cohort, "co-coaching", {"school_rule": "any"})
    assert store.pairing_state(cohort["id"], "co-coaching").get("proposal") is None
    add(store, cohort, definition, "Bea")
    proposal = partnerships.run_if_pairable(store, cohort, "co-coaching", {"school_rule": "any"})
    assert store.pairing_state(cohort["id"], "co-coaching")["proposal"]["id"] == proposal["id"]
