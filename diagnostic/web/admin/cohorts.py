"""Admin: cohorts (create one on a definition, with its schools) and definitions (add one, checked)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from diagnostic.services import drafts
from diagnostic.services.cohorts import COHORT_NAME_LIMIT, create_cohort
from diagnostic.services.definitions import UploadProblems, add_upload, available, current_dirs
from diagnostic.storage.interface import StoreError
from diagnostic.web.admin import bp
from diagnostic.web.pages import get_store
from forms.catalog import UnknownForm, find_definition
from forms.yamlfile import FileProblems


def _cohort_form(definitions: list[dict]) -> FlaskForm:
    class CohortForm(FlaskForm):
        name = StringField("Name", validators=[InputRequired("Give the cohort a name."),
                                                   Length(max=COHORT_NAME_LIMIT)],
                           description="For example, North Federation 2026-27.")
        form = SelectField("Questionnaire", validators=[InputRequired("Choose a questionnaire.")],
                           choices=[SelectChoice(f"{d['id']}|{d['version']}", f"{d['title']} ({d['id']} version "
                                                 f"{d['version']})") for d in definitions
                                    # Only a starting point each teacher answers: never a learning agreement
                                    # or a follow-up (services.cohorts.why_not_a_start).
                                    if d.get("starts_cohort")])
        schools = TextAreaField("Schools, one per line", validators=[Optional(), Length(max=5000)],
                                description="Teachers choose theirs when they start. Leave empty for one school.")
        closes = DateField("Closes on", validators=[Optional()],
                           description="After this day no new answers are taken. Leave empty to keep it open.")

    return CohortForm(prefix="cohort")


class UploadForm(FlaskForm):
    file = FileField("Definition or menu file (YAML)", validators=[FileRequired("Choose a YAML file.")])


def _errors(form: FlaskForm) -> list[tuple[str, str]]:
    return [(f"{form[name].label.text}: {e}", form[name].id) for name, found in form.errors.items()
            if name != "csrf_token" for e in found]


@bp.route("/cohorts", methods=["GET", "POST"])
def cohorts():  # noqa: ANN201
    """Every cohort with its invitation link, and a form to create one."""
    store = get_store()
    definitions = available(store)
    form = _cohort_form(definitions)
    errors = []
    if form.validate_on_submit():
        form_id, _, version = form.form.data.partition("|")
        schools = [line.strip() for line in (form.schools.data or "").splitlines() if line.strip()]
        try:
            definition, _ = find_definition(form_id, version, current_dirs(store))
            made = create_cohort(store, definition, form.name.data, schools, form.closes.data,
                                 actor=current_user.email)
        except (ValueError, StoreError, UnknownForm, FileProblems) as exc:
            errors = [(str(exc)[0].upper() + str(exc)[1:] + ".", form.name.id)]
        else:
            flash(f"Created {made['name']}. Send its invitation link to the teachers.")
            return redirect(url_for(".cohorts"))
    errors = errors or _errors(form)
    cohorts, days = store.list_cohorts(), current_app.config["DRAFT_DAYS"]
    return render_template("admin/cohorts.html", form=form, errors=errors, cohorts=cohorts,
                           counts={c["id"]: drafts.figures(store, c, days) for c in cohorts},
                           describe=drafts.describe), 422 if errors else 200


@bp.route("/definitions", methods=["GET", "POST"])
def definitions():  # noqa: ANN201
    """The questionnaires and menus available, and a form to add one (checked before it is kept)."""
    store = get_store()
    form = UploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            added = add_upload(store, upload.filename, upload.read(), actor=current_user.email)
        except UploadProblems as exc:
            problems = exc.lines
        else:
            flash(f"Added {added}. It can now be chosen for a new cohort.")
            return redirect(url_for(".definitions"))
    errors = [(f"{form.file.label.text}: {e}", form.file.id) for e in form.file.errors]
    if problems:
        errors = [("The file was not added: fix the problems listed below and upload it again.", "problems")]
    return render_template("admin/definitions.html", form=form, errors=errors, problems=problems,
                           definitions=available(store), published=store.list_forms()), \
        422 if errors else 200
