"""Coordinator pages: which learning focuses the programme offers, and how each is weighted per school.

Access control arrives with accounts (issue 6); the views are shaped for the
coordinator role, with the cohort loaded in one place.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField
from wtforms.validators import NumberRange, Optional

from diagnostic import menu
from diagnostic.cohorts import published_definition
from diagnostic.extensions import get_store

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
WEIGHT = "Between 0 (never recommend first) and 3 (strongly prefer); 1 is neutral."


@bp.before_request
def load_cohort() -> None:
    """Load the cohort named in the URL (404 if unknown)."""
    cohort_id = (request.view_args or {}).get("cohort_id")
    if cohort_id is not None:
        g.cohort = get_store().get_cohort(cohort_id)
        if g.cohort is None:
            abort(404, "There is no cohort with that id. Pick one from the list of cohorts.")


@bp.get("/")
def cohorts():  # noqa: ANN201
    """Every cohort, with a link to its menu settings."""
    return render_template("coordinator/cohorts.html", cohorts=get_store().list_cohorts())


def _menu_form(focuses: list, schools: list[str], settings: dict) -> FlaskForm:
    class MenuSettingsForm(FlaskForm):
        pass

    offered = settings.get("offered")
    for f in focuses:
        setattr(MenuSettingsForm, f"offered_{f.id}", BooleanField(f"Offer {f.title}",
                                                                  default=offered is None or f.id in offered))
        setattr(MenuSettingsForm, f"weight_{f.id}", FloatField(
            f"Programme weight for {f.title}", default=settings.get("weights", {}).get(f.id, f.weight),
            validators=[Optional(), NumberRange(0, 3, WEIGHT)]))
        for n, school in enumerate(schools):
            setattr(MenuSettingsForm, f"school_{n}_{f.id}", FloatField(
                f"Weight for {f.title} at {school}",
                default=settings.get("schools", {}).get(school, {}).get(f.id, f.school_weights.get(school, 1.0)),
                validators=[Optional(), NumberRange(0, 3, WEIGHT)]))
    return MenuSettingsForm()


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
        offered = [f.id for f in focuses if form[f"offered_{f.id}"].data]
        if not offered:
            problem = "Offer at least one learning focus."
        else:
            settings = {
                "offered": None if len(offered) == len(focuses) else offered,
                "weights": {f.id: form[f"weight_{f.id}"].data for f in focuses
                            if form[f"weight_{f.id}"].data is not None},
                "schools": {s: {f.id: form[f"school_{n}_{f.id}"].data for f in focuses
                                if form[f"school_{n}_{f.id}"].data is not None} for n, s in enumerate(schools)},
            }
            store.update_cohort(cohort_id, lambda cohort: {**cohort, "menu_settings": settings})
            flash("Saved the menu settings. Teachers' ranked menus use them from now on.")
            return redirect(url_for(".menu_settings", cohort_id=cohort_id))
    status = 422 if form.errors or problem else 200
    errors = [(f"{form[name].label.text}: {e}", form[name].id) for name in form.data if name != "csrf_token"
              for e in form[name].errors]
    if problem:
        errors.insert(0, (problem, f"offered_{focuses[0].id}"))
    return render_template("coordinator/menu.html", cohort=g.cohort, form=form, focuses=focuses, schools=schools,
                           errors=errors, orphaned=menu.orphaned_choices(store, g.cohort)), status
