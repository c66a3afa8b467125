"""`diagnostic specialists add --account` and `diagnostic specialists link`: a listed specialist's sign-in account."""

from __future__ import annotations

import pytest

from diagnostic.services.accounts import create_user


@pytest.fixture
def people(store, cohort):
    return {"rao": create_user(store, "rao@example.org", "specialist", [cohort["id"]]),
            "coord": create_user(store, "coord@example.org", "coordinator", [cohort["id"]]),
            "far": create_user(store, "far@example.org", "specialist", [])}


def listed(store, cohort):
    return store.get_cohort(cohort["id"]).get("specialists") or []


def test_add_with_an_account_links_it_and_link_changes_it(invoke, store, cohort, people):
    added = invoke("specialists", "add", "--cohort", cohort["id"], "--name", "Dr Rao", "--focus", "feedback",
                   "--account", "RAO@example.org ")
    assert added.exit_code == 0, added.output
    (rao,) = listed(store, cohort)
    assert rao["id"] == added.output.strip() and rao["account"] == people["rao"]["id"]
    unlinked = invoke("specialists", "link", "--cohort", cohort["id"], rao["id"], "--unlink")
    assert unlinked.exit_code == 0 and "account" not in listed(store, cohort)[0]
    linked = invoke("specialists", "link", "--cohort", cohort["id"], rao["id"], "--account", "rao@example.org")
    assert linked.exit_code == 0 and "Linked" in linked.output
    assert listed(store, cohort)[0]["account"] == people["rao"]["id"]


@pytest.mark.parametrize(("args", "says"), [
    (["--account", "nobody@example.org"], "there is no account for nobody@example.org"),
    (["--account", "coord@example.org"], "only a specialist account"),
    (["--account", "far@example.org"], "not assigned to this cohort"),
    (["--account", "rao@example.org", "--internal"], "internal expert"),
])
def test_add_with_a_wrong_account_adds_no_one(invoke, store, cohort, people, args, says):
    refused = invoke("specialists", "add", "--cohort", cohort["id"], "--name", "Dr Rao", "--focus", "feedback", *args)
    assert refused.exit_code != 0 and says in refused.output
    assert listed(store, cohort) == []


@pytest.mark.parametrize(("args", "says"), [
    (["s-rao", "--account", "coord@example.org"], "only a specialist account"),
    (["s-nobody", "--account", "rao@example.org"], "no specialist with that id"),
    (["s-rao"], "give either --account EMAIL or --unlink"),
    (["s-rao", "--account", "rao@example.org", "--unlink"], "give either --account EMAIL or --unlink"),
])
def test_a_bad_link_changes_nothing(invoke, store, cohort, people, args, says):
    rao = {"id": "s-rao", "name": "Dr Rao", "kind": "specialist", "expertise": ["feedback"], "capacity": 2}
    store.update_cohort(cohort["id"], lambda c: {**c, "specialists": [rao]})
    refused = invoke("specialists", "link", "--cohort", cohort["id"], *args)
    assert refused.exit_code != 0 and says in refused.output
    assert listed(store, cohort) == [rao]
