"""Specialist pages: a cohort's groups by starting point, how far to trust them, and who is in each."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from diagnostic.engines import charts
from diagnostic.services import audit, cycles, grouping, menu, peer_assessment, progress
from diagnostic.services.accounts import can_see
from diagnostic.services.choice import goals_by_cycle
from diagnostic.services.cohorts import published_definition
from diagnostic.services.group_exports import members_csv, profiles_csv, summary
from diagnostic.services.grouping import MAX_GROUPS, NAME_LIMIT, NOTE_LIMIT, TITLE_LIMIT, GroupingError
from diagnostic.services.starting_points import UnknownStartingPoint, names, starting_point_of
from diagnostic.storage.interface import DamagedGrouping, Store
from diagnostic.web.pages import get_store
from diagnostic.web.specialist import bp
from forms.grouping import feature_spec
from models import METHODS

METHOD_LABELS = {
    "kmeans": "k-means: compact groups around a typical teacher (the default)",
    "gmm": "Gaussian mixture: allows groups of different spread, with a probability for each teacher",
    "ward": "Ward's hierarchical grouping: merges the most similar teachers step by step",
}


GROUP_COUNTS = [SelectChoice("auto", "Choose for me"),
                *(SelectChoice(str(n), str(n)) for n in range(1, MAX_GROUPS + 1))]


class RegroupForm(FlaskForm):
    k = SelectField("Number of groups", default="auto", validators=[InputRequired()], choices=GROUP_COUNTS)
    method = RadioField("Method", choices=[SelectChoice(m, METHOD_LABELS[m]) for m in METHODS], default="kmeans",
                        validators=[InputRequired()])
    # Not required: a form from before cycles existed (or a stale tab) groups the starting point, as it did then.
    cycle = SelectField("Answers to group on", default="1",
                        description="A later cycle groups the teachers who answered its follow-up on their answers "
                                    "now (the questions asked again, with the rest of their starting point). The "
                                    "starting-point grouping is kept under “Earlier groupings”.")
    accept_small = BooleanField("Keep the new groups even if one is smaller than the minimum group size",
                                description="Without this, a grouping that would leave a group too small to plan "
                                            "for is refused and the current groups stay.")


class RestoreForm(FlaskForm):
    """Going back to an earlier grouping: a button, with the CSRF token."""


class LabelForm(FlaskForm):
    name = StringField("Group name", validators=[Length(max=NAME_LIMIT)],
                       description="Leave empty to use the generated name.")
    note = TextAreaField("Note for planning", validators=[Length(max=NOTE_LIMIT)],
                         description="For example, what input this group needs first.")
    teacher_title = StringField("Title the teachers in this group see", validators=[Length(max=TITLE_LIMIT)],
                                description="Every teacher in this group reads this on their menu of learning "
                                            "focuses and in their data download (teachers who fit the group poorly "
                                            "see no title). The name and note above are for specialists only. Leave "
                                            "empty to show teachers no title.")


def _scales(record: dict) -> dict[str, tuple[float, float]]:
    """Each grouping feature's lowest and highest possible value, so that every average says what it is out of."""
    definition = published_definition(get_store(), record["form_id"], record["form_version"])
    return {c["name"]: (c["min"], c["max"]) for c in feature_spec(definition)["columns"]}


def _current():  # noqa: ANN202 - the grouping and a problem message, one of them None
    try:
        return grouping.current(get_store(), g.cohort), None
    except DamagedGrouping as exc:
        return None, str(exc)


@bp.get("/")
def cohorts():  # noqa: ANN201
    """Every cohort with its response counts and whether it has been grouped."""
    store = get_store()
    rows = []
    for cohort in (c for c in store.list_cohorts() if can_see(current_user.record, c["id"])):
        try:
            saved = store.load_grouping(cohort["id"])
        except DamagedGrouping:
            saved = {"damaged": True}
        rows.append({"cohort": cohort, "counts": store.count_responses(cohort["id"], cycle=1), "grouping": saved})
    return render_template("specialist/cohorts.html", rows=rows)


@bp.get("/cohorts/<cohort_id>/")
def overview(cohort_id: str):  # noqa: ANN201
    """A card per group, the heatmap, the map, the quality panel and the re-group controls."""
    return _overview_page()


