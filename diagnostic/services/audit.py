"""The audit log: who did what, in which cohort, and when, in plain words, for every change staff make.

Plain functions over the store. Services write an entry for each change they
make; sign-in writes one for each success and failure. An entry names the staff
member and the cohort, never a teacher: no names, no answers, no response ids
(counts instead), so it can be kept after a teacher's data is erased.
"""

from __future__ import annotations

import csv
import io

from diagnostic.services.csvio import neutralise
from diagnostic.services.journey import now
from diagnostic.storage.interface import Record, Store

# The kinds of action, as the admin's filter lists them.
KINDS = {
    "sign in": "Signed in", "failed sign-in": "Failed sign-in", "sign out": "Signed out",
    "add account": "Added an account", "change account": "Changed an account's access",
    "set password": "Set a password",
    "create cohort": "Created a cohort", "add definition": "Added a questionnaire or menu",
    "import responses": "Imported responses", "purge drafts": "Removed old unfinished answers",
    "regroup": "Re-grouped a cohort", "rename group": "Named or noted a group",
    "view starting point": "Viewed a teacher's starting point",
    "restore grouping": "Went back to an earlier grouping",
    "menu settings": "Changed the menu of learning focuses",
    "add specialist": "Added a specialist", "remove specialist": "Removed a specialist",
    "propose partnerships": "Proposed partnerships", "confirm partnerships": "Confirmed partnerships",
    "undo partnership": "Undid a partnership", "lock partnership": "Locked a partnership",
    "unlock partnership": "Unlocked a partnership", "move teacher": "Moved a teacher",
    "rule out pair": "Ruled out a pair", "allow pair": "Allowed a pair again",
    "erase a teacher's data": "Erased a teacher's data",
    "ask for a teacher's data to be erased": "A teacher asked for erasure",
}
CSV_HEADER = ["when", "who", "action", "cohort", "what"]


def record(store: Store, actor: str, action: str, what: str, cohort: str | None = None) -> None:
    """Add an entry: `actor` (an e-mail address, "command line" or a description) did `action`: `what`."""
    store.log({"at": now(), "actor": actor, "action": action, "cohort": cohort, "what": what})


def plural(count: int, one: str, many: str | None = None) -> str:
    """"1 teacher", "2 teachers": a count with the word that fits it."""
    return f"{count} {one if count == 1 else many or one + 's'}"


def listed(items: list[str], none: str = "none") -> str:
    """Items in a sentence: "a, b and c"; `none` when empty."""
    items = [str(i) for i in items]
    if not items:
        return none
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _in_words(entry: Record) -> Record:
    """An entry as the page shows it; entries written before plain words are put into words here."""
    what = entry.get("what")
    if what is None:  # an older entry: a target and a dictionary of details
        details = "; ".join(f"{k}: {listed(v) if isinstance(v, list) else v}"
                            for k, v in (entry.get("details") or {}).items())
        what = ". ".join(part for part in (entry.get("target") or "", details) if part)
    cohort = entry.get("cohort")
    if cohort is None and entry.get("action") in ("erase a teacher's data", "ask for a teacher's data to be erased",
                                                   "create cohort"):
        cohort = entry.get("target")  # older entries kept the cohort there
    return {"at": entry.get("at", ""), "actor": entry.get("actor", ""), "action": entry.get("action", ""),
            "label": KINDS.get(entry.get("action", ""), entry.get("action", "")), "cohort": cohort, "what": what}


def entries(store: Store, cohort: str | None = None, actor: str | None = None,
            action: str | None = None) -> list[Record]:
    """The log in plain words, newest first, keeping only entries that match each filter given."""
    found = [_in_words(e) for e in reversed(store.audit_log())]
    return [e for e in found if (not cohort or e["cohort"] == cohort) and (not actor or e["actor"] == actor)
            and (not action or e["action"] == action)]


def choices(store: Store) -> dict[str, list[str]]:
    """What the filters can choose from: the cohorts, people and kinds of action found in the log."""
    found = [_in_words(e) for e in store.audit_log()]
    return {"cohorts": sorted({e["cohort"] for e in found if e["cohort"]}),
            "actors": sorted({e["actor"] for e in found if e["actor"]}),
            "actions": sorted({e["action"] for e in found if e["action"]}, key=lambda a: KINDS.get(a, a))}


def as_csv(rows: list[Record]) -> str:
    """Entries as CSV text, every cell neutralised so that a spreadsheet runs none of them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in rows:
        writer.writerow([neutralise(v) for v in (e["at"], e["actor"], e["label"], e["cohort"] or "", e["what"])])
    return out.getvalue()
