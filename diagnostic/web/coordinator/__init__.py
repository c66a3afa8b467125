"""The coordinator blueprint: the programme's menu, coaching partnerships and the network's expertise.

Who may open a view is decided once, in `load_cohort`: coordinators of the
cohort named in the URL, and admins. Coordinators see what forming partnerships
needs (names, schools, chosen focus, availability, willingness to coach,
confidence in the focus), never a teacher's beliefs or barriers answers.
Each page's views live in their own module of this package.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_login import current_user

from diagnostic.services import drafts
from diagnostic.services.accounts import can_see
from diagnostic.web.auth import require
from diagnostic.web.pages import get_store

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


@bp.before_request
def load_cohort() -> None:
    """Only coordinators (and admins) of this cohort get in; then load the cohort named in the URL (404 if unknown)."""
    require("coordinator", "admin")
    cohort_id = (request.view_args or {}).get("cohort_id")
    if cohort_id is not None:
        g.cohort = get_store().get_cohort(cohort_id)
        if g.cohort is None:
            abort(404, "There is no cohort with that id. Pick one from the list of cohorts.")


@bp.get("/")
def cohorts():  # noqa: ANN201
    """Every cohort, with how many drafts are open and were removed, and links to its menu, partnerships and map."""
    store, days = get_store(), current_app.config["DRAFT_DAYS"]
    cohorts = [c for c in store.list_cohorts() if can_see(current_user.record, c["id"])]
    return render_template("coordinator/cohorts.html", cohorts=cohorts,
                           unfinished={c["id"]: drafts.describe(drafts.figures(store, c, days)) for c in cohorts})

