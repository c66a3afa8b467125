"""The admin blueprint: staff accounts, cohorts, definitions, erasing a teacher's data, the audit log.

Only admins may open it (checked once, in `before_request`). Each page's views
live in their own module of this package.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from diagnostic.web.auth import require
from diagnostic.web.pages import get_store

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only() -> None:
    """Every admin page is for admins only."""
    require("admin")


@bp.get("/")
def home():  # noqa: ANN201
    """What an admin can do, with the cohorts and accounts at a glance."""
    store = get_store()
    return render_template("admin/home.html", cohorts=store.list_cohorts(), users=store.list_users())

