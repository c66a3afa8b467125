"""The questionnaire pages in Chromium: Likert scales, Back, the page count, questions shown as answers change,
and Check your answers. Each page is checked at 1280 px and at 390x844 (axe at zero, screenshots kept)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from browser_support import DESKTOP, PHONE, check_both_widths, expect, heading

from diagnostic.services.cohorts import published_definition
from diagnostic.services.demo import PROFILES, teacher_answers
from diagnostic.services.journey import new_response
from forms.conditions import holds
from forms.schema import Condition


def definition(site):
    return published_definition(site.store, site.demo["form_id"], site.demo["form_version"])


def draft(site, answers: dict | None = None, done: int = 0) -> str:
    """A teacher's draft in the demo cohort with these answers and `done` pages saved; returns its private link."""
    cohort = site.demo
    record, token = new_response(cohort, school=(cohort["schools"] or [None])[0])
    record.update(answers=answers or {}, page=done)
    site.store.add_responses(cohort["id"], [record])
    return site.url(f"/resume/{token}")


def full_answers(site, seed: int = 3) -> dict:
    answers = teacher_answers(definition(site), PROFILES[1], random.Random(seed))
    return {**answers, "lc1": 2}  # Disagree


def box(locator) -> dict:
    return locator.bounding_box()


def test_check_your_answers_puts_each_answer_by_its_question(site, new_page):
    answers = full_answers(site)
    page = new_page()
    page.goto(draft(site, answers, done=len(definition(site).sections)))
    expect(heading(page)).to_have_text("Check your answers")
    statement = page.locator(".review-item", has=page.locator("dt", has_text="work ideas out for themselves"))
    expect(statement.locator("dd")).to_have_text("Disagree")
    term, answer = box(statement.locator("dt")), box(statement.locator("dd"))
    assert answer["x"] > term["x"] + term["width"] - 1 and abs(answer["y"] - term["y"]) < 4  # beside it, on a desk
    check_both_widths(page, "questionnaire-review")
    page.set_viewport_size(PHONE)
    term, answer = box(statement.locator("dt")), box(statement.locator("dd"))
    assert answer["y"] >= term["y"] + term["height"] - 1  # under it, on a phone
    weights = page.evaluate("""() => [...document.querySelectorAll('.review-answers .review-row')].slice(0, 3)
        .map(r => [getComputedStyle(r.querySelector('dt')).fontWeight,
                   getComputedStyle(r.querySelector('dd')).fontWeight])""")
    assert all(int(dd) > int(dt) for dt, dd in weights)  # answers stand out from the questions
    page.set_viewport_size(DESKTOP)


# The top of every radio and of every label in each Likert scale on the page, scale by scale.
SCALE_ROWS = """() => [...document.querySelectorAll('.options.scale')].map(scale => ({
  radios: [...scale.querySelectorAll('input[type=radio]')].map(r => r.getBoundingClientRect().top),
  labels: [...scale.querySelectorAll('label')].map(l => l.getBoundingClientRect().top),
  right: Math.max(...[...scale.querySelectorAll('label')].map(l => l.getBoundingClientRect().right)),
}))"""


def test_each_statements_scale_sits_on_one_row_on_a_desk_and_stacks_on_a_phone(site, new_page):
    page = new_page()
    page.goto(draft(site))
    for number, title in ((3, "What you believe about teaching and learning"), (4, "The strategies on the menu"),
                          (8, "Working with a partner")):
        page.set_viewport_size(DESKTOP)
        page.goto(site.url(f"/questionnaire/page/{number}"))
        expect(heading(page)).to_have_text(title)
        scales = page.evaluate(SCALE_ROWS)
        assert scales, f"no Likert scale on page {number}"
        width = page.evaluate("document.documentElement.clientWidth")
        for scale in scales:
            assert len(scale["radios"]) == 5
            assert max(scale["radios"]) - min(scale["radios"]) < 2, f"a scale wraps on page {number}: {scale}"
            assert max(scale["labels"]) - min(scale["labels"]) < 2, f"a scale's labels wrap on page {number}"
            assert scale["right"] <= width
        page.set_viewport_size(PHONE)
        for scale in page.evaluate(SCALE_ROWS):
            tops = scale["radios"]
            stacked = all(b > a + 20 for a, b in zip(tops, tops[1:], strict=False))
            assert stacked, f"a scale does not stack on a phone: {tops}"
        check_both_widths(page, f"questionnaire-page-{number}")
    # Each statement is still its own group, named by its statement.
    page.goto(site.url("/questionnaire/page/3"))
    item = page.get_by_role("group", name="My main job is to pass on knowledge to pupils.")
    expect(item.get_by_role("radio")).to_have_count(5)


