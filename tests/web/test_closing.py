"""A cohort's closing date stops every teacher write, not only joining: a draft held open since before it included."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from diagnostic.services.demo import PROFILES, teacher_row
from tests.pages import page_fields
from tests.web.test_journey import answer_all, csrf, post_page, revision, start


def close(store, cohort) -> None:
    """The cohort's closing date passes (it closes at the end of that day)."""
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    store.update_cohort(cohort["id"], lambda c: {**c, "closes_on": yesterday})


def submit(client) -> None:
    review = client.get("/questionnaire/review").text
    assert client.post("/questionnaire/submit", data={"csrf_token": csrf(review),
                                                      "revision": revision(review)}).status_code == 302


@pytest.fixture
def row(shipped):
    return teacher_row(shipped, PROFILES[2], random.Random(11))


@pytest.fixture
def draft(client, shipped, cohort, row):
    """A browser holding a draft with its first page saved, and the pages' forms read before the cohort closed."""
    first = start(client, cohort)
    assert post_page(client, 1, page_fields(shipped.sections[0], row), first.text).status_code == 302
    return {"page2": client.get("/questionnaire/page/2").text, "review": client.get("/questionnaire/review").text}


def test_a_draft_open_before_closing_saves_nothing_after(client, store, shipped, cohort, row, draft):
    close(store, cohort)
    before = store.list_responses(cohort["id"])
    attempts = [
        ("save a page", lambda: post_page(client, 2, page_fields(shipped.sections[1], row), draft["page2"])),
        ("submit", lambda: client.post("/questionnaire/submit", data={"csrf_token": csrf(draft["review"]),
                                                                      "revision": revision(draft["review"])})),
        ("open a page", lambda: client.get("/questionnaire/page/2")),
        ("open the review", lambda: client.get("/questionnaire/review")),
        ("carry on", lambda: client.get("/questionnaire/")),
    ]
    for what, attempt in attempts:
        answer = attempt()
        assert answer.status_code == 410, what
        assert "closed on" in answer.text, what
    assert store.list_responses(cohort["id"]) == before
    # Their own data stays theirs to see and download.
    assert client.get("/questionnaire/my-data").status_code == 200
    assert client.get("/questionnaire/my-data.json").status_code == 200


def test_after_closing_a_submitted_teacher_keeps_their_summary_but_cannot_change_their_focus(
        client, store, shipped, cohort, row):
    start(client, cohort)
    answer_all(client, shipped, row)
    submit(client)
    menu = client.get("/questionnaire/menu").text
    close(store, cohort)
    before = store.list_responses(cohort["id"])
    chosen = client.post("/questionnaire/menu", data={"csrf_token": csrf(menu), "focus": "questioning",
                                                      "goal": "A goal written after the closing date"})
    assert chosen.status_code == 410 and "closed on" in chosen.text
    assert store.list_responses(cohort["id"]) == before
    assert client.get("/questionnaire/summary").status_code == 200
    shown = client.get("/questionnaire/menu")
    assert shown.status_code == 200 and "Save my learning focus" not in shown.text and "closed on" in shown.text
    fields = MultiDict([("csrf_token", csrf(menu)), ("revision", "2"), *page_fields(shipped.sections[0], row)])
    replay = client.post("/questionnaire/page/1", data=fields)
    assert replay.status_code == 410 and store.list_responses(cohort["id"]) == before


def test_until_the_closing_date_has_passed_the_draft_carries_on(client, store, shipped, cohort, row, draft):
    today = date.today().isoformat()  # open to the end of its closing day
    store.update_cohort(cohort["id"], lambda c: {**c, "closes_on": today})
    saved = post_page(client, 2, page_fields(shipped.sections[1], row), draft["page2"])
    assert saved.status_code == 302
    assert store.list_responses(cohort["id"])[0]["revision"] == 2
