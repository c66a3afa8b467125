"""A group's planning name and note are for specialists only; teachers see only a title written for them."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from diagnostic.services import cycles, grouping, partnerships
from diagnostic.services.demo import DEMO_COHORT
from diagnostic.services.journey import hash_secret
from tests.conftest import sign_in_as

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PLANNING = {"name": "Anxious about being watched NAME-MARKER-77", "note": "Needs reassurance first NOTE-MARKER-55"}
MARKERS = ["NAME-MARKER-77", "NOTE-MARKER-55", "Anxious about being watched"]
TITLE = "Curious questioners"


@pytest.fixture
def app(demo_app):
    return demo_app


def label_every_group(app, store, title: str = "") -> dict:
    """A specialist gives every group a planning name and note with markers (and a title), on the real page."""
    specialist = app.test_client()
    sign_in_as(specialist, app, "specialist", [DEMO_COHORT])
    current = grouping.current(store, store.get_cohort(DEMO_COHORT))
    for group in current["groups"]:
        url = f"/specialist/cohorts/{DEMO_COHORT}/groups/{group['key']}"
        token = CSRF.search(specialist.get(url).text).group(1)
        saved = specialist.post(url, data={"csrf_token": token, "name": f"{PLANNING['name']} {group['key']}",
                                           "note": PLANNING["note"], "teacher_title": title})
        assert saved.status_code == 302
    return grouping.current(store, store.get_cohort(DEMO_COHORT))


def teacher_browsers(app, store, members: list[dict]) -> dict:
    """A browser of its own for every member, each opened with a private link made for the test."""
    browsers = {}
    for member in members:
        secret = secrets.token_hex(24)
        store.update_response(DEMO_COHORT, member["id"], lambda r, s=secret: {**r, "token_hash": hash_secret(s)})
        browser = app.test_client()
        assert browser.get(f"/resume/{DEMO_COHORT}.{member['id']}.{secret}").status_code == 302
        browsers[member["id"]] = browser
    return browsers


def teacher_urls(app, store, response_id: str) -> list[str]:
    """Every page and download of the teacher blueprint that this teacher can open."""
    found = []
    cohort = store.get_cohort(DEMO_COHORT)
    mine = [p["id"] for p in partnerships.partnerships_of(store, cohort, response_id) if p.get("agreement")]
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("teacher.") or "GET" not in rule.methods:
            continue
        if rule.arguments == {"partnership_id"}:
            found += [rule.rule.replace("<partnership_id>", pid) for pid in mine]
        elif not rule.arguments:
            found.append(rule.rule)
    return found


def test_no_planning_name_or_note_reaches_any_teacher_page_or_download(app, store):
    current = label_every_group(app, store)
    cohort = store.get_cohort(DEMO_COHORT)
    # Partnerships too, so partner and agreement pages are walked as well.
    partnerships.confirm(store, cohort, "co-coaching", partnerships.run(store, cohort, "co-coaching")["id"])
    # Some weeks on (so partners are asked whether it is working), and into a second cycle, so the follow-up,
    # progress, peer-assessment and health pages are walked too.
    weeks_ago = (datetime.now(UTC) - timedelta(weeks=5)).isoformat(timespec="seconds")
    for p in partnerships.confirmed(store, cohort):
        store.update_partnership(DEMO_COHORT, p["id"], lambda r: {**r, "confirmed_at": weeks_ago})
    cycles.close_current(store, cohort)
    cycles.open_follow_up(store, store.get_cohort(DEMO_COHORT), "follow_up", "1")
    members = [m for g in current["groups"] for m in g["members"]]
    assert len(members) >= 50
    walked = 0
    for response_id, browser in teacher_browsers(app, store, members).items():
        for url in teacher_urls(app, store, response_id):
            page = browser.get(url, follow_redirects=True)
            assert page.status_code == 200, url
            for marker in MARKERS:
                assert marker not in page.text, f"{marker!r} reached a teacher on {url}"
            walked += 1
    assert walked > len(members) * 5
    # The specialists still see their own names and notes.
    specialist = app.test_client()
    sign_in_as(specialist, app, "specialist", [DEMO_COHORT])
    page = specialist.get(f"/specialist/cohorts/{DEMO_COHORT}/").text
    assert PLANNING["name"] in page


def test_the_title_written_for_teachers_reaches_members_but_not_those_who_fit_poorly(app, store):
    cohort = store.get_cohort(DEMO_COHORT)
    current = grouping.current(store, cohort)
    key = current["groups"][0]["key"]
    fits, poorly = [m["id"] for m in current["groups"][0]["members"][:2]]
    # Mark one member as fitting poorly, as the model does for teachers far from their group's centre.
    store.update_grouping(DEMO_COHORT, lambda record, model: ({**record, "members": {
        **record["members"], poorly: {**record["members"][poorly], "outlier": True}}}, model))
    current = label_every_group(app, store, title=TITLE)
    group = next(g for g in current["groups"] if g["key"] == key)
    members = {m["id"]: m for m in group["members"]}
    assert members[poorly]["outlier"] and not members[fits]["outlier"]
    browsers = teacher_browsers(app, store, [members[fits], members[poorly]])
    for url in ("/questionnaire/menu", "/questionnaire/my-data", "/questionnaire/my-data.json"):
        assert TITLE in browsers[fits].get(url).text, url
        assert TITLE not in browsers[poorly].get(url).text, url
    assert browsers[fits].get("/questionnaire/my-data.json").json["starting_point_group"]["title"] == TITLE
    assert browsers[poorly].get("/questionnaire/my-data.json").json["starting_point_group"]["title"] is None


def test_the_title_for_teachers_is_empty_until_a_specialist_writes_one(app, store):
    cohort = store.get_cohort(DEMO_COHORT)
    member = grouping.current(store, cohort)["groups"][0]["members"][0]
    browser = teacher_browsers(app, store, [member])[member["id"]]
    assert browser.get("/questionnaire/my-data.json").json["starting_point_group"]["title"] is None
    generated = grouping.current(store, cohort)["groups"][0]["generated_name"]
    assert generated not in browser.get("/questionnaire/menu").text


@pytest.mark.parametrize("field, limit", [("name", grouping.NAME_LIMIT), ("note", grouping.NOTE_LIMIT),
                                          ("teacher_title", grouping.TITLE_LIMIT)])
def test_an_over_long_name_note_or_title_is_refused_and_nothing_changes(app, store, field, limit):
    specialist = app.test_client()
    sign_in_as(specialist, app, "specialist", [DEMO_COHORT])
    key = grouping.current(store, store.get_cohort(DEMO_COHORT))["groups"][0]["key"]
    url = f"/specialist/cohorts/{DEMO_COHORT}/groups/{key}"
    before = store.group_labels(DEMO_COHORT)
    token = CSRF.search(specialist.get(url).text).group(1)
    answer = specialist.post(url, data={"csrf_token": token, field: "x" * (limit + 1)})
    assert answer.status_code == 422 and 'class="error-summary"' in answer.text
    assert store.group_labels(DEMO_COHORT) == before
