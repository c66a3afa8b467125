"""The teacher's partnership pages: my partner and our focus, the learning agreement partners edit, its print."""

from __future__ import annotations

import re
import secrets

import pytest
from pages import visible_text
from werkzeug.datastructures import MultiDict

from diagnostic.services import partnerships
from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import submitted_response
from diagnostic.services.journey import hash_secret

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REVISION = re.compile(r'id="revision" name="revision" type="hidden" value="(\d+)"')
BASE = {"consent": "yes", "availability": ["lunchtime"], "observation_comfort": 4, "coaching_role": "both",
        "career_stage": "established", "confidence_questioning": 3, "confidence_feedback": 3}
# name, school, focus, goal; Amy and Bea, then Cal and Dan, are locked together; Eve's focus is hers alone.
TEACHERS = [("Amy", "Ashfield", "questioning", "More pupils explain their thinking."),
            ("Bea", "Brook Lane", "questioning", "Fewer hands-up questions."),
            ("Cal", "Ashfield", "questioning", "Longer answers from quieter pupils."),
            ("Dan", "Brook Lane", "questioning", ""),
            ("Eve", "Ashfield", "feedback", "")]
FILLED = [("focus", "Questioning: wait time"), ("goals", "Amy: more talk\nBea: fewer hands up"),
          ("approach", "Plan one lesson together each fortnight."), ("keep_track", "log"),
          ("keep_track", "pupils_work"), ("observe_often", "fortnightly"), ("observe_when", "Tuesdays, period 3"),
          ("feedback", "Same day, fifteen minutes in the library."), ("review_when", "After half-term")]
SCRIPT = "<script>alert(1)</script>"


def csrf(html: str) -> str:
    return CSRF.search(html).group(1)


def revision(html: str) -> str:
    return REVISION.search(html).group(1)


def build(app, store, cohort, teachers=TEACHERS):
    """Submitted teachers with private links; the first four confirmed as two co-coaching pairs."""
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    ids, tokens = {}, {}
    for n, (name, school, focus, goal) in enumerate(teachers):
        answers = {**BASE, "teacher_name": name, "focus_choice": [focus], **({"focus_goal": goal} if goal else {})}
        record = submitted_response(cohort, definition, answers, f"t{n}", school)
        secret = secrets.token_hex(24)
        record["token_hash"] = hash_secret(secret)
        store.add_responses(cohort["id"], [record])
        ids[name], tokens[name] = record["id"], f"{cohort['id']}.{record['id']}.{secret}"
    order = list(ids.values())
    for members in (order[0:2], order[2:4]):
        partnerships.lock(store, cohort, "co-coaching", members)
    with app.app_context():
        proposal = partnerships.run(store, cohort, "co-coaching")
        made = partnerships.confirm(store, cohort, "co-coaching", proposal["id"])
    by_first = {p["members"][0]: p["id"] for p in made if len(p["members"]) == 2}
    return {"ids": ids, "tokens": tokens, "pair": by_first[order[0]], "other": by_first[order[2]]}


@pytest.fixture
def paired(app, store, cohort):
    return build(app, store, cohort)


def as_teacher(app, paired, name):
    """A browser of its own that opened this teacher's private link."""
    client = app.test_client()
    assert client.get(f"/resume/{paired['tokens'][name]}").status_code == 302
    return client


def agreement_url(pid: str, suffix: str = "") -> str:
    return f"/questionnaire/agreement/{pid}{suffix}"


def post_agreement(client, pid, pairs, html=None):
    """Post the agreement as a browser would, from `html` (the page as it was opened) or a fresh copy."""
    html = html or client.get(agreement_url(pid)).text
    data = MultiDict([("csrf_token", csrf(html)), ("revision", revision(html)), *pairs])
    return client.post(agreement_url(pid), data=data)


def saved_agreement(store, cohort, paired):
    return store.get_partnership(cohort["id"], paired["pair"])["agreement"]


