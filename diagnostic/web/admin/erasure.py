"""Admin: teachers' requests to have their data erased, and erasing a teacher's data after a confirmation step."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from diagnostic.services.erasure import UnknownTeacher, erase, find_teacher, requests
from diagnostic.services.grouping import respondent
from diagnostic.services.partnerships import partnerships_of
from diagnostic.web.admin import bp
from diagnostic.web.pages import get_store

CONFIRMED = "yes"


class EraseForm(FlaskForm):
    cohort = SelectField("Cohort", validators=[InputRequired("Choose the teacher's cohort.")])
    reference = StringField("The teacher's reference or response id",
                            validators=[InputRequired("Enter the teacher's reference or response id."),
                                        Length(max=100)],
                            description="Their import reference, or the response id shown with their request.")
    confirm = HiddenField()


@bp.route("/erasure", methods=["GET", "POST"])
def erasure():  # noqa: ANN201
    """Requests for erasure, and erasing a teacher: a first POST shows what will go, a second one erases it."""
    store = get_store()
    cohorts = store.list_cohorts()
    form = EraseForm(prefix="erase")
    form.cohort.choices = [SelectChoice(c["id"], f"{c['name']} ({c['id']})") for c in cohorts]
    errors, status = [], 200
    if form.validate_on_submit():
        try:
            record = find_teacher(store, form.cohort.data, form.reference.data)
        except UnknownTeacher as exc:
            errors, status = [(str(exc)[:1].upper() + str(exc)[1:] + ".", form.reference.id)], 404
        else:
            cohort = next(c for c in cohorts if c["id"] == form.cohort.data)
            if form.confirm.data != CONFIRMED:
                return render_template("admin/erasure_confirm.html", cohort=cohort, reference=respondent(record),
                                       response_id=record["id"], asked=record.get("erasure_requested_at"),
                                       partnerships=len(partnerships_of(store, cohort, record["id"])), form=form)
            done = erase(store, cohort["id"], record["id"], current_user.email)
            flash(f"Erased teacher {respondent(record)} from {cohort['name']}. {done['partnerships_ended']} "
                  f"partnership(s) ended and {done['partners_told']} partner(s) will be told when they next look.")
            return redirect(url_for(".erasure"))
    elif form.errors:
        errors, status = [(f"{form[name].label.text}: {e}", form[name].id) for name, found in form.errors.items()
                          if name != "csrf_token" for e in found], 422
    return render_template("admin/erasure.html", form=form, requests=requests(store), errors=errors), status
