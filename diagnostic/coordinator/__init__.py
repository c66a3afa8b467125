"""The coordinator blueprint: the programme's menu, coaching partnerships and the network's expertise.

Access control arrives with accounts; the views are shaped for the coordinator
role, with the cohort named in the URL loaded in one place (`load_cohort`).
Each page's views live in their own module of this package.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from diagnostic.extensions import get_store

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


@bp.before_request
def load_cohort() -> None:
    """Load the cohort named in the URL (404 if unknown)."""
    cohort_id = (request.view_args or {}).get("cohort_id")
    if cohort_id is not None:
        g.cohort = get_store().get_cohort(cohort_id)
        if g.cohort is None:
            abort(404, "There is no cohort with that id. Pick one from the list of cohorts.")


@bp.get("/")
def cohorts():  # noqa: ANN201
    """Every cohort, with links to its menu settings, partnerships and expertise map."""
    return render_template("coordinator/cohorts.html", cohorts=get_store().list_cohorts())


# The views register themselves on `bp` when imported.
from diagnostic.coordinator import expertise, menu, pairing, specialists  # noqa: E402, F401
