"""Teacher pages for confirmed coaching partnerships: my partner and our focus, and our learning agreement.

The views are registered on the teacher blueprint, so `load_response` has put
this teacher's cohort, response and questionnaire in `g` before any of them runs.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from diagnostic.services import agreements
from diagnostic.services.journey import shown_on_page
from diagnostic.services.partnerships import partnerships_of
from diagnostic.services.summary import describe_answer, review_rows
from diagnostic.web.pages import get_store
from diagnostic.web.teacher import bp
from diagnostic.web.teacher.assess import peer_block
from forms.builder import apply_visibility, build_page_form, error_links, form_data, read_answers
from forms.conditions import holds
from forms.limits import PARTNER_CONTACT
from forms.schema import Definition

CONTACT_SAVED = "Saved. Your coaching partner sees how to reach you on their partner page."
CONTACT_REMOVED = "Removed: your coaching partner no longer sees how to reach you."
SAVED = "Your learning agreement is saved. Your partner sees the same answers and can change them too."
STALE = ("This agreement was saved again after you opened this page, so nothing from your copy was saved. "
         "Last saved by {saved}. The latest answers are below; what you wrote is at the end of the page, "
         "so you can copy back anything you want to keep.")


class ContactForm(FlaskForm):
    """The optional answer to "How can your partner reach you?"."""

    contact = StringField("How can your partner reach you?", validators=[Length(
        max=PARTNER_CONTACT[1], message=f"Write it in at most {PARTNER_CONTACT[1]} characters.")])


@bp.route("/questionnaire/partner")
def partner():  # noqa: ANN201
    """My partner(s), how to reach them, our shared focus, each of our goals, and our learning agreement."""
    return _render_partner(ContactForm(formdata=None, contact=g.response.get("partner_contact", "")))


@bp.post("/questionnaire/partner/contact")
def partner_contact():  # noqa: ANN201
    """Save (or, left empty, remove) how my confirmed partner can reach me."""
    form = ContactForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_partner(form, 422)
    saved = agreements.save_contact(get_store(), g.cohort, g.response["id"], form.contact.data or "")
    flash(CONTACT_SAVED if saved.get("partner_contact") else CONTACT_REMOVED)
    return redirect(url_for(".partner"))


def _render_partner(form: ContactForm, status: int = 200):  # noqa: ANN202
    store, record = get_store(), g.response
    found = [{"partnership": p, "kind": agreements.kind(p),
              "people": agreements.members(store, g.cohort, p, record["id"]), "saved": agreements.last_saved(p),
              "peer": peer_block(p)}
             for p in partnerships_of(store, g.cohort, record["id"])]
    errors = [(f"{form.contact.label.text} {e}", form.contact.id) for e in form.contact.errors]
    return render_template("teacher/partner.html", partnerships=found, form=form, errors=errors,
                           contact_modes=agreements.CONTACT_MODES), status


@bp.route("/questionnaire/agreement/<partnership_id>", methods=["GET", "POST"])
def agreement(partnership_id: str):  # noqa: ANN201
    """Our learning agreement on one page: either partner fills it in; a copy older than the last save is refused."""
    store, record = get_store(), g.response
    partnership = agreements.open_for(store, g.cohort, partnership_id, record["id"])
    definition = agreements.definition_of(store, partnership)
    section = agreements.one_page(definition)
    page_form = build_page_form(section)
    posted = request.method == "POST"
    form = page_form(data=None if posted else _saved_data(partnership, definition))
    # Conditions are judged on what was posted, so a question hidden by it is neither checked nor stored.
    shown = apply_visibility(form, section, {}) if posted else section.questions
    if form.validate_on_submit():
        answers = {k: v for q in shown for k, v in read_answers(form, q).items()}
        try:
            agreements.save(store, g.cohort, partnership_id, record["id"], answers, _revision(form))
        except agreements.StaleAgreement as exc:
            latest = page_form(formdata=None, data=_saved_data(exc.latest, definition))
            message = STALE.format(saved=agreements.last_saved(exc.latest))
            return _render_agreement(latest, definition, exc.latest, 409, message, unsaved=answers)
        flash(SAVED)
        return redirect(url_for(".partner"))
    return _render_agreement(form, definition, partnership, 422 if form.errors else 200)


def _saved_data(partnership: dict, definition: Definition) -> dict[str, Any]:
    """The form's `data=`: the answers to show and the revision they were read at."""
    answers = agreements.answers_to_show(get_store(), g.cohort, partnership, definition)
    return {**form_data(agreements.one_page(definition), answers),
            "revision": str(partnership["agreement"]["revision"])}


def _revision(form: FlaskForm) -> int:
    """The agreement revision the page was opened at (a missing or garbled one is a bad request)."""
    try:
        return int(form.revision.data)
    except (TypeError, ValueError):
        abort(400, "The form was sent without a valid revision number.")


def _render_agreement(form: FlaskForm, definition: Definition, partnership: dict, status: int,
                      message: str | None = None, unsaved: dict | None = None):  # noqa: ANN202
    """The agreement page: each section's shown questions, the error summary and, after a 409, what was typed."""
    everything = definition.questions()
    answers = {k: v for q in everything for k, v in read_answers(form, q).items()}
    pages = [(s, [(q, "shown" if holds(q.show_if, answers) else "conditional") for q in s.questions
                  if shown_on_page(q, everything, answers) and q.answer_ids()[0] in form])
             for s in definition.sections]
    questions = [q for _, page in pages for q, _ in page]
    return render_template(
        "teacher/agreement.html", definition=definition, partnership=partnership, form=form, pages=pages,
        errors=error_links(form, questions), message=message, kind=agreements.kind(partnership),
        people=agreements.members(get_store(), g.cohort, partnership, g.response["id"]),
        saved=agreements.last_saved(partnership),
        unsaved=[(q, lines) for q in everything if (lines := describe_answer(q, unsaved or {}))],
    ), status


@bp.route("/questionnaire/agreement/<partnership_id>/print")
def agreement_print(partnership_id: str):  # noqa: ANN201
    """Our learning agreement as plain text, with names, focus and when it was last saved, to print or keep."""
    store = get_store()
    partnership = agreements.open_for(store, g.cohort, partnership_id, g.response["id"])
    definition = agreements.definition_of(store, partnership)
    answers = agreements.answers_to_show(store, g.cohort, partnership, definition)
    return render_template(
        "teacher/agreement_print.html", definition=definition, partnership=partnership,
        kind=agreements.kind(partnership), saved=agreements.last_saved(partnership),
        people=agreements.members(store, g.cohort, partnership, g.response["id"]),
        pages=review_rows(definition, answers),
    )
