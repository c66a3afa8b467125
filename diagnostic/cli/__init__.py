"""The `diagnostic` command: Flask's CLI for this app (routes, shell, run) plus the project's commands.

Every command takes the data directory from `diagnostic --data DIR ...` or the DIAGNOSTIC_DATA
environment variable (default ./instance). Each command group lives in its own module; they are wired
onto `cli` here, in one place. Heavy libraries (scikit-learn, pandas) are imported only by the commands
that need them, so `diagnostic --help` stays quick.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from diagnostic import create_app
from diagnostic.cli import (
    accounts,
    cohorts,
    cycles,
    database,
    definitions,
    drafts,
    grouping,
    menu,
    partnership_health,
    partnerships,
    privacy,
    progress,
    responses,
    serving,
)
from diagnostic.storage.interface import StoreError


def _make_app():  # noqa: ANN202 - called by Flask's ScriptInfo
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx else {}
    given = {"DATA": meta.get("diagnostic.data"), "CHECK_SCHEMA": meta.get("diagnostic.check_schema")}
    try:
        return create_app({key: value for key, value in given.items() if value is not None} or None)
    except StoreError as exc:  # a database that cannot be reached, or whose schema is behind
        raise click.ClickException(str(exc)) from None


def _remember_data(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta["diagnostic.data"] = value


cli = FlaskGroup(
    name="diagnostic",
    create_app=_make_app,
    add_version_option=False,
    load_dotenv=False,
    params=[click.Option(["--data"], metavar="DIR", expose_value=False, is_eager=True, callback=_remember_data,
                         help="Data directory (default: $DIAGNOSTIC_DATA or ./instance).")],
    help="Starting Points: starting-point questionnaires for teachers' collaborative CPD.",
)




for command in (definitions.forms, cohorts.cohort, cycles.cycle, responses.import_responses, responses.export,
                grouping.cluster, menu.recommend_cmd, serving.serve, accounts.users, drafts.purge_drafts,
                partnerships.pair, partnerships.specialists, partnerships.demo, privacy.erase_cmd,
                progress.progress_cmd, partnership_health.partnerships_group, database.db):
    cli.add_command(command)


def main() -> None:
    """Entry point of the `diagnostic` console script."""
    cli.main(prog_name="diagnostic")