# -- my partner and our focus ---------------------------------------------------------------------
def test_both_partners_see_each_other_their_focus_and_goals_but_not_each_others_ratings(app, paired):
    amy = as_teacher(app, paired, "Amy").get("/questionnaire/partner")
    bea = as_teacher(app, paired, "Bea").get("/questionnaire/partner")
    assert amy.status_code == bea.status_code == 200
    assert "Co-coaching" in amy.text and "Bea, co-coach, Brook Lane" in visible_text(amy.text)
    assert "Amy, co-coach, Ashfield" in visible_text(bea.text)
    for page in (amy.text, bea.text):
        assert "Questioning" in page
        # The coordinator's reasons quote self-ratings ("4 of 5"): they stay on the coordinator's pages.
        assert "Both chose questioning" not in page and " of 5" not in page
        assert "More pupils explain their thinking." in page and "Fewer hands-up questions." in page
        assert agreement_url(paired["pair"]) in page and "Cal" not in page
    assert "Your goal" in amy.text and "Bea’s goal" in amy.text


def test_a_teacher_without_a_confirmed_partnership_is_told_so_and_the_summary_links_only_when_there_is_one(
        app, paired):
    eve = as_teacher(app, paired, "Eve")
    page = eve.get("/questionnaire/partner")
    assert page.status_code == 200 and "has not been confirmed yet" in page.text
    assert "/questionnaire/partner" not in eve.get("/questionnaire/summary").text
    assert "/questionnaire/partner" in as_teacher(app, paired, "Amy").get("/questionnaire/summary").text


def test_pages_need_a_private_link_first(client, paired):
    for url in ("/questionnaire/partner", agreement_url(paired["pair"]), agreement_url(paired["pair"], "/print")):
        assert client.get(url).status_code == 403


# -- the learning agreement ---------------------------------------------------------------------------
def test_the_agreement_is_pre_filled_on_one_accessible_page(app, paired):
    page = as_teacher(app, paired, "Amy").get(agreement_url(paired["pair"]))
    assert page.status_code == 200
    assert 'value="Questioning"' in page.text
    assert "Amy: More pupils explain their thinking.\nBea: Fewer hands-up questions.</textarea>" in page.text
    assert 'lang="en-GB"' in page.text and revision(page.text) == "0"
    assert '<legend class="prompt">How will we keep track of what works and what is hard?' in page.text
    assert '<label class="prompt" for="approach">' in page.text and page.text.count("<form") == 1
    assert "How we will coach each other" in page.text and 'name="coaching_notes"' in page.text


def test_partner_a_saves_then_partner_b_sees_it_and_edits(app, store, cohort, paired):
    amy, bea = as_teacher(app, paired, "Amy"), as_teacher(app, paired, "Bea")
    saved = post_agreement(amy, paired["pair"], FILLED)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/questionnaire/partner")
    assert "Your learning agreement is saved" in amy.get("/questionnaire/partner").text
    page = bea.get(agreement_url(paired["pair"])).text
    assert 'value="Tuesdays, period 3"' in page and "Last saved by Amy, on" in page and revision(page) == "1"
    edited = [(k, "Every Wednesday, period 2" if k == "observe_when" else v) for k, v in FILLED]
    assert post_agreement(bea, paired["pair"], edited, page).status_code == 302
    agreement = saved_agreement(store, cohort, paired)
    assert agreement["revision"] == 2 and agreement["updated_by"] == "Bea"
    assert agreement["answers"]["observe_when"] == "Every Wednesday, period 2"
    assert agreement["answers"]["keep_track"] == ["log", "pupils_work"]
    again = amy.get(agreement_url(paired["pair"])).text
    assert 'value="Every Wednesday, period 2"' in again and "Last saved by Bea, on" in again


def test_a_copy_opened_before_the_partners_save_gets_409_and_changes_nothing(app, store, cohort, paired):
    amy, bea = as_teacher(app, paired, "Amy"), as_teacher(app, paired, "Bea")
    opened = bea.get(agreement_url(paired["pair"])).text
    assert post_agreement(amy, paired["pair"], FILLED).status_code == 302
    before = saved_agreement(store, cohort, paired)
    stale = post_agreement(bea, paired["pair"], [("focus", "Bea's older copy"), ("observe_often", "weekly")], opened)
    assert stale.status_code == 409
    assert "Last saved by Amy, on" in stale.text and "nothing from your copy was saved" in stale.text
    assert 'value="Questioning: wait time"' in stale.text  # the latest answers are in the form
    assert "What you wrote (not saved)" in stale.text and "Bea&#39;s older copy" in stale.text
    assert saved_agreement(store, cohort, paired) == before
    # Saving again from the page that showed the latest answers is deliberate, so it goes through.
    assert post_agreement(bea, paired["pair"], [("focus", "Bea's words")], stale.text).status_code == 302
    assert saved_agreement(store, cohort, paired)["answers"] == {"focus": "Bea's words"}


