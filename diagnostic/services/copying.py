"""Copy every record of one store into another (a TinyDB installation into PostgreSQL), and prove it arrived.

Each kind of record is read through the store interface from both sides, keyed by what identifies it, so the
copy is exact (compared as canonical JSON, models by their bytes), a second run finds nothing to do, and a
target holding other data is refused unless the operator says to add to it. Nothing is overwritten: a record
whose key is in the target with other content stops the copy before anything is written.

The definition and menu files an operator or an admin put into the source's `DATA/definitions/` folder are not
records of its store, but every server of the target should find them too, so they can be copied with the
store's own definition files (`folder_files`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from diagnostic.services.cohorts import definition_dirs
from diagnostic.services.definitions import kind_of
from diagnostic.storage.interface import Record, Store
from forms.catalog import SHIPPED, definition_files, load_checked
from forms.loader import load_menu
from forms.yamlfile import FileProblems, read_yaml

BATCH = 1000  # responses per transaction: a 20,000-teacher cohort is 20 short writes, not one long one
Key = tuple[str, ...]


class CopyRefused(Exception):
    """The target holds data the copy would clash with, or the copy did not arrive as it left."""


@dataclass
class KindReport:
    """What happened to one kind of record: how many the source has, how many were copied, and the check."""

    kind: str
    source: int = 0
    copied: int = 0
    already: int = 0
    checksum: str = ""
    verified: bool = False
    problems: list[str] = field(default_factory=list)


def _model(store: Store, cohort_id: str) -> str | None:
    model = store.load_model(cohort_id)
    return None if model is None else hashlib.sha256(model).hexdigest()


def snapshot(store: Store) -> dict[str, dict[Key, Any]]:
    """Every record of a store, by kind and key (models stand in by their SHA-256)."""
    cohorts = store.list_cohorts()
    kinds: dict[str, dict[Key, Any]] = {
        "cohorts": {(c["id"],): c for c in cohorts},
        "published forms": {(f["id"], f["version"]): store.get_form(f["id"], f["version"]) for f in store.list_forms()},
        "definition files": {(f["kind"], f["id"], f["version"]): store.get_definition_file(f["kind"], f["id"],
                                                                                          f["version"])
                             for f in store.list_definition_files()},
        "accounts": {(u["id"],): u for u in store.list_users()},
        "audit log": _audit_keys(store.audit_log()),
    }
    for name in ("responses", "groupings", "earlier groupings", "group names", "pairing states", "partnerships",
                 "coaching log"):
        kinds[name] = {}
    for cohort in cohorts:
        cid = cohort["id"]
        kinds["responses"].update({(cid, r["id"]): r for r in store.list_responses(cid)})
        grouping = store.load_grouping(cid)
        if grouping is not None:
            kinds["groupings"][(cid,)] = {"record": grouping, "model": _model(store, cid)}
        for n, earlier in enumerate(reversed(store.earlier_groupings(cid))):  # oldest first
            loaded = store.load_earlier_grouping(cid, earlier["id"])
            model = loaded[1] if loaded else None
            kinds["earlier groupings"][(cid, f"{n:04d}")] = {
                "record": earlier["record"], "labels": earlier["labels"],
                "model": None if model is None else hashlib.sha256(model).hexdigest()}
        kinds["group names"].update({(cid, key): label for key, label in store.group_labels(cid).items()})
        kinds["pairing states"].update({(cid, s["mode"]): s for s in store.pairing_states(cid)})
        kinds["partnerships"].update({(cid, p["id"]): p for p in store.list_partnerships(cid)})
        kinds["coaching log"].update({(cid, e["id"]): e for e in store.log_entries(cid)})
    return kinds


def _audit_keys(entries: list[Record]) -> dict[Key, Any]:
    """The audit log keyed by what each entry says, not by where it stands, oldest first.

    A database set up before the copy has audit entries of its own (its first account, a cohort); keyed by
    position, the source's first entry would clash with the target's, so no copy could ever be added to it.
    Identical entries are told apart by how many of them came before.
    """
    keyed, seen = {}, Counter()
    for entry in entries:
        digest = hashlib.sha256(json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]
        seen[digest] += 1
        keyed[(str(entry.get("at") or ""), digest, str(seen[digest]))] = entry
    return keyed


def canonical(key: Key, record: Any) -> str:
    """A record as canonical JSON, the form both sides are compared in."""
    return json.dumps([list(key), _plain(record)], sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> Any:
    """-0.0 as 0.0: PostgreSQL's numbers have no negative zero, and a rounded map position can be one."""
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def checksum(records: dict[Key, Any]) -> str:
    """One SHA-256 over a kind's records in key order, each as canonical JSON."""
    digest = hashlib.sha256()
    for key in sorted(records):
        digest.update(canonical(key, records[key]).encode())
    return digest.hexdigest()


