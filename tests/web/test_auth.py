"""Staff sign-in and sign-out, sessions that really end, safe `next` redirects, and the `users` commands."""

from __future__ import annotations

import re

import pytest

from diagnostic.cli import cli
from diagnostic.services.accounts import AccountError, authenticate, create_user, set_password, update_access

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PASSWORD = "correct horse battery"


def token_from(page) -> str:
    return CSRF.search(page.text).group(1)


def sign_in(browser, email, password=PASSWORD, next_url=None):
    page = browser.get("/sign-in")
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return browser.post(url, data={"csrf_token": token_from(page), "email": email, "password": password})


@pytest.fixture
def coordinator(store, cohort):
    return create_user(store, "Coord@Example.org", "coordinator", [cohort["id"]], PASSWORD)


def test_signing_in_opens_the_staff_pages_of_your_role(anonymous, coordinator, cohort):
    assert anonymous.get("/coordinator/").status_code == 302
    answer = sign_in(anonymous, " coord@example.ORG ", PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"] == "/coordinator/"
    page = anonymous.get("/coordinator/")
    assert page.status_code == 200 and cohort["name"] in page.text and "coord@example.org (coordinator)" in page.text
    assert anonymous.get("/specialist/").status_code == 403 and anonymous.get("/admin/").status_code == 403


@pytest.mark.parametrize(("email", "password", "status"), [
    ("coord@example.org", "wrong password here", 401),
    ("nobody@example.org", PASSWORD, 401),
    ("coord@example.org", "", 422),
    ("", PASSWORD, 422),
])
def test_a_failed_sign_in_says_so_without_saying_which_part_was_wrong(anonymous, coordinator, email, password,
                                                                       status):
    answer = sign_in(anonymous, email, password)
    assert answer.status_code == status and 'class="error-summary"' in answer.text
    if status == 401:
        assert "do not match an account" in answer.text
    assert anonymous.get("/coordinator/").status_code == 302


def test_an_account_without_a_password_or_switched_off_cannot_sign_in(anonymous, store, coordinator):
    create_user(store, "new@example.org", "specialist")
    assert sign_in(anonymous, "new@example.org", "").status_code == 422
    assert authenticate(store, "new@example.org", "anything at all") is None
    update_access(store, coordinator["id"], "coordinator", [], False, actor="test")
    assert sign_in(anonymous, "coord@example.org").status_code == 401


def test_a_session_cookie_stops_working_after_sign_out(app, anonymous, coordinator):
    sign_in(anonymous, "coord@example.org")
    stolen = anonymous.get_cookie("session").value
    page = anonymous.get("/coordinator/")
    assert anonymous.post("/sign-out", data={"csrf_token": token_from(page)}).status_code == 302
    assert anonymous.get("/coordinator/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    answer = replay.get("/coordinator/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/sign-in")


def test_a_new_password_or_changed_access_ends_every_session(app, anonymous, store, coordinator):
    sign_in(anonymous, "coord@example.org")
    set_password(store, "coord@example.org", "a brand new passphrase")
    assert anonymous.get("/coordinator/").status_code == 302
    sign_in(anonymous, "coord@example.org", "a brand new passphrase")
    update_access(store, coordinator["id"], "specialist", coordinator["cohorts"], True, actor="test")
    assert anonymous.get("/specialist/").status_code == 302


def test_signing_in_starts_a_new_session_without_what_was_there_before(anonymous, coordinator):
    with anonymous.session_transaction() as session:
        session["response"] = ["x", "y"]
        session["left-over"] = True
    sign_in(anonymous, "coord@example.org")
    with anonymous.session_transaction() as session:
        assert "response" not in session and "left-over" not in session


@pytest.mark.parametrize(("next_url", "lands"), [
    ("/coordinator/cohorts/X/menu", "/coordinator/cohorts/X/menu"),
    ("https://evil.example/", "/coordinator/"),
    ("//evil.example/", "/coordinator/"),
    ("/\\evil.example", "/coordinator/"),
    ("javascript:alert(1)", "/coordinator/"),
    ("coordinator/", "/coordinator/"),
])
def test_next_only_leads_to_a_page_on_this_site(anonymous, coordinator, next_url, lands):
    answer = sign_in(anonymous, "coord@example.org", next_url=next_url.replace("X", "x"))
    assert answer.headers["Location"] == lands.replace("X", "x")


def test_a_staff_page_sends_you_to_sign_in_and_back(anonymous, coordinator, cohort):
    answer = anonymous.get(f"/coordinator/cohorts/{cohort['id']}/menu")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/sign-in?next=%2Fcoordinator%2Fcohorts%2F{cohort['id']}%2Fmenu"
    back = sign_in(anonymous, "coord@example.org", next_url=f"/coordinator/cohorts/{cohort['id']}/menu")
    assert back.headers["Location"] == f"/coordinator/cohorts/{cohort['id']}/menu"


def test_passwords_are_stored_hashed_with_werkzeug(store, coordinator):
    stored = store.find_user("coord@example.org")["password"]
    assert PASSWORD not in stored and stored.startswith("scrypt:")


@pytest.mark.parametrize(("email", "role", "cohorts", "password", "message"), [
    ("not-an-address", "admin", [], None, "is not an e-mail address"),
    ("x@example.org", "superuser", [], None, "unknown role"),
    ("x@example.org", "coordinator", ["no-such-cohort"], None, "no cohort 'no-such-cohort'"),
    ("x@example.org", "admin", [], "short", "at least 12 characters"),
    ("Coord@example.org", "admin", [], None, "already an account"),
])
def test_bad_accounts_are_refused(store, coordinator, email, role, cohorts, password, message):
    before = store.list_users()
    with pytest.raises(AccountError, match=message):
        create_user(store, email, role, cohorts, password)
    assert store.list_users() == before


def test_users_commands_add_set_password_and_list(runner, store, cohort):
    added = runner.invoke(cli, ["users", "add", "--email", "Spec@Example.org", "--role", "specialist",
                                "--cohort", cohort["id"]])
    assert added.exit_code == 0 and "added spec@example.org (specialist)" in added.output
    assert "no password yet" in runner.invoke(cli, ["users", "list"]).output
    short = runner.invoke(cli, ["users", "set-password", "--email", "spec@example.org"], input="short\nshort\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    done = runner.invoke(cli, ["users", "set-password", "--email", "spec@example.org"],
                         input=f"{PASSWORD}\n{PASSWORD}\n")
    assert done.exit_code == 0 and PASSWORD not in done.output
    assert authenticate(store, "spec@example.org", PASSWORD)["role"] == "specialist"
    listed = runner.invoke(cli, ["users", "list"]).output
    assert f"spec@example.org  specialist  {cohort['id']}  (can sign in)" in listed
    again = runner.invoke(cli, ["users", "add", "--email", "spec@example.org", "--role", "admin"])
    assert again.exit_code == 1 and "already an account" in again.output


def test_admin_adds_an_account_and_changes_its_access_on_the_pages(client, store, cohort):
    page = client.get("/admin/users")
    answer = client.post("/admin/users", data={"csrf_token": token_from(page), "add-email": "New@Example.org",
                                               "add-role": "coordinator", "add-cohorts": [cohort["id"]],
                                               "add-password": PASSWORD})
    assert answer.status_code == 302
    user = store.find_user("new@example.org")
    assert user["role"] == "coordinator" and user["cohorts"] == [cohort["id"]]
    bad = client.post("/admin/users", data={"csrf_token": token_from(page), "add-email": "new@example.org",
                                            "add-role": "admin"})
    assert bad.status_code == 422 and "already an account" in bad.text
    detail = client.get(f"/admin/users/{user['id']}")
    changed = client.post(f"/admin/users/{user['id']}/access", data={"csrf_token": token_from(detail),
                                                                     "access-role": "specialist"})
    assert changed.status_code == 302 and store.get_user(user["id"])["role"] == "specialist"
    assert store.get_user(user["id"])["active"] is False  # the box was not ticked
    assert [e["action"] for e in store.audit_log()][-2:] == ["add account", "change account"]


def test_an_admin_cannot_lock_themselves_out(client, store):
    me = next(u for u in store.list_users() if u["role"] == "admin")
    page = client.get(f"/admin/users/{me['id']}")
    answer = client.post(f"/admin/users/{me['id']}/access", data={"csrf_token": token_from(page),
                                                                  "access-role": "coordinator"})
    assert answer.status_code == 409 and store.get_user(me["id"])["role"] == "admin"
