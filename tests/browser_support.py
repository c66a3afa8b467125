"""Helpers for the browser tests: serve the real app, check each page (axe, forms, screenshot), drive it by keyboard.

Playwright drives Debian's Chromium (`/usr/bin/chromium`); no browser is ever downloaded. Without it (or without
Playwright) the browser tests skip locally and fail under `CI=true`.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from diagnostic.services.accounts import create_user
from diagnostic.services.cohorts import create_cohort, definition_dirs, published_definition
from diagnostic.services.csvio import submitted_response
from diagnostic.services.journey import hash_secret
from forms.catalog import find_definition

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails, under CI=true) and says why
    expect = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


def why_no_browser() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


def require_browser() -> None:
    """Skip without a browser, except under CI=true, where a missing browser is a failure."""
    reason = why_no_browser()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(f"browser tests need Playwright and Debian's chromium: {reason}")


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, served from a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


# ---- checking a page -------------------------------------------------------------------------------------------

def check_page(page: Any, name: str) -> None:
    """Save a screenshot of the page, then check it with axe and the form checks axe does not make."""
    save_screenshot(page.screenshot(full_page=True), name)
    assert_no_axe_violations(page, name)
    problems = page.evaluate(FORM_CHECKS)
    assert not problems, f"form accessibility problems on {name} ({page.url}):\n" + "\n".join(
        f"- {p}" for p in problems)


def save_screenshot(png: bytes, name: str) -> None:
    """Keep a screenshot as test-artifacts/screenshots/NAME.png, written whole at once.

    Parallel workers may save the same name: each writes a file of its own, then renames it into place,
    so nobody ever reads half an image.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=SCREENSHOTS, prefix=f".{name}.", suffix=".part", delete=False) as part:
        part.write(png)
    os.chmod(part.name, 0o644)  # as readable as a file the browser would have saved itself
    os.replace(part.name, SCREENSHOTS / f"{name}.png")


def axe_violations(page: Any) -> list[dict]:
    """axe-core's violations of WCAG 2.1 A and AA rules on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    return [v for v in results.response["violations"] if set(v["tags"]) & set(WCAG_TAGS)]


def _target(node: dict) -> str:
    return " ".join(t if isinstance(t, str) else " >> ".join(t) for t in node["target"])


def assert_no_axe_violations(page: Any, name: str) -> None:
    found = axe_violations(page)
    assert not found, f"axe found WCAG 2.1 A/AA violations on {name} ({page.url}):\n" + "\n".join(
        f"- {v['id']} at {', '.join(_target(n) for n in v['nodes'])}: {v['help']}" for v in found)


# What axe cannot judge about a form, as a list of problems in words (empty when all is well):
# the page has a language; every choice group (radios, or several checkboxes with one name in one form) is one
# <fieldset> with a non-empty <legend>; every error message has an id that a field (or the fieldset around it)
# names in aria-describedby; every link in an error summary that stays on the page leads to a field, and that
# field is described by an error message; every id named by aria-describedby or aria-labelledby exists.
FORM_CHECKS = """() => {
  const problems = [];
  const text = el => (el.textContent || '').replace(/\\s+/g, ' ').trim();
  const lang = document.documentElement.getAttribute('lang');
  if (!lang || !lang.trim()) problems.push('the <html> element has no lang attribute');

  const groups = new Map();
  for (const input of document.querySelectorAll('input[type=radio], input[type=checkbox]')) {
    const key = Array.prototype.indexOf.call(document.forms, input.form) + ' ' + input.name;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(input);
  }
  for (const inputs of groups.values()) {
    if (inputs[0].type === 'checkbox' && inputs.length < 2) continue;
    const name = inputs[0].name;
    const fieldset = inputs[0].closest('fieldset');
    if (!fieldset) { problems.push(`the choice group "${name}" is not in a <fieldset>`); continue; }
    if (inputs.some(i => i.closest('fieldset') !== fieldset))
      problems.push(`the choice group "${name}" is split across several fieldsets`);
    const legend = fieldset.querySelector(':scope > legend');
    if (!legend || !text(legend)) problems.push(`the fieldset of the choice group "${name}" has no <legend>`);
  }

  const describes = id => Array.from(document.querySelectorAll('[aria-describedby]'))
    .filter(el => el.getAttribute('aria-describedby').split(/\\s+/).includes(id));
  const isField = el => el.matches('input:not([type=hidden]), select, textarea');
  for (const message of document.querySelectorAll('.error-message')) {
    if (!message.id) { problems.push(`the error message "${text(message)}" has no id`); continue; }
    if (document.querySelectorAll(`[id="${message.id}"]`).length > 1)
      problems.push(`the id of the error message "${text(message)}" (${message.id}) is not unique`);
    const fields = describes(message.id)
      .filter(el => isField(el) || (el.matches('fieldset') && el.querySelector('input, select, textarea')));
    if (!fields.length)
      problems.push(`the error message "${text(message)}" (#${message.id}) is not tied to a field by aria-describedby`);
  }

  const describedByError = field => {
    for (let el = field; el; el = el.parentElement.closest('fieldset')) {
      const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
      const error = id => { const d = document.getElementById(id); return d && d.matches('.error-message'); };
      if (ids.some(error)) return true;
      if (!el.parentElement) break;
    }
    return false;
  };
  for (const summary of document.querySelectorAll('.error-summary')) {
    for (const link of summary.querySelectorAll('a[href^="#"]')) {
      const id = decodeURIComponent(link.getAttribute('href').slice(1));
      const target = document.getElementById(id);
      const says = `the error summary link "${text(link)}"`;
      if (!target) { problems.push(`${says} leads to #${id}, which is not on the page`); continue; }
      const tag = target.tagName.toLowerCase();
      if (!isField(target)) { problems.push(`${says} leads to a <${tag}>, not to a field`); continue; }
      if (!describedByError(target))
        problems.push(`the field #${id} the error summary links to is not described by an error message`);
    }
  }

  for (const attr of ['aria-describedby', 'aria-labelledby']) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        const tag = el.tagName.toLowerCase();
        if (!document.getElementById(id)) problems.push(`${attr} on <${tag}> names #${id}, which is not on the page`);
      }
    }
  }
  return problems;
}"""


# ---- driving a page by keyboard only ---------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const label = el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type'),
          value: el.value === undefined ? null : el.value, checked: !!el.checked,
          text: (label || '').replace(/\\s+/g, ' ').trim().slice(0, 60)};
}"""

