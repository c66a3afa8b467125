"""Coordinator pages: propose a cohort's coaching partnerships, adjust them (lock, rule out, move) and confirm.

Every change to the coordinator's rules proposes the mode again straight away,
so the proposal on the page is always the one that confirming would store.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError

from diagnostic.engines.pairing import MODES, PairingError
from diagnostic.engines.pairing.criteria import BY_MODE
from diagnostic.services import coaching_log, cycles, jobs, partnership_health, partnerships
from diagnostic.services.cohorts import published_definition
from diagnostic.web.coordinator import bp, browse
from diagnostic.web.coordinator.next_cycle import NextCycleForm
from diagnostic.web.pages import aria, get_store
from forms.limits import MENTOR_CAPACITY

TITLES = {"co-coaching": "Co-coaching", "mentoring": "Mentoring", "specialist": "Specialist coaching"}
PARTNER = {"co-coaching": "partner", "mentoring": "mentor", "specialist": "specialist"}
SCHOOL_RULES = [SelectChoice("any", "Any school: where partners work makes no difference"),
                SelectChoice("same", "Same school only"),
                SelectChoice("cross_preferred", "Different schools where possible"),
                SelectChoice("cross_required", "Different schools only")]
ALLOCATE = [SelectChoice("teacher", "To teachers one by one"), SelectChoice("group", "To whole starting-point groups")]
CRITERIA = {"focus": "Shared learning focus", "confidence": "Confidence a step apart",
            "availability": "Times in common", "observation": "Comfort being observed",
            "school": "Programme's school rule", "wishes": "Their own school wishes",
            "roles": "Willing to take turns coaching",
            "strength": "Mentor strong in the focus", "experience": "Mentor's experience",
            "expertise": "Expertise covers the focus", "need": "Need in the focus",
            "wants_coaching": "Asked to be coached"}
CAPACITY = f"A mentor can take from {MENTOR_CAPACITY[0]} to {MENTOR_CAPACITY[1]} mentees."


@bp.before_request
def known_mode() -> None:
    """Refuse a kind of partnership the engine does not offer (404), for every page that names one."""
    mode = (request.view_args or {}).get("mode")
    if mode is not None and mode not in MODES:
        abort(404, "Partnerships come in three kinds: co-coaching, mentoring and specialist coaching. "
                   "Pick one from the partnerships page.")


# -- forms: one small form per action ------------------------------------------------------------------
def _run_form(mode: str, options: dict[str, Any]) -> FlaskForm:
    """The options that apply to this mode, filled in with the last run's."""
    class RunForm(FlaskForm):
        pass

    if mode in partnerships.PEER_MODES:
        RunForm.school_rule = RadioField("Schools", choices=SCHOOL_RULES, default=options.get("school_rule", "any"),
                                         validators=[InputRequired("Choose how partners' schools count.")])
    if mode == "co-coaching":
        RunForm.relax_focus = BooleanField("Relax the shared-focus rule: pair teachers with different learning "
                                           "focuses when that makes a better partnership",
                                           default=options.get("relax_focus", False))
    if mode == "mentoring":
        RunForm.capacity = IntegerField("Mentees per mentor", default=options.get("capacity"),
                                        validators=[InputRequired(CAPACITY), NumberRange(*MENTOR_CAPACITY, CAPACITY)])
    if mode == "specialist":
        RunForm.by = RadioField("Allocate specialists", choices=ALLOCATE, default=options.get("by", "teacher"),
                                validators=[InputRequired("Choose whether specialists take teachers or groups.")])
    return RunForm()


