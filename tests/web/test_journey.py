"""The teacher's journey through the real pages: invitation, pages, resume, review, submit once, summary."""

from __future__ import annotations

import re

import pytest
from pages import page_fields
from werkzeug.datastructures import MultiDict

pytestmark = pytest.mark.both_backends  # on the TinyDB store and on PostgreSQL (tests/conftest.py)

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REVISION = re.compile(r'id="revision" name="revision" type="hidden" value="(\d+)"')


def csrf(html: str) -> str:
    return CSRF.search(html).group(1)


def checked(html: str, name: str) -> list[str]:
    """Values of the checked radios/checkboxes with this name, as the browser would show them."""
    tags = re.findall(r"<input[^>]*>", html)
    return [re.search(r'value="([^"]*)"', t).group(1) for t in tags
            if f'name="{name}"' in t and re.search(r"\bchecked\b", t)]


def revision(html: str) -> str:
    return REVISION.search(html).group(1)


def start(client, cohort, school="Ashfield"):
    """Open the invitation, start and see the private link (shown once); returns the first page, its `link` set."""
    page = client.get(f"/join/{cohort['invite']}")
    assert page.status_code == 200
    started = client.post(f"/join/{cohort['invite']}", data={"csrf_token": csrf(page.text), "school": school})
    assert started.status_code == 302
    shown = client.get(started.location)
    assert shown.status_code == 200
    first = client.get("/questionnaire/", follow_redirects=True)
    first.link = resume_link(shown.text)
    return first


def post_page(client, number, pairs, html=None, follow=False):
    html = html or client.get(f"/questionnaire/page/{number}").text
    data = MultiDict([("csrf_token", csrf(html)), ("revision", revision(html)), *pairs])
    return client.post(f"/questionnaire/page/{number}", data=data, follow_redirects=follow)


def answer_all(client, definition, row):
    """Answer every visible page in order; returns the last response (the redirect to review)."""
    response = None
    for number, section in enumerate(definition.sections, start=1):
        page = client.get(f"/questionnaire/page/{number}")
        if page.status_code == 302:  # a page with nothing to ask given earlier answers
            continue
        response = post_page(client, number, page_fields(section, row), page.text)
        if response.status_code == 302 and "check=1" in response.location:
            response = post_page(client, number, page_fields(section, row))
        assert response.status_code == 302, response.text
    return response


def resume_link(html: str) -> str:
    return re.search(r'class="resume-link" href="[^"]*(/resume/[^"]+)"', html).group(1)


def test_whole_journey_from_invitation_to_summary(client, store, cohort, shipped, row):
    first = start(client, cohort)
    assert "Page 1 of" in first.text and first.link.startswith("/resume/")
    last = answer_all(client, shipped, row)
    assert last.location.endswith("/questionnaire/review")
    review = client.get("/questionnaire/review")
    assert "Check your answers" in review.text
    submitted = client.post("/questionnaire/submit", data={"csrf_token": csrf(review.text),
                                                           "revision": revision(review.text)})
    assert submitted.location.endswith("/questionnaire/summary")
    summary = client.get("/questionnaire/summary")
    assert summary.status_code == 200
    assert "<svg" in summary.text and 'role="img"' in summary.text and "<table" in summary.text
    for construct in shipped.constructs:
        assert construct.label in summary.text
    chosen = row["focus_choice"].split(";")[0]
    assert shipped.question("focus_choice").option_label(chosen) in summary.text
    (saved,) = store.list_responses(cohort["id"])
    assert saved["status"] == "submitted" and saved["school"] == "Ashfield"
    assert saved["form_id"] == "starting_point" and saved["form_version"] == "2"
    assert set(saved["scores"]) == {c.id for c in shipped.constructs}


def test_every_page_is_saved_and_resume_link_reopens_it_in_a_new_browser(app, client, store, cohort, shipped, row):
    first = start(client, cohort)
    link = first.link
    assert post_page(client, 1, page_fields(shipped.sections[0], row), first.text).status_code == 302
    (draft,) = store.list_responses(cohort["id"])
    assert draft["status"] == "draft" and draft["answers"]["role"] == row["role"]
    assert link.split(".")[-1] not in str(draft)  # only the hash of the secret is stored

    other_browser = app.test_client()
    assert other_browser.get("/questionnaire/page/1").status_code == 403
    reopened = other_browser.get(link)
    assert reopened.status_code == 302 and reopened.location.endswith("/questionnaire/page/2")
    page1 = other_browser.get("/questionnaire/page/1").text
    assert checked(page1, "role") == [row["role"]]
    assert checked(page1, "subjects") == row["subjects"].split(";")


