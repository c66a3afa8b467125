"""The coordinator's pages as a coordinator finds them: one link back to their cohorts, the co-coaching page's
summary, filters and pages, the move list, the trio wording, confirming everything in two steps, and figures that
say what they are out of."""

from __future__ import annotations

import re

import pytest
from conftest import sign_in_as

from diagnostic.cohorts import create_cohort


def links_to(page: str, href: str) -> int:
    return len(re.findall(f'href="{re.escape(href)}"', page))


# ---- item 14: one link to one's cohorts, and the way in for staff -----------------------------------------------

@pytest.mark.parametrize(("role", "home", "pages"), [
    ("coordinator", "/coordinator/", ["/coordinator/", "/coordinator/cohorts/{id}/partnerships/co-coaching",
                                      "/coordinator/cohorts/{id}/menu", "/coordinator/cohorts/{id}/expertise",
                                      "/coordinator/cohorts/{id}/specialists"]),
    ("specialist", "/specialist/", ["/specialist/", "/specialist/cohorts/{id}/"]),
])
def test_staff_see_exactly_one_link_to_their_cohorts_on_every_page(app, store, shipped, role, home, pages):
    cohort = create_cohort(store, shipped, "Nav network", ["Ashfield"])
    browser = app.test_client()
    sign_in_as(browser, app, role, [cohort["id"]])
    for path in pages:
        page = browser.get(path.format(id=cohort["id"]))
        assert page.status_code == 200, path
        assert links_to(page.text, home) == 1, f"{path} links to {home} {links_to(page.text, home)} times"


def test_the_cohort_list_marks_its_own_link_as_the_current_page(app, store):
    browser = app.test_client()
    sign_in_as(browser, app, "coordinator")
    page = browser.get("/coordinator/").text
    assert re.search(r'href="/coordinator/"[^>]*aria-current="page"', page)


def test_the_home_page_leads_staff_to_sign_in_and_signed_in_staff_to_their_cohorts(app):
    visitor = app.test_client()
    assert links_to(visitor.get("/").text, "/sign-in") == 1
    coordinator = app.test_client()
    sign_in_as(coordinator, app, "coordinator")
    page = coordinator.get("/").text
    assert links_to(page, "/sign-in") == 0 and links_to(page, "/coordinator/") >= 1
