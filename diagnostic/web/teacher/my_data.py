"""Teacher pages for their own data: what is held and who sees it, a download of all of it, and asking for erasure.

The views are registered on the teacher blueprint, so `load_response` has put
this teacher's cohort and response in `g` before any of them runs: the session
decides whose data it is, never the address.
"""

from __future__ import annotations

import json

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField

from diagnostic.services.erasure import request_erasure, teacher_data
from diagnostic.web.pages import get_store
from diagnostic.web.teacher import bp

ASKED = ("Your request is recorded. An admin will erase your data; until they do, your private link still "
         "works, so you can download a copy first.")


class AskForm(FlaskForm):
    """Asking for erasure: the confirmation page's "Yes, delete" button, with the CSRF token.

    `confirm` is set only by that page, so a post from anywhere else (an old copy of the data page,
    a replayed request) shows the confirmation page instead of acting.
    """

    confirm = HiddenField()


@bp.get("/questionnaire/my-data")
def my_data():  # noqa: ANN201
    """What is held about me, who can see it, a download of it all and a button to ask for it to be deleted."""
    data = teacher_data(get_store(), g.cohort, g.response)
    return render_template("teacher/my_data.html", data=data)


@bp.get("/questionnaire/my-data.json")
def my_data_json():  # noqa: ANN201
    """Everything held about me, as a JSON file to keep."""
    body = json.dumps(teacher_data(get_store(), g.cohort, g.response), indent=2, ensure_ascii=False)
    # A browser or proxy must not keep a copy of someone's self-assessment around.
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="starting-points-my-data.json"', "Cache-Control": "no-store"})


@bp.get("/questionnaire/my-data/delete")
def confirm_erasure():  # noqa: ANN201
    """The step before asking: what will be deleted, with "Yes, delete my data" and a way back."""
    if g.response.get("erasure_requested_at"):
        return redirect(url_for(".my_data"))  # already asked: the data page says when
    data = teacher_data(get_store(), g.cohort, g.response)
    return render_template("teacher/my_data_delete.html", data=data, form=AskForm())


@bp.post("/questionnaire/my-data/delete")
def ask_for_erasure():  # noqa: ANN201
    """Record that I asked for my data to be deleted (only from the confirmation page); an admin erases it."""
    form = AskForm()
    if not form.validate_on_submit():
        abort(400)
    if form.confirm.data != "yes":
        return redirect(url_for(".confirm_erasure"), 303)
    request_erasure(get_store(), g.cohort, g.response["id"])
    flash(ASKED)
    return redirect(url_for(".my_data"))


@bp.after_request
def partner_told_once(response: Response) -> Response:
    """A partner's withdrawal is told once: once the partner page has shown it, it is cleared."""
    record = g.get("response") or {}
    if request.endpoint == "teacher.partner" and response.status_code == 200 and record.get("partner_withdrew"):
        get_store().update_response(g.cohort["id"], record["id"], lambda r: {
            k: v for k, v in r.items() if k != "partner_withdrew"})
    return response