def test_a_stale_copy_sent_back_with_errors_still_cannot_overwrite_once_corrected(app, store, cohort, paired):
    amy, bea = as_teacher(app, paired, "Amy"), as_teacher(app, paired, "Bea")
    opened = bea.get(agreement_url(paired["pair"])).text
    post_agreement(amy, paired["pair"], FILLED)
    invalid = post_agreement(bea, paired["pair"], [("focus", "")], opened)
    assert invalid.status_code == 422 and revision(invalid.text) == "0"  # still the copy Bea opened
    assert post_agreement(bea, paired["pair"], [("focus", "Corrected")], invalid.text).status_code == 409
    assert saved_agreement(store, cohort, paired)["answers"]["focus"] == "Questioning: wait time"


@pytest.mark.parametrize("field, value, anchor", [
    ("focus", "", "focus"),                     # required, and the pre-fill was cleared
    ("focus", "x" * 201, "focus"),              # over the short text limit
    ("approach", "x" * 1001, "approach"),       # over the long text limit
    ("observe_often", "daily", "observe_often-0"),
    ("keep_track", "diary", "keep_track-0"),
])
def test_invalid_input_gets_422_with_linked_errors_and_saves_nothing(app, store, cohort, paired, field, value, anchor):
    amy = as_teacher(app, paired, "Amy")
    answer = post_agreement(amy, paired["pair"], [*[(k, v) for k, v in FILLED if k != field], (field, value)])
    assert answer.status_code == 422
    assert 'class="error-summary"' in answer.text and f'href="#{anchor}"' in answer.text
    assert answer.text.startswith("<!doctype html>") and "<title>Error: " in answer.text
    assert 'value="Tuesdays, period 3"' in answer.text  # what they typed is kept on the page
    assert saved_agreement(store, cohort, paired)["revision"] == 0


@pytest.mark.parametrize("token, sent_revision", [
    (None, "0"),          # no CSRF token
    ("forged", "0"),      # a token this session never had
    ("valid", None),      # no revision
    ("valid", "zero"),    # a garbled revision
])
def test_a_post_without_a_valid_token_or_revision_gets_400_and_saves_nothing(app, store, cohort, paired, token,
                                                                             sent_revision):
    amy = as_teacher(app, paired, "Amy")
    data = {"focus": "Changed", **({"revision": sent_revision} if sent_revision is not None else {})}
    if token:
        data["csrf_token"] = csrf(amy.get(agreement_url(paired["pair"])).text) if token == "valid" else token
    assert amy.post(agreement_url(paired["pair"]), data=data).status_code == 400
    assert saved_agreement(store, cohort, paired)["revision"] == 0


def test_the_print_page_shows_names_focus_every_answer_and_when_it_was_saved_with_no_form(app, paired):
    amy = as_teacher(app, paired, "Amy")
    unsaved = amy.get(agreement_url(paired["pair"], "/print"))
    assert unsaved.status_code == 200 and "Not saved yet" in unsaved.text
    post_agreement(amy, paired["pair"], FILLED)
    page = as_teacher(app, paired, "Bea").get(agreement_url(paired["pair"], "/print")).text
    assert "<form" not in page and "<input" not in page and "<textarea" not in page and "<button" not in page
    assert "Amy (co-coach, Ashfield)" in page and "Bea (co-coach, Brook Lane)" in page
    assert "Questioning: wait time" in page and "Every two weeks" in page
    assert "A teaching log or journal, Samples of pupils&#39; work" in page
    assert "How else will we help each other between sessions?" in page and "Not answered" in page
    assert "By Amy, on " in page


@pytest.mark.parametrize("who, which", [("Eve", "pair"), ("Cal", "pair"), ("Amy", "other"), ("Amy", None)])
@pytest.mark.parametrize("suffix", ["", "/print"])
def test_a_teacher_outside_the_partnership_gets_404_without_learning_anything(app, paired, who, which, suffix):
    pid = paired[which] if which else "0123456789abcdef"
    page = as_teacher(app, paired, who).get(agreement_url(pid, suffix))
    assert page.status_code == 404
    assert "Bea" not in page.text and "Dan" not in page.text


