"""App-wide pieces: CSRF protection, security headers, and the store for the current app."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFProtect

from diagnostic.store import Store

csrf = CSRFProtect()

SECURITY_HEADERS = {
    # No inline script, no framing, forms post only to this site.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Resume links carry a secret: never send the current URL to another site.
    "Referrer-Policy": "no-referrer",
}
# In production only: browsers that have seen it use HTTPS for this site for a year, whatever link is opened.
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    """Attach CSRF protection and the security headers (HSTS too in production) to every response."""
    csrf.init_app(app)

    @app.after_request
    def _headers(response):  # noqa: ANN001, ANN202 - Flask hook
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # Pages and downloads (CSV, JSON) hold people's answers and names: no browser cache or proxy may keep a
        # copy. Only the stylesheet and images, which hold nothing private, may be cached.
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["PRODUCTION"]:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def get_store() -> Store:
    """The store of the app handling the current request or command."""
    return current_app.extensions["store"]
