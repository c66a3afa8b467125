"""Peer assessment through the teacher's pages: in cycle 2 partners say how each other is getting on; the
teacher assessed and the specialists read it, nobody else does."""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import sign_in_as
from pages import visible_text

from diagnostic.services import coaching_log, peer_assessment
from diagnostic.services.cohorts import definition_dirs
from diagnostic.services.cycles import close_current, open_next, start_latest
from forms.catalog import find_definition
from tests.web.test_partner import SCRIPT, as_teacher, build, csrf

MARK = "PEER-EVIDENCE-7f3a"  # planted in what Amy writes, to look for where it must not appear
REVISION = re.compile(r'id="revision" name="revision" type="hidden" value="(\d+)"')


@pytest.fixture
def paired(app, store, cohort):
    """Amy and Bea, then Cal and Dan, confirmed co-coaching pairs."""
    return build(app, store, cohort)


@pytest.fixture
def cycle_two(app, store, cohort, paired):
    close_current(store, cohort)
    open_next(store, cohort, find_definition("follow_up", None, definition_dirs(app.config["DATA"]))[0])
    return store.get_cohort(cohort["id"])


def url(pid: str) -> str:
    return f"/questionnaire/assess/{pid}"


def send(client, pid, html=None, **fields):
    html = html or client.get(url(pid)).text
    data = {"csrf_token": csrf(html), "revision": REVISION.search(html).group(1), "scale": "3",
            "evidence": f"{MARK} more pupils explained their thinking {SCRIPT}", **fields}
    return client.post(url(pid), data={k: v for k, v in data.items() if v is not None})


def said(store, cohort, paired):
    return store.get_partnership(cohort["id"], paired["pair"]).get("assessments") or {}


def test_a_partner_assesses_from_the_partner_page_and_the_teacher_reads_it_beside_their_own_view(
        app, store, cohort, paired, cycle_two):
    entry = coaching_log.add_entry(store, cohort, store.get_partnership(cohort["id"], paired["pair"]),
                                   {"id": paired["ids"]["Amy"], "name": "Amy", "role": "teacher"}, "observation",
                                   date.today(), {"strategy": "Wait time of five seconds after each question"})
    amy, bea = as_teacher(app, paired, "Amy"), as_teacher(app, paired, "Bea")
    assert "sees you as" not in visible_text(bea.get("/questionnaire/partner").text)  # nothing said yet
    assert "Say how Bea is getting on" in visible_text(amy.get("/questionnaire/partner").text)
    page = amy.get(url(paired["pair"]))
    text = visible_text(page.text)
    assert page.status_code == 200 and "Fewer hands-up questions." in text  # Bea's goal
    assert "How far has your partner got towards their goal?" in text and peer_assessment.SCALE[4] in text
    assert "classroom observation: Wait time of five seconds" in text
    saved = send(amy, paired["pair"], page.text, entries=entry["id"])
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/questionnaire/partner")
    assert "Saved" in visible_text(amy.get("/questionnaire/partner").text)
    later = start_latest(store, cycle_two, store.get_response(cohort["id"], paired["ids"]["Bea"]))
    store.update_response(cohort["id"], later["id"], lambda r: {**r, "answers": {**r["answers"], "goal_progress": 2}})
    seen = bea.get("/questionnaire/partner")
    text = visible_text(seen.text)
    assert "Your partner Amy sees you as: Growing in confidence with it" in text and MARK in text
    assert "you said: Made a start" in text
    assert SCRIPT not in seen.text and "&lt;script&gt;" in seen.text  # what a teacher typed is escaped
    (record,) = said(store, cohort, paired)["2"].values()
    assert record["entries"] == [entry["id"]] and record["scale"] == 3


@pytest.mark.parametrize(("fields", "anchor"), [
    ({"scale": None}, "#scale"),
    ({"scale": "9"}, "#scale"),
    ({"evidence": "  "}, "#evidence"),
    ({"evidence": "x" * 1001}, "#evidence"),
    ({"entries": "not-an-entry"}, "#entries"),
])
def test_bad_answers_get_422_with_a_linked_message_and_nothing_is_saved(app, store, cohort, paired, cycle_two,
                                                                        fields, anchor):
    refused = send(as_teacher(app, paired, "Amy"), paired["pair"], **fields)
    assert refused.status_code == 422 and "There is a problem" in refused.text and f'href="{anchor}"' in refused.text
    assert said(store, cohort, paired) == {}


