"""The `diagnostic purge-drafts` command: remove unfinished responses left untouched (registered on the main CLI)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from diagnostic.cli.common import cohort_or_exit
from diagnostic.services.drafts import purge_stale_drafts, stale_drafts
from diagnostic.web.pages import get_store


@click.command("purge-drafts")
@with_appcontext
@click.option("--days", type=click.IntRange(min=1),
              help="Remove drafts untouched for more than this many days [default: the DRAFT_DAYS setting].")
@click.option("--cohort", "cohort_id", help="Only this cohort (default: every cohort).")
@click.option("--dry-run", is_flag=True, help="Print how many would be removed, and change nothing.")
def purge_drafts(days: int | None, cohort_id: str | None, dry_run: bool) -> None:
    """Remove unfinished responses untouched for more than N days; submitted ones are never removed."""
    if cohort_id is not None:
        cohort_or_exit(cohort_id)
    days = days or current_app.config["DRAFT_DAYS"]
    try:
        found = (stale_drafts if dry_run else purge_stale_drafts)(get_store(), days, cohort_id)
    except ValueError as exc:  # only from the DRAFT_DAYS setting: --days is checked by click
        raise click.ClickException(f"DRAFT_DAYS: {exc}; set it, or give --days N") from None
    verb = "would remove" if dry_run else "removed"
    for cohort_id_, count in found.items():
        click.echo(f"{cohort_id_}: {verb} {count} unfinished response{'s' if count != 1 else ''} "
                   f"untouched for more than {days} days")
    if dry_run:
        click.echo("dry run: nothing was changed")
