"""Coordinator page: the specialists and internal experts who can coach this cohort's teachers."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from diagnostic.engines.pairing import SPECIALIST_CAPACITY, PairingError
from diagnostic.services import partnerships, specialist_accounts
from diagnostic.services.cohorts import published_definition
from diagnostic.services.partnerships import SPECIALIST_NAME_LIMIT
from diagnostic.storage.interface import Store
from diagnostic.web.coordinator import bp
from diagnostic.web.pages import aria, get_store

KINDS = [SelectChoice("specialist", "Specialist (from outside the schools)"),
         SelectChoice("internal", "Internal expert (a teacher in this cohort)")]
CAPACITY = f"Capacity is a whole number from {SPECIALIST_CAPACITY[0]} to {SPECIALIST_CAPACITY[1]}."


class SpecialistForm(FlaskForm):
    """One specialist or internal expert; the focus and teacher choices are set from the cohort per request."""

    name = StringField("Name", validators=[InputRequired("Give their name."), Length(
        max=SPECIALIST_NAME_LIMIT, message=f"Keep the name to {SPECIALIST_NAME_LIMIT} characters.")])
    kind = RadioField("Kind", choices=KINDS, validators=[InputRequired("Choose a specialist or an internal expert.")])
    expertise = SelectMultipleField("Learning focuses they can coach", widget=ListWidget(prefix_label=False),
                                    option_widget=CheckboxInput(),
                                    validators=[InputRequired("Choose at least one learning focus they can coach.")])
    capacity = IntegerField("How many teachers (or starting-point groups) they can take",
                            validators=[InputRequired(CAPACITY), NumberRange(*SPECIALIST_CAPACITY, CAPACITY)])
    respondent = SelectField("Which teacher in this cohort they are (internal experts only)", default="")
    account = SelectField("Their sign-in account", default="", validate_choice=False)

    def __init__(self, listed: list[dict]):
        super().__init__()
        self.listed = listed

    def validate_respondent(self, field: SelectField) -> None:
        if not field.data:
            return
        if self.kind.data != "internal":
            raise ValidationError("Only an internal expert is one of the cohort's teachers: choose “Internal "
                                  "expert”, or leave the teacher as “Not one of the cohort's teachers”.")
        if any(s.get("respondent") == field.data for s in self.listed):
            raise ValidationError("That teacher is already listed as an internal expert.")


class LinkForm(FlaskForm):
    """Link one listed specialist to a specialist account of this cohort (an empty account unlinks them)."""

    specialist = HiddenField("Specialist", validators=[InputRequired("Say which specialist to link.")])
    account = SelectField("Their sign-in account", default="", validate_choice=False)


def _account_choices(store: Store) -> list[SelectChoice]:
    """The cohort's specialist accounts; the service checks whatever comes back, so the select never refuses."""
    return [SelectChoice("", "No sign-in account"),
            *(SelectChoice(u["id"], u["email"]) for u in specialist_accounts.cohort_accounts(store, g.cohort))]


class RemoveForm(FlaskForm):
    """Remove one specialist from the cohort's list, named by id."""

    specialist = HiddenField("Specialist", validators=[InputRequired("Say which specialist to remove.")])


def _focuses() -> list[tuple[str, str]]:
    definition = published_definition(get_store(), g.cohort["form_id"], g.cohort["form_version"])
    if definition.learning_focuses is None:
        abort(409, "This cohort's questionnaire has no menu of learning focuses, so there is nothing to specialise in.")
    return [SelectChoice(f.id, f.title) for f in definition.learning_focuses.focuses]


def _form(listed: list[dict], focuses: list[SelectChoice], facts: list[dict]) -> SpecialistForm:
    """The form to add one, with the cohort's focuses and its submitted teachers to choose from."""
    form = SpecialistForm(listed)
    form.expertise.choices = focuses
    form.respondent.choices = [SelectChoice("", "Not one of the cohort's teachers"),
                               *(SelectChoice(t["id"], f"{t['name']} ({t['school']})" if t.get("school") else t["name"])
                                 for t in facts)]
    form.account.choices = _account_choices(get_store())
    return form


