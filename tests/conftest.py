"""Shared fixtures: an app over a temporary data directory, its client and CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnostic import create_app
from diagnostic.cohorts import create_cohort, definition_dirs
from forms.catalog import find_definition

SHIPPED_FORM = Path(__file__).resolve().parent.parent / "forms" / "definitions" / "starting-point.yaml"


@pytest.fixture
def app(tmp_path):
    """The app on a fresh data directory; CSRF is on, as in real use."""
    return create_app({"TESTING": True, "DATA": str(tmp_path / "data")})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def store(app):
    return app.extensions["store"]


@pytest.fixture
def shipped(app):
    """The shipped starting-point definition."""
    definition, _ = find_definition("starting_point", None, definition_dirs(app.config["DATA"]))
    return definition


@pytest.fixture
def cohort(store, shipped):
    """A cohort on the shipped questionnaire, in two schools."""
    return create_cohort(store, shipped, "Test network", ["Ashfield", "Brook Lane"])
