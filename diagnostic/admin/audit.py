"""Admin: the audit log, newest first."""

from __future__ import annotations

from flask import render_template

from diagnostic.admin import bp
from diagnostic.extensions import get_store


@bp.get("/audit")
def audit_log():  # noqa: ANN201
    """Who signed in, changed an account, confirmed partnerships or erased a teacher's data, and when."""
    return render_template("admin/audit.html", entries=list(reversed(get_store().audit_log())))
