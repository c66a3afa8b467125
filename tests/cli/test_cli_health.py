"""`diagnostic partnerships health`: the partnerships that may need attention, without a word of any log."""

from __future__ import annotations

import json
from datetime import date

import pytest

from diagnostic.services import coaching_log, partnership_health
from tests.web.test_partner import build
from tests.web.test_partnership_health_pages import age


@pytest.fixture
def flagged(app, store, cohort):
    """Amy and Bea: Bea says it is not working. Cal and Dan: 22 days old, one log entry on the first day."""
    made = build(app, store, cohort)
    age(store, cohort, made["pair"])
    partnership_health.answer(store, cohort, made["pair"], made["ids"]["Bea"], False, "Our timetables clash")
    coaching_log.add_entry(store, cohort, store.get_partnership(cohort["id"], made["other"]),
                           {"id": made["ids"]["Cal"], "name": "Cal", "role": "teacher"}, "planning", date.today(),
                           {"notes": "Secret plans for Tuesday"})
    age(store, cohort, made["other"], days=30)
    return made


def test_health_prints_each_flagged_partnership_with_why(invoke, cohort, flagged):
    result = invoke("partnerships", "health", "--cohort", cohort["id"])
    assert result.exit_code == 0, result.output
    assert "Amy and Bea" in result.output and "not working for Bea" in result.output
    assert "Our timetables clash" in result.output
    assert "Cal and Dan" not in result.output  # its log had an entry today
    assert "Secret plans" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("1 partnership may need attention")


def test_health_json_lists_ids_reasons_and_log_counts_only(invoke, store, cohort, flagged):
    partnership_health.set_quiet_weeks(store, cohort, 1)
    coaching_log_text = "Secret plans for Tuesday"
    result = invoke("partnerships", "health", "--cohort", cohort["id"], "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["quiet_weeks"] == 1
    found = {p["id"]: p for p in data["partnerships"]}
    assert found[flagged["pair"]]["not_working"][0]["why"] == "Our timetables clash"
    assert found[flagged["pair"]]["quiet"] is True and found[flagged["pair"]]["entries"] == 0
    assert coaching_log_text not in result.output


def test_health_with_nothing_flagged_says_so(invoke, app, store, cohort):
    build(app, store, cohort)  # confirmed today: nobody asked yet, no log is quiet yet
    result = invoke("partnerships", "health", "--cohort", cohort["id"])
    assert result.exit_code == 0 and result.output.strip() == (
        "0 partnerships may need attention (quiet after 3 weeks without a log entry)")


def test_health_of_an_unknown_cohort_names_the_ones_there_are(invoke, cohort):
    result = invoke("partnerships", "health", "--cohort", "nope")
    assert result.exit_code == 1 and "no cohort 'nope'" in result.output
