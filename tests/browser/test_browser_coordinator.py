"""The coordinator's pages in a real browser (Playwright driving Debian's Chromium), at 1280 px and at 390x844.

The demo cohort (61 synthetic teachers) is enough to need a second page of partnerships. The coordinator reads the
summary, narrows the list by school and by flag, pages on, opens the move list, then confirms everything in two
steps. Every page is saved as a screenshot under test-artifacts/screenshots/ and checked with axe (zero violations)
at both widths. Without Playwright or Debian's chromium these tests skip; under CI=true they fail instead.
"""

from __future__ import annotations

import re

from browser_support import check_both_widths, heading, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails, under CI=true) and says why
    expect = None


def test_home_page_leads_staff_to_sign_in(site, new_page):
    page = new_page()
    page.goto(site.url("/"))
    check_both_widths(page, "coordinator-pages-01-home")
    page.get_by_role("link", name="sign in to the staff pages").click()
    expect(heading(page)).to_have_text("Sign in")


def test_a_coordinator_reads_the_summary_filters_pages_moves_and_confirms_in_two_steps(site, new_page):
    page = new_page()
    page.goto(site.url("/coordinator/"))
    sign_in(page, site.accounts["coordinator"])
    expect(heading(page)).to_have_text("Cohorts")
    # One link back to the cohorts, in the staff bar.
    expect(page.get_by_role("link", name=re.compile("cohorts", re.I))).to_have_count(1)
    page.goto(site.url("/coordinator/cohorts/demo/partnerships/co-coaching"))
    expect(page.get_by_role("link", name=re.compile("cohorts", re.I))).to_have_count(1)
    page.get_by_role("button", name="Propose co-coaching partnerships").click()

    # The summary comes first, for the whole proposal; the list shows one page of 25.
    summary = page.locator("#summary")
    expect(summary).to_contain_text(re.compile(r"\d+ co-coaching partnerships proposed: \d+ pairs? and \d+ trios?"))
    expect(summary).to_contain_text(re.compile(r"of the \d+ teachers waiting are placed"))
    expect(summary).to_contain_text("not placed")
    expect(summary).to_contain_text("weak point")
    rows = page.locator("table.partnerships tbody tr")
    expect(rows).to_have_count(25)
    expect(page.locator("table.partnerships")).not_to_contain_text("Score")
    expect(page.locator("table.partnerships td.num").first).to_have_text(re.compile(r"^\d+%$"))
    check_both_widths(page, "coordinator-pages-02-summary")

    # Narrow by school with the form: the address keeps the filter, every row has someone from that school.
    school = "Brook Lane Academy"
    page.get_by_label("School", exact=True).select_option(school)
    page.get_by_role("button", name="Show these partnerships").click()
    expect(page).to_have_url(re.compile(r"school="))
    for n in range(rows.count()):
        expect(rows.nth(n)).to_contain_text(school)
    check_both_widths(page, "coordinator-pages-03-filtered")

    # Only the weak ones, weakest first, from the summary's link.
    page.get_by_role("link", name="Show only those, weakest first").click()
    expect(page.get_by_label("Show", exact=True)).to_have_value("weak")
    expect(rows.first.locator(".weak").first).to_be_visible()

    # Every partnership again, and on to the second page.
    page.get_by_role("link", name="Show every partnership").first.click()
    page.get_by_role("navigation", name="Pages of proposed partnerships").get_by_role("link", name=re.compile(
        "^Next")).click()
    expect(page.get_by_role("navigation", name="Pages of proposed partnerships")).to_contain_text("Page 2 of")
    check_both_widths(page, "coordinator-pages-04-page-two")

    # The move list starts with no one chosen, and finds people by name.
    rows.first.get_by_text("Rule out or move").click()
    rows.first.get_by_role("link", name=re.compile("^Move ")).first.click()
    expect(heading(page)).to_have_text(re.compile("^Move "))
    expect(page.get_by_label(re.compile("^The partner to put"))).to_have_value("")
    check_both_widths(page, "coordinator-pages-05-move")
    page.get_by_label("Find by name or school").fill("Grace")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("“Grace”")
    check_both_widths(page, "coordinator-pages-06-move-found")
    page.get_by_role("link", name="Cancel and go back").click()

    # Confirming everything first shows what will be confirmed; going back confirms nothing.
    page.get_by_role("button", name=re.compile(r"^Confirm all \d+ co-coaching partnerships")).click()
    expect(heading(page)).to_have_text(re.compile(r"^Confirm \d+ co-coaching partnerships\?$"))
    expect(page.locator("main")).to_contain_text("Nothing is confirmed yet")
    check_both_widths(page, "coordinator-pages-07-confirm-review")
    page.get_by_role("link", name="No, go back to the partnerships").click()
    expect(page.locator("#confirmed")).to_contain_text("None confirmed yet")

    page.get_by_role("button", name=re.compile(r"^Confirm all \d+ co-coaching partnerships")).click()
    count = re.search(r"\d+", heading(page).inner_text()).group(0)
    page.get_by_role("button", name=f"Yes, confirm all {count} co-coaching partnerships").click()
    expect(page.get_by_role("status").filter(has_text=f"Confirmed {count} co-coaching partnerships")).to_be_visible()
    expect(page.locator("#confirmed")).to_contain_text(f"of {count} confirmed co-coaching partnerships")
    check_both_widths(page, "coordinator-pages-08-confirmed")


def test_the_other_coordinator_pages_say_what_their_figures_are_out_of(site, staff_page):
    page = staff_page("coordinator")  # signed in once for the module (tests/conftest.py)
    page.goto(site.url("/coordinator/cohorts/demo/expertise"))
    expect(heading(page)).to_have_text(re.compile("^Expertise map"))
    expect(page.locator("table.expertise thead")).to_contain_text(re.compile(r"\(of \d+ teachers\)"))
    expect(page.get_by_role("link", name=re.compile("cohorts", re.I))).to_have_count(1)
    check_both_widths(page, "coordinator-pages-09-expertise")

    page.goto(site.url("/coordinator/cohorts/demo/specialists"))
    expect(page.locator("#listed table")).to_contain_text(re.compile(r"\d+ teachers or groups"))
    check_both_widths(page, "coordinator-pages-10-specialists")

    page.goto(site.url("/coordinator/cohorts/demo/partnerships/mentoring"))
    page.get_by_role("button", name="Propose mentoring partnerships").click()
    expect(page.locator("#summary")).to_contain_text("mentoring partnership")
    expect(page.locator("main")).not_to_contain_text("Total score")
    check_both_widths(page, "coordinator-pages-11-mentoring")

    page.goto(site.url("/coordinator/cohorts/demo/menu"))
    expect(page.get_by_role("link", name=re.compile("cohorts", re.I))).to_have_count(1)
    check_both_widths(page, "coordinator-pages-12-menu")