class PeopleForm(FlaskForm):
    """Who an action is about, by id: people this page knows, two or more (or exactly `exactly`)."""

    people = SelectMultipleField("People", validate_choice=False,
                                 validators=[InputRequired("Choose who this is about.")])

    def __init__(self, known: dict[str, str], *, exactly: int | None = None, leads: set[str] = frozenset()):
        super().__init__()
        self.known, self.exactly, self.leads = known, exactly, leads

    def validate_people(self, field: SelectMultipleField) -> None:
        ids = list(dict.fromkeys(field.data))
        unknown = [p for p in ids if p not in self.known]
        if unknown:
            raise ValidationError(f"No one with the id “{unknown[0][:40]}” is waiting for a partnership of this kind "
                                  "in this cohort. Reload the page and try again.")
        if self.exactly and len(ids) != self.exactly:
            raise ValidationError("Choose exactly two people to rule out.")
        if len(ids) < 2:
            raise ValidationError("Choose at least two different people.")
        # In specialist coaching the specialist leads: first, and only first.
        if self.leads and (ids[0] not in self.leads or self.leads & set(ids[1:])):
            raise ValidationError("A specialist coaching partnership is one specialist with their teachers.")
        field.data = ids


class MoveForm(FlaskForm):
    """Put one teacher with a chosen partner, mentor or specialist."""

    teacher = HiddenField("Teacher to move", validators=[InputRequired("Say which teacher to move.")])
    to = SelectField("Put them with", validate_choice=False, validators=[InputRequired("Choose who to put them with.")])

    def __init__(self, leads: dict[str, str], **data: Any):
        super().__init__(**data)
        self.leads = leads

    def validate_to(self, field: SelectField) -> None:
        if field.data not in self.leads:
            raise ValidationError("Choose someone from the list.")
        if field.data == self.teacher.data:
            raise ValidationError("Choose someone other than the teacher you are moving.")


class ConfirmForm(FlaskForm):
    """Confirm the proposal shown on the page, named by its id: first to see what will be stored, then for sure."""

    proposal = HiddenField("Proposal", validators=[InputRequired("The proposal to confirm is missing.")])
    # Only the review page sends "yes": the partnerships page's button leads to the review, never straight in.
    sure = HiddenField("Sure")


class DissolveForm(FlaskForm):
    """Undo one confirmed partnership, named by its id."""

    partnership = HiddenField("Partnership", validators=[InputRequired("Say which partnership to undo.")])


# -- what the page shows --------------------------------------------------------------------------------
def together(names: list[str]) -> str:
    """People's names in a sentence: "A and B", "A, B and C"; a large group as "A and 12 teachers"."""
    names = [n or "someone" for n in names]
    if len(names) > 4:
        return f"{names[0]} and {len(names) - 1} teachers"
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _context(mode: str) -> dict[str, Any]:
    """Everything the pages need about who can be paired in this mode, read once per request."""
    store, cohort = get_store(), g.cohort
    # Only specialist coaching reads starting-point groups; skipping them elsewhere keeps large cohorts quick.
    facts = partnerships.cohort_facts(store, cohort, with_groups=mode == "specialist")
    listed = partnerships.specialists(cohort)
    done = [p for p in partnerships.confirmed(store, cohort) if p["mode"] == mode]
    settled = {m for p in done for m in p["members"]}
    waiting = [t for t in facts if t["id"] not in settled]
    teachers = labels(waiting)
    leads = {s["id"]: s["name"] for s in listed} if mode == "specialist" else teachers
    names = {t["id"]: t["name"] for t in facts} | {s["id"]: s["name"] for s in listed}
    return {"store": store, "waiting": waiting, "leads": leads, "names": names, "confirmed": done,
            "specialists": listed, "known": teachers | leads,
            "state": store.pairing_state(cohort["id"], mode),
            "forbidden": store.pairing_state(cohort["id"], partnerships.EVERY_MODE).get("forbidden", [])}


def labels(teachers: list[dict[str, Any]]) -> dict[str, str]:
    """How each teacher is listed where one must be chosen: name and school, and more only when that is shared.

    Two teachers called Grace Iqbal at Ashfield Primary are told apart by their learning focus; if that is
    shared too, by the reference they were imported under; and failing that by the start of their record's id.
    """
    found = {t["id"]: f"{t['name']} ({t['school']})" if t.get("school") else t["name"] for t in teachers}
    for extra in (lambda t: t.get("focus_title") or "no focus chosen yet", lambda t: f"ref {t.get('ref') or t['id']}",
                  lambda t: f"record {t['id'][:8]}"):
        shared = Counter(found.values())
        for t in teachers:
            if shared[found[t["id"]]] > 1:
                found[t["id"]] += f", {extra(t)}"
    return found


