"""Learning cycles: opening the next cycle on a follow-up questionnaire, closing one, and what each refuses."""

from __future__ import annotations

import pytest

from diagnostic.services.cohorts import definition_dirs
from diagnostic.services.cycles import CycleError, close_current, current, cycle_of, cycles, is_open, open_next
from diagnostic.services.journey import new_response
from forms.catalog import find_definition


@pytest.fixture
def follow_up(app):
    """The shipped follow-up of the shipped starting point."""
    definition, _ = find_definition("follow_up", None, definition_dirs(app.config["DATA"]))
    return definition


@pytest.fixture
def agreement(app):
    """The learning agreement: filled in by coaching partners together, never a cohort's questionnaire."""
    definition, _ = find_definition("learning_agreement", None, definition_dirs(app.config["DATA"]))
    return definition


def test_a_new_cohort_has_one_open_cycle_its_starting_point(cohort):
    (first,) = cycles(cohort)
    assert first["number"] == 1 and first["closed_at"] is None
    assert (first["form_id"], first["form_version"]) == (cohort["form_id"], cohort["form_version"])
    assert current(cohort) == first and is_open(cohort, 1) and not is_open(cohort, 2)


def test_closing_the_starting_point_then_opening_cycle_two(store, cohort, follow_up):
    closed = close_current(store, cohort)
    assert closed["number"] == 1 and closed["closed_at"]
    opened = open_next(store, store.get_cohort(cohort["id"]), follow_up, actor="coord@example.org")
    saved = store.get_cohort(cohort["id"])
    assert [c["number"] for c in cycles(saved)] == [1, 2]
    assert current(saved) == opened and opened["closed_at"] is None
    assert not is_open(saved, 1) and is_open(saved, 2)
    actions = [e["action"] for e in store.audit_log() if e.get("cohort") == cohort["id"]]
    assert actions[-2:] == ["close cycle", "open cycle"]


def test_opening_a_cycle_while_the_latest_is_open_is_refused_and_changes_nothing(store, cohort, follow_up):
    with pytest.raises(CycleError, match="cycle 1 .* is still open: close it"):
        open_next(store, cohort, follow_up)
    close_current(store, cohort)
    open_next(store, cohort, follow_up)
    before = store.get_cohort(cohort["id"])
    with pytest.raises(CycleError, match="cycle 2 .* is still open"):
        open_next(store, cohort, follow_up)  # a second click on "open": the same cycle is not opened twice
    assert store.get_cohort(cohort["id"]) == before


def test_closing_a_cycle_with_drafts_in_it_is_refused_and_changes_nothing(store, cohort):
    draft, _ = new_response(cohort)
    store.add_responses(cohort["id"], [draft])
    before = store.get_cohort(cohort["id"])
    with pytest.raises(CycleError, match="1 teacher has not finished .* cycle 1"):
        close_current(store, cohort)
    assert store.get_cohort(cohort["id"]) == before


def test_closing_a_closed_cycle_is_refused(store, cohort):
    close_current(store, cohort)
    with pytest.raises(CycleError, match="already closed"):
        close_current(store, cohort)


@pytest.mark.parametrize(("which", "message"), [
    ("agreement", "not filled in by each teacher"),
    ("shipped", "is not a follow-up questionnaire"),
    ("other_follow_up", "follows starting_point version 1, but Test network started on starting_point version 2"),
])
def test_a_later_cycle_must_be_a_follow_up_of_the_cohorts_starting_point(request, store, cohort, which, message):
    close_current(store, cohort)
    before = store.get_cohort(cohort["id"])
    with pytest.raises(CycleError, match=message):
        open_next(store, cohort, request.getfixturevalue(which))
    assert store.get_cohort(cohort["id"]) == before


@pytest.fixture
def other_follow_up(follow_up):
    """A follow-up of another version of the starting point."""
    return follow_up.model_copy(update={"follows": follow_up.follows.model_copy(update={"version": "1"})})


def test_responses_say_which_cycle_they_belong_to(store, cohort):
    first, _ = new_response(cohort)
    later = {**new_response(cohort)[0], "cycle": 2}
    store.add_responses(cohort["id"], [first, later])
    assert cycle_of(first) == 1 and cycle_of(later) == 2
    assert [r["id"] for r in store.list_responses(cohort["id"], cycle=1)] == [first["id"]]
    assert [r["id"] for r in store.list_responses(cohort["id"], cycle=2)] == [later["id"]]
    assert len(store.list_responses(cohort["id"])) == 2
