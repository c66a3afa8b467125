"""The audit log: every staff change and every failed sign-in, in plain words, never naming a teacher."""

from __future__ import annotations

import csv
import io
import re

import pytest

from diagnostic.services.accounts import create_user, set_password
from diagnostic.services.audit import KINDS, entries
from tests.conftest import sign_in_as
from tests.web.test_coordinator_pairing import NAMES, Coordinator, add_teacher

TOKEN = re.compile(r'name="[a-z-]*csrf_token"[^>]*value="([^"]+)"')
# A Python list, dict or repr in a log line means it was not put into words.
NOT_WORDS = re.compile(r"[\[\]{}]|'\w+':|\bNone\b|\bTrue\b|\bFalse\b")


@pytest.fixture
def four(store, cohort):
    return {name: add_teacher(store, cohort, name, focus) for name, focus in NAMES.items()}


def new_entries(store, before: int) -> list[dict]:
    return store.audit_log()[before:]


def test_every_staff_change_through_the_pages_is_recorded_in_plain_words(app, client, store, cohort, four):
    """Each action, done on its real page, adds one entry of its kind, naming the person and the cohort only."""
    me = sign_in_as(client, app, "admin", email="ada@example.org")
    page = Coordinator(client, cohort)
    ids = list(four.values())
    actions = [
        ("propose partnerships", lambda: page.act("co-coaching", "run", school_rule="any")),
        ("lock partnership", lambda: page.act("co-coaching", "lock", ids[:2])),
        ("unlock partnership", lambda: page.act("co-coaching", "unlock", ids[:2])),
        ("rule out pair", lambda: page.act("co-coaching", "forbid", ids[1:3])),
        ("allow pair", lambda: page.act("co-coaching", "allow", ids[1:3])),
        ("move teacher", lambda: page.post(f"/partnerships/co-coaching/move?teacher={ids[0]}", teacher=ids[0],
                                           to=ids[3])),
        ("confirm partnerships", lambda: page.act("co-coaching", "confirm",
                                                  proposal=store.pairing_state(cohort["id"], "co-coaching")
                                                  ["proposal"]["id"], sure="yes")),
        ("undo partnership", lambda: page.act("co-coaching", "dissolve",
                                              partnership=store.list_partnerships(cohort["id"])[0]["id"])),
        ("menu settings", lambda: page.post("/menu", offered_questioning="y", offered_feedback="y")),
        ("add specialist", lambda: page.post("/specialists", name="Dr Rosa Lewis", kind="specialist",
                                             expertise=["questioning"], capacity="3")),
        ("remove specialist", lambda: page.post("/specialists/remove",
                                                specialist=store.get_cohort(cohort["id"])["specialists"][0]["id"])),
        ("regroup", lambda: client.post(f"/specialist/cohorts/{cohort['id']}/regroup",
                                        data={"csrf_token": page.token, "k": "2", "method": "kmeans"})),
        ("rename group", lambda: client.post(f"/specialist/cohorts/{cohort['id']}/groups/A",
                                             data={"csrf_token": page.token, "name": "Ben's lot",
                                                   "note": "Amira Patel first"})),
    ]
    for kind, act in actions:
        before = len(store.audit_log())
        answer = act()
        assert answer.status_code in (302, 303), (kind, answer.status_code)
        added = [e for e in new_entries(store, before) if e["action"] == kind]
        assert len(added) == 1, (kind, new_entries(store, before))
        entry = added[0]
        assert entry["actor"] == me["email"] and entry["cohort"] == cohort["id"] and entry["at"], kind
        assert entry["what"] and not NOT_WORDS.search(entry["what"]), (kind, entry["what"])
        for name in NAMES:  # a teacher is never named, by name or by id
            assert name.split()[0] not in entry["what"], (kind, entry["what"])
        assert not any(i in str(entry) for i in ids), kind
        assert kind in KINDS