def _best(mode: str) -> dict[str, float]:
    """The weight of each criterion in this mode: a partnership meeting every one fully scores their sum."""
    definition = published_definition(get_store(), g.cohort["form_id"], g.cohort["form_version"])
    return partnerships.engine_config(definition)["weights"][mode.replace("-", "_")]


def _rows(proposal: dict | None, locked: list[list[str]], mode: str) -> list[dict[str, Any]]:
    """The proposal's partnerships as table rows, with their lock as it stands and who in them can be moved.

    Each row's `share` is its score as a share of the best a partnership could score (every criterion fully
    met), which is what a coordinator can read; None where the figures are withheld.
    """
    held = {frozenset(m) for m in locked}
    smallest = current_app.config["MIN_GROUP_SIZE"]
    weights = _best(mode) if proposal and proposal.get("pairs") else {}
    rows = []
    for n, pair in enumerate((proposal or {}).get("pairs", [])):
        people = list(zip(pair["members"], pair["names"], pair["schools"], strict=False))
        if pair.get("group") and len(pair["members"]) - 1 < smallest:
            # A small group's averaged figures would come close to one teacher's own: withhold them.
            pair = {**pair, "criteria": {}, "score": None, "withheld": smallest}
        # In the engine's order: a server database need not keep the order of a stored proposal's keys (JSONB does not).
        order = {name: n for n, name in enumerate(BY_MODE[mode])}
        pair = {**pair, "criteria": dict(sorted(pair["criteria"].items(), key=lambda c: order.get(c[0], len(order))))}
        best = sum(weights.get(k, 0) for k in pair["criteria"])
        share = pair["score"] / best if pair["score"] is not None and best else None
        rows.append({**pair, "n": n, "together": together(pair["names"]), "people": people, "share": share,
                     "locked": frozenset(pair["members"]) in held,
                     "movable": people if mode == "co-coaching" else people[1:]})
    return rows


def _run_again(mode: str) -> str:
    """Propose the mode again after a change of rules (if it has a proposal), and say how that went."""
    store, cohort, actor = get_store(), g.cohort, current_user.email
    if not store.pairing_state(cohort["id"], mode).get("proposal"):
        return f"Run {TITLES[mode].lower()} again to see the change."
    try:
        if in_background(cohort):
            jobs.start(store, cohort["id"], "pairing", mode, actor,
                       lambda report: partnerships.run(store, cohort, mode, actor=actor),
                       lambda p: _proposed(p, mode), expected=(PairingError,))
            return "The partnerships are being proposed again with this change, in the background."
        partnerships.run(store, cohort, mode, actor=actor)
    except PairingError as exc:
        return f"The partnerships could not be proposed again: {_sentence(exc)}"
    except jobs.JobRunning:
        return "Partnerships are being proposed already: propose again once that run has finished to see the change."
    return "The partnerships below were proposed again with this change."


# -- the page and its actions -------------------------------------------------------------------------------
@bp.get("/cohorts/<cohort_id>/partnerships/<mode>")
def partnerships_page(cohort_id: str, mode: str):  # noqa: ANN201
    """The latest proposal for this kind of partnership: its summary, options and actions, rules and confirmed ones.

    The summary counts the whole proposal; the lists show one page each of what fits the filters in the address.
    """
    return _page(mode)


