"""Teacher pages: open an invitation, answer page by page, review, submit once, choose a focus, see a summary."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from diagnostic.services import agreements, cycles, drafts, menu
from diagnostic.services.choice import GOAL_LIMIT, BadChoice, choose, current_choice, is_locked
from diagnostic.services.cohorts import is_closed, published_definition
from diagnostic.services.cycles import cycle_of, is_open
from diagnostic.services.journey import (
    Incomplete,
    StaleRevision,
    missing_required,
    new_link,
    new_response,
    page_count,
    page_shown,
    parse_token,
    save_page,
    session_ref,
    shown_on_page,
    submit,
    token_matches,
    visible_sections,
)
from diagnostic.services.partnerships import partnerships_of
from diagnostic.services.summary import describe_answer, review_rows, starting_point
from diagnostic.web.limits import limit_failures, limit_starts
from diagnostic.web.links import public_url
from diagnostic.web.pages import get_store
from diagnostic.web.teacher import bp
from forms.builder import apply_visibility, draft_answers, error_links, form_data, page_form, read_answers
from forms.conditions import holds

BAD_LINK = "This private link is not recognised. Check that you copied all of it, or ask your coordinator."


class SubmitForm(FlaskForm):
    revision = HiddenField()


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a programme that lets teachers choose more than one focus."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _start_form(cohort: dict) -> FlaskForm:
    class StartForm(FlaskForm):
        pass

    if cohort["schools"]:
        choices = [SelectChoice("", "Choose your school")] + [SelectChoice(s, s) for s in cohort["schools"]]
        StartForm.school = SelectField("Which school do you work in?", choices=choices,
                                       validators=[InputRequired("Choose your school")])
    return StartForm()


@bp.route("/join/<invite>", methods=["GET", "POST"])
@limit_failures("RATELIMIT_JOIN", 404)
@limit_starts("RATELIMIT_START_ADDRESS")
@limit_starts("RATELIMIT_START_INVITE", per="invitation")
def join(invite: str):  # noqa: ANN201
    """An invitation: explain the questionnaire, then start a private response."""
    store = get_store()
    cohort = store.find_cohort_by_invite(invite)
    if cohort is None:
        abort(404, "This invitation link is not recognised. Check that you copied all of it, "
                   "or ask your coordinator.")
    if is_closed(cohort):
        abort(410, f"The questionnaire for {cohort['name']} closed on {cohort['closes_on']}.")
    if not is_open(cohort, 1):
        # Invitations start a starting point; later cycles are reached with a teacher's own private link.
        abort(410, f"The starting-point questionnaire for {cohort['name']} has closed, so no one new can join.")
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    form = _start_form(cohort)
    if form.validate_on_submit():
        ref = session.get("response")
        if isinstance(ref, list) and ref and ref[0] == cohort["id"] and session.get("started") == invite:
            return redirect(url_for(".page", number=1))  # a double click on Start: keep the first response
        drafts.check_room(store, cohort, current_app.config["MAX_DRAFTS_PER_COHORT"])
        record, token = new_response(cohort, school=getattr(form, "school", None) and form.school.data)
        store.add_responses(cohort["id"], [record])
        session.clear()
        session.update(response=session_ref(record), started=invite)
        return redirect(url_for(".resume", token=token, new=1))
    status = 422 if form.errors else 200
    return render_template("teacher/start.html", cohort=cohort, definition=definition, form=form), status


@bp.route("/resume/<token>")
@limit_failures("RATELIMIT_RESUME", 404)
def resume(token: str):  # noqa: ANN201
    """A private resume link: reopen this teacher's response where they left off."""
    parts = parse_token(token)
    store = get_store()
    cohort, record = store.get_cohort_and_response(parts[0], parts[1]) if parts else (None, None)
    if record is None or not token_matches(record, parts[2]):
        abort(404, BAD_LINK)
    if record["status"] == "draft" and is_closed(cohort):
        abort(410, f"The questionnaire for {cohort['name']} closed on {cohort['closes_on']} before this "
                   "response was submitted.")
    if record["status"] == "draft" and not is_open(cohort, cycle_of(record)):
        abort(410, f"This round of the questionnaire for {cohort['name']} closed before these answers were "
                   "submitted.")
    started = session.get("started") if session.get("response") == session_ref(record) else None
    session.clear()
    session.update(response=session_ref(record), **({"started": started} if started else {}))
    if request.args.get("new"):
        # Just made: this is the one time the link is shown, on a page whose own address is the link.
        return render_template("teacher/link.html", cohort=cohort, record=record, again=request.args["new"] == "again",
                               link=public_url(".resume", token=token))
    return redirect(_carry_on(cohort, record))


