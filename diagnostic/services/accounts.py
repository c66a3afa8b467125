"""Staff accounts: specialists, coordinators and admins, their passwords, their sessions and their cohorts.

Plain functions over the store. Teachers have no account: their private link is
their key. Passwords are hashed with werkzeug's current default (scrypt). Each
sign-in starts a server-side session whose secret lives in the session cookie
and whose hash lives in the account: signing out deletes it, so a copied cookie
stops working at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from diagnostic.services.audit import listed, record
from diagnostic.services.journey import now
from diagnostic.storage.interface import Record, Store

ROLES = ("specialist", "coordinator", "admin")
PASSWORD_MIN, PASSWORD_MAX = 12, 200  # characters; the sign-in form takes no longer a password than this
EMAIL_LIMIT = 254  # characters, the longest address mail can carry (and the sign-in form takes)
SESSIONS_KEPT = 10  # signed in on this many browsers at once, at most
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")


class AccountError(ValueError):
    """An account cannot be created or changed as asked."""


class OwnAdminAccess(AccountError):
    """An admin tried to take away their own admin access."""


def normal_email(email: str) -> str:
    """E-mail addresses are compared without case or surrounding spaces."""
    return email.strip().lower()


def create_user(store: Store, email: str, role: str, cohorts: list[str] = (), password: str | None = None,
                actor: str = "system") -> Record:
    """Add a staff account; without a password it cannot sign in until one is set."""
    email = normal_email(email)
    if len(email) > EMAIL_LIMIT:
        raise AccountError(f"an e-mail address is at most {EMAIL_LIMIT} characters (this one has {len(email)})")
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if store.find_user(email):
        raise AccountError(f"there is already an account for {email}")
    _check_cohorts(store, cohorts)
    user = {"id": secrets.token_hex(8), "email": email, "role": role, "cohorts": sorted(set(cohorts)),
            "password": None, "sessions": [], "active": True, "created_at": now()}
    if password is not None:
        user["password"] = _hash(password)
    store.add_user(user)
    record(store, actor, "add account", f"Added {'an' if role == 'admin' else 'a'} {role} account for {email}, "
                                        f"{_access(store, user['cohorts'])}"
                                        f"{'' if password is not None else ', with no password yet'}.")
    return user


def _check_cohorts(store: Store, cohorts: list[str]) -> None:
    known = {c["id"] for c in store.list_cohorts()}
    unknown = [c for c in cohorts if c not in known]
    if unknown:
        raise AccountError(f"no cohort {unknown[0]!r}")


def _hash(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"a password needs at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"a password is at most {PASSWORD_MAX} characters")
    return generate_password_hash(password)


def set_password(store: Store, email: str, password: str, actor: str = "system") -> Record:
    """Set an account's password; every session it had is ended."""
    user = store.find_user(normal_email(email))
    if user is None:
        raise AccountError(f"no account for {normal_email(email)}")
    hashed = _hash(password)
    changed = store.update_user(user["id"], lambda u: {**u, "password": hashed, "sessions": []})
    record(store, actor, "set password", f"Set a new password for {user['email']}; their sessions ended.")
    return changed


def update_access(store: Store, user_id: str, role: str, cohorts: list[str], active: bool,
                  actor: str) -> Record:
    """Change an account's role, cohorts or whether it may sign in; a change ends its sessions.

    Raises `OwnAdminAccess` if `actor` is this account's own admin taking away their admin access (so that
    an installation is never left without an admin by a slip), and `AccountError` for an unknown role or cohort.
    """
    account = store.get_user(user_id)
    if account is not None and account["email"] == actor and account["role"] == "admin" and (
            role != "admin" or not active):
        raise OwnAdminAccess("You cannot take away your own admin access: ask another admin.")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    _check_cohorts(store, cohorts)
    changed = store.update_user(user_id, lambda u: {**u, "role": role, "cohorts": sorted(set(cohorts)),
                                                    "active": active, "sessions": []})
    record(store, actor, "change account", f"Made {changed['email']} a {role}, "
                                           f"{_access(store, changed['cohorts'])}; "
                                           f"{'can sign in' if active else 'cannot sign in'}; their sessions ended.")
    return changed


def _access(store: Store, cohorts: list[str]) -> str:
    """Which cohorts an account sees, by name, in words."""
    names = {c["id"]: c["name"] for c in store.list_cohorts()}
    return f"with access to {listed([names.get(c, c) for c in cohorts], 'no cohorts')}"


@cache
def _dummy_hash() -> str:
    """A hash checked when no account matches, so a wrong e-mail costs as long as a wrong password.

    Made on the first sign-in rather than at import: scrypt takes about a quarter of a second, which every
    command would otherwise pay at start-up.
    """
    return generate_password_hash(secrets.token_hex(16))


def authenticate(store: Store, email: str, password: str) -> Record | None:
    """The active account with this e-mail and password, or None (the same time either way)."""
    dummy = _dummy_hash()  # before the look-up, so the first sign-in pays for it whoever it is for
    user = store.find_user(normal_email(email))
    hashed = user.get("password") if user else None
    matches = check_password_hash(hashed or dummy, password)
    return user if user and hashed and matches and user.get("active") else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, user: Record) -> str:
    """A new session secret for this account (the oldest sessions beyond `SESSIONS_KEPT` end)."""
    token = secrets.token_hex(24)
    store.update_user(user["id"], lambda u: {**u, "sessions": [*u.get("sessions", []), _token_hash(token)]
                                             [-SESSIONS_KEPT:], "last_sign_in": now()})
    return token


def end_session(store: Store, user_id: str, token: str) -> None:
    """End one session: its cookie no longer signs anyone in."""
    store.update_user(user_id, lambda u: {**u, "sessions": [s for s in u.get("sessions", [])
                                                            if s != _token_hash(token)]})


def session_user(store: Store, user_id: str, token: str) -> Record | None:
    """The active account this session belongs to, if the session has not ended."""
    user = store.get_user(user_id)
    if not user or not user.get("active"):
        return None
    wanted = _token_hash(token)
    return user if any(hmac.compare_digest(wanted, s) for s in user.get("sessions", [])) else None


def can_see(user: Record, cohort_id: str) -> bool:
    """Admins see every cohort; specialists and coordinators only those assigned to them."""
    return user["role"] == "admin" or cohort_id in user.get("cohorts", [])