def _page(mode: str, ctx: dict[str, Any] | None = None, run_form: FlaskForm | None = None,  # noqa: ANN202
          errors: list[tuple[str, str]] = (), status: int = 200):
    """The partnerships page, with the run form as posted and the errors of a refused action.

    `ctx` is the request's `_context`, when the action read it already (nothing was stored since).
    """
    ctx = ctx or _context(mode)
    state, proposal = ctx["state"], ctx["state"].get("proposal")
    definition = published_definition(ctx["store"], g.cohort["form_id"], g.cohort["form_version"])
    options = {"capacity": partnerships.pairing_of(definition).mentor_capacity, **state.get("options", {})}
    # Ruled-out pairs are stored by id; the coordinator reads them by name, in alphabetical order.
    named = [sorted((ctx["names"].get(i, "someone no longer in the cohort"), i) for i in p) for p in ctx["forbidden"]]
    forbidden = [{"names": [n for n, _ in pair], "people": [i for _, i in pair]} for pair in sorted(named)]

    focuses = {f.id: f.title for f in definition.learning_focuses.focuses} if definition.learning_focuses else {}
    flags = {k: v for k, v in browse.FLAGS.items() if k != "trio" or mode == "co-coaching"}
    filters, notes = browse.read_filters(request.args, list(g.cohort.get("schools") or []), focuses, flags)
    rows = _rows(proposal, state.get("locked", []), mode)
    shown = browse.sort_rows([r for r in rows if browse.partnership_matches(r, filters)], filters.sort)
    facts = {t["id"]: t for t in ctx["waiting"]}
    unpaired = [{**u, "school": facts.get(u["respondent"], {}).get("school"),
                 "focus": facts.get(u["respondent"], {}).get("focus"),
                 "label": ctx["known"].get(u["respondent"], u["name"])} for u in (proposal or {}).get("unpaired", [])]
    people_only = replace(filters, flag="")
    return render_template(
        "coordinator/pairing.html", cohort=g.cohort, mode=mode, modes=MODES, titles=TITLES, partner=PARTNER[mode],
        criteria=CRITERIA, run_form=run_form or _run_form(mode, options), proposal=proposal,
        summary=browse.summary(rows, unpaired, mode) if proposal else None,
        rows=browse.page_of(shown, request.args, "page", notes, "partnerships"),
        unplaced=browse.page_of([u for u in unpaired if browse.teacher_matches(u, people_only)], request.args,
                                "unplaced_page", notes, "teachers not placed"),
        confirmed=browse.page_of([p for p in ctx["confirmed"] if browse.partnership_matches(p, people_only)],
                                 request.args, "confirmed_page", notes, "confirmed partnerships"),
        confirmed_total=len(ctx["confirmed"]), filters=filters, notes=notes, focuses=focuses, flags=flags,
        sorts=browse.SORTS, schools=g.cohort.get("schools") or [], page_size=browse.PAGE_SIZE,
        weak_point=browse.WEAK_POINT,
        broken=partnerships.broken(ctx["store"], g.cohort, proposal, mode),
        forbidden=forbidden, specialists=ctx["specialists"],
        waiting=len(ctx["waiting"]), errors=list(errors), together=together, aria=aria,
        # Only that each log is alive: how many entries and when the last was, never what partners wrote.
        alive=coaching_log.liveness(ctx["store"], g.cohort),
        earlier=partnerships.from_earlier_cycle(ctx["store"], g.cohort, mode),
        next_form=NextCycleForm(), cycle=cycles.current(g.cohort)["number"],
        job=jobs.latest(ctx["store"], g.cohort["id"], "pairing", mode), **_attention(ctx, mode)), status


def _attention(ctx: dict[str, Any], mode: str) -> dict[str, Any]:
    """The "may need attention" section: this mode's flagged partnerships, and how many the other modes have."""
    flagged = partnership_health.needing_attention(ctx["store"], g.cohort)
    return {"attention": [f for f in flagged if f["mode"] == mode],
            "attention_elsewhere": Counter(f["mode"] for f in flagged if f["mode"] != mode),
            "quiet_weeks": partnership_health.quiet_weeks(g.cohort),
            "quiet_range": partnership_health.QUIET_WEEKS_RANGE}


def page_with_errors(mode: str, errors: list[tuple[str, str]], status: int):  # noqa: ANN201
    """The partnerships page showing why an action on it was refused (each error with the id it links to)."""
    return _page(mode, errors=errors, status=status)


def _refused(mode: str, errors: list[str], anchor: str, status: int,  # noqa: ANN202
             ctx: dict[str, Any] | None = None):
    """The page with the errors of a refused action; `ctx` when nothing can have changed since it was read."""
    return _page(mode, ctx, errors=[(e, anchor) for e in errors], status=status)


def _form_errors(form: FlaskForm) -> list[str]:
    return [e for name, found in form.errors.items() if name != "csrf_token" for e in found]


