"""Production: the host, proxy and HTTPS-only settings, and serving the app with gunicorn."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


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
