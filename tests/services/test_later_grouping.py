"""Grouping a later cycle on that cycle's answers, and the table of who moved from the starting point's groups."""

from __future__ import annotations

import pytest

from diagnostic.cli import cli
from diagnostic.services import grouping, progress
from diagnostic.services.cycles import todays_answers
from tests.conftest import sign_in_as
from tests.pages import visible_text
from tests.web.test_journey import csrf

COHORT = "regroup"


@pytest.fixture(scope="module")
def two_cycles(make_two_cycles):
    return make_two_cycles(COHORT, 80, seed=21)


@pytest.fixture
def app(app_on_copy, two_cycles):
    return app_on_copy(two_cycles)


@pytest.fixture
def store(app):
    return app.extensions["store"]


def test_a_later_cycle_groups_those_who_answered_it_on_their_answers_today(app, store):
    cohort = store.get_cohort(COHORT)
    starting = store.load_grouping(COHORT)
    with app.app_context():
        today = todays_answers(store, cohort, 2)
        record = grouping.refit(store, cohort, cycle=2)
    answered = {r["teacher"] for r in store.list_responses(COHORT, status="submitted", cycle=2)}
    assert record["cycle"] == 2 and set(record["members"]) == answered == {r["id"] for r in today}
    # Their answers today are the follow-up's on the questions asked again, the starting point's on the rest.
    first = store.get_response(COHORT, today[0]["id"])
    later = store.get_response(COHORT, first["later"]["2"])
    assert today[0]["answers"]["ef1"] == later["answers"]["ef1"]
    assert today[0]["answers"]["career_stage"] == first["answers"]["career_stage"]
    # The starting point's grouping is kept, and groups that continue its groups keep their letters.
    kept = grouping.starting_grouping(store, cohort)
    assert kept["fitted_at"] == starting["fitted_at"] and kept.get("cycle", 1) == 1
    assert {g["key"] for g in record["groups"]} & {g["key"] for g in starting["groups"]}
    # Teachers who have not answered yet are placed from their starting point, as late submissions are.
    with app.app_context():
        now = grouping.current(store, cohort)
    placed = {m["id"] for g in now["groups"] for m in g["members"]}
    assert placed == {r["id"] for r in store.list_responses(COHORT, status="submitted", cycle=1)}


def test_the_moves_table_compares_the_two_groupings_and_adds_up(app, store):
    cohort = store.get_cohort(COHORT)
    with app.app_context():
        grouping.refit(store, cohort, cycle=2)
        record = store.load_grouping(COHORT)
        starting = grouping.starting_grouping(store, cohort)
        found = progress.gather(store, cohort)
        moves = progress.transitions(found, record, lambda now: {}, starting)
    assert moves["regrouped"] is True
    assert moves["placed"] == len(record["members"])
    for row in moves["rows"]:
        was = {rid for rid, m in starting["members"].items() if m["group"] == row["from"]}
        for key, count in row["to"].items():
            assert count == sum(1 for rid, m in record["members"].items() if m["group"] == key and rid in was)


@pytest.mark.parametrize(("cycle", "message"), [(3, "no cycle 3"), (2, "nothing to group on")])
def test_grouping_a_cycle_with_no_answers_is_refused_and_changes_nothing(app, store, cycle, message):
    if cycle == 2:
        store.remove_responses(COHORT, lambda r: r.get("cycle") == 2)
    before = store.load_grouping(COHORT)
    with app.app_context(), pytest.raises(grouping.GroupingError, match=message):
        grouping.refit(store, store.get_cohort(COHORT), cycle=cycle)
    assert store.load_grouping(COHORT) == before


def test_the_specialist_regroups_on_cycle_two_from_the_page(app, store):
    client = app.test_client()
    sign_in_as(client, app, "specialist", [COHORT])
    page = client.get(f"/specialist/cohorts/{COHORT}/")
    assert "Cycle 2: the follow-up's answers" in visible_text(page.text)
    token = csrf(page.text)
    refused = client.post(f"/specialist/cohorts/{COHORT}/regroup", data={
        "csrf_token": token, "k": "auto", "method": "kmeans", "cycle": "7"})
    assert refused.status_code == 422 and store.load_grouping(COHORT).get("cycle", 1) == 1
    done = client.post(f"/specialist/cohorts/{COHORT}/regroup", data={
        "csrf_token": token, "k": "auto", "method": "kmeans", "cycle": "2"})
    assert done.status_code == 302 and store.load_grouping(COHORT)["cycle"] == 2
    assert "Grouped on the answers of cycle 2" in visible_text(client.get(f"/specialist/cohorts/{COHORT}/").text)
    report = visible_text(client.get(f"/specialist/cohorts/{COHORT}/progress").text)
    assert "are now in a different group" in report


def test_the_cluster_command_groups_a_later_cycle(app, store):
    result = app.test_cli_runner().invoke(cli, ["cluster", "--cohort", COHORT, "--cycle", "2"])
    assert result.exit_code == 0, result.output
    assert store.load_grouping(COHORT)["cycle"] == 2
    refused = app.test_cli_runner().invoke(cli, ["cluster", "--cohort", COHORT, "--cycle", "5"])
    assert refused.exit_code == 1 and "no cycle 5" in refused.output
