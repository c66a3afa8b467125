"""The `diagnostic` command: Flask's CLI for this app (routes, shell, run) plus the project's commands.

Every command takes the data directory from `diagnostic --data DIR ...` or the
DIAGNOSTIC_DATA environment variable (default ./instance).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo
from werkzeug.serving import run_simple

from diagnostic import audit, create_app, grouping, menu
from diagnostic.cli_progress import counted, steps
from diagnostic.cohorts import create_cohort, definition_dirs, published_definition
from diagnostic.csvio import ImportProblems, export_csv, export_json, import_csv
from diagnostic.demo import DEMO_COHORT, seed_demo
from diagnostic.extensions import get_store
from diagnostic.group_exports import summary
from diagnostic.grouping import MAX_GROUPS, GroupingError
from diagnostic.production import serve as serve_with_gunicorn
from diagnostic.store import StoreError, VersionConflict
from forms.catalog import UnknownForm, find_definition
from forms.loader import as_json, digest, load_definition
from forms.yamlfile import FileProblems
from models import METHODS

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
ACTOR = "command line"  # who the audit log says did it


def _make_app():  # noqa: ANN202 - called by Flask's ScriptInfo
    ctx = click.get_current_context(silent=True)
    data = ctx.meta.get("diagnostic.data") if ctx else None
    return create_app({"DATA": data} if data else None)


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


def _data_dir() -> Path:
    return Path(current_app.config["DATA"])


def _base_url(given: str | None) -> str:
    return (given or current_app.config.get("BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def within(limits: tuple[int, int], what: str) -> Callable[[click.Context, click.Parameter, int | None], int | None]:
    """An option callback refusing a number outside the inclusive `limits` as one line that names them (exit 1).

    click.IntRange would say so as a usage error (exit 2, three lines); a limit the web form and the
    engine also hold to is refused here the way the rest of the command refuses bad requests.
    """
    low, high = limits

    def check(_ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
        if value is not None and not low <= value <= high:
            raise click.ClickException(f"{param.opts[0]} is the {what}, a whole number from {low} to {high} "
                                       f"(got {value})")
        return value

    return check


def _cohort(cohort_id: str) -> dict:
    cohort = get_store().get_cohort(cohort_id)
    if cohort is None:
        known = ", ".join(c["id"] for c in get_store().list_cohorts()) or "none yet"
        raise click.ClickException(f"no cohort {cohort_id!r} in {_data_dir()} (cohorts: {known})")
    return cohort


# -- forms -----------------------------------------------------------------
@cli.group()
def forms() -> None:
    """Check, show and list questionnaire definitions."""


@forms.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def forms_check(path: Path) -> None:
    """Validate a definition file: a one-line summary, or every problem as PATH:LINE: message."""
    try:
        definition = load_definition(path)
    except FileProblems as exc:
        click.echo("\n".join(exc.lines()))
        sys.exit(1)
    published = get_store().get_form(definition.id, definition.version)
    if published and published["digest"] != digest(definition):
        click.echo(f"{path}:1: {definition.id} version {definition.version} is already published in "
                   f"{_data_dir()} with different content; give the changed definition a new version")
        sys.exit(1)
    pages = len(definition.sections)
    click.echo(f"{path}: ok: {definition.id} version {definition.version}, {pages} sections (pages), "
               f"{len(definition.questions())} questions, {len(definition.answer_ids())} answers, "
               f"{len(definition.constructs)} constructs")


@forms.command("show")
@click.argument("form_id")
@click.option("--version", help="Version to show (default: the highest found).")
@click.option("--json", "as_json_", is_flag=True, help="Print the normalised definition as JSON.")
def forms_show(form_id: str, version: str | None, as_json_: bool) -> None:
    """Print a definition by id: its pages and questions, or with --json the normalised definition."""
    definition = _find(form_id, version)
    if as_json_:
        click.echo(json.dumps(as_json(definition), indent=2, ensure_ascii=False))
        return
    click.echo(f"{definition.id} version {definition.version}: {definition.title}")
    for number, section in enumerate(definition.sections, start=1):
        click.echo(f"  section {section.id} (page {number}): {section.title}")
        for q in section.questions:
            click.echo(f"    {q.id} ({q.type}{', required' if q.required is True else ''})")


@forms.command("list")
def forms_list() -> None:
    """List the definitions available and the versions published in the data directory."""
    from forms.catalog import definition_files

    for path in definition_files(definition_dirs(_data_dir())):
        try:
            definition = load_definition(path)
        except FileProblems as exc:
            click.echo(f"{path}: invalid ({len(exc.problems)} problems; run 'diagnostic forms check {path}')")
            continue
        click.echo(f"{definition.id} version {definition.version}: {definition.title} ({path})")
    for form in get_store().list_forms():
        click.echo(f"published: {form['id']} version {form['version']}")


def _find(form_id: str, version: str | None):  # noqa: ANN202
    try:
        definition, _ = find_definition(form_id, version, definition_dirs(_data_dir()))
    except UnknownForm as exc:
        raise click.ClickException(str(exc)) from None
    except FileProblems as exc:
        raise click.ClickException("the definition file is invalid:\n" + "\n".join(exc.lines())) from None
    return definition


# -- cohorts -----------------------------------------------------------------
@cli.group()
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
    definition = _find(form_id, version)
    try:
        record = create_cohort(get_store(), definition, name, schools.split(","),
                               closes.date() if closes else None, actor=ACTOR)
    except (ValueError, VersionConflict) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"cohort: {record['id']}")
    click.echo(f"invitation: {_base_url(base_url)}/join/{record['invite']}")


@cohort.command("list")
@click.option("--base-url", help="Public address of the app, for the invitation links.")
def cohort_list(base_url: str | None) -> None:
    """List cohorts with their form, response counts and invitation URL."""
    store = get_store()
    for record in store.list_cohorts():
        counts = store.count_responses(record["id"])
        click.echo(f"{record['id']}  {record['name']}  {record['form_id']} v{record['form_version']}  "
                   f"submitted {counts.get('submitted', 0)}, in progress {counts.get('draft', 0)}, "
                   f"removed untouched {record.get('drafts_purged', 0)}  "
                   f"{_base_url(base_url)}/join/{record['invite']}")


# -- import and export ----------------------------------------------------------
@cli.command("import-responses")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_responses(cohort_id: str, file: Path) -> None:
    """Import submitted responses from CSV: every row is checked, and nothing is imported if any is bad."""
    store = get_store()
    record = _cohort(cohort_id)
    definition = published_definition(store, record["form_id"], record["form_version"])
    say = steps()
    try:
        lines = file.read_bytes().count(b"\n") + 1 if file.is_file() else 0
        with counted(lines, f"checking the rows of {file.name}") as checked:
            responses = import_csv(file, record, definition, store.list_responses(cohort_id), progress=checked)
    except ImportProblems as exc:
        click.echo("\n".join(exc.lines), err=True)
        raise click.ClickException(f"nothing imported: {len(exc.lines)} problem(s)") from None
    say(f"saving {audit.plural(len(responses), 'response')}")
    store.add_responses(cohort_id, responses)
    audit.record(store, ACTOR, "import responses", f"Imported {audit.plural(len(responses), 'submitted response')} "
                                                   f"from {file.name}.", cohort_id)
    click.echo(f"imported {len(responses)} responses into cohort {cohort_id}")


@cli.command("export")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
def export(cohort_id: str, fmt: str, output: Path | None) -> None:
    """Export a cohort's submitted responses with their construct scores."""
    store = get_store()
    record = _cohort(cohort_id)
    definition = published_definition(store, record["form_id"], record["form_version"])
    say = steps()
    say("reading the submitted responses")
    responses = store.list_responses(cohort_id, status="submitted")
    say(f"writing {audit.plural(len(responses), 'response')} as {fmt.upper()}")
    text = export_csv(definition, responses) if fmt == "csv" else export_json(definition, responses)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(responses)} responses to {output}", err=True)
    else:
        click.echo(text, nl=False)