@pytest.mark.parametrize("who, own, which", [("Cal", "other", "pair"), ("Amy", "pair", None)])
def test_saving_into_a_partnership_that_is_not_yours_gets_404_and_changes_nothing(app, store, cohort, paired, who,
                                                                                  own, which):
    client = as_teacher(app, paired, who)
    pid = paired[which] if which else "0123456789abcdef"
    token = csrf(client.get(agreement_url(paired[own])).text)  # a real token from this teacher's own agreement
    answer = client.post(agreement_url(pid), data={"csrf_token": token, "revision": "0", "focus": "Taken over"})
    assert answer.status_code == 404
    assert saved_agreement(store, cohort, paired)["revision"] == 0


def test_a_dissolved_partnership_is_closed_with_409_and_leaves_the_partner_page(app, store, cohort, paired):
    partnerships.dissolve(store, cohort, paired["pair"])
    amy = as_teacher(app, paired, "Amy")
    assert amy.get(agreement_url(paired["pair"])).status_code == 409
    assert amy.get(agreement_url(paired["pair"], "/print")).status_code == 409
    assert "has not been confirmed yet" in amy.get("/questionnaire/partner").text


def test_specialist_coaching_is_shown_but_has_no_agreement_to_open(app, store, cohort, paired):
    store.add_partnerships(cohort["id"], [{
        "id": "s1", "mode": "specialist", "status": "confirmed", "members": ["spec-1", paired["ids"]["Eve"]],
        "names": ["Dr Rao", "Eve"], "schools": [None, "Ashfield"], "focus": "feedback", "focus_title": "Feedback",
        "reasons": ["Dr Rao works on feedback."], "agreement": None}])
    eve = as_teacher(app, paired, "Eve")
    page = eve.get("/questionnaire/partner").text
    assert "Specialist coaching" in page and "Dr Rao, specialist" in visible_text(page)
    assert "no learning agreement to fill in" in page and agreement_url("s1") not in page
    assert eve.get(agreement_url("s1")).status_code == 409


def test_what_teachers_typed_is_escaped_on_every_page_that_shows_it(app, store, cohort):
    teachers = [(f"{SCRIPT} Amy", "Ashfield", "questioning", f"{SCRIPT} goal"), *TEACHERS[1:]]
    paired = build(app, store, cohort, teachers)
    paired["tokens"]["Amy"] = paired["tokens"][f"{SCRIPT} Amy"]
    amy, bea = as_teacher(app, paired, "Amy"), as_teacher(app, paired, "Bea")
    opened = bea.get(agreement_url(paired["pair"])).text
    assert post_agreement(amy, paired["pair"], [("focus", f"{SCRIPT} focus"), ("feedback", SCRIPT)]).status_code == 302
    pages = [client.get(url) for client in (amy, bea) for url in (
        "/questionnaire/partner", agreement_url(paired["pair"]), agreement_url(paired["pair"], "/print"))]
    pages.append(amy.get("/questionnaire/summary"))  # her own goal
    pages.append(post_agreement(bea, paired["pair"], [("focus", f"{SCRIPT} stale")], opened))  # 409 shows both
    pages.append(post_agreement(amy, paired["pair"], [("focus", f"{SCRIPT} {'x' * 200}")]))  # 422 shows it back
    assert [p.status_code for p in pages] == [200] * 7 + [409, 422]
    for page in pages:
        assert "<script>" not in page.text and "&lt;script&gt;" in page.text


def test_a_confirmed_partner_cannot_change_their_focus_on_the_menu_page(app, store, cohort, paired):
    amy = as_teacher(app, paired, "Amy")
    menu = amy.get("/questionnaire/menu")
    assert "settled" in menu.text and 'name="focus"' not in menu.text
    token = csrf(amy.get(agreement_url(paired["pair"])).text)
    amy.post("/questionnaire/menu", data={"csrf_token": token, "focus": "feedback", "goal": "changed"})
    record = store.get_response(cohort["id"], paired["ids"]["Amy"])
    assert "choice" not in record and record["pair"]["status"] == "confirmed"


# ---- how a partner can reach me, and the first steps on the summary --------------------------------------------

CONTACT = f"amy.k@ashfield.example, room 12 at lunch {SCRIPT}"


def save_contact(client, text):
    page = client.get("/questionnaire/partner").text
    return client.post("/questionnaire/partner/contact", data={"csrf_token": csrf(page), "contact": text})


