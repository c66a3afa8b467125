"""The partnership health question on a teacher's partner page: "Is this partnership working for you?".

The question sits inside each partnership on the partner page (templates/teacher/_health_question.html, through
the `health_question` helper below) once the partnership is old enough; it also has a page of its own, which is
where an answer that needs fixing comes back with its error. Only the cohort's coordinators see the answer.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from diagnostic.services import agreements, partnership_health
from diagnostic.web.pages import get_store
from diagnostic.web.teacher import bp

WHO_SEES = "Only your programme's coordinators see this answer, not your partner."
SAVED = f"Thank you, your answer is saved. {WHO_SEES}"


class HealthForm(FlaskForm):
    """Yes or not really, and (if not really) what is getting in the way; its length is checked in the service."""

    working = RadioField("Is this partnership working for you?",
                         choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "Not really")],
                         validators=[InputRequired("Choose yes or not really.")])
    why = TextAreaField("What is getting in the way?")


def anchors(partnership_id: str) -> tuple[str, str]:
    """The ids the error summary links to: the first radio button, and the reason's text box."""
    return f"health-{partnership_id}-yes", f"health-why-{partnership_id}"


def question(partnership: dict, response_id: str, errors: list | None = None, typed: dict | None = None
             ) -> dict[str, Any] | None:
    """What the question block shows for one partnership: None before it is asked (or once it has ended)."""
    if not partnership_health.is_due(partnership):
        return None
    said = partnership_health.answer_of(partnership, response_id) or {}
    working = said.get("working")
    chosen = (typed or {}).get("working") or ({True: "yes", False: "no"}.get(working))
    return {"id": partnership["id"], "chosen": chosen, "why": (typed or {}).get("why", said.get("why", "")),
            "answered_at": (said.get("answered_at") or "")[:10], "limit": partnership_health.WHY_LIMIT,
            "who_sees": WHO_SEES,
            **{key: next((text for text, anchor in errors or [] if anchor == target), None)
               for key, target in zip(("working_error", "why_error"), anchors(partnership["id"]), strict=True)}}


@bp.context_processor
def _health_question() -> dict[str, Any]:
    # The partner page asks for each of its partnerships, so partner.py needs no change for this question.
    def health_question(partnership: dict) -> dict[str, Any] | None:
        return question(partnership, g.response["id"]) if g.get("response") else None
    return {"health_question": health_question}


@bp.route("/questionnaire/partner/<partnership_id>/health", methods=["GET", "POST"])
def partnership_health_page(partnership_id: str):  # noqa: ANN201
    """Ask, or save, whether this partnership is working for me (404 if it is not mine, 409 too early, 410 ended)."""
    store, me = get_store(), g.response["id"]
    partnership = partnership_health.mine(store, g.cohort, partnership_id, me)
    partnership_health.check_askable(partnership)
    form = HealthForm()
    if not form.is_submitted():
        return _render(partnership, [], None)
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return _render(partnership, [(e, anchors(partnership_id)[0]) for e in form.working.errors], form, 422)
    try:
        partnership_health.answer(store, g.cohort, partnership_id, me, form.working.data == "yes", form.why.data)
    except partnership_health.BadAnswer as exc:
        return _render(partnership, [(str(exc), anchors(partnership_id)[1])], form, 422)
    flash(SAVED)
    return redirect(url_for(".partner", _anchor=f"health-{partnership_id}"))


def _render(partnership: dict, errors: list, form: HealthForm | None, status: int = 200):  # noqa: ANN202
    typed = {"working": form.working.data, "why": form.why.data or ""} if form else None
    return render_template("teacher/health.html", partnership=partnership, kind=agreements.kind(partnership),
                           health=question(partnership, g.response["id"], errors, typed), errors=errors), status
