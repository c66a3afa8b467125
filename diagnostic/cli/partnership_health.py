"""The `diagnostic partnerships ...` commands: `health`, the partnerships that may need a coordinator's attention."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from diagnostic.cli.common import cohort_or_exit
from diagnostic.services import partnership_health
from diagnostic.web.pages import get_store


@click.group("partnerships", cls=AppGroup)
def partnerships_group() -> None:
    """A cohort's confirmed coaching partnerships."""


@partnerships_group.command("health")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--json", "as_json_", is_flag=True, help="Print the list as JSON.")
def health(cohort_id: str, as_json_: bool) -> None:
    """Partnerships a teacher says are not working, or whose coaching log is quiet (counts only, never its text)."""
    record = cohort_or_exit(cohort_id)
    flagged = partnership_health.needing_attention(get_store(), record)
    if as_json_:
        click.echo(json.dumps({"cohort": record["id"], "quiet_weeks": partnership_health.quiet_weeks(record),
                               "partnerships": partnership_health.for_export(flagged)}, indent=2,
                              ensure_ascii=False))
        return
    for f in flagged:
        click.echo(f"{f['id']}  {f['kind']}: {' and '.join(f['names'])}, confirmed {f['confirmed_at']}")
        for said in f["not_working"]:
            click.echo(f"    not working for {said['name']} ({said['answered_at'][:10]})"
                       + (f": {said['why']}" if said["why"] else ""))
        if f["quiet"]:
            click.echo(f"    quiet: no coaching log entry since {f['quiet_since']}")
    weeks = partnership_health.quiet_weeks(record)
    click.echo(f"{len(flagged)} partnership{'s' if len(flagged) != 1 else ''} may need attention "
               f"(quiet after {weeks} week{'s' if weeks != 1 else ''} without a log entry)")
