"""Coordinator action: in a later cycle, keep the partnerships formed before it, or re-pair everyone anew.

Shown on the partnerships page of each mode while the cohort's latest cycle is later than the one its
partnerships were formed in. Re-pairing undoes them and rules out each pair of previous partners, so the next
proposal puts everyone with someone new (the coordinator can allow a pair again from the same page).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from diagnostic.engines.pairing import PairingError
from diagnostic.services import cycles, partnerships
from diagnostic.web.coordinator import bp
from diagnostic.web.pages import get_store

CHOICES = [SelectChoice("keep", "Keep them: partners carry on together, with their agreement and coaching log"),
           SelectChoice("repair", "Re-pair everyone with someone new: undo them and rule out each previous pair")]


class NextCycleForm(FlaskForm):
    """Keep the earlier partnerships for this cycle, or re-pair avoiding previous partners."""

    cycle_choice = RadioField("For this cycle", choices=CHOICES, validators=[InputRequired("Choose keep or re-pair.")])


@bp.post("/cohorts/<cohort_id>/partnerships/<mode>/next-cycle")
def next_cycle(cohort_id: str, mode: str):  # noqa: ANN201
    """Keep or re-pair the mode's partnerships from before the cohort's latest cycle."""
    form = NextCycleForm()
    if not form.validate_on_submit():
        abort(400, "Choose whether to keep the partnerships or re-pair, and send the form from the partnerships page.")
    try:
        done = partnerships.next_cycle(get_store(), g.cohort, mode, keep=form.cycle_choice.data == "keep",
                                       actor=current_user.email)
    except PairingError as exc:
        abort(409, f"{str(exc)[:1].upper()}{str(exc)[1:]}: they may have been kept or re-paired in another tab.")
    number = cycles.current(g.cohort)["number"]
    if form.cycle_choice.data == "keep":
        flash(f"Kept {len(done)} partnership{'s' if len(done) != 1 else ''} for cycle {number}.")
    else:
        flash(f"Undid {len(done)} partnership{'s' if len(done) != 1 else ''} and ruled out each pair of previous "
              f"partners. Propose partnerships below to pair everyone for cycle {number}.")
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode))