def answers_up_to(site, answers: dict, pages: int) -> dict:
    """Only the answers on the first `pages` pages."""
    ids = {a for s in definition(site).sections[:pages] for q in s.questions for a in q.answer_ids()}
    return {k: v for k, v in answers.items() if k in ids}


def test_back_keeps_the_ticks_and_the_count_never_rises(site, new_page):
    page = new_page()
    page.goto(draft(site, answers_up_to(site, full_answers(site), 4), done=4))
    expect(heading(page)).to_have_text("What might get in the way")
    expect(page.locator(".progress-text")).to_have_text("Page 5 of up to 8")  # "How strongly" may come next
    page.get_by_label("Not enough time").check()
    page.get_by_role("button", name="Back to the previous page").click()

    expect(heading(page)).to_have_text("The strategies on the menu")
    expect(page.locator(".progress-text")).to_have_text("Page 4 of 8")  # the draft's tick brings "How strongly"
    page.get_by_role("button", name="Save and continue").click()
    expect(heading(page)).to_have_text("What might get in the way")
    expect(page.get_by_label("Not enough time")).to_be_checked()  # the tick survived going back
    check_both_widths(page, "questionnaire-barriers")

    page.get_by_label("Not enough time").uncheck()
    page.get_by_role("button", name="Save and continue").click()
    expect(heading(page)).to_have_text("Your learning focus")
    expect(page.locator(".progress-text")).to_have_text("Page 6 of 7")  # no barrier ticked: one page fewer


def test_a_question_for_some_answers_appears_only_when_that_answer_is_picked(site, new_page):
    page = new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(draft(site))
    expect(heading(page)).to_have_text("About you")
    follow_up = page.get_by_label("What is your role?")
    expect(follow_up).to_be_hidden()  # "Something else" is not picked
    page.get_by_label("Something else").check()
    expect(follow_up).to_be_visible()
    follow_up.fill("Cover supervisor")
    check_both_widths(page, "questionnaire-about-you-something-else")
    page.get_by_label("Teaching assistant").check()
    expect(follow_up).to_be_hidden()
    page.get_by_label("Something else").check()
    expect(follow_up).to_have_value("Cover supervisor")  # hiding it does not wipe what was typed
    page.get_by_label("Senior leader").check()
    check_both_widths(page, "questionnaire-about-you")
    assert not problems, problems  # the script ran, and nothing broke it (no CSP refusal, no error)


def test_the_follow_up_stays_when_its_answer_is_saved_and_goes_when_it_is_changed(site, new_page):
    page = new_page()
    page.goto(draft(site, {"role": "other", "role_other": "Cover supervisor"}))
    follow_up = page.get_by_label("What is your role?")
    expect(follow_up).to_be_visible()
    expect(follow_up).to_have_value("Cover supervisor")
    page.get_by_label("Class or subject teacher").check()
    expect(follow_up).to_be_hidden()


# ---- the script judges a condition as the server does -----------------------------------------------------------