@bp.post("/cohorts/<cohort_id>/partnerships/<mode>/run")
def run_partnerships(cohort_id: str, mode: str):  # noqa: ANN201
    """Propose partnerships with the options chosen, keeping the locks and ruled-out pairs."""
    form = _run_form(mode, {})
    if not form.validate_on_submit():
        errors = [(f"{form[name].label.text}: {e}", form[name].id) for name, found in form.errors.items()
                  if name != "csrf_token" for e in found]
        return _page(mode, run_form=form, errors=errors, status=422)
    options = {name: value for name, value in form.data.items() if name != "csrf_token"}
    store, cohort, actor = get_store(), g.cohort, current_user.email

    def work(report) -> dict:  # noqa: ANN001 - jobs' progress callback
        report("matching teachers")
        return partnerships.run_if_pairable(store, cohort, mode, options, actor=actor)

    try:
        if in_background(cohort):
            jobs.start(store, cohort_id, "pairing", mode, actor, work, lambda p: _proposed(p, mode),
                       expected=(PairingError,))
            flash("Proposing partnerships for this many teachers takes a while, so it goes on in the background: "
                  "this page shows how far it has got.")
        else:
            flash(_proposed(work(lambda step: None), mode))
    except PairingError as exc:
        return _page(mode, run_form=form, errors=[(_sentence(exc), "run-options")], status=409)
    except jobs.JobRunning as exc:
        return _page(mode, run_form=form, errors=[(f"Partnerships are being proposed already: {exc}.",
                                                   "run-options")], status=409)
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode))


def in_background(cohort: dict[str, Any]) -> bool:
    """Whether a run for this cohort is big enough to go to a background job (BACKGROUND_FROM teachers)."""
    submitted = get_store().count_responses(cohort["id"], cycle=cycles.current(cohort)["number"]).get("submitted", 0)
    return submitted >= current_app.config["BACKGROUND_FROM"]


def _proposed(proposal: dict[str, Any], mode: str) -> str:
    """In words, what a run proposed."""
    return (f"Proposed {len(proposal['pairs'])} {TITLES[mode].lower()} partnership"
            f"{'s' if len(proposal['pairs']) != 1 else ''}; {len(proposal['unpaired'])} "
            f"teacher{'s are' if len(proposal['unpaired']) != 1 else ' is'} not placed yet.")


@bp.post("/cohorts/<cohort_id>/partnerships/<mode>/lock")
def lock_partnership(cohort_id: str, mode: str):  # noqa: ANN201
    """Keep these people together whenever this kind of partnership is proposed again."""
    ctx = _context(mode)
    form = PeopleForm(ctx["known"], leads=set(ctx["leads"]) if mode == "specialist" else frozenset())
    if not form.validate_on_submit():
        return _refused(mode, _form_errors(form), "proposal", 422, ctx=ctx)
    try:
        partnerships.lock(ctx["store"], g.cohort, mode, form.people.data, actor=current_user.email)
    except PairingError as exc:
        return _refused(mode, [_sentence(exc)], "ruled-out", 409)
    flash(f"Locked {together([ctx['names'][p] for p in form.people.data])} together. {_run_again(mode)}")
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode))


@bp.post("/cohorts/<cohort_id>/partnerships/<mode>/unlock")
def unlock_partnership(cohort_id: str, mode: str):  # noqa: ANN201
    """Release a locked partnership, so the next proposal may pair its members differently."""
    ctx = _context(mode)
    form = PeopleForm(ctx["known"])
    if not form.validate_on_submit():
        return _refused(mode, _form_errors(form), "proposal", 422, ctx=ctx)
    if not any(set(m) == set(form.people.data) for m in ctx["state"].get("locked", [])):
        return _refused(mode, ["That partnership is not locked, so there is nothing to unlock."], "proposal", 409,
                        ctx=ctx)
    partnerships.unlock(ctx["store"], g.cohort, mode, form.people.data, actor=current_user.email)
    flash(f"Unlocked {together([ctx['names'][p] for p in form.people.data])}. {_run_again(mode)}")
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode))


