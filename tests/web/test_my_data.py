"""A teacher's own data: what is kept and who sees it, a download of all of it, and asking for it to be deleted."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from pages import visible_text
from werkzeug.datastructures import MultiDict

from diagnostic.services import partnerships
from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import submitted_response
from diagnostic.services.erasure import ASKED
from diagnostic.services.journey import hash_secret, new_response

pytestmark = pytest.mark.both_backends  # on the TinyDB store and on PostgreSQL (tests/conftest.py)

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REVISION = re.compile(r'id="revision" name="revision" type="hidden" value="(\d+)"')
BASE = {"consent": "yes", "availability": ["lunchtime"], "observation_comfort": 4, "coaching_role": "both",
        "career_stage": "established", "confidence_questioning": 3, "confidence_feedback": 3}
SCRIPT = "<script>alert(1)</script>"
# name, school, goal, notes; Amy and Bea are confirmed co-coaching partners, Cal and Dan too.
TEACHERS = [("Amy Ashworth", "Ashfield", "Amy wants longer answers.", "Amy works Mondays."),
            (f"Bea {SCRIPT}", "Brook Lane", "Bea wants fewer hands up.", "Bea job-shares."),
            ("Cal Cotter", "Ashfield", "Cal wants quieter pupils heard.", "Cal is new."),
            ("Dan Dorley", "Brook Lane", "Dan wants wait time.", "Dan coaches football.")]


def csrf(html: str) -> str:
    return CSRF.search(html).group(1)


@pytest.fixture
def people(app, store, cohort):
    """Four submitted teachers with private links, confirmed as two co-coaching pairs; Amy filled the agreement."""
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    ids, tokens = [], []
    for n, (name, school, goal, notes) in enumerate(TEACHERS):
        answers = {**BASE, "teacher_name": name, "focus_choice": ["questioning"], "focus_goal": goal,
                   "coaching_notes": notes}
        record = submitted_response(cohort, definition, answers, f"ref-{n}", school)
        secret = secrets.token_hex(24)
        record["token_hash"] = hash_secret(secret)
        store.add_responses(cohort["id"], [record])
        ids.append(record["id"])
        tokens.append(f"{cohort['id']}.{record['id']}.{secret}")
    partnerships.lock(store, cohort, "co-coaching", ids[:2])
    partnerships.lock(store, cohort, "co-coaching", ids[2:])
    with app.app_context():
        made = partnerships.confirm(store, cohort, "co-coaching", partnerships.run(store, cohort, "co-coaching")["id"])
    pair = next(p["id"] for p in made if ids[0] in p["members"])
    amy = as_teacher(app, tokens[0])
    html = amy.get(f"/questionnaire/agreement/{pair}").text
    amy.post(f"/questionnaire/agreement/{pair}", data=MultiDict([
        ("csrf_token", csrf(html)), ("revision", REVISION.search(html).group(1)), ("focus", "Wait time"),
        ("approach", "We plan the Tuesday lesson together.")]))
    return {"ids": ids, "tokens": tokens, "pair": pair}


def as_teacher(app, token):
    """A browser of its own that opened this private link."""
    browser = app.test_client()
    assert browser.get(f"/resume/{token}").status_code == 302
    return browser


def download(browser) -> dict:
    answer = browser.get("/questionnaire/my-data.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["Cache-Control"] == "no-store"
    return json.loads(answer.text)


def test_the_download_holds_my_answers_my_partnership_and_my_partners_name_only(app, people):
    data = download(as_teacher(app, people["tokens"][0]))
    assert data["response"]["id"] == people["ids"][0] and data["response"]["school"] == "Ashfield"
    assert data["response"]["answers"]["focus_goal"] == "Amy wants longer answers."
    assert data["response"]["answers"]["coaching_notes"] == "Amy works Mondays."
    assert data["response"]["scores"] and data["response"]["submitted_at"]
    assert "token_hash" not in data["response"]
    assert data["learning_focus"]["focuses"] == ["questioning"]
    [partnership] = data["partnerships"]
    assert partnership["kind"] == "Co-coaching" and partnership["status"] == "confirmed"
    assert partnership["partners"] == [TEACHERS[1][0]]
    assert partnership["learning_agreement"]["answers"]["approach"] == "We plan the Tuesday lesson together."
    assert partnership["learning_agreement"]["last_saved_by"] == "Amy Ashworth"
    text = json.dumps(data)
    # Nothing about anyone else: not the partner's id, school, goal or notes, nor anyone outside the partnership.
    for other in (people["ids"][1], "Brook Lane", "Bea wants", "Bea job-shares", *people["ids"][2:], "Cal", "Dan"):
        assert other not in text


def test_each_teacher_gets_only_their_own_data(app, people):
    cal = download(as_teacher(app, people["tokens"][2]))
    assert cal["response"]["id"] == people["ids"][2] and cal["partnerships"][0]["partners"] == ["Dan Dorley"]
    assert "Amy" not in json.dumps(cal) and people["ids"][0] not in json.dumps(cal)


@pytest.mark.parametrize("who", ["anonymous", "staff"])
@pytest.mark.parametrize("method, url", [("get", "/questionnaire/my-data"), ("get", "/questionnaire/my-data.json"),
                                         ("post", "/questionnaire/my-data/delete")])
def test_without_a_private_link_nothing_is_shown_or_recorded(app, anonymous, staff, people, store, cohort, who,
                                                             method, url):
    browser = {"anonymous": anonymous, "staff": staff}[who]
    answer = getattr(browser, method)(url)
    # A POST without a CSRF token is refused before anything else; a GET needs the teacher's own session.
    assert answer.status_code == (400 if method == "post" else 403)
    assert "Amy" not in answer.text
    assert all("erasure_requested_at" not in r for r in store.list_responses(cohort["id"]))


def test_the_page_says_what_is_kept_who_sees_it_and_escapes_what_teachers_typed(app, people):
    page = as_teacher(app, people["tokens"][0]).get("/questionnaire/my-data")
    assert page.status_code == 200
    for words in ("Your answers", "Seen by the specialists and coordinators", "Your starting-point group",
                  "Your coaching partnerships", "Only a scrambled form", 'href="/questionnaire/my-data.json"',
                  "Ask for my data to be deleted", 'href="/questionnaire/my-data/delete"'):
        assert words in page.text
    assert "Co-coaching with Bea &lt;script&gt;" in page.text and SCRIPT not in page.text


def test_the_summary_links_to_my_data_and_a_draft_can_open_it_too(app, store, cohort, people):
    assert 'href="/questionnaire/my-data"' in as_teacher(app, people["tokens"][0]).get("/questionnaire/summary").text
    record, token = new_response(cohort, school="Ashfield")
    store.add_responses(cohort["id"], [record])
    draft = as_teacher(app, token)
    assert draft.get("/questionnaire/my-data").status_code == 200
    assert download(draft)["response"]["status"] == "draft"


def confirm_page(browser):
    page = browser.get("/questionnaire/my-data/delete")
    assert page.status_code == 200
    return page


def test_the_first_click_only_shows_what_will_be_deleted_and_a_way_back(app, store, cohort, people):
    amy = as_teacher(app, people["tokens"][0])
    # The data page itself holds no form that acts: its button is a link to the confirmation page.
    assert 'action="/questionnaire/my-data/delete"' not in amy.get("/questionnaire/my-data").text
    page = confirm_page(amy).text
    text = visible_text(page)
    for words in ("What will be deleted", "Your answers to the questionnaire", "Your learning focus and your goal",
                  "co-coaching partnership with Bea <script>", "told that their partner has withdrawn",
                  "cannot be undone", "Yes, delete my data"):
        assert words in text
    for markup in ('href="/questionnaire/my-data"', 'action="/questionnaire/my-data/delete"'):
        assert markup in page
    assert SCRIPT not in page
    assert "erasure_requested_at" not in store.get_response(cohort["id"], people["ids"][0])
    assert not [e for e in store.audit_log() if e["action"] == ASKED]


def test_a_post_without_the_confirmation_shows_the_confirmation_page_and_records_nothing(app, store, cohort, people):
    amy = as_teacher(app, people["tokens"][0])
    token = csrf(confirm_page(amy).text)
    for data in ({}, {"confirm": ""}, {"confirm": "no"}):
        answer = amy.post("/questionnaire/my-data/delete", data={"csrf_token": token, **data})
        assert answer.status_code == 303 and answer.headers["Location"].endswith("/questionnaire/my-data/delete")
    assert "erasure_requested_at" not in store.get_response(cohort["id"], people["ids"][0])


def test_asking_for_deletion_is_recorded_once_and_audited_without_naming_the_teacher(app, store, cohort, people):
    amy = as_teacher(app, people["tokens"][0])
    token = csrf(confirm_page(amy).text)
    answer = amy.post("/questionnaire/my-data/delete", data={"csrf_token": token, "confirm": "yes"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/questionnaire/my-data")
    page = amy.get("/questionnaire/my-data").text
    assert "Your request is recorded" in page and "You asked for your data to be deleted on" in page
    assert "Ask for my data to be deleted" not in page
    # Once asked, the confirmation page sends the teacher back to the data page, which says when they asked.
    assert amy.get("/questionnaire/my-data/delete").headers["Location"].endswith("/questionnaire/my-data")
    first = store.get_response(cohort["id"], people["ids"][0])["erasure_requested_at"]
    assert first and download(amy)["erasure_requested_at"] == first
    amy.post("/questionnaire/my-data/delete", data={"csrf_token": token, "confirm": "yes"})
    assert store.get_response(cohort["id"], people["ids"][0])["erasure_requested_at"] == first
    entries = [e for e in store.audit_log() if e["action"] == ASKED]
    assert len(entries) == 1 and entries[0]["cohort"] == cohort["id"]
    assert people["ids"][0] not in json.dumps(entries) and "Amy" not in json.dumps(entries)
    # Only Amy asked: her partner's record is untouched.
    assert "erasure_requested_at" not in store.get_response(cohort["id"], people["ids"][1])


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_a_deletion_request_without_a_valid_token_is_refused(app, store, cohort, people, token):
    amy = as_teacher(app, people["tokens"][0])
    data = {"confirm": "yes"} if token is None else {"csrf_token": token, "confirm": "yes"}
    answer = amy.post("/questionnaire/my-data/delete", data=data)
    assert answer.status_code == 400
    assert "erasure_requested_at" not in store.get_response(cohort["id"], people["ids"][0])
