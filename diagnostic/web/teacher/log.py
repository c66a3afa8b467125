"""Teacher pages for a partnership's coaching log: read it, write an entry, change one's own.

Registered on the teacher blueprint (so `load_response` has put the teacher's first response in `g`); a
teacher outside the partnership gets 404 for its log, as for its agreement.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from diagnostic.services import agreements, coaching_log
from diagnostic.services.partnerships import display_name
from diagnostic.web.log_entries import entry_errors, filled
from diagnostic.web.pages import aria, get_store
from diagnostic.web.teacher import bp

LIMIT = coaching_log.TEXT_LIMIT
TOO_LONG = f"Keep it to {LIMIT} characters."
FIELDS = ("notes", "strategy", "pupils", "prior_knowledge")


class EntryForm(FlaskForm):
    """One entry; which text fields count depends on its kind (the service keeps only those)."""

    kind = RadioField("Kind of entry", choices=[SelectChoice(k, title) for k, (title, _) in coaching_log.KINDS.items()],
                      validators=[InputRequired("Choose what kind of entry this is.")])
    on = DateField("Date", validators=[InputRequired("Give the date it happened, for example 2026-11-24.")])
    notes = TextAreaField("Notes (planning, feedback or review)", validators=[Length(max=LIMIT, message=TOO_LONG)])
    strategy = TextAreaField(coaching_log.KINDS["observation"][1]["strategy"],
                             validators=[Length(max=LIMIT, message=TOO_LONG)])
    pupils = TextAreaField(coaching_log.KINDS["observation"][1]["pupils"],
                           validators=[Length(max=LIMIT, message=TOO_LONG)])
    prior_knowledge = TextAreaField(coaching_log.KINDS["observation"][1]["prior_knowledge"],
                                    validators=[Length(max=LIMIT, message=TOO_LONG)])
    revision = HiddenField()


def _partnership(partnership_id: str) -> dict:
    return agreements.find(get_store(), g.cohort, partnership_id, g.response["id"])


def _author() -> dict:
    # load_response read the teacher's first response and its questionnaire (log pages are not cycle pages).
    return {"id": g.response["id"], "name": display_name(g.definition, g.response), "role": "teacher"}


def _fields(form: EntryForm, kind: str) -> dict[str, str]:
    asked = coaching_log.KINDS.get(kind, ("", {}))[1]
    return {name: form[name].data or "" for name in FIELDS if name in asked}


@bp.route("/questionnaire/log/<partnership_id>", methods=["GET", "POST"])
def coaching_log_page(partnership_id: str):  # noqa: ANN201
    """Our coaching log, the latest entry first, and a form to write a new one."""
    partnership = _partnership(partnership_id)
    form = EntryForm()
    if form.validate_on_submit():
        try:
            coaching_log.add_entry(get_store(), g.cohort, partnership, _author(), form.kind.data, form.on.data,
                                   _fields(form, form.kind.data))
        except coaching_log.LogError as exc:
            return _log_page(partnership, form, problem=str(exc), status=422)
        flash("Saved in your coaching log. Your partner sees it there too.")
        return redirect(url_for(".coaching_log_page", partnership_id=partnership_id))
    if not form.is_submitted():
        form.on.data = date.today()
    return _log_page(partnership, form, status=422 if form.errors else 200)


@bp.route("/questionnaire/log/<partnership_id>/<entry_id>", methods=["GET", "POST"])
def log_entry(partnership_id: str, entry_id: str):  # noqa: ANN201
    """Change an entry one wrote; a copy older than the last change is refused, showing the latest."""
    partnership = _partnership(partnership_id)
    store = get_store()
    entry = next((e for e in coaching_log.entries(store, g.cohort, partnership["id"]) if e["id"] == entry_id), None)
    if entry is None or entry["author"]["id"] != g.response["id"]:
        abort(404, "There is no entry of yours at this address. Open your coaching log from your partner page.")
    form = EntryForm()
    if form.validate_on_submit():
        try:
            revision = int(form.revision.data or "")
        except ValueError:
            abort(400, "The form was sent without a valid revision number.")
        try:
            coaching_log.edit_entry(store, g.cohort, entry_id, _author(), revision, form.on.data,
                                    _fields(form, entry["kind"]))
        except coaching_log.StaleEntry as exc:
            latest = next(e for e in coaching_log.entries(store, g.cohort, partnership["id"]) if e["id"] == entry_id)
            return _entry_page(partnership, latest, filled(EntryForm, latest), problem=str(exc), status=409)
        except coaching_log.LogError as exc:
            return _entry_page(partnership, entry, form, problem=str(exc), status=422)
        flash("Your entry is changed.")
        return redirect(url_for(".coaching_log_page", partnership_id=partnership_id))
    if not form.is_submitted():
        form = filled(EntryForm, entry)
    return _entry_page(partnership, entry, form, status=422 if form.errors else 200)


def _log_page(partnership: dict, form: EntryForm, problem: str | None = None, status: int = 200):  # noqa: ANN202
    store = get_store()
    return render_template("teacher/log.html", partnership=partnership, kind=agreements.kind(partnership),
                           people=agreements.members(store, g.cohort, partnership, g.response["id"]),
                           entries=coaching_log.entries(store, g.cohort, partnership["id"]), kinds=coaching_log.KINDS,
                           form=form, errors=entry_errors(form, problem), aria=aria, you=g.response["id"]), status


def _entry_page(partnership: dict, entry: dict, form: EntryForm, problem: str | None = None,  # noqa: ANN202
                status: int = 200):
    return render_template("teacher/log_entry.html", partnership=partnership, entry=entry,
                           kinds=coaching_log.KINDS, form=form, errors=entry_errors(form, problem), aria=aria), status
