"""What the command modules share: the data directory, the public address, a cohort by id, number checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app

from diagnostic.web.pages import get_store

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
ACTOR = "command line"  # who the audit log says did it


def data_dir() -> Path:
    """The data directory of the app the command runs on."""
    return Path(current_app.config["DATA"])


def public_base(given: str | None) -> str:
    """The public address links are built from: the one given, else BASE_URL, else the development server's."""
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


def cohort_or_exit(cohort_id: str) -> dict:
    """The cohort with this id, or one line naming the cohorts there are (exit 1)."""
    cohort = get_store().get_cohort(cohort_id)
    if cohort is None:
        known = ", ".join(c["id"] for c in get_store().list_cohorts()) or "none yet"
        raise click.ClickException(f"no cohort {cohort_id!r} in {data_dir()} (cohorts: {known})")
    return cohort


def definition_or_exit(form_id: str, version: str | None):  # noqa: ANN201 - a forms.schema.Definition
    """The definition with this id (and version, else the highest), or one line saying why not (exit 1)."""
    from diagnostic.services.definitions import current_dirs
    from forms.catalog import UnknownForm, find_definition
    from forms.yamlfile import FileProblems

    try:
        definition, _ = find_definition(form_id, version, current_dirs(get_store()))
    except UnknownForm as exc:
        raise click.ClickException(str(exc)) from None
    except FileProblems as exc:
        raise click.ClickException("the definition file is invalid:\n" + "\n".join(exc.lines())) from None
    return definition
