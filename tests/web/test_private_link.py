"""The private link is shown once, when it is made; the session cookie holds only a reference to the response."""

from __future__ import annotations

import random
import re

import pytest

from diagnostic.services.demo import PROFILES, teacher_row
from tests.web.test_journey import answer_all, csrf, revision, start

pytestmark = pytest.mark.both_backends  # on the TinyDB store and on PostgreSQL (tests/conftest.py)

LINK = re.compile(r"/resume/([a-z0-9-]+)\.([0-9a-f]{16})\.([0-9a-f]{48})")


def cookie_contents(app, client) -> tuple[str, dict]:
    """The raw session cookie a browser holds, and what it decodes to with the app's key."""
    raw = client.get_cookie("session").value
    return raw, app.session_interface.get_signing_serializer(app).loads(raw)


def teacher_pages(app) -> list[str]:
    return [rule.rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("teacher.") and "GET" in rule.methods and not rule.arguments]


def copied_browser(app, client):
    """Another browser holding a copy of this browser's session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_the_session_cookie_never_holds_the_private_link(app, client, cohort):
    first = start(client, cohort)
    secret = LINK.search(first.link).group(3)
    for where in ("after starting", "after resuming"):
        raw, decoded = cookie_contents(app, client)
        assert secret not in raw and secret not in str(decoded), where
        assert secret[:16] not in str(decoded), where
        client.get(first.link)  # open the private link itself, as a teacher coming back would


def test_a_copied_cookie_opens_no_page_that_shows_the_private_link(app, client, shipped, cohort):
    row = teacher_row(shipped, PROFILES[1], random.Random(7))
    first = start(client, cohort)
    secret = LINK.search(first.link).group(3)
    answer_all(client, shipped, row)
    review = client.get("/questionnaire/review").text
    client.post("/questionnaire/submit", data={"csrf_token": csrf(review), "revision": revision(review)})
    thief = copied_browser(app, client)
    opened = 0
    for url in teacher_pages(app):
        page = thief.get(url, follow_redirects=True)
        assert secret not in page.text, url
        opened += page.status_code == 200
    assert opened >= 4  # the copy did open pages: the link just is not on any of them


def test_the_link_is_shown_once_when_made_and_the_questionnaire_starts_after_it(app, client, cohort):
    page = client.get(f"/join/{cohort['invite']}")
    started = client.post(f"/join/{cohort['invite']}", data={"csrf_token": csrf(page.text), "school": "Ashfield"})
    shown = client.get(started.location)
    link = LINK.search(shown.text).group(0)
    assert shown.status_code == 200 and started.location.startswith(link)  # the page's own address is the link
    first = client.get("/questionnaire/", follow_redirects=True)
    assert "Page 1 of" in first.text and link not in first.text
    assert app.test_client().get(link).status_code == 302  # a new browser gets in with it


def test_a_new_link_replaces_the_old_one_and_ends_sessions_opened_with_it(app, client, cohort):
    first = start(client, cohort)
    other = app.test_client()
    assert other.get(first.link).status_code == 302
    summary = client.get("/questionnaire/page/1").text
    made = client.post("/questionnaire/private-link", data={"csrf_token": csrf(summary)})
    assert made.status_code == 302
    shown = client.get(made.location)
    new_link = LINK.search(shown.text).group(0)
    assert new_link != first.link and "no longer works" in shown.text
    assert client.get("/questionnaire/page/1").status_code == 200  # this browser carries on
    assert other.get("/questionnaire/page/1").status_code == 403  # a session from the old link has ended
    assert app.test_client().get(first.link).status_code == 404
    assert app.test_client().get(new_link).status_code == 302


@pytest.mark.parametrize("data, status", [({}, 400), ({"csrf_token": "forged"}, 400)])
def test_a_new_link_needs_the_pages_token_and_nothing_changes_without_it(app, client, store, cohort, data, status):
    first = start(client, cohort)
    (before,) = store.list_responses(cohort["id"])
    assert client.post("/questionnaire/private-link", data=data).status_code == status
    assert store.list_responses(cohort["id"]) == [before]
    assert app.test_client().get(first.link).status_code == 302


def test_a_session_made_before_this_change_asks_for_the_link_again(app, client, store, cohort):
    start(client, cohort)
    (record,) = store.list_responses(cohort["id"])
    with client.session_transaction() as session:
        session["response"] = [cohort["id"], record["id"]]  # the old shape: no check of the link
    page = client.get("/questionnaire/page/1")
    assert page.status_code == 403 and "private link" in page.text


def test_the_private_link_is_built_from_the_public_address_never_the_requests_host(tmp_path, shipped):
    from diagnostic import create_app
    from diagnostic.services.cohorts import create_cohort

    app = create_app({"TESTING": True, "DATA": str(tmp_path / "public"), "BASE_URL": "https://cpd.example.org"})
    cohort = create_cohort(app.extensions["store"], shipped, "Public", [])
    browser = app.test_client()
    page = browser.get(f"/join/{cohort['invite']}", headers={"Host": "evil.example"})
    started = browser.post(f"/join/{cohort['invite']}", data={"csrf_token": csrf(page.text)},
                           headers={"Host": "evil.example"})
    shown = browser.get(started.location, headers={"Host": "evil.example"})
    link = re.search(r'class="resume-link" href="([^"]+)"', shown.text).group(1)
    assert link.startswith("https://cpd.example.org/resume/") and "evil.example" not in shown.text
