"""Specialist pages for the coaching logs of the partnerships they lead: read them, write, change their own entries.

Registered on the specialist blueprint, whose `before_request` lets in only specialist accounts of the cohort
(not admins: the log is private to the partnership and its specialist). A partnership counts as theirs only when
its lead, a specialist on the cohort's list, is linked to the signed-in account; any other partnership is a 404,
even for another specialist of the cohort, so its existence is not given away.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from diagnostic.services import coaching_log, specialist_accounts
from diagnostic.web.log_entries import entry_errors, filled
from diagnostic.web.pages import aria, get_store
from diagnostic.web.specialist import bp

LIMIT = coaching_log.TEXT_LIMIT
TOO_LONG = f"Keep it to {LIMIT} characters."
OBSERVED = coaching_log.KINDS["observation"][1]
FIELDS = ("notes", *OBSERVED)
GONE = "There is no coaching log of yours at this address. Open it from your list of partnerships you coach."


class SpecialistEntryForm(FlaskForm):
    """One observation or feedback entry; the service keeps only the fields its kind asks for."""

    kind = RadioField("Kind of entry", choices=[SelectChoice(k, coaching_log.KINDS[k][0])
                                                for k in coaching_log.SPECIALIST_KINDS],
                      validators=[InputRequired("Choose what kind of entry this is.")])
    on = DateField("Date", validators=[InputRequired("Give the date it happened, for example 2026-11-24.")])
    notes = TextAreaField("Notes (feedback conversation)", validators=[Length(max=LIMIT, message=TOO_LONG)])
    strategy = TextAreaField(OBSERVED["strategy"], validators=[Length(max=LIMIT, message=TOO_LONG)])
    pupils = TextAreaField(OBSERVED["pupils"], validators=[Length(max=LIMIT, message=TOO_LONG)])
    prior_knowledge = TextAreaField(OBSERVED["prior_knowledge"], validators=[Length(max=LIMIT, message=TOO_LONG)])
    revision = HiddenField()


def _led(partnership_id: str) -> tuple[dict, dict]:
    found = specialist_accounts.find_led(get_store(), g.cohort, current_user.record["id"], partnership_id)
    if found is None:
        abort(404, GONE)
    return found


def _fields(form: SpecialistEntryForm, kind: str) -> dict[str, str]:
    asked = coaching_log.KINDS.get(kind, ("", {}))[1]
    return {name: form[name].data or "" for name in FIELDS if name in asked}


def _entry(partnership: dict, entry_id: str) -> dict | None:
    return next((e for e in coaching_log.entries(get_store(), g.cohort, partnership["id"]) if e["id"] == entry_id),
                None)


@bp.get("/cohorts/<cohort_id>/coaching")
def coaching(cohort_id: str):  # noqa: ANN201
    """The confirmed specialist-coaching partnerships this account leads, with how much each log holds."""
    store = get_store()
    led = specialist_accounts.led_by(store, g.cohort, current_user.record["id"])
    counts = {p["id"]: len(store.log_entries(g.cohort["id"], p["id"])) for p, _ in led}
    return render_template("specialist/coaching.html", cohort=g.cohort, led=led, counts=counts,
                           linked=bool(specialist_accounts.linked_to(g.cohort, current_user.record["id"])))


@bp.route("/cohorts/<cohort_id>/coaching/<partnership_id>", methods=["GET", "POST"])
def specialist_log(cohort_id: str, partnership_id: str):  # noqa: ANN201
    """A partnership's coaching log, the latest entry first, and a form to write an observation or feedback."""
    partnership, listed = _led(partnership_id)
    form = SpecialistEntryForm()
    if form.validate_on_submit():
        try:
            coaching_log.add_entry(get_store(), g.cohort, partnership, specialist_accounts.author(listed),
                                   form.kind.data, form.on.data, _fields(form, form.kind.data))
        except coaching_log.LogError as exc:
            return _log_page(partnership, listed, form, problem=str(exc), status=422)
        flash("Saved in the coaching log. The teachers in this partnership see it there too.")
        return redirect(url_for(".specialist_log", cohort_id=cohort_id, partnership_id=partnership_id))
    if not form.is_submitted():
        form.on.data = date.today()
    return _log_page(partnership, listed, form, status=422 if form.errors else 200)


@bp.route("/cohorts/<cohort_id>/coaching/<partnership_id>/<entry_id>", methods=["GET", "POST"])
def specialist_log_entry(cohort_id: str, partnership_id: str, entry_id: str):  # noqa: ANN201
    """Change an entry one wrote; a copy older than the last change is refused (409), showing the latest."""
    partnership, listed = _led(partnership_id)
    entry = _entry(partnership, entry_id)
    if entry is None or entry["author"]["id"] != listed["id"] or entry["author"]["role"] != "specialist":
        abort(404, "There is no entry of yours at this address. Open the coaching log from your list.")
    form = SpecialistEntryForm()
    if form.validate_on_submit():
        try:
            revision = int(form.revision.data or "")
        except ValueError:
            abort(400, "The form was sent without a valid revision number.")
        try:
            coaching_log.edit_entry(get_store(), g.cohort, entry_id, specialist_accounts.author(listed), revision,
                                    form.on.data, _fields(form, entry["kind"]))
        except coaching_log.StaleEntry as exc:
            latest = _entry(partnership, entry_id)
            return _entry_page(partnership, latest, filled(SpecialistEntryForm, latest), problem=str(exc), status=409)
        except coaching_log.LogError as exc:
            return _entry_page(partnership, entry, form, problem=str(exc), status=422)
        flash("Your entry is changed.")
        return redirect(url_for(".specialist_log", cohort_id=cohort_id, partnership_id=partnership_id))
    if not form.is_submitted():
        form = filled(SpecialistEntryForm, entry)
    return _entry_page(partnership, entry, form, status=422 if form.errors else 200)


def _log_page(partnership: dict, listed: dict, form: SpecialistEntryForm, problem: str | None = None,  # noqa: ANN202
              status: int = 200):
    entries = coaching_log.entries(get_store(), g.cohort, partnership["id"])
    return render_template("specialist/coaching_log.html", cohort=g.cohort, partnership=partnership, listed=listed,
                           teachers=partnership.get("names", [])[1:], entries=entries, kinds=coaching_log.KINDS,
                           form=form, errors=entry_errors(form, problem), aria=aria), status


def _entry_page(partnership: dict, entry: dict, form: SpecialistEntryForm, problem: str | None = None,  # noqa: ANN202
                status: int = 200):
    return render_template("specialist/coaching_entry.html", cohort=g.cohort, partnership=partnership, entry=entry,
                           kinds=coaching_log.KINDS, form=form, errors=entry_errors(form, problem), aria=aria), status
