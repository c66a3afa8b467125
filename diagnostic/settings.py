"""Settings: the defaults, the order they are read in, and the production checks and settings.

Load order, each overriding the one before: `DEFAULTS`, then the data directory's `config.py`, then
`DIAGNOSTIC_*` environment variables, then the `test_config` a test passes. Nothing reads settings at
import time. With PRODUCTION, the app refuses to start on settings that are unsafe there.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

MIN_KEY_BYTES = 32  # shorter keys can be guessed; secrets.token_hex(32) gives 64 (32 random bytes, in hex)
NEW_KEY = "generate one with python3 -c 'import secrets; print(secrets.token_hex(32))'"
BASE_URL_ADVICE = "set DIAGNOSTIC_BASE_URL to the https:// address people open, such as https://cpd.example.org"


DEFAULTS: dict[str, Any] = {
    "DATA": None,  # the data directory: DIAGNOSTIC_DATA, else ./instance (read when the app is built)
    # Unset: the TinyDB store under DATA. postgresql://user@host/db: the PostgreSQL store, which several app
    # servers can share (docs/operators-guide.md); its schema must be upgraded first (`diagnostic db upgrade`).
    "DATABASE_URL": None,
    "CHECK_SCHEMA": True,  # refuse to start on a database whose schema is behind; `diagnostic db` turns it off
    # A pairing run for at least this many submitted teachers goes to a background job that the page reports on,
    # so that no server's request timeout can cut it off (about 10 s of work on a 2-core machine).
    "BACKGROUND_FROM": 5000,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "MIN_GROUP_SIZE": 5,  # coordinators see no figures about a group smaller than this
    "BASE_URL": None,
    "PRODUCTION": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # a teacher may leave a page open for hours; the session bounds it
    # Pages send Referrer-Policy: no-referrer, so over HTTPS browsers post with no Referer for Flask-WTF's
    # strict check to compare and it would refuse every form; the session's token and SameSite cookies remain.
    "WTF_CSRF_SSL_STRICT": False,
    "TRUSTED_HOSTS": None,  # host names this site answers to; any other Host header gets a 400
    "PROXY_COUNT": 0,  # reverse proxies in front whose X-Forwarded-For and -Proto headers are believed
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": None,  # None: DATA/ratelimits.sqlite3, shared by every worker on DATA
    "RATELIMIT_SIGN_IN": "5 per minute; 30 per hour",  # failed staff sign-ins per client address
    "RATELIMIT_RESUME": "10 per minute",  # unrecognised private links per client address
    "RATELIMIT_JOIN": "30 per minute",  # unrecognised invitation links per client address
    # Responses started (only those actually made count). One address can be a whole staff room, or several
    # schools behind a local authority's gateway, starting together at a launch: 600 in 10 minutes lets three
    # large secondary schools through at once, and 3000 a day stays below MAX_DRAFTS_PER_COHORT, so a script
    # on one address cannot fill a cohort in a day.
    "RATELIMIT_START_ADDRESS": "600 per 10 minutes; 3000 per day",
    # Per invitation, from every address together: a 2000-teacher network starting in the same hour at a joint
    # training day passes with room to spare, while a flood from many addresses still takes hours.
    "RATELIMIT_START_INVITE": "3000 per hour",
    "MAX_DRAFTS_PER_COHORT": 5000,  # unfinished responses a cohort may hold before new starts wait; 0 or None: no cap
    # `purge-drafts` removes drafts untouched for more days than this: longer than a school summer holiday, so
    # a teacher who starts before one and finishes after it keeps their answers.
    "DRAFT_DAYS": 60,
}


def load(app: Flask, test_config: dict[str, Any] | None) -> Path:
    """Read the settings in order into `app.config`, check them, and return the data directory (made if new)."""
    app.config.from_mapping(DEFAULTS, DATA=os.environ.get("DIAGNOSTIC_DATA", "instance"))
    data_dir = Path((test_config or {}).get("DATA") or app.config["DATA"])
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    app.config.from_pyfile(str(data_dir.resolve() / "config.py"), silent=True)
    app.config.from_prefixed_env("DIAGNOSTIC")
    app.config.update(test_config or {})
    app.config["DATA"] = str(data_dir)
    check_settings(app)  # first: production never generates (or uses) a development key
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data_dir)
    apply_hosts_and_https(app)
    return data_dir


def _secret_key(data_dir: Path) -> str:
    """The data directory's generated key, created private to the user on first run."""
    path = data_dir / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def check_settings(app: Flask) -> None:
    """With PRODUCTION, refuse to start on settings that are unsafe there: RuntimeError naming each one."""
    if not app.config["PRODUCTION"]:
        return
    problems = _secret_key_problems(app) + _base_url_problems(app)
    if problems:
        raise RuntimeError("; ".join(problems))


