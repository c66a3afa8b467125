"""Partnership health in the service: asking after 21 days, keeping each teacher's answer, the coordinator's
list of partnerships that may need attention, and re-pairing one while every other partnership stays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from diagnostic.services import agreements, coaching_log, partnership_health, partnerships
from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import submitted_response
from diagnostic.services.erasure import erase, teacher_data
from diagnostic.services.partnership_health import HEALTH_AFTER_DAYS, WHY_LIMIT
from tests.web.test_partner import BASE, build

CONFIRMED = date.today()  # build() confirms today
DUE = CONFIRMED + timedelta(days=HEALTH_AFTER_DAYS)


@pytest.fixture
def paired(app, store, cohort):
    """Amy and Bea, Cal and Dan confirmed; Fay and Gus (same focus) submitted afterwards, still waiting."""
    made = build(app, store, cohort)
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    for n, name in enumerate(("Fay", "Gus")):
        answers = {**BASE, "teacher_name": name, "focus_choice": ["questioning"]}
        record = submitted_response(cohort, definition, answers, f"late{n}", "Ashfield")
        store.add_responses(cohort["id"], [record])
        made["ids"][name] = record["id"]
    return made


def health_of(store, cohort, pid):
    return store.get_partnership(cohort["id"], pid).get("health")


@pytest.mark.parametrize(("days", "due"), [(0, False), (HEALTH_AFTER_DAYS - 1, False), (HEALTH_AFTER_DAYS, True),
                                           (90, True)])
def test_the_question_is_asked_from_21_days_after_confirming(store, cohort, paired, days, due):
    partnership = store.get_partnership(cohort["id"], paired["pair"])
    assert partnership_health.is_due(partnership, CONFIRMED + timedelta(days=days)) is due


def test_each_teacher_has_their_own_answer_and_the_latest_one_wins(store, cohort, paired):
    amy, bea = paired["ids"]["Amy"], paired["ids"]["Bea"]
    partnership_health.answer(store, cohort, paired["pair"], amy, False, "  We never find a time  ", today=DUE)
    partnership_health.answer(store, cohort, paired["pair"], bea, True, "ignored when it works", today=DUE)
    health = health_of(store, cohort, paired["pair"])
    assert health[amy]["working"] is False and health[amy]["why"] == "We never find a time"
    assert health[bea] == {"working": True, "why": "", "answered_at": health[bea]["answered_at"]}
    partnership_health.answer(store, cohort, paired["pair"], amy, True, today=DUE)
    assert health_of(store, cohort, paired["pair"])[amy]["working"] is True
    assert health_of(store, cohort, paired["pair"])[amy]["answered_at"]


@pytest.mark.parametrize(("who", "why", "today", "error", "status"), [
    ("Amy", "", CONFIRMED + timedelta(days=HEALTH_AFTER_DAYS - 1), partnership_health.TooSoon, 409),
    ("Cal", "", DUE, agreements.NotYours, 404),  # Cal is in the other partnership
    ("Fay", "", DUE, agreements.NotYours, 404),  # Fay is in none
    ("Amy", "x" * (WHY_LIMIT + 1), DUE, partnership_health.BadAnswer, 422),
])
def test_an_answer_that_cannot_be_taken_is_refused_and_nothing_is_stored(store, cohort, paired, who, why, today,
                                                                         error, status):
    with pytest.raises(error) as refused:
        partnership_health.answer(store, cohort, paired["pair"], paired["ids"][who], False, why, today=today)
    assert refused.value.status == status and str(refused.value)
    assert health_of(store, cohort, paired["pair"]) is None


def test_an_undone_partnership_takes_no_answer(store, cohort, paired):
    partnerships.dissolve(store, cohort, paired["pair"])
    with pytest.raises(partnership_health.Ended) as refused:
        partnership_health.answer(store, cohort, paired["pair"], paired["ids"]["Amy"], False, today=DUE)
    assert refused.value.status == 410
    assert health_of(store, cohort, paired["pair"]) is None


def log(store, cohort, pid, author_id, on, text="Private notes about our lessons"):
    coaching_log.add_entry(store, cohort, store.get_partnership(cohort["id"], pid),
                           {"id": author_id, "name": "Someone", "role": "teacher"}, "planning", on, {"notes": text})


def flagged(store, cohort, today, mode=None):
    return {f["id"]: f for f in partnership_health.needing_attention(store, cohort, mode, today=today)}


def test_a_partnership_flagged_not_working_is_listed_with_the_reason_and_who_said_it(store, cohort, paired):
    partnership_health.answer(store, cohort, paired["pair"], paired["ids"]["Bea"], False, "Our timetables clash",
                              today=DUE)
    log(store, cohort, paired["pair"], paired["ids"]["Amy"], CONFIRMED)
    partnership_health.set_quiet_weeks(store, cohort, 4)  # neither log is quiet yet: only the flag lists one
    found = flagged(store, store.get_cohort(cohort["id"]), DUE)
    assert set(found) == {paired["pair"]}
    (said,) = found[paired["pair"]]["not_working"]
    assert said["name"] == "Bea" and said["why"] == "Our timetables clash" and found[paired["pair"]]["quiet"] is False
    assert found[paired["pair"]]["entries"] == 1 and found[paired["pair"]]["last_entry"] == CONFIRMED.isoformat()
    assert "Private notes" not in repr(found)  # counts and dates from the log, never its text


@pytest.mark.parametrize(("last_entry_days", "today_days", "weeks", "quiet"), [
    (None, 20, 3, False), (None, 21, 3, True),   # no entry: counted from the day it was confirmed
    (10, 30, 3, False), (10, 31, 3, True),       # counted from the last entry
    (None, 13, 2, False), (None, 14, 2, True),   # the cohort's own setting
])
def test_a_partnership_whose_log_goes_quiet_is_listed(store, cohort, paired, last_entry_days, today_days, weeks,
                                                      quiet):
    partnership_health.set_quiet_weeks(store, cohort, weeks)
    cohort = store.get_cohort(cohort["id"])
    for pid, who in ((paired["pair"], "Amy"), (paired["other"], "Cal")):
        if last_entry_days is not None:
            # The log refuses future dates; the fake "today" moves ahead instead, so entries are written today.
            log(store, cohort, pid, paired["ids"][who], CONFIRMED)
    today = CONFIRMED + timedelta(days=today_days - (last_entry_days or 0))
    found = flagged(store, cohort, today)
    assert (paired["pair"] in found) is quiet and (paired["other"] in found) is quiet
    if quiet:
        assert found[paired["pair"]]["quiet"] and not found[paired["pair"]]["not_working"]


@pytest.mark.parametrize("value", [0, 27, -1, "3", 2.5, None, True])
def test_quiet_weeks_must_be_a_whole_number_from_1_to_26(store, cohort, value):
    with pytest.raises(partnership_health.BadAnswer, match="from 1 to 26"):
        partnership_health.set_quiet_weeks(store, cohort, value)
    assert partnership_health.quiet_weeks(store.get_cohort(cohort["id"])) == 3


@pytest.mark.parametrize("value", [1, 26])
def test_quiet_weeks_is_kept_on_the_cohort(store, cohort, value):
    partnership_health.set_quiet_weeks(store, cohort, value)
    assert store.get_cohort(cohort["id"])["health"]["quiet_weeks"] == value


def test_re_pairing_frees_the_teachers_rules_them_out_together_and_leaves_the_rest(store, cohort, paired):
    ids = paired["ids"]
    log(store, cohort, paired["other"], ids["Cal"], CONFIRMED)
    before = store.get_partnership(cohort["id"], paired["other"])
    entries_before = store.log_entries(cohort["id"], paired["other"])

    done = partnership_health.repair(store, cohort, paired["pair"])

    assert done["partnership"]["status"] == "dissolved" and done["problem"] is None
    assert store.get_partnership(cohort["id"], paired["other"]) == before  # same id, members, agreement
    assert store.log_entries(cohort["id"], paired["other"]) == entries_before
    assert sorted([ids["Amy"], ids["Bea"]]) in store.pairing_state(cohort["id"], "all")["forbidden"]
    proposed = done["proposal"]["pairs"]
    placed = {m for p in proposed for m in p["members"]}
    assert {ids["Amy"], ids["Bea"]} <= placed  # proposed again ...
    assert not any({ids["Amy"], ids["Bea"]} <= set(p["members"]) for p in proposed)  # ... with someone else
    assert not placed & {ids["Cal"], ids["Dan"]}  # the confirmed partnership is not touched
    made = partnerships.confirm(store, cohort, "co-coaching", done["proposal"]["id"])
    assert store.get_partnership(cohort["id"], paired["other"]) == before
    assert {ids["Amy"], ids["Bea"]} <= {m for p in made for m in p["members"]}


def test_re_pairing_a_partnership_that_is_not_confirmed_is_refused(store, cohort, paired):
    partnerships.dissolve(store, cohort, paired["pair"])
    with pytest.raises(partnerships.PairingError, match="no confirmed partnership"):
        partnership_health.repair(store, cohort, paired["pair"])


def test_erasing_a_teacher_takes_their_answer_and_their_name_out_of_the_partners_reason(app, store, cohort, paired):
    amy, bea = paired["ids"]["Amy"], paired["ids"]["Bea"]
    partnership_health.answer(store, cohort, paired["pair"], amy, False, "Rushed meetings", today=DUE)
    partnership_health.answer(store, cohort, paired["pair"], bea, False, "Amy never has time", today=DUE)
    with app.app_context():
        erase(store, cohort["id"], amy, actor="admin@example.org")
    health = health_of(store, cohort, paired["pair"])
    assert set(health) == {bea} and "Amy" not in health[bea]["why"]


def test_a_teachers_own_answer_is_in_their_data_download_and_not_their_partners(store, cohort, paired):
    amy, bea = paired["ids"]["Amy"], paired["ids"]["Bea"]
    partnership_health.answer(store, cohort, paired["pair"], amy, False, "Rushed meetings", today=DUE)
    partnership_health.answer(store, cohort, paired["pair"], bea, False, "Never on time", today=DUE)
    data = repr(teacher_data(store, cohort, store.get_response(cohort["id"], amy)))
    assert "Rushed meetings" in data and "Never on time" not in data


def test_a_partnership_recorded_without_a_confirmation_date_is_never_asked_nor_listed_as_quiet():
    old = {"id": "p1", "mode": "co-coaching", "status": "confirmed", "members": ["a", "b"], "names": ["A", "B"]}
    assert partnership_health.is_due(old, DUE) is False
    assert partnership_health.attention(old, None, 3, DUE) is None
