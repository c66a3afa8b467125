"""Teacher page for peer assessment: in a later cycle, say how far a partner has got towards their goal.

Registered on the teacher blueprint (so `load_response` has put the teacher's first response in `g`). Only the
partner assessed (and the specialists) read what is written here; a teacher outside the partnership gets 404.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice

from diagnostic.services import agreements, coaching_log, peer_assessment
from diagnostic.storage.interface import Record
from diagnostic.web.pages import aria, get_store
from diagnostic.web.teacher import bp

SAVED = "Saved. Your partner can read what you saw on their partner page."
STALE = ("You saved this assessment again in another tab after this page was opened, so this copy was not "
         "saved. What is saved now is below; change it if you want to.")


class AssessForm(FlaskForm):
    """The assessment; the service checks each answer (and names the field), the form brings CSRF."""

    assessed = HiddenField()
    scale = RadioField("How far has your partner got towards their goal?", coerce=int, validate_choice=False,
                       choices=[SelectChoice(v, label) for v, label in peer_assessment.SCALE.items()])
    evidence = TextAreaField("What did you see that tells you this?")
    revision = HiddenField()


@bp.route("/questionnaire/assess/<partnership_id>", methods=["GET", "POST"])
def assess(partnership_id: str):  # noqa: ANN201
    """Say how far my partner has got towards the goal in our agreement, and what I saw; change it later."""
    store, me = get_store(), g.response["id"]
    partnership = peer_assessment.partnership_for(store, g.cohort, partnership_id, me)
    form = AssessForm()
    assessed = (form.assessed.data if form.is_submitted() else request.args.get("partner")) or next(
        iter(peer_assessment.partners(partnership, me)), "")
    peer_assessment.check_assessed(partnership, me, assessed)
    cycle = peer_assessment.open_cycle(g.cohort)
    before = peer_assessment.saved(partnership, cycle, me, assessed)
    if not form.is_submitted():
        _fill(form, assessed, before)
        return _page(partnership, form, assessed, before, [])
    form.validate()
    if form.csrf_token.errors:
        abort(400)
    chosen = request.form.getlist("entries")
    try:
        peer_assessment.save(store, g.cohort, partnership_id, me, assessed, form.scale.data, form.evidence.data or "",
                             chosen, _revision(form))
    except peer_assessment.BadAssessment as exc:
        return _page(partnership, form, assessed, before, chosen, errors=[(str(exc), exc.field)], status=422)
    except peer_assessment.StaleAssessment as exc:
        latest = AssessForm(formdata=None)
        _fill(latest, assessed, exc.latest)
        return _page(partnership, latest, assessed, exc.latest, exc.latest.get("entries", []),
                     message=STALE, status=409)
    flash(SAVED)
    return redirect(url_for(".partner"))


def _fill(form: AssessForm, assessed: str, saved: Record | None) -> None:
    form.assessed.data, form.revision.data = assessed, str((saved or {}).get("revision", 0))
    form.scale.data, form.evidence.data = (saved or {}).get("scale"), (saved or {}).get("evidence", "")


def _revision(form: AssessForm) -> int:
    """The revision the page was opened at (a missing or garbled one is a bad request)."""
    try:
        return int(form.revision.data)
    except (TypeError, ValueError):
        abort(400, "The form was sent without a valid revision number.")


def _page(partnership: Record, form: AssessForm, assessed: str, saved: Record | None, chosen: list[str],
          errors: list | None = None, message: str | None = None, status: int = 200):  # noqa: ANN202
    store = get_store()
    people = agreements.members(store, g.cohort, partnership, g.response["id"])
    log = [{"id": e["id"], "label": peer_assessment.entry_label(e)}
           for e in coaching_log.entries(store, g.cohort, partnership["id"])]
    return render_template(
        "teacher/assess.html", partnership=partnership, form=form, kind=agreements.kind(partnership),
        partner=next(p for p in people if p["id"] == assessed), log=log, chosen=set(chosen or (saved or {}).get(
            "entries", [])), agreed=((partnership.get("agreement") or {}).get("answers") or {}).get("goals", ""),
        errors=errors or [], message=message, saved=saved, limit=peer_assessment.EVIDENCE_LIMIT, aria=aria,
    ), status


def peer_block(partnership: Record) -> Record | None:
    """What the partner page shows about peer assessment for one partnership, or None when it does not apply.

    Which partners this teacher can assess now (and whether they have), and what partners said about them.
    """
    store, me = get_store(), g.response["id"]
    if partnership["mode"] not in peer_assessment.MODES:
        return None
    try:
        cycle = peer_assessment.open_cycle(g.cohort)
    except (peer_assessment.NoLaterCycle, peer_assessment.CycleClosed):
        cycle = None
    names = {p["id"]: p["name"] for p in agreements.members(store, g.cohort, partnership, me)}
    to_assess = [{"id": m, "name": names.get(m, "Your partner"),
                  "done": peer_assessment.saved(partnership, cycle, me, m) is not None}
                 for m in peer_assessment.partners(partnership, me)] if cycle else []
    said = [a for a in peer_assessment.about(store, g.cohort, me) if a["partnership"] == partnership["id"]]
    if not to_assess and not said:
        return None
    return {"to_assess": to_assess, "said": said,
            "mine": peer_assessment.self_assessment(store, g.cohort, g.response) if said else None}
