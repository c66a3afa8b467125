"""Starting a response: limited per address and per invitation, and refused while a cohort is full of drafts."""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import pytest
from pages import page_fields
from werkzeug.datastructures import MultiDict

from diagnostic import create_app
from diagnostic.services.cohorts import create_cohort, definition_dirs
from diagnostic.services.demo import PROFILES, teacher_row
from diagnostic.services.journey import new_response
from diagnostic.storage.ratelimits import COUNTS_FILE
from forms.catalog import find_definition

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REVISION = re.compile(r'id="revision" name="revision" type="hidden" value="(\d+)"')
SCHOOL = "192.0.2.10"  # one school's address, as the app sees it
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def make_app(tmp_path, database_url):
    """An app with these settings (the rest as shipped), and a cohort in two schools on it."""
    def make(**settings):
        app = create_app({"TESTING": True, "DATA": str(tmp_path / "data"), "DATABASE_URL": database_url, **settings})
        store = app.extensions["store"]
        definition, _ = find_definition("starting_point", None, definition_dirs(app.config["DATA"]))
        return app, create_cohort(store, definition, "Test network", ["Ashfield", "Brook Lane"])
    return make


def browser(app, address: str = SCHOOL):
    """A teacher's browser with no session yet, at this client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def start(client, cohort: dict, school: str | None = "Ashfield"):
    """Open the invitation and press Start, as a teacher would; returns the answer to the POST."""
    page = client.get(f"/join/{cohort['invite']}")
    assert page.status_code == 200
    data = {"csrf_token": CSRF.search(page.text).group(1)}
    if school is not None:
        data["school"] = school
    return client.post(f"/join/{cohort['invite']}", data=data)


def drafts(app, cohort: dict) -> int:
    return app.extensions["store"].count_responses(cohort["id"]).get("draft", 0)


def assert_refused(answer, window_seconds: int) -> None:
    """The shared 429 page: try again later, with a Retry-After within the limit's window."""
    assert answer.status_code == 429
    assert "Too many attempts" in answer.text and "Nothing was changed" in answer.text
    assert 1 <= int(answer.headers["Retry-After"]) <= window_seconds


# -- per client address ----------------------------------------------------------------------------------
def test_starts_beyond_the_address_limit_are_refused_and_create_nothing(make_app):
    app, cohort = make_app(RATELIMIT_START_ADDRESS="3 per 10 minutes")
    assert [start(browser(app), cohort).status_code for _ in range(3)] == [302] * 3
    assert_refused(start(browser(app), cohort), 600)
    assert drafts(app, cohort) == 3
    # another school's address is not affected
    assert start(browser(app, ELSEWHERE), cohort).status_code == 302
    assert drafts(app, cohort) == 4


def test_failed_starts_and_opening_the_invitation_do_not_count(make_app):
    app, cohort = make_app(RATELIMIT_START_ADDRESS="2 per 10 minutes", RATELIMIT_START_INVITE="2 per hour")
    teacher = browser(app)
    for _ in range(6):  # no school chosen: the page asks again, and nothing is started
        answer = start(teacher, cohort, school=None)
        assert answer.status_code == 422 and "Choose your school" in answer.text
    assert drafts(app, cohort) == 0
    assert [start(browser(app), cohort).status_code for _ in range(2)] == [302, 302]
    assert_refused(start(browser(app), cohort), 600)


def test_a_staff_room_behind_one_address_all_start_with_the_default_limits(make_app):
    app, cohort = make_app()
    answers = [start(browser(app), cohort, school=("Ashfield", "Brook Lane")[n % 2]).status_code
               for n in range(150)]
    assert answers == [302] * 150
    assert drafts(app, cohort) == 150
    # The starts were counted (the limits are on), per address and per invitation, and none reached a limit.
    with sqlite3.connect(Path(app.config["DATA"]) / COUNTS_FILE) as db:
        counted = db.execute("SELECT key, count FROM counters WHERE key LIKE '%starts-per-%'").fetchall()
    assert len(counted) == 3 and {count for _, count in counted} == {150}
    assert all(cohort["invite"] not in key for key, _ in counted)  # the counts file does not hold the link


# -- per invitation ------------------------------------------------------------------------------------------
def test_the_invitation_limit_holds_across_addresses(make_app):
    app, cohort = make_app(RATELIMIT_START_INVITE="3 per hour")
    for n in range(3):
        assert start(browser(app, f"203.0.113.{n + 1}"), cohort).status_code == 302
    assert_refused(start(browser(app, "203.0.113.99"), cohort), 3600)
    assert drafts(app, cohort) == 3
    # another cohort's invitation, from the same address, still starts
    other = create_cohort(app.extensions["store"], find_definition(
        "starting_point", None, definition_dirs(app.config["DATA"]))[0], "Another network", [])
    assert start(browser(app, "203.0.113.99"), other, school=None).status_code == 302


# -- the cap on open drafts ------------------------------------------------------------------------------------
def save_first_page(client, definition) -> int:
    """Answer page 1 as a teacher would; returns the status of the save."""
    page = client.get("/questionnaire/page/1")
    row = teacher_row(definition, PROFILES[0], random.Random(3))
    data = [("csrf_token", CSRF.search(page.text).group(1)), ("revision", REVISION.search(page.text).group(1)),
            *page_fields(definition.sections[0], row)]
    return client.post("/questionnaire/page/1", data=MultiDict(data)).status_code


def test_a_full_cohort_refuses_new_starts_but_teachers_with_a_draft_carry_on(make_app):
    app, cohort = make_app(MAX_DRAFTS_PER_COHORT=2)
    store = app.extensions["store"]
    definition, _ = find_definition("starting_point", None, definition_dirs(app.config["DATA"]))
    submitted, _ = new_response(cohort, school="Ashfield")
    store.add_responses(cohort["id"], [{**submitted, "status": "submitted"}])  # submitted ones do not count
    first, second = browser(app), browser(app)
    assert start(first, cohort).status_code == 302
    assert start(second, cohort).status_code == 302

    refused = start(browser(app), cohort)
    assert refused.status_code == 409
    assert "try again later" in refused.text and "coordinator" in refused.text
    assert drafts(app, cohort) == 2

    # A teacher who already started keeps saving, and a second click on Start still just carries on.
    assert save_first_page(first, definition) == 302
    assert first.post(f"/join/{cohort['invite']}", data={
        "csrf_token": CSRF.search(first.get(f"/join/{cohort['invite']}").text).group(1),
        "school": "Ashfield"}).status_code == 302
    assert drafts(app, cohort) == 2

    for no_cap in (0, None):
        app.config["MAX_DRAFTS_PER_COHORT"] = no_cap
        assert start(browser(app), cohort).status_code == 302
    assert drafts(app, cohort) == 4
