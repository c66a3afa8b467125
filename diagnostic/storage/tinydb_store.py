"""The default store backend: TinyDB files under the data directory, safe for several threads and processes.

This is the only module that imports `tinydb`. It implements `interface.Store`, the operations the
services use (cohorts, published form versions, responses, each cohort's grouping and partnerships,
staff accounts, the audit log), so that a server database can be a second backend beside it.

Why it is shaped like this:
- TinyDB as shipped is not safe for concurrent writers, so every operation opens
  the file inside a cross-process `FileLock` held across read-modify-write.
- Writes go to a temporary file that is fsynced and renamed over the old one, so
  a crash leaves either the old or the new file, never half of one.
- Responses are split per cohort and then into 256 shards by response id, so the
  cost of saving one page does not grow with the size of the whole database.
- Files are created readable by their owner only: they hold teachers' self-assessments.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock
from tinydb import Query, TinyDB
from tinydb.storages import Storage

from diagnostic.storage.atomic import write_atomic
from diagnostic.storage.interface import (
    COHORT_ID,
    DamagedGrouping,
    NotFound,
    Record,
    Store,
    StoreError,
    VersionConflict,
    checked_grouping,
)

SHARDS = 256


class AtomicJSONStorage(Storage):
    """TinyDB storage that writes a temporary file, fsyncs it and renames it into place."""

    def __init__(self, path: str):
        self.path = Path(path)
        # TinyDB reads the file several times within one operation (Table.get reads twice).
        # A storage lives only while the file lock is held, so keeping what was last read or
        # written is safe and saves parsing the same file again.
        self._data: dict | None = None

    def read(self) -> dict | None:
        if self._data is not None:
            return self._data
        try:
            self._data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StoreError(f"{self.path}: the data file is damaged ({exc})") from None
        return self._data

    def write(self, data: dict) -> None:
        # json.dumps uses the C encoder; json.dump to a file does not, and is several times slower.
        write_atomic(self.path, json.dumps(data, separators=(",", ":")).encode())
        self._data = data

    def close(self) -> None:
        pass


class TinyDBStore(Store):
    """The store in JSON files under a data directory, each opened with TinyDB inside a file lock."""

    def __init__(self, data_dir: Path | str):
        super().__init__(data_dir)
        self.root = self.data_dir / "store"
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    @contextmanager
    def _table(self, path: Path, name: str) -> Iterator[Any]:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with FileLock(str(path) + ".lock", mode=0o600), TinyDB(str(path), storage=AtomicJSONStorage) as db:
            yield db.table(name)

    # -- cohorts ---------------------------------------------------------
    def add_cohort(self, cohort: Record) -> Record:
        """Store a new cohort (its `id` must be new)."""
        with self._table(self.root / "cohorts.json", "cohorts") as table:
            if table.contains(Query().id == cohort["id"]):
                raise StoreError(f"cohort {cohort['id']!r} already exists")
            table.insert(cohort)
        return cohort

    def get_cohort(self, cohort_id: str) -> Record | None:
        """The cohort with this id, or None."""
        with self._table(self.root / "cohorts.json", "cohorts") as table:
            found = table.get(Query().id == cohort_id)
        return dict(found) if found else None

    def list_cohorts(self) -> list[Record]:
        """Every cohort, oldest first."""
        with self._table(self.root / "cohorts.json", "cohorts") as table:
            return [dict(c) for c in table.all()]

    def update_cohort(self, cohort_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a cohort under the lock; what it returns replaces the cohort (NotFound if none).

        A key `change` leaves out is gone afterwards: return the whole record (`{**cohort, ...}`).
        """
        with self._table(self.root / "cohorts.json", "cohorts") as table:
            found = table.get(Query().id == cohort_id)
            if found is None:
                raise NotFound(f"no cohort {cohort_id!r}")
            new = change(dict(found))
            table.update(_replacing(new), doc_ids=[found.doc_id])
        return new

    def find_cohort_by_invite(self, invite: str) -> Record | None:
        """The cohort whose invitation code this is, or None."""
        with self._table(self.root / "cohorts.json", "cohorts") as table:
            found = table.get(Query().invite == invite)
        return dict(found) if found else None

    # -- published form versions ---------------------------------------------
    def publish_form(self, form_id: str, version: str, digest: str, definition: Record) -> bool:
        """Record a form version as published; True if new, False if already there unchanged.

        Raises `VersionConflict` if this id and version was published with other content.
        """
        with self._table(self.root / "forms.json", "forms") as table:
            found = table.get((Query().id == form_id) & (Query().version == version))
            if found and found["digest"] != digest:
                raise VersionConflict(
                    f"form {form_id!r} version {version!r} is already published with different content; "
                    "a published definition cannot change: give the changed definition a new version"
                )
            if found:
                return False
            table.insert({"id": form_id, "version": version, "digest": digest, "definition": definition})
            return True

    def get_form(self, form_id: str, version: str) -> Record | None:
        """A published form version (with its normalised definition), or None."""
        with self._table(self.root / "forms.json", "forms") as table:
            found = table.get((Query().id == form_id) & (Query().version == version))
        return dict(found) if found else None

    def list_forms(self) -> list[Record]:
        """Every published form version (id, version, digest), without the definitions."""
        with self._table(self.root / "forms.json", "forms") as table:
            return [{k: f[k] for k in ("id", "version", "digest")} for f in table.all()]

    # -- definition and menu files admins added -------------------------------------------------
    def add_definition_file(self, record: Record) -> Record:
        """Keep a definition or menu file an admin added (`VersionConflict` if its kind, id and version is kept)."""
        with self._table(self.root / "definition-files.json", "files") as table:
            if table.contains(_definition_file(record["kind"], record["id"], record["version"])):
                raise VersionConflict(f"{record['kind']} {record['id']!r} version {record['version']!r} is already "
                                      "kept; a kept file never changes: give the changed file a new version")
            table.insert(record)
        return record

    def list_definition_files(self) -> list[Record]:
        """Every definition and menu file kept, oldest first, without their content."""
        with self._table(self.root / "definition-files.json", "files") as table:
            return [{k: v for k, v in f.items() if k != "content"} for f in table.all()]

    def get_definition_file(self, kind: str, file_id: str, version: str) -> Record | None:
        """One kept definition or menu file, with its content, or None."""
        with self._table(self.root / "definition-files.json", "files") as table:
            found = table.get(_definition_file(kind, file_id, version))
        return dict(found) if found else None

    # -- responses ---------------------------------------------------------
    def _shard(self, cohort_id: str, response_id: str) -> Path:
        return self.root / "cohorts" / cohort_id / f"responses-{int(response_id[:2], 16) % SHARDS:02x}.json"

    def _shards(self, cohort_id: str) -> list[Path]:
        return sorted((self.root / "cohorts" / cohort_id).glob("responses-*.json"))

    def add_responses(self, cohort_id: str, responses: list[Record]) -> None:
        """Store new responses, one lock and one write per shard touched."""
        by_shard: dict[Path, list[Record]] = {}
        for response in responses:
            by_shard.setdefault(self._shard(cohort_id, response["id"]), []).append(response)
        for path, batch in by_shard.items():
            with self._table(path, "responses") as table:
                ids = [r["id"] for r in batch]
                if table.contains(Query().id.one_of(ids)) or len(set(ids)) != len(ids):
                    raise StoreError(f"a response id in cohort {cohort_id!r} is already taken")
                table.insert_multiple(batch)

    def get_response(self, cohort_id: str, response_id: str) -> Record | None:
        """One response, or None."""
        with self._table(self._shard(cohort_id, response_id), "responses") as table:
            found = table.get(Query().id == response_id)
        return dict(found) if found else None

    def update_response(self, cohort_id: str, response_id: str, change: Callable[[Record], Record],
                        known: Record | None = None) -> Record:
        """Apply `change` to a response under the shard's lock; what it returns replaces the response.

        `change` gets the current record and returns the whole new one (a key it leaves out is gone), or
        raises to leave it untouched; no other writer can come in between. `known` is not needed: the shard's
        file is read under the lock anyway.
        """
        with self._table(self._shard(cohort_id, response_id), "responses") as table:
            found = table.get(Query().id == response_id)
            if found is None:
                raise NotFound(f"no response {response_id!r} in cohort {cohort_id!r}")
            # A copy all the way down, so that a change made in place inside the record still differs from it.
            new = change(copy.deepcopy(dict(found)))
            if new != found:
                table.update(_replacing(new), doc_ids=[found.doc_id])
            return new

    def update_responses(self, cohort_id: str, changes: dict[str, Callable[[Record], Record]]) -> None:
        """`update_response` for many responses, one lock and one write per shard (NotFound if any is missing).

        Each `change` returns the whole new response, which replaces the old one.

        All are checked before anything is written to a shard, so a missing id leaves that shard untouched.
        """
        by_shard: dict[Path, list[str]] = {}
        for response_id in changes:
            by_shard.setdefault(self._shard(cohort_id, response_id), []).append(response_id)
        for path, ids in by_shard.items():
            with self._table(path, "responses") as table:
                found = {r["id"]: r for r in table.search(Query().id.one_of(ids))}
                missing = [i for i in ids if i not in found]
                if missing:
                    raise NotFound(f"no response {missing[0]!r} in cohort {cohort_id!r}")
                new = {i: changes[i](dict(found[i])) for i in ids}

                def replace(doc: dict, new: dict[str, Record] = new) -> None:
                    record = new[doc["id"]]
                    doc.clear()
                    doc.update(record)

                # One update for the whole shard: one write (and fsync), not one per response, which made
                # confirming 1,000 partnerships take half a minute.
                table.update(replace, doc_ids=[found[i].doc_id for i in ids])

    def remove_response(self, cohort_id: str, response_id: str) -> Record:
        """Delete a response for good and return what it was (NotFound if there is none)."""
        with self._table(self._shard(cohort_id, response_id), "responses") as table:
            found = table.get(Query().id == response_id)
            if found is None:
                raise NotFound(f"no response {response_id!r} in cohort {cohort_id!r}")
            table.remove(doc_ids=[found.doc_id])
        return dict(found)

    def remove_responses(self, cohort_id: str, condition: Callable[[Record], bool]) -> int:
        """Delete for good every response of a cohort that `condition` holds for; returns how many went.

        Each shard is judged and written under its lock, one write per shard touched, so a response saved
        while this runs is judged as saved, never as it was before.
        """
        removed = 0
        for path in self._shards(cohort_id):
            with self._table(path, "responses") as table:
                doomed = [r.doc_id for r in table.all() if condition(dict(r))]
                if doomed:
                    table.remove(doc_ids=doomed)
                removed += len(doomed)
        return removed

    def list_responses(self, cohort_id: str, status: str | None = None, cycle: int | None = None) -> list[Record]:
        """A cohort's responses (optionally only those with this status, or of this learning cycle), oldest first.

        A response with no `cycle` belongs to the first cycle, the starting point.
        """
        found = []
        for path in self._shards(cohort_id):
            with self._table(path, "responses") as table:
                found += [dict(r) for r in table.all() if (status is None or r.get("status") == status)
                          and (cycle is None or r.get("cycle", 1) == cycle)]
        return sorted(found, key=lambda r: (r.get("created_at", ""), r["id"]))

    def count_responses(self, cohort_id: str, cycle: int | None = None) -> dict[str, int]:
        """How many responses a cohort has (in every cycle, or in this one), by status."""
        counts: dict[str, int] = {}
        for response in self.list_responses(cohort_id, cycle=cycle):
            counts[response["status"]] = counts.get(response["status"], 0) + 1
        return counts

    # -- whole-cohort operations ----------------------------------------------------------------
    def _cohort_dir(self, cohort_id: str) -> Path:
        path = self.root / "cohorts" / cohort_id
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    @contextmanager
    def cohort_lock(self, cohort_id: str) -> Iterator[None]:
        """Hold the cohort's own lock for an operation over many of its records (confirming, pairing, erasing).

        Only one such operation runs at a time per cohort, across threads and processes, so two confirms of
        one proposal cannot both write. Taking it again in the same thread is allowed (the lock counts).
        Single-record reads and writes take only their file's lock, so teachers' page saves never wait on it.
        """
        if not COHORT_ID.fullmatch(cohort_id):
            raise NotFound(f"no cohort {cohort_id!r}")  # and never a path outside the store
        folder = self.root / "locks"
        folder.mkdir(exist_ok=True, mode=0o700)
        # One lock object per file per process (is_singleton), each thread with its own hold on it.
        with FileLock(str(folder / f"cohort-{cohort_id}.lock"), mode=0o600, is_singleton=True):
            yield

    # -- groups: the fitted grouping model and the specialist's names for groups --------------

    def save_grouping(self, cohort_id: str, record: Record, model: bytes | None) -> None:
        """Store a cohort's grouping (JSON) and its fitted model (bytes), replacing the previous ones.

        A model of None (an earlier grouping whose model erasure could not rewrite) leaves no model file.
        """
        folder = self._cohort_dir(cohort_id)
        with FileLock(str(folder / "grouping.lock"), mode=0o600):
            if model is None:
                (folder / "model.joblib").unlink(missing_ok=True)
            else:
                write_atomic(folder / "model.joblib", model)
            write_atomic(folder / "grouping.json", json.dumps(record, separators=(",", ":")).encode())

    def load_grouping(self, cohort_id: str) -> Record | None:
        """A cohort's stored grouping, or None if it has never been grouped."""
        folder = self._cohort_dir(cohort_id)
        with FileLock(str(folder / "grouping.lock"), mode=0o600):
            return _read_grouping(folder / "grouping.json", cohort_id)

    def load_model(self, cohort_id: str) -> bytes | None:
        """The bytes of a cohort's fitted model, or None if there is none."""
        folder = self._cohort_dir(cohort_id)
        with FileLock(str(folder / "grouping.lock"), mode=0o600):
            try:
                return (folder / "model.joblib").read_bytes()
            except FileNotFoundError:
                return None

    def update_grouping(self, cohort_id: str,
                        change: Callable[[Record, bytes | None], tuple[Record, bytes | None]]) -> None:
        """Apply `change` to a cohort's grouping and model bytes under the lock; what it returns replaces them.

        Nothing happens if the cohort has never been grouped; a model of None removes the model file.
        """
        folder = self._cohort_dir(cohort_id)
        with FileLock(str(folder / "grouping.lock"), mode=0o600):
            record = _read_grouping(folder / "grouping.json", cohort_id)
            if record is None:
                return
            model_path = folder / "model.joblib"
            record, model = change(record, model_path.read_bytes() if model_path.exists() else None)
            if model is None:
                model_path.unlink(missing_ok=True)
            else:
                write_atomic(model_path, model)
            write_atomic(folder / "grouping.json", json.dumps(record, separators=(",", ":")).encode())

    # -- earlier groupings: each one a re-grouping replaced, kept so that a specialist can go back to it ----------
    # DATA/store/cohorts/ID/earlier/N/ holds grouping.json, model.joblib and labels.json (the names and notes as
    # they were); N counts up. grouping.json is written last, so a folder without it is an unfinished copy.

    def _earlier(self, cohort_id: str) -> list[tuple[int, Path]]:
        folder = self._cohort_dir(cohort_id) / "earlier"
        found = [(int(p.name), p) for p in folder.glob("*") if p.name.isdigit() and (p / "grouping.json").exists()]
        return sorted(found, reverse=True)

    def keep_earlier_grouping(self, cohort_id: str, labels: dict[str, Record], keep: int) -> str | None:
        """Copy the current grouping, its model and these names aside as an earlier grouping; keep the newest `keep`.

        Returns the earlier grouping's id, or None if there was nothing readable to keep.
        """
        folder = self._cohort_dir(cohort_id)
        with FileLock(str(folder / "grouping.lock"), mode=0o600):
            try:
                record = _read_grouping(folder / "grouping.json", cohort_id)
            except DamagedGrouping:
                record = None  # nothing anyone could go back to
            if record is None:
                return None
            numbers = [n for n, _ in self._earlier(cohort_id)]
            numbers += [int(p.name) for p in (folder / "earlier").glob("*") if p.name.isdigit()]
            target = folder / "earlier" / str(max(numbers, default=0) + 1)
            target.mkdir(parents=True, mode=0o700)
            model = folder / "model.joblib"
            if model.exists():
                write_atomic(target / "model.joblib", model.read_bytes())
            write_atomic(target / "labels.json", json.dumps(labels, separators=(",", ":")).encode())
            write_atomic(target / "grouping.json", json.dumps(record, separators=(",", ":")).encode())
            for _, old in self._earlier(cohort_id)[keep:]:
                shutil.rmtree(old)
            return target.name

    def earlier_groupings(self, cohort_id: str) -> list[Record]:
        """The earlier groupings kept, newest first: {"id", "record", "labels"} (a damaged one is left out)."""
        folder = self._cohort_dir(cohort_id)
        found = []
        with FileLock(str(folder / "grouping.lock"), mode=0o600):
            for number, path in self._earlier(cohort_id):
                try:
                    record = _read_grouping(path / "grouping.json", cohort_id)
                    labels = json.loads((path / "labels.json").read_bytes())
                except (DamagedGrouping, OSError, ValueError):
                    continue
                found.append({"id": str(number), "record": record, "labels": labels})
        return found

    def load_earlier_grouping(self, cohort_id: str, earlier_id: str) -> tuple[Record, bytes | None, dict] | None:
        """One earlier grouping's record, model bytes and names, or None if there is no such earlier grouping."""
        if not earlier_id.isdigit():
            return None
        path = self._cohort_dir(cohort_id) / "earlier" / str(int(earlier_id))
        with FileLock(str(self._cohort_dir(cohort_id) / "grouping.lock"), mode=0o600):
            try:
                record = _read_grouping(path / "grouping.json", cohort_id)
            except DamagedGrouping:
                return None
            if record is None:
                return None
            model = (path / "model.joblib").read_bytes() if (path / "model.joblib").exists() else None
            labels = json.loads((path / "labels.json").read_bytes()) if (path / "labels.json").exists() else {}
            return record, model, labels

    def remove_earlier_grouping(self, cohort_id: str, earlier_id: str) -> None:
        """Delete one earlier grouping (it has become the current one again)."""
        if earlier_id.isdigit():
            with FileLock(str(self._cohort_dir(cohort_id) / "grouping.lock"), mode=0o600):
                shutil.rmtree(self._cohort_dir(cohort_id) / "earlier" / str(int(earlier_id)), ignore_errors=True)

    def update_earlier_groupings(self, cohort_id: str, change: Callable[[Record, bytes | None, dict],
                                                                      tuple[Record, bytes | None, dict]]) -> None:
        """Apply `change(record, model, labels)` to every earlier grouping; what it returns replaces each one.

        A model of None removes that model file. Used by erasure, so that no earlier grouping keeps a teacher.
        """
        folder = self._cohort_dir(cohort_id)
        with FileLock(str(folder / "grouping.lock"), mode=0o600):
            for _, path in self._earlier(cohort_id):
                try:
                    record = _read_grouping(path / "grouping.json", cohort_id)
                    labels = json.loads((path / "labels.json").read_bytes())
                except (DamagedGrouping, OSError, ValueError):
                    shutil.rmtree(path)  # unreadable: nobody can go back to it, and it may hold a teacher
                    continue
                model_path = path / "model.joblib"
                record, model, labels = change(record, model_path.read_bytes() if model_path.exists() else None,
                                               labels)
                if model is None:
                    model_path.unlink(missing_ok=True)
                else:
                    write_atomic(model_path, model)
                write_atomic(path / "labels.json", json.dumps(labels, separators=(",", ":")).encode())
                write_atomic(path / "grouping.json", json.dumps(record, separators=(",", ":")).encode())

    def set_group_label(self, cohort_id: str, key: str, label: Record) -> Record:
        """Store the specialist's name and note for a group (kept across re-groupings)."""
        with self._table(self._cohort_dir(cohort_id) / "groups.json", "labels") as table:
            table.upsert({"key": key, **label}, Query().key == key)
        return label

    def group_labels(self, cohort_id: str) -> dict[str, Record]:
        """Every group name and note a specialist has written for this cohort, by group key."""
        with self._table(self._cohort_dir(cohort_id) / "groups.json", "labels") as table:
            return {r["key"]: dict(r) for r in table.all()}

    # -- coaching partnerships: the coordinator's pairing state per mode, and confirmed partnerships ---------
    def pairing_state(self, cohort_id: str, mode: str) -> Record:
        """The coordinator's rules and latest proposal for one mode ("all" holds rules for every mode)."""
        with self._table(self._cohort_dir(cohort_id) / "pairing.json", "state") as table:
            found = table.get(Query().mode == mode)
        return dict(found) if found else {"mode": mode}

    def pairing_states(self, cohort_id: str) -> list[Record]:
        """Every mode's stored pairing state in a cohort (a copy of the installation needs them all)."""
        with self._table(self._cohort_dir(cohort_id) / "pairing.json", "state") as table:
            return [dict(s) for s in table.all()]

    def update_pairing_state(self, cohort_id: str, mode: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to one mode's pairing state under the lock; what it returns replaces the state.

        `change` gets `{"mode": mode}` if nothing is stored yet. A key it leaves out is gone afterwards
        (the `mode` key is always kept).
        """
        with self._table(self._cohort_dir(cohort_id) / "pairing.json", "state") as table:
            found = table.get(Query().mode == mode)
            new = change(dict(found) if found else {"mode": mode})
            if found is None:
                table.insert({**new, "mode": mode})
            else:
                table.update(_replacing({**new, "mode": mode}), doc_ids=[found.doc_id])
        return new

    def add_partnerships(self, cohort_id: str, partnerships: list[Record]) -> None:
        """Store newly confirmed partnerships (each `id` must be new)."""
        with self._table(self._cohort_dir(cohort_id) / "partnerships.json", "partnerships") as table:
            ids = [p["id"] for p in partnerships]
            if table.contains(Query().id.one_of(ids)) or len(set(ids)) != len(ids):
                raise StoreError(f"a partnership id in cohort {cohort_id!r} is already taken")
            table.insert_multiple(partnerships)

    def list_partnerships(self, cohort_id: str) -> list[Record]:
        """Every confirmed partnership in the cohort, oldest first."""
        with self._table(self._cohort_dir(cohort_id) / "partnerships.json", "partnerships") as table:
            return [dict(p) for p in table.all()]

    def get_partnership(self, cohort_id: str, partnership_id: str) -> Record | None:
        """One confirmed partnership, or None."""
        with self._table(self._cohort_dir(cohort_id) / "partnerships.json", "partnerships") as table:
            found = table.get(Query().id == partnership_id)
        return dict(found) if found else None

    def update_partnership(self, cohort_id: str, partnership_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a partnership under the lock; what it returns replaces it (NotFound if none).

        A key `change` leaves out is gone afterwards: return the whole record.
        """
        with self._table(self._cohort_dir(cohort_id) / "partnerships.json", "partnerships") as table:
            found = table.get(Query().id == partnership_id)
            if found is None:
                raise NotFound(f"no partnership {partnership_id!r} in cohort {cohort_id!r}")
            new = change(dict(found))
            table.update(_replacing(new), doc_ids=[found.doc_id])
        return new

    def remove_partnership(self, cohort_id: str, partnership_id: str) -> None:
        """Delete a partnership record for good (nothing happens if there is none)."""
        with self._table(self._cohort_dir(cohort_id) / "partnerships.json", "partnerships") as table:
            table.remove(Query().id == partnership_id)

    # -- the coaching log: entries partners (and their specialist) write together ---------------------
    def _log_table(self, cohort_id: str):  # noqa: ANN202 - the context manager of _table
        return self._table(self._cohort_dir(cohort_id) / "coaching-log.json", "entries")

    def add_log_entries(self, cohort_id: str, entries: list[Record]) -> None:
        """Store new coaching-log entries of the cohort's partnerships (each `id` must be new), in one write."""
        ids = [e["id"] for e in entries]
        with self._log_table(cohort_id) as table:
            taken = sorted({e["id"] for e in table.all()} & set(ids)) or sorted(i for i in set(ids) if ids.count(i) > 1)
            if taken:
                raise StoreError(f"log entry id {taken[0]!r} in cohort {cohort_id!r} is already taken")
            table.insert_multiple(entries)

    def log_entries(self, cohort_id: str, partnership_id: str | None = None) -> list[Record]:
        """The cohort's coaching-log entries (or one partnership's), in the order they were written."""
        with self._log_table(cohort_id) as table:
            return [dict(e) for e in table.all() if partnership_id is None or e.get("partnership") == partnership_id]

    def update_log_entry(self, cohort_id: str, entry_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a log entry under the lock; what it returns replaces it (NotFound if none)."""
        with self._log_table(cohort_id) as table:
            found = table.get(Query().id == entry_id)
            if found is None:
                raise NotFound(f"no log entry {entry_id!r} in cohort {cohort_id!r}")
            new = change(dict(found))
            table.update(_replacing(new), doc_ids=[found.doc_id])
        return new

    def remove_log_entries(self, cohort_id: str, condition: Callable[[Record], bool]) -> int:
        """Delete every log entry of the cohort for which `condition` is true; return how many went."""
        with self._log_table(cohort_id) as table:
            return len(table.remove(lambda e: condition(dict(e))))

    # -- background jobs: long runs started from a page, reported by whichever worker is asked ---------------
    def add_job(self, job: Record) -> Record:
        """Store a new background job (its `id` must be new)."""
        with self._table(self.root / "jobs.json", "jobs") as table:
            if table.contains(Query().id == job["id"]):
                raise StoreError(f"job {job['id']!r} already exists")
            table.insert(job)
        return job

    def get_job(self, job_id: str) -> Record | None:
        """One background job, or None."""
        with self._table(self.root / "jobs.json", "jobs") as table:
            found = table.get(Query().id == job_id)
        return dict(found) if found else None

    def list_jobs(self, cohort_id: str) -> list[Record]:
        """A cohort's background jobs, oldest first."""
        with self._table(self.root / "jobs.json", "jobs") as table:
            return [dict(j) for j in table.search(Query().cohort == cohort_id)]

    def update_job(self, job_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a job under the lock; what it returns replaces it (NotFound if none)."""
        with self._table(self.root / "jobs.json", "jobs") as table:
            found = table.get(Query().id == job_id)
            if found is None:
                raise NotFound(f"no job {job_id!r}")
            new = change(dict(found))
            table.update(_replacing(new), doc_ids=[found.doc_id])
        return new

    # -- staff accounts and the audit log ---------------------------------------------------
    def add_user(self, user: Record) -> Record:
        """Store a new staff account (its `id` and `email` must be new)."""
        with self._table(self.root / "users.json", "users") as table:
            if table.contains((Query().id == user["id"]) | (Query().email == user["email"])):
                raise StoreError(f"an account for {user['email']!r} already exists")
            table.insert(user)
        return user

    def get_user(self, user_id: str) -> Record | None:
        """The staff account with this id, or None."""
        with self._table(self.root / "users.json", "users") as table:
            found = table.get(Query().id == user_id)
        return dict(found) if found else None

    def find_user(self, email: str) -> Record | None:
        """The staff account with this (lower-case) e-mail address, or None."""
        with self._table(self.root / "users.json", "users") as table:
            found = table.get(Query().email == email)
        return dict(found) if found else None

    def list_users(self) -> list[Record]:
        """Every staff account, oldest first."""
        with self._table(self.root / "users.json", "users") as table:
            return [dict(u) for u in table.all()]

    def update_user(self, user_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a staff account under the lock; what it returns replaces it (NotFound if none).

        A key `change` leaves out is gone afterwards: return the whole record (`{**user, ...}`).
        """
        with self._table(self.root / "users.json", "users") as table:
            found = table.get(Query().id == user_id)
            if found is None:
                raise NotFound(f"no account {user_id!r}")
            new = change(dict(found))
            table.update(_replacing(new), doc_ids=[found.doc_id])
        return new

    def log(self, entry: Record) -> None:
        """Append an entry to the audit log (who did what, when)."""
        with self._table(self.root / "audit.json", "audit") as table:
            table.insert(entry)

    def audit_log(self) -> list[Record]:
        """The audit log, oldest first."""
        with self._table(self.root / "audit.json", "audit") as table:
            return [dict(e) for e in table.all()]


def _definition_file(kind: str, file_id: str, version: str) -> Any:
    return (Query().kind == kind) & (Query().id == file_id) & (Query().version == version)


def _replacing(new: Record) -> Callable[[dict], None]:
    """A TinyDB update that makes a record exactly `new`: a plain update keeps any key `new` left out."""
    def replace(doc: dict) -> None:
        doc.clear()
        doc.update(new)
    return replace


def _read_grouping(path: Path, cohort_id: str) -> Record | None:
    """A saved grouping, None if there is none, or `DamagedGrouping` if it cannot be read or is misshapen."""
    try:
        record = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DamagedGrouping(f"the saved groups for cohort {cohort_id!r} cannot be read ({exc}); "
                              "re-run the grouping") from None
    return checked_grouping(record, cohort_id)
