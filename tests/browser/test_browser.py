"""The main journeys in a real browser (Playwright driving Debian's Chromium), each page checked for accessibility.

One server per module: the real app, with CSRF and rate limits on, over a temporary data directory seeded with the
demo cohort (61 submitted synthetic teachers, its groups and one account per role) and a small cohort of four
submitted teachers whose private links the tests hold, for the coordinator to pair. Every page of every journey is
saved as a screenshot in test-artifacts/screenshots/ and checked with axe-core (WCAG 2.1 A and AA) and with the
form checks axe does not make (see tests/browser_support.py). Without Playwright or Debian's chromium these tests
skip; under CI=true they fail instead.
"""

from __future__ import annotations

import itertools
import re

import pytest
from browser_support import (
    FORM_CHECKS,
    assert_error_page,
    axe_violations,
    check_page,
    choose_option,
    choose_radio,
    focused,
    heading,
    press_button,
    save,
    sign_in,
    tab_to,
    tick,
    type_into,
    walk_focus,
)

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails, under CI=true) and says why
    expect = None

# The pair's names, in whichever order the page gives them.
BOTH = "(Amy Brennan and Bea Okafor|Bea Okafor and Amy Brennan)"


# ---- the teacher ----------------------------------------------------------------------------------------------

def test_a_teacher_answers_from_the_invitation_fixes_an_error_resumes_and_chooses_a_focus(site, new_page):
    page = new_page()
    page.goto(site.url(f"/join/{site.demo['invite']}"))
    expect(heading(page)).to_have_text("Your starting point")
    check_page(page, "teacher-01-invitation")

    # A failed start: no school chosen.
    page.get_by_role("button", name="Start").click()
    assert_error_page(page, "Choose your school")
    check_page(page, "teacher-02-invitation-error")
    page.get_by_label("Which school do you work in?").select_option("Brook Lane Academy")
    page.get_by_role("button", name="Start").click()

    # The private link is shown once, on a page whose own address it is.
    expect(heading(page)).to_have_text("Your private link")
    check_page(page, "teacher-03-private-link")
    link = page.locator("a.resume-link").get_attribute("href")
    assert re.fullmatch(re.escape(site.base) + r"/resume/demo\.[0-9a-f]{16}\.[0-9a-f]{48}", link), link
    page.get_by_role("link", name="Start the questionnaire").click()

    # A failed page: nothing required answered and a number out of range; what was typed is kept.
    expect(heading(page)).to_have_text("About you")
    check_page(page, "teacher-03-about")
    years = page.get_by_label("How many years have you been teaching?")
    years.fill("99")
    save(page)
    assert_error_page(page, "Tick the box to agree before you go on", "Enter a number from 0 to 50")
    expect(page.locator(".error-summary li")).to_have_count(5)
    expect(years).to_have_value("99")
    check_page(page, "teacher-04-about-errors")
    page.locator(".error-summary a", has_text="Enter a number from 0 to 50").click()
    expect(years).to_be_focused()
    years.fill("8")
    page.get_by_label("Yes, I agree").check()
    page.get_by_role("group", name="What is your main role?").get_by_label("Class or subject teacher").check()
    page.get_by_role("group", name="Where are you in your teaching career?").get_by_label("6 to 14 years").check()
    page.get_by_role("group", name="Which phase do you mainly teach?").get_by_label("Secondary").check()
    page.get_by_label("Maths").check()
    save(page)

    expect(heading(page)).to_have_text("Your pupils")
    check_page(page, "teacher-05-pupils")
    page.get_by_label("The whole class").check()
    page.get_by_label("First choice").select_option(label="Reasoning and explaining their thinking")
    save(page)

    # Stop here, and come back in another browser with the private link.
    expect(heading(page)).to_have_text("What you believe about teaching and learning")
    page.context.close()
    page = new_page()
    page.goto(link)
    expect(heading(page)).to_have_text("What you believe about teaching and learning")
    page.get_by_role("button", name="Back to the previous page").click()
    expect(page.get_by_label("The whole class")).to_be_checked()
    expect(page.get_by_label("First choice")).to_have_value("reasoning")
    save(page)

    expect(heading(page)).to_have_text("What you believe about teaching and learning")
    check_page(page, "teacher-06-beliefs")
    for item in page.locator("fieldset.grid-item").all():
        item.get_by_label("Agree", exact=True).check()
    save(page)

    expect(heading(page)).to_have_text("The strategies on the menu")
    check_page(page, "teacher-07-strategies")
    for item in page.locator("fieldset.grid-item:has(input[name^=value_])").all():
        item.get_by_label("Very important").check()
    for item in page.locator("fieldset.grid-item:has(input[name^=confidence_])").all():
        item.get_by_label("Fairly confident").check()
    page.locator("fieldset.grid-item:has(input[name=confidence_questioning])").get_by_label(
        "Not yet confident").check()
    save(page)

    expect(heading(page)).to_have_text("What might get in the way")
    check_page(page, "teacher-08-barriers")
    page.get_by_label("Not enough time").check()
    save(page)

    expect(heading(page)).to_have_text("How strongly")
    check_page(page, "teacher-09-barrier-strength")
    page.get_by_label("Quite a lot").check()
    save(page)

    expect(heading(page)).to_have_text("Your learning focus")
    check_page(page, "teacher-10-focus")
    page.get_by_label("First choice").select_option(label="Questioning")
    page.get_by_label("Choice 2").select_option(label="Feedback")
    page.get_by_label("What would you like to change for your pupils?").fill("More of my Year 9 class explain "
                                                                             "how they got their answer.")
    save(page)

    expect(heading(page)).to_have_text("Working with a partner")
    check_page(page, "teacher-11-coaching")
    page.get_by_label("Your name").fill("Alex Morgan")
    page.get_by_label("Both, taking turns (co-coaching)").check()
    page.get_by_role("group", name="How comfortable would you feel").get_by_label("Comfortable", exact=True).check()
    page.get_by_label("Lunchtime").check()
    save(page)

    expect(heading(page)).to_have_text("Check your answers")
    expect(page.locator("main")).to_contain_text("Alex Morgan")
    expect(page.locator("main")).to_contain_text("Reasoning and explaining their thinking")
    check_page(page, "teacher-12-review")
    page.get_by_role("button", name="Submit my answers").click()

    expect(heading(page)).to_have_text("Thank you: your answers are submitted")
    expect(page.locator("ol.chosen li")).to_have_text(["Questioning", "Feedback"])
    check_page(page, "teacher-13-summary")
    page.get_by_role("link", name=re.compile("See the learning focuses ranked for you")).click()

    expect(heading(page)).to_have_text("Choose your learning focus")
    expect(page.locator("li.focus-card")).to_have_count(10)
    check_page(page, "teacher-14-menu")
    page.get_by_role("button", name="Choose Questioning", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Your learning focus is saved")).to_be_visible()
    page.get_by_label("Which pupils is it mainly for?").select_option(label="The whole class")
    page.get_by_label("Your goal, in your own words").fill("Wait longer after each question.")
    page.get_by_role("button", name="Save the pupils and my goal").click()

    expect(page.get_by_role("status").filter(has_text="Your learning focus is saved")).to_be_visible()
    expect(page.locator("ul.chosen li")).to_have_text(["Questioning"])
    expect(page.locator("blockquote.goal")).to_have_text("Wait longer after each question.")
    check_page(page, "teacher-15-summary-with-focus")


def test_the_whole_questionnaire_can_be_completed_with_the_keyboard_alone(site, new_page):
    """Tab, Shift+Tab, Space, arrows and Enter only: no clicks, no fill; every page walked for traps and focus."""
    page = new_page()
    pages = itertools.count(1)

    def arrive(title: str, name: str) -> None:
        """On a new page: check its heading and accessibility, then Tab through all of it and back to the top."""
        expect(heading(page)).to_have_text(title)
        check_page(page, f"keyboard-{next(pages):02d}-{name}")
        walk_focus(page)

    page.goto(site.url(f"/join/{site.demo['invite']}"))
    arrive("Your starting point", "invitation")
    choose_option(page, "#school", "Castleton High")
    press_button(page)
    arrive("Your private link", "private-link")
    tab_to(page, "a.button")
    page.keyboard.press("Enter")

    # A failed page, put right by following the error summary's link to the field.
    arrive("About you", "about")
    press_button(page)
    assert_error_page(page, "Tick the box to agree before you go on")
    arrive("About you", "about-errors")
    tab_to(page, ".error-summary a[href='#consent']")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "consent", "the error summary's link did not take the focus to the field"
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    choose_radio(page, "role", "class_teacher")
    choose_radio(page, "career_stage", "developing")
    type_into(page, "#years_teaching", "4")
    choose_radio(page, "phase", "primary")
    tick(page, "input[name=subjects][value=english]")
    tick(page, "input[name=subjects][value=arts]")
    tab_to(page, "input[name=subjects][value=english]", key="Shift+Tab")  # back a few stops, to change our mind
    page.keyboard.press("Space")
    assert not focused(page)["checked"]
    press_button(page)

    arrive("Your pupils", "pupils")
    tick(page, "input[name=pupil_groups][value=eal]")
    choose_option(page, "#pupil_priorities-rank_1", "Speaking and listening")
    press_button(page)

    arrive("What you believe about teaching and learning", "beliefs")
    for item, point in [("lc1", "4"), ("lc2", "2"), ("lc3", "5"), ("lc4", "1"), ("lc5", "4"), ("ef1", "3"),
                        ("ef2", "4"), ("ef3", "2"), ("ef4", "4"), ("op1", "5"), ("op2", "1"), ("op3", "5"),
                        ("op4", "4")]:
        choose_radio(page, item, point)
    press_button(page)

    # Soft-required questions left unanswered: the page asks once, and Save again carries on.
    arrive("The strategies on the menu", "strategies")
    press_button(page)
    expect(page.locator(".warning-summary")).to_contain_text("Before you go on")
    arrive("The strategies on the menu", "strategies-warning")
    press_button(page)

    arrive("What might get in the way", "barriers")
    tick(page, "input[name=barriers][value=workload]")
    press_button(page)

    arrive("How strongly", "barrier-strength")
    choose_radio(page, "barrier_workload", "4")
    press_button(page)

    arrive("Your learning focus", "focus")
    choose_option(page, "#focus_choice-rank_1", "Classroom talk")
    type_into(page, "#focus_goal", "More pupils join in when we talk as a class.")
    press_button(page)

    arrive("Working with a partner", "coaching")
    type_into(page, "#teacher_name", "Kit Keyboard")
    choose_radio(page, "coaching_role", "be_coached")
    choose_radio(page, "observation_comfort", "3")
    tick(page, "input[name=availability][value=after_school]")
    press_button(page)

    arrive("Check your answers", "review")
    expect(page.locator("main")).to_contain_text("Kit Keyboard")
    expect(page.locator("main")).to_contain_text("Speaking and listening")
    subjects = page.locator(".review-row", has=page.locator("dt", has_text="Which subjects do you mainly teach?"))
    expect(subjects.locator("dd")).to_have_text("Art, music, drama or dance")
    press_button(page)

    arrive("Thank you: your answers are submitted", "summary")
    expect(page.locator("ol.chosen li")).to_have_text(["Classroom talk"])
    tab_to(page, "main a[href$='/questionnaire/menu']")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    arrive("Choose your learning focus", "menu")
    press_button(page, "main form.choose:has(input[value='classroom_talk']) button")
    expect(page.get_by_role("status").filter(has_text="Your learning focus is saved")).to_be_visible()
    press_button(page, "main form:has(input[name=part][value=details]) button")
    expect(page.locator("ul.chosen li")).to_have_text(["Classroom talk"])
    arrive("Thank you: your answers are submitted", "summary-with-focus")


# ---- the specialist -------------------------------------------------------------------------------------------

def test_a_specialist_signs_in_reviews_the_groups_and_renames_one(site, new_page):
    page = new_page()
    page.goto(site.url("/specialist/"))
    account = site.accounts["specialist"]
    sign_in(page, {**account, "password": account["password"] + "-wrong"}, "specialist-01-sign-in")
    assert_error_page(page, "do not match an account")
    check_page(page, "specialist-02-sign-in-error")
    sign_in(page, account)

    expect(heading(page)).to_have_text("Cohorts")
    check_page(page, "specialist-03-cohorts")
    page.get_by_role("link", name="Demo network (synthetic teachers)").click()

    expect(heading(page)).to_contain_text("Demo network (synthetic teachers)")
    cards = page.locator("li.card")
    assert cards.count() >= 2, "the demo cohort should show several groups"
    check_page(page, "specialist-04-groups")
    first = cards.first.locator("h3 a")
    generated = first.inner_text()
    first.click()

    expect(heading(page)).to_have_text(generated)
    check_page(page, "specialist-05-group")
    name = page.get_by_label("Group name")
    expect(name).to_have_attribute("maxlength", "80")  # a longer name cannot be typed, so is never refused
    name.fill("Confident but short of time")
    page.get_by_label("Note for planning").fill("Start with light-touch retrieval practice.")
    page.get_by_role("button", name="Save name, note and title").click()

    saved = page.get_by_role("status").filter(has_text="Saved the group's name, note and title for teachers.")
    expect(saved).to_be_visible()
    expect(heading(page)).to_have_text("Confident but short of time")
    expect(page.locator("main")).to_contain_text(f"Generated name: {generated}")
    check_page(page, "specialist-06-group-renamed")
    page.get_by_role("link", name=re.compile("All groups in")).click()
    expect(page.locator("li.card h3 a").first).to_have_text("Confident but short of time")
    expect(page.locator("li.card").first).to_contain_text("Start with light-touch retrieval practice.")
    check_page(page, "specialist-07-groups-renamed")
    page.get_by_role("link", name="Learning focuses that fit each group, with suggested specialist input").click()
    expect(page.locator("main")).to_contain_text("Confident but short of time")
    check_page(page, "specialist-08-focuses")


# ---- the coordinator and the partners -------------------------------------------------------------------------

def test_a_coordinator_confirms_a_pair_and_both_partners_open_their_agreement(site, new_page):
    page = new_page()
    page.goto(site.url("/coordinator/"))
    sign_in(page, site.coordinator, "coordinator-01-sign-in")

    expect(heading(page)).to_have_text("Cohorts")
    check_page(page, "coordinator-02-cohorts")
    page.locator("section.cohort", has_text="Pairing network").get_by_role("link", name="co-coaching").click()

    expect(heading(page)).to_have_text("Co-coaching partnerships for Pairing network")
    check_page(page, "coordinator-03-pairing")
    page.get_by_role("button", name="Propose co-coaching partnerships").click()

    rows = page.locator("table.partnerships tbody tr")
    expect(rows).to_have_count(2)
    amy_and_bea = rows.filter(has_text="Amy Brennan")
    expect(amy_and_bea).to_contain_text("Bea Okafor")
    expect(amy_and_bea).to_contain_text("Questioning")
    check_page(page, "coordinator-04-proposal")
    amy_and_bea.get_by_role("button", name=re.compile(f"^Lock {BOTH}$")).click()

    expect(page.get_by_role("status").filter(has_text=re.compile(f"Locked {BOTH} together"))).to_be_visible()
    expect(amy_and_bea.get_by_role("cell", name="Locked", exact=True)).to_be_visible()
    expect(amy_and_bea.get_by_role("button", name=re.compile(f"^Unlock {BOTH}$"))).to_be_visible()
    expect(rows.filter(has_text="Cal Singh").get_by_role("cell", name="Proposed", exact=True)).to_be_visible()
    check_page(page, "coordinator-05-locked")
    page.get_by_role("button", name="Confirm all 2 co-coaching partnerships…").click()
    expect(heading(page)).to_have_text("Confirm 2 co-coaching partnerships?")
    page.get_by_role("button", name="Yes, confirm all 2 co-coaching partnerships").click()

    expect(page.get_by_role("status").filter(has_text="Confirmed 2 co-coaching partnerships")).to_be_visible()
    confirmed = page.locator("#confirmed table tbody tr")
    expect(confirmed).to_have_count(2)
    expect(confirmed.filter(has_text="Amy Brennan")).to_contain_text("Bea Okafor")
    check_page(page, "coordinator-06-confirmed")

    # Amy opens her private link, finds Bea and their agreement, fills it in and saves it.
    amy = new_page()
    amy.goto(site.url(site.links["Amy Brennan"]))
    expect(heading(amy)).to_have_text("Thank you: your answers are submitted")
    check_page(amy, "partner-01-amy-summary")
    amy.get_by_role("link", name=re.compile("See your coaching partner")).click()
    expect(heading(amy)).to_have_text("Your coaching partnership")
    expect(amy.locator("ul.people")).to_contain_text("Bea Okafor")
    check_page(amy, "partner-02-amy-partnership")
    amy.get_by_role("link", name="Open your learning agreement").click()

    expect(heading(amy)).to_have_text("Our learning agreement")
    expect(amy.get_by_label("Which teaching strategies will we focus on?")).to_have_value("Questioning")
    check_page(amy, "partner-03-amy-agreement")
    amy.get_by_label("How will we go about it?").fill("Plan one lesson together each fortnight, then both teach it.")
    amy.get_by_label("A teaching log or journal").check()
    amy.get_by_label("Every two weeks").check()
    amy.get_by_role("button", name="Save our agreement").click()

    expect(heading(amy)).to_have_text("Your coaching partnership")
    expect(amy.get_by_role("status").filter(has_text="Your learning agreement is saved")).to_be_visible()
    expect(amy.locator("main")).to_contain_text("Last saved by Amy Brennan")
    check_page(amy, "partner-04-amy-saved")

    # Bea opens hers in another browser and finds what Amy saved.
    bea = new_page()
    bea.goto(site.url(site.links["Bea Okafor"]))
    bea.get_by_role("link", name=re.compile("See your coaching partner")).click()
    expect(bea.locator("ul.people")).to_contain_text("Amy Brennan")
    expect(bea.locator("main")).to_contain_text("Last saved by Amy Brennan")
    check_page(bea, "partner-05-bea-partnership")
    bea.get_by_role("link", name="Open your learning agreement").click()
    expect(heading(bea)).to_have_text("Our learning agreement")
    expect(bea.get_by_label("How will we go about it?")).to_have_value(
        "Plan one lesson together each fortnight, then both teach it.")
    expect(bea.get_by_label("A teaching log or journal")).to_be_checked()
    expect(bea.get_by_label("Every two weeks")).to_be_checked()
    check_page(bea, "partner-06-bea-agreement")
    bea.get_by_role("link", name="See the saved agreement ready to print").click()
    expect(bea.locator("main")).to_contain_text("Plan one lesson together each fortnight, then both teach it.")
    check_page(bea, "partner-07-bea-print")


# ---- the checks themselves ------------------------------------------------------------------------------------

BROKEN = """<!doctype html><html><head><title>Broken</title><style>:focus { outline: 3px solid #000; }</style></head>
<body><main>
<div class="error-summary"><h2>There is a problem</h2>
  <ul><li><a href="#colour-0">Choose a colour</a></li><li><a href="#q-size">Enter a size</a></li></ul></div>
<form>
  <p>Colour</p>
  <input type="radio" name="colour" id="colour-0" value="red"><label for="colour-0">Red</label>
  <input type="radio" name="colour" id="colour-1" value="blue"><label for="colour-1">Blue</label>
  <div id="q-size"><label for="size">Size</label><p class="error-message" id="size-error">Enter a size</p>
    <input id="size" name="size" aria-describedby="size-hint"></div>
  <input id="unlabelled" name="unlabelled">
  <input id="trap" aria-label="Trap" onkeydown="if (event.key === 'Tab') event.preventDefault()">
</form></main></body></html>"""


def test_the_page_checks_fail_on_a_broken_form_a_keyboard_trap_and_a_faint_focus(browser):
    """The checks every journey relies on do fail: each kind of problem, on a page made to have it."""
    page = browser.new_page()
    try:
        page.set_content(BROKEN)
        problems = "\n".join(page.evaluate(FORM_CHECKS))
        for expected in ["the <html> element has no lang attribute", 'the choice group "colour" is not in a <fieldset>',
                         'the error message "Enter a size" (#size-error) is not tied to a field',
                         'the error summary link "Enter a size" leads to a <div>, not to a field',
                         "the field #colour-0 the error summary links to is not described by an error message",
                         "aria-describedby on <input> names #size-hint, which is not on the page"]:
            assert expected in problems, f"{expected!r} not found in:\n{problems}"
        assert {"html-has-lang", "label"} <= {v["id"] for v in axe_violations(page)}
        with pytest.raises(AssertionError, match="keyboard trap"):
            walk_focus(page)
        page.set_content('<html lang="en"><style>:focus { outline: 3px solid #eee; }</style><a href="#x">Faint</a>')
        with pytest.raises(AssertionError, match="contrast of 1.1"):
            walk_focus(page)
    finally:
        page.close()
