"""Starting Points: the Flask application for the starting-point diagnostic."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from diagnostic import links, production
from diagnostic.store import Store

PACKAGE = Path(__file__).parent


def _template_folder() -> Path:
    # In a source checkout templates/ sits beside the package; an installed
    # wheel carries it inside the package (see pyproject.toml).
    inside = PACKAGE / "templates"
    return inside if inside.is_dir() else PACKAGE.parent / "templates"


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


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then DATA/config.py, then DIAGNOSTIC_* variables, then `test_config`."""
    app = Flask(__name__, template_folder=str(_template_folder()))
    app.config.from_mapping(
        DATA=os.environ.get("DIAGNOSTIC_DATA", "instance"),
        MAX_CONTENT_LENGTH=256 * 1024,
        MIN_GROUP_SIZE=5,  # coordinators see no figures about a group smaller than this
        BASE_URL=None,
        PRODUCTION=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a teacher may leave a page open for hours; the session bounds it
        # Pages send Referrer-Policy: no-referrer, so over HTTPS browsers post with no Referer for Flask-WTF's
        # strict check to compare and it would refuse every form; the session's token and SameSite cookies remain.
        WTF_CSRF_SSL_STRICT=False,
        TRUSTED_HOSTS=None,  # host names this site answers to; any other Host header gets a 400
        PROXY_COUNT=0,  # reverse proxies in front whose X-Forwarded-For and -Proto headers are believed
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=None,  # None: DATA/ratelimits.sqlite3, shared by every worker on DATA
        RATELIMIT_SIGN_IN="5 per minute; 30 per hour",  # failed staff sign-ins per client address
        RATELIMIT_RESUME="10 per minute",  # unrecognised private links per client address
        RATELIMIT_JOIN="30 per minute",  # unrecognised invitation links per client address
        # Responses started (only those actually made count). One address can be a whole staff room, or several
        # schools behind a local authority's gateway, starting together at a launch: 600 in 10 minutes lets three
        # large secondary schools through at once, and 3000 a day stays below MAX_DRAFTS_PER_COHORT, so a script
        # on one address cannot fill a cohort in a day.
        RATELIMIT_START_ADDRESS="600 per 10 minutes; 3000 per day",
        # Per invitation, from every address together: a 2000-teacher network starting in the same hour at a joint
        # training day passes with room to spare, while a flood from many addresses still takes hours.
        RATELIMIT_START_INVITE="3000 per hour",
        MAX_DRAFTS_PER_COHORT=5000,  # unfinished responses a cohort may hold before new starts wait; 0 or None: no cap
        # `purge-drafts` removes drafts untouched for more days than this: longer than a school summer holiday, so
        # a teacher who starts before one and finishes after it keeps their answers.
        DRAFT_DAYS=60,
    )
    data_dir = Path((test_config or {}).get("DATA") or app.config["DATA"])
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    app.config.from_pyfile(str(data_dir.resolve() / "config.py"), silent=True)
    app.config.from_prefixed_env("DIAGNOSTIC")
    app.config.update(test_config or {})
    app.config["DATA"] = str(data_dir)
    production.check_settings(app)  # first: production never generates (or uses) a development key
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data_dir)

    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["public_url"] = links.public_url  # every link a page shows for people to use elsewhere
    app.extensions["store"] = Store(data_dir)

    from diagnostic import admin, auth, coordinator, errors, extensions, limits, specialist, teacher

    production.init_app(app)
    extensions.init_app(app)
    limits.init_app(app)
    errors.init_app(app)
    auth.login_manager.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(teacher.bp)
    app.register_blueprint(specialist.bp)
    app.register_blueprint(coordinator.bp)
    app.register_blueprint(admin.bp)
    app.add_url_rule("/", "home", teacher.home)

    @app.context_processor
    def _staff_home() -> dict[str, str]:
        from flask_login import current_user

        role = current_user.role if current_user and current_user.is_authenticated else None
        return {"staff_home": auth.HOMES.get(role, "home")}
    return app
