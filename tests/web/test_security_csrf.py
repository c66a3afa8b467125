"""CSRF: every state-changing route in the URL map refuses a request without this session's token, and changes nothing.

The routes are read from `app.url_map` (every rule accepting POST, PUT, PATCH or DELETE), so a new route is covered
the moment it is registered; the only table is the values URL arguments take (`security_corpus.url_values`). Each
request is the one a page of the app would send: the form posting to that address is found by walking every page,
and sent as a browser would, with the token left out, forged, or taken from another browser's session. The store's
files are compared before and after. Everything is tried over HTTP and over HTTPS, where the browser sends only the
Referer the page's Referrer-Policy allows. The same request with the right token gets through the CSRF check, which
shows the refusals were about the token and nothing else. And no GET route changes the store.
"""

from __future__ import annotations

import secrets

import pytest
from security_corpus import (
    CSRF_REFUSED,
    STATE_CHANGING,
    Page,
    browser,
    changed_files,
    copy_world,
    csrf,
    rules_now,
    snapshot,
    urls,
    who_for,
)
from werkzeug.datastructures import MultiDict

POST_RULES = rules_now(STATE_CHANGING)
GET_RULES = rules_now({"GET"})
CASES = ("missing", "forged", "other-session")
SCHEMES = ("http", "https")  # over HTTPS Flask-WTF also checks the Referer a browser sends
BROWSERS = ("admin", "teacher", "draft", "late", "anonymous")
# A second browser of the same kind, whose own valid token is replayed.
OTHER = {"admin": "coordinator", "specialist": "coordinator", "coordinator": "admin", "teacher": "late",
         "late": "teacher", "draft": "web", "web": "draft", "anonymous": None}
# Pages where each kind of browser has a form, so it has a token of its own.
TOKEN_PAGES = ("/admin/", "/questionnaire/menu", "/questionnaire/my-data/delete", "/questionnaire/review",
               "/questionnaire/page/1", "/sign-in")
FILLERS = {"email": "new.account@example.org", "password": "a long enough password", "number": "2"}


def crawl(world) -> dict[str, dict]:
    """Every form that posts, found on every page of the URL map as each kind of browser sees it, by action path."""
    forms: dict[str, dict] = {}
    for endpoint, rule in GET_RULES:
        for url, _ in urls(world, endpoint, rule):
            for role in BROWSERS:
                answer = browser(world["app"], world["cookies"][role]).get(url)
                if answer.status_code != 200 or answer.mimetype != "text/html":
                    continue
                for form in Page(answer.text, url).forms:
                    if form["method"] == "post":
                        path = form["action"].split("?")[0]
                        forms.setdefault(path, {**form, "role": role, "page": url})
    return forms


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app, world = copy_world(tmp_path_factory, "csrf")
    world["app"] = app
    world["forms"] = crawl(world)
    world["opened"], world["other_tokens"] = {}, {}  # pages opened once for every case (`opened`, `other_token`)
    yield world
    app.extensions["store"].close()


@pytest.fixture
def scratch(tmp_path_factory, world):
    app, copy = copy_world(tmp_path_factory, "csrf-scratch")
    copy["app"], copy["forms"] = app, world["forms"]
    yield copy
    app.extensions["store"].close()


def request_for(world, endpoint: str, url: str) -> tuple[str, str | None, list[tuple[str, str]], str]:
    """(browser, page the form is on, the fields it sends without its token, the token's field) for a POST."""
    form = world["forms"].get(url.split("?")[0])
    if form is None:
        # No page offers this form in the world (nothing to undo, say): the request is the bare address.
        return who_for(endpoint), None, [], "csrf_token"
    # A form with a prefix names its token "prefix-csrf_token"; Flask-WTF reads any field ending in csrf_token.
    token_field = next((k for k, _ in form["fields"] if k.endswith("csrf_token")), "csrf_token")
    fields = [(k, v) for k, v in form["fields"] if not k.endswith("csrf_token")]
    named = {k for k, _ in fields}
    fields += [(name, choices[0]) for name, choices in form.get("choices", {}).items() if name not in named and choices]
    fields = [(k, v or next((f for kind, f in FILLERS.items() if kind in k), "Plain words")) for k, v in fields]
    return form["role"], form["page"], fields, token_field


def referer(policy: str | None, page: str, scheme: str) -> dict[str, str]:
    """The Referer a browser sends with a form posted back to its own site, under the page's Referrer-Policy."""
    policy = (policy or "strict-origin-when-cross-origin").split(",")[-1].strip().lower()
    if policy == "no-referrer":
        return {}
    if policy in ("origin", "strict-origin"):
        return {"Referer": f"{scheme}://localhost/"}
    return {"Referer": f"{scheme}://localhost{page}"}


def open_page(client, page: str | None, scheme: str = "http") -> tuple[str | None, dict[str, str]]:
    """Open the page the form is on (or any page with a form), as the user would first: its token, and the
    headers the browser will send back with the form."""
    for url in ([page] if page else []) + list(TOKEN_PAGES):
        answer = client.get(url, base_url=f"{scheme}://localhost")
        if answer.status_code == 200 and 'name="csrf_token"' in answer.text:
            return csrf(answer.text), referer(answer.headers.get("Referrer-Policy"), url, scheme)
    return None, {}