def _overview_page(form: RegroupForm | None = None, problem: str | None = None, status: int = 200):  # noqa: ANN202
    """The cohort's overview page, with the re-group form as posted and what went wrong when a change failed."""
    record, damaged = _current()
    counts = get_store().count_responses(g.cohort["id"], cycle=1)
    form = form or _regroup_form(data=_last_params(record))
    context = {"cohort": g.cohort, "record": record, "counts": counts, "form": form,
               "problem": problem or damaged, "earlier": grouping.earlier(get_store(), g.cohort),
               "restore_form": RestoreForm(), "later_cycle": cycles.current(g.cohort)["number"] > 1}
    if record:
        context.update(heat=charts.heatmap(record, scales=_scales(record)), map=charts.scatter(record),
                       styles=charts.group_styles(record["groups"]))
    return render_template("specialist/overview.html", **context), status


def _regroup_form(**kwargs: Any) -> RegroupForm:
    """The re-group form, offering the starting point and each later cycle of this cohort."""
    form = RegroupForm(**kwargs)
    numbers = [c["number"] for c in cycles.cycles(g.cohort)]
    form.cycle.choices = [SelectChoice(str(n), "The starting point (cycle 1)" if n == 1 else
                                       f"Cycle {n}: the follow-up's answers") for n in numbers]
    return form


def _last_params(record: dict | None) -> dict:
    if not record:
        return {}
    return {"k": str(record["params"]["k"]), "method": record["params"]["method"],
            "cycle": str(record.get("cycle", 1))}


@bp.post("/cohorts/<cohort_id>/regroup")
def regroup(cohort_id: str):  # noqa: ANN201
    """Re-group the cohort with the chosen number of groups and method."""
    form = _regroup_form()
    if not form.validate_on_submit():
        return _overview_page(form, "Choose a number of groups and a method.", 422)
    try:
        result = grouping.refit(get_store(), g.cohort, form.k.data, form.method.data, actor=current_user.email,
                                accept_small=form.accept_small.data, cycle=int(form.cycle.data))
    except grouping.SmallGroups as exc:
        return _overview_page(form, f"{exc}: tick “{form.accept_small.label.text}” below and re-group again.",
                              exc.status)
    except GroupingError as exc:
        return _overview_page(form, str(exc), exc.status)
    flash(f"Re-grouped {audit.plural(result['responses'], 'teacher')}: {audit.plural(result['k'], 'group')}. "
          f"{result['quality']['headline']}. The groups before are kept under “Earlier groupings” below.")
    return redirect(url_for(".overview", cohort_id=cohort_id))


