"""A specialist opens one teacher's starting point from their group (issue 13, item 9), through the real pages."""

from __future__ import annotations

import json
import re

import pytest
from conftest import sign_in_as

from diagnostic.services import audit
from diagnostic.services.cohorts import create_cohort
from diagnostic.services.csvio import submitted_response
from diagnostic.services.erasure import erase
from diagnostic.services.grouping import current

ANSWERS = {"consent": "yes", "teacher_name": "Nia <b>Okoro</b>", "role": "class_teacher",
           "career_stage": "early_career",
           "pupil_groups": ["send", "eal"], "pupil_priorities": ["reading", "wellbeing"],
           "barriers": ["time", "being_judged"], "barrier_time": 2, "barrier_being_judged": 5,
           "lc1": 5, "lc2": 1, "lc3": 5, "lc4": 1, "lc5": 5, "focus_choice": ["questioning"],
           "focus_goal": "More pupils explain their thinking out loud."}
CONTACT = "nia.okoro@example.org or 07700 900123"  # for her partner only


@pytest.fixture(scope="module")
def template(make_grouped):
    """A grouped cohort of 31 teachers, one of them Nia (with markup in her name), made once per module."""
    nia = {}

    def add_nia(cohort, definition, responses):
        nia.update(submitted_response(cohort, definition, ANSWERS, "ref-nia", "Brook Lane"), partner_contact=CONTACT)
        responses.append(nia)
    return make_grouped("north", 30, 5, name="Test network", prepare=add_nia), nia["id"]


@pytest.fixture
def app(app_on_copy, template):
    return app_on_copy(template[0])


@pytest.fixture
def world(store, template):
    return {"nia": template[1], "cohort": store.get_cohort("north")}


def nias_group(store, cohort, nia):
    return next(g["key"] for g in current(store, cohort)["groups"] if any(m["id"] == nia for m in g["members"]))


def specialist(app, cohort):
    browser = app.test_client()
    sign_in_as(browser, app, "specialist", [cohort["id"]], email="sam.specialist@example.org")
    return browser


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_each_member_of_a_group_links_to_their_starting_point(app, store, world):
    cohort, nia = world["cohort"], world["nia"]
    browser = specialist(app, cohort)
    page = browser.get(f"/specialist/cohorts/{cohort['id']}/groups/{nias_group(store, cohort, nia)}").text
    link = f'/specialist/cohorts/{cohort["id"]}/teachers/{nia}'
    assert link in page
    assert "Nia &lt;b&gt;Okoro&lt;/b&gt;" in page and "<b>Okoro</b>" not in page  # named, and escaped
    members = current(store, cohort)["groups"]
    linked = set(re.findall(rf'/specialist/cohorts/{cohort["id"]}/teachers/([0-9a-f]{{16}})', browser.get(
        f"/specialist/cohorts/{cohort['id']}/groups/{members[0]['key']}").text))
    assert linked == {m["id"] for m in members[0]["members"]}