def other_token(world, role: str) -> str:
    """A valid token from another browser's session (fetched once per kind of browser: opening a page changes
    nothing, `test_no_get_route_changes_the_store`)."""
    if role not in world["other_tokens"]:
        client = browser(world["app"], world["cookies"][OTHER[role]] if OTHER.get(role) else None)
        token, _ = open_page(client, None)
        assert token, f"no page gives the {OTHER.get(role)} browser a token"
        world["other_tokens"][role] = token
    return world["other_tokens"][role]


def opened(world, role: str, page: str | None, scheme: str):  # noqa: ANN201
    """A browser of this kind that has opened the page the form is on, as the user would first: the browser, its
    own token, and the headers it will send back with the form.

    The page is opened once per kind of browser, page and scheme; each request then gets a new browser holding the
    session cookie that opening it left (with its token), as if it had just opened the page itself.
    """
    key = (role, page, scheme)
    if key not in world["opened"]:
        client = browser(world["app"], world["cookies"][role])
        token, headers = open_page(client, page, scheme)
        cookie = client.get_cookie("session")
        world["opened"][key] = (cookie.value if cookie else None, token, headers)
    cookie, token, headers = world["opened"][key]
    return browser(world["app"], cookie), token, headers


def post_cases() -> list:
    return [pytest.param(endpoint, rule, case, scheme, id=f"{endpoint}-{case}-{scheme}")
            for endpoint, rule in POST_RULES for case in CASES for scheme in SCHEMES]


def test_the_state_changing_routes_come_from_the_url_map():
    endpoints = {e for e, _ in POST_RULES}
    assert {"auth.sign_in", "auth.sign_out", "teacher.page", "teacher.submit_response", "teacher.agreement",
            "teacher.learning_menu", "specialist.group", "specialist.regroup", "coordinator.specialists",
            "coordinator.run_partnerships", "coordinator.confirm_partnerships", "admin.users"} <= endpoints


def test_every_state_changing_route_is_reached_by_a_form_or_named(world):
    """The walk finds the form for most routes; the few it cannot (nothing to undo yet) are still posted to."""
    assert len(world["forms"]) >= 15
    for endpoint, rule in POST_RULES:
        assert urls(world, endpoint, rule), rule


@pytest.mark.parametrize(("endpoint", "rule", "case", "scheme"), post_cases())
def test_a_post_without_this_sessions_token_is_refused_and_changes_nothing(world, endpoint, rule, case, scheme):
    for url, _ in urls(world, endpoint, rule):
        role, page, fields, token_field = request_for(world, endpoint, url)
        client, own, headers = opened(world, role, page, scheme)  # the browser holds a token of its own
        token = {"missing": None, "forged": secrets.token_urlsafe(32), "other-session": other_token(world, role)}[case]
        assert token != own
        before = snapshot(world["data"])
        data = fields + ([(token_field, token)] if token else [])
        answer = client.post(url, data=MultiDict(data), base_url=f"{scheme}://localhost", headers=headers)
        where = f"{role} POST {scheme}://localhost{url} with the token {case}"
        assert answer.status_code == 400, f"{where}: {answer.status_code}\n{answer.text[:1500]}"
        assert CSRF_REFUSED in answer.text, where
        assert changed_files(before, snapshot(world["data"])) == [], where


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(("endpoint", "rule"), POST_RULES, ids=[e for e, _ in POST_RULES])
def test_the_same_post_with_the_right_token_gets_past_the_csrf_check(scratch, endpoint, rule, scheme):
    """The control: the refused requests differ from an accepted one only in the token. Over HTTPS the browser
    sends the Referer the page's Referrer-Policy allows, and the form must still get through."""
    for url, _ in urls(scratch, endpoint, rule):
        role, page, fields, token_field = request_for(scratch, endpoint, url)
        client = browser(scratch["app"], scratch["cookies"][role])
        token, headers = open_page(client, page, scheme)
        answer = client.post(url, data=MultiDict([*fields, (token_field, token)]), base_url=f"{scheme}://localhost",
                             headers=headers)
        where = f"{role} POST {scheme}://localhost{url} with {headers or 'no Referer'}"
        assert CSRF_REFUSED not in answer.text, f"{where}: {answer.status_code}\n{Page(answer.text).text()[:600]}"
        assert answer.status_code < 500, f"{where}: {answer.status_code}\n{answer.text[:1500]}"



@pytest.mark.parametrize(("endpoint", "rule"), GET_RULES, ids=[e for e, _ in GET_RULES])
def test_no_get_route_changes_the_store(world, endpoint, rule):
    """CSRF protection covers POST only, so opening a page (another site can make a browser do it) changes nothing."""
    for url, _ in urls(world, endpoint, rule):
        for role in BROWSERS:
            before = snapshot(world["data"])
            browser(world["app"], world["cookies"][role]).get(url)
            assert changed_files(before, snapshot(world["data"])) == [], f"{role} GET {url}"