def _closed_why() -> str:
    """Why the choice of focus can no longer change: "date" (the cohort closed), "cycle" (the latest round
    closed), or ""."""
    if is_closed(g.cohort):
        return "date"
    return "" if is_open(g.cohort, cycles.current(g.cohort)["number"]) else "cycle"


def _next_url(definition: Any, answers: dict, index: int) -> str:
    later = next((i for i in range(index + 1, len(definition.sections))
                  if page_shown(definition.sections[i], answers)), None)
    return url_for(".page", number=later + 1) if later is not None else url_for(".review")


class NewLinkForm(FlaskForm):
    """Asking for a new private link: a button, with the CSRF token."""


@bp.post("/questionnaire/private-link")
def new_private_link():  # noqa: ANN201
    """Replace a lost private link: the old one stops working, and the new one is shown once."""
    if not NewLinkForm().validate_on_submit():
        abort(400)
    made: dict[str, str] = {}

    def change(current: dict) -> dict:
        changed, made["token"] = new_link(current)
        return changed

    record = get_store().update_response(g.response["cohort"], g.response["id"], change)
    session["response"] = session_ref(record)
    return redirect(url_for(".resume", token=made["token"], new="again"))


@bp.route("/questionnaire/")
def current():  # noqa: ANN201
    """Carry on where this teacher left off."""
    return redirect(_carry_on(g.cohort, g.response))


def _done_url(record: dict) -> str:
    """Where a submitted questionnaire leads: the starting point's summary, or a later cycle's progress."""
    return url_for(".summary") if cycles.cycle_of(record) == 1 else url_for(".my_progress")


def _carry_on(cohort: dict, record: dict) -> str:
    """Where a teacher carries on: the latest cycle's questionnaire once one has opened, else where they were."""
    record = cycles.start_latest(get_store(), cohort, record) or record
    if record["status"] == "submitted":
        return _done_url(record)
    definition = published_definition(get_store(), record["form_id"], record["form_version"])
    return _next_url(definition, record["answers"], record.get("page", 0) - 1)


@bp.route("/questionnaire/page/<int:number>", methods=["GET", "POST"])
def page(number: int):  # noqa: ANN201
    """One page of the questionnaire: show it with saved answers, or save it and move on."""
    definition, record = g.definition, g.response
    if record["status"] == "submitted":
        return redirect(_done_url(record))
    if not 1 <= number <= len(definition.sections):
        abort(404)
    index = number - 1
    section = definition.sections[index]
    if not page_shown(section, record["answers"]):
        return redirect(_next_url(definition, record["answers"], index))
    form_class = page_form(section)
    message, status, answers = None, 200, record["answers"]
    if request.method == "POST":
        form = form_class()
        shown = apply_visibility(form, section, record["answers"])
        answers = {k: v for q in shown for k, v in read_answers(form, q).items()}
        if form.revision.data != str(record["revision"]):
            form = form_class(formdata=None, data=form_data(section, record["answers"]))
            message, status = ("You changed these answers in another window or tab since this page was opened, so "
                               "nothing from this copy was saved. These are your latest saved answers."), 409
        elif request.form.get("go") == "back":
            return _go_back(form, definition, record, index, shown)
        elif form.validate_on_submit():
            to_warn = [q.id for q in shown if q.required == "soft" and q.id not in record.get("warned", [])
                       and any(a not in answers for a in q.answer_ids())]
            saved = get_store().update_response(
                record["cohort"], record["id"],
                lambda current: save_page(current, definition, index, answers, record["revision"], to_warn),
                known=record)
            if to_warn:
                return redirect(url_for(".page", number=number, check=1))
            return redirect(_next_url(definition, saved["answers"], index))
        else:
            on_page = {a for q in section.questions for a in q.answer_ids()}
            status = 422
            answers = {**{k: v for k, v in record["answers"].items() if k not in on_page}, **answers}
    else:
        form = form_class(formdata=None, data=form_data(section, record["answers"]))
    form.revision.data = str(record["revision"])
    return _render_page(form, definition, record, index, message, status, answers)