@bp.post("/cohorts/<cohort_id>/earlier/<earlier_id>/restore")
def restore_grouping(cohort_id: str, earlier_id: str):  # noqa: ANN201
    """Go back to an earlier grouping, with its names and notes; the one it replaces is kept in turn."""
    if not RestoreForm().validate_on_submit():
        abort(400, "The form had expired. Go back to the cohort's groups and try again.")
    try:
        restored = grouping.restore(get_store(), g.cohort, earlier_id, actor=current_user.email)
    except GroupingError as exc:
        abort(exc.status, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
    flash(f"Went back to the grouping of {restored['fitted_at'][:16].replace('T', ' ')} UTC: "
          f"{audit.plural(restored['k'], 'group')}. The groups you had until now are kept under “Earlier "
          "groupings”.")
    return redirect(url_for(".overview", cohort_id=cohort_id))


def _group(record: dict | None, key: str) -> dict:
    found = next((grp for grp in (record or {}).get("groups", []) if grp["key"] == key), None)
    if found is None:
        abort(404, "There is no group with that letter in this cohort's current grouping. It may have been "
                   "re-grouped since: go back to the cohort's groups.")
    return found


@bp.route("/cohorts/<cohort_id>/groups/<key>", methods=["GET", "POST"])
def group(cohort_id: str, key: str):  # noqa: ANN201
    """One group: its profile against the cohort, its members, and the specialist's name and note."""
    record, damaged = _current()
    if damaged:
        return _overview_page(problem=damaged, status=409)
    found = _group(record, key)
    form = LabelForm(data={"name": found["name"] if found["renamed"] else "", "note": found["note"],
                           "teacher_title": found["teacher_title"]})
    if form.validate_on_submit():
        grouping.rename(get_store(), g.cohort, key, form.name.data or "", form.note.data or "",
                        form.teacher_title.data or "", actor=current_user.email)
        flash("Saved the group's name, note and title for teachers.")
        return redirect(url_for(".group", cohort_id=cohort_id, key=key))
    status = 422 if form.errors else 200
    styles = charts.group_styles(record["groups"])
    # Ordered choices (career stage) are shown as their mix below, not as an average of positions.
    columns = [c for c in record["columns"] if c["name"] in found["means"] and c["kind"] != "ordinal"]
    common = grouping.common_answers(get_store(), record, found)
    return render_template("specialist/group.html", cohort=g.cohort, record=record, group=found, form=form,
                           columns=columns, common=common, style=styles[key], names=names(get_store(), g.cohort),
                           scales=_scales(record)), status


@bp.get("/cohorts/<cohort_id>/teachers/<response_id>")
def starting_point(cohort_id: str, response_id: str):  # noqa: ANN201
    """One teacher's starting point: who, their scores beside the cohort's, barriers, pupils, focus and answers."""
    store = get_store()
    try:
        found = starting_point_of(store, g.cohort, response_id)
    except UnknownStartingPoint as exc:
        abort(404, str(exc))
    # The log never names a teacher (it outlives erasure), but it shows who looked, when and in which cohort.
    audit.record(store, current_user.email, "view starting point", "Viewed one teacher's starting point"
                 + (f" (in group {found['group']['key']})." if found["group"] else "."), cohort_id)
    response = Response(render_template("specialist/starting_point.html", cohort=g.cohort, teacher=found,
                                        change=_change_of(store, response_id),
                                        peer=_peer_of(store, response_id)))
    response.headers["Cache-Control"] = "no-store"  # a shared computer must not keep a copy of someone's answers
    return response


def _peer_of(store: Store, response_id: str) -> list[dict]:
    """What this teacher's partners saw of their progress, in every later cycle (specialists only see this)."""
    latest = cycles.current(g.cohort)["number"]
    return [a for n in range(2, latest + 1) for a in peer_assessment.about(store, g.cohort, response_id, n)]


def _change_of(store: Store, response_id: str) -> dict | None:
    """This teacher's change since their starting point, once the cohort has a later cycle (else None)."""
    first = store.get_response(g.cohort["id"], response_id)
    try:
        found = progress.gather_one(store, g.cohort, first)
    except progress.ProgressError:
        return None
    mine = progress.of_teacher(found, response_id)
    return {**mine, "words": [progress.in_words_for(r, mine["focus"]) for r in mine["measures"]],
            "goals": goals_by_cycle(first, found.start)}


@bp.get("/cohorts/<cohort_id>/focuses")
def focuses(cohort_id: str):  # noqa: ANN201
    """Per group, the learning focuses that fit its teachers best and the specialist input each suggests."""
    try:
        found = menu.group_focuses(get_store(), g.cohort)
    except DamagedGrouping as exc:
        return _overview_page(problem=str(exc), status=409)
    return render_template("specialist/focuses.html", cohort=g.cohort, groups=found)


@bp.get("/cohorts/<cohort_id>/export/<name>")
def export(cohort_id: str, name: str):  # noqa: ANN201
    """The grouping as members.csv, profiles.csv or grouping.json."""
    record, damaged = _current()
    if record is None:
        abort(409, damaged or "This cohort has not been grouped yet, so there is nothing to export.")
    makers = {"members.csv": (members_csv, "text/csv"), "profiles.csv": (profiles_csv, "text/csv"),
              "grouping.json": (lambda r: json.dumps(summary(r), indent=2, ensure_ascii=False), "application/json")}
    if name not in makers:
        abort(404, "Exports are members.csv, profiles.csv and grouping.json.")
    make, mimetype = makers[name]
    filename = f"{cohort_id}-{name}"
    return Response(make(record), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
