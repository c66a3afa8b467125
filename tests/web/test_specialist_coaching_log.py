"""Specialists in the coaching log through the real pages: the coordinator links a listed specialist to their
sign-in account; that account lists, reads and writes in the logs of the partnerships they coach, and the
teachers read its entries in their own log. Anyone else gets 404 (another specialist) or 403 (an admin)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from conftest import sign_in_as
from pages import visible_text

from diagnostic.services import partnerships
from tests.web.test_partner import SCRIPT, as_teacher, build, csrf

TODAY = date.today().isoformat()
RAO = {"id": "s-rao", "name": "Dr Rao", "kind": "specialist", "expertise": ["feedback"], "capacity": 2}


@pytest.fixture
def coached(app, store, cohort):
    """The two co-coaching pairs of test_partner, and Eve coached by Dr Rao in a confirmed specialist partnership."""
    paired = build(app, store, cohort)
    store.update_cohort(cohort["id"], lambda c: {**c, "specialists": [RAO]})
    current = store.get_cohort(cohort["id"])
    partnerships.lock(store, current, "specialist", ["s-rao", paired["ids"]["Eve"]])
    with app.app_context():
        made = partnerships.confirm(store, current, "specialist",
                                    partnerships.run(store, current, "specialist")["id"])
    return {**paired, "led": next(p["id"] for p in made if p["members"][0] == "s-rao")}


def as_specialist(app, store, cohort, linked: bool = True):
    """A browser signed in as a specialist of the cohort, linked to Dr Rao or not."""
    client = app.test_client()
    user = sign_in_as(client, app, "specialist", [cohort["id"]])
    if linked:
        store.update_cohort(cohort["id"], lambda c: {**c, "specialists": [{**RAO, "account": user["id"]}]})
    return client


def url(cohort, pid: str = "", entry: str = "") -> str:
    return "/".join(part for part in (f"/specialist/cohorts/{cohort['id']}/coaching", pid, entry) if part)


def write(client, cohort, pid, **fields):
    page = client.get(url(cohort, pid)).text
    return client.post(url(cohort, pid), data={"csrf_token": csrf(page), "on": TODAY, **fields})


def test_a_linked_specialist_lists_their_partnerships_and_writes_an_observation_the_teacher_reads(
        app, store, cohort, coached):
    rao = as_specialist(app, store, cohort)
    assert "Coaching logs of the partnerships you coach" in visible_text(rao.get(
        f"/specialist/cohorts/{cohort['id']}/").text)
    listing = rao.get(url(cohort))
    assert listing.status_code == 200
    text = visible_text(listing.text)
    assert "Eve" in text and "Amy" not in text and "1 partnership you coach" in text
    saved = write(rao, cohort, coached["led"], kind="observation", strategy=f"Comment-only marking {SCRIPT}",
                  pupils="They redrafted", prior_knowledge="")
    assert saved.status_code == 302
    log = rao.get(url(cohort, coached["led"]))
    assert log.status_code == 200 and "Comment-only marking" in visible_text(log.text)
    assert SCRIPT not in log.text and "&lt;script&gt;" in log.text
    (entry,) = store.log_entries(cohort["id"])
    assert entry["author"] == {"id": "s-rao", "name": "Dr Rao", "role": "specialist"}
    eve = as_teacher(app, coached, "Eve").get(f"/questionnaire/log/{coached['led']}")
    assert eve.status_code == 200
    assert "Written by Dr Rao" in visible_text(eve.text) and "Comment-only marking" in visible_text(eve.text)
    assert SCRIPT not in eve.text


@pytest.mark.parametrize(("fields", "status"), [
    ({"kind": "planning", "notes": "x"}, 422),  # a specialist writes observations and feedback only
    ({"kind": "review", "notes": "x"}, 422),
    ({"kind": "feedback", "notes": "x" * 2001}, 422),
    ({"kind": "feedback", "notes": "   "}, 422),
    ({"kind": "feedback", "notes": "x", "on": (date.today() + timedelta(days=2)).isoformat()}, 422),
    ({"kind": "feedback", "notes": "x", "on": "soon"}, 422),
])
def test_bad_entries_are_refused_and_nothing_is_saved(app, store, cohort, coached, fields, status):
    refused = write(as_specialist(app, store, cohort), cohort, coached["led"], **fields)
    assert refused.status_code == status and "There is a problem" in refused.text
    assert store.log_entries(cohort["id"]) == []


@pytest.mark.parametrize("who", ["unlinked specialist", "admin", "other cohort's specialist"])
def test_no_one_else_reads_or_writes_the_log(app, store, cohort, coached, who):
    as_specialist(app, store, cohort)  # Dr Rao is linked, to someone else
    client = app.test_client()
    if who == "admin":
        sign_in_as(client, app, "admin")
    else:
        sign_in_as(client, app, "specialist", [cohort["id"]] if who == "unlinked specialist" else [])
    expected = {"unlinked specialist": 404, "admin": 403, "other cohort's specialist": 403}[who]
    assert client.get(url(cohort, coached["led"])).status_code == expected
    assert client.post(url(cohort, coached["led"]), data={"kind": "feedback", "on": TODAY, "notes": "x"}
                       ).status_code in (400, expected)
    assert store.log_entries(cohort["id"]) == []


def test_a_co_coaching_partnership_is_not_a_specialists_log(app, store, cohort, coached):
    rao = as_specialist(app, store, cohort)
    assert rao.get(url(cohort, coached["pair"])).status_code == 404
    assert rao.get(url(cohort, "no-such-partnership")).status_code == 404


def test_an_unlinked_specialist_is_told_to_ask_the_coordinator(app, store, cohort, coached):
    page = as_specialist(app, store, cohort, linked=False).get(url(cohort))
    assert page.status_code == 200 and "Ask the coordinator to link it" in visible_text(page.text)
    assert "Eve" not in visible_text(page.text)


def test_the_specialist_changes_their_own_entry_and_a_stale_tab_gets_409(app, store, cohort, coached):
    rao = as_specialist(app, store, cohort)
    write(rao, cohort, coached["led"], kind="feedback", notes="Try wait time")
    (entry,) = store.log_entries(cohort["id"])
    entry_url = url(cohort, coached["led"], entry["id"])
    first_tab, second_tab = rao.get(entry_url).text, rao.get(entry_url).text
    fields = {"kind": "feedback", "on": TODAY,
              "revision": re.search(r'name="revision" value="(\d+)"', first_tab).group(1)}
    assert rao.post(entry_url, data={"csrf_token": csrf(first_tab), **fields, "notes": "Try cold calling"}
                    ).status_code == 302
    stale = rao.post(entry_url, data={"csrf_token": csrf(second_tab), **fields, "notes": "Try mini whiteboards"})
    assert stale.status_code == 409 and "Try cold calling" in visible_text(stale.text)
    assert store.log_entries(cohort["id"])[0]["text"]["notes"] == "Try cold calling"
    assert rao.post(entry_url, data={"csrf_token": csrf(first_tab), **fields, "revision": "x", "notes": "y"}
                    ).status_code == 400


def test_a_specialist_cannot_change_a_teachers_entry(app, store, cohort, coached):
    eve = as_teacher(app, coached, "Eve")
    page = eve.get(f"/questionnaire/log/{coached['led']}").text
    assert eve.post(f"/questionnaire/log/{coached['led']}", data={
        "csrf_token": csrf(page), "kind": "planning", "on": TODAY, "notes": "Eve's plan"}).status_code == 302
    (entry,) = store.log_entries(cohort["id"])
    rao = as_specialist(app, store, cohort)
    assert "Eve's plan" in visible_text(rao.get(url(cohort, coached["led"])).text)
    assert rao.get(url(cohort, coached["led"], entry["id"])).status_code == 404


def test_a_post_without_its_token_saves_nothing(app, store, cohort, coached):
    rao = as_specialist(app, store, cohort)
    assert rao.post(url(cohort, coached["led"]), data={"kind": "feedback", "on": TODAY, "notes": "x"}
                    ).status_code == 400
    assert store.log_entries(cohort["id"]) == []


def coordinator_page(app, store, cohort):
    """A signed-in coordinator of the cohort on its specialists page, and the page's CSRF token."""
    client = app.test_client()
    sign_in_as(client, app, "coordinator", [cohort["id"]])
    page = client.get(f"/coordinator/cohorts/{cohort['id']}/specialists")
    assert page.status_code == 200
    return client, csrf(page.text), page


