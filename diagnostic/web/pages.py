"""Shared page helpers: error pages (every failure a user can cause gets a clear 4xx page, never a 500),
CSRF protection and security headers, the aria attributes of a form field, and the current app's store."""

from __future__ import annotations

import math

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, SecurityError
from wtforms import Field

from diagnostic.services.grouping import GroupingError
from diagnostic.services.journey import JourneyError
from diagnostic.storage.interface import Store, StoreError
from diagnostic.web import limits

TITLES = {
    400: "Something in that request was not right",
    403: "You cannot open this page",
    404: "Page not found",
    405: "That action is not allowed here",
    # Stale edits carry their own title ("These answers changed elsewhere"); any other conflict gets this one.
    409: "This cannot be done as things stand",
    410: "This questionnaire has closed",
    413: "Too much was sent",
    422: "Some answers need checking",
    429: "Too many attempts",
}
MESSAGES = {
    404: "Check the link you were sent. If you typed it, it may have a mistake.",
    413: "The page sent more than this questionnaire accepts. Shorten your longest answer and try again.",
}


def error_page(status: int, message: str | None = None, title: str | None = None):  # noqa: ANN201
    """Render the shared error page with a status code."""
    title = title or TITLES.get(status, "Something went wrong")
    return render_template("errors/error.html", title=title, message=message or MESSAGES.get(status),
                           status=status), status


def init_error_pages(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):  # noqa: ANN202
        return error_page(400, "This page had expired or was opened in another browser, so nothing was "
                               "saved from it. Go back, reload the page and try again.",
                          "Your answers were not sent")

    @app.errorhandler(429)
    def _too_many(exc: HTTPException):  # noqa: ANN202
        wait = limits.retry_after()
        minutes = math.ceil(wait / 60)
        page, status = error_page(429, "There were too many attempts from your network, so this is paused for "
                                       f"now. Nothing was changed. Try again in {minutes} "
                                       f"minute{'s' if minutes != 1 else ''}.")
        return page, status, {"Retry-After": str(wait)}

    @app.errorhandler(SecurityError)
    def _untrusted_host(exc: SecurityError):  # noqa: ANN202
        # The Host header is not in TRUSTED_HOSTS: no URL can be built for it, so no page with links.
        return "400 Bad Request: this site does not answer to that host name.\n", 400, {
            "Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # noqa: ANN202
        custom = exc.description != type(exc).description
        return error_page(exc.code or 500, exc.description if custom or exc.code not in MESSAGES else None)

    @app.errorhandler(JourneyError)
    def _journey(exc: JourneyError):  # noqa: ANN202
        return error_page(exc.status, str(exc), exc.title)

    @app.errorhandler(GroupingError)
    def _grouping(exc: GroupingError):  # noqa: ANN202
        return error_page(exc.status, str(exc), exc.title)

    @app.errorhandler(StoreError)
    def _store(exc: StoreError):  # noqa: ANN202
        app.logger.error("store problem: %s", exc)
        return error_page(503, "The answers store could not be read just now. Nothing was changed. "
                               "Please try again in a few minutes.", "Temporarily unavailable")


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


def init_headers(app: Flask) -> None:
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


def aria(field: Field, hint: str | None = None) -> dict[str, str | bool]:
    """Attributes that tie a control to its hint and error message, and mark it invalid when it has an error."""
    described = [hint] if hint else []
    if field.errors:
        described.append(f"{field.id}-error")
    return {"aria-describedby": " ".join(described) or False, "aria-invalid": "true" if field.errors else False}
