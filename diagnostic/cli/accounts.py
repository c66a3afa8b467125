"""The `diagnostic users` commands: staff accounts from the command line (registered on the main CLI)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from diagnostic.services.accounts import PASSWORD_MAX, PASSWORD_MIN, ROLES, AccountError, create_user, set_password
from diagnostic.web.pages import get_store


@click.group(cls=AppGroup)
def users() -> None:
    """Add staff accounts (specialists, coordinators, admins), set their passwords, list them."""


@users.command("add")
@click.option("--email", required=True, help="Their e-mail address: how they sign in.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--cohort", "cohorts", multiple=True, help="A cohort they work with (repeat); admins see all.")
def users_add(email: str, role: str, cohorts: tuple[str, ...]) -> None:
    """Add an account; it can sign in once a password is set (`users set-password`)."""
    try:
        user = create_user(get_store(), email, role, list(cohorts), actor="command line")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {user['email']} ({role}); set a password with: diagnostic users set-password "
               f"--email {user['email']}")


@users.command("set-password")
@click.option("--email", required=True, help="The account's e-mail address.")
@click.password_option(help=f"The new password ({PASSWORD_MIN} to {PASSWORD_MAX} characters); asked for if not "
                       "given.")
def users_set_password(email: str, password: str) -> None:
    """Set an account's password (asked for twice, not shown); every session it had ends."""
    try:
        set_password(get_store(), email, password, actor="command line")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password set for {email.strip().lower()}")


@users.command("list")
def users_list() -> None:
    """Each account: e-mail, role, cohorts, and whether it can sign in."""
    for u in get_store().list_users():
        state = "can sign in" if u.get("active") and u.get("password") else "no password yet" if u.get("active") \
            else "switched off"
        cohorts = "all cohorts" if u["role"] == "admin" else ", ".join(u["cohorts"]) or "no cohorts"
        click.echo(f"{u['email']}  {u['role']}  {cohorts}  ({state})")
