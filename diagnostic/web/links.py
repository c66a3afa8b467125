"""Links the app shows people (invitations, private links): built from BASE_URL, not from the request's Host."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def public_url(endpoint: str, **values: Any) -> str:
    """The full address of a page on the public site: BASE_URL and its path, or in development this site's."""
    base = current_app.config.get("BASE_URL")
    if not base:
        # Development: the address the browser used, whatever its Host header said.
        return url_for(endpoint, _external=True, **values)
    # Only the path comes from Flask (with any script root the server gives the app); the scheme and host are the
    # operator's, so a request naming another host cannot put that host in a link someone is sent.
    return base.rstrip("/") + url_for(endpoint, **values)
