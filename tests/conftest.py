"""Shared fixtures: an app over a temporary data directory, its client and CLI runner."""

from __future__ import annotations

import os
import random
import secrets
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import servers
from browser_support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, pairing_cohort, require_browser, serving, sign_in

from diagnostic import create_app
from diagnostic.cli import cli
from diagnostic.services import grouping
from diagnostic.services.accounts import create_user, start_session
from diagnostic.services.cohorts import create_cohort, definition_dirs, published_definition
from diagnostic.services.demo import PROFILES, planted_cohort, seed_demo, teacher_row
from diagnostic.services.demo_cycles import seed_second_cycle
from diagnostic.services.grouping import refit
from forms.catalog import find_definition

SHIPPED_FORM = Path(__file__).resolve().parent.parent / "forms" / "definitions" / "starting-point.yaml"


# The slowest test files, slowest first (measured with `pytest --durations=0`, summed per file: 160 s for the
# clustering tests down to about 15 s): each worker takes whole files (--dist loadfile), so starting these first
# lets the workers finish together instead of one ending alone on a long file. tests/system/test_suite.py checks
# that every entry still names a file; measure again when a file here gets much faster or a new one is slow.
LONGEST_FIRST = [
    "tests/models/test_clustering.py",
    "tests/web/test_security_xss.py",
    "tests/forms/test_fuzz_loader.py",
    "tests/browser/test_browser.py",
    "tests/cli/test_cli.py",
    "tests/web/test_security_csrf.py",
    "tests/services/test_grouping.py",
    "tests/services/test_erasure.py",
    "tests/web/test_coordinator_pairing.py",
    "tests/browser/test_browser_cycles.py",
    "tests/browser/test_browser_coordinator.py",
    "tests/cli/test_cli_db.py",
]


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order


# The store backend tests run on: TinyDB unless DIAGNOSTIC_TEST_BACKEND=postgresql says otherwise. A module (or
# test) marked `both_backends` runs once on each, whatever that says.
BACKENDS = ("tinydb", "postgresql")


def pytest_runtest_setup(item):
    if item.get_closest_marker("tinydb_only") and os.environ.get("DIAGNOSTIC_TEST_BACKEND", "tinydb") != "tinydb":
        pytest.skip("about the TinyDB store's own files; tests/storage covers the same promise on PostgreSQL")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    servers.drop_template()


@pytest.fixture
def backend(request) -> str:
    """The name of the store backend this test runs on."""
    return getattr(request, "param", None) or os.environ.get("DIAGNOSTIC_TEST_BACKEND", "tinydb")


@pytest.fixture
def database_url(backend):
    """None on TinyDB; on PostgreSQL, the URL of a fresh database of this test's own, dropped afterwards."""
    if backend == "tinydb":
        yield None
        return
    with servers.fresh_database() as url:
        yield url


@pytest.fixture
def app(tmp_path, database_url):
    """The app on a fresh data directory (and a fresh database on PostgreSQL); CSRF is on, as in real use."""
    app = create_app({"TESTING": True, "DATA": str(tmp_path / "data"), "DATABASE_URL": database_url})
    yield app
    app.extensions["store"].close()  # its connections, before the database is dropped


def sign_in_as(client, app, role: str, cohorts=(), email: str | None = None, base_url: str | None = None) -> dict:
    """Sign `client` in as a new staff account with this role (and cohorts), as the sign-in page would.

    The session is set directly rather than posting a password, which keeps
    hundreds of tests from paying for password hashing; tests/web/test_auth.py
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
def invoke(runner):
    """Run `diagnostic ARGS…`; no Python exception or traceback may escape, whatever the exit code."""
    def run(*args):
        result = runner.invoke(cli, args=[str(a) for a in args])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        return result
    return run


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


@pytest.fixture
def row(shipped):
    """One synthetic teacher's answers to the shipped questionnaire (the same every time)."""
    return teacher_row(shipped, PROFILES[1], random.Random(7))


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory):
    """The demo cohort seeded (and grouped) once per test process: its data directory and what seeding answered.

    Seeding fits a grouping and hashes the demo accounts' passwords, so it is done once per xdist worker;
    every module or test that uses it works on a copy of its own (`demo_data`, `demo_app`).
    """
    data = tmp_path_factory.mktemp("demo-seeded") / "data"
    app = create_app({"TESTING": True, "DATA": str(data)})
    with app.app_context():
        made = seed_demo(app.extensions["store"], definition_dirs(data))
    return SimpleNamespace(data=data, made=made)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory, seeded_demo):
    """A data directory with the demo cohort seeded (and grouped): this test module's own copy."""
    data = tmp_path_factory.mktemp("demo") / "data"
    shutil.copytree(seeded_demo.data, data)
    return data


@pytest.fixture
def demo_app(app_on_copy, demo_data):
    """The app on this test's own copy of the demo data directory (a module uses it as its `app`)."""
    return app_on_copy(demo_data)


# ---- the browser tests (tests/browser/): one Chromium per session, one served app per module ----------------------

