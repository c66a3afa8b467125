"""The specialist blueprint: a cohort's groups by starting point, how far to trust them, and who is in each.

Who may open them is decided in one place (the blueprint's `before_request`):
specialists assigned to the cohort named in the URL, and admins; a teacher's own
starting point (their answers) only the cohort's specialists. It also loads the
cohort.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, request

from diagnostic.web.auth import require
from diagnostic.web.pages import get_store

bp = Blueprint("specialist", __name__, url_prefix="/specialist")


# Pages with one teacher's own answers, and coaching logs (private to a partnership and its specialist): the
# specialists alone, so not even admins.
SPECIALISTS_ONLY = {"specialist.starting_point", "specialist.coaching", "specialist.specialist_log",
                    "specialist.specialist_log_entry"}


@bp.before_request
def load_cohort() -> None:
    """Only specialists (and admins) of this cohort get in; then load the cohort named in the URL (404 if unknown)."""
    require(*(("specialist",) if request.endpoint in SPECIALISTS_ONLY else ("specialist", "admin")))
    cohort_id = (request.view_args or {}).get("cohort_id")
    if cohort_id is not None:
        g.cohort = get_store().get_cohort(cohort_id)
        if g.cohort is None:
            abort(404, "There is no cohort with that id. Pick one from the list of cohorts.")