# How visible the focused element's focus indicator is: the best contrast of its outline or box-shadow colour against
# the background behind the element (WCAG 1.4.11 asks 3:1), or 0 if it has neither.
FOCUS_CONTRAST = """() => {
  const el = document.activeElement;
  const rgb = s => (s.match(/rgba?\\(([^)]+)\\)/) || [null, ''])[1].split(',').map(x => parseFloat(x));
  const linear = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => [r, g, b].map(linear).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  let back = [255, 255, 255];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0)) { back = c; break; }
  }
  const style = getComputedStyle(el);
  const colours = [];
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) colours.push(rgb(style.outlineColor));
  if (style.boxShadow && style.boxShadow !== 'none') colours.push(rgb(style.boxShadow));
  const contrast = c => { const [a, b] = [lum(c), lum(back)].sort((x, y) => y - x); return (a + 0.05) / (b + 0.05); };
  return Math.max(0, ...colours.filter(c => c.length >= 3).map(contrast));
}"""


def focused(page: Any) -> dict | None:
    """What has the keyboard focus now (None: nothing, the page itself)."""
    return page.evaluate(FOCUSED)


def _describe(stop: dict | None) -> str:
    if stop is None:
        return "(page)"
    return f"<{stop['tag']}{' #' + stop['id'] if stop['id'] else ''}> {stop['text']!r}"