# -- grouping ---------------------------------------------------------------------
@cli.command("cluster")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--k", "k", default="auto", show_default=True,
              help=f"Number of groups (1-{MAX_GROUPS}), or auto to choose.")
@click.option("--method", type=click.Choice(METHODS), default="kmeans", show_default=True)
@click.option("--json", "as_json_", is_flag=True, help="Print the groups, memberships and profiles as JSON.")
@click.option("--accept-small-groups", "accept_small", is_flag=True,
              help="Keep the grouping even if a group is smaller than the minimum group size (refused otherwise).")
def cluster(cohort_id: str, k: str, method: str, as_json_: bool, accept_small: bool) -> None:
    """Re-group a cohort's submitted questionnaires by starting point and print the groups."""
    store = get_store()
    record = _cohort(cohort_id)
    started = time.monotonic()

    def progress(message: str) -> None:
        click.echo(f"[{time.monotonic() - started:5.1f}s] {message}", err=True)

    try:
        grouping.refit(store, record, k, method, progress=progress, actor=ACTOR, accept_small=accept_small)
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


# -- the menu of learning focuses ----------------------------------------------------
@cli.command("recommend")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--respondent", help="Only this teacher (their import reference or response id).")
@click.option("--json", "as_json_", is_flag=True, help="Print every ranked focus with its score, parts and reasons.")
def recommend_cmd(cohort_id: str, respondent: str | None, as_json_: bool) -> None:
    """Rank the menu of learning focuses for each submitted teacher, with the reasons."""
    from diagnostic.partnerships import display_name

    record, store = _cohort(cohort_id), get_store()
    say = steps()
    say("ranking the menu of learning focuses for " + (respondent or "every submitted teacher"))
    try:
        found = menu.for_cohort(store, record, respondent)
        plan = menu.plan_for(store, record)
        groups = _group_names(store, record)
    except (LookupError, ValueError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    say(f"ranked for {audit.plural(len(found), 'teacher')}")
    if as_json_:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    # In words for the person reading: teachers by name, focuses and groups by title; --json keeps the ids.
    definition = published_definition(store, record["form_id"], record["form_version"])
    responses = {r["id"]: r for r in store.list_responses(cohort_id, status="submitted")}
    titles = {f["id"]: f["title"] for f in plan["focuses"]}
    best = sum(plan["weights"].values())  # every part of a score is at most 1, so this is the highest possible
    for teacher in found:
        reference = teacher["respondent"] or teacher["response_id"]
        chosen = (", ".join(titles.get(f, f) for f in teacher["chosen"]["focuses"]) if teacher["chosen"]
                  else "nothing yet")
        group = f"group {teacher['group']}: {groups.get(teacher['group'], '')}" if teacher["group"] else "no group yet"
        name = display_name(definition, responses[teacher["response_id"]])
        click.echo(f"{name if reference in name else f'{name} ({reference})'}, {group}; has chosen {chosen}")
        for rank, item in enumerate(teacher["recommendations"][:3], start=1):
            click.echo(f"  {rank}. {titles.get(item['focus'], item['focus'])}, fit {item['score']:.2f} of {best:g}: "
                       f"{' '.join(item['reasons'][:2])}")


def _group_names(store, record: dict) -> dict[str, str]:  # noqa: ANN001
    """Each group key's name as the specialists see it: the one they gave, else the one generated."""
    grouping_record = store.load_grouping(record["id"])
    if grouping_record is None:
        return {}
    labels = store.group_labels(record["id"])
    return {g["key"]: (labels.get(g["key"]) or {}).get("name") or g["generated_name"]
            for g in grouping_record["groups"]}


# -- serving ---------------------------------------------------------------------
# Without an app context: --production builds its own apps, and must not build a development one first.
@cli.command("serve", with_appcontext=False)
@click.option("--demo", is_flag=True, help="Seed a demo cohort of synthetic teachers first.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--production", is_flag=True,
              help="Serve with gunicorn and the production settings (needs DIAGNOSTIC_SECRET_KEY and "
                   "DIAGNOSTIC_BASE_URL).")
@click.option("--workers", type=click.IntRange(1, 64), help="gunicorn worker processes with --production [default: 2].")
@click.pass_context
def serve(ctx: click.Context, demo: bool, host: str, port: int, production: bool, workers: int | None) -> None:
    """Run the web app and print the addresses to open: the development server, or gunicorn with --production."""
    if production:
        _serve_production(ctx, demo, host, port, workers or 2)
        return
    if workers is not None:
        raise click.UsageError("--workers is for gunicorn: use it with --production")
    app = ctx.ensure_object(ScriptInfo).load_app()
    if app.config["PRODUCTION"]:
        raise click.ClickException("PRODUCTION is on: serve with 'diagnostic serve --production' (gunicorn), "
                                   "never the development server")
    ctx.with_resource(app.app_context())
    base = f"http://{host}:{port}"
    if demo:
        try:
            result = seed_demo(get_store(), definition_dirs(_data_dir()))
        except (StoreError, FileProblems, UnknownForm) as exc:
            raise click.ClickException(f"cannot seed the demo cohort: {exc}") from None
        cohort_record = result["cohort"]
        click.echo(f"demo cohort {DEMO_COHORT}: {result['submitted']} teachers in {len(cohort_record['schools'])} "
                   f"schools{' (already seeded)' if not result['created'] else ''}")
        click.echo(f"  invitation (try the questionnaire as a teacher): {base}/join/{cohort_record['invite']}")
        click.echo(f"  the specialist's view of its groups: {base}/specialist/cohorts/{DEMO_COHORT}/")
        click.echo(f"  the coordinator's co-coaching partnerships: {base}/coordinator/cohorts/{DEMO_COHORT}/"
                   "partnerships/co-coaching")
        if result.get("resume_token"):
            click.echo(f"  a demo teacher's private link (already submitted): {base}/resume/{result['resume_token']}")
        if result.get("accounts"):
            click.echo(f"  staff sign in at {base}/sign-in (these passwords are shown only now):")
            for account in result["accounts"]:
                click.echo(f"    {account['role']}: {account['email']}  {account['password']}")
        else:
            click.echo("  staff accounts: specialist@demo.example, coordinator@demo.example, admin@demo.example "
                       "(reset a password with: diagnostic users set-password --email ...)")
    click.echo(f"Starting Points on {base}/  (data: {_data_dir()}; press Ctrl+C to stop)")
    # Flask refuses app.run() inside its own CLI, so start werkzeug's server directly.
    run_simple(host, port, current_app._get_current_object(), threaded=True)


def _serve_production(ctx: click.Context, demo: bool, host: str, port: int, workers: int) -> None:
    if demo:
        raise click.UsageError("--demo adds synthetic teachers to try the app: leave it out with --production")
    data = ctx.meta.get("diagnostic.data")
    config = {"PRODUCTION": True, **({"DATA": data} if data else {})}
    try:
        # Built here first so that a missing secret key is one clear line, not every worker failing to boot.
        app = create_app(config)
    except RuntimeError as exc:
        raise click.ClickException(f"cannot serve in production: {exc}") from None
    click.echo(f"Starting Points with gunicorn on http://{host}:{port}/, {workers} workers "
               f"(data: {app.config['DATA']}; press Ctrl+C to stop). Users reach it over HTTPS, through your proxy.")
    serve_with_gunicorn(lambda: create_app(config), host, port, workers)


def main() -> None:
    """Entry point of the `diagnostic` console script."""
    cli.main(prog_name="diagnostic")



# The partnership, account, privacy and draft commands live in their own modules and register themselves on `cli`.
from diagnostic import cli_accounts, cli_drafts, cli_partnerships, cli_privacy  # noqa: E402, F401
