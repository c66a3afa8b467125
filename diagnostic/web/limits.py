"""Rate limits on the pages a guesser would use (staff sign-in, teachers' private links and invitations), and
on starting responses, which anyone holding an invitation link can do.

Flask-Limiter counts failed attempts per client address, and responses started per client address and per
invitation. By default the counts live in one SQLite file in the data directory (`storage.ratelimits`), so
every gunicorn worker on that directory shares them with no extra server; `RATELIMIT_STORAGE_URI` (for
example `redis://localhost:6379`) keeps them elsewhere instead.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from diagnostic.storage.ratelimits import COUNTS_FILE, storage_uri

# One limiter per process, initialised by each app (Flask-Limiter's app-factory pattern). The file storage
# counts fixed windows; a broken counter store is logged and must not take sign-in down with it.
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window", swallow_errors=True)


def init_app(app: Flask) -> None:
    """Start the limiter, counting in DATA/ratelimits.sqlite3 unless RATELIMIT_STORAGE_URI names a store."""
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = storage_uri(Path(app.config["DATA"]) / COUNTS_FILE)
    limiter.init_app(app)


def limit_failures(setting: str, status: int, methods: list[str] | None = None) -> Callable:
    """Decorate a view: per client address, allow `app.config[setting]` responses with `status`, then refuse.

    Only failures count (a wrong password, an unknown link), so a school full of teachers behind one
    address is never slowed down; once the failures reach the limit, every request is refused with 429
    until the window ends, the right password or link included.
    """
    return limiter.limit(lambda: current_app.config[setting], methods=methods,
                         deduct_when=lambda response: response.status_code == status)


def limit_starts(setting: str, per: str = "address") -> Callable:
    """Decorate a view: per client address (or per invitation), allow `app.config[setting]` POSTs that succeed.

    Success is a redirect (a response was started), so a form sent back with a mistake never counts. Each
    kind of count has its own scope, apart from the failures `limit_failures` counts on the same view.
    """
    key_func = invitation_key if per == "invitation" else get_remote_address
    return limiter.limit(lambda: current_app.config[setting], key_func=key_func, scope=f"starts-per-{per}",
                         methods=["POST"], deduct_when=lambda response: 300 <= response.status_code < 400)


def invitation_key() -> str:
    """The invitation code in the URL, hashed: the counts file, left out of backups, need not hold a way in."""
    return hashlib.sha256((request.view_args or {}).get("invite", "").encode()).hexdigest()


def retry_after() -> int:
    """Seconds until the limit the current request broke lets its address try again."""
    broken = limiter.current_limit
    if broken is None:
        return 60
    return max(1, math.ceil(broken.window.reset_time - time.time()))
