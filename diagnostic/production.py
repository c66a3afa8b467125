"""Production: the host, proxy and HTTPS-only settings, and serving the app with gunicorn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

MIN_KEY_BYTES = 32  # as many random bytes as secrets.token_hex(32) gives, so a key cannot be guessed
NEW_KEY = "generate one with python3 -c 'import secrets; print(secrets.token_hex(32))'"


def check_settings(app: Flask) -> None:
    """With PRODUCTION, refuse to start on settings that are unsafe there: RuntimeError naming each one."""
    if not app.config["PRODUCTION"]:
        return
    problems = _secret_key_problems(app)
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


def init_app(app: Flask) -> None:
    """Apply TRUSTED_HOSTS and PROXY_COUNT, and with PRODUCTION the cookie and URL settings HTTPS needs."""
    hosts = app.config["TRUSTED_HOSTS"]
    if isinstance(hosts, str):  # DIAGNOSTIC_TRUSTED_HOSTS=cpd.example.org,www.cpd.example.org
        app.config["TRUSTED_HOSTS"] = [host.strip() for host in hosts.split(",") if host.strip()]
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