def test_the_coordinator_links_a_listed_specialist_and_adds_one_linked(app, store, cohort, coached):
    specialist = app.test_client()
    user = sign_in_as(specialist, app, "specialist", [cohort["id"]], email="rao@example.org")
    client, token, page = coordinator_page(app, store, cohort)
    assert "rao@example.org" in visible_text(page.text)
    base = f"/coordinator/cohorts/{cohort['id']}/specialists"
    assert client.post(f"{base}/link", data={"csrf_token": token, "specialist": "s-rao", "account": user["id"]}
                       ).status_code == 302
    assert store.get_cohort(cohort["id"])["specialists"][0]["account"] == user["id"]
    assert "Eve" in visible_text(specialist.get(url(cohort)).text)  # the link opens their partnerships' logs
    added = client.post(base, data={"csrf_token": token, "name": "Dr Two", "kind": "specialist",
                                    "expertise": ["feedback"], "capacity": "2", "account": user["id"]})
    assert added.status_code == 302
    assert store.get_cohort(cohort["id"])["specialists"][-1]["account"] == user["id"]


@pytest.mark.parametrize(("specialist", "account", "status"), [
    ("s-rao", "no-such-account", 422),
    ("s-rao", "coordinator", 422),  # not a specialist account
    ("s-nobody", "", 404),
])
def test_a_bad_link_is_refused_with_a_message_and_changes_nothing(app, store, cohort, coached, specialist, account,
                                                                  status):
    client, token, _ = coordinator_page(app, store, cohort)
    if account == "coordinator":
        account = store.find_user(next(u["email"] for u in store.list_users() if u["role"] == "coordinator"))["id"]
    refused = client.post(f"/coordinator/cohorts/{cohort['id']}/specialists/link",
                          data={"csrf_token": token, "specialist": specialist, "account": account})
    assert refused.status_code == status and "There is a problem" in refused.text
    assert store.get_cohort(cohort["id"])["specialists"] == [RAO]


def test_adding_with_a_wrong_account_adds_no_one(app, store, cohort, coached):
    client, token, _ = coordinator_page(app, store, cohort)
    refused = client.post(f"/coordinator/cohorts/{cohort['id']}/specialists", data={
        "csrf_token": token, "name": "Dr Two", "kind": "specialist", "expertise": ["feedback"], "capacity": "2",
        "account": "no-such-account"})
    assert refused.status_code == 422 and "no such sign-in account" in visible_text(refused.text)
    assert store.get_cohort(cohort["id"])["specialists"] == [RAO]
