"""The `diagnostic import-responses` and `diagnostic export` commands: responses in and out as CSV or JSON."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from diagnostic.cli.common import ACTOR, cohort_or_exit
from diagnostic.cli.watching import counted, steps
from diagnostic.services import audit
from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import ImportProblems, export_csv, export_json, import_csv
from diagnostic.services.cycles import CycleError, export_all, import_later
from diagnostic.web.pages import get_store


@click.command("import-responses")
@with_appcontext
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--cycle", "number", type=click.IntRange(min=1), default=1, show_default=True,
              help="The learning cycle the answers belong to; a later one matches each row's respondent to the "
                   "respondent its teacher's starting point was imported with.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_responses(cohort_id: str, number: int, file: Path) -> None:
    """Import submitted responses from CSV: every row is checked, and nothing is imported if any is bad."""
    store = get_store()
    record = cohort_or_exit(cohort_id)
    say = steps()
    try:
        lines = file.read_bytes().count(b"\n") + 1 if file.is_file() else 0
        with counted(lines, f"checking the rows of {file.name}") as checked:
            if number == 1:
                definition = published_definition(store, record["form_id"], record["form_version"])
                responses = import_csv(file, record, definition, store.list_responses(cohort_id, cycle=1),
                                       progress=checked)
                say(f"saving {audit.plural(len(responses), 'response')}")
                store.add_responses(cohort_id, responses)
            else:
                responses = import_later(store, record, number, file, progress=checked)
    except ImportProblems as exc:
        click.echo("\n".join(exc.lines), err=True)
        raise click.ClickException(f"nothing imported: {len(exc.lines)} problem(s)") from None
    except CycleError as exc:
        raise click.ClickException(f"nothing imported: {exc}") from None
    where = f" (cycle {number})" if number > 1 else ""
    audit.record(store, ACTOR, "import responses", f"Imported {audit.plural(len(responses), 'submitted response')} "
                                                   f"from {file.name}{where}.", cohort_id)
    click.echo(f"imported {len(responses)} responses into cohort {cohort_id}{where}")


@click.command("export")
@with_appcontext
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
@click.option("--cycles", "layout", type=click.Choice(["long", "wide"]),
              help="Every learning cycle, as CSV: long (one row per teacher per cycle, with a cycle column) or "
                   "wide (one row per teacher). Without it, the starting point only.")
def export(cohort_id: str, fmt: str, output: Path | None, layout: str | None) -> None:
    """Export a cohort's submitted responses with their construct scores."""
    store = get_store()
    record = cohort_or_exit(cohort_id)
    if layout:
        if fmt != "csv":
            raise click.ClickException("--cycles writes CSV: leave out --format json, or leave out --cycles")
        text, count = export_all(store, record, layout)
        _write(text, count, output)
        return
    definition = published_definition(store, record["form_id"], record["form_version"])
    say = steps()
    say("reading the submitted responses")
    responses = store.list_responses(cohort_id, status="submitted", cycle=1)
    say(f"writing {audit.plural(len(responses), 'response')} as {fmt.upper()}")
    text = export_csv(definition, responses) if fmt == "csv" else export_json(definition, responses)
    _write(text, len(responses), output)


def _write(text: str, count: int, output: Path | None) -> None:
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {count} responses to {output}", err=True)
    else:
        click.echo(text, nl=False)


