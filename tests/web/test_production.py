"""Production: its own secret key, HTTPS-only settings, trusted hosts, proxies, and serving with gunicorn."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import sign_in_as
from gunicorn.config import Config

import diagnostic.cli.serving
from diagnostic import create_app
from diagnostic.cli import cli
from diagnostic.cli.serving import gunicorn_settings
from diagnostic.services.accounts import create_user
from diagnostic.services.cohorts import create_cohort, definition_dirs
from forms.catalog import find_definition

ROOT = Path(__file__).resolve().parents[2]
KEY = secrets.token_hex(32)
BASE = "https://cpd.example.org"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> str:
    """A fresh data directory, and an environment without production settings of its own."""
    for name in ("DIAGNOSTIC_SECRET_KEY", "DIAGNOSTIC_PRODUCTION", "DIAGNOSTIC_TRUSTED_HOSTS", "DIAGNOSTIC_DATA",
                 "DIAGNOSTIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return str(tmp_path / "data")


# -- the secret key and HTTPS-only settings --------------------------------------------------------------
def test_production_refuses_the_generated_development_key(data_dir):
    create_app({"DATA": data_dir})  # a development run leaves its generated key in the data directory
    assert (Path(data_dir) / "secret_key").exists()
    with pytest.raises(RuntimeError, match="set DIAGNOSTIC_SECRET_KEY"):
        create_app({"DATA": data_dir, "PRODUCTION": True})


# Each makes a key from the development key a development run generated into DATA/secret_key.
REFUSED_KEYS = {
    "one character": lambda development: "x",
    "31 bytes": lambda development: "k" * 31,
    "30 bytes in 15 letters": lambda development: "\u00e9" * 15,
    "the development key": lambda development: development,
    "the development key and a line break": lambda development: development + "\n",
}


@pytest.mark.parametrize("case", REFUSED_KEYS)
def test_production_refuses_a_short_key_and_the_development_key_copied_into_the_environment(data_dir, monkeypatch,
                                                                                               case):
    development = create_app({"DATA": data_dir}).secret_key
    monkeypatch.setenv("DIAGNOSTIC_SECRET_KEY", REFUSED_KEYS[case](development))
    with pytest.raises(RuntimeError) as refused:
        create_app({"DATA": data_dir, "PRODUCTION": True, "BASE_URL": BASE})
    message = str(refused.value)
    # It names the setting and says how to make a good key, and never shows a key.
    assert "DIAGNOSTIC_SECRET_KEY" in message and "secrets.token_hex(32)" in message
    assert development not in message


@pytest.mark.parametrize("key", ["k" * 32, "\u00e9" * 16, KEY], ids=["32 bytes", "32 bytes in 16 letters", "random"])
def test_production_accepts_a_key_of_32_bytes_or_more(data_dir, key):
    create_app({"DATA": data_dir})  # the development key is there, but this is another key
    assert create_app({"DATA": data_dir, "PRODUCTION": True, "SECRET_KEY": key, "BASE_URL": BASE}).secret_key == key


def test_production_starts_with_its_own_key_and_https_only_settings(data_dir, monkeypatch):
    monkeypatch.setenv("DIAGNOSTIC_PRODUCTION", "1")
    monkeypatch.setenv("DIAGNOSTIC_SECRET_KEY", KEY)
    monkeypatch.setenv("DIAGNOSTIC_BASE_URL", BASE)
    app = create_app({"DATA": data_dir})
    assert app.secret_key == KEY and not (Path(data_dir) / "secret_key").exists()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax" and app.config["PREFERRED_URL_SCHEME"] == "https"
    page = app.test_client().get("/sign-in", base_url="https://cpd.example.org")
    assert page.status_code == 200
    cookie = page.headers["Set-Cookie"]
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_is_sent_only_in_production(data_dir):
    development = create_app({"TESTING": True, "DATA": data_dir}).test_client().get("/")
    assert development.status_code == 200 and "Strict-Transport-Security" not in development.headers
    production = create_app({"DATA": data_dir, "PRODUCTION": True, "SECRET_KEY": KEY, "BASE_URL": BASE})
    assert production.test_client().get("/", base_url=BASE).headers["Strict-Transport-Security"] == "max-age=31536000"


# -- the public address: every link shown is built from BASE_URL -------------------------------------------------
def test_production_refuses_to_start_without_its_public_address(data_dir):
    with pytest.raises(RuntimeError, match="DIAGNOSTIC_BASE_URL"):
        create_app({"DATA": data_dir, "PRODUCTION": True, "SECRET_KEY": KEY})


NOT_AN_HTTPS_ADDRESS = [
    "cpd.example.org", "//cpd.example.org", "ftp://cpd.example.org", "javascript:alert(1)", "https://",
    "https:///starting-points", "https://cpd.example.org/?next=/admin", "https://cpd.example.org/#top",
    "https://cpd.example.org?", "https://admin:secret@cpd.example.org", "https://cpd.example.org:https",
    "https://cpd.example.org/a b", "https://cpd.example.org/\n", "http://cpd.example.org",
]


@pytest.mark.parametrize("base_url", NOT_AN_HTTPS_ADDRESS, ids=repr)
def test_production_refuses_a_base_url_that_is_not_an_https_address(data_dir, monkeypatch, base_url):
    monkeypatch.setenv("DIAGNOSTIC_BASE_URL", base_url)
    with pytest.raises(RuntimeError, match="DIAGNOSTIC_BASE_URL"):
        create_app({"DATA": data_dir, "PRODUCTION": True, "SECRET_KEY": KEY})


@pytest.mark.parametrize("base_url", ["https://cpd.example.org", "https://cpd.example.org/",
                                      "https://cpd.example.org:8443/starting-points"])
def test_production_starts_with_an_https_base_url(data_dir, base_url):
    assert create_app({"DATA": data_dir, "PRODUCTION": True, "SECRET_KEY": KEY, "BASE_URL": base_url})


def _invitation_links(app, site: str) -> tuple[str, list[str]]:
    """The demo cohort's invitation, and every address on the admin's cohorts page opened on `site`."""
    store = app.extensions["store"]
    definition, _ = find_definition("starting_point", None, definition_dirs(app.config["DATA"]))
    cohort = create_cohort(store, definition, "North", ["Ashfield"])
    browser = app.test_client()
    sign_in_as(browser, app, "admin", base_url=site)
    page = browser.get("/admin/cohorts", base_url=site)
    assert page.status_code == 200
    return cohort["invite"], re.findall(r"[a-z]+://[^\s<>\"']+", page.text)


# (settings, the site the request names, the invitation link expected)
LINKS = [
    ({"BASE_URL": BASE}, "http://evil.example", f"{BASE}/join/"),
    ({"BASE_URL": BASE + "/"}, "http://evil.example:8080", f"{BASE}/join/"),
    ({"BASE_URL": BASE}, "http://evil.example/sp", f"{BASE}/sp/join/"),  # the script root is the app's own path
    ({"PRODUCTION": True, "SECRET_KEY": KEY, "BASE_URL": BASE, "TRUSTED_HOSTS": ["cpd.example.org", "evil.example"]},
     "https://evil.example", f"{BASE}/join/"),
    ({}, "http://localhost", "http://localhost/join/"),  # development without BASE_URL: the address in use
]


@pytest.mark.parametrize(("settings", "site", "link"), LINKS,
                         ids=["development", "trailing slash", "script root", "production", "no BASE_URL"])
def test_invitation_links_are_built_from_base_url_never_from_the_host_header(data_dir, settings, site, link):
    app = create_app({"TESTING": True, "DATA": data_dir, **settings})
    invite, addresses = _invitation_links(app, site)
    assert link + invite in addresses
    if settings:
        assert not [a for a in addresses if "evil.example" in a]


@pytest.mark.parametrize(("hosts", "site", "status"), [
    (None, BASE, 200), (None, "https://cpd.example.org:443", 200), (None, "https://evil.example", 400),
    (None, "https://cpd.example.org.evil.example", 400), ("", "https://evil.example", 400),
    ("www.cpd.example.org", "https://www.cpd.example.org", 200), ("www.cpd.example.org", BASE, 400),
])
def test_production_answers_only_the_base_url_host_unless_other_hosts_are_listed(data_dir, monkeypatch, hosts, site,
                                                                                    status):
    if hosts is not None:
        monkeypatch.setenv("DIAGNOSTIC_TRUSTED_HOSTS", hosts)
    app = create_app({"DATA": data_dir, "PRODUCTION": True, "SECRET_KEY": KEY, "BASE_URL": BASE})
    assert app.test_client().get("/sign-in", base_url=site).status_code == status


# -- hosts and proxies ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("from_env", [False, True])
def test_only_trusted_hosts_are_answered(data_dir, monkeypatch, from_env):
    config = {"TESTING": True, "DATA": data_dir}
    if from_env:
        monkeypatch.setenv("DIAGNOSTIC_TRUSTED_HOSTS", "cpd.example.org, www.cpd.example.org")
    else:
        config["TRUSTED_HOSTS"] = ["cpd.example.org", "www.cpd.example.org"]
    browser = create_app(config).test_client()
    assert browser.get("/", headers={"Host": "cpd.example.org"}).status_code == 200
    assert browser.get("/sign-in", headers={"Host": "www.cpd.example.org:443"}).status_code == 200
    refused = browser.get("/", headers={"Host": "cpd.example.org.evil.example"})
    assert refused.status_code == 400 and "does not answer to that host name" in refused.text
    assert browser.post("/sign-in", headers={"Host": "evil.example"}).status_code == 400


def test_any_host_is_answered_when_none_are_listed(data_dir):
    assert create_app({"TESTING": True, "DATA": data_dir}).test_client().get(
        "/", headers={"Host": "anything.example"}).status_code == 200


def test_x_forwarded_for_is_believed_only_behind_a_proxy(data_dir):
    config = {"TESTING": True, "DATA": data_dir, "RATELIMIT_RESUME": "1 per minute"}
    direct = create_app(config).test_client()
    assert direct.get("/resume/unknown", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 404
    # a client cannot dodge the limit by claiming another address
    assert direct.get("/resume/unknown", headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 429

    proxied = create_app({**config, "DATA": data_dir + "-proxied", "PROXY_COUNT": 1}).test_client()
    assert proxied.get("/resume/unknown", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 404
    assert proxied.get("/resume/unknown", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 429
    assert proxied.get("/resume/unknown", headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 404


# -- the WSGI entry point and `diagnostic serve --production` ----------------------------------------------------
def test_the_wsgi_module_builds_a_production_app(data_dir, monkeypatch):
    monkeypatch.setenv("DIAGNOSTIC_DATA", data_dir)
    monkeypatch.setenv("DIAGNOSTIC_BASE_URL", BASE)
    monkeypatch.delitem(sys.modules, "diagnostic.wsgi", raising=False)
    with pytest.raises(RuntimeError, match="DIAGNOSTIC_SECRET_KEY"):
        importlib.import_module("diagnostic.wsgi")
    monkeypatch.setenv("DIAGNOSTIC_SECRET_KEY", KEY)
    monkeypatch.delitem(sys.modules, "diagnostic.wsgi", raising=False)
    app = importlib.import_module("diagnostic.wsgi").app
    assert app.config["PRODUCTION"] and app.config["DATA"] == data_dir and app.secret_key == KEY


@pytest.fixture
def gunicorn_runs(monkeypatch):
    calls = []
    monkeypatch.setattr(diagnostic.cli.serving, "serve_with_gunicorn", lambda *args: calls.append(args))
    return calls


@pytest.mark.parametrize(("environment", "setting"), [
    ({}, "DIAGNOSTIC_SECRET_KEY"),
    ({"DIAGNOSTIC_BASE_URL": BASE}, "DIAGNOSTIC_SECRET_KEY"),
    ({"DIAGNOSTIC_SECRET_KEY": "x", "DIAGNOSTIC_BASE_URL": BASE}, "DIAGNOSTIC_SECRET_KEY"),
    ({"DIAGNOSTIC_SECRET_KEY": KEY}, "DIAGNOSTIC_BASE_URL"),
    ({"DIAGNOSTIC_SECRET_KEY": KEY, "DIAGNOSTIC_BASE_URL": "http://cpd.example.org"}, "DIAGNOSTIC_BASE_URL"),
], ids=["nothing set", "no key", "a one-character key", "no public address", "a plain http address"])
def test_serve_production_with_an_unsafe_setting_says_in_one_line_which_to_set(data_dir, monkeypatch, gunicorn_runs,
                                                                                 environment, setting):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["--data", data_dir, "serve", "--production"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and f"set {setting}" in result.output
    assert gunicorn_runs == [] and not (Path(data_dir) / "secret_key").exists()


def test_serve_production_runs_gunicorn_workers_on_the_data_directory(data_dir, monkeypatch, gunicorn_runs):
    monkeypatch.setenv("DIAGNOSTIC_SECRET_KEY", KEY)
    monkeypatch.setenv("DIAGNOSTIC_BASE_URL", BASE)
    result = CliRunner().invoke(cli, ["--data", data_dir, "serve", "--production", "--port", "8001"])
    assert result.exit_code == 0, result.output
    assert "gunicorn on http://127.0.0.1:8001/, 2 workers" in result.output
    factory, host, port, workers = gunicorn_runs[0]
    assert (host, port, workers) == ("127.0.0.1", 8001, 2)
    app = factory()  # what each worker builds
    assert app.config["PRODUCTION"] and app.config["DATA"] == data_dir and app.secret_key == KEY

    again = CliRunner().invoke(cli, ["--data", data_dir, "serve", "--production", "--workers", "4"])
    assert again.exit_code == 0 and gunicorn_runs[1][3] == 4


@pytest.mark.parametrize("args", [["--workers", "3"], ["--production", "--demo"], ["--production", "--workers", "0"]])
def test_serve_refuses_options_that_do_not_fit(data_dir, monkeypatch, gunicorn_runs, args):
    monkeypatch.setattr(diagnostic.cli.serving, "run_simple", lambda *a, **k: pytest.fail("the server started"))
    monkeypatch.setenv("DIAGNOSTIC_SECRET_KEY", KEY)
    result = CliRunner().invoke(cli, ["--data", data_dir, "serve", *args])
    assert result.exit_code == 2 and gunicorn_runs == []


def test_the_development_server_is_refused_in_production(data_dir, monkeypatch):
    monkeypatch.setattr(diagnostic.cli.serving, "run_simple", lambda *a, **k: pytest.fail("the server started"))
    app = create_app({"DATA": data_dir, "PRODUCTION": True, "SECRET_KEY": KEY, "BASE_URL": BASE})
    result = app.test_cli_runner().invoke(cli, ["serve"])
    assert result.exit_code == 1 and "diagnostic serve --production" in result.output


@pytest.mark.parametrize(("host", "bind"), [("127.0.0.1", "127.0.0.1:8000"), ("::1", "[::1]:8000")])
def test_gunicorn_accepts_the_settings(host, bind):
    config = Config()
    for name, value in gunicorn_settings(host, 8000, 2).items():
        config.set(name, value)
    assert config.bind == [bind] and config.workers == 2 and config.control_socket_disable


# -- the real thing -------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fetch(url: str, data: bytes | None = None, cookie: str | None = None, host: str = "cpd.example.org"):
    """GET (or POST `data`) as a browser reaching the site through its proxy, which passes on the public Host."""
    request = urllib.request.Request(url, data=data, headers={"Host": host, **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if _parent(int(proc.name)) == pid:
                    found.append(int(proc.name))
            except OSError:
                continue  # it ended while we looked
    return sorted(found)


@pytest.mark.slow
def test_serve_production_runs_gunicorn_with_two_workers_sharing_the_limits(data_dir, tmp_path):
    app = create_app({"DATA": data_dir})
    create_user(app.extensions["store"], "admin@example.org", "admin", [], "correct horse battery")
    port, log = _free_port(), tmp_path / "server.log"
    command = [sys.executable, "-c", "from diagnostic.cli import main; main()", "--data", data_dir,
               "serve", "--production", "--workers", "2", "--port", str(port)]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                  env={**os.environ, "DIAGNOSTIC_SECRET_KEY": KEY, "DIAGNOSTIC_BASE_URL": BASE})
    try:
        base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 120
        while len(re.findall(r"Booting worker with pid: (\d+)", log.read_text())) < 2:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        while True:
            try:
                status, headers, _ = _fetch(f"{base}/")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert status == 200 and headers["Server"].startswith("gunicorn")
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        assert _fetch(f"{base}/", host=f"127.0.0.1:{port}")[0] == 400  # only BASE_URL's host is answered

        # two worker processes, children of the one gunicorn master this command became
        workers = [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", log.read_text())]
        assert len(workers) == 2 and _children(server.pid) == sorted(workers)

        status, headers, page = _fetch(f"{base}/sign-in")
        assert status == 200 and "Password" in page
        cookie = headers["Set-Cookie"].split(";", 1)[0]  # Secure: a browser would send it only over HTTPS
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        form = f"csrf_token={token}&email=admin%40example.org&password=wrong+password+here".encode()
        # each request is a new connection, served by whichever worker takes it: the count is shared
        assert [_fetch(f"{base}/sign-in", form, cookie)[0] for _ in range(6)] == [401] * 5 + [429]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert code == 0 and "Shutting down: Master" in log.read_text()
