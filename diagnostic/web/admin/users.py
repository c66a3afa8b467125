"""Admin: staff accounts: add one, change its role, cohorts or access, set its password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from diagnostic.services.accounts import (
    EMAIL_LIMIT,
    PASSWORD_MAX,
    PASSWORD_MIN,
    ROLES,
    AccountError,
    OwnAdminAccess,
    create_user,
    set_password,
    update_access,
)
from diagnostic.web.admin import bp
from diagnostic.web.pages import get_store

ROLE_LABELS = {"specialist": "Specialist: groups and individual responses of their cohorts",
               "coordinator": "Coordinator: menus, partnerships and the expertise map of their cohorts",
               "admin": "Admin: everything, including accounts and erasing a teacher's data"}


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _access_fields(form: type, cohorts: list[dict]) -> None:
    form.role = RadioField("Role", choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES],
                           validators=[InputRequired("Choose a role.")])
    # No Optional(): it would stop the checks at an empty first value and let unknown ids through.
    form.cohorts = Checkboxes("Cohorts", choices=[SelectChoice(c["id"], c["name"]) for c in cohorts])


def _add_form(cohorts: list[dict]) -> FlaskForm:
    class AddForm(FlaskForm):
        email = EmailField("E-mail address", validators=[InputRequired("Enter an e-mail address."),
                                                         Length(max=EMAIL_LIMIT)])
        password = PasswordField(f"First password (at least {PASSWORD_MIN} characters)",
                                 validators=[Optional(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)])

    _access_fields(AddForm, cohorts)
    return AddForm(prefix="add")


def _access_form(user: dict, cohorts: list[dict]) -> FlaskForm:
    class AccessForm(FlaskForm):
        active = BooleanField("Can sign in")

    _access_fields(AccessForm, cohorts)
    return AccessForm(prefix="access", data={"role": user["role"], "cohorts": user["cohorts"],
                                             "active": user.get("active", True)})


class PasswordForm(FlaskForm):
    password = PasswordField(f"New password (at least {PASSWORD_MIN} characters)",
                             validators=[InputRequired("Enter a password."),
                                         Length(min=PASSWORD_MIN, max=PASSWORD_MAX)])


def _errors(form: FlaskForm) -> list[tuple[str, str]]:
    return [(f"{form[name].label.text}: {e}", form[name].id) for name, found in form.errors.items()
            if name != "csrf_token" for e in found]


@bp.route("/users", methods=["GET", "POST"])
def users():  # noqa: ANN201
    """Every staff account, and a form to add one."""
    store = get_store()
    cohorts = store.list_cohorts()
    form = _add_form(cohorts)
    errors = []
    if form.validate_on_submit():
        try:
            create_user(store, form.email.data, form.role.data, form.cohorts.data or [], form.password.data or None,
                        actor=current_user.email)
        except AccountError as exc:
            errors = [(str(exc)[0].upper() + str(exc)[1:] + ".", form.email.id)]
        else:
            flash(f"Added an account for {form.email.data.strip().lower()}.")
            return redirect(url_for(".users"))
    errors = errors or _errors(form)
    names = {c["id"]: c["name"] for c in cohorts}
    return render_template("admin/users.html", form=form, errors=errors, users=store.list_users(), names=names,
                           roles=ROLE_LABELS), 422 if errors else 200


def _account(user_id: str) -> dict:
    record = get_store().get_user(user_id)
    if record is None:
        abort(404, "There is no account with that id.")
    return record


@bp.get("/users/<user_id>")
def user(user_id: str):  # noqa: ANN201
    """One account: its role, cohorts and whether it may sign in; and a new password."""
    return _user_page(_account(user_id))


def _user_page(record: dict, access: FlaskForm | None = None, password: FlaskForm | None = None,  # noqa: ANN202
               errors: list[tuple[str, str]] = (), status: int = 200):
    """The account page, with the forms as sent (and their errors) when one was refused."""
    access = access or _access_form(record, get_store().list_cohorts())
    return render_template("admin/user.html", user=record, access=access,
                           password=password or PasswordForm(prefix="password"), errors=list(errors),
                           roles=ROLE_LABELS), status


@bp.post("/users/<user_id>/access")
def user_access(user_id: str):  # noqa: ANN201
    """Change an account's role, cohorts or whether it may sign in (its sessions end)."""
    record = _account(user_id)
    form = _access_form(record, get_store().list_cohorts())
    if not form.validate_on_submit():
        return _user_page(record, access=form, errors=_errors(form), status=422)
    try:
        update_access(get_store(), user_id, form.role.data, form.cohorts.data or [], form.active.data,
                      actor=current_user.email)
    except OwnAdminAccess as exc:
        return _user_page(record, access=form, errors=[(str(exc), form.role.id)], status=409)
    flash(f"Saved the access of {record['email']}. Any session they had has ended.")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/users/<user_id>/password")
def user_password(user_id: str):  # noqa: ANN201
    """Set a new password for an account (its sessions end)."""
    record = _account(user_id)
    form = PasswordForm(prefix="password")
    if not form.validate_on_submit():
        return _user_page(record, password=form, errors=_errors(form), status=422)
    set_password(get_store(), record["email"], form.password.data, actor=current_user.email)
    flash(f"Set a new password for {record['email']}. Any session they had has ended.")
    return redirect(url_for(".user", user_id=user_id))
