"""Stored and reflected XSS: the payload corpus typed into every free-text field, then every page that shows it.

Free text typed by people: the questionnaire's short and long text answers (web and CSV import), the goal on the
menu page, the learning agreement's answers, group names and notes, specialists' names, cohort and school names
(created in code, with the CLI and on the admin page), staff e-mail addresses, CSV import references, and the
titles, prompts, hints, labels and menu an admin uploads as YAML; also the address itself (path and query) and
input the app refuses and shows back. Pages are every GET route of the URL map, for every kind of browser, and
every page the browsers were shown while typing. Each is read with the standard library's HTML parser: no script,
no `on...` handler, no `javascript:` URL, no element or attribute that came from a payload, and the payload is there
as text wherever the page should show it. JSON is served as application/json, CSV as a text/csv attachment.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import PurePosixPath
from urllib.parse import urlencode

import pytest
from security_corpus import (
    EMAILS,
    FORMULAS,
    MAIN,
    PAYLOADS,
    REVISION,
    XSS,
    Page,
    browser,
    changed_files,
    cookie_of,
    copy_world,
    csrf,
    hostile_view,
    live_markup,
    norm,
    rules_now,
    snapshot,
    urls,
    who_for,
)

ROLES = ("admin", "specialist", "coordinator", "teacher", "draft", "late", "anonymous")
STAFF_EMAIL = {"admin": EMAILS[0], "specialist": EMAILS[1], "coordinator": EMAILS[2]}
GET_RULES = rules_now({"GET"})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app, world = copy_world(tmp_path_factory, "xss")
    world["app"] = app
    yield world
    app.extensions["store"].close()


@pytest.fixture
def scratch(tmp_path_factory):
    """A copy of the world of its own, for tests that change it."""
    app, world = copy_world(tmp_path_factory, "xss-scratch")
    world["app"] = app
    yield world
    app.extensions["store"].close()


def open_as(world, role: str):
    return browser(world["app"], world["cookies"][role])


def store_of(world):
    return world["app"].extensions["store"]


def assert_safe(response, where: str, shows=()) -> None:
    """No live markup on an HTML page (and each of `shows` on it as text); JSON and CSV served as what they are."""
    assert response.status_code < 500, f"{where}: {response.status_code}\n{response.text[:3000]}"
    if response.mimetype == "text/html":
        found = live_markup(response.text, where)
        assert not found, f"{where}: live markup: {found}"
        page = Page(response.text, where)
        missing = [p for p in shows if not page.shows(p)]
        assert not missing, f"{where}: typed text not shown as text: {missing}"
    elif where.endswith(".json") or response.mimetype.endswith("json"):
        assert response.mimetype == "application/json", where
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        json.loads(response.text)
    elif where.endswith(".csv") or response.mimetype == "text/csv":
        assert response.mimetype == "text/csv", where
        assert response.headers["Content-Disposition"].startswith("attachment"), where
    else:
        assert response.mimetype in ("text/css", "image/svg+xml", "image/png"), f"{where}: {response.mimetype}"


# -- what each page should show ----------------------------------------------------------------------------------
def cohort_names(world) -> list[str]:
    return [world["name"], *(c["name"] for c in world["extra"])]


def partnership_names(world, mode: str) -> list[str]:
    return sorted({n for p in store_of(world).list_partnerships(MAIN) if p["mode"] == mode for n in p["names"]})


def expected(world, endpoint: str, values: dict[str, str], role: str) -> list[str]:
    """Typed text the page must show to this browser (the app's own words around it are not checked here)."""
    shows = [STAFF_EMAIL[role]] if role in STAFF_EMAIL and endpoint.split(".")[0] in ("admin", "specialist",
                                                                                         "coordinator") else []
    if role == "admin":
        names = {u["id"]: u["email"] for u in world["users"]}
        shows += {
            "specialist.cohorts": cohort_names(world), "coordinator.cohorts": cohort_names(world),
            "admin.home": cohort_names(world), "admin.cohorts": cohort_names(world),
            "admin.erasure": [world["name"], world["teachers"][4]["payload"]],
            "admin.users": list(names.values()) + [world["extra"][0]["name"]],
            "admin.user": [names.get(values.get("user_id"), "")], "admin.audit_log": EMAILS[3:],
            "specialist.overview": [world["name"], *world["group_names"].values()],
            "specialist.group": [world["group_names"].get(values.get("key"), ""), FORMULAS[3]],
            "specialist.focuses": list(world["group_names"].values()),
            # A teacher's starting point shows what they typed (their reference and goal are payloads).
            "specialist.starting_point": [t["payload"] for t in world["teachers"]
                                          if t["id"] == values.get("response_id")],
            "coordinator.menu_settings": world["schools"], "coordinator.expertise": world["schools"],
            "coordinator.specialists": [p.strip() for p in PAYLOADS],
            "coordinator.partnerships_page": partnership_names(world, values.get("mode", "")),
            "coordinator.move_teacher": [XSS[16]],
        }.get(endpoint, [])
    if role == "teacher":
        store = store_of(world)
        mine = world["teacher"]
        pair = store.get_partnership(MAIN, world["pair"])
        answers = list((pair["agreement"] or {}).get("answers", {}).values())
        shows += {
            "teacher.summary": [mine["payload"]], "teacher.learning_menu": [mine["payload"]],
            "teacher.my_data": [mine["payload"]],
            "teacher.partner": [n for n in pair["names"] if n != mine["payload"]],
            "teacher.agreement": [a for a in answers if isinstance(a, str)],
            "teacher.agreement_print": [a for a in answers if isinstance(a, str)],
        }.get(endpoint, [])
    if role == "draft" and (endpoint, values.get("number")) in (("teacher.page", "1"), ("teacher.review", None)):
        shows.append(XSS[1])
    if endpoint == "teacher.join":
        shows += [world["name"], *world["schools"]]
    return shows


# -- the tests ---------------------------------------------------------------------------------------------------
def test_no_page_shown_while_the_corpus_was_typed_in_has_live_markup(world):
    """Every page the browsers saw while typing the corpus in: the forms, their errors, the pages after saving."""
    assert len(world["seen"]) > 200
    assert [s for s in world["seen"] if s["status"] >= 500] == []
    assert [s for s in world["seen"] if s["problems"]] == []


@pytest.mark.parametrize(("endpoint", "rule"), GET_RULES, ids=[e for e, _ in GET_RULES])
def test_every_page_in_the_url_map_shows_typed_text_only_as_text(world, endpoint, rule):
    """Each GET route, for every kind of browser, with every value its URL takes in the world."""
    for url, values in urls(world, endpoint, rule):
        for role in ROLES:
            answer = open_as(world, role).get(url)
            shows = expected(world, endpoint, values, role) if answer.status_code == 200 else []
            assert_safe(answer, f"{role} GET {url}", shows)


@pytest.mark.parametrize("n", range(len(PAYLOADS)), ids=[f"teacher-{n}" for n in range(len(PAYLOADS))])
def test_each_teachers_own_pages_show_their_words_and_their_partners_as_text(world, n):
    """Summary, menu, partner page, learning agreement and its print page, for every teacher of the corpus."""
    teacher = world["teachers"][n]
    store = store_of(world)
    client = world["app"].test_client()
    assert client.get(f"/resume/{teacher['token']}").status_code == 302
    assert_safe(client.get("/questionnaire/summary"), "summary", [teacher["payload"]])
    assert_safe(client.get("/questionnaire/menu"), "menu", [teacher["payload"]])
    mine = [p for p in store.list_partnerships(MAIN) if teacher["id"] in p["members"]]
    others = [name for p in mine for m, name in zip(p["members"], p["names"], strict=False) if m != teacher["id"]]
    assert_safe(client.get("/questionnaire/partner"), "partner", others)
    for partnership in (p for p in mine if p.get("agreement")):
        answers = [a for a in partnership["agreement"].get("answers", {}).values() if isinstance(a, str)]
        for suffix in ("", "/print"):
            url = f"/questionnaire/agreement/{partnership['id']}{suffix}"
            assert_safe(client.get(url), url, answers)


@pytest.mark.parametrize("n", range(len(PAYLOADS) + 1), ids=[f"cohort-{n}" for n in range(len(PAYLOADS) + 1)])
def test_a_cohort_and_its_schools_named_with_a_payload_are_text_on_its_own_pages(world, n):
    """Cohorts made in code (closed, so the invitation shows the closed page) and one made with the CLI."""
    cohort = world["extra"][n]
    admin = open_as(world, "admin")
    assert_safe(browser(world["app"], None).get(f"/join/{cohort['invite']}"), "join", [cohort["name"]])
    base = f"/coordinator/cohorts/{cohort['id']}"
    assert_safe(admin.get(f"/specialist/cohorts/{cohort['id']}/"), "overview", [cohort["name"]])
    assert_safe(admin.get(f"{base}/menu"), "menu settings", [cohort["name"], *cohort["schools"]])
    assert_safe(admin.get(f"{base}/expertise"), "expertise", [cohort["name"]])
    for mode in ("co-coaching", "mentoring", "specialist"):
        assert_safe(admin.get(f"{base}/partnerships/{mode}"), mode, [cohort["name"]])
    assert_safe(admin.get(f"{base}/specialists"), "specialists", [cohort["name"]])
    assert_safe(admin.get(f"{base}/expertise.csv"), "expertise.csv")
    assert_safe(admin.get(f"{base}/expertise.json"), "expertise.json")


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload-{n}" for n in range(len(PAYLOADS))])
def test_a_group_named_and_noted_with_each_payload_is_text_everywhere_it_is_shown(scratch, payload):
    admin = open_as(scratch, "admin")
    base = f"/specialist/cohorts/{MAIN}"
    page = admin.get(f"{base}/groups/A")
    saved = admin.post(f"{base}/groups/A", data={"csrf_token": csrf(page.text), "name": payload, "note": payload},
                       follow_redirects=True)
    assert_safe(saved, "saved", [payload])
    for url in (f"{base}/", f"{base}/groups/A", f"{base}/focuses"):
        assert_safe(admin.get(url), url, [payload])
    assert_safe(admin.get(f"{base}/groups/B"), "group B")
    for name in ("members.csv", "profiles.csv", "grouping.json"):
        assert_safe(admin.get(f"{base}/export/{name}"), name)
    exported = json.loads(admin.get(f"{base}/export/grouping.json").text)
    assert norm(payload) in [norm(p["name"]) for p in exported["profiles"]]  # JSON keeps it as typed


# -- input the app refuses, shown back ---------------------------------------------------------------------------
def _revision(text: str) -> dict[str, str]:
    return {"revision": REVISION.search(text).group(1)}


C = f"/coordinator/cohorts/{MAIN}"
S = f"/specialist/cohorts/{MAIN}"
# name: (browser, page the form is on, where it posts, the fields (payload, page text, world), text shown back)
REFUSED = {
    "specialist-name": ("admin", f"{C}/specialists", f"{C}/specialists",
                        lambda p, t, w: {"name": p, "kind": "specialist", "capacity": "0"}, lambda p: p),
    "group-label": ("admin", f"{S}/groups/A", f"{S}/groups/A", lambda p, t, w: {"name": p, "note": "x" * 2001},
                    lambda p: p),
    "account-email": ("admin", "/admin/users", "/admin/users", lambda p, t, w: {"add-email": p,
                                                                                "add-role": "specialist"},
                      lambda p: p.lower()),
    "account-access": ("admin", "/admin/users/{user}", "/admin/users/{user}/access",
                       lambda p, t, w: {"access-role": p, "access-cohorts": [p]}, None),
    "sign-in": ("anonymous", "/sign-in", "/sign-in", lambda p, t, w: {"email": p, "password": "not the password"},
                lambda p: p),
    "lock-people": ("admin", f"{C}/partnerships/mentoring", f"{C}/partnerships/mentoring/lock",
                    lambda p, t, w: {"people": [p, w["late"]]}, lambda p: p[:40]),
    "forbid-people": ("admin", f"{C}/partnerships/mentoring", f"{C}/partnerships/mentoring/forbid",
                      lambda p, t, w: {"people": [w["late"], p]}, lambda p: p[:40]),
    "move-to": ("admin", f"{C}/partnerships/co-coaching/move?teacher={{late}}",
                f"{C}/partnerships/co-coaching/move?teacher={{late}}", lambda p, t, w: {"teacher": w["late"], "to": p},
                None),
    "run-options": ("admin", f"{C}/partnerships/co-coaching", f"{C}/partnerships/co-coaching/run",
                    lambda p, t, w: {"school_rule": p, "relax_focus": p}, None),
    "confirm": ("admin", f"{C}/partnerships/co-coaching", f"{C}/partnerships/co-coaching/confirm",
                lambda p, t, w: {"proposal": p}, None),
    "dissolve": ("admin", f"{C}/partnerships/co-coaching", f"{C}/partnerships/co-coaching/dissolve",
                 lambda p, t, w: {"partnership": p}, None),
    "remove-specialist": ("admin", f"{C}/specialists", f"{C}/specialists/remove", lambda p, t, w: {"specialist": p},
                          None),
    "menu-weights": ("admin", f"{C}/menu", f"{C}/menu", lambda p, t, w: {"weight_questioning": p}, lambda p: p),
    "regroup": ("admin", f"{S}/", f"{S}/regroup", lambda p, t, w: {"k": p, "method": p}, None),
    "admin-cohort-name": ("admin", "/admin/cohorts", "/admin/cohorts",
                          lambda p, t, w: {"cohort-name": p + "x" * 120, "cohort-form": "starting_point|2",
                                           "cohort-schools": p}, lambda p: p),
    "admin-erasure": ("admin", "/admin/erasure", "/admin/erasure",
                      lambda p, t, w: {"erase-cohort": MAIN, "erase-reference": f"no one {p}"},
                      lambda p: repr(f"no one {p}".strip())),
    "admin-definition-upload": ("admin", "/admin/definitions", "/admin/definitions",
                                lambda p, t, w: {"file": (io.BytesIO(b"id: [broken"), p)},
                                # A multipart file name cannot carry quotes, backslashes or control characters.
                                lambda p: None if re.search(r'["\\\x00-\x1f]', p) else PurePosixPath(p).name),
    "join-school": ("anonymous", "/join/{invite}", "/join/{invite}", lambda p, t, w: {"school": f"not {p}"}, None),
    "questionnaire-page": ("draft", "/questionnaire/page/1", "/questionnaire/page/1",
                           lambda p, t, w: {**_revision(t), "role": "other", "role_other": p}, lambda p: p),
    "menu-goal": ("late", "/questionnaire/menu", "/questionnaire/menu",
                  lambda p, t, w: {"focus": "questioning", "goal": p + "x" * 600}, lambda p: p),
    "agreement": ("teacher", "/questionnaire/agreement/{pair}", "/questionnaire/agreement/{pair}",
                  lambda p, t, w: {**_revision(t), "focus": p + "x" * 200}, lambda p: p),
}


@pytest.mark.parametrize("case", REFUSED)
def test_input_the_app_refuses_is_shown_back_as_text_and_changes_nothing(scratch, case):
    role, page_url, post_url, fields, shown = REFUSED[case]
    names = {"user": scratch["users"][1]["id"], "late": scratch["late"], "invite": scratch["invite"],
             "pair": scratch["pair"]}
    page_url, post_url = page_url.format(**names), post_url.format(**names)
    client = open_as(scratch, role)
    text = client.get(page_url).text  # refused input changes nothing, so one copy of the page serves every try
    for n, payload in enumerate(PAYLOADS + EMAILS):
        before = snapshot(scratch["data"])
        # Each try from its own address, so the sign-in page's limit on failures does not answer instead.
        answer = client.post(post_url, data={"csrf_token": csrf(text), **fields(payload, text, scratch)},
                             environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"})
        where = f"{case} with {payload!r}"
        assert 400 <= answer.status_code < 500, f"{where}: {answer.status_code}"
        assert_safe(answer, where, [shown(payload)] if shown and shown(payload) is not None else [])
        assert changed_files(before, snapshot(scratch["data"])) in ([], ["audit.json"]), where


def test_a_questionnaire_and_menu_an_admin_wrote_with_payloads_are_text_on_every_page(scratch):
    """Titles, prompts, hints, labels and the menu's advice come from YAML an admin uploads: text like any other."""
    if not scratch["hostile"]:
        pytest.skip("this app has no page to upload a questionnaire")
    view = hostile_view(scratch)
    joining = scratch["app"].test_client()  # a teacher who has just started, to see the questionnaire's pages
    page = joining.get(f"/join/{view['invite']}")
    assert joining.post(f"/join/{view['invite']}", data={"csrf_token": csrf(page.text), "school": XSS[0]}
                        ).status_code == 302
    view["cookies"]["draft"] = cookie_of(joining)
    pages = []
    for endpoint, rule in GET_RULES:
        for url, _ in urls(view, endpoint, rule):
            for role in ("admin", "teacher", "draft", "anonymous"):
                answer = open_as(view, role).get(url)
                assert_safe(answer, f"{role} GET {url}")
                if answer.status_code == 200 and answer.mimetype == "text/html":
                    pages.append(Page(answer.text, url))
    used = [p for p in PAYLOADS if p.strip() == p]
    assert [p for p in used if not any(page.shows(p) for page in pages)] == []


@pytest.mark.parametrize(("endpoint", "rule"), GET_RULES, ids=[e for e, _ in GET_RULES])
def test_payloads_in_the_address_are_text_on_the_page_that_answers(world, endpoint, rule):
    """Each argument of the address, and the query parameters the app reads, set to each payload in turn."""
    arguments = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    role = who_for(endpoint)
    for n, payload in enumerate(XSS):
        # From an address of its own, so failed private links and invitations do not reach the rate limits.
        address = {"REMOTE_ADDR": f"198.51.100.{n + 1}"}
        if n % 3 == 0:  # a full page each time: a third of the corpus is enough to show nothing is echoed
            query = "?" + urlencode(dict.fromkeys(("next", "teacher", "new", "check", "q"), payload))
            for url, _ in urls(world, endpoint, rule)[:1]:
                answer = open_as(world, role).get(url.split("?")[0] + query, environ_base=address)
                assert_safe(answer, f"{url}{query}")
        for argument in arguments:
            for url, _ in urls(world, endpoint, rule, **{argument: payload})[:1]:
                assert_safe(open_as(world, role).get(url, environ_base=address), f"{role} GET {url}")


def test_the_csv_import_reference_is_text_on_the_group_pages(world):
    """Teachers imported from CSV are known to specialists by the reference in the file (a payload here)."""
    admin = open_as(world, "admin")
    pages = [admin.get(f"/specialist/cohorts/{MAIN}/groups/{key}") for key in world["groups"]]
    for page in pages:
        assert_safe(page, "group page")
    read = [Page(p.text) for p in pages]
    assert [t["payload"] for t in world["teachers"] if not any(r.shows(t["payload"]) for r in read)] == []


def test_the_literal_template_syntax_is_shown_not_evaluated(world):
    """`{{7*7}}` typed as a name, goal or group name comes back as typed: nothing renders user text as a template."""
    admin = open_as(world, "admin")
    page = admin.get(f"/coordinator/cohorts/{MAIN}/specialists").text
    assert "{{7*7}} {{ config }} {% print 7*7 %}" in page
    assert "SECRET_KEY" not in page and not re.search(r"<Config\b", page)
