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


# ---- choosing a focus ------------------------------------------------------------------------------------------

def test_on_a_phone_each_ranked_focus_is_chosen_with_its_own_button_near_the_top(site, new_page):
    page = new_page(PHONE)
    page.goto(site.url(site.links["Cal Singh"]))
    page.get_by_role("link", name=re.compile("See the learning focuses ranked for you")).click()
    expect(heading(page)).to_have_text("Choose your learning focus")
    cards = page.locator("li.focus-card")
    expect(cards).to_have_count(10)
    # The top three show their reasons; the rest are folded, and every card has its own button.
    expect(page.locator("li.focus-card details[open]")).to_have_count(3)
    expect(page.locator("li.focus-card form.choose button")).to_have_count(10)
    first = page.locator("li.focus-card form.choose button").first
    top = first.evaluate("b => b.getBoundingClientRect().top + window.scrollY")
    assert top < PHONE["height"] * 1.5, f"the first choose button is {top:.0f} px down the phone page"
    check_both_widths(page, "menu-partner-menu")

    fourth = cards.nth(3)
    title = fourth.locator("h3").inner_text()
    expect(fourth.locator(".reasons")).not_to_be_visible()
    fourth.locator("summary").click()
    expect(fourth.locator(".reasons")).to_be_visible()
    fourth.get_by_role("button", name=f"Choose {title}").click()

    expect(page.get_by_role("status").filter(has_text="Your learning focus is saved")).to_be_visible()
    expect(page.locator("section.your-choice")).to_contain_text(title)
    expect(page.locator("li.focus-card.chosen h3")).to_contain_text(title)
    check_both_widths(page, "menu-partner-menu-chosen")
    page.get_by_label("Your goal, in your own words").fill("Pupils use my feedback in the same lesson.")
    page.get_by_role("button", name="Save the pupils and my goal").click()
    expect(heading(page)).to_have_text("Thank you: your answers are submitted")
    expect(page.locator("ul.chosen li")).to_have_text([title])
    expect(page.locator("blockquote.goal")).to_have_text("Pupils use my feedback in the same lesson.")


def test_a_bad_choice_is_told_in_the_error_summary(site, new_page):
    page = new_page()
    page.goto(site.url(site.links["Cal Singh"]))
    page.goto(site.url("/questionnaire/menu"))
    # A tab opened before the coordinator took a focus off the menu sends a focus no longer offered.
    page.locator("li.focus-card form.choose input[name=focus]").first.evaluate("i => i.value = 'retired_focus'")
    page.locator("li.focus-card form.choose button").first.click()
    expect(page.locator(".error-summary")).to_contain_text("not on your programme's menu")
    check_both_widths(page, "menu-partner-menu-error")


# ---- starting with a partner -----------------------------------------------------------------------------------

def test_a_confirmed_pair_finds_the_first_steps_on_the_summary_and_says_how_to_reach_them(site, new_page):
    from diagnostic.services import partnerships

    store, cohort = site.store, site.cohort
    amy_id, bea_id = response_of(site, "Amy Brennan")["id"], response_of(site, "Bea Okafor")["id"]
    partnerships.lock(store, cohort, "co-coaching", [amy_id, bea_id])
    with site.app.app_context():
        partnerships.confirm(store, cohort, "co-coaching", partnerships.run(store, cohort, "co-coaching")["id"])

    amy = new_page(PHONE)
    amy.goto(site.url(site.links["Amy Brennan"]))
    start = amy.locator("section.partnership-start")
    expect(start.get_by_role("heading", name="Your coaching partnership is confirmed")).to_be_visible()
    expect(start.locator("ol.first-steps li")).to_have_count(3)
    expect(start).to_contain_text("Meet Bea Okafor")
    expect(start.get_by_role("link", name="Open your learning agreement")).to_be_visible()
    # On a phone the partnership comes before the scores.
    assert start.bounding_box()["y"] < amy.locator("table.scores").bounding_box()["y"]
    check_both_widths(amy, "menu-partner-summary-partnered")

    start.get_by_role("link", name="Say how your partner can reach you").click()
    expect(heading(amy)).to_have_text("Your coaching partnership")
    # The field stops at the limit as the teacher types (WTForms sets maxlength from the length check).
    field = amy.get_by_label("How can your partner reach you?")
    field.fill("x" * 250)
    assert len(field.input_value()) == 200
    amy.get_by_label("How can your partner reach you?").fill("a.brennan@ashfield.example, or the staffroom at break")
    amy.get_by_role("button", name="Save how to reach me").click()
    expect(amy.get_by_role("status").filter(has_text="Your coaching partner sees how to reach you")).to_be_visible()
    expect(amy.locator(".people")).to_contain_text("Bea Okafor has not said how to reach them yet")
    check_both_widths(amy, "menu-partner-partner-page")

    bea = new_page(PHONE)
    bea.goto(site.url(site.links["Bea Okafor"]))
    expect(bea.locator("section.partnership-start")).to_contain_text(
        "How to reach Amy Brennan: a.brennan@ashfield.example, or the staffroom at break")
    check_both_widths(bea, "menu-partner-summary-partner-contact")
