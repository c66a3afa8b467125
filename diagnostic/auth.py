"""Staff sign-in and sign-out (Flask-Login), and the one access check each staff blueprint runs first.

Each staff blueprint calls `require(...)` from its `before_request`, so who may
open a view is decided in one place per blueprint, never view by view:
specialists see only their cohorts' pages, coordinators only theirs, admins
everything. Teachers never sign in: their private link opens their response.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from diagnostic import audit
from diagnostic.accounts import (
    EMAIL_LIMIT,
    PASSWORD_MAX,
    authenticate,
    can_see,
    end_session,
    normal_email,
    session_user,
    start_session,
)
from diagnostic.extensions import get_store
from diagnostic.limits import limit_failures

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to open that page."
login_manager.session_protection = None  # the server-side session check below is stricter
HOMES = {"specialist": "specialist.cohorts", "coordinator": "coordinator.cohorts", "admin": "admin.home"}
WRONG = "That e-mail address and password do not match an account that can sign in."


class Staff(UserMixin):
    """A signed-in staff member: their account record and the secret of this session."""

    def __init__(self, record: dict, token: str):
        self.record, self.token = record, token

    def get_id(self) -> str:
        return f"{self.record['id']}:{self.token}"

    @property
    def role(self) -> str:
        return self.record["role"]

    @property
    def email(self) -> str:
        return self.record["email"]


@login_manager.user_loader
def load_staff(user_id: str) -> Staff | None:
    """The staff member whose session this is, if it has not been ended (signed out, password changed)."""
    account, _, token = user_id.partition(":")
    record = session_user(get_store(), account, token) if token else None
    return Staff(record, token) if record else None


def require(*roles: str) -> None:
    """Allow only signed-in staff with one of `roles`, and only for their cohorts (the URL's `cohort_id`)."""
    if not current_user.is_authenticated:
        # Anonymous visitors are sent to sign in (and brought back), whatever the method.
        abort(login_manager.unauthorized())
    if current_user.role not in roles:
        abort(403, "Your account does not give you access to this page.")
    cohort_id = (request.view_args or {}).get("cohort_id")
    if cohort_id is not None and not can_see(current_user.record, cohort_id):
        abort(403, "This cohort is not one of yours. Ask an admin if you need access to it.")


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (never another site, never `//host`), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


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
