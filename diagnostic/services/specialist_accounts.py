"""Listed specialists and the staff accounts they sign in with, and the coaching logs that opens to them.

A specialist on a cohort's list (`cohort["specialists"]`) is who leads specialist-coaching partnerships; a staff
account is who signs in. The coordinator links the two (`account`: the user id of a specialist account assigned
to the cohort), and only then does that account read and write those partnerships' coaching logs. Nothing else
is opened by the link: the log stays private to the partnership and its specialist, so admins are not let in.
"""

from __future__ import annotations

from diagnostic.engines.pairing import PairingError
from diagnostic.services import audit, partnerships
from diagnostic.storage.interface import Record, Store


class LinkRefused(PairingError):
    """That account cannot be linked to this listed specialist; nothing was changed."""


def cohort_accounts(store: Store, cohort: Record) -> list[Record]:
    """The active specialist accounts assigned to this cohort, by e-mail address: who can be linked."""
    return sorted((u for u in store.list_users() if u["role"] == "specialist" and u.get("active", True)
                   and cohort["id"] in u.get("cohorts", [])), key=lambda u: u["email"])


def check_account(store: Store, cohort: Record, user_id: str) -> Record:
    """The account to link, or `LinkRefused` saying why it cannot be (unknown, not a specialist, not here)."""
    user = store.get_user(user_id) if user_id else None
    if user is None:
        raise LinkRefused("there is no such sign-in account: it may have been removed")
    if user["role"] != "specialist":
        raise LinkRefused(f"{user['email']} is a {user['role']} account: only a specialist account can be linked")
    if cohort["id"] not in user.get("cohorts", []):
        raise LinkRefused(f"{user['email']} is not assigned to this cohort: an admin assigns it first")
    return user


def link_account(store: Store, cohort: Record, specialist_id: str, user_id: str | None,
                 actor: str = "system") -> Record:
    """Link a listed specialist to a specialist account of this cohort (or unlink, with no `user_id`)."""
    user = check_account(store, cohort, user_id) if user_id else None
    listed = next((s for s in partnerships.specialists(store.get_cohort(cohort["id"]) or cohort)
                   if s["id"] == specialist_id), None)
    if listed is None or listed.get("kind") == "internal":
        raise LinkRefused("there is no specialist with that id on this cohort's list (internal experts are "
                          "teachers, and have no staff account)")

    def change(c: Record) -> Record:
        listed = [{**({k: v for k, v in s.items() if k != "account"}),
                   **({"account": user["id"]} if user else {})} if s["id"] == specialist_id else s
                  for s in c.get("specialists") or []]
        return {**c, "specialists": listed}
    store.update_cohort(cohort["id"], change)
    audit.record(store, actor, "link specialist account",
                 f"Linked specialist {listed['name']} to {user['email']}." if user
                 else f"Unlinked specialist {listed['name']} from their sign-in account.", cohort["id"])
    return {**listed, "account": user["id"] if user else None}


def add_linked(store: Store, cohort: Record, name: str, kind: str, expertise: list[str], capacity: int,
               respondent: str | None = None, account: str | None = None, actor: str = "system") -> Record:
    """`partnerships.add_specialist`, with their sign-in account checked first (nothing is added if refused)."""
    if account:
        if kind == "internal":
            raise LinkRefused("an internal expert is one of the cohort's teachers and has no staff account")
        check_account(store, cohort, account)
    return partnerships.add_specialist(store, cohort, name, kind, expertise, capacity, respondent, actor=actor,
                                       account=account or None)


def linked_to(cohort: Record, user_id: str) -> dict[str, Record]:
    """The listed specialists (by id) this account signs in as."""
    return {s["id"]: s for s in partnerships.specialists(cohort) if s.get("account") == user_id}


def led_by(store: Store, cohort: Record, user_id: str) -> list[tuple[Record, Record]]:
    """Each confirmed specialist-coaching partnership led by a specialist linked to this account, with them."""
    mine = linked_to(cohort, user_id)
    return [(p, mine[p["members"][0]]) for p in partnerships.confirmed(store, cohort)
            if p["mode"] == "specialist" and p["members"] and p["members"][0] in mine]


def find_led(store: Store, cohort: Record, user_id: str, partnership_id: str) -> tuple[Record, Record] | None:
    """That partnership and its specialist, if this account leads it; None for anyone else (shown as 404)."""
    return next(((p, s) for p, s in led_by(store, cohort, user_id) if p["id"] == partnership_id), None)


def author(listed: Record) -> Record:
    """How a listed specialist signs their coaching-log entries."""
    return {"id": listed["id"], "name": listed["name"], "role": "specialist"}
