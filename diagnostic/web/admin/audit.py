"""Admin: the audit log, newest first, filtered by cohort, person and kind of action, and as a CSV download."""

from __future__ import annotations

from flask import Response, render_template, request

from diagnostic.services import audit
from diagnostic.web.admin import bp
from diagnostic.web.pages import get_store

SHOWN = 500  # entries on the page; the download has every one that matches


def _filters() -> dict[str, str | None]:
    """The filters in the address (?cohort=...&actor=...&action=...), empty ones left out."""
    return {name: (request.args.get(name) or "").strip()[:200] or None for name in ("cohort", "actor", "action")}


@bp.get("/audit")
def audit_log():  # noqa: ANN201
    """Every change staff made and every sign-in, in plain words: who, what, which cohort and when."""
    store, filters = get_store(), _filters()
    found = audit.entries(store, **filters)
    names = {c["id"]: c["name"] for c in store.list_cohorts()}
    return render_template("admin/audit.html", entries=found[:SHOWN], total=len(found), filters=filters,
                           choices=audit.choices(store), kinds=audit.KINDS, names=names, shown=SHOWN)


@bp.get("/audit.csv")
def audit_csv():  # noqa: ANN201
    """The audit log (with the same filters) as CSV."""
    body = audit.as_csv(audit.entries(get_store(), **_filters()))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="audit-log.csv"', "Cache-Control": "no-store"})
