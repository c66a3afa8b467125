"""The specialist's pages in a real browser (issue 13, items 9, 10 and 12), at 1280 px and at 390x844, axe at zero.

Each test signs in as the demo's specialist on the served app (real CSRF and rate limits) and screenshots every
page it changes under test-artifacts/screenshots/ (names start with "specialist-pages-").
"""

from __future__ import annotations

import re
import secrets

from browser_support import check_both_widths, expect, heading, sign_in

from diagnostic.services import audit
from diagnostic.services.accounts import create_user
from diagnostic.services.cohorts import create_cohort, definition_dirs, published_definition
from diagnostic.services.demo import planted_cohort
from diagnostic.services.grouping import refit
from forms.catalog import find_definition

REGROUPING = 90_000  # ms: fitting a grouping on a busy shared machine can take a while


def signed_in(site, staff_page):
    page = staff_page("specialist")  # signed in once for the module (tests/conftest.py)
    page.goto(site.url("/specialist/"))
    expect(heading(page)).to_have_text("Cohorts")
    return page


def test_a_specialist_opens_a_teachers_starting_point_from_their_group(site, staff_page):
    page = signed_in(site, staff_page)
    page.goto(site.url("/specialist/cohorts/demo/groups/A"))
    check_both_widths(page, "specialist-pages-group-with-links")
    teacher = page.locator("table.data tbody th[scope=row] a").first
    name = teacher.inner_text()
    before = len(audit.entries(site.store, action="view starting point"))
    teacher.click()

    expect(heading(page)).to_have_text(name)
    main = page.locator("main")
    expect(main).to_contain_text("out of 5")  # scores say what they are out of, beside the cohort's
    expect(main).to_contain_text("Cohort average")
    for part in ("What might get in the way", "Their pupils", "Learning focus and goal", "All their answers"):
        expect(page.get_by_role("heading", level=2, name=part)).to_be_visible()
    check_both_widths(page, "specialist-pages-starting-point")
    assert len(audit.entries(site.store, action="view starting point")) == before + 1
    page.get_by_role("link", name=re.compile(r"^Group A")).click()
    expect(page).to_have_url(re.compile(r"/groups/A$"))


def small_cohort(site) -> dict:
    """20 grouped teachers, so that 8 groups must leave one of at most 2 (the minimum is 3), and their specialist."""
    store = site.store
    with site.app.app_context():
        shipped, _ = find_definition("starting_point", None, definition_dirs(site.app.config["DATA"]))
        cohort = create_cohort(store, shipped, "Small network", ["Ashfield"], cohort_id="small")
        definition = published_definition(store, cohort["form_id"], cohort["form_version"])
        responses, _ = planted_cohort(cohort, definition, 20, seed=11)
        store.add_responses("small", responses)
        refit(store, cohort, 3)
        password = secrets.token_urlsafe(12)
        create_user(store, "small.specialist@example.org", "specialist", ["small"], password)
    return {"email": "small.specialist@example.org", "password": password}


def test_a_too_small_grouping_is_refused_kept_when_accepted_and_the_earlier_one_comes_back(site, new_page):
    account = small_cohort(site)
    page = new_page()
    page.goto(site.url("/specialist/cohorts/small/"))
    sign_in(page, account)
    expect(heading(page)).to_contain_text("Small network")
    before = [c.inner_text() for c in page.locator("li.card h3 a").all()]
    page.get_by_label("Number of groups").select_option("8")
    page.get_by_role("button", name="Re-group now").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("would leave a group of", timeout=REGROUPING)
    expect(alert).to_contain_text("Nothing was changed")
    assert [c.inner_text() for c in page.locator("li.card h3 a").all()] == before
    check_both_widths(page, "specialist-pages-small-groups-refused")

    page.get_by_label("Number of groups").select_option("8")
    page.get_by_label("Keep the new groups even if one is smaller than the minimum group size").check()
    page.get_by_role("button", name="Re-group now").click()
    expect(page.get_by_role("status")).to_contain_text("8 groups", timeout=REGROUPING)
    expect(page.locator("main")).to_contain_text("kept because it was asked for")
    expect(page.get_by_role("heading", name="Earlier groupings")).to_be_visible()
    check_both_widths(page, "specialist-pages-earlier-groupings")

    page.locator(".earlier-list > li").first.get_by_role("button", name=re.compile("Go back to this grouping")).click()
    expect(page.get_by_role("status")).to_contain_text("Went back to the grouping of", timeout=REGROUPING)
    assert [c.inner_text() for c in page.locator("li.card h3 a").all()] == before
    check_both_widths(page, "specialist-pages-went-back")


def test_the_focuses_and_group_pages_give_every_figure_its_scale(site, staff_page):
    page = signed_in(site, staff_page)
    page.goto(site.url("/specialist/cohorts/demo/focuses"))
    first = page.locator("main ol > li p").first
    fit = r"Fit -?\d+\.\d out of a possible \d+\.\d\s+\(-?\d+% of the best possible fit\)"
    expect(first).to_contain_text(re.compile(fit))
    expect(first).to_contain_text(re.compile(r"chosen by \d+ of the \d+ teachers?\s+\(\d+%\)"))
    check_both_widths(page, "specialist-pages-focuses")
    page.goto(site.url("/specialist/cohorts/demo/groups/A"))
    standout = r"\d\.\d out of 5 against \d\.\d out of 5 across the cohort"
    expect(page.locator("main")).to_contain_text(re.compile(standout))
    expect(page.locator("table.data").first).to_contain_text("(1 to 5)")
