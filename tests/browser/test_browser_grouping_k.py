"""In the browser: the specialist's groups page explains how the number of groups was chosen (issue 13, item 11).

The demo cohort is grouped with k "auto", so its overview lists every number of groups tried with the silhouette
that narrowed the field and the BIC that chose among the contenders, at a desktop's width and a phone's.
"""

from __future__ import annotations

from browser_support import check_both_widths, expect, heading


def test_the_groups_page_shows_the_silhouette_and_bic_behind_the_number_of_groups(site, staff_page):
    page = staff_page("specialist")  # signed in once for the module (tests/conftest.py)
    page.goto(site.url("/specialist/"))
    page.get_by_role("link", name="Demo network (synthetic teachers)").click()
    expect(heading(page)).to_contain_text("Demo network (synthetic teachers)")

    page.get_by_text("How the number of groups was chosen").click()
    table = page.get_by_role("table", name="Numbers of groups tried")
    expect(table).to_be_visible()
    headers = table.get_by_role("columnheader")
    expect(headers).to_contain_text(["Groups", "Silhouette", "BIC", "Smallest group", "Allowed"])
    # One group comes first: it is what every split is compared with.
    first_row = table.get_by_role("row").nth(1).get_by_role("cell")
    expect(first_row.first).to_have_text("1")
    check_both_widths(page, "grouping-k-01-how-chosen")
