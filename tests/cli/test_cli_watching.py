"""Long commands show progress on standard error when a person is watching, never in their output.

Progress is shown only when standard error is a terminal (`diagnostic.cli.watching.showing`); the
runner's streams are not terminals, so these tests switch it on to see it, and check that standard
output, --json included, is exactly what it is without progress.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from diagnostic.cli import cli
from diagnostic.cli import watching as cli_watching
from diagnostic.services.demo import DEMO_COHORT
from tests.cli.test_cli import valid_row, write_answers


@pytest.fixture
def app(demo_app):
    return demo_app


@pytest.fixture
def invoke(app):
    def run(*args, watching: bool):
        runner = CliRunner()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(cli_watching, "showing", lambda: watching)
            result = runner.invoke(cli, args=[str(a) for a in args], obj=_script_info(app))
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        return result
    return run


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


JSON_COMMANDS = [
    pytest.param(["recommend", "--cohort", DEMO_COHORT, "--json"], "ranking the menu", id="recommend"),
    pytest.param(["pair", "--cohort", DEMO_COHORT, "--mode", "co-coaching", "--json"], "proposing co-coaching",
                 id="pair"),
    pytest.param(["export", "--cohort", DEMO_COHORT, "--format", "json"], "reading the submitted responses",
                 id="export"),
]


@pytest.mark.parametrize(("args", "step"), JSON_COMMANDS)
def test_progress_goes_to_standard_error_and_json_still_parses(invoke, args, step):
    watched = invoke(*args, watching=True)
    assert watched.exit_code == 0, watched.output
    assert step in watched.stderr
    data = json.loads(watched.stdout)
    unwatched = invoke(*args, watching=False)
    assert unwatched.stderr == ""  # a script or a pipe gets no progress at all
    if args[0] != "pair":  # a new proposal has a new id and time; the rest is the same
        assert json.loads(unwatched.stdout) == data


def test_demo_reports_each_step_while_it_builds_a_network(invoke, store):
    result = invoke("demo", "--cohort", "big", "--teachers", "40", "--schools", "4", watching=True)
    assert result.exit_code == 0, result.output
    for step in ("answering the questionnaire for 40", "saving 40", "grouping the teachers", "grouping: trying"):
        assert step in result.stderr
    assert result.stdout.startswith("cohort big: 40 synthetic teachers")
    assert len(store.list_responses("big", status="submitted")) == 40


def test_import_shows_a_progress_bar_over_the_rows(invoke, store, tmp_path, app):
    with app.app_context():
        from diagnostic.services.cohorts import definition_dirs
        from forms.catalog import find_definition

        shipped, _ = find_definition("starting_point", None, definition_dirs(app.config["DATA"]))
    rows = [valid_row(shipped, n, school="Ashfield Primary") for n in range(3)]
    path = write_answers(tmp_path / "in.csv", shipped, rows)
    result = invoke("import-responses", "--cohort", DEMO_COHORT, path, watching=True)
    assert result.exit_code == 0, result.output
    assert "checking the rows of in.csv" in result.stderr and "saving 3 responses" in result.stderr
    assert result.stdout.strip() == f"imported 3 responses into cohort {DEMO_COHORT}"
