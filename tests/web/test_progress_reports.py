"""Specialists' progress page (per group, moves between groups, each member) and coordinators' impact report."""

from __future__ import annotations

import csv
import io

import pytest

from diagnostic.services import grouping, progress
from tests.conftest import sign_in_as
from tests.pages import visible_text

COHORT = "reports"


@pytest.fixture(scope="module")
def two_cycles(make_two_cycles):
    return make_two_cycles(COHORT, 60, seed=12, entries=3)


@pytest.fixture
def app(app_on_copy, two_cycles):
    return app_on_copy(two_cycles)


@pytest.fixture
def specialist(app):
    client = app.test_client()
    sign_in_as(client, app, "specialist", [COHORT])
    return client


@pytest.fixture
def coordinator(app):
    client = app.test_client()
    sign_in_as(client, app, "coordinator", [COHORT])
    return client


def figures_of(app):
    store = app.extensions["store"]
    with app.app_context():
        cohort = store.get_cohort(COHORT)
        found = progress.gather(store, cohort)
        return found, grouping.current(store, cohort)


def test_the_specialist_sees_each_groups_paired_change_and_the_moves_between_groups(app, specialist):
    found, record = figures_of(app)
    page = specialist.get(f"/specialist/cohorts/{COHORT}/progress")
    assert page.status_code == 200
    text = visible_text(page.text)
    for row in progress.by_group(found, record):
        assert f"{row['answered']} of {row['members']}" in text
    with app.app_context():
        moves = progress.transitions(found, record, lambda now: grouping.place(
            app.extensions["store"], app.extensions["store"].get_cohort(COHORT), record, now))
    # Everyone who answered both, and is in a group, is placed once: the table adds up.
    assert moves["placed"] == sum(r["total"] for r in moves["rows"]) == len([t for t in found.answered])
    assert f"{moves['moved']} of {moves['placed']} teachers would now fall in a different group" in text
    assert "comparison group" in text
    overview = specialist.get(f"/specialist/cohorts/{COHORT}/")
    assert f"/specialist/cohorts/{COHORT}/progress" in overview.text


def test_the_specialist_sees_one_members_change_on_their_starting_point_page(app, specialist):
    found, _ = figures_of(app)
    teacher = found.answered[0]
    page = specialist.get(f"/specialist/cohorts/{COHORT}/teachers/{teacher.id}")
    assert page.status_code == 200
    text = visible_text(page.text)
    focus = teacher.before[progress.FOCUS], teacher.after[progress.FOCUS]
    assert f"Confidence in {teacher.focus_title}: {focus[0]:g} at the starting point, {focus[1]:g} now" in text


def test_the_impact_report_shows_participation_goals_evidence_and_confidence_but_no_beliefs(app, coordinator):
    store = app.extensions["store"]
    with app.app_context():
        report = progress.impact(store, store.get_cohort(COHORT), app.config["MIN_GROUP_SIZE"])
    page = coordinator.get(f"/coordinator/cohorts/{COHORT}/impact")
    assert page.status_code == 200
    text = visible_text(page.text)
    for school in report["schools"]:
        assert school["school"] in text
    assert f"{report['goal']['some']} of {report['goal']['n']} teachers" in text
    assert report["evidence"][0]["label"] in text
    assert "Confidence in their own learning focus" in text
    for construct in ("Learner-centred", "Confidence to make a difference", "Openness"):
        assert construct not in text  # beliefs are for teachers and their specialists only
    hidden = [f for f in report["focuses"] if not f["shown"]]
    assert text.count("chose it: not shown") == len(hidden)
    # The coordinator's cohort list links here.
    assert f"/coordinator/cohorts/{COHORT}/impact" in coordinator.get("/coordinator/").text


def test_the_impact_csv_has_every_school_and_focus_with_cells_neutralised(app, coordinator):
    store = app.extensions["store"]
    store.update_cohort(COHORT, lambda c: {**c, "schools": [*c["schools"], "=HYPERLINK(\"x\")"]})
    got = coordinator.get(f"/coordinator/cohorts/{COHORT}/impact.csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(got.text)))
    schools = [r[1] for r in rows if r and r[0] == "participation"]
    assert "'=HYPERLINK(\"x\")" in schools and len(schools) == len(store.get_cohort(COHORT)["schools"])


def test_without_a_later_cycle_the_pages_say_what_they_need(app, cohort, store):
    client = app.test_client()
    sign_in_as(client, app, "coordinator", [cohort["id"]])
    page = client.get(f"/coordinator/cohorts/{cohort['id']}/impact")
    assert page.status_code == 200 and "later learning cycle" in visible_text(page.text)
    assert client.get(f"/coordinator/cohorts/{cohort['id']}/impact.csv").status_code == 409
    specialist = app.test_client()
    sign_in_as(specialist, app, "specialist", [cohort["id"]])
    page = specialist.get(f"/specialist/cohorts/{cohort['id']}/progress")
    assert page.status_code == 200 and "only its starting point" in visible_text(page.text)