def _go_back(form: FlaskForm, definition: Any, record: dict, index: int, shown: list) -> Any:
    """Back to the previous page, keeping what was typed here as a draft (required answers can wait).

    A value that fails its checks cannot be kept; the page says which when the teacher returns to it.
    """
    form.validate()
    answers, dropped = draft_answers(form, shown)
    saved = get_store().update_response(
        record["cohort"], record["id"],
        lambda current: save_page(current, definition, index, answers, record["revision"], advance=False),
        known=record)
    notes = {k: v for k, v in session.get("not_kept", {}).items() if k != str(index + 1)}
    if dropped:
        notes[str(index + 1)] = [[f"q-{question_id}", label, why] for question_id, label, why in dropped]
    session["not_kept"] = notes
    earlier = [i for i in visible_sections(definition, saved["answers"]) if i < index]
    return redirect(url_for(".page", number=(earlier[-1] if earlier else index) + 1))


def _render_page(form: FlaskForm, definition: Any, record: dict, index: int, message: str | None, status: int,
                 answers: dict):
    section = definition.sections[index]
    questions = [(q, "shown" if holds(q.show_if, answers) else "conditional") for q in section.questions
                 if shown_on_page(q, section.questions, answers) and q.answer_ids()[0] in form]
    warnings = []
    if request.args.get("check") and status == 200:
        warnings = [q for q, _ in questions if q.required == "soft" and q.id in record.get("warned", [])
                    and any(a not in answers for a in q.answer_ids())]
    visible = visible_sections(definition, record["answers"])
    # What could not be kept when the teacher last went back from this page: told once, on their return.
    not_kept = []
    if request.method == "GET" and str(index + 1) in session.get("not_kept", {}):
        notes = dict(session["not_kept"])
        not_kept = notes.pop(str(index + 1))
        session["not_kept"] = notes
    same_page = {a for q in section.questions for a in q.answer_ids()}
    reveals = {q.id: {"condition": q.show_if.model_dump(mode="json", by_alias=True, exclude_none=True),
                      "known": {a: answers[a] for a in q.show_if.questions() if a not in same_page and a in answers}}
               for q, _ in questions if q.show_if and same_page & set(q.show_if.questions())}
    return render_template(
        "teacher/page.html", definition=definition, reveals=reveals, section=section, number=index + 1, form=form,
        questions=questions, errors=error_links(form, [q for q, _ in questions]), warnings=warnings,
        message=message, not_kept=not_kept, count=page_count(definition, record["answers"], index),
        previous=max([i for i in visible if i < index], default=None),
        describe=describe_answer,
    ), status


@bp.route("/questionnaire/review")
def review():  # noqa: ANN201
    """All answers on one page, with links to change them, and the submit button."""
    if g.response["status"] == "submitted":
        return redirect(_done_url(g.response))
    return _render_review()


def _render_review(status: int = 200, message: str | None = None):
    record = g.response
    form = SubmitForm(formdata=None, revision=str(record["revision"]))
    missing = missing_required(g.definition, record["answers"])
    page_of = {q.id: i + 1 for i, s in enumerate(g.definition.sections) for q in s.questions}
    return render_template(
        "teacher/review.html", definition=g.definition, pages=review_rows(g.definition, record["answers"]),
        form=form, missing=[(q, page_of[q.id]) for q in missing], message=message,
        steps=len(visible_sections(g.definition, record["answers"])),
    ), status


