"""The `diagnostic forms` commands: check, show and list questionnaire definitions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from diagnostic.cli.common import data_dir, definition_or_exit
from diagnostic.services.definitions import current_dirs
from diagnostic.web.pages import get_store
from forms.catalog import definition_files, load_checked
from forms.loader import as_json, digest
from forms.schema import Definition
from forms.yamlfile import FileProblems


@click.group(cls=AppGroup)
def forms() -> None:
    """Check, show and list questionnaire definitions."""


@forms.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def forms_check(path: Path) -> None:
    """Validate a definition file: a one-line summary, or every problem as PATH:LINE: message."""
    try:
        # A follow-up is also checked against the questionnaire it follows, found where `forms show` looks.
        definition = load_checked(path, current_dirs(get_store()))
    except FileProblems as exc:
        click.echo("\n".join(exc.lines()))
        sys.exit(1)
    published = get_store().get_form(definition.id, definition.version)
    if published and published["digest"] != digest(definition):
        click.echo(f"{path}:1: {definition.id} version {definition.version} is already published in "
                   f"{data_dir()} with different content; give the changed definition a new version")
        sys.exit(1)
    pages = len(definition.sections)
    click.echo(f"{path}: ok: {definition.id} version {definition.version}, {pages} sections (pages), "
               f"{len(definition.questions())} questions, {len(definition.answer_ids())} answers, "
               f"{len(definition.constructs)} constructs{_follows(definition)}")


def _follows(definition: Definition) -> str:
    """What a follow-up follows and shares with it, for the summary line."""
    if definition.follows is None:
        return ""
    matched = definition.matches
    items, constructs = (len(matched.item_pairs()), len(matched.construct_pairs())) if matched else (0, 0)
    return (f"; follows {definition.follows.form} version {definition.follows.version}, with {items} items and "
            f"{constructs} constructs matched")


@forms.command("show")
@click.argument("form_id")
@click.option("--version", help="Version to show (default: the highest found).")
@click.option("--json", "as_json_", is_flag=True, help="Print the normalised definition as JSON.")
def forms_show(form_id: str, version: str | None, as_json_: bool) -> None:
    """Print a definition by id: its pages and questions, or with --json the normalised definition."""
    definition = definition_or_exit(form_id, version)
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
    dirs = current_dirs(get_store())
    for path in definition_files(dirs):
        try:
            definition = load_checked(path, dirs)
        except FileProblems as exc:
            click.echo(f"{path}: invalid ({len(exc.problems)} problems; run 'diagnostic forms check {path}')")
            continue
        click.echo(f"{definition.id} version {definition.version}: {definition.title} ({path})")
    for form in get_store().list_forms():
        click.echo(f"published: {form['id']} version {form['version']}")
