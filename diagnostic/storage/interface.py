"""The store interface: every operation the services use, and the errors it raises.

Services and views see only this class. A backend (`tinydb_store.TinyDBStore`, the default, or
`postgres_store.PostgresStore`) implements every method; the storage tests run against each backend through it.

Its promises, whatever the backend:
- every `update_*` takes a `change` function that gets the current record and returns the whole new
  record, which replaces the old one; `change` may raise to leave the record untouched, and no other
  writer can come in between;
- a page save touches one record, so its cost does not grow with the number of stored responses;
- `cohort_lock` serialises whole-cohort operations (pairing, confirming, re-grouping, erasing) across
  threads and processes, while single-record writes never wait on it.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

Record = dict[str, Any]
COHORT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a cohort id may be, in every backend (and never a path)


class StoreError(Exception):
    """The store cannot do what was asked (e.g. a damaged data file)."""


class NotFound(StoreError):
    """No record with that id."""


class VersionConflict(StoreError):
    """A form id and version is already published with different content (or a kept file is there already)."""


class DamagedGrouping(StoreError):
    """A cohort's saved grouping cannot be read; re-grouping replaces it."""


GROUPING_KEYS = {"groups": list, "members": dict, "model": dict, "features": list, "quality": dict, "params": dict,
                 "columns": list, "cohort_means": dict, "k": int, "method": str, "fitted_at": str, "responses": int}
GROUP_KEYS = {"key": str, "centre": dict, "means": dict, "generated_name": str, "generated_description": str}


def checked_grouping(record: Any, cohort_id: str) -> Record:
    """A saved grouping that has every part the pages read, or `DamagedGrouping` (an older or hand-edited one)."""
    shaped = (isinstance(record, dict)
              and all(isinstance(record.get(k), kind) for k, kind in GROUPING_KEYS.items())
              and all(isinstance(g, dict) and all(isinstance(g.get(k), kind) for k, kind in GROUP_KEYS.items())
                      for g in record["groups"]))
    if not shaped:
        raise DamagedGrouping(f"the saved groups for cohort {cohort_id!r} are not in the expected shape; "
                              "re-run the grouping")
    return record


def whole_cohort(operation: Callable) -> Callable:
    """Run a service `operation(store, cohort or cohort id, ...)` under that cohort's lock (`Store.cohort_lock`)."""
    @functools.wraps(operation)
    def locked(store: Store, cohort: Record | str, *args: Any, **kwargs: Any) -> Any:
        with store.cohort_lock(cohort if isinstance(cohort, str) else cohort["id"]):
            return operation(store, cohort, *args, **kwargs)
    return locked