@bp.post("/questionnaire/submit")
def submit_response():  # noqa: ANN201
    """Submit once: a second click or a replayed request just shows the summary."""
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    if g.response["status"] == "submitted":
        return redirect(_done_url(g.response))
    try:
        revision = int(form.revision.data or -1)
    except ValueError:
        abort(400, "The form was sent without a valid revision number.")
    try:
        get_store().update_response(g.response["cohort"], g.response["id"],
                                    lambda current: submit(current, g.definition, revision), known=g.response)
    except Incomplete:
        return _render_review(422, "Answer the questions marked below before you submit.")
    except StaleRevision:
        g.response = get_store().get_response(g.response["cohort"], g.response["id"])
        return _render_review(409, "Your answers changed in another window or tab since this page was "
                                   "opened. Check them below, then submit.")
    if cycle_of(g.response) > 1:
        cycles.carry_goal(get_store(), g.cohort, get_store().get_response(g.cohort["id"], g.response["id"]))
    return redirect(_done_url(g.response))


@bp.route("/questionnaire/summary")
def summary():  # noqa: ANN201
    """The teacher's own starting point in plain language, after submitting."""
    record, definition = g.response, g.definition
    if record["status"] != "submitted":
        return redirect(url_for(".review"))
    answers, keys = record["answers"], definition.learning_focus
    choice = current_choice(record, definition)
    ranked = answers.get(keys.choice, []) if keys else []
    titles = {c.id: c.label for c in definition.question(keys.choice).options} if keys else {}
    chosen = [titles.get(f, f) for f in (choice["focuses"] if choice["confirmed"] else ranked)]
    goal = choice["goal"] or None
    store = get_store()
    # Shown from the moment the coordinator confirms a partnership: who with, how to reach them, the first steps.
    partnered = [{"partnership": p, "kind": agreements.kind(p),
                  "people": agreements.members(store, g.cohort, p, record["id"])}
                 for p in partnerships_of(store, g.cohort, record["id"])]
    return render_template("teacher/summary.html", definition=definition, record=record, chosen=chosen, goal=goal,
                           confirmed=choice["confirmed"], has_menu=definition.learning_focuses is not None,
                           constructs=starting_point(definition, record.get("scores", {})), partnered=partnered,
                           contact_modes=agreements.CONTACT_MODES, later_cycle=cycles.current(g.cohort)["number"] > 1)



# What a post to the menu page changes. Each ranked focus has its own small form (`part=focus`, with `change`
# add or remove when several focuses may be chosen); the pupils-and-goal form sends `part=details`; a post
# with neither is the whole choice at once, as the page sent it before.
PARTS = {"focus": ("focus",), "details": ("pupil_group", "goal"), "": ("focus", "pupil_group", "goal")}


def _menu_form(plan: dict, choice: dict, part: str, sent: bool = True) -> FlaskForm:
    """The teacher's choice form for this menu and this part of it (offered focuses, plus a kept one).

    `sent=False` builds it from the saved choice alone, whatever this request posted.
    """
    class MenuForm(FlaskForm):
        part = HiddenField()
        change = HiddenField()

    fields = PARTS[part]
    if "focus" in fields:
        offered = [SelectChoice(f["id"], f["title"]) for f in plan["focuses"]
                   if f["offered"] or f["id"] in choice["focuses"]]
        kind = RadioField if plan["choices"] == 1 or part == "focus" else MultiCheckboxField
        # `choose` refuses a focus off the menu in words ("not on your programme's menu"), e.g. from a tab
        # opened before the coordinator changed the menu, rather than WTForms' "Not a valid choice".
        MenuForm.focus = kind("Your learning focus", choices=offered, validate_choice=False,
                              validators=[InputRequired("Choose a learning focus")])
    if "pupil_group" in fields:
        groups = plan["labels"]["pupil_groups"]
        MenuForm.pupil_group = SelectField(
            "Which pupils is it mainly for?", validators=[Optional()],
            choices=[SelectChoice("", "Choose if you like"),
                     *(SelectChoice(k, v[:1].upper() + v[1:]) for k, v in groups.items())])
        MenuForm.goal = TextAreaField("Your goal, in your own words", validators=[Length(max=GOAL_LIMIT)])
    data = {"focus": choice["focuses"][0] if plan["choices"] == 1 and choice["focuses"] else choice["focuses"],
            "pupil_group": choice.get("pupil_group") or "", "goal": choice.get("goal") or ""}
    return MenuForm(data=data) if sent else MenuForm(formdata=None, data=data)