@bp.post("/cohorts/<cohort_id>/partnerships/<mode>/forbid")
def forbid_pair(cohort_id: str, mode: str):  # noqa: ANN201
    """Never put these two together, in any kind of partnership."""
    ctx = _context(mode)
    form = PeopleForm(ctx["known"], exactly=2)
    if not form.validate_on_submit():
        return _refused(mode, _form_errors(form), "proposal", 422, ctx=ctx)
    first, second = form.people.data
    released = partnerships.forbid(ctx["store"], g.cohort, first, second, actor=current_user.email)
    lock = " They were locked together, so that lock was removed." if released else ""
    flash(f"Ruled out {together([ctx['names'][first], ctx['names'][second]])} as partners in every kind of "
          f"partnership.{lock} {_run_again(mode)}")
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode))


@bp.post("/cohorts/<cohort_id>/partnerships/<mode>/allow")
def allow_pair(cohort_id: str, mode: str):  # noqa: ANN201
    """Let a ruled-out pair be put together again."""
    ctx = _context(mode)
    form = PeopleForm({i: i for p in ctx["forbidden"] for i in p} | ctx["names"], exactly=2)
    if not form.validate_on_submit():
        return _refused(mode, _form_errors(form), "ruled-out", 422, ctx=ctx)
    first, second = form.people.data
    if frozenset((first, second)) not in {frozenset(p) for p in ctx["forbidden"]}:
        return _refused(mode, ["Those two are not ruled out, so there is nothing to allow."], "ruled-out", 409,
                        ctx=ctx)
    partnerships.allow(ctx["store"], g.cohort, first, second, actor=current_user.email)
    names = together([ctx["names"].get(p, "someone no longer in the cohort") for p in (first, second)])
    flash(f"{names[:1].upper()}{names[1:]} may be paired again. {_run_again(mode)}")
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode))


@bp.route("/cohorts/<cohort_id>/partnerships/<mode>/move", methods=["GET", "POST"])
def move_teacher(cohort_id: str, mode: str):  # noqa: ANN201
    """Choose the partner, mentor or specialist to put one teacher with (a lock with them)."""
    ctx = _context(mode)
    form = MoveForm(ctx["leads"], teacher=request.args.get("teacher"))
    teacher = next((t for t in ctx["waiting"] if t["id"] == form.teacher.data), None)
    if teacher is None:
        abort(404, f"That teacher is not waiting for a {TITLES[mode].lower()} partnership in this cohort. "
                   "Go back to the partnerships page and choose again.")
    search = " ".join((request.args.get("find") or "").split())[:browse.NAME_LIMIT]
    choices = _move_choices(mode, teacher, ctx, search)
    matched = len(choices) - 1 if search else None  # the first choice is "Choose a partner"
    if matched == 0:
        # Nobody matches: the page says so, and offers everyone rather than an empty list.
        choices = _move_choices(mode, teacher, ctx)
    form.to.choices = choices
    problem = None
    if form.validate_on_submit():
        try:
            partnerships.move(ctx["store"], g.cohort, mode, teacher["id"], form.to.data, actor=current_user.email)
        except PairingError as exc:
            problem = _sentence(exc)
        else:
            flash(f"Put {teacher['name']} with {ctx['names'][form.to.data]} and locked them together. "
                  f"{_run_again(mode)}")
            return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode))
    errors = [(problem, "to")] if problem else [(e, "to") for e in _form_errors(form)]
    status = 409 if problem else 422 if errors else 200
    current = next((r for r in _rows(ctx["state"].get("proposal"), [], mode) if teacher["id"] in r["members"]), None)
    return render_template("coordinator/pairing_move.html", cohort=g.cohort, mode=mode, title=TITLES[mode],
                           partner=PARTNER[mode], teacher=teacher, form=form, errors=errors, search=search,
                           matched=matched,
                           label=ctx["known"].get(teacher["id"], teacher["name"]), current=current,
                           aria=aria), status