def plan(source: dict[str, dict[Key, Any]], target: dict[str, dict[Key, Any]], into_nonempty: bool
         ) -> dict[str, list[Key]]:
    """The keys to copy per kind, or `CopyRefused` naming what stands in the way (nothing is written yet)."""
    problems, todo = [], {}
    for kind, records in source.items():
        there = target.get(kind, {})
        clashes = [key for key in records if key in there and there[key] != records[key]]
        if clashes:
            problems.append(f"{kind}: {len(clashes)} record(s) already in the target with other content "
                            f"(first: {'/'.join(clashes[0])})")
        others = [key for key in there if key not in records]
        if others and not into_nonempty:
            problems.append(f"{kind}: the target holds {len(others)} record(s) the source does not")
        todo[kind] = [key for key in records if key not in there]
        problems += _taken(kind, records, there, todo[kind])
    # A cohort's earlier groupings are kept in order, so they can be added only to a cohort that has none yet.
    started = {key[0] for key in target.get("earlier groupings", {})}
    mixed = sorted({key[0] for key in todo.get("earlier groupings", []) if key[0] in started})
    if mixed:
        problems.append(f"earlier groupings: the target already has some of cohort {mixed[0]!r}, so the "
                        "source's cannot be added in order")
    if problems:
        advice = "" if into_nonempty else " (--into-nonempty adds to a target holding other data)"
        raise CopyRefused("the target database cannot take this copy: " + "; ".join(problems) + advice)
    return todo


# What must be unique across records of a kind besides their key: a second account with one e-mail address,
# or a second cohort with one invitation, would be refused by the target halfway through the copy.
UNIQUE = {"accounts": "email", "cohorts": "invite"}


def _taken(kind: str, records: dict[Key, Any], there: dict[Key, Any], todo: list[Key]) -> list[str]:
    """Problems with records to copy whose unique field is already held by another record in the target."""
    name = UNIQUE.get(kind)
    if name is None:
        return []
    held = {record.get(name): key for key, record in there.items() if record.get(name)}
    taken = [key for key in todo if records[key].get(name) in held]
    if not taken:
        return []
    return [f"{kind}: {len(taken)} record(s) share their {name} with another record already in the target "
            f"(first: {'/'.join(taken[0])})"]


def folder_files(data_dir: Path) -> tuple[dict[Key, Record], list[str]]:
    """The definitions and menus in a data directory's `definitions/` folder, as definition files to copy.

    Only what an upload would take: a file with problems, or a definition with a shipped one's id and version,
    is left out (and named in the second part of the answer, with why).
    """
    folder, dirs = Path(data_dir) / "definitions", definition_dirs(data_dir)
    shipped = {(d["id"], str(d["version"])) for d in (read_yaml(p)[0] for p in definition_files([SHIPPED]))}
    found: dict[Key, Record] = {}
    left: list[str] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            data, _ = read_yaml(path)
            if kind_of(data) == "menu":
                menu = load_menu(path)
                key = ("menu", menu.id, menu.version)
            else:
                definition = load_checked(path, dirs)
                key = ("definition", definition.id, definition.version)
        except FileProblems:
            left.append(f"{path.name} (it has problems: run diagnostic forms check on it)")
            continue
        if key[0] == "definition" and key[1:] in shipped:
            left.append(f"{path.name} (it has the id and version of a shipped definition)")
            continue
        when = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        found.setdefault(key, {"kind": key[0], "id": key[1], "version": key[2],
                               "content": path.read_text(encoding="utf-8"),
                               "added_by": f"copied from definitions/{path.name}", "added_at": when})
    return found, left