@pytest.mark.parametrize("token", [
    "nonsense",
    "abc.def.ghi",
    "demo.0123456789abcdef." + "0" * 48,
    "x" * 5000,
])
def test_wrong_resume_links_get_a_clear_page(client, cohort, token):
    response = client.get(f"/resume/{token}")
    assert response.status_code == 404
    assert "private link is not recognised" in response.text


def test_tampered_secret_is_refused(client, cohort):
    link = start(client, cohort).link
    tampered = link[:-1] + ("0" if link[-1] != "0" else "1")
    assert client.get(tampered).status_code == 404


def test_unknown_invitation_and_closed_cohort(client, store, shipped):
    from datetime import date

    from diagnostic.services.cohorts import create_cohort

    assert client.get("/join/not-a-real-code").status_code == 404
    closed = create_cohort(store, shipped, "Last year", [], closes=date(2020, 7, 1))
    response = client.get(f"/join/{closed['invite']}")
    assert response.status_code == 410 and "closed on 2020-07-01" in response.text


def test_a_failed_page_keeps_everything_typed_and_links_errors(client, cohort, shipped, row):
    first = start(client, cohort)
    pairs = [p for p in page_fields(shipped.sections[0], row) if p[0] != "career_stage"]
    pairs = [(k, "999" if k == "years_teaching" else v) for k, v in pairs]
    response = post_page(client, 1, pairs, first.text)
    assert response.status_code == 422
    html = response.text
    assert 'class="error-summary"' in html
    assert 'href="#career_stage-0"' in html and 'href="#years_teaching"' in html
    assert 'aria-describedby="career_stage-error"' in html or 'career_stage-error' in html
    assert 'value="999"' in html  # what the teacher typed is shown back
    assert checked(html, "role") == [row["role"]]
    assert "novalidate" in html


def test_values_outside_the_choices_are_refused_and_nothing_saved(client, store, cohort, shipped, row):
    first = start(client, cohort)
    pairs = [(k, "head_of_universe" if k == "role" else v) for k, v in page_fields(shipped.sections[0], row)]
    response = post_page(client, 1, pairs, first.text)
    assert response.status_code == 422 and "Not a valid choice" in response.text
    (draft,) = store.list_responses(cohort["id"])
    assert draft["answers"] == {} and draft["revision"] == 0


def test_soft_required_warns_once_then_lets_the_teacher_go_on(client, store, cohort, shipped, row):
    first = start(client, cohort)
    pairs = [p for p in page_fields(shipped.sections[0], row) if p[0] != "years_teaching"]
    warned = post_page(client, 1, pairs, first.text)
    assert warned.status_code == 302 and "check=1" in warned.location
    page = client.get(warned.location)
    assert "Before you go on" in page.text and "#q-years_teaching" in page.text
    (draft,) = store.list_responses(cohort["id"])
    assert draft["answers"]["role"] == row["role"]  # saved even while warning
    again = post_page(client, 1, pairs, page.text)
    assert again.status_code == 302 and again.location.endswith("/questionnaire/page/2")


def test_show_if_is_applied_on_the_server(client, store, cohort, shipped, row):
    start(client, cohort)
    pairs = [(k, "class_teacher" if k == "role" else v) for k, v in page_fields(shipped.sections[0], row)]
    pairs.append(("role_other", "Should not be kept"))
    assert post_page(client, 1, pairs).status_code == 302
    (draft,) = store.list_responses(cohort["id"])
    assert "role_other" not in draft["answers"]
    # role "other" makes the follow-up apply and it is stored
    pairs = [(k, "other" if k == "role" else v) for k, v in pairs]
    assert post_page(client, 1, pairs).status_code == 302
    assert store.list_responses(cohort["id"])[0]["answers"]["role_other"] == "Should not be kept"


def test_barrier_strength_page_asks_only_about_chosen_barriers(client, store, cohort, shipped, row):
    start(client, cohort)
    number = {s.id: i for i, s in enumerate(shipped.sections, start=1)}
    for section_id in ("about", "pupils", "beliefs", "strategies"):
        post_page(client, number[section_id], page_fields(shipped.sections[number[section_id] - 1], row))
    post_page(client, number["barriers"], [("barriers", "time")])
    strength = client.get(f"/questionnaire/page/{number['barrier_strength']}")
    assert 'name="barrier_time"' in strength.text and 'name="barrier_workload"' not in strength.text
    # no barriers at all: the strength page is skipped
    post_page(client, number["barriers"], [])
    skipped = client.get(f"/questionnaire/page/{number['barrier_strength']}")
    assert skipped.status_code == 302 and skipped.location.endswith(f"/questionnaire/page/{number['focus']}")