class Store(ABC):
    """The records of one installation: cohorts, forms, definition files, responses, groupings, partnerships, staff.

    `data_dir` is this server's data directory, whatever the backend: its config.py, its secret key and the
    definitions an operator puts in by hand live there, and services look definitions up in it (and in a copy
    of the definition files kept in the store, written beside them).
    """

    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir)

    def ping(self) -> None:
        """Raise `StoreError` unless the store can be read now (a health check; reads one small record)."""
        self.get_cohort("health-check")  # no cohort has this id: the read itself is the check

    def close(self) -> None:  # noqa: B027 - a backend holding nothing open has nothing to do
        """Let go of what the store holds open (a database's connections); it opens them again if used."""

    @abstractmethod
    def add_cohort(self, cohort: Record) -> Record:
        """Store a new cohort (its `id` must be new)."""

    @abstractmethod
    def get_cohort(self, cohort_id: str) -> Record | None:
        """The cohort with this id, or None."""

    @abstractmethod
    def list_cohorts(self) -> list[Record]:
        """Every cohort, oldest first."""

    @abstractmethod
    def update_cohort(self, cohort_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a cohort under the lock; what it returns replaces the cohort (NotFound if none).

        A key `change` leaves out is gone afterwards: return the whole record (`{**cohort, ...}`).
        """

    @abstractmethod
    def find_cohort_by_invite(self, invite: str) -> Record | None:
        """The cohort whose invitation code this is, or None."""

    @abstractmethod
    def publish_form(self, form_id: str, version: str, digest: str, definition: Record) -> bool:
        """Record a form version as published; True if new, False if already there unchanged.

        Raises `VersionConflict` if this id and version was published with other content.
        """

    @abstractmethod
    def get_form(self, form_id: str, version: str) -> Record | None:
        """A published form version (with its normalised definition), or None."""

    @abstractmethod
    def list_forms(self) -> list[Record]:
        """Every published form version (id, version, digest), without the definitions."""

    @abstractmethod
    def add_definition_file(self, record: Record) -> Record:
        """Keep a definition or menu file an admin added, so that every app server can read it.

        `record` is {"kind": "definition" or "menu", "id", "version", "content": the YAML text exactly as
        checked, "added_by", "added_at"}. Raises `VersionConflict` if a file of that kind, id and version
        is already kept: a kept file never changes.
        """

    @abstractmethod
    def list_definition_files(self) -> list[Record]:
        """Every definition and menu file kept, oldest first: kind, id, version, added_by, added_at (no content)."""

    @abstractmethod
    def get_definition_file(self, kind: str, file_id: str, version: str) -> Record | None:
        """One kept definition or menu file, with its content, or None."""

    @abstractmethod
    def add_responses(self, cohort_id: str, responses: list[Record]) -> None:
        """Store new responses, one lock and one write per shard touched."""

    @abstractmethod
    def get_response(self, cohort_id: str, response_id: str) -> Record | None:
        """One response, or None."""

    def get_cohort_and_response(self, cohort_id: str, response_id: str) -> tuple[Record | None, Record | None]:
        """A cohort and one of its responses, read together: (None, None) without the cohort, else the response
        or None (what every teacher's page reads first; a backend may read both at once)."""
        cohort = self.get_cohort(cohort_id)
        return cohort, self.get_response(cohort_id, response_id) if cohort else None

    @abstractmethod
    def update_response(self, cohort_id: str, response_id: str, change: Callable[[Record], Record],
                        known: Record | None = None) -> Record:
        """Apply `change` to a response under the shard's lock; what it returns replaces the response.

        `change` gets the current record and returns the whole new one (a key it leaves out is gone), or
        raises to leave it untouched; no other writer can come in between. `known` is the response as the
        caller has just read it, if it has: a backend may try `change` on a copy of it first, and then runs
        `change` again on the stored response if that has changed meanwhile (so `change` may run twice, and
        must not count on running once).
        """

    @abstractmethod
    def update_responses(self, cohort_id: str, changes: dict[str, Callable[[Record], Record]]) -> None:
        """`update_response` for many responses, one lock and one write per shard (NotFound if any is missing).

        Each `change` returns the whole new response, which replaces the old one.

        All are checked before anything is written to a shard, so a missing id leaves that shard untouched.
        """

    @abstractmethod
    def remove_response(self, cohort_id: str, response_id: str) -> Record:
        """Delete a response for good and return what it was (NotFound if there is none)."""

    @abstractmethod
    def remove_responses(self, cohort_id: str, condition: Callable[[Record], bool]) -> int:
        """Delete for good every response of a cohort that `condition` holds for; returns how many went.

        Each shard is judged and written under its lock, one write per shard touched, so a response saved
        while this runs is judged as saved, never as it was before.
        """

    @abstractmethod
    def list_responses(self, cohort_id: str, status: str | None = None, cycle: int | None = None) -> list[Record]:
        """A cohort's responses (optionally only those with this status, or of this learning cycle), oldest first.

        A response with no `cycle` belongs to the first cycle, the starting point.
        """

    @abstractmethod
    def count_responses(self, cohort_id: str, cycle: int | None = None) -> dict[str, int]:
        """How many responses a cohort has (in every cycle, or in this one), by status."""

    @abstractmethod
    def cohort_lock(self, cohort_id: str) -> AbstractContextManager[None]:
        """Hold the cohort's own lock for an operation over many of its records (confirming, pairing, erasing).

        Only one such operation runs at a time per cohort, across threads and processes, so two confirms of
        one proposal cannot both write. Taking it again in the same thread is allowed (the lock counts).
        Single-record reads and writes take only their file's lock, so teachers' page saves never wait on it.
        """

    @abstractmethod
    def save_grouping(self, cohort_id: str, record: Record, model: bytes | None) -> None:
        """Store a cohort's grouping (JSON) and its fitted model (bytes), replacing the previous ones.

        A model of None (an earlier grouping whose model erasure could not rewrite) leaves no model file.
        """

    @abstractmethod
    def load_grouping(self, cohort_id: str) -> Record | None:
        """A cohort's stored grouping, or None if it has never been grouped."""

    @abstractmethod
    def load_model(self, cohort_id: str) -> bytes | None:
        """The bytes of a cohort's fitted model, or None if there is none."""

    @abstractmethod
    def update_grouping(self, cohort_id: str,
                        change: Callable[[Record, bytes | None], tuple[Record, bytes | None]]) -> None:
        """Apply `change` to a cohort's grouping and model bytes under the lock; what it returns replaces them.

        Nothing happens if the cohort has never been grouped; a model of None removes the model file.
        """

    @abstractmethod
    def keep_earlier_grouping(self, cohort_id: str, labels: dict[str, Record], keep: int) -> str | None:
        """Copy the current grouping, its model and these names aside as an earlier grouping; keep the newest `keep`.

        Returns the earlier grouping's id, or None if there was nothing readable to keep.
        """

    @abstractmethod
    def earlier_groupings(self, cohort_id: str) -> list[Record]:
        """The earlier groupings kept, newest first: {"id", "record", "labels"} (a damaged one is left out)."""

    @abstractmethod
    def load_earlier_grouping(self, cohort_id: str, earlier_id: str) -> tuple[Record, bytes | None, dict] | None:
        """One earlier grouping's record, model bytes and names, or None if there is no such earlier grouping."""

    @abstractmethod
    def remove_earlier_grouping(self, cohort_id: str, earlier_id: str) -> None:
        """Delete one earlier grouping (it has become the current one again)."""

    @abstractmethod
    def update_earlier_groupings(self, cohort_id: str, change: Callable[[Record, bytes | None, dict],
                                                                      tuple[Record, bytes | None, dict]]) -> None:
        """Apply `change(record, model, labels)` to every earlier grouping; what it returns replaces each one.

        A model of None removes that model file. Used by erasure, so that no earlier grouping keeps a teacher.
        """

    @abstractmethod
    def set_group_label(self, cohort_id: str, key: str, label: Record) -> Record:
        """Store the specialist's name and note for a group (kept across re-groupings)."""

    @abstractmethod
    def group_labels(self, cohort_id: str) -> dict[str, Record]:
        """Every group name and note a specialist has written for this cohort, by group key."""

    @abstractmethod
    def pairing_state(self, cohort_id: str, mode: str) -> Record:
        """The coordinator's rules and latest proposal for one mode ("all" holds rules for every mode)."""

    @abstractmethod
    def pairing_states(self, cohort_id: str) -> list[Record]:
        """Every mode's stored pairing state in a cohort (a copy of the installation needs them all)."""

    @abstractmethod
    def update_pairing_state(self, cohort_id: str, mode: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to one mode's pairing state under the lock; what it returns replaces the state.

        `change` gets `{"mode": mode}` if nothing is stored yet. A key it leaves out is gone afterwards
        (the `mode` key is always kept).
        """

    @abstractmethod
    def add_partnerships(self, cohort_id: str, partnerships: list[Record]) -> None:
        """Store newly confirmed partnerships (each `id` must be new)."""

    @abstractmethod
    def list_partnerships(self, cohort_id: str) -> list[Record]:
        """Every confirmed partnership in the cohort, oldest first."""

    @abstractmethod
    def get_partnership(self, cohort_id: str, partnership_id: str) -> Record | None:
        """One confirmed partnership, or None."""

    @abstractmethod
    def update_partnership(self, cohort_id: str, partnership_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a partnership under the lock; what it returns replaces it (NotFound if none).

        A key `change` leaves out is gone afterwards: return the whole record.
        """

    @abstractmethod
    def remove_partnership(self, cohort_id: str, partnership_id: str) -> None:
        """Delete a partnership record for good (nothing happens if there is none)."""

    def add_log_entry(self, cohort_id: str, entry: Record) -> None:
        """Store a new coaching-log entry of one of the cohort's partnerships (its `id` must be new)."""
        self.add_log_entries(cohort_id, [entry])

    @abstractmethod
    def add_log_entries(self, cohort_id: str, entries: list[Record]) -> None:
        """Store several new coaching-log entries at once (an import, a copy, a demo); every `id` must be new."""

    @abstractmethod
    def log_entries(self, cohort_id: str, partnership_id: str | None = None) -> list[Record]:
        """The cohort's coaching-log entries (or one partnership's), in the order they were written."""

    @abstractmethod
    def update_log_entry(self, cohort_id: str, entry_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a log entry under the lock; what it returns replaces it (NotFound if none)."""

    @abstractmethod
    def remove_log_entries(self, cohort_id: str, condition: Callable[[Record], bool]) -> int:
        """Delete every log entry of the cohort for which `condition` is true; return how many went."""

    @abstractmethod
    def add_job(self, job: Record) -> Record:
        """Store a new background job (its `id` must be new): a long run any app server can report on."""

    @abstractmethod
    def get_job(self, job_id: str) -> Record | None:
        """One background job, or None."""

    @abstractmethod
    def list_jobs(self, cohort_id: str) -> list[Record]:
        """A cohort's background jobs, oldest first."""

    @abstractmethod
    def update_job(self, job_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a job under the lock; what it returns replaces it (NotFound if none)."""

    @abstractmethod
    def add_user(self, user: Record) -> Record:
        """Store a new staff account (its `id` and `email` must be new)."""

    @abstractmethod
    def get_user(self, user_id: str) -> Record | None:
        """The staff account with this id, or None."""

    @abstractmethod
    def find_user(self, email: str) -> Record | None:
        """The staff account with this (lower-case) e-mail address, or None."""

    @abstractmethod
    def list_users(self) -> list[Record]:
        """Every staff account, oldest first."""

    @abstractmethod
    def update_user(self, user_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a staff account under the lock; what it returns replaces it (NotFound if none).

        A key `change` leaves out is gone afterwards: return the whole record (`{**user, ...}`).
        """

    @abstractmethod
    def log(self, entry: Record) -> None:
        """Append an entry to the audit log (who did what, when)."""

    @abstractmethod
    def audit_log(self) -> list[Record]:
        """The audit log, oldest first."""
