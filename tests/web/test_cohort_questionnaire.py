"""Only a questionnaire each teacher answers can be a cohort's; and every error page's title says what happened."""

from __future__ import annotations

import re

import pytest

from diagnostic.cli import cli
from diagnostic.services.agreements import Dissolved, NoAgreement, NotYours, StaleAgreement
from diagnostic.services.choice import BadChoice, ChoiceLocked
from diagnostic.services.cohorts import create_cohort, definition_dirs, publish
from diagnostic.services.grouping import GroupingError
from diagnostic.services.journey import AlreadySubmitted, Incomplete, StaleRevision
from diagnostic.services.partnerships import StaleProposal
from forms.catalog import find_definition

CSRF = re.compile(r'name="[a-z-]*csrf_token" type="hidden" value="([^"]+)"')
STALE_TITLE = "These answers changed elsewhere"
TITLE = re.compile(r"<h1>([^<]+)</h1>")


@pytest.fixture
def agreement(app):
    definition, _ = find_definition("learning_agreement", None, definition_dirs(app.config["DATA"]))
    return definition


def test_the_service_refuses_a_learning_agreement_as_a_cohorts_questionnaire(store, agreement):
    with pytest.raises(ValueError, match="cannot be a cohort's questionnaire"):
        create_cohort(store, agreement, "Partners by mistake")
    assert store.list_cohorts() == []


def test_the_admin_page_offers_only_teachers_questionnaires_and_refuses_the_agreement(client, store):
    page = client.get("/admin/cohorts").text
    assert "starting_point|2" in page and "learning_agreement|1" not in page
    answer = client.post("/admin/cohorts", data={"csrf_token": CSRF.search(page).group(1),
                                                 "cohort-name": "Partners by mistake",
                                                 "cohort-form": "learning_agreement|1"})
    assert answer.status_code == 422 and 'class="error-summary"' in answer.text
    assert store.list_cohorts() == []


def test_cohort_create_on_the_command_line_refuses_the_agreement_in_one_line(runner, store):
    result = runner.invoke(cli, ["cohort", "create", "--name", "Partners by mistake", "--form",
                                 "learning_agreement"])
    assert result.exit_code == 1
    assert "cannot be a cohort's questionnaire" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert store.list_cohorts() == []


@pytest.fixture
def follow_up(app):
    definition, _ = find_definition("follow_up", None, definition_dirs(app.config["DATA"]))
    return definition


FOLLOW_UP_REFUSED = ("follow_up version 1 is a follow-up to starting_point version 2, so it cannot start a cohort: "
                     "create the cohort on starting_point version 2")


def test_the_service_refuses_a_follow_up_as_the_questionnaire_a_cohort_starts_with(store, follow_up):
    with pytest.raises(ValueError) as refused:
        create_cohort(store, follow_up, "Follow-up by mistake")
    assert str(refused.value) == FOLLOW_UP_REFUSED
    assert store.list_cohorts() == [] and store.list_forms() == []


def test_the_admin_page_does_not_offer_a_follow_up_and_refuses_it(client, store):
    page = client.get("/admin/cohorts").text
    assert "starting_point|2" in page and "follow_up|1" not in page
    answer = client.post("/admin/cohorts", data={"csrf_token": CSRF.search(page).group(1),
                                                 "cohort-name": "Follow-up by mistake",
                                                 "cohort-form": "follow_up|1"})
    assert answer.status_code == 422 and 'class="error-summary"' in answer.text
    assert store.list_cohorts() == []


def test_cohort_create_on_the_command_line_refuses_a_follow_up_in_one_line(runner, store):
    result = runner.invoke(cli, ["cohort", "create", "--name", "Follow-up by mistake", "--form", "follow_up"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {FOLLOW_UP_REFUSED}"]
    assert store.list_cohorts() == []


def test_a_cohort_made_on_an_agreement_before_the_check_gets_errors_that_say_what_happened(client, store,
                                                                                            agreement):
    # Made the way an earlier version allowed, straight into the store.
    publish(store, agreement)
    store.add_cohort({"id": "legacy", "name": "Legacy", "form_id": agreement.id, "form_version": agreement.version,
                      "schools": [], "invite": "0" * 24, "created_at": "2026-01-01T00:00:00+00:00",
                      "closes_on": None})
    for url in ("/coordinator/cohorts/legacy/menu", "/coordinator/cohorts/legacy/expertise",
                "/coordinator/cohorts/legacy/specialists", "/specialist/cohorts/legacy/export/members.csv"):
        page = client.get(url)
        assert page.status_code == 409, url
        title = TITLE.search(page.text).group(1)
        assert title != STALE_TITLE and "changed elsewhere" not in title, url


@pytest.mark.parametrize("error, stale", [
    (StaleRevision("x"), True), (StaleAgreement({}), True), (StaleProposal("x"), True),
    (AlreadySubmitted("x"), False), (ChoiceLocked("x"), False), (BadChoice("x"), False), (Incomplete([]), False),
    (NotYours("x"), False), (NoAgreement("x"), False), (Dissolved("x"), False), (GroupingError("x"), False),
])
def test_only_stale_edits_are_titled_as_changed_elsewhere(app, error, stale):
    from diagnostic.web.pages import error_page

    with app.test_request_context():
        page, status = error_page(error.status, str(error), error.title)
    title = TITLE.search(page).group(1)
    assert status == error.status
    assert ("changed elsewhere" in title) == stale, title


def test_the_shipped_starting_point_is_still_accepted(store, shipped):
    assert create_cohort(store, shipped, "Fine")["form_id"] == "starting_point"
