"""Coordinator actions for partnerships that may need attention: how soon a quiet log counts, and re-pairing.

The list itself is a section of the partnerships page (diagnostic/web/coordinator/partnerships.py reads it from
`services.partnership_health`). Re-pairing asks first, on a page of its own, then undoes the partnership, rules
its members out as partners and proposes the mode again for everyone waiting; confirmed partnerships stay.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired

from diagnostic.engines.pairing import PairingError
from diagnostic.services import partnership_health, partnerships
from diagnostic.web.coordinator import bp
from diagnostic.web.coordinator.partnerships import TITLES, page_with_errors, together
from diagnostic.web.pages import get_store

LOW, HIGH = partnership_health.QUIET_WEEKS_RANGE
WEEKS = f"Weeks without a coaching log entry: choose a whole number from {LOW} to {HIGH}."


class QuietWeeksForm(FlaskForm):
    """After how many weeks without a log entry a partnership is listed (checked again in the service)."""

    quiet_weeks = IntegerField("Weeks without a coaching log entry", validators=[InputRequired(WEEKS)])


@bp.post("/cohorts/<cohort_id>/partnerships/<mode>/quiet-weeks")
def quiet_weeks(cohort_id: str, mode: str):  # noqa: ANN201
    """Set, for the whole cohort, after how many quiet weeks a partnership is listed as needing attention."""
    form = QuietWeeksForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return page_with_errors(mode, [(WEEKS, "quiet-weeks")], 422)
    try:
        partnership_health.set_quiet_weeks(get_store(), g.cohort, form.quiet_weeks.data, actor=current_user.email)
    except partnership_health.BadAnswer as exc:
        return page_with_errors(mode, [(str(exc), "quiet-weeks")], 422)
    weeks = form.quiet_weeks.data
    flash(f"Partnerships are now listed as quiet after {weeks} week{'s' if weeks != 1 else ''} without a coaching "
          "log entry.")
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode, _anchor="attention"))


class RepairForm(FlaskForm):
    """Re-pair one partnership: only the question page sends `sure=yes`, so nothing happens in one click."""

    sure = HiddenField("Sure")


def _standing(mode: str, partnership_id: str) -> dict:
    """The confirmed partnership of this mode named in the address, or 404."""
    found = next((p for p in partnerships.confirmed(get_store(), g.cohort)
                  if p["id"] == partnership_id and p["mode"] == mode), None)
    if found is None:
        abort(404, f"There is no confirmed {TITLES[mode].lower()} partnership with that id in this cohort: it may "
                   "have been undone already. Go back to the partnerships page.")
    return found


@bp.route("/cohorts/<cohort_id>/partnerships/<mode>/repair/<partnership_id>", methods=["GET", "POST"])
def repair_partnership(cohort_id: str, mode: str, partnership_id: str):  # noqa: ANN201
    """Ask first (GET), then (POST) undo this partnership, rule its members out together and propose again."""
    found = _standing(mode, partnership_id)
    form = RepairForm()
    if form.is_submitted() and not form.validate():
        abort(400)
    if not form.is_submitted() or form.sure.data != "yes":
        flagged = next((f for f in partnership_health.needing_attention(get_store(), g.cohort, mode)
                        if f["id"] == found["id"]), None)
        return render_template("coordinator/repair_confirm.html", cohort=g.cohort, mode=mode, title=TITLES[mode],
                               partnership=found, together=together, flagged=flagged)
    try:
        done = partnership_health.repair(get_store(), g.cohort, found["id"], actor=current_user.email)
    except PairingError as exc:
        abort(409, str(exc))
    names = together(found["names"])
    proposed = (f"The {TITLES[mode].lower()} partnerships were proposed again for everyone waiting; every other "
                "confirmed partnership is unchanged. Check the proposal below, then confirm it."
                if done["proposal"] else f"The partnerships could not be proposed again yet: {done['problem']}.")
    flash(f"Undid the partnership of {names} and ruled them out as partners (you can allow it again under "
          f"“Pairs you ruled out”). {proposed}")
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode, _anchor="proposal"))
