"""Several app servers behind one address: rate-limit counts shared through Redis, and sessions that any server
with the same secret key accepts (on PostgreSQL, where every server reads the same database)."""

from __future__ import annotations

import multiprocessing
import re
import secrets
from pathlib import Path

import pytest
import servers

from diagnostic import create_app
from diagnostic.services.accounts import create_user
from diagnostic.services.cohorts import create_cohort, definition_dirs
from diagnostic.services.journey import new_response
from forms.catalog import find_definition

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
EMAIL, PASSWORD = "coord@example.org", "correct horse battery"

# -- two app servers counting in one Redis --------------------------------------------------------------------------
# Flask-Limiter keeps one limiter per process, so two apps in this process would share its storage whatever it
# was: each server runs in a process of its own, as it would in production, and the two meet only in Redis.
_apps: dict[str, object] = {}


def _app(config: dict):  # noqa: ANN202 - a Flask app, made once per server process
    if config["DATA"] not in _apps:
        _apps[config["DATA"]] = create_app(config)
    return _apps[config["DATA"]]


def _fail(config: dict, what: str, times: int) -> list[int]:
    """On this server, `times` failed attempts of one kind from one browser: the status of each."""
    browser = _app(config).test_client()
    statuses = []
    for n in range(times):
        if what == "sign-in":
            page = browser.get("/sign-in")
            token = CSRF.search(page.text).group(1) if page.status_code == 200 else ""
            answer = browser.post("/sign-in", data={"csrf_token": token, "email": EMAIL, "password": f"wrong {n}"})
        else:
            answer = browser.get(f"/resume/unknown.{secrets.token_hex(8)}.{secrets.token_hex(24)}")
        statuses.append(answer.status_code)
    return statuses


# What is counted: (the kind of attempt, its setting, the status of a failure).
COUNTED = [("sign-in", "RATELIMIT_SIGN_IN", 401), ("private link", "RATELIMIT_RESUME", 404)]


@pytest.fixture
def prefix():
    """A key prefix of this test's own in the shared Redis; its keys are deleted afterwards."""
    servers.require_redis()
    import redis

    name = f"sp-test-{secrets.token_hex(6)}"
    yield name
    connection = redis.Redis.from_url(servers.REDIS_URL)
    for key in connection.scan_iter(match=f"*{name}*"):
        connection.delete(key)


@pytest.mark.parametrize(("what", "setting", "failed"), COUNTED, ids=[c[0] for c in COUNTED])
def test_failures_on_one_server_count_on_the_other(tmp_path, prefix, what, setting, failed):
    import redis

    secret = secrets.token_hex(32)
    configs = [{"TESTING": True, "DATA": str(tmp_path / name), "SECRET_KEY": secret, setting: "4 per hour",
                "RATELIMIT_STORAGE_URI": servers.REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix} for name in "ab"]
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1) as first, spawn.Pool(1) as second:
        assert first.apply(_fail, (configs[0], what, 2)) == [failed, failed]
        assert second.apply(_fail, (configs[1], what, 2)) == [failed, failed]  # 4 in all: the limit reached
        assert second.apply(_fail, (configs[1], what, 1)) == [429]
        assert first.apply(_fail, (configs[0], what, 1)) == [429]
    # The counts are in Redis under this test's prefix, and in neither server's data directory.
    assert list(redis.Redis.from_url(servers.REDIS_URL).scan_iter(match=f"*{prefix}*"))
    assert not any((Path(c["DATA"]) / "ratelimits.sqlite3").exists() for c in configs)


# -- a session made on one server, accepted on another -----------------------------------------------------------------
@pytest.fixture
def two_servers(tmp_path):
    """Two apps on one PostgreSQL database with one secret key (their own data directories), and a third with
    another key; each closes its connections before the database is dropped."""
    secret = secrets.token_hex(32)
    with servers.fresh_database() as url:
        apps = [create_app({"TESTING": True, "DATA": str(tmp_path / name), "DATABASE_URL": url,
                            "SECRET_KEY": key}) for name, key in (("a", secret), ("b", secret),
                                                                  ("c", secrets.token_hex(32)))]
        yield apps
        for app in apps:
            app.extensions["store"].close()


def carry_cookie(app_from, browser_from, app_to):  # noqa: ANN201 - a test client
    """A browser on `app_to` holding the session cookie `browser_from` was given by `app_from`."""
    name = app_from.config["SESSION_COOKIE_NAME"]
    browser = app_to.test_client()
    browser.set_cookie(name, browser_from.get_cookie(name).value)
    return browser


def test_a_staff_member_signed_in_on_one_server_is_signed_in_on_the_other(two_servers):
    first, second, other_key = two_servers
    create_user(first.extensions["store"], EMAIL, "admin", [], PASSWORD)
    browser = first.test_client()
    page = browser.get("/sign-in")
    signed_in = browser.post("/sign-in", data={"csrf_token": CSRF.search(page.text).group(1), "email": EMAIL,
                                               "password": PASSWORD})
    assert signed_in.status_code == 302
    assert carry_cookie(first, browser, second).get("/admin/").status_code == 200
    # A server with another key cannot read the cookie, so it asks the person to sign in.
    refused = carry_cookie(first, browser, other_key).get("/admin/")
    assert refused.status_code == 302 and "/sign-in" in refused.headers["Location"]


def test_a_teacher_who_resumed_on_one_server_carries_on_on_the_other(two_servers, tmp_path):
    first, second, other_key = two_servers
    store = first.extensions["store"]
    definition, _ = find_definition("starting_point", None, definition_dirs(tmp_path / "a"))
    record, token = new_response(create_cohort(store, definition, "Shared network", ["Ashfield"]))
    store.add_responses(record["cohort"], [record])
    teacher = first.test_client()
    resumed = teacher.get(f"/resume/{token}")
    assert resumed.status_code == 302
    page = resumed.headers["Location"]
    assert first.test_client().get(page).status_code != 200  # the page needs the session the link set up
    assert carry_cookie(first, teacher, second).get(page).status_code == 200
    assert carry_cookie(first, teacher, other_key).get(page).status_code != 200
