"""Production: the settings it refuses to start without, the host, proxy and HTTPS-only settings, and gunicorn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

MIN_KEY_BYTES = 32  # shorter keys can be guessed; secrets.token_hex(32) gives 64 (32 random bytes, in hex)
NEW_KEY = "generate one with python3 -c 'import secrets; print(secrets.token_hex(32))'"
BASE_URL_ADVICE = "set DIAGNOSTIC_BASE_URL to the https:// address people open, such as https://cpd.example.org"


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


def init_app(app: Flask) -> None:
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


def gunicorn_settings(host: str, port: int, workers: int) -> dict[str, object]:
    """The gunicorn settings `serve` uses: the address, the number of worker processes, and no extras."""
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "proc_name": "starting-points",
        # gunicorn would otherwise open a control socket in $XDG_RUNTIME_DIR or ~/.gunicorn, one path
        # shared by every gunicorn of the user. No access log either: private links are in the URLs.
        "control_socket_disable": True,
        "accesslog": None,
    }


def serve(factory: Callable[[], Flask], host: str, port: int, workers: int) -> None:
    """Run gunicorn until it is stopped: `workers` processes, each building its own app with `factory`."""
    # Imported here: gunicorn runs only on Unix, and only this command needs it.
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for name, value in gunicorn_settings(host, port, workers).items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return factory()

    Server().run()