def test_an_assessment_can_be_changed_but_a_stale_copy_gets_409_and_changes_nothing(app, store, cohort, paired,
                                                                                   cycle_two):
    amy = as_teacher(app, paired, "Amy")
    first_tab, second_tab = amy.get(url(paired["pair"])).text, amy.get(url(paired["pair"])).text
    assert send(amy, paired["pair"], first_tab).status_code == 302
    assert send(amy, paired["pair"], evidence="Changed", scale="4").status_code == 302  # a fresh copy may change it
    stale = send(amy, paired["pair"], second_tab, evidence="From the old tab")
    assert stale.status_code == 409 and "another tab" in visible_text(stale.text)
    (record,) = said(store, cohort, paired)["2"].values()
    assert record["evidence"] == "Changed" and record["revision"] == 2


@pytest.mark.parametrize(("who", "pid", "extra", "status"), [
    ("Cal", "pair", {}, 404),  # not in this partnership
    ("Amy", "other", {}, 404),
    ("Amy", "pair", {"partner": "Amy"}, 422),  # oneself
    ("Amy", "pair", {"partner": "nobody"}, 404),
])
def test_outsiders_and_oneself_are_refused(app, paired, cycle_two, who, pid, extra, status):
    query = {k: paired["ids"].get(v, v) for k, v in extra.items()}  # a teacher's name stands for their id
    assert as_teacher(app, paired, who).get(url(paired[pid]), query_string=query).status_code == status


def test_before_cycle_two_opens_the_page_says_so_with_409_and_without_a_token_400(app, store, cohort, paired):
    amy = as_teacher(app, paired, "Amy")
    early = amy.get(url(paired["pair"]))
    assert early.status_code == 409 and "next round" in visible_text(early.text)
    assert "Say how Bea" not in visible_text(amy.get("/questionnaire/partner").text)
    assert amy.post(url(paired["pair"]), data={"scale": "3", "evidence": "x", "revision": "0"}).status_code in (
        400, 409)
    assert said(store, cohort, paired) == {}


def test_a_post_without_a_csrf_token_is_400(app, store, cohort, paired, cycle_two):
    amy = as_teacher(app, paired, "Amy")
    assert amy.post(url(paired["pair"]), data={"scale": "3", "evidence": "x", "revision": "0"}).status_code == 400
    assert said(store, cohort, paired) == {}


def test_once_the_cycle_closes_nothing_more_is_saved_410(app, store, cohort, paired, cycle_two):
    amy = as_teacher(app, paired, "Amy")
    html = amy.get(url(paired["pair"])).text
    for draft in store.list_responses(cohort["id"], status="draft"):  # Amy's link began her follow-up: finish it
        store.update_response(cohort["id"], draft["id"], lambda r: {**r, "status": "submitted"})
    close_current(store, cycle_two)
    assert send(amy, paired["pair"], html).status_code == 410
    assert said(store, cohort, paired) == {}


def test_specialists_see_what_their_partner_saw_and_nobody_else_does(app, store, cohort, paired, cycle_two):
    amy = as_teacher(app, paired, "Amy")
    assert send(amy, paired["pair"]).status_code == 302
    bea_id = paired["ids"]["Bea"]
    specialist = app.test_client()
    sign_in_as(specialist, app, "specialist", [cohort["id"]])
    page = specialist.get(f"/specialist/cohorts/{cohort['id']}/teachers/{bea_id}")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "What their partner saw" in text and MARK in text and "Amy sees them as" in text
    # Bea's own download holds it (about her), Amy's too (she wrote it); Cal's does not.
    bea = as_teacher(app, paired, "Bea")
    assert MARK in bea.get("/questionnaire/my-data.json").text
    assert "written by you or about you" in visible_text(bea.get("/questionnaire/my-data").text)
    assert MARK in amy.get("/questionnaire/my-data.json").text
    cal = as_teacher(app, paired, "Cal")
    for path in ("/questionnaire/my-data.json", "/questionnaire/my-data", "/questionnaire/partner"):
        assert MARK not in cal.get(path).text
    for role in ("coordinator", "admin"):
        staff = app.test_client()
        sign_in_as(staff, app, role, [cohort["id"]])
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and set(rule.arguments) <= {"cohort_id", "mode"} and not rule.endpoint.startswith(
                    ("teacher.", "specialist.", "static")):
                path = rule.rule.replace("<cohort_id>", cohort["id"]).replace("<mode>", "co-coaching")
                assert MARK not in staff.get(path).text, f"{role} sees peer assessment on {path}"