def copy_store(source: Store, target: Store, into_nonempty: bool = False,
               progress: Callable[[str, int], None] = lambda kind, n: None,
               files: dict[Key, Record] | None = None) -> list[KindReport]:
    """Copy what `target` lacks of `source`, then check every kind arrived exactly; returns a report per kind.

    `files` (from `folder_files`) are copied as definition files too, unless the source's store has one of
    that kind, id and version; one the target holds with the same text is already there, however it came.
    """
    before, there = snapshot(source), snapshot(target)
    kept = there["definition files"]
    for key, record in (files or {}).items():
        same = key in kept and kept[key]["content"] == record["content"]
        before["definition files"].setdefault(key, kept[key] if same else record)
    todo = plan(before, there, into_nonempty)
    for kind, write in WRITERS.items():
        keys = todo[kind]
        for start in range(0, len(keys), BATCH):
            write(source, target, before[kind], keys[start:start + BATCH])
            progress(kind, min(start + BATCH, len(keys)))
    after = snapshot(target)
    reports = []
    for kind, records in before.items():
        arrived = {key: after[kind].get(key) for key in records}
        report = KindReport(kind, source=len(records), copied=len(todo[kind]), already=len(records) - len(todo[kind]),
                            checksum=checksum(records))
        report.verified = checksum(arrived) == report.checksum
        if not report.verified:
            wrong = [key for key in records if canonical(key, arrived[key]) != canonical(key, records[key])]
            report.problems.append(f"{len(wrong)} record(s) differ after copying (first: {'/'.join(wrong[0])})")
        elif kind == "audit log" and [key for key in after[kind] if key in records] != list(records):
            report.verified = False  # every entry arrived, but the log no longer reads in the source's order
            report.problems.append("the entries arrived in another order")
        reports.append(report)
    return reports


def _by_cohort(keys: list[Key]) -> dict[str, list[Key]]:
    found: dict[str, list[Key]] = {}
    for key in keys:
        found.setdefault(key[0], []).append(key)
    return found


def _cohorts(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for key in keys:
        target.add_cohort(records[key])


def _forms(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for key in keys:
        form = records[key]
        target.publish_form(form["id"], form["version"], form["digest"], form["definition"])


def _definition_files(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for key in keys:
        target.add_definition_file(records[key])


def _responses(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for cid, some in _by_cohort(keys).items():
        target.add_responses(cid, [records[key] for key in some])


def _groupings(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for (cid,) in keys:
        target.save_grouping(cid, records[(cid,)]["record"], source.load_model(cid))


def _earlier_groupings(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    # The interface keeps an earlier grouping by setting it aside from the current one: set each aside in turn,
    # oldest first, then put the current grouping back (or none, if the source had none).
    for cid, some in _by_cohort(keys).items():
        earlier = list(reversed(source.earlier_groupings(cid)))
        for _, n in some:
            record, model, labels = source.load_earlier_grouping(cid, earlier[int(n)]["id"])
            target.save_grouping(cid, record, model)
            target.keep_earlier_grouping(cid, labels, keep=len(earlier))
        current = source.load_grouping(cid)  # an earlier grouping is only ever set aside from a current one
        if current is not None:
            target.save_grouping(cid, current, source.load_model(cid))


def _group_names(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for cid, key in keys:
        target.set_group_label(cid, key, {k: v for k, v in records[(cid, key)].items() if k != "key"})


def _pairing_states(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for cid, mode in keys:
        target.update_pairing_state(cid, mode, lambda _, state=records[(cid, mode)]: state)


def _partnerships(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for cid, some in _by_cohort(keys).items():
        target.add_partnerships(cid, [records[key] for key in some])


def _coaching_log(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for cid, some in _by_cohort(keys).items():
        target.add_log_entries(cid, [records[key] for key in some])


def _accounts(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for key in keys:
        target.add_user(records[key])


def _audit_log(source: Store, target: Store, records: dict[Key, Any], keys: list[Key]) -> None:
    for key in keys:  # in the source's order (oldest first), after whatever the target already holds
        target.log(records[key])


# In the order records depend on each other: a cohort before its responses, a grouping after its earlier ones.
WRITERS: dict[str, Callable[[Store, Store, dict[Key, Record], list[Key]], None]] = {
    "cohorts": _cohorts, "published forms": _forms, "definition files": _definition_files, "responses": _responses,
    "earlier groupings": _earlier_groupings, "groupings": _groupings, "group names": _group_names,
    "pairing states": _pairing_states, "partnerships": _partnerships, "coaching log": _coaching_log,
    "accounts": _accounts, "audit log": _audit_log,
}
