"""The `diagnostic erase` command: erase everything held about one teacher (registered on the main CLI)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from diagnostic.cli.common import cohort_or_exit
from diagnostic.services.erasure import UnknownTeacher, erase, find_teacher
from diagnostic.services.grouping import respondent
from diagnostic.storage.interface import StoreError
from diagnostic.web.pages import get_store


@click.command("erase")
@with_appcontext
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--respondent", "reference", required=True, help="The teacher's import reference or response id.")
@click.option("--yes", is_flag=True, help="Erase without asking for confirmation.")
def erase_cmd(cohort_id: str, reference: str, yes: bool) -> None:
    """Erase everything held about one teacher; a partner they had is told their partner withdrew."""
    store = get_store()
    cohort_or_exit(cohort_id)
    try:
        record = find_teacher(store, cohort_id, reference)
    except UnknownTeacher as exc:
        raise click.ClickException(str(exc)) from None
    ref = respondent(record)
    if not yes:
        click.confirm(f"Erase everything held about teacher {ref} in cohort {cohort_id}? This cannot be undone",
                      abort=True)
    try:
        done = erase(store, cohort_id, record["id"], "command line")
    except StoreError as exc:
        # Every step can be run again, so once the problem is fixed the same command finishes the job.
        raise click.ClickException(f"{exc}; once that is fixed, run this command again") from None
    click.echo(f"erased teacher {ref} from cohort {cohort_id}: {done['partnerships_ended']} partnership(s) ended, "
               f"{done['partners_told']} partner(s) to be told")
