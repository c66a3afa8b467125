"""In a later cycle the coordinator keeps the partnerships formed before it, or re-pairs avoiding previous partners."""

from __future__ import annotations

import re

import pytest

from diagnostic.cli import cli
from diagnostic.services import partnerships
from diagnostic.services.journey import hash_secret
from tests.conftest import sign_in_as
from tests.pages import visible_text
from tests.web.test_journey import csrf

pytestmark = pytest.mark.both_backends  # on the TinyDB store and on PostgreSQL (tests/conftest.py)

COHORT = "nextcycle"
PAGE = f"/coordinator/cohorts/{COHORT}/partnerships/co-coaching"


@pytest.fixture(scope="module")
def two_cycles(make_two_cycles):
    return make_two_cycles(COHORT, 40, seed=31)


@pytest.fixture
def app(app_on_copy, two_cycles):
    return app_on_copy(two_cycles)


@pytest.fixture
def store(app):
    return app.extensions["store"]


@pytest.fixture
def coordinator(app):
    client = app.test_client()
    sign_in_as(client, app, "coordinator", [COHORT])
    return client


def choose(coordinator, choice, token=None):
    token = token or csrf(coordinator.get(PAGE).text)
    return coordinator.post(f"{PAGE}/next-cycle", data={"csrf_token": token, "cycle_choice": choice})


def standing(store):
    return {p["id"]: p for p in store.list_partnerships(COHORT) if p["status"] == "confirmed"}


def test_the_page_asks_whether_to_keep_the_partnerships_of_cycle_one(coordinator, store):
    text = visible_text(coordinator.get(PAGE).text)
    assert "Cycle 2: keep these partnerships, or re-pair?" in text
    assert f"{len(standing(store))} co-coaching partnerships were formed before cycle 2 opened" in text


def test_keeping_them_changes_no_partner_agreement_or_log(coordinator, store):
    before, entries = standing(store), store.log_entries(COHORT)
    token = csrf(coordinator.get(PAGE).text)
    done = choose(coordinator, "keep", token)
    assert done.status_code == 302
    after = standing(store)
    assert set(after) == set(before) and all(after[i]["members"] == before[i]["members"] for i in before)
    assert all(2 in p["kept_for"] for p in after.values()) and store.log_entries(COHORT) == entries
    assert "keep these partnerships" not in visible_text(coordinator.get(PAGE).text)  # asked once per cycle
    assert choose(coordinator, "keep", token).status_code == 409  # a second tab: nothing left to keep


def test_re_pairing_undoes_them_and_the_next_proposal_pairs_no_one_with_their_previous_partner(app, coordinator,
                                                                                             store):
    before = standing(store)
    previous = {frozenset(p["members"][a:a + 2]) for p in before.values() for a in range(len(p["members"]) - 1)}
    done = choose(coordinator, "repair")
    assert done.status_code == 302 and not standing(store)
    assert store.log_entries(COHORT)  # the logs of the undone partnerships are kept
    with app.app_context():
        proposal = partnerships.run(store, store.get_cohort(COHORT), "co-coaching")
    pairs = [frozenset(pair["members"][a:a + 2]) for pair in proposal["pairs"]
             for a in range(len(pair["members"]) - 1)]
    assert pairs and not (set(pairs) & previous)
    # Partnerships confirmed now are formed for cycle 2, so the page does not ask about them.
    with app.app_context():
        made = partnerships.confirm(store, store.get_cohort(COHORT), "co-coaching", proposal["id"])
    assert {p["cycle"] for p in made} == {2}
    assert "keep these partnerships" not in visible_text(coordinator.get(PAGE).text)


@pytest.mark.parametrize("choice", ["", "neither"])
def test_a_choice_that_is_neither_is_refused_and_changes_nothing(coordinator, store, choice):
    before = standing(store)
    assert choose(coordinator, choice).status_code == 400
    assert standing(store) == before


def test_a_teacher_released_for_cycle_two_can_choose_a_focus_again_while_it_is_open(app, coordinator, store):
    choose(coordinator, "repair")
    teacher = store.list_responses(COHORT, status="submitted", cycle=1)[0]
    secret = "b" * 48
    store.update_response(COHORT, teacher["id"], lambda r: {**r, "token_hash": hash_secret(secret)})
    client = app.test_client()
    client.get(f"/resume/{COHORT}.{teacher['id']}.{secret}")
    menu = client.get("/questionnaire/menu")
    assert menu.status_code == 200 and 'name="part" value="focus"' in menu.text  # each focus has its button
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', menu.text).group(1)
    focus = next(f for f in re.findall(r'name="focus" value="([^"]+)"', menu.text))
    chosen = client.post("/questionnaire/menu", data={"csrf_token": token, "part": "focus", "focus": focus})
    assert chosen.status_code == 302, chosen.text[:300]
    saved = store.get_response(COHORT, teacher["id"])["choice"]
    assert saved["focuses"] == [focus] and saved["cycle"] == 2  # their choice for cycle 2, history kept


def test_the_pair_command_keeps_or_re_pairs_for_the_later_cycle(app, store):
    runner = app.test_cli_runner()
    kept = runner.invoke(cli, ["pair", "--cohort", COHORT, "--mode", "co-coaching", "--next-cycle", "keep"])
    assert kept.exit_code == 0 and "kept" in kept.output, kept.output
    again = runner.invoke(cli, ["pair", "--cohort", COHORT, "--mode", "co-coaching", "--next-cycle", "repair"])
    assert again.exit_code == 1 and "no co-coaching partnerships from before cycle 2" in again.output
