"""Partnership health through the real pages: the teacher's question, the coordinator's list, re-pairing."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from conftest import sign_in_as
from pages import visible_text

from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import submitted_response
from diagnostic.services.journey import hash_secret
from diagnostic.services.partnership_health import HEALTH_AFTER_DAYS, WHY_LIMIT
from tests.web.test_partner import BASE, SCRIPT, as_teacher, build

TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
WHO_SEES = "Only your programme's coordinators see this answer, not your partner."
QUESTION = "Is this partnership working for you?"


def token(client, url="/questionnaire/partner"):
    return TOKEN.search(client.get(url).text).group(1)


def age(store, cohort, pid, days=HEALTH_AFTER_DAYS + 1):
    """Move a partnership's confirmation back in time (the pages use the real today)."""
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    store.update_partnership(cohort["id"], pid, lambda p: {**p, "confirmed_at": when})


@pytest.fixture
def paired(app, store, cohort):
    """Amy and Bea, Cal and Dan confirmed co-coaching; Fay and Gus submitted later, waiting for a partner."""
    made = build(app, store, cohort)
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    for n, name in enumerate(("Fay", "Gus")):
        answers = {**BASE, "teacher_name": name, "focus_choice": ["questioning"]}
        record = submitted_response(cohort, definition, answers, f"late{n}", "Ashfield")
        secret = secrets.token_hex(24)
        record["token_hash"] = hash_secret(secret)
        store.add_responses(cohort["id"], [record])
        made["ids"][name], made["tokens"][name] = record["id"], f"{cohort['id']}.{record['id']}.{secret}"
    return made


def health_url(pid):
    return f"/questionnaire/partner/{pid}/health"


def answer(client, pid, **fields):
    return client.post(health_url(pid), data={"csrf_token": token(client), **fields})


def health_of(store, cohort, pid):
    return store.get_partnership(cohort["id"], pid).get("health")


def test_the_question_waits_until_the_partnership_is_three_weeks_old(app, store, cohort, paired):
    amy = as_teacher(app, paired, "Amy")
    assert QUESTION not in visible_text(amy.get("/questionnaire/partner").text)
    early = answer(amy, paired["pair"], working="no", why="Too soon to tell")
    assert early.status_code == 409 and "21 days" in visible_text(early.text)
    assert amy.get(health_url(paired["pair"])).status_code == 409
    assert health_of(store, cohort, paired["pair"]) is None


def test_a_teacher_answers_and_only_the_coordinators_see_it(app, store, cohort, paired):
    age(store, cohort, paired["pair"])
    amy, bea = as_teacher(app, paired, "Amy"), as_teacher(app, paired, "Bea")
    page = visible_text(amy.get("/questionnaire/partner").text)
    assert QUESTION in page and WHO_SEES in page and "What is getting in the way?" in page

    saved = answer(amy, paired["pair"], working="no", why="We never find a free period")
    assert saved.status_code == 302
    said = health_of(store, cohort, paired["pair"])[paired["ids"]["Amy"]]
    assert said["working"] is False and said["why"] == "We never find a free period" and said["answered_at"]
    again = amy.get("/questionnaire/partner").text
    assert "We never find a free period" in again and "You last answered on" in visible_text(again)
    assert re.search(r'value="no" id="health-[0-9a-f]+-no" checked', again)

    partner_view = bea.get("/questionnaire/partner").text  # Bea is asked too, but sees nothing of Amy's answer
    assert QUESTION in visible_text(partner_view) and "We never find a free period" not in partner_view
    assert "You last answered on" not in visible_text(partner_view)

    coordinator = app.test_client()
    sign_in_as(coordinator, app, "coordinator", [cohort["id"]])
    listing = visible_text(coordinator.get(f"/coordinator/cohorts/{cohort['id']}/partnerships/co-coaching").text)
    assert "Partnerships that may need attention" in listing
    assert "Not really working for Amy" in listing and "We never find a free period" in listing


def test_the_latest_answer_wins(app, store, cohort, paired):
    age(store, cohort, paired["pair"])
    amy = as_teacher(app, paired, "Amy")
    answer(amy, paired["pair"], working="no", why="Timetables clash")
    assert answer(amy, paired["pair"], working="yes", why="Timetables clash").status_code == 302
    said = health_of(store, cohort, paired["pair"])[paired["ids"]["Amy"]]
    assert said["working"] is True and said["why"] == ""


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "Choose yes or not really."),
    ({"working": "maybe"}, "Not a valid choice"),
    ({"working": "no", "why": "x" * (WHY_LIMIT + 1)}, f"What is getting in the way: keep it to {WHY_LIMIT} characters"),
])
def test_an_answer_that_needs_fixing_comes_back_with_its_error_and_nothing_is_saved(app, store, cohort, paired,
                                                                                    fields, message):
    age(store, cohort, paired["pair"])
    amy = as_teacher(app, paired, "Amy")
    refused = answer(amy, paired["pair"], **fields)
    assert refused.status_code == 422
    text = visible_text(refused.text)
    assert "There is a problem" in text and message in text
    assert health_of(store, cohort, paired["pair"]) is None