@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(browser, tmp_path_factory, seeded_demo):
    """The real app served on 127.0.0.1 for this module, with the demo cohort and the pairing cohort."""
    data = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(seeded_demo.data, data)  # the demo cohort, seeded once per test process
    demo = seeded_demo.made
    app = create_app({"DATA": str(data)})
    assert app.config.get("WTF_CSRF_ENABLED", True) and app.config["RATELIMIT_ENABLED"], "real settings, please"
    store = app.extensions["store"]
    with app.app_context():
        pairing = pairing_cohort(store, data)
    with serving(app) as base:
        yield SimpleNamespace(base=base, url=lambda path: base + path, demo=store.get_cohort("demo"), app=app,
                              store=store, accounts={a["role"]: a for a in demo["accounts"]}, **pairing)


@pytest.fixture
def new_page(browser):
    """Pages, each in a fresh browser context (its own cookies: a new browser for a new person)."""
    contexts = []

    def make(viewport: dict | None = None, storage_state: dict | None = None):
        context = browser.new_context(viewport=viewport or DESKTOP, storage_state=storage_state)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def signed_in_cookies(browser, site):
    """The browser storage (cookies) of each demo staff role signed in on this module's site, signed in once.

    Signing in through the page (and hashing the password) is done once per role and module; tests that are
    about signing in still use the sign-in page themselves.
    """
    states = {}

    def state(role: str) -> dict:
        if role not in states:
            context = browser.new_context(viewport=DESKTOP)
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.goto(site.url("/sign-in"))
            sign_in(page, site.accounts[role])
            page.wait_for_url(lambda url: "/sign-in" not in url)
            states[role] = context.storage_state()
            context.close()
        return states[role]

    return state


@pytest.fixture
def staff_page(new_page, signed_in_cookies):
    """A page in a fresh browser context, already signed in as this demo staff role (`staff_page("specialist")`)."""
    def make(role: str, viewport: dict | None = None):
        return new_page(viewport, storage_state=signed_in_cookies(role))
    return make


# ---- grouped cohorts: made once per module, each test on its own copy --------------------------------------------

@pytest.fixture(autouse=True)
def no_cached_models(monkeypatch):
    """Each test reads fitted models from its own data directory, never one another test left in the cache."""
    monkeypatch.setattr(grouping, "_models", {})


@pytest.fixture(scope="module")
def make_grouped(tmp_path_factory):
    """Make a data directory holding one grouped cohort of planted teachers, in Ashfield and Brook Lane.

    `prepare(cohort, definition, responses)` may change or extend the planted responses before they are saved
    (a teacher with a name, a school that looks like a formula); `k` is the number of groups ("auto" if not given).
    """
    def make(cohort_id: str, teachers: int, seed: int, *, name: str = "Planted network", prepare=None,
             k: str | int = "auto") -> Path:
        data = tmp_path_factory.mktemp(cohort_id) / "data"
        store = create_app({"TESTING": True, "DATA": str(data)}).extensions["store"]
        shipped, _ = find_definition("starting_point", None, definition_dirs(data))
        cohort = create_cohort(store, shipped, name, ["Ashfield", "Brook Lane"], cohort_id=cohort_id)
        definition = published_definition(store, cohort["form_id"], cohort["form_version"])
        responses, _ = planted_cohort(cohort, definition, teachers, seed)
        if prepare:
            prepare(cohort, definition, responses)
        store.add_responses(cohort_id, responses)
        refit(store, cohort, k)
        return data
    return make


@pytest.fixture(scope="module")
def make_two_cycles(make_grouped):
    """A data directory with a grouped cohort that has run into cycle 2: co-coaching confirmed, `entries` log
    entries per partnership, cycle 1 closed, cycle 2 open on the shipped follow-up, `answered` of the teachers'
    follow-ups submitted with a planted rise (services/demo_cycles.py)."""
    def make(cohort_id: str, teachers: int, seed: int, *, entries: int = 2, answered: float = 0.8) -> Path:
        data = make_grouped(cohort_id, teachers, seed)
        store = create_app({"TESTING": True, "DATA": str(data)}).extensions["store"]
        seed_second_cycle(store, definition_dirs(data), cohort_id, seed=seed, entries=entries, answered=answered)
        return data
    return make


@pytest.fixture
def app_on_copy(tmp_path, backend):
    """The app on this test's own copy of a data directory its module made once (so tests cannot see each other).

    Modules make their data once on TinyDB; on PostgreSQL each test's copy is moved into a database of its own
    (cloned from the one its module's data was moved into once).
    """
    apps, urls = [], []

    def make(data: Path):
        copy = tmp_path / "data"
        shutil.copytree(data, copy)
        if backend == "postgresql":
            urls.append(servers.moved_copy(copy, data))
        apps.append(create_app({"TESTING": True, "DATA": str(copy), "DATABASE_URL": urls[-1] if urls else None}))
        return apps[-1]

    yield make
    for made in apps:
        made.extensions["store"].close()
    for url in urls:
        servers.drop_database(url.rsplit("/", 1)[1])