def tab_to(page: Any, selector: str, key: str = "Tab", limit: int = 300) -> None:
    """Press Tab (or `key`, say Shift+Tab) until the element with the focus matches the CSS `selector`."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        seen.append(_describe(focused(page)))
    raise AssertionError(f"{key} never reached {selector} on {page.url}; the last stops were: {seen[-25:]}")


def walk_focus(page: Any, limit: int = 400) -> list[dict]:
    """Tab through every stop on the page, from the top back round to the first stop; return the stops.

    Fails if Tab gets stuck (a keyboard trap), never comes back round, or a stop has no visible focus indicator.
    """
    stops: list[dict] = []
    page.keyboard.press("Tab")
    first = focused(page)
    assert first is not None, f"Tab focuses nothing on {page.url}"
    for _ in range(limit):
        here = focused(page)
        if here is not None:
            contrast = page.evaluate(FOCUS_CONTRAST)
            assert contrast >= 3, (f"{_describe(here)} on {page.url} has the focus but its focus indicator has a "
                                   f"contrast of {contrast:.2f}:1 against the page (at least 3:1 is needed)")
            stops.append(here)
        page.keyboard.press("Tab")
        after = focused(page)
        if after == first:
            return stops
        assert after is None or after != here, f"Tab is stuck on {_describe(here)} on {page.url} (a keyboard trap)"
    raise AssertionError(f"Tab never came back to the top of {page.url}; stops: {[_describe(s) for s in stops[-25:]]}")


def choose_radio(page: Any, name: str, value: str) -> None:
    """Tab to the radio group `name`, then move with the arrow keys (or press Space) until `value` is chosen."""
    tab_to(page, f'input[type=radio][name="{name}"]')
    size = page.evaluate("n => document.querySelectorAll(`input[type=radio][name=\"${n}\"]`).length", name)
    for _ in range(size + 1):
        here = focused(page)
        if here["value"] == value:
            if not here["checked"]:
                page.keyboard.press("Space")
            break
        page.keyboard.press("ArrowDown")
    here = focused(page)
    assert here["value"] == value and here["checked"], f"could not choose {value!r} in {name!r} by keyboard: {here}"


def tick(page: Any, selector: str) -> None:
    """Tab to a checkbox and tick it with Space."""
    tab_to(page, selector)
    page.keyboard.press("Space")
    assert focused(page)["checked"], f"Space did not tick {selector}"


def type_into(page: Any, selector: str, text: str) -> None:
    """Tab to a text field and type into it."""
    tab_to(page, selector)
    page.keyboard.type(text)


def choose_option(page: Any, selector: str, label: str) -> None:
    """Tab to a (closed) select and press the down arrow until the option `label` is selected."""
    tab_to(page, selector)
    count = page.evaluate("s => document.querySelector(s).options.length", selector)
    for _ in range(count):
        if page.evaluate("s => { const el = document.querySelector(s); return el.options[el.selectedIndex].text; }",
                         selector) == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never selected {label!r} in {selector}")


def press_button(page: Any, selector: str = "main form button[type=submit]") -> None:
    """Tab to a button (or link) and press Enter, waiting for the page it leads to."""
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


# ---- the scene the journeys play in ---------------------------------------------------------------------------

# Four submitted teachers in the pairing cohort: Amy and Bea chose questioning, Cal and Dan feedback.
PARTNERS = [("Amy Brennan", "Ashfield", "questioning", "More pupils explain their thinking out loud."),
            ("Bea Okafor", "Brook Lane", "questioning", "Fewer hands-up questions, more thinking time."),
            ("Cal Singh", "Ashfield", "feedback", "Feedback that pupils act on in the lesson."),
            ("Dan Walsh", "Brook Lane", "feedback", "Quicker written feedback.")]
PARTNER_ANSWERS = {"consent": "yes", "role": "class_teacher", "career_stage": "established", "phase": "secondary",
                   "pupil_groups": ["whole_class"], "availability": ["lunchtime", "after_school"],
                   "observation_comfort": 4, "coaching_role": "both", "confidence_questioning": 3,
                   "confidence_feedback": 3}



# Every changed page is checked at a desktop width and at a phone's.
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pairing_cohort(store, data) -> dict:
    """A cohort of four submitted teachers with known private links, and a coordinator for it."""
    definition, _ = find_definition("starting_point", None, definition_dirs(data))
    cohort = create_cohort(store, definition, "Pairing network", ["Ashfield", "Brook Lane"])
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    links = {}
    for n, (name, school, focus, goal) in enumerate(PARTNERS):
        answers = {**PARTNER_ANSWERS, "teacher_name": name, "focus_choice": [focus], "focus_goal": goal}
        record = submitted_response(cohort, definition, answers, f"p{n}", school)
        secret = secrets.token_hex(24)
        record["token_hash"] = hash_secret(secret)
        store.add_responses(cohort["id"], [record])
        links[name] = f"/resume/{cohort['id']}.{record['id']}.{secret}"
    password = secrets.token_urlsafe(12)
    create_user(store, "pairing.coordinator@example.org", "coordinator", [cohort["id"]], password)
    return {"cohort": cohort, "links": links,
            "coordinator": {"email": "pairing.coordinator@example.org", "password": password}}



def check_both_widths(page: Any, name: str) -> None:
    """`check_page` at the desktop width and again at a phone's (screenshots `name` and `name-phone`)."""
    size = page.viewport_size
    page.set_viewport_size(DESKTOP)
    check_page(page, name)
    page.set_viewport_size(PHONE)
    check_page(page, f"{name}-phone")
    page.set_viewport_size(size)


# ---- small steps the journeys share -----------------------------------------------------------------------------

def heading(page: Any) -> Any:
    return page.get_by_role("heading", level=1)


def save(page: Any) -> None:
    page.get_by_role("button", name="Save and continue").click()


def sign_in(page: Any, account: dict, name: str | None = None) -> None:
    """On the sign-in page, check it (if `name` is given), and sign in with this account."""
    expect(heading(page)).to_have_text("Sign in")
    if name:
        check_page(page, name)
    page.get_by_label("E-mail address").fill(account["email"])
    page.get_by_label("Password").fill(account["password"])
    page.get_by_role("button", name="Sign in").click()


def assert_error_page(page: Any, *messages: str) -> None:
    """An error page: the title says so, the summary lists each message, each message is by its field."""
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".error-summary")
    for message in messages:
        expect(summary).to_contain_text(message)
        expect(page.locator(".error-message", has_text=message)).to_be_visible()


