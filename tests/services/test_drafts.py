"""Unfinished responses left untouched: removing them, and the counts coordinators and admins see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import sign_in_as

from diagnostic.cli import cli
from diagnostic.services.cohorts import create_cohort
from diagnostic.services.drafts import purge_stale_drafts
from diagnostic.services.journey import new_response
from diagnostic.storage.interface import NotFound

TODAY = date(2026, 11, 30)


def add(store, cohort: dict, updated_at: str, status: str = "draft") -> tuple[dict, str]:
    """A response last saved at `updated_at`; returns it and its private link's token."""
    record, token = new_response(cohort, school="Ashfield")
    record.update(status=status, created_at=updated_at, updated_at=updated_at)
    store.add_responses(cohort["id"], [record])
    return record, token


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def ids(store, cohort: dict) -> set[str]:
    return {r["id"] for r in store.list_responses(cohort["id"])}


def invoke(runner, *args: str):
    result = runner.invoke(cli, args=list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def other(store, shipped):
    return create_cohort(store, shipped, "Other network", [])


@pytest.fixture
def mixed(store, cohort, other):
    """Drafts old and fresh, and a submitted response older than all of them, in two cohorts."""
    return {
        "old": add(store, cohort, days_ago(40))[0],
        "older": add(store, cohort, days_ago(400))[0],
        "fresh": add(store, cohort, days_ago(5))[0],
        "submitted": add(store, cohort, days_ago(500), "submitted")[0],
        "elsewhere": add(store, other, days_ago(45))[0],
    }


# -- the service --------------------------------------------------------------------------------------------
def test_only_drafts_untouched_for_more_than_the_days_are_removed(store, cohort):
    gone, _ = add(store, cohort, "2026-10-30T23:59:59+00:00")  # 31 days before TODAY
    kept = [add(store, cohort, "2026-10-31T00:00:00+00:00")[0],  # 30 days: not more than 30
            add(store, cohort, "2026-11-29T08:00:00+00:00")[0],
            add(store, cohort, "2020-01-01T00:00:00+00:00", "submitted")[0]]
    assert purge_stale_drafts(store, 30, today=TODAY) == {cohort["id"]: 1}
    assert ids(store, cohort) == {r["id"] for r in kept} and gone["id"] not in ids(store, cohort)
    record = store.get_cohort(cohort["id"])
    assert record["drafts_purged"] == 1 and record["drafts_purged_at"] == "2026-11-30"
    assert record["drafts_purged_days"] == 30

    # a month later both remaining drafts have gone untouched too, and the total adds up
    assert purge_stale_drafts(store, 30, today=TODAY + timedelta(days=31)) == {cohort["id"]: 2}
    record = store.get_cohort(cohort["id"])
    assert record["drafts_purged"] == 3 and record["drafts_purged_at"] == "2026-12-31"
    assert ids(store, cohort) == {kept[2]["id"]}


def test_one_cohort_only_and_an_unknown_cohort(store, cohort, mixed, other):
    assert purge_stale_drafts(store, 30, cohort_id=other["id"]) == {other["id"]: 1}
    assert mixed["old"]["id"] in ids(store, cohort)
    with pytest.raises(NotFound):
        purge_stale_drafts(store, 30, cohort_id="nowhere")
    with pytest.raises(ValueError):
        purge_stale_drafts(store, 0)


# -- the command ---------------------------------------------------------------------------------------------
def test_purge_drafts_removes_stale_drafts_records_counts_and_audits(runner, store, cohort, other, mixed):
    before = len(store.audit_log())
    result = invoke(runner, "purge-drafts", "--days", "30")
    assert result.exit_code == 0, result.output
    assert f"{cohort['id']}: removed 2 unfinished responses untouched for more than 30 days" in result.output
    assert f"{other['id']}: removed 1 unfinished response untouched for more than 30 days" in result.output
    assert ids(store, cohort) == {mixed["fresh"]["id"], mixed["submitted"]["id"]}
    assert ids(store, other) == set()
    assert store.get_cohort(cohort["id"])["drafts_purged"] == 2
    assert store.get_cohort(other["id"])["drafts_purged"] == 1

    entries = store.audit_log()[before:]
    assert {(e["actor"], e["cohort"]) for e in entries} == {("command line", cohort["id"]),
                                                              ("command line", other["id"])}
    teachers_data = [r[k] for r in mixed.values() for k in ("id", "token_hash", "school")]
    assert not any(value in str(entries) for value in teachers_data)


def test_a_removed_drafts_private_link_is_not_recognised(runner, anonymous, store, cohort):
    _, token = add(store, cohort, days_ago(90))
    assert anonymous.get(f"/resume/{token}").status_code == 302
    assert invoke(runner, "purge-drafts", "--days", "30").exit_code == 0
    answer = anonymous.get(f"/resume/{token}")
    assert answer.status_code == 404 and "private link is not recognised" in answer.text


def test_dry_run_changes_nothing(runner, store, cohort, other, mixed):
    cohorts, before, audit = store.list_cohorts(), ids(store, cohort) | ids(store, other), store.audit_log()
    result = invoke(runner, "purge-drafts", "--days", "30", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"{cohort['id']}: would remove 2 unfinished responses untouched for more than 30 days" in result.output
    assert "nothing was changed" in result.output
    assert ids(store, cohort) | ids(store, other) == before
    assert store.list_cohorts() == cohorts and store.audit_log() == audit


def test_one_cohort_and_the_default_days(app, runner, store, cohort, other, mixed):
    app.config["DRAFT_DAYS"] = 42
    add(store, cohort, days_ago(50))  # gone with 42 days, kept with the shipped default
    result = invoke(runner, "purge-drafts", "--cohort", cohort["id"])
    assert result.exit_code == 0, result.output
    assert "removed 2 unfinished responses untouched for more than 42 days" in result.output
    assert other["id"] not in result.output
    assert ids(store, cohort) == {mixed["old"]["id"], mixed["fresh"]["id"], mixed["submitted"]["id"]}
    assert ids(store, other) == {mixed["elsewhere"]["id"]}  # 45 days old, but not in the cohort asked for


def test_an_unknown_cohort_is_a_clear_error(runner, store, cohort, mixed):
    result = invoke(runner, "purge-drafts", "--cohort", "nowhere", "--days", "30")
    assert result.exit_code == 1
    assert "no cohort 'nowhere'" in result.output and cohort["id"] in result.output
    assert mixed["old"]["id"] in ids(store, cohort)


def test_cohort_list_shows_how_many_were_removed(runner, store, cohort, mixed):
    invoke(runner, "purge-drafts", "--days", "30")
    (line,) = [x for x in invoke(runner, "cohort", "list").output.splitlines() if x.startswith(cohort["id"])]
    assert "submitted 1, in progress 1, removed untouched 2" in line


# -- what coordinators and admins see ------------------------------------------------------------------------
def test_coordinator_and_admin_see_the_counts_and_never_who(app, runner, client, store, cohort, mixed):
    add(store, cohort, days_ago(70))  # untouched for longer than DRAFT_DAYS (60), but left by this purge
    invoke(runner, "purge-drafts", "--days", "100")
    today = datetime.now(UTC).date().isoformat()
    expected = ("3 unfinished (1 untouched for more than 60 days); "
                f"1 removed after 100 days untouched, last on {today}")
    coordinator = app.test_client()
    sign_in_as(coordinator, app, "coordinator", [cohort["id"]])
    for page in (coordinator.get("/coordinator/"), client.get("/admin/cohorts")):
        assert page.status_code == 200
        assert expected in page.text
        assert not any(r["id"] in page.text for r in mixed.values())


def test_the_pages_say_when_nothing_was_removed_yet(app, client, store, cohort):
    add(store, cohort, days_ago(1))
    assert "1 unfinished (none untouched for more than 60 days); none removed yet" in client.get(
        "/admin/cohorts").text
