"""`diagnostic cycle open|close|list`: the next learning cycle from the command line, and its refusals."""

from __future__ import annotations

import pytest

from diagnostic.services.journey import new_response


def test_close_open_and_list_a_cohorts_cycles(invoke, store, cohort):
    closed = invoke("cycle", "close", "--cohort", cohort["id"])
    assert closed.exit_code == 0 and "closed cycle 1" in closed.output
    opened = invoke("cycle", "open", "--cohort", cohort["id"], "--form", "follow_up")
    assert opened.exit_code == 0 and "opened cycle 2" in opened.output
    listed = invoke("cycle", "list", "--cohort", cohort["id"])
    assert listed.exit_code == 0
    first, second = listed.output.strip().splitlines()
    assert first.startswith("cycle 1: starting_point") and "closed" in first
    assert second.startswith("cycle 2: follow_up") and ", open, 0 submitted" in second


@pytest.mark.parametrize(("args", "message"), [
    (["cycle", "open", "--cohort", "nowhere", "--form", "starting_point"], "no cohort 'nowhere'"),
    (["cycle", "open", "--cohort", "{cohort}", "--form", "no_such_form"], "no_such_form"),
    (["cycle", "open", "--cohort", "{cohort}", "--form", "follow_up"], "cycle 1 of Test network is still open"),
    (["cycle", "open", "--cohort", "{cohort}", "--form", "learning_agreement"], "still open"),
    (["cycle", "close", "--cohort", "{cohort}"], "1 teacher has not finished"),
])
def test_refusals_say_why_in_one_line_and_change_nothing(invoke, store, cohort, args, message):
    draft, _ = new_response(cohort)
    store.add_responses(cohort["id"], [draft])
    before = store.get_cohort(cohort["id"])
    result = invoke(*[a.format(cohort=cohort["id"]) for a in args])
    assert result.exit_code == 1 and message in result.output, result.output
    assert store.get_cohort(cohort["id"]) == before