@pytest.mark.parametrize(("who", "how", "status"), [
    ("Cal", "other partnership", 404), ("Fay", "no partnership", 404), ("Amy", "no csrf", 400),
    ("Amy", "undone", 410),
])
def test_outsiders_forged_posts_and_ended_partnerships_are_refused(app, store, cohort, paired, client, who, how,
                                                                   status):
    age(store, cohort, paired["pair"])
    if how == "undone":
        client.post(f"/coordinator/cohorts/{cohort['id']}/partnerships/co-coaching/dissolve",
                    data={"csrf_token": token(client, f"/coordinator/cohorts/{cohort['id']}/partnerships/co-coaching"),
                          "partnership": paired["pair"]})
    teacher = as_teacher(app, paired, who)
    data = {"working": "no", "why": "x"}
    if how != "no csrf":
        data["csrf_token"] = token(teacher)
    assert teacher.post(health_url(paired["pair"]), data=data).status_code == status
    assert health_of(store, cohort, paired["pair"]) is None


def partnerships_url(cohort, suffix=""):
    return f"/coordinator/cohorts/{cohort['id']}/partnerships/co-coaching{suffix}"


def test_a_quiet_log_is_listed_and_the_coordinator_sets_how_many_weeks_count(app, store, cohort, paired, client):
    age(store, cohort, paired["other"], days=22)  # Cal and Dan: confirmed 22 days ago, nothing in their log
    page = visible_text(client.get(partnerships_url(cohort)).text)
    assert "Quiet: no coaching log entry since" in page and "Re-pair these teachers: Cal and Dan" in page
    assert "Re-pair these teachers: Amy and Bea" not in page

    saved = client.post(partnerships_url(cohort, "/quiet-weeks"),
                        data={"csrf_token": token(client, partnerships_url(cohort)), "quiet_weeks": "4"})
    assert saved.status_code == 302 and store.get_cohort(cohort["id"])["health"]["quiet_weeks"] == 4
    assert "Re-pair these teachers: Cal and Dan" not in visible_text(client.get(partnerships_url(cohort)).text)


@pytest.mark.parametrize("weeks", ["0", "27", "three", "2.5", ""])
def test_a_bad_number_of_weeks_is_refused_with_a_message(app, store, cohort, paired, client, weeks):
    refused = client.post(partnerships_url(cohort, "/quiet-weeks"),
                          data={"csrf_token": token(client, partnerships_url(cohort)), "quiet_weeks": weeks})
    assert refused.status_code == 422
    assert "choose a whole number from 1 to 26" in visible_text(refused.text)
    assert "health" not in store.get_cohort(cohort["id"])


def test_a_reason_is_shown_to_the_coordinator_as_text_never_as_markup(app, store, cohort, paired, client):
    age(store, cohort, paired["pair"])
    answer(as_teacher(app, paired, "Bea"), paired["pair"], working="no", why=SCRIPT)
    page = client.get(partnerships_url(cohort)).text
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_re_pairing_asks_first_then_proposes_the_freed_teachers_with_others(app, store, cohort, paired, client):
    ids = paired["ids"]
    age(store, cohort, paired["pair"])
    answer(as_teacher(app, paired, "Amy"), paired["pair"], working="no", why="We do not get on")
    other_before = store.get_partnership(cohort["id"], paired["other"])
    url = partnerships_url(cohort, f"/repair/{paired['pair']}")

    asked = client.get(url)
    assert asked.status_code == 200 and "Re-pair Amy and Bea?" in visible_text(asked.text)
    assert "We do not get on" in visible_text(asked.text)
    not_sure = client.post(url, data={"csrf_token": token(client, url)})  # without sure=yes it only asks
    assert not_sure.status_code == 200 and store.get_partnership(cohort["id"], paired["pair"])["status"] == "confirmed"
    assert client.post(url, data={"sure": "yes"}).status_code == 400  # no CSRF token
    assert store.get_partnership(cohort["id"], paired["pair"])["status"] == "confirmed"

    done = client.post(url, data={"csrf_token": token(client, url), "sure": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/partnerships/co-coaching#proposal")
    assert store.get_partnership(cohort["id"], paired["pair"])["status"] == "dissolved"
    assert store.get_partnership(cohort["id"], paired["other"]) == other_before
    proposal = store.pairing_state(cohort["id"], "co-coaching")["proposal"]
    placed = {m for p in proposal["pairs"] for m in p["members"]}
    assert {ids["Amy"], ids["Bea"]} <= placed and not placed & {ids["Cal"], ids["Dan"]}
    assert not any({ids["Amy"], ids["Bea"]} <= set(p["members"]) for p in proposal["pairs"])
    page = visible_text(client.get(partnerships_url(cohort)).text)
    assert "Allow Amy and Bea to be paired again" in page
    assert client.get(url).status_code == 404  # undone already: there is nothing to re-pair
