"""App-wide error pages: every failure a user can cause gets a clear 4xx page, never a 500."""

from __future__ import annotations

import math

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from diagnostic import limits
from diagnostic.grouping import GroupingError
from diagnostic.journey import JourneyError
from diagnostic.store import StoreError

TITLES = {
    400: "Something in that request was not right",
    403: "You cannot open this page",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "These answers changed elsewhere",
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


def init_app(app: Flask) -> None:
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
        return error_page(exc.status, str(exc), getattr(exc, "title", None))

    @app.errorhandler(GroupingError)
    def _grouping(exc: GroupingError):  # noqa: ANN202
        return error_page(exc.status, str(exc))

    @app.errorhandler(StoreError)
    def _store(exc: StoreError):  # noqa: ANN202
        app.logger.error("store problem: %s", exc)
        return error_page(503, "The answers store could not be read just now. Nothing was changed. "
                               "Please try again in a few minutes.", "Temporarily unavailable")
