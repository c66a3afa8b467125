"""Coordinator page: the cohort's learning cycles; open the next one on a follow-up questionnaire, or close one."""

from __future__ import annotations

from collections import Counter

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from diagnostic.services import cycles
from diagnostic.services.definitions import available
from diagnostic.web.coordinator import bp
from diagnostic.web.pages import aria, get_store


class OpenForm(FlaskForm):
    """Open the next cycle: which follow-up questionnaire teachers answer in it (choices set per request)."""

    form = SelectField("Follow-up questionnaire", validators=[InputRequired("Choose the follow-up questionnaire.")])


class CloseForm(FlaskForm):
    """Close the latest cycle: a button, with the CSRF token."""


def _open_form() -> OpenForm:
    form = OpenForm(prefix="open")
    form.form.choices = [SelectChoice(f"{d['id']}|{d['version']}", f"{d['title']} ({d['id']} version {d['version']})")
                         for d in cycles.follow_ups(g.cohort, available(get_store()))]
    return form


@bp.get("/cohorts/<cohort_id>/cycles")
def cycles_page(cohort_id: str):  # noqa: ANN201, ARG001 - the cohort is loaded by the blueprint's guard
    """Each cycle of the cohort with how many teachers answered, and the forms to open or close one."""
    return _page(_open_form(), CloseForm(prefix="close"))


@bp.post("/cohorts/<cohort_id>/cycles/open")
def open_cycle(cohort_id: str):  # noqa: ANN201
    """Open the next cycle on the chosen follow-up: each teacher's private link then leads to it."""
    form = _open_form()
    if not form.validate_on_submit():
        return _page(form, CloseForm(prefix="close"), status=422)
    form_id, _, version = form.form.data.partition("|")
    try:
        opened = cycles.open_follow_up(get_store(), g.cohort, form_id, version, actor=current_user.email)
    except cycles.CycleError as exc:
        return _page(form, CloseForm(prefix="close"), problem=str(exc), status=409)
    flash(f"Opened cycle {opened['number']}. Each teacher's private link now leads to its questionnaire.")
    return redirect(url_for(".cycles_page", cohort_id=cohort_id))


@bp.post("/cohorts/<cohort_id>/cycles/close")
def close_cycle(cohort_id: str):  # noqa: ANN201
    """Close the latest cycle (refused while a teacher has not finished its questionnaire)."""
    form = CloseForm(prefix="close")
    if not form.validate_on_submit():
        return _page(_open_form(), form, status=400)
    try:
        closed = cycles.close_current(get_store(), g.cohort, actor=current_user.email)
    except cycles.CycleError as exc:
        return _page(_open_form(), form, problem=str(exc), status=409)
    flash(f"Closed cycle {closed['number']}. Its answers are kept; no more are taken.")
    return redirect(url_for(".cycles_page", cohort_id=cohort_id))


def _page(open_form: OpenForm, close_form: CloseForm, problem: str | None = None, status: int = 200):  # noqa: ANN202
    """The cycles with their counts, the forms, and first what refused an action."""
    cohort = g.cohort  # a refused action changed nothing, so the cohort as the guard read it is current
    counts = Counter((cycles.cycle_of(r), r["status"]) for r in get_store().list_responses(cohort["id"]))
    rows = [{**c, "counts": {status: counts[c["number"], status] for status in ("submitted", "draft")}}
            for c in cycles.cycles(cohort)]
    errors = [(f"{open_form[name].label.text}: {e}", open_form[name].id) for name, found in open_form.errors.items()
              if name != "csrf_token" for e in found]
    if problem:
        errors.insert(0, (problem[:1].upper() + problem[1:] + ("" if problem.endswith(".") else "."), "cycles"))
    return render_template("coordinator/cycles.html", cohort=cohort, rows=rows, latest=rows[-1],
                           open_form=open_form, close_form=close_form, errors=errors, aria=aria), status
