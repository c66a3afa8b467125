"""Coordinator pages: which learning focuses the programme offers, and how each is weighted per school."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField
from wtforms.validators import NumberRange, Optional

from diagnostic.services import menu
from diagnostic.services.cohorts import published_definition
from diagnostic.web.coordinator import bp
from diagnostic.web.pages import get_store
from forms.limits import FOCUS_WEIGHT

WEIGHT = f"Between {FOCUS_WEIGHT[0]} (never recommend first) and {FOCUS_WEIGHT[1]} (strongly prefer); 1 is neutral."


def _menu_form(focuses: list, schools: list[str], settings: dict) -> FlaskForm:
    class MenuSettingsForm(FlaskForm):
        pass

    offered = settings.get("offered")
    for f in focuses:
        setattr(MenuSettingsForm, f"offered_{f.id}", BooleanField(f"Offer {f.title}",
                                                                  default=offered is None or f.id in offered))
        setattr(MenuSettingsForm, f"weight_{f.id}", FloatField(
            f"Programme weight for {f.title}", default=settings.get("weights", {}).get(f.id, f.weight),
            validators=[Optional(), NumberRange(*FOCUS_WEIGHT, WEIGHT)]))
        for n, school in enumerate(schools):
            setattr(MenuSettingsForm, f"school_{n}_{f.id}", FloatField(
                f"Weight for {f.title} at {school}",
                default=settings.get("schools", {}).get(school, {}).get(f.id, f.school_weights.get(school, 1.0)),
                validators=[Optional(), NumberRange(*FOCUS_WEIGHT, WEIGHT)]))
    return MenuSettingsForm()


def _settings(form: FlaskForm, focuses: list, schools: list[str]) -> dict:
    """The settings as the form has them: focuses ticked, and the weights filled in (an empty one is no weight)."""
    return {
        "offered": [f.id for f in focuses if form[f"offered_{f.id}"].data],
        "weights": {f.id: form[f"weight_{f.id}"].data for f in focuses if form[f"weight_{f.id}"].data is not None},
        "schools": {s: {f.id: form[f"school_{n}_{f.id}"].data for f in focuses
                        if form[f"school_{n}_{f.id}"].data is not None} for n, s in enumerate(schools)},
    }


@bp.route("/cohorts/<cohort_id>/menu", methods=["GET", "POST"])
def menu_settings(cohort_id: str):  # noqa: ANN201
    """Restrict the menu for this cohort's programme, and weight focuses for the programme and per school."""
    store = get_store()
    definition = published_definition(store, g.cohort["form_id"], g.cohort["form_version"])
    if definition.learning_focuses is None:
        abort(409, "This cohort's questionnaire has no menu of learning focuses.")
    focuses, schools = definition.learning_focuses.focuses, g.cohort["schools"]
    form = _menu_form(focuses, schools, g.cohort.get("menu_settings") or {})
    problem = None
    if form.validate_on_submit():
        try:
            menu.save_settings(store, g.cohort, _settings(form, focuses, schools), actor=current_user.email)
        except menu.NothingOffered as exc:
            problem = str(exc)
        else:
            flash("Saved the menu settings. Teachers' ranked menus use them from now on.")
            return redirect(url_for(".menu_settings", cohort_id=cohort_id))
    status = 422 if form.errors or problem else 200
    errors = [(f"{form[name].label.text}: {e}", form[name].id) for name in form.data if name != "csrf_token"
              for e in form[name].errors]
    if problem:
        errors.insert(0, (problem, f"offered_{focuses[0].id}"))
    return render_template("coordinator/menu.html", cohort=g.cohort, form=form, focuses=focuses, schools=schools,
                           errors=errors, orphaned=menu.orphaned_choices(store, g.cohort)), status