def test_stale_tab_cannot_overwrite_newer_answers(client, store, cohort, shipped, row):
    first = start(client, cohort)
    pairs = page_fields(shipped.sections[0], row)
    assert post_page(client, 1, pairs, first.text).status_code == 302  # revision 0 -> 1
    changed = [(k, "senior_leader" if k == "role" else v) for k, v in pairs]
    stale = post_page(client, 1, changed, first.text)  # the old tab still says revision 0
    assert stale.status_code == 409 and "another window" in stale.text
    (draft,) = store.list_responses(cohort["id"])
    assert draft["answers"]["role"] == row["role"] and draft["revision"] == 1


def test_submit_exactly_once_even_when_replayed(client, store, cohort, shipped, row):
    start(client, cohort)
    answer_all(client, shipped, row)
    review = client.get("/questionnaire/review").text
    data = {"csrf_token": csrf(review), "revision": revision(review)}
    first = client.post("/questionnaire/submit", data=data)
    second = client.post("/questionnaire/submit", data=data)
    assert first.status_code == second.status_code == 302
    assert second.location.endswith("/questionnaire/summary")
    (only,) = store.list_responses(cohort["id"])
    assert only["status"] == "submitted"
    submitted_at = only["submitted_at"]
    # a replayed page save after submitting changes nothing either
    replay = post_page(client, 1, page_fields(shipped.sections[0], row), review)
    assert replay.status_code == 302 and replay.location.endswith("/questionnaire/summary")
    assert store.list_responses(cohort["id"])[0]["submitted_at"] == submitted_at


def test_double_click_on_start_keeps_one_response(client, store, cohort):
    page = client.get(f"/join/{cohort['invite']}").text
    data = {"csrf_token": csrf(page), "school": "Ashfield"}
    client.post(f"/join/{cohort['invite']}", data=data)
    client.post(f"/join/{cohort['invite']}", data=data)
    assert len(store.list_responses(cohort["id"])) == 1


def test_submit_with_required_answers_missing_lists_them(client, store, cohort, shipped, row):
    first = start(client, cohort)
    post_page(client, 1, page_fields(shipped.sections[0], row), first.text)
    review = client.get("/questionnaire/review").text
    response = client.post("/questionnaire/submit", data={"csrf_token": csrf(review), "revision": revision(review)})
    assert response.status_code == 422
    assert "focus_choice" in response.text  # a link to the unanswered required question
    assert store.list_responses(cohort["id"])[0]["status"] == "draft"


@pytest.mark.parametrize("change", ["no_token", "wrong_token"])
def test_missing_or_wrong_csrf_token_is_a_clear_400_and_saves_nothing(client, store, cohort, shipped, row, change):
    first = start(client, cohort)
    data = MultiDict([("revision", revision(first.text)), *page_fields(shipped.sections[0], row)])
    if change == "wrong_token":
        data.add("csrf_token", "forged")
    response = client.post("/questionnaire/page/1", data=data)
    assert response.status_code == 400 and "were not sent" in response.text
    assert store.list_responses(cohort["id"])[0]["answers"] == {}


def test_oversized_body_is_refused_with_413(client, store, cohort):
    start(client, cohort)
    response = client.post("/questionnaire/page/1", data={"role": "x" * 400_000})
    assert response.status_code == 413
    assert store.list_responses(cohort["id"])[0]["answers"] == {}


def test_typed_text_is_escaped_everywhere_it_is_shown(client, store, cohort, shipped, row):
    start(client, cohort)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    row = {**row, "focus_goal": payload, "role": "other", "role_other": payload}
    answer_all(client, shipped, row)
    review = client.get("/questionnaire/review").text
    assert payload not in review and "&lt;script&gt;" in review
    client.post("/questionnaire/submit", data={"csrf_token": csrf(review), "revision": revision(review)})
    summary = client.get("/questionnaire/summary").text
    assert payload not in summary and "&lt;script&gt;" in summary
    page1 = client.get("/questionnaire/page/1")
    assert page1.status_code == 302  # submitted: pages redirect to the summary, nothing editable


def test_pages_send_security_headers(client, cohort):
    response = client.get(f"/join/{cohort['invite']}")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_without_a_session_are_refused_clearly(client):
    for url in ("/questionnaire/page/1", "/questionnaire/review", "/questionnaire/summary"):
        response = client.get(url)
        assert response.status_code == 403 and "private link" in response.text


def test_unknown_page_number_is_404(client, cohort):
    start(client, cohort)
    assert client.get("/questionnaire/page/99").status_code == 404
    assert client.get("/questionnaire/page/0").status_code == 404