def test_how_to_reach_me_is_shown_escaped_to_my_confirmed_partner_only(app, store, cohort, paired):
    amy = as_teacher(app, paired, "Amy")
    answer = save_contact(amy, f"  {CONTACT}  ")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/questionnaire/partner")
    assert store.get_response(cohort["id"], paired["ids"]["Amy"])["partner_contact"] == CONTACT
    assert "Your coaching partner sees how to reach you" in amy.get("/questionnaire/partner").text
    bea = as_teacher(app, paired, "Bea")
    for url in ("/questionnaire/partner", "/questionnaire/summary"):
        page = bea.get(url).text
        assert "How to reach Amy" in page and "amy.k@ashfield.example" in page
        assert "&lt;script&gt;" in page and SCRIPT not in page
    # Amy's partner said nothing yet: Amy is told so, and how to get in touch anyway.
    assert "Bea has not said how to reach them yet" in amy.get("/questionnaire/partner").text
    for other in ("Cal", "Dan", "Eve"):
        browser = as_teacher(app, paired, other)
        for url in ("/questionnaire/partner", "/questionnaire/summary", "/questionnaire/my-data.json"):
            assert "amy.k@" not in browser.get(url).text, (other, url)


def test_how_to_reach_me_is_not_for_coordinators_nor_exports_nor_an_ended_partnership(app, staff, runner, store,
                                                                                    cohort, paired):
    from diagnostic.cli import cli

    save_contact(as_teacher(app, paired, "Amy"), CONTACT)
    base = f"/coordinator/cohorts/{cohort['id']}"
    for url in (f"{base}/partnerships/co-coaching", f"{base}/expertise", f"{base}/expertise.csv",
                f"{base}/expertise.json", f"/specialist/cohorts/{cohort['id']}/"):
        page = staff.get(url)
        assert page.status_code == 200 and "amy.k@" not in page.text, url
    for fmt in ("csv", "json"):
        result = runner.invoke(cli, args=["export", "--cohort", cohort["id"], "--format", fmt])
        assert result.exit_code == 0 and "Amy" in result.stdout and "amy.k@" not in result.stdout
    partnerships.dissolve(store, cohort, paired["pair"])
    bea = as_teacher(app, paired, "Bea")
    assert "amy.k@" not in bea.get("/questionnaire/partner").text + bea.get("/questionnaire/summary").text


@pytest.mark.parametrize(("text", "status", "kept"), [
    ("x" * 201, 422, CONTACT),  # too long: refused in words, the saved answer untouched
    ("x" * 200, 302, "x" * 200),
    ("", 302, None),  # left empty: removed
    ("   ", 302, None),
])
def test_how_to_reach_me_is_limited_in_length_and_empty_removes_it(app, store, cohort, paired, text, status, kept):
    amy = as_teacher(app, paired, "Amy")
    save_contact(amy, CONTACT)
    answer = save_contact(amy, text)
    assert answer.status_code == status
    if status == 422:
        assert 'class="error-summary"' in answer.text and "at most 200 characters" in answer.text
        assert 'href="#contact"' in answer.text and 'aria-invalid="true"' in answer.text
    assert store.get_response(cohort["id"], paired["ids"]["Amy"]).get("partner_contact") == kept


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_saving_how_to_reach_me_without_a_valid_token_is_refused(app, store, cohort, paired, token):
    amy = as_teacher(app, paired, "Amy")
    data = {"contact": CONTACT} if token is None else {"csrf_token": token, "contact": CONTACT}
    assert amy.post("/questionnaire/partner/contact", data=data).status_code == 400
    assert "partner_contact" not in store.get_response(cohort["id"], paired["ids"]["Amy"])


def test_the_summary_shows_the_confirmed_partnership_first_with_the_first_steps(app, paired):
    amy = as_teacher(app, paired, "Amy").get("/questionnaire/summary").text
    assert "Your coaching partnership is confirmed" in amy
    # Above the scores, so a phone shows it first.
    assert amy.index("Your coaching partnership is confirmed") < amy.index("Your starting point</h2>")
    assert "Meet Bea" in amy and agreement_url(paired["pair"]) in amy
    assert 'href="/questionnaire/partner"' in amy and "Say how your partner can reach you" in amy
    eve = as_teacher(app, paired, "Eve").get("/questionnaire/summary").text
    assert "is confirmed" not in eve and "/questionnaire/partner" not in eve
