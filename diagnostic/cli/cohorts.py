"""The `diagnostic cohort` commands: create a cohort on a definition, and list the cohorts."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from diagnostic.cli.common import ACTOR, definition_or_exit, public_base
from diagnostic.services.cohorts import create_cohort
from diagnostic.services.cycles import current
from diagnostic.storage.interface import VersionConflict
from diagnostic.web.pages import get_store


@click.group(cls=AppGroup)
def cohort() -> None:
    """Create and list cohorts (the teachers answering one questionnaire version)."""


@cohort.command("create")
@click.option("--name", required=True, help="A name teachers will recognise, e.g. 'North Federation 2026'.")
@click.option("--form", "form_id", required=True, help="Definition id, e.g. starting_point.")
@click.option("--version", help="Definition version (default: the highest found).")
@click.option("--schools", default="", help="Comma-separated school names, e.g. \"A,B,C\".")
@click.option("--closes", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day to answer (YYYY-MM-DD).")
@click.option("--allow-past", is_flag=True,
              help="Accept a --closes date before today: the cohort is closed from the start, for answers collected "
                   "elsewhere that you will import.")
@click.option("--base-url", help="Public address of the app, for the invitation link.")
def cohort_create(name: str, form_id: str, version: str | None, schools: str, closes, allow_past: bool,  # noqa: ANN001
                  base_url: str | None) -> None:
    """Create a cohort and print its id and invitation URL."""
    today = date.today()
    if closes and closes.date() < today and not allow_past:
        # A closed cohort's invitation turns every teacher away: almost always a mistyped year.
        raise click.ClickException(
            f"--closes {closes.date().isoformat()} is before today ({today.isoformat()}), so no teacher could answer. "
            "Give today or a later date, or add --allow-past to create a cohort that is already closed (for answers "
            "you will import)")
    definition = definition_or_exit(form_id, version)
    try:
        record = create_cohort(get_store(), definition, name, schools.split(","),
                               closes.date() if closes else None, actor=ACTOR)
    except (ValueError, VersionConflict) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"cohort: {record['id']}")
    click.echo(f"invitation: {public_base(base_url)}/join/{record['invite']}")


@cohort.command("list")
@click.option("--base-url", help="Public address of the app, for the invitation links.")
def cohort_list(base_url: str | None) -> None:
    """List cohorts with their form, response counts and invitation URL."""
    store = get_store()
    for record in store.list_cohorts():
        latest = current(record)  # the counts of the cycle teachers are answering now
        counts = store.count_responses(record["id"], cycle=latest["number"])
        cycle = f"cycle {latest['number']}: " if latest["number"] > 1 else ""
        click.echo(f"{record['id']}  {record['name']}  {cycle}{latest['form_id']} v{latest['form_version']}  "
                   f"submitted {counts.get('submitted', 0)}, in progress {counts.get('draft', 0)}, "
                   f"removed untouched {record.get('drafts_purged', 0)}  "
                   f"{public_base(base_url)}/join/{record['invite']}")