def _move_choices(mode: str, teacher: dict[str, Any], ctx: dict[str, Any], search: str = "") -> list[SelectChoice]:
    """Who the teacher could be put with, the likeliest first: same focus, mentors, specialists in their focus.

    The list starts with no one chosen, so a coordinator never moves someone to whoever happened to be first;
    `search` keeps only those whose name or school contains it.
    """
    if mode == "specialist":
        fits = {s["id"] for s in ctx["specialists"] if teacher.get("focus") in s.get("expertise", [])}
        heading = f"Specialists in {(teacher.get('focus_title') or 'their focus').lower()}"
    elif mode == "mentoring":
        fits = {t["id"] for t in ctx["waiting"] if t.get("stage") == "mentor"}
        heading = "Experienced colleagues"
    else:
        fits = {t["id"] for t in ctx["waiting"] if t.get("focus") and t.get("focus") == teacher.get("focus")}
        heading = f"Also chose {(teacher.get('focus_title') or 'their focus').lower()}"
    others = sorted(((i, name) for i, name in ctx["leads"].items()
                     if i != teacher["id"] and search.casefold() in name.casefold()), key=lambda o: o[1].casefold())
    return [SelectChoice("", f"Choose a {PARTNER[mode]}"),
            *(SelectChoice(i, name, optgroup=heading if i in fits else "Everyone else")
              for i, name in sorted(others, key=lambda o: o[0] not in fits))]


@bp.post("/cohorts/<cohort_id>/partnerships/<mode>/confirm")
def confirm_partnerships(cohort_id: str, mode: str):  # noqa: ANN201
    """Confirm the proposal on the page, in two steps.

    The first post shows what confirming will store (how many partnerships, who is placed and who is not, the
    list itself) and asks again; the second, with `sure=yes`, stores each partnership and settles its teachers'
    learning focus. Both steps refuse a proposal that changed or was confirmed meanwhile.
    """
    ctx = _context(mode)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _refused(mode, _form_errors(form), "confirm", 422, ctx=ctx)
    if form.sure.data != "yes":
        try:
            proposal = partnerships.confirmable(ctx["store"], g.cohort, mode, form.proposal.data)
        except (partnerships.StaleProposal, PairingError) as exc:
            return _refused(mode, [_sentence(exc)], "confirm", 409)
        rows = _rows(proposal, ctx["state"].get("locked", []), mode)
        return render_template("coordinator/pairing_confirm.html", cohort=g.cohort, mode=mode, title=TITLES[mode],
                               partner=PARTNER[mode], proposal=proposal, rows=rows,
                               summary=browse.summary(rows, proposal["unpaired"], mode),
                               page_size=browse.PAGE_SIZE, weak_point=browse.WEAK_POINT, together=together)
    try:
        made = partnerships.confirm(ctx["store"], g.cohort, mode, form.proposal.data, actor=current_user.email)
    except (partnerships.StaleProposal, PairingError) as exc:
        return _refused(mode, [_sentence(exc)], "confirm", 409)
    flash(f"Confirmed {len(made)} {TITLES[mode].lower()} partnership{'s' if len(made) != 1 else ''}. "
          "Each teacher's learning focus is now settled.")
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode))


@bp.post("/cohorts/<cohort_id>/partnerships/<mode>/dissolve")
def dissolve_partnership(cohort_id: str, mode: str):  # noqa: ANN201
    """Undo a confirmed partnership: its teachers may be paired again and change their learning focus."""
    ctx = _context(mode)
    form = DissolveForm()
    if not form.validate_on_submit():
        return _refused(mode, _form_errors(form), "confirmed", 422, ctx=ctx)
    found = next((p for p in ctx["confirmed"] if p["id"] == form.partnership.data), None)
    if found is None:
        return _refused(mode, [f"There is no confirmed {TITLES[mode].lower()} partnership with that id in this "
                               "cohort: it may have been undone already."], "confirmed", 404, ctx=ctx)
    partnerships.dissolve(ctx["store"], g.cohort, found["id"], actor=current_user.email)
    flash(f"Undid the confirmed partnership of {together(found['names'])}. They may now change their learning "
          "focus, and are paired again the next time you run this.")
    return redirect(url_for(".partnerships_page", cohort_id=cohort_id, mode=mode))
