"""Staff sign-in and sign-out (Flask-Login), and the one access check each staff blueprint runs first.

Each staff blueprint calls `require(...)` from its `before_request`, so who may
open a view is decided in one place per blueprint, never view by view:
specialists see only their cohorts' pages, coordinators only theirs, admins
everything. Teachers never sign in: their private link opens their response.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, request
from flask_login import LoginManager, UserMixin, current_user

from diagnostic.services.accounts import can_see, session_user
from diagnostic.web.pages import get_store

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to open that page."
login_manager.session_protection = None  # the server-side session check below is stricter
HOMES = {"specialist": "specialist.cohorts", "coordinator": "coordinator.cohorts", "admin": "admin.home"}


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