@bp.route("/cohorts/<cohort_id>/specialists", methods=["GET", "POST"])
def specialists(cohort_id: str):  # noqa: ANN201
    """List the cohort's specialists and internal experts, and add one."""
    store, listed = get_store(), partnerships.specialists(g.cohort)
    focuses, facts = _focuses(), partnerships.cohort_facts(store, g.cohort)
    form = _form(listed, focuses, facts)
    if form.validate_on_submit():
        try:
            added = specialist_accounts.add_linked(store, g.cohort, form.name.data, form.kind.data,
                                                   form.expertise.data, form.capacity.data, form.respondent.data,
                                                   form.account.data, actor=current_user.email)
        except specialist_accounts.LinkRefused as exc:
            return _specialists_page(form, focuses, facts, 422, problem=f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
        except PairingError as exc:
            return _specialists_page(form, focuses, facts, 409, problem=f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
        flash(f"Added {added['name']}. Run specialist coaching to allocate teachers to them.")
        return redirect(url_for(".specialists", cohort_id=cohort_id))
    return _specialists_page(form, focuses, facts, 422 if form.errors else 200)


def _specialists_page(form: SpecialistForm, focuses: list[SelectChoice], facts: list[dict], status: int,  # noqa: ANN202
                      problem: str | None = None):
    """The list and the form to add one, with the form's errors and, first, what refused an action."""
    errors = [(f"{form[name].label.text}: {e}", name) for name, found in form.errors.items()
              if name != "csrf_token" for e in found]
    if problem:
        errors.insert(0, (problem, "listed"))
    titles = {f.value: f.label for f in focuses}
    teachers = {t["id"]: t["name"] for t in facts}
    accounts = {u["id"]: u["email"] for u in specialist_accounts.cohort_accounts(get_store(), g.cohort)}
    return render_template("coordinator/specialists.html", cohort=g.cohort, form=form,
                           listed=form.listed, titles=titles, teachers=teachers, errors=errors,
                           accounts=accounts, aria=aria), status


@bp.post("/cohorts/<cohort_id>/specialists/remove")
def remove_specialist(cohort_id: str):  # noqa: ANN201
    """Take a specialist off the cohort's list; partnerships already confirmed with them stand."""
    form = RemoveForm()
    found = next((s for s in partnerships.specialists(g.cohort) if s["id"] == form.specialist.data), None)
    if not form.validate_on_submit() or found is None:
        listed, focuses = partnerships.specialists(g.cohort), _focuses()
        facts = partnerships.cohort_facts(get_store(), g.cohort)
        return _specialists_page(_form(listed, focuses, facts), focuses, facts, 404, problem="There is no specialist "
                                 "with that id on this cohort's list: they may have been removed already.")
    partnerships.remove_specialist(get_store(), g.cohort, found["id"], actor=current_user.email)
    flash(f"Removed {found['name']}. Partnerships already confirmed with them stand; undo them on the specialist "
          "coaching page if they should end.")
    return redirect(url_for(".specialists", cohort_id=cohort_id))


@bp.post("/cohorts/<cohort_id>/specialists/link")
def link_specialist_account(cohort_id: str):  # noqa: ANN201
    """Link a listed specialist to their sign-in account, so they can write in the logs of the teachers they coach."""
    form = LinkForm()
    form.account.choices = _account_choices(get_store())
    listed = partnerships.specialists(g.cohort)
    found = next((s for s in listed if s["id"] == form.specialist.data and s.get("kind") != "internal"), None)
    if not form.validate_on_submit() or found is None:
        return _refused(404, "There is no specialist with that id on this cohort's list: they may have been removed.")
    try:
        specialist_accounts.link_account(get_store(), g.cohort, found["id"], form.account.data or None,
                                         actor=current_user.email)
    except specialist_accounts.LinkRefused as exc:
        return _refused(422, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
    flash(f"Linked {found['name']} to their sign-in account: they can now write in the coaching logs of the "
          "teachers they coach." if form.account.data else f"{found['name']} is no longer linked to a sign-in account.")
    return redirect(url_for(".specialists", cohort_id=cohort_id))


def _refused(status: int, problem: str):  # noqa: ANN202
    """The specialists page again, saying what refused the action; nothing was changed."""
    listed, focuses = partnerships.specialists(g.cohort), _focuses()
    facts = partnerships.cohort_facts(get_store(), g.cohort)
    return _specialists_page(_form(listed, focuses, facts), focuses, facts, status, problem=problem)
