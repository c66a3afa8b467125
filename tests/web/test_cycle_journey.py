"""A teacher's second learning cycle: their own private link leads to the follow-up; earlier answers stay."""

from __future__ import annotations

import random

import pytest

from diagnostic.services.cohorts import definition_dirs
from diagnostic.services.cycles import close_current, open_next, start_latest
from diagnostic.services.demo import PROFILES, teacher_row
from forms.catalog import find_definition
from tests.web.test_closing import submit
from tests.web.test_journey import answer_all, start

pytestmark = pytest.mark.both_backends  # on the TinyDB store and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def follow_up(app):
    definition, _ = find_definition("follow_up", None, definition_dirs(app.config["DATA"]))
    return definition


@pytest.fixture
def first_cycle(app, client, store, shipped, cohort, row):
    """One teacher has submitted their starting point; returns their private link and first response."""
    link = start(client, cohort).link
    answer_all(client, shipped, row)
    submit(client)
    (first,) = store.list_responses(cohort["id"])
    return {"link": link, "first": first}


def test_after_cycle_two_opens_the_private_link_leads_to_the_follow_up(app, store, cohort, follow_up, first_cycle):
    close_current(store, cohort)
    open_next(store, cohort, follow_up)
    teacher = app.test_client()  # the teacher comes back weeks later, in a new browser
    landed = teacher.get(first_cycle["link"], follow_redirects=True)
    assert landed.status_code == 200 and landed.request.path == "/questionnaire/page/1"
    assert follow_up.sections[0].title in landed.text
    answer_all(teacher, follow_up, teacher_row(follow_up, PROFILES[0], random.Random(3)))
    submit(teacher)

    first = store.get_response(cohort["id"], first_cycle["first"]["id"])
    later = store.get_response(cohort["id"], first["later"]["2"])
    # Never overwritten: only the link to the later answers, and a goal sharpened in the follow-up, are added.
    grown = ("later", "choice", "choice_history")
    assert {k: v for k, v in first.items() if k not in grown} == \
        {k: v for k, v in first_cycle["first"].items() if k not in grown}
    assert first["answers"] == first_cycle["first"]["answers"]
    assert later["cycle"] == 2 and later["teacher"] == first["id"] and later["status"] == "submitted"
    assert (later["form_id"], later["form_version"]) == (follow_up.id, follow_up.version)
    assert later["school"] == first["school"] and later["answers"]
    assert [r["id"] for r in store.list_responses(cohort["id"], cycle=1)] == [first["id"]]
    # Opening the link again does not begin a second follow-up.
    assert teacher.get(first_cycle["link"], follow_redirects=True).status_code == 200
    assert len(store.list_responses(cohort["id"], cycle=2)) == 1


def test_until_the_next_cycle_opens_the_link_shows_the_starting_point_summary(app, store, cohort, first_cycle):
    close_current(store, cohort)
    landed = app.test_client().get(first_cycle["link"])
    assert landed.status_code == 302
    assert app.test_client().get(first_cycle["link"], follow_redirects=True).status_code == 200
    assert len(store.list_responses(cohort["id"])) == 1


def test_two_tabs_beginning_the_follow_up_at_once_begin_one(store, cohort, follow_up, first_cycle):
    close_current(store, cohort)
    open_next(store, cohort, follow_up)
    made = {start_latest(store, cohort, first_cycle["first"])["id"] for _ in range(2)}
    assert len(made) == 1 and len(store.list_responses(cohort["id"], cycle=2)) == 1


def test_a_later_response_cannot_be_opened_with_a_link_of_its_own(app, store, cohort, follow_up, first_cycle):
    close_current(store, cohort)
    open_next(store, cohort, follow_up)
    later = start_latest(store, cohort, first_cycle["first"])
    assert later["token_hash"] == ""
    page = app.test_client().get(f"/resume/{cohort['id']}.{later['id']}.{'0' * 48}")
    assert page.status_code == 404


def test_erasing_a_teacher_removes_their_later_cycles_too(app, store, cohort, follow_up, first_cycle, invoke):
    close_current(store, cohort)
    open_next(store, cohort, follow_up)
    later = start_latest(store, cohort, first_cycle["first"])
    # Named by the later response's id, the erasure still finds the teacher and removes everything of theirs.
    assert invoke("erase", "--cohort", cohort["id"], "--respondent", later["id"], "--yes").exit_code == 0
    assert store.list_responses(cohort["id"]) == []


def test_a_teachers_download_holds_their_later_cycles(app, store, cohort, follow_up, first_cycle):
    close_current(store, cohort)
    open_next(store, cohort, follow_up)
    teacher = app.test_client()
    teacher.get(first_cycle["link"], follow_redirects=True)
    data = teacher.get("/questionnaire/my-data.json").json
    assert [r["cycle"] for r in data["later_cycles"]] == [2]
    assert "token_hash" not in data["later_cycles"][0]
