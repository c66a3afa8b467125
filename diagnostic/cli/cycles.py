"""The `diagnostic cycle` commands: open a cohort's next learning cycle on a follow-up questionnaire, close it, list."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from diagnostic.cli.common import ACTOR, cohort_or_exit, definition_or_exit
from diagnostic.services.cycles import CycleError, close_current, cycles, open_next
from diagnostic.web.pages import get_store


@click.group(cls=AppGroup)
def cycle() -> None:
    """Open, close and list a cohort's learning cycles (cycle 1 is the starting point)."""


@cycle.command("open")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--form", "form_id", required=True, help="The follow-up questionnaire's id, e.g. follow_up.")
@click.option("--version", help="Its version (default: the highest found).")
def cycle_open(cohort_id: str, form_id: str, version: str | None) -> None:
    """Open the next cycle: each teacher's private link then leads to this questionnaire."""
    cohort = cohort_or_exit(cohort_id)
    definition = definition_or_exit(form_id, version)
    try:
        opened = open_next(get_store(), cohort, definition, actor=ACTOR)
    except CycleError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"opened cycle {opened['number']} of {cohort_id} on {definition.id} version {definition.version}")


@cycle.command("close")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
def cycle_close(cohort_id: str) -> None:
    """Close the latest cycle (refused while any teacher has an unfinished questionnaire in it)."""
    try:
        closed = close_current(get_store(), cohort_or_exit(cohort_id), actor=ACTOR)
    except CycleError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"closed cycle {closed['number']} of {cohort_id}")


@cycle.command("list")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
def cycle_list(cohort_id: str) -> None:
    """Each cycle: its number, questionnaire, and when it opened and closed."""
    store = get_store()
    cohort = cohort_or_exit(cohort_id)
    for c in cycles(cohort):
        answered = len(store.list_responses(cohort_id, status="submitted", cycle=c["number"]))
        state = f"closed {c['closed_at'][:10]}" if c["closed_at"] else "open"
        click.echo(f"cycle {c['number']}: {c['form_id']} version {c['form_version']}, opened "
                   f"{(c['opened_at'] or '')[:10]}, {state}, {answered} submitted")