SCRIPT = Path(__file__).resolve().parents[2] / "diagnostic" / "static" / "questionnaire.js"
CONDITIONS = [
    {"question": "role", "equals": "other"},
    {"question": "role", "not_equals": "other"},
    {"question": "role", "in": ["other", "class_teacher"]},
    {"question": "barriers", "includes": "time"},
    {"question": "barriers", "answered": False},
    {"question": "years", "gte": 5},
    {"question": "years", "lt": 2},
    {"question": "years", "equals": 0},
    {"question": "lc1", "equals": 4},
    {"question": "lc1", "gt": 3},
    {"question": "agree", "equals": True},
    {"question": "agree", "answered": True},
    {"question": "priorities", "includes": "b"},
    {"all": [{"question": "role", "equals": "other"}, {"question": "earlier", "equals": "yes"}]},
    {"any": [{"question": "years", "gt": 10}, {"question": "barriers", "includes": "workload"}]},
    {"not": {"question": "role", "equals": "other"}},
]
SCENARIOS = [
    {},
    {"role": "other", "barriers": ["time"], "years": 5, "lc1": 4, "agree": True, "priorities": ["a", "b"]},
    {"role": "class_teacher", "barriers": ["workload"], "years": 1, "lc1": 2, "priorities": ["b"]},
    {"years": 0, "lc1": 5, "barriers": ["time", "workload"]},
]
SOURCE_FIELDS = """
<div data-answers="role" data-type="single_choice"><input type="radio" name="role" value="class_teacher">
  <input type="radio" name="role" value="other"></div>
<div data-answers="barriers" data-type="multi_choice"><input type="checkbox" name="barriers" value="time">
  <input type="checkbox" name="barriers" value="workload"></div>
<div data-answers="years" data-type="number"><input type="text" name="years"></div>
<div data-answers="lc1 lc2" data-type="likert">""" + "".join(
    f'<input type="radio" name="lc1" value="{n}">' for n in range(1, 6)) + """</div>
<div data-answers="agree" data-type="consent"><input type="checkbox" name="agree" value="y"></div>
<div data-answers="priorities" data-type="ranking">""" + "".join(
    f'<select name="priorities-rank_{n}"><option value=""></option><option>a</option><option>b</option></select>'
    for n in (1, 2)) + "</div>"
# Put one scenario's answers into the form as a teacher would, then tell the form something changed.
FILL = """values => {
  const form = document.querySelector('form');
  for (const input of form.querySelectorAll('input')) {
    input.checked = false;
    if (input.type === 'text') input.value = '';
  }
  for (const select of form.querySelectorAll('select')) select.value = '';
  for (const [name, value] of Object.entries(values)) {
    if (name === 'priorities') {
      value.forEach((v, i) => { form.elements[`priorities-rank_${i + 1}`].value = v; });
      continue;
    }
    if (name === 'years') { form.elements.years.value = String(value); continue; }
    if (name === 'agree') { form.elements.agree.checked = value; continue; }
    for (const v of [].concat(value)) form.querySelector(`[name="${name}"][value="${v}"]`).checked = true;
  }
  form.dispatchEvent(new Event('change'));
  return [...form.querySelectorAll('[data-show-if]')].map(el => !el.hidden);
}"""


def test_the_script_judges_conditions_as_the_server_does(new_page):
    known = {"earlier": "yes"}
    dependents = "".join(f"<div data-show-if='{json.dumps(c)}' data-known='{json.dumps(known)}'>{n}</div>"
                         for n, c in enumerate(CONDITIONS))
    page = new_page()
    page.set_content(f"<!doctype html><html lang='en'><body><form>{SOURCE_FIELDS}{dependents}</form></body></html>")
    page.add_script_tag(path=str(SCRIPT))
    for answers in SCENARIOS:
        shown = page.evaluate(FILL, answers)
        expected = [holds(Condition.model_validate(c), {**known, **answers}) for c in CONDITIONS]
        wrong = [(CONDITIONS[n], shown[n]) for n in range(len(CONDITIONS)) if shown[n] != expected[n]]
        assert not wrong, f"with {answers} the script disagrees with the server on: {wrong}"


def test_a_value_that_cannot_be_kept_on_the_way_back_is_named_on_return(site, new_page):
    page = new_page()
    page.goto(draft(site, answers_up_to(site, full_answers(site), 1), done=1))
    expect(heading(page)).to_have_text("Your pupils")
    groups = page.get_by_role("group", name="Which pupils do you most want to help?")
    for box_ in groups.get_by_role("checkbox").all()[:4]:  # one more than the three allowed
        box_.check()
    page.get_by_label("First choice").select_option(index=1)
    page.get_by_role("button", name="Back to the previous page").click()
    expect(heading(page)).to_have_text("About you")
    page.get_by_role("button", name="Save and continue").click()

    expect(heading(page)).to_have_text("Your pupils")
    note = page.locator(".not-kept")
    expect(note).to_contain_text("Which pupils do you most want to help?")
    expect(note).to_contain_text("Choose no more than 3")
    expect(page.get_by_label("First choice")).not_to_have_value("")  # the rest of the page was kept
    check_both_widths(page, "questionnaire-pupils-not-kept")
    note.get_by_role("link").click()
    expect(groups).to_be_in_viewport()