def _menu_errors(form: FlaskForm, problems: list[str]) -> list[tuple[str, str | None]]:
    """(message, anchor) for the error summary: the pupils and goal link to their fields.

    A focus is chosen with a button beside it, not a field, so a problem with the focus stands in the
    summary alone, without a link.
    """
    fields = [f for f in (getattr(form, n, None) for n in ("focus", "pupil_group", "goal")) if f is not None]
    return [(f"{field.label.text}: {e}", None if field.name == "focus" else field.id)
            for field in fields for e in field.errors] + [(p, None) for p in problems]


def _chosen(form: FlaskForm, plan: dict, choice: dict) -> tuple[list[str], str | None, str]:
    """The focuses, pupil group and goal this post asks for: what it sent, and the saved choice for the rest."""
    part = form.part.data or ""
    saved = choice["focuses"] if choice["confirmed"] else []
    if "focus" not in PARTS[part]:
        focuses = saved
    elif part == "focus" and plan["choices"] > 1:
        picked = form.focus.data
        focuses = [f for f in saved if f != picked] if form.change.data == "remove" else [*saved, picked]
    else:
        focuses = form.focus.data if isinstance(form.focus.data, list) else [form.focus.data]
    if "goal" in PARTS[part]:
        return focuses, form.pupil_group.data, form.goal.data or ""
    return focuses, choice.get("pupil_group"), choice.get("goal") or ""


@bp.route("/questionnaire/menu", methods=["GET", "POST"])
def learning_menu():  # noqa: ANN201
    """The menu of learning focuses ranked for this teacher, each with its reasons and its own choose button."""
    record, definition, store = g.response, g.definition, get_store()
    if record["status"] != "submitted":
        return redirect(url_for(".review"))
    ranked, group = menu.for_teacher(store, g.cohort, record)
    plan = menu.plan_for(store, g.cohort)
    choice = current_choice(record, definition)
    part = request.form.get("part", "") if request.method == "POST" else "details"
    if part not in PARTS:
        abort(400, "The form was sent from an unknown part of the menu page.")
    form, problems = _menu_form(plan, choice, part), []
    if not is_locked(record) and form.validate_on_submit():  # a closed cohort never gets here with a POST
        focuses, pupil_group, goal = _chosen(form, plan, choice)
        try:
            store.update_response(record["cohort"], record["id"], lambda current: choose(
                current, focuses, pupil_group, goal,
                offered={f["id"] for f in plan["focuses"] if f["offered"]}, limit=plan["choices"],
                pupil_groups=set(plan["labels"]["pupil_groups"]), cycle=cycles.current(g.cohort)["number"]))
        except BadChoice as exc:
            if not focuses:  # the pupils-and-goal form, sent before any focus was chosen
                problems.append("Choose a learning focus first: each focus on the list has its own button.")
            else:
                problems.append(str(exc))
        else:
            if part == "focus":
                flash("Your learning focus is saved. Below it you can say which pupils it is for and write your "
                      "goal. You can change it until your coaching pair is confirmed.")
                return redirect(url_for(".learning_menu"))
            flash("Your learning focus is saved. You can change it until your coaching pair is confirmed.")
            return redirect(url_for(".summary"))
    # The pupils-and-goal form shows what was just sent (if it was sent), else the saved choice.
    details = form if hasattr(form, "goal") else _menu_form(plan, choice, "details", sent=False)
    titles = {f["id"]: f["title"] for f in plan["focuses"]}
    kept = [f for f in choice["focuses"] if not next((x["offered"] for x in plan["focuses"] if x["id"] == f), False)]
    status = 422 if form.errors or problems else 200
    return render_template("teacher/menu.html", ranked=ranked, group=group, details=details, choice=choice,
                           titles=titles, locked=is_locked(record), kept=kept, errors=_menu_errors(form, problems),
                           closed=_closed_why(), several=plan["choices"] > 1, limit=plan["choices"]), status