def _secret_key_problems(app: Flask) -> list[str]:
    """Why SECRET_KEY cannot sign production sessions: missing, short, or the development key."""
    key = app.config.get("SECRET_KEY")
    if not key:
        return [f"production needs its own secret key: set DIAGNOSTIC_SECRET_KEY ({NEW_KEY}); the generated "
                "development key in the data directory is refused"]
    raw = key if isinstance(key, bytes) else str(key).encode()
    if len(raw) < MIN_KEY_BYTES:
        return [f"DIAGNOSTIC_SECRET_KEY is {len(raw)} bytes long, too short to keep sessions from being forged: "
                f"production needs at least {MIN_KEY_BYTES}; set DIAGNOSTIC_SECRET_KEY to a new key ({NEW_KEY})"]
    development = Path(app.config["DATA"]) / "secret_key"
    try:
        copied = raw.strip() == development.read_bytes().strip()
    except OSError:  # no development key (or none this user can read), so it cannot have been copied
        copied = False
    if copied:
        # Anyone who could read the data directory, or a backup of it, could sign sessions with it.
        return [f"DIAGNOSTIC_SECRET_KEY is the development key generated into {development}: production needs a "
                f"key of its own; set DIAGNOSTIC_SECRET_KEY to a new key ({NEW_KEY})"]
    return []


def _base_url_problems(app: Flask) -> list[str]:
    """Why BASE_URL cannot be the public address every link is built from: missing, or not plain https."""
    base = app.config.get("BASE_URL")
    if not base:
        return ["production needs its public address, which every link it shows is built from: " + BASE_URL_ADVICE]
    problem = base_url_problem(base)
    return [f"DIAGNOSTIC_BASE_URL {base!r} {problem}: {BASE_URL_ADVICE}"] if problem else []


def base_url_problem(base: object) -> str | None:
    """What stops `base` being the site's public https address (scheme, host, optional port and path), or None."""
    if not isinstance(base, str):
        return "is not text"
    if not base.isprintable() or " " in base:
        return "holds spaces or control characters"
    parts = urlsplit(base)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "has a port that is not a number"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an absolute http(s) address with a host name"
    if "?" in base or "#" in base:  # even an empty query or fragment would end up in front of every path
        return "has a query or a fragment (the part from ? or #), which links would carry"
    if parts.username is not None or parts.password is not None:
        return "holds a user name or password"
    if parts.scheme != "https":
        return "is not https (production marks cookies Secure and sends HSTS, so the site is reached over HTTPS)"
    return None


def apply_hosts_and_https(app: Flask) -> None:
    """Apply TRUSTED_HOSTS (in production BASE_URL's host if unset), PROXY_COUNT, and the HTTPS settings."""
    hosts = app.config["TRUSTED_HOSTS"]
    if isinstance(hosts, str):  # DIAGNOSTIC_TRUSTED_HOSTS=cpd.example.org,www.cpd.example.org
        app.config["TRUSTED_HOSTS"] = [host.strip() for host in hosts.split(",") if host.strip()]
    if app.config["PRODUCTION"] and not app.config["TRUSTED_HOSTS"]:
        # Answering any Host header would let a request for another site in; BASE_URL names this one.
        app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["BASE_URL"]).hostname]
    if app.config["PROXY_COUNT"]:
        # Behind a reverse proxy every request comes from the proxy: believe its headers for the client's
        # address (rate limits count per address) and scheme (https links), and only as many as there are.
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    if app.config["PRODUCTION"]:
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, PREFERRED_URL_SCHEME="https")
        if app.config["SESSION_COOKIE_SAMESITE"] not in ("Lax", "Strict"):
            app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
