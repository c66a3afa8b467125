"""`/healthz`: whether this app server can reach its store, for a load balancer deciding where to send people."""

from __future__ import annotations

from flask import current_app

from diagnostic.storage.interface import StoreError
from diagnostic.web.pages import get_store


def healthz():  # noqa: ANN201
    """200 while the store answers; 503 (and why, in the server's log only) when it does not."""
    try:
        get_store().ping()
    except StoreError as exc:
        current_app.logger.error("health check: %s", exc)
        return {"store": "unavailable"}, 503
    return {"store": "ok"}
