"""The `diagnostic cluster` command: group a cohort by starting point and say how clear the groups are."""

from __future__ import annotations

import json
import time

import click
from flask.cli import with_appcontext

from diagnostic.cli.common import ACTOR, cohort_or_exit
from diagnostic.services import audit, grouping
from diagnostic.services.group_exports import summary
from diagnostic.services.grouping import MAX_GROUPS, GroupingError
from diagnostic.storage.interface import StoreError
from diagnostic.web.pages import get_store
from models import METHODS


@click.command("cluster")
@with_appcontext
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--k", "k", default="auto", show_default=True,
              help=f"Number of groups (1-{MAX_GROUPS}), or auto to choose.")
@click.option("--method", type=click.Choice(METHODS), default="kmeans", show_default=True)
@click.option("--json", "as_json_", is_flag=True, help="Print the groups, memberships and profiles as JSON.")
@click.option("--accept-small-groups", "accept_small", is_flag=True,
              help="Keep the grouping even if a group is smaller than the minimum group size (refused otherwise).")
@click.option("--cycle", "cycle", type=click.IntRange(min=1), default=1, show_default=True,
              help="Group on the answers of this cycle: 1 is the starting point; a later cycle uses each teacher's "
                   "follow-up answers to the questions asked again.")
def cluster(cohort_id: str, k: str, method: str, as_json_: bool, accept_small: bool, cycle: int) -> None:
    """Re-group a cohort's submitted questionnaires by starting point and print the groups."""
    store = get_store()
    record = cohort_or_exit(cohort_id)
    started = time.monotonic()

    def progress(message: str) -> None:
        click.echo(f"[{time.monotonic() - started:5.1f}s] {message}", err=True)

    try:
        grouping.refit(store, record, k, method, progress=progress, actor=ACTOR, accept_small=accept_small,
                       cycle=cycle)
        result = grouping.current(store, record)
    except grouping.SmallGroups as exc:
        raise click.ClickException(f"{exc} with --accept-small-groups") from None
    except (GroupingError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json_:
        click.echo(json.dumps(summary(result), indent=2, ensure_ascii=False))
        return
    quality = result["quality"]
    click.echo(f"cohort {cohort_id}: {audit.plural(result['responses'], 'teacher')}, "
               f"{audit.plural(result['k'], 'group')} by {method}")
    figures = [f"{name} {quality[name]}" for name in ("silhouette", "stability") if quality[name] is not None]
    click.echo(quality["headline"] + (f": {', '.join(figures)}" if figures else ""))
    click.echo(quality["explanation"])
    for group in result["groups"]:
        click.echo(f"  {group['key']}: {group['name']} ({audit.plural(group['size'], 'teacher')})")


