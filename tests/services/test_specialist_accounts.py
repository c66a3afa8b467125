"""Linking a listed specialist to a specialist account of the cohort, and which partnerships that opens."""

from __future__ import annotations

import pytest

from diagnostic.services import specialist_accounts
from diagnostic.services.accounts import create_user
from diagnostic.services.cohorts import create_cohort
from diagnostic.services.specialist_accounts import LinkRefused

RAO = {"id": "s-rao", "name": "Dr Rao", "kind": "specialist", "expertise": ["feedback"], "capacity": 2}
GUS = {"id": "s-gus", "name": "Gus", "kind": "internal", "expertise": ["feedback"], "capacity": 1}


@pytest.fixture
def listed(store, cohort):
    store.update_cohort(cohort["id"], lambda c: {**c, "specialists": [RAO, GUS]})
    return store.get_cohort(cohort["id"])


@pytest.fixture
def accounts(store, cohort, listed, shipped):
    other = create_cohort(store, shipped, "Other", ["Castle"], cohort_id="other")
    return {"here": create_user(store, "rao@example.org", "specialist", [cohort["id"]]),
            "elsewhere": create_user(store, "far@example.org", "specialist", [other["id"]]),
            "coordinator": create_user(store, "coord@example.org", "coordinator", [cohort["id"]])}


def test_a_specialist_account_of_the_cohort_is_offered_and_linked(store, cohort, listed, accounts):
    assert [u["email"] for u in specialist_accounts.cohort_accounts(store, listed)] == ["rao@example.org"]
    specialist_accounts.link_account(store, listed, "s-rao", accounts["here"]["id"])
    now = store.get_cohort(cohort["id"])
    assert specialist_accounts.linked_to(now, accounts["here"]["id"]) == {"s-rao": {**RAO, "account":
                                                                                   accounts["here"]["id"]}}
    specialist_accounts.link_account(store, now, "s-rao", None)  # unlinking
    assert "account" not in store.get_cohort(cohort["id"])["specialists"][0]


@pytest.mark.parametrize(("specialist", "account", "says"), [
    ("s-rao", "no-such-account", "no such sign-in account"),
    ("s-rao", "coordinator", "only a specialist account"),
    ("s-rao", "elsewhere", "not assigned to this cohort"),
    ("s-nobody", "here", "no specialist with that id"),
    ("s-gus", "here", "internal experts are teachers"),
])
def test_a_link_that_cannot_be_is_refused_and_nothing_changes(store, cohort, listed, accounts, specialist, account,
                                                               says):
    user_id = accounts[account]["id"] if account in accounts else account
    with pytest.raises(LinkRefused, match=says):
        specialist_accounts.link_account(store, listed, specialist, user_id)
    assert store.get_cohort(cohort["id"])["specialists"] == [RAO, GUS]


def test_adding_with_a_wrong_account_adds_no_one(store, cohort, listed, accounts):
    with pytest.raises(LinkRefused, match="only a specialist account"):
        specialist_accounts.add_linked(store, listed, "Dr New", "specialist", ["feedback"], 2,
                                       account=accounts["coordinator"]["id"])
    with pytest.raises(LinkRefused, match="internal expert"):
        specialist_accounts.add_linked(store, listed, "Dr New", "internal", ["feedback"], 2,
                                       account=accounts["here"]["id"])
    assert store.get_cohort(cohort["id"])["specialists"] == [RAO, GUS]
    added = specialist_accounts.add_linked(store, listed, "Dr New", "specialist", ["feedback"], 2,
                                           account=accounts["here"]["id"])
    assert added["account"] == accounts["here"]["id"]


def test_only_the_specialist_partnerships_of_the_linked_specialist_are_led(store, cohort, listed, accounts):
    user = accounts["here"]["id"]
    specialist_accounts.link_account(store, listed, "s-rao", user)
    store.add_partnerships(cohort["id"], [
        {"id": "p1", "mode": "specialist", "status": "confirmed", "members": ["s-rao", "t1"], "names": ["Dr Rao", "T"]},
        {"id": "p2", "mode": "specialist", "status": "withdrawn", "members": ["s-rao", "t2"]},
        {"id": "p3", "mode": "specialist", "status": "confirmed", "members": ["s-gus", "t3"]},
        {"id": "p4", "mode": "co-coaching", "status": "confirmed", "members": ["t4", "t5"]}])
    now = store.get_cohort(cohort["id"])
    assert [p["id"] for p, _ in specialist_accounts.led_by(store, now, user)] == ["p1"]
    assert specialist_accounts.find_led(store, now, user, "p3") is None
    assert specialist_accounts.find_led(store, now, accounts["elsewhere"]["id"], "p1") is None
