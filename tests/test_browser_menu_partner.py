"""The teacher's menu, partner and data pages in a real browser, at 1280 px and at a phone's 390x844.

Each changed page is checked with axe (zero violations) and the form checks, and kept as a screenshot in
test-artifacts/screenshots/ (see tests/browser_support.py). Without Playwright or Debian's chromium these tests
skip; under CI=true they fail instead.
"""

from __future__ import annotations

import re

from browser_support import PHONE, check_both_widths, heading

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails, under CI=true) and says why
    expect = None


def response_of(site, name: str) -> dict:
    cohort = site.cohort["id"]
    return next(r for r in site.store.list_responses(cohort) if r["answers"].get("teacher_name") == name)


# ---- asking for one's data to be deleted ----------------------------------------------------------------------

def test_asking_for_deletion_takes_a_confirmation_and_going_back_changes_nothing(site, new_page):
    page = new_page(PHONE)
    page.goto(site.url(site.links["Dan Walsh"]))
    page.get_by_role("link", name=re.compile("Your data")).click()
    expect(heading(page)).to_have_text("Your data")
    page.get_by_role("link", name="Ask for my data to be deleted").click()

    expect(heading(page)).to_have_text("Delete your data?")
    expect(page.get_by_role("heading", name="What will be deleted")).to_be_visible()
    expect(page.locator("ul.to-delete")).to_contain_text("Your answers to the questionnaire")
    check_both_widths(page, "menu-partner-delete-confirm")
    # The way back leaves everything as it was.
    page.get_by_role("link", name="No, keep my data and go back").click()
    expect(heading(page)).to_have_text("Your data")
    assert "erasure_requested_at" not in response_of(site, "Dan Walsh")

    page.get_by_role("link", name="Ask for my data to be deleted").click()
    page.get_by_role("button", name="Yes, delete my data").click()
    expect(heading(page)).to_have_text("Your data")
    expect(page.get_by_role("status").filter(has_text="Your request is recorded")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for my data to be deleted")).to_have_count(0)
    check_both_widths(page, "menu-partner-delete-asked")
    assert response_of(site, "Dan Walsh")["erasure_requested_at"]
