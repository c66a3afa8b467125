"""Shared fixtures: an app over a temporary data directory, its client and CLI runner."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from diagnostic import create_app
from diagnostic.accounts import create_user, start_session
from diagnostic.cohorts import create_cohort, definition_dirs
from diagnostic.demo import seed_demo
from forms.catalog import find_definition

SHIPPED_FORM = Path(__file__).resolve().parent.parent / "forms" / "definitions" / "starting-point.yaml"


@pytest.fixture
def app(tmp_path):
    """The app on a fresh data directory; CSRF is on, as in real use."""
    return create_app({"TESTING": True, "DATA": str(tmp_path / "data")})


def sign_in_as(client, app, role: str, cohorts=(), email: str | None = None, base_url: str | None = None) -> dict:
    """Sign `client` in as a new staff account with this role (and cohorts), as the sign-in page would.

    The session is set directly rather than posting a password, which keeps
    hundreds of tests from paying for password hashing; tests/test_auth.py
    covers the real sign-in page. `base_url` is the site the browser signs in
    on (its cookie is sent only there), http://localhost/ if not given.
    """
    store = app.extensions["store"]
    with app.app_context():
        user = create_user(store, email or f"{role}-{secrets.token_hex(3)}@example.org", role, list(cohorts))
        token = start_session(store, user)
    with client.session_transaction(base_url=base_url) as session:
        session["_user_id"], session["_fresh"] = f"{user['id']}:{token}", True
    return user


@pytest.fixture
def client(app):
    """A browser signed in as an admin, who may open every staff page (teachers' pages ignore it)."""
    browser = app.test_client()
    sign_in_as(browser, app, "admin")
    return browser


@pytest.fixture
def staff(app):
    """A second browser, signed in as an admin, for tests where a teacher uses `client`."""
    browser = app.test_client()
    sign_in_as(browser, app, "admin")
    return browser


@pytest.fixture
def anonymous(app):
    """A browser nobody has signed in on."""
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


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory):
    """A data directory with the demo cohort seeded (and grouped) once per test module."""
    data = tmp_path_factory.mktemp("demo") / "data"
    app = create_app({"TESTING": True, "DATA": str(data)})
    with app.app_context():
        seed_demo(app.extensions["store"], definition_dirs(data))
    return data


@pytest.fixture
def demo_app(tmp_path, demo_data):
    """The app on this test's own copy of the demo data directory (a module uses it as its `app`)."""
    shutil.copytree(demo_data, tmp_path / "data")
    return create_app({"TESTING": True, "DATA": str(tmp_path / "data")})
