"""The teacher blueprint: the questionnaire, the menu of learning focuses, a teacher's partnership and data.

A teacher has no account: their private resume link (a token) puts a reference to their response in the
session, and every page but the invitation and the private link works on that (checked once, in
`load_response`). Each page's views live in their own module of this package.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request, session

from diagnostic.services.cohorts import is_closed, published_definition
from diagnostic.services.cycles import current, cycle_of, is_open, later_response
from diagnostic.services.journey import session_matches
from diagnostic.web.pages import get_store

bp = Blueprint("teacher", __name__)
PUBLIC = {"teacher.join", "teacher.resume"}
# The questionnaire and the choice of focus close on the cohort's closing date; a teacher's own data,
# summary and partnership pages stay open.
QUESTIONNAIRE = {"teacher.current", "teacher.page", "teacher.review", "teacher.submit_response",
                 "teacher.learning_menu"}
# The pages that answer a questionnaire: in a later cycle, that cycle's.
CYCLE_PAGES = {"teacher.current", "teacher.page", "teacher.review", "teacher.submit_response"}
NO_SESSION = ("Open the private link you were given when you started (or your invitation link) "
              "to carry on with your questionnaire.")


def home():  # noqa: ANN201
    """The front page: what this is, and that teachers arrive through an invitation."""
    return render_template("home.html")


@bp.before_request
def load_response() -> None:
    """Every questionnaire page needs the response this browser opened with a private link."""
    if request.endpoint in PUBLIC:
        return
    ref = session.get("response")
    store = get_store()
    well_formed = isinstance(ref, list) and len(ref) == 3 and all(isinstance(part, str) for part in ref)
    cohort, record = store.get_cohort_and_response(ref[0], ref[1]) if well_formed else (None, None)
    if record is None or not session_matches(record, ref[2]):
        session.pop("response", None)
        abort(403, NO_SESSION)
    if request.endpoint in CYCLE_PAGES:
        # The questionnaire pages work on the teacher's answers of the latest cycle once they have begun it;
        # their summary, focus, partnership and data pages stay on their first response, which is who they are.
        record = later_response(store, cohort, record) or record
    g.cohort, g.response = cohort, record
    g.definition = published_definition(store, record["form_id"], record["form_version"])
    if request.endpoint in QUESTIONNAIRE and (record["status"] == "draft" or request.method == "POST"):
        # A browser may have held a draft since before the closing date (or the end of its cycle): no answer or
        # choice is taken after it.
        kept = " Your submitted answers and summary are kept." if record["status"] == "submitted" else ""
        if is_closed(cohort):
            abort(410, f"The questionnaire for {cohort['name']} closed on {cohort['closes_on']}, so nothing more "
                       f"can be saved.{kept}")
        # A questionnaire page answers its own cycle; the menu of focuses belongs to the cohort's latest cycle,
        # so a teacher re-paired for cycle 2 can choose again while it is open.
        answering = cycle_of(record) if request.endpoint in CYCLE_PAGES else current(cohort)["number"]
        if not is_open(cohort, answering):
            abort(410, f"This round of the questionnaire for {cohort['name']} has closed, so nothing more can be "
                       f"saved.{kept}")
