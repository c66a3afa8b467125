"""The specialist's pages in a real browser (issue 13, items 9, 10 and 12), at 1280 px and at 390x844, axe at zero.

Each test signs in as the demo's specialist on the served app (real CSRF and rate limits) and screenshots every
page it changes under test-artifacts/screenshots/ (names start with "specialist-pages-").
"""

from __future__ import annotations

import re

from browser_support import check_both_widths, expect, heading, sign_in

from diagnostic import audit


def signed_in(site, new_page):
    page = new_page()
    page.goto(site.url("/specialist/"))
    sign_in(page, site.accounts["specialist"])
    expect(heading(page)).to_have_text("Cohorts")
    return page


def test_a_specialist_opens_a_teachers_starting_point_from_their_group(site, new_page):
    page = signed_in(site, new_page)
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