def test_the_starting_point_shows_who_scores_beside_the_cohort_barriers_pupils_focus_and_answers(app, store, world):
    cohort, nia = world["cohort"], world["nia"]
    response = specialist(app, cohort).get(f"/specialist/cohorts/{cohort['id']}/teachers/{nia}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text_of(response.text)
    assert "Nia &lt;b&gt;Okoro&lt;/b&gt;" in response.text and "<b>Okoro</b>" not in response.text
    assert "Brook Lane" in page and "ref-nia" in page
    # Learner-centred beliefs from her five answers (5, reversed 1, 5, reversed 1, 5) is 5 of 5.
    assert re.search(r"Learner-centred beliefs 5\.0 out of 5 \d\.\d out of 5 \(\d+ teachers\) \d\.\d above", page)
    # Barriers, strongest first, in words and out of the scale's top.
    assert page.index("Worry about being judged") < page.index("Not enough time")
    assert re.search(r"Worry about being judged : [a-z ]+ \(5 out of 5\)", page)
    assert re.search(r"Not enough time : [a-z ]+ \(2 out of 5\)", page)
    for pupils in ("Pupils with special educational needs (SEND)", "Reading", "Wellbeing and confidence"):
        assert pupils in page
    assert "More pupils explain their thinking out loud." in page
    assert "Questioning" in page  # her first choice of focus, by title
    assert "What might make it hard to try something new in your classroom?" in page  # answers in words


def test_how_a_partner_can_reach_her_is_not_on_her_starting_point(app, store, world):
    cohort, nia = world["cohort"], world["nia"]
    page = specialist(app, cohort).get(f"/specialist/cohorts/{cohort['id']}/teachers/{nia}").text
    assert "Nia &lt;b&gt;Okoro&lt;/b&gt;" in page  # the right page
    assert "nia.okoro@" not in page and "900123" not in page


def test_every_view_is_written_to_the_audit_log_without_naming_the_teacher(app, store, world):
    cohort, nia = world["cohort"], world["nia"]
    browser = specialist(app, cohort)
    for _ in range(2):
        assert browser.get(f"/specialist/cohorts/{cohort['id']}/teachers/{nia}").status_code == 200
    with app.app_context():
        views = audit.entries(store, action="view starting point")
    assert len(views) == 2
    assert {v["actor"] for v in views} == {"sam.specialist@example.org"} and {v["cohort"] for v in views} == {
        cohort["id"]}
    logged = json.dumps(store.audit_log())
    assert nia not in logged and "Okoro" not in logged and "ref-nia" not in logged


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_never_open_a_starting_point_and_nothing_is_logged(app, store, world, role):
    cohort, nia = world["cohort"], world["nia"]
    browser = app.test_client()
    sign_in_as(browser, app, role, [cohort["id"]])
    assert browser.get(f"/specialist/cohorts/{cohort['id']}/teachers/{nia}").status_code == 403
    with app.app_context():
        assert audit.entries(store, action="view starting point") == []


def test_a_specialist_of_another_cohort_is_refused(app, store, world, shipped):
    other = create_cohort(store, shipped, "Elsewhere", ["Castle"], cohort_id="elsewhere")
    cohort, nia = world["cohort"], world["nia"]
    browser = specialist(app, other)
    assert browser.get(f"/specialist/cohorts/{cohort['id']}/teachers/{nia}").status_code == 403
    # Their own cohort's address with this teacher's id finds nobody: ids do not cross cohorts.
    assert browser.get(f"/specialist/cohorts/{other['id']}/teachers/{nia}").status_code == 404


@pytest.mark.parametrize("response_id", ["0123456789abcdef", "0123456789ABCDEF", "NOT-AN-ID", "a" * 200])
def test_unknown_or_malformed_teacher_ids_are_404(app, world, response_id):
    cohort = world["cohort"]
    response = specialist(app, cohort).get(f"/specialist/cohorts/{cohort['id']}/teachers/{response_id}")
    assert response.status_code == 404
    assert "no submitted questionnaire" in response.text


def test_a_draft_has_no_starting_point_yet(app, store, world):
    from diagnostic.services.journey import new_response

    cohort = world["cohort"]
    draft, _ = new_response(cohort, school="Ashfield")
    store.add_responses(cohort["id"], [draft])
    response = specialist(app, cohort).get(f"/specialist/cohorts/{cohort['id']}/teachers/{draft['id']}")
    assert response.status_code == 404


def test_an_erased_teacher_has_no_starting_point(app, store, world):
    cohort, nia = world["cohort"], world["nia"]
    with app.app_context():
        erase(store, cohort["id"], nia, actor="admin@example.org")
    assert specialist(app, cohort).get(f"/specialist/cohorts/{cohort['id']}/teachers/{nia}").status_code == 404


# -- every figure on the specialist pages says what it is out of, or is a share (item 12) -----------------------
FIGURE = r"-?\d+\.\d"


def test_a_focus_fit_says_what_it_is_out_of_and_counts_are_shares(app, store, world):
    page = text_of(specialist(app, world["cohort"]).get("/specialist/cohorts/north/focuses").text)
    fits = re.findall(rf"Fit ({FIGURE})(.{{0,60}})", page)
    assert fits, page[:2000]
    for _, after in fits:
        assert re.match(rf" out of a possible {FIGURE} \(\d+% of the best possible fit\)", after), after
    assert "Fit" not in re.sub(rf"Fit {FIGURE} out of a possible", "", page)
    assert re.search(r"chosen by \d+ of the \d+ teachers? \(\d+%\)", page)


def test_group_figures_say_their_scale(app, store, world):
    browser = specialist(app, world["cohort"])
    record = current(store, world["cohort"])
    for group in record["groups"]:
        page = browser.get(f"/specialist/cohorts/north/groups/{group['key']}").text
        standouts = re.search(r"What sets this group apart</h2>(.*?)</ul>", page, re.S)
        for figure in re.findall(rf": ({FIGURE}[^<]*?) across the cohort", standouts.group(1) if standouts else ""):
            assert re.fullmatch(rf"{FIGURE} out of \d+ against {FIGURE} out of \d+", figure), figure
        table = re.search(r"<caption>Averages in this group.*?</table>", page, re.S).group(0)
        for header, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table, re.S):
            if re.search(FIGURE, cells):
                assert re.search(r"\(\d+ to \d+\)", header) or "%" in cells, header
        assert re.search(r"\d+ teachers? \(\d+% of the \d+ grouped\)", page)
    overview = text_of(browser.get("/specialist/cohorts/north/").text)
    # Each card's description gives the group's size as a share of the cohort.
    assert len(re.findall(r"\d+ teachers? \(\d+% of the cohort\)", overview)) >= len(record["groups"])
    assert "Silhouette (−1 to 1)" in overview