def test_account_and_cohort_changes_and_sign_ins_are_recorded(app, anonymous, client, store, shipped):
    page = client.get("/admin/cohorts").text
    client.post("/admin/cohorts", data={"csrf_token": TOKEN.search(page).group(1), "cohort-name": "West 2027",
                                        "cohort-form": "starting_point|2", "cohort-schools": "Ashfield\nBrook"})
    made = store.list_cohorts()[-1]
    user = create_user(store, "rees@example.org", "specialist", [made["id"]], actor="ada@example.org")
    set_password(store, "rees@example.org", "a long enough password", actor="ada@example.org")
    sign_in = anonymous.get("/sign-in").text
    for password in ("wrong password here", "a long enough password"):
        anonymous.post("/sign-in", data={"csrf_token": TOKEN.search(sign_in).group(1), "email": "rees@example.org",
                                         "password": password})
    stranger = app.test_client()
    page = stranger.get("/sign-in").text
    stranger.post("/sign-in", data={"csrf_token": TOKEN.search(page).group(1), "email": "my-password-by-mistake",
                                    "password": "whatever it is"})
    log = store.audit_log()
    kinds = [e["action"] for e in log]
    for kind in ("create cohort", "add account", "set password", "failed sign-in", "sign in"):
        assert kind in kinds, kind
    created = next(e for e in log if e["action"] == "create cohort")
    assert created["cohort"] == made["id"] and "West 2027" in created["what"] and "2 schools" in created["what"]
    added = next(e for e in log if e["action"] == "add account" and "rees@" in e["what"])
    assert "West 2027" in added["what"] and "specialist" in added["what"] and not NOT_WORDS.search(added["what"])
    failed = [e for e in log if e["action"] == "failed sign-in"]
    assert failed[0]["actor"] == "rees@example.org"
    # What was typed in the e-mail box is kept only if it is an account's address: it might be a password.
    assert failed[1]["actor"] == "someone without an account"
    assert "my-password-by-mistake" not in str(log)
    assert user["id"] not in str([e for e in log if e["action"] != "add account"])


def test_the_admin_page_filters_by_cohort_person_and_kind_and_downloads_as_csv(app, client, store, shipped, cohort):
    from diagnostic.services.cohorts import create_cohort

    other = create_cohort(store, shipped, "Other network", [], actor="bo@example.org")
    create_user(store, "cy@example.org", "coordinator", [cohort["id"]], actor="ada@example.org")
    every = client.get("/admin/audit")
    assert every.status_code == 200 and "Other network" in every.text and "cy@example.org" in every.text
    by_cohort = client.get(f"/admin/audit?cohort={other['id']}").text.split("<table")[-1]
    assert "bo@example.org" in by_cohort and "ada@example.org" not in by_cohort
    by_person = client.get("/admin/audit?actor=ada@example.org").text.split("<table")[-1]
    assert "cy@example.org" in by_person and "Other network" not in by_person
    by_kind = client.get("/admin/audit?action=create+cohort").text.split("<table")[-1]
    assert "Created a cohort" in by_kind and "Added an account" not in by_kind
    download = client.get(f"/admin/audit.csv?cohort={other['id']}")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["action"] for r in rows] == ["Created a cohort"] and rows[0]["who"] == "bo@example.org"
    assert client.get("/admin/audit?action=no-such-kind").status_code == 200  # an odd filter shows nothing


def test_a_formula_in_a_logged_text_is_neutralised_in_the_download(client, store, shipped):
    from diagnostic.services.cohorts import create_cohort

    create_cohort(store, shipped, "=HYPERLINK(\"http://x.example\")", [], actor="+danger@example.org")
    rows = list(csv.reader(io.StringIO(client.get("/admin/audit.csv").text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_entries_written_before_plain_words_are_shown_in_plain_words(client, store):
    store.log({"at": "2026-01-02T03:04:05+00:00", "actor": "old@example.org", "action": "add account",
               "target": "new@example.org", "details": {"role": "coordinator", "cohorts": ["north", "south"]}})
    (entry,) = entries(store, actor="old@example.org")
    assert entry["what"] == "new@example.org. role: coordinator; cohorts: north and south"
    page = client.get("/admin/audit").text
    assert "[&#39;north&#39;" not in page and "cohorts: north and south" in page


@pytest.mark.parametrize("role, active", [("coordinator", True), ("admin", False)])
def test_an_admin_taking_away_their_own_admin_access_is_refused_and_nothing_changes(store, role, active):
    from diagnostic.services.accounts import OwnAdminAccess, create_user, update_access

    me = create_user(store, "me@example.org", "admin", [])
    before = len(store.audit_log())
    with pytest.raises(OwnAdminAccess):
        update_access(store, me["id"], role, [], active, actor="me@example.org")
    assert store.get_user(me["id"])["role"] == "admin" and store.get_user(me["id"])["active"]
    assert len(store.audit_log()) == before
    # Another admin may change it.
    assert update_access(store, me["id"], role, [], active, actor="other@example.org")["role"] == role
