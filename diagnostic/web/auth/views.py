"""Staff sign-in and sign-out pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from diagnostic.services import audit
from diagnostic.services.accounts import (
    EMAIL_LIMIT,
    PASSWORD_MAX,
    authenticate,
    end_session,
    normal_email,
    start_session,
)
from diagnostic.web.auth import HOMES, Staff, bp, safe_next
from diagnostic.web.limits import limit_failures
from diagnostic.web.pages import get_store

WRONG = "That e-mail address and password do not match an account that can sign in."


class SignInForm(FlaskForm):
    email = EmailField("E-mail address", validators=[InputRequired("Enter your e-mail address."),
                                                     Length(max=EMAIL_LIMIT)])
    password = PasswordField("Password", validators=[InputRequired("Enter your password."), Length(max=PASSWORD_MAX)])


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_failures("RATELIMIT_SIGN_IN", 401, methods=["POST"])
def sign_in():  # noqa: ANN201
    """Staff sign in with their e-mail address and password; a new session starts."""
    form = SignInForm()
    problem = None
    if form.validate_on_submit():
        store = get_store()
        user = authenticate(store, form.email.data, form.password.data)
        if user is not None:
            session.clear()  # nothing from before signing in carries over (a teacher's link, say)
            login_user(Staff(user, start_session(store, user)))
            audit.record(store, user["email"], "sign in", "Signed in.")
            return redirect(safe_next(request.args.get("next")) or url_for(HOMES[user["role"]]))
        problem = WRONG
        # Named only if an account has that address: a mistyped password in the e-mail box is never kept.
        known = store.find_user(normal_email(form.email.data))
        audit.record(store, known["email"] if known else "someone without an account", "failed sign-in",
                     f"A sign-in failed from {request.remote_addr or 'an unknown address'}"
                     + (": wrong password, or an account that cannot sign in." if known else
                        " with an e-mail address that has no account."))
    status = 401 if problem else 422 if form.errors else 200
    errors = [(problem, "email")] if problem else [(e, form[name].id) for name, found in form.errors.items()
                                                    if name != "csrf_token" for e in found]
    return render_template("auth/sign_in.html", form=form, errors=errors), status


@bp.post("/sign-out")
def sign_out():  # noqa: ANN201
    """End this session everywhere: the cookie it used no longer signs anyone in."""
    if current_user.is_authenticated:
        end_session(get_store(), current_user.record["id"], current_user.token)
        audit.record(get_store(), current_user.email, "sign out", "Signed out.")
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for(".sign_in"))
