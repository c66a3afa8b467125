"""The coaching log: what a confirmed partnership's members (and their specialist) record together.

Partners plan, observe each other's lessons and talk about what they saw; the log keeps those conversations,
their successes and difficulties, and the review of their learning agreement after the first round of peer
coaching. Each entry has a date, a kind, who wrote it and text in the fields its kind asks for. Only its
author may change it, and a change sent from a stale page is refused (`StaleEntry`), as with the agreement.
The log is private to the partnership and its specialist: coordinators get only `liveness` (how many
entries, and the date of the last), never the text.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

from diagnostic.services import audit
from diagnostic.services.journey import now
from diagnostic.storage.interface import NotFound, Record, Store

TEXT_LIMIT = 2000  # characters per field: a page of notes, not an essay
# Each kind of entry, what it is called, and the fields it asks for (field id -> what it asks).
KINDS: dict[str, tuple[str, dict[str, str]]] = {
    "planning": ("Planning meeting", {"notes": "What you planned together"}),
    "observation": ("Classroom observation", {
        "strategy": "The strategy that was tried",
        "pupils": "How the pupils took part and responded",
        "prior_knowledge": "How the teacher used what the pupils already knew"}),
    "feedback": ("Feedback conversation", {"notes": "What you talked about, and what you will try next"}),
    "review": ("Review of the learning agreement", {
        "notes": "After the first round of peer coaching: what is working, and what you will change"}),
}
SPECIALIST_KINDS = ("observation", "feedback")  # what a specialist coaching the partnership writes


class LogError(ValueError):
    """An entry cannot be written or changed as asked; nothing was changed."""


class StaleEntry(LogError):
    """The entry changed since the page that sent this edit was opened."""


class NotYours(LogError):
    """Only the person who wrote an entry may change it."""


def check_entry(kind: str, on: date, fields: dict[str, str], author_role: str, today: date | None = None
                ) -> dict[str, str]:
    """The entry's fields, trimmed, or `LogError` naming what is wrong (kind, date, a field too long, all empty)."""
    if kind not in KINDS:
        raise LogError(f"unknown kind of entry {kind!r}: choose one of {', '.join(KINDS)}")
    if author_role == "specialist" and kind not in SPECIALIST_KINDS:
        raise LogError(f"a specialist writes {' or '.join(KINDS[k][0].lower() for k in SPECIALIST_KINDS)} entries")
    if on > (today or date.today()):
        raise LogError(f"the date {on.isoformat()} is in the future: log what has happened")
    asked = KINDS[kind][1]
    unknown = sorted(set(fields) - set(asked))
    if unknown:
        raise LogError(f"a {KINDS[kind][0].lower()} has no field {unknown[0]!r}")
    text = {name: (fields.get(name) or "").strip() for name in asked}
    for name, value in text.items():
        if len(value) > TEXT_LIMIT:
            raise LogError(f"{asked[name]}: keep it to {TEXT_LIMIT} characters (this has {len(value)})")
    if not any(text.values()):
        raise LogError("write something in the entry before saving it")
    return text


def add_entry(store: Store, cohort: Record, partnership: Record, author: Record, kind: str, on: date,
              fields: dict[str, str]) -> Record:
    """Write a new entry in a partnership's log; `author` is {"id", "name", "role"} (a member or its specialist)."""
    _check_author(partnership, author)
    text = check_entry(kind, on, fields, author["role"])
    entry = {"id": secrets.token_hex(8), "partnership": partnership["id"], "kind": kind, "on": on.isoformat(),
             "author": {k: author[k] for k in ("id", "name", "role")}, "text": text, "revision": 1,
             "written_at": now(), "changed_at": None}
    store.add_log_entry(cohort["id"], entry)
    audit.record(store, author["name"], "write coaching log", f"Wrote a {KINDS[kind][0].lower()} entry.",
                 cohort["id"])
    return entry


def edit_entry(store: Store, cohort: Record, entry_id: str, author: Record, revision: int, on: date,
               fields: dict[str, str]) -> Record:
    """Change one's own entry, if it is still as it was when the page was opened (`StaleEntry` if not)."""
    def change(current: Record) -> Record:
        if current["author"]["id"] != author["id"]:
            raise NotYours("only the person who wrote this entry can change it")
        if current["revision"] != revision:
            raise StaleEntry("this entry was changed in another tab or by another device since you opened it: "
                             "here it is as it is now")
        text = check_entry(current["kind"], on, fields, author["role"])
        return {**current, "on": on.isoformat(), "text": text, "revision": revision + 1, "changed_at": now()}
    try:
        return store.update_log_entry(cohort["id"], entry_id, change)
    except NotFound:
        raise LogError("there is no such entry in this log: it may have been removed") from None


def entries(store: Store, cohort: Record, partnership_id: str) -> list[Record]:
    """A partnership's log, the latest first (by its date, then by when it was written)."""
    found = store.log_entries(cohort["id"], partnership_id)
    return sorted(found, key=lambda e: (e["on"], e["written_at"]), reverse=True)


def liveness(store: Store, cohort: Record) -> dict[str, dict[str, Any]]:
    """What coordinators see of each partnership's log: how many entries, observations, and the last date."""
    seen: dict[str, dict[str, Any]] = {}
    for e in store.log_entries(cohort["id"]):
        alive = seen.setdefault(e["partnership"], {"entries": 0, "observations": 0, "last": None})
        alive["entries"] += 1
        alive["observations"] += e["kind"] == "observation"
        alive["last"] = max(alive["last"] or e["on"], e["on"])
    return seen


def forget(store: Store, cohort_id: str, gone: set[str], scrub: Callable[[str], str]) -> int:
    """Erase every entry these people wrote (an erased teacher, or the expert they also were), and take their
    name and goal (`scrub`) out of what others wrote; return how many entries went."""
    removed = store.remove_log_entries(cohort_id, lambda e: e["author"]["id"] in gone)
    for e in store.log_entries(cohort_id):
        text = {k: scrub(v) for k, v in e["text"].items()}
        if text != e["text"]:
            store.update_log_entry(cohort_id, e["id"], lambda current, text=text: {**current, "text": text})
    return removed


def _check_author(partnership: Record, author: Record) -> None:
    """Members write in their partnership's log; in specialist coaching the specialist is its first member."""
    if author["id"] not in partnership["members"] or (author["role"] == "specialist") != (
            partnership["mode"] == "specialist" and author["id"] == partnership["members"][0]):
        raise LogError("only the members of this partnership write in its log")
