"""The coordinator's learning-cycles page: close the starting point, open cycle 2 on a follow-up, and refusals."""

from __future__ import annotations

import re

import pytest
from conftest import sign_in_as
from pages import visible_text

from diagnostic.services.cycles import cycles
from diagnostic.services.journey import new_response

CSRF = re.compile(r'name="(?:open|close)-csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def coordinator(app, cohort):
    browser = app.test_client()
    sign_in_as(browser, app, "coordinator", [cohort["id"]])
    return browser


def url(cohort, action=""):
    return f"/coordinator/cohorts/{cohort['id']}/cycles" + (f"/{action}" if action else "")


def post(browser, cohort, action, **fields):
    token = CSRF.search(browser.get(url(cohort)).text).group(1)
    prefix = "open" if action == "open" else "close"
    return browser.post(url(cohort, action), data={f"{prefix}-csrf_token": token,
                                                   **{f"{prefix}-{k}": v for k, v in fields.items()}})


def test_a_coordinator_closes_the_starting_point_and_opens_the_follow_up(coordinator, store, cohort):
    page = coordinator.get(url(cohort))
    assert page.status_code == 200 and "Close cycle 1" in visible_text(page.text)
    assert post(coordinator, cohort, "close").status_code == 302
    page = coordinator.get(url(cohort)).text
    assert "Open cycle 2" in visible_text(page) and 'value="follow_up|1"' in page
    assert post(coordinator, cohort, "open", form="follow_up|1").status_code == 302
    saved = cycles(store.get_cohort(cohort["id"]))
    assert [(c["number"], c["form_id"], bool(c["closed_at"])) for c in saved] == [
        (1, cohort["form_id"], True), (2, "follow_up", False)]
    assert "Close cycle 2" in visible_text(coordinator.get(url(cohort)).text)


def test_closing_with_unfinished_questionnaires_is_refused_with_the_reason(coordinator, store, cohort):
    store.add_responses(cohort["id"], [new_response(cohort)[0]])
    before = store.get_cohort(cohort["id"])
    refused = post(coordinator, cohort, "close")
    assert refused.status_code == 409 and "1 teacher has not finished" in visible_text(refused.text)
    assert store.get_cohort(cohort["id"]) == before


@pytest.mark.parametrize("chosen", ["starting_point|2", "learning_agreement|1", "nonsense", ""])
def test_only_a_listed_follow_up_can_open_a_cycle(coordinator, store, cohort, chosen):
    assert post(coordinator, cohort, "close").status_code == 302
    before = store.get_cohort(cohort["id"])
    refused = post(coordinator, cohort, "open", form=chosen)
    assert refused.status_code == 422 and "There is a problem" in refused.text
    assert store.get_cohort(cohort["id"]) == before


def test_a_stale_tab_cannot_open_a_cycle_while_one_is_open(coordinator, store, cohort):
    assert post(coordinator, cohort, "close").status_code == 302
    token = CSRF.search(coordinator.get(url(cohort)).text).group(1)
    assert post(coordinator, cohort, "open", form="follow_up|1").status_code == 302
    before = store.get_cohort(cohort["id"])
    again = coordinator.post(url(cohort, "open"), data={"open-csrf_token": token, "open-form": "follow_up|1"})
    assert again.status_code in (409, 422) and store.get_cohort(cohort["id"]) == before


def test_a_post_without_its_token_changes_nothing(coordinator, store, cohort):
    before = store.get_cohort(cohort["id"])
    assert coordinator.post(url(cohort, "close")).status_code == 400
    assert store.get_cohort(cohort["id"]) == before
