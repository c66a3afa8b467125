"""The server database backend: the same store in PostgreSQL, for installations on several app servers.

Chosen by DIAGNOSTIC_DATABASE_URL=postgresql://... (`backends.open_store`). SQLAlchemy Core over psycopg 3;
the tables are in `schema.py`, created and upgraded by Alembic (`diagnostic db upgrade`).

Why it is shaped like this:
- every read-modify-write the interface promises (`update_*`) is one transaction that reads the row with
  SELECT ... FOR UPDATE, so two app servers can never interleave them;
- a page save, the most frequent write by far, is one statement instead: the teacher's page has just read the
  response (with its cohort, in one statement), so the save is an UPDATE that applies only while the stored
  document is still that one (a compare-and-swap; otherwise the locked transaction above does it), and the
  statements every page sends are built once, not per call;
- `cohort_lock` is a PostgreSQL advisory lock held on a connection of its own for the whole operation, so a
  pairing run, a confirm or a re-grouping on one server waits for the same on any other; if a server dies,
  its connection closes and the lock goes with it;
- the engine is made again in a process forked after it was made (gunicorn workers), since a connection
  must never be shared across a fork.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import (
    Connection,
    Engine,
    Text,
    bindparam,
    cast,
    create_engine,
    delete,
    func,
    insert,
    literal,
    make_url,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from diagnostic.storage import migrate
from diagnostic.storage import schema as t
from diagnostic.storage.interface import (
    COHORT_ID,
    NotFound,
    Record,
    Store,
    StoreError,
    VersionConflict,
    checked_grouping,
)

COHORT_LOCKS = 0x5350  # the first key of every cohort's advisory lock ("SP"), apart from other users' locks


def _dumps(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"))
    # PostgreSQL's JSONB cannot hold U+0000, which a pasted or scripted answer can: keep the rest of the text.
    return json.dumps(_without_nul(value), separators=(",", ":")) if "\\u0000" in text else text


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def engine_url(url: str) -> str:
    """The SQLAlchemy URL of a postgresql:// address, with the psycopg 3 driver."""
    scheme, rest = url.split("://", 1)
    if scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise StoreError(f"DIAGNOSTIC_DATABASE_URL must start with postgresql:// (got {scheme}://)")
    return "postgresql+psycopg://" + rest


class PostgresStore(Store):
    """The store in one PostgreSQL database; several app servers may share it."""

    def __init__(self, data_dir: Any, url: str, check_schema: bool = True):
        super().__init__(data_dir)
        self.url = engine_url(url)
        self._engines: tuple[Engine, Engine, int] | None = None
        self._held = threading.local()  # the cohort locks this thread holds, and how many times
        if check_schema:
            with self.reachable():
                migrate.check_current(self.engine)
            # Let go at once: a gunicorn master builds the app before forking, and its workers must not inherit
            # (and never use) the master's connection.
            self.close()

    def _pools(self) -> tuple[Engine, Engine]:
        """This process's two connection pools, for writes and for reads (made again after a fork)."""
        if self._engines is None or self._engines[2] != os.getpid():
            # No ping before each use: it is a round trip per checkout on every page. A connection the server
            # dropped fails once instead; SQLAlchemy then replaces the pool's connections, and reads retry.
            options = {"pool_size": 5, "max_overflow": 10, "json_serializer": _dumps}
            self._engines = (create_engine(self.url, **options),
                             # Reads need no transaction: autocommit spares a BEGIN and a ROLLBACK per read.
                             create_engine(self.url, isolation_level="AUTOCOMMIT", **options), os.getpid())
        return self._engines[0], self._engines[1]

    @property
    def engine(self) -> Engine:
        """The pool for writes: each transaction is one `begin()` on it."""
        return self._pools()[0]

    def close(self) -> None:
        """Close every pooled connection (tests dropping their database, a command that is done)."""
        if self._engines is not None and self._engines[2] == os.getpid():
            for engine in self._engines[:2]:
                engine.dispose()
        self._engines = None

    @contextmanager
    def reachable(self) -> Iterator[None]:
        """Turn a lost or refused connection into a `StoreError` (a 503 page, one line from a command)."""
        try:
            yield
        except (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            where = make_url(self.url).render_as_string(hide_password=True)
            raise StoreError(f"the database at {where} cannot be used just now ({reason})") from None

    @contextmanager
    def _driver(self) -> Iterator[Any]:
        """A psycopg cursor on a pooled connection in autocommit, for a statement compiled once with `_sql`.

        Straight to the driver: for the statements every teacher's page sends, SQLAlchemy's work on each call
        (its cursor wrapping, result rows, events) costs more CPU than PostgreSQL's answer. A connection lost
        meanwhile is thrown away (psycopg's error goes on: `reachable` makes it a `StoreError`).
        """
        with self._pools()[1].connect() as connection:
            try:
                with connection.connection.cursor() as cursor:
                    yield cursor
            except (psycopg.OperationalError, psycopg.InterfaceError):
                connection.invalidate()
                raise

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.reachable(), self.engine.begin() as connection:
            yield connection

    def _read(self, query: Any, values: dict | None = None) -> list[Any]:
        with self.reachable():
            try:
                with self._pools()[1].connect() as connection:
                    return list(connection.execute(query, values))
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
            with self._pools()[1].connect() as connection:  # the server dropped that connection: once more
                return list(connection.execute(query, values))

    # -- cohorts ---------------------------------------------------------
    def add_cohort(self, cohort: Record) -> Record:
        """Store a new cohort (its `id` must be new)."""
        try:
            with self._transaction() as db:
                db.execute(insert(t.cohorts).values(id=cohort["id"], invite=cohort.get("invite"), doc=cohort))
        except IntegrityError:
            raise StoreError(f"cohort {cohort['id']!r} already exists") from None
        return cohort

    def get_cohort(self, cohort_id: str) -> Record | None:
        """The cohort with this id, or None."""
        rows = self._read(GET_COHORT, {"which_cohort": cohort_id})
        return rows[0].doc if rows else None

    def list_cohorts(self) -> list[Record]:
        """Every cohort, oldest first."""
        return [row.doc for row in self._read(select(t.cohorts.c.doc).order_by(t.cohorts.c.position))]

    def update_cohort(self, cohort_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a cohort under the lock; what it returns replaces the cohort (NotFound if none)."""
        with self._transaction() as db:
            found = _locked(db, t.cohorts, t.cohorts.c.id == cohort_id)
            if found is None:
                raise NotFound(f"no cohort {cohort_id!r}")
            new = change(found)
            db.execute(update(t.cohorts).where(t.cohorts.c.id == cohort_id).values(doc=new, invite=new.get("invite")))
        return new

    def find_cohort_by_invite(self, invite: str) -> Record | None:
        """The cohort whose invitation code this is, or None."""
        return self._one(t.cohorts, t.cohorts.c.invite == invite)

    def _one(self, table: Any, where: Any) -> Record | None:
        rows = self._read(select(table.c.doc).where(where))
        return rows[0].doc if rows else None

    # -- published form versions ---------------------------------------------
    def publish_form(self, form_id: str, version: str, digest: str, definition: Record) -> bool:
        """Record a form version as published; True if new, False if already there unchanged."""
        with self._transaction() as db:
            added = db.execute(upsert(t.forms).values(id=form_id, version=version, digest=digest,
                                                      definition=definition)
                               .on_conflict_do_nothing().returning(t.forms.c.id)).first()
            if added:
                return True
            stored = db.execute(select(t.forms.c.digest).where(t.forms.c.id == form_id,
                                                               t.forms.c.version == version)).scalar_one()
        if stored != digest:
            raise VersionConflict(
                f"form {form_id!r} version {version!r} is already published with different content; "
                "a published definition cannot change: give the changed definition a new version"
            )
        return False

    def get_form(self, form_id: str, version: str) -> Record | None:
        """A published form version (with its normalised definition), or None."""
        rows = self._read(select(t.forms).where(t.forms.c.id == form_id, t.forms.c.version == version))
        if not rows:
            return None
        row = rows[0]
        return {"id": row.id, "version": row.version, "digest": row.digest, "definition": row.definition}

    def list_forms(self) -> list[Record]:
        """Every published form version (id, version, digest), without the definitions."""
        rows = self._read(select(t.forms.c.id, t.forms.c.version, t.forms.c.digest).order_by(t.forms.c.position))
        return [{"id": r.id, "version": r.version, "digest": r.digest} for r in rows]

    # -- definition and menu files admins added -------------------------------------------------
    def add_definition_file(self, record: Record) -> Record:
        """Keep a definition or menu file an admin added (`VersionConflict` if its kind, id and version is kept)."""
        columns = ("kind", "id", "version", "added_by", "added_at", "content")
        with self._transaction() as db:
            added = db.execute(upsert(t.definition_files).values({k: record[k] for k in columns})
                               .on_conflict_do_nothing().returning(t.definition_files.c.id)).first()
        if added is None:
            raise VersionConflict(f"{record['kind']} {record['id']!r} version {record['version']!r} is already "
                                  "kept; a kept file never changes: give the changed file a new version")
        return record

    def list_definition_files(self) -> list[Record]:
        """Every definition and menu file kept, oldest first, without their content."""
        c = t.definition_files.c
        rows = self._read(select(c.kind, c.id, c.version, c.added_by, c.added_at).order_by(c.position))
        return [dict(row._mapping) for row in rows]

    def get_definition_file(self, kind: str, file_id: str, version: str) -> Record | None:
        """One kept definition or menu file, with its content, or None."""
        c = t.definition_files.c
        rows = self._read(select(c.kind, c.id, c.version, c.added_by, c.added_at, c.content)
                          .where(c.kind == kind, c.id == file_id, c.version == version))
        return dict(rows[0]._mapping) if rows else None

    # -- responses ---------------------------------------------------------
    def add_responses(self, cohort_id: str, responses: list[Record]) -> None:
        """Store new responses in one transaction (all or none)."""
        if not responses:
            return
        try:
            with self._transaction() as db:
                db.execute(insert(t.responses), [_response_row(cohort_id, r) for r in responses])
        except IntegrityError:
            raise StoreError(f"a response id in cohort {cohort_id!r} is already taken") from None

    def get_response(self, cohort_id: str, response_id: str) -> Record | None:
        """One response, or None."""
        rows = self._read(GET_RESPONSE, {"which_cohort": cohort_id, "which_response": response_id})
        return rows[0].doc if rows else None

    def get_cohort_and_response(self, cohort_id: str, response_id: str) -> tuple[Record | None, Record | None]:
        """A cohort and one of its responses, in one statement: (None, None) without the cohort."""
        values = {"which_cohort": cohort_id, "which_response": response_id}
        try:
            with self._driver() as cursor:
                rows = cursor.execute(GET_COHORT_AND_RESPONSE, _plain(values)).fetchall()
        except (psycopg.OperationalError, psycopg.InterfaceError):
            # The server dropped that connection: once more through SQLAlchemy, which replaces every pooled
            # connection opened before the drop, and tries once again on a new one.
            rows = self._read(GET_COHORT_AND_RESPONSE_CORE, values)
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    def update_response(self, cohort_id: str, response_id: str, change: Callable[[Record], Record],
                        known: Record | None = None) -> Record:
        """Apply `change` to a response; what it returns replaces it, with no other writer in between.

        With `known` (the response as the caller just read it), `change` runs on a copy of it and the result is
        written in one statement only if the stored response is still exactly `known` (a compare-and-swap:
        a page save is then one round trip). Otherwise, or if it changed meanwhile, one transaction reads the
        response holding its row lock, runs `change` on it and writes the result.
        """
        if known is not None:
            seen = _dumps(known)
            new = change(json.loads(seen))  # a copy: `change` may change it in place, and may have to run again
            values = _plain({**_response_row(cohort_id, new), "which_cohort": cohort_id,
                             "which_response": response_id, "seen": seen})
            with self.reachable(), self._driver() as cursor:  # a write is never repeated: it may fail once, clearly
                swapped = cursor.execute(SWAP_RESPONSE, values).rowcount
            if swapped == 1:
                return new
        with self._transaction() as db:
            found = _locked(db, t.responses, _response(cohort_id, response_id))
            if found is None:
                raise NotFound(f"no response {response_id!r} in cohort {cohort_id!r}")
            new = change(found)  # which may change `found` in place too, so it is written whatever it returns
            db.execute(update(t.responses).where(_response(cohort_id, response_id))
                       .values(_response_row(cohort_id, new)))
            return new

    def update_responses(self, cohort_id: str, changes: dict[str, Callable[[Record], Record]]) -> None:
        """`update_response` for many responses in one transaction (NotFound, nothing written, if one is missing)."""
        if not changes:
            return
        with self._transaction() as db:
            # Rows are locked in id order, so two such updates over overlapping responses cannot deadlock.
            rows = db.execute(select(t.responses.c.id, t.responses.c.doc)
                              .where(t.responses.c.cohort_id == cohort_id, t.responses.c.id.in_(list(changes)))
                              .order_by(t.responses.c.id).with_for_update()).all()
            found = {row.id: row.doc for row in rows}
            missing = [i for i in changes if i not in found]
            if missing:
                raise NotFound(f"no response {missing[0]!r} in cohort {cohort_id!r}")
            for response_id, change in changes.items():
                new = change(found[response_id])
                db.execute(update(t.responses).where(_response(cohort_id, response_id))
                           .values(_response_row(cohort_id, new)))

    def remove_response(self, cohort_id: str, response_id: str) -> Record:
        """Delete a response for good and return what it was (NotFound if there is none)."""
        with self._transaction() as db:
            row = db.execute(delete(t.responses).where(_response(cohort_id, response_id))
                             .returning(t.responses.c.doc)).first()
        if row is None:
            raise NotFound(f"no response {response_id!r} in cohort {cohort_id!r}")
        return row.doc

    def remove_responses(self, cohort_id: str, condition: Callable[[Record], bool]) -> int:
        """Delete for good every response of a cohort that `condition` holds for; returns how many went.

        The cohort's responses are judged with their rows locked, so one saved meanwhile is judged as saved.
        """
        with self._transaction() as db:
            rows = db.execute(select(t.responses.c.id, t.responses.c.doc).where(t.responses.c.cohort_id == cohort_id)
                              .order_by(t.responses.c.id).with_for_update()).all()
            doomed = [row.id for row in rows if condition(row.doc)]
            if doomed:
                db.execute(delete(t.responses).where(t.responses.c.cohort_id == cohort_id,
                                                     t.responses.c.id.in_(doomed)))
        return len(doomed)

    def list_responses(self, cohort_id: str, status: str | None = None, cycle: int | None = None) -> list[Record]:
        """A cohort's responses (optionally only those with this status, or of this learning cycle), oldest first."""
        # The documents come as the text stored and are decoded as one JSON array: the parser then makes each
        # key's string once for all the responses, not once per response, and the collector waits till it is done.
        query = select(cast(t.responses.c.doc, Text)).where(t.responses.c.cohort_id == cohort_id)
        if status is not None:
            query = query.where(t.responses.c.status == status)
        if cycle is not None:
            query = query.where(t.responses.c.cycle == cycle)
        texts = self._read(query.order_by(t.responses.c.created_at, t.responses.c.id))
        with _collector_paused():
            return json.loads("[" + ",".join(text for text, in texts) + "]")

    def count_responses(self, cohort_id: str, cycle: int | None = None) -> dict[str, int]:
        """How many responses a cohort has (in every cycle, or in this one), by status."""
        query = (select(t.responses.c.status, func.count()).where(t.responses.c.cohort_id == cohort_id)
                 .group_by(t.responses.c.status))
        if cycle is not None:
            query = query.where(t.responses.c.cycle == cycle)
        return {status: count for status, count in self._read(query)}

    # -- whole-cohort operations ----------------------------------------------------------------
    @contextmanager
    def cohort_lock(self, cohort_id: str) -> Iterator[None]:
        """Hold the cohort's advisory lock for an operation over many of its records, on every app server.

        Taking it again in the same thread is allowed (the lock counts); page saves never wait on it.
        """
        if not COHORT_ID.fullmatch(cohort_id):
            raise NotFound(f"no cohort {cohort_id!r}")
        held = self._held.__dict__.setdefault("counts", {})
        if held.get(cohort_id):
            held[cohort_id] += 1
            try:
                yield
            finally:
                held[cohort_id] -= 1
            return
        key = zlib.crc32(cohort_id.encode()) - 2**31  # a signed 32-bit key; two cohorts sharing one only queue
        with self.reachable(), self.engine.connect() as connection:
            connection.execute(select(func.pg_advisory_lock(COHORT_LOCKS, key)))
            connection.commit()  # the lock belongs to the session, not to this short transaction
            held[cohort_id] = 1
            try:
                yield
            finally:
                held.pop(cohort_id, None)
                connection.execute(select(func.pg_advisory_unlock(COHORT_LOCKS, key)))
                connection.commit()

    # -- groups: the fitted grouping model and the specialist's names for groups --------------
    def save_grouping(self, cohort_id: str, record: Record, model: bytes | None) -> None:
        """Store a cohort's grouping (JSON) and its fitted model (bytes), replacing the previous ones."""
        with self._transaction() as db:
            statement = upsert(t.groupings).values(cohort_id=cohort_id, record=record, model=model)
            # `excluded` is the row just offered: a grouping of 20,000 teachers is sent (and encoded) once.
            db.execute(statement.on_conflict_do_update(index_elements=[t.groupings.c.cohort_id], set_={
                "record": statement.excluded.record, "model": statement.excluded.model}))

    def load_grouping(self, cohort_id: str) -> Record | None:
        """A cohort's stored grouping, or None if it has never been grouped."""
        rows = self._read(select(t.groupings.c.record).where(t.groupings.c.cohort_id == cohort_id))
        return checked_grouping(rows[0].record, cohort_id) if rows else None

    def load_model(self, cohort_id: str) -> bytes | None:
        """The bytes of a cohort's fitted model, or None if there is none."""
        rows = self._read(select(t.groupings.c.model).where(t.groupings.c.cohort_id == cohort_id))
        return bytes(rows[0].model) if rows and rows[0].model is not None else None

    def update_grouping(self, cohort_id: str,
                        change: Callable[[Record, bytes | None], tuple[Record, bytes | None]]) -> None:
        """Apply `change` to a cohort's grouping and model bytes under the row lock; what it returns replaces them."""
        with self._transaction() as db:
            row = db.execute(select(t.groupings).where(t.groupings.c.cohort_id == cohort_id).with_for_update()).first()
            if row is None:
                return
            record, model = change(checked_grouping(row.record, cohort_id), _bytes(row.model))
            db.execute(update(t.groupings).where(t.groupings.c.cohort_id == cohort_id)
                       .values(record=record, model=model))

    def keep_earlier_grouping(self, cohort_id: str, labels: dict[str, Record], keep: int) -> str | None:
        """Copy the current grouping, its model and these names aside as an earlier grouping; keep the newest `keep`."""
        with self._transaction() as db:
            current = t.groupings.c.cohort_id == cohort_id
            if db.execute(select(t.groupings.c.cohort_id).where(current).with_for_update()).first() is None:
                return None
            numbers = db.execute(select(t.earlier_groupings.c.number)
                                 .where(t.earlier_groupings.c.cohort_id == cohort_id)
                                 .order_by(t.earlier_groupings.c.number.desc())).scalars().all()
            number = (numbers[0] if numbers else 0) + 1
            # Copied inside the database: the grouping and its model never travel to this server and back.
            copied = select(literal(cohort_id), literal(number), t.groupings.c.record, t.groupings.c.model,
                            bindparam("labels", labels, type_=JSONB)).where(current)
            db.execute(insert(t.earlier_groupings).from_select(["cohort_id", "number", "record", "model", "labels"],
                                                               copied))
            kept = [number, *numbers][:keep]
            db.execute(delete(t.earlier_groupings).where(t.earlier_groupings.c.cohort_id == cohort_id,
                                                         t.earlier_groupings.c.number.not_in(kept)))
        return str(number)

    def earlier_groupings(self, cohort_id: str) -> list[Record]:
        """The earlier groupings kept, newest first: {"id", "record", "labels"}."""
        rows = self._read(select(t.earlier_groupings.c.number, t.earlier_groupings.c.record,
                                 t.earlier_groupings.c.labels).where(t.earlier_groupings.c.cohort_id == cohort_id)
                          .order_by(t.earlier_groupings.c.number.desc()))
        return [{"id": str(r.number), "record": r.record, "labels": r.labels} for r in rows]

    def load_earlier_grouping(self, cohort_id: str, earlier_id: str) -> tuple[Record, bytes | None, dict] | None:
        """One earlier grouping's record, model bytes and names, or None if there is no such earlier grouping."""
        if not earlier_id.isdigit():
            return None
        rows = self._read(select(t.earlier_groupings).where(t.earlier_groupings.c.cohort_id == cohort_id,
                                                            t.earlier_groupings.c.number == int(earlier_id)))
        return (rows[0].record, _bytes(rows[0].model), rows[0].labels) if rows else None

    def remove_earlier_grouping(self, cohort_id: str, earlier_id: str) -> None:
        """Delete one earlier grouping (it has become the current one again)."""
        if earlier_id.isdigit():
            with self._transaction() as db:
                db.execute(delete(t.earlier_groupings).where(t.earlier_groupings.c.cohort_id == cohort_id,
                                                             t.earlier_groupings.c.number == int(earlier_id)))

    def update_earlier_groupings(self, cohort_id: str, change: Callable[[Record, bytes | None, dict],
                                                                      tuple[Record, bytes | None, dict]]) -> None:
        """Apply `change(record, model, labels)` to every earlier grouping; what it returns replaces each one."""
        with self._transaction() as db:
            rows = db.execute(select(t.earlier_groupings).where(t.earlier_groupings.c.cohort_id == cohort_id)
                              .order_by(t.earlier_groupings.c.number).with_for_update()).all()
            for row in rows:
                record, model, labels = change(row.record, _bytes(row.model), row.labels)
                db.execute(update(t.earlier_groupings)
                           .where(t.earlier_groupings.c.cohort_id == cohort_id,
                                  t.earlier_groupings.c.number == row.number)
                           .values(record=record, model=model, labels=labels))

    def set_group_label(self, cohort_id: str, key: str, label: Record) -> Record:
        """Store the specialist's name and note for a group (kept across re-groupings)."""
        doc = {"key": key, **label}
        with self._transaction() as db:
            db.execute(upsert(t.group_labels).values(cohort_id=cohort_id, key=key, doc=doc)
                       .on_conflict_do_update(index_elements=["cohort_id", "key"], set_={"doc": doc}))
        return label

    def group_labels(self, cohort_id: str) -> dict[str, Record]:
        """Every group name and note a specialist has written for this cohort, by group key."""
        rows = self._read(select(t.group_labels.c.key, t.group_labels.c.doc)
                          .where(t.group_labels.c.cohort_id == cohort_id).order_by(t.group_labels.c.key))
        return {row.key: row.doc for row in rows}

    # -- coaching partnerships: the coordinator's pairing state per mode, and confirmed partnerships ---------
    def pairing_state(self, cohort_id: str, mode: str) -> Record:
        """The coordinator's rules and latest proposal for one mode ("all" holds rules for every mode)."""
        found = self._one(t.pairing_states, (t.pairing_states.c.cohort_id == cohort_id)
                          & (t.pairing_states.c.mode == mode))
        return found if found is not None else {"mode": mode}

    def pairing_states(self, cohort_id: str) -> list[Record]:
        """Every mode's stored pairing state in a cohort (a copy of the installation needs them all)."""
        return [row.doc for row in self._read(select(t.pairing_states.c.doc)
                                              .where(t.pairing_states.c.cohort_id == cohort_id)
                                              .order_by(t.pairing_states.c.mode))]

    def update_pairing_state(self, cohort_id: str, mode: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to one mode's pairing state under the row lock; what it returns replaces the state."""
        where = (t.pairing_states.c.cohort_id == cohort_id) & (t.pairing_states.c.mode == mode)
        with self._transaction() as db:
            # A state not stored yet has no row to lock: make an empty one first, then lock it like any other.
            db.execute(upsert(t.pairing_states).values(cohort_id=cohort_id, mode=mode, doc={"mode": mode})
                       .on_conflict_do_nothing())
            found = _locked(db, t.pairing_states, where)
            new = change(found)
            db.execute(update(t.pairing_states).where(where).values(doc={**new, "mode": mode}))
        return new

    def add_partnerships(self, cohort_id: str, partnerships: list[Record]) -> None:
        """Store newly confirmed partnerships (each `id` must be new), all or none."""
        if not partnerships:
            return
        try:
            with self._transaction() as db:
                db.execute(insert(t.partnerships), [{"cohort_id": cohort_id, "id": p["id"], "cycle": p.get("cycle"),
                                                     "doc": p} for p in partnerships])
        except IntegrityError:
            raise StoreError(f"a partnership id in cohort {cohort_id!r} is already taken") from None

    def list_partnerships(self, cohort_id: str) -> list[Record]:
        """Every confirmed partnership in the cohort, oldest first."""
        return [row.doc for row in self._read(select(t.partnerships.c.doc)
                                              .where(t.partnerships.c.cohort_id == cohort_id)
                                              .order_by(t.partnerships.c.position))]

    def get_partnership(self, cohort_id: str, partnership_id: str) -> Record | None:
        """One confirmed partnership, or None."""
        return self._one(t.partnerships, _partnership(cohort_id, partnership_id))

    def update_partnership(self, cohort_id: str, partnership_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a partnership under the row lock; what it returns replaces it (NotFound if none)."""
        with self._transaction() as db:
            found = _locked(db, t.partnerships, _partnership(cohort_id, partnership_id))
            if found is None:
                raise NotFound(f"no partnership {partnership_id!r} in cohort {cohort_id!r}")
            new = change(found)
            db.execute(update(t.partnerships).where(_partnership(cohort_id, partnership_id))
                       .values(doc=new, cycle=new.get("cycle")))
        return new

    def remove_partnership(self, cohort_id: str, partnership_id: str) -> None:
        """Delete a partnership record for good (nothing happens if there is none)."""
        with self._transaction() as db:
            db.execute(delete(t.partnerships).where(_partnership(cohort_id, partnership_id)))

    # -- the coaching log: entries partners (and their specialist) write together ---------------------
    def add_log_entries(self, cohort_id: str, entries: list[Record]) -> None:
        """Store new coaching-log entries (each `id` must be new), all or none."""
        if not entries:
            return
        ids = [e["id"] for e in entries]
        with self._transaction() as db:
            taken = db.execute(select(t.log_entries.c.id).where(t.log_entries.c.cohort_id == cohort_id,
                                                                t.log_entries.c.id.in_(ids))).scalars().all()
            taken = sorted(taken) or sorted(i for i in set(ids) if ids.count(i) > 1)
            if taken:
                raise StoreError(f"log entry id {taken[0]!r} in cohort {cohort_id!r} is already taken")
            db.execute(insert(t.log_entries), [{"cohort_id": cohort_id, "id": e["id"],
                                                "partnership_id": e.get("partnership"), "doc": e} for e in entries])

    def log_entries(self, cohort_id: str, partnership_id: str | None = None) -> list[Record]:
        """The cohort's coaching-log entries (or one partnership's), in the order they were written."""
        query = select(t.log_entries.c.doc).where(t.log_entries.c.cohort_id == cohort_id)
        if partnership_id is not None:
            query = query.where(t.log_entries.c.partnership_id == partnership_id)
        return [row.doc for row in self._read(query.order_by(t.log_entries.c.position))]

    def update_log_entry(self, cohort_id: str, entry_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a log entry under the row lock; what it returns replaces it (NotFound if none)."""
        where = (t.log_entries.c.cohort_id == cohort_id) & (t.log_entries.c.id == entry_id)
        with self._transaction() as db:
            found = _locked(db, t.log_entries, where)
            if found is None:
                raise NotFound(f"no log entry {entry_id!r} in cohort {cohort_id!r}")
            new = change(found)
            db.execute(update(t.log_entries).where(where).values(doc=new, partnership_id=new.get("partnership")))
        return new

    def remove_log_entries(self, cohort_id: str, condition: Callable[[Record], bool]) -> int:
        """Delete every log entry of the cohort for which `condition` is true; return how many went."""
        with self._transaction() as db:
            rows = db.execute(select(t.log_entries.c.id, t.log_entries.c.doc)
                              .where(t.log_entries.c.cohort_id == cohort_id).with_for_update()).all()
            doomed = [row.id for row in rows if condition(row.doc)]
            if doomed:
                db.execute(delete(t.log_entries).where(t.log_entries.c.cohort_id == cohort_id,
                                                       t.log_entries.c.id.in_(doomed)))
        return len(doomed)

    # -- background jobs: long runs started from a page, reported by whichever app server is asked ------------
    def add_job(self, job: Record) -> Record:
        """Store a new background job (its `id` must be new)."""
        try:
            with self._transaction() as db:
                db.execute(insert(t.jobs).values(id=job["id"], cohort_id=job.get("cohort"), doc=job))
        except IntegrityError:
            raise StoreError(f"job {job['id']!r} already exists") from None
        return job

    def get_job(self, job_id: str) -> Record | None:
        """One background job, or None."""
        return self._one(t.jobs, t.jobs.c.id == job_id)

    def list_jobs(self, cohort_id: str) -> list[Record]:
        """A cohort's background jobs, oldest first."""
        return [row.doc for row in self._read(select(t.jobs.c.doc).where(t.jobs.c.cohort_id == cohort_id)
                                              .order_by(t.jobs.c.position))]

    def update_job(self, job_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a job under the row lock; what it returns replaces it (NotFound if none)."""
        with self._transaction() as db:
            found = _locked(db, t.jobs, t.jobs.c.id == job_id)
            if found is None:
                raise NotFound(f"no job {job_id!r}")
            new = change(found)
            db.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(doc=new))
        return new

    # -- staff accounts and the audit log ---------------------------------------------------
    def add_user(self, user: Record) -> Record:
        """Store a new staff account (its `id` and `email` must be new)."""
        try:
            with self._transaction() as db:
                db.execute(insert(t.users).values(id=user["id"], email=user["email"], doc=user))
        except IntegrityError:
            raise StoreError(f"an account for {user['email']!r} already exists") from None
        return user

    def get_user(self, user_id: str) -> Record | None:
        """The staff account with this id, or None."""
        return self._one(t.users, t.users.c.id == user_id)

    def find_user(self, email: str) -> Record | None:
        """The staff account with this (lower-case) e-mail address, or None."""
        return self._one(t.users, t.users.c.email == email)

    def list_users(self) -> list[Record]:
        """Every staff account, oldest first."""
        return [row.doc for row in self._read(select(t.users.c.doc).order_by(t.users.c.position))]

    def update_user(self, user_id: str, change: Callable[[Record], Record]) -> Record:
        """Apply `change` to a staff account under the row lock; what it returns replaces it (NotFound if none)."""
        try:
            with self._transaction() as db:
                found = _locked(db, t.users, t.users.c.id == user_id)
                if found is None:
                    raise NotFound(f"no account {user_id!r}")
                new = change(found)
                db.execute(update(t.users).where(t.users.c.id == user_id).values(doc=new, email=new["email"]))
        except IntegrityError:
            raise StoreError(f"an account for {new['email']!r} already exists") from None
        return new

    def log(self, entry: Record) -> None:
        """Append an entry to the audit log (who did what, when)."""
        with self._transaction() as db:
            db.execute(insert(t.audit).values(at=entry.get("at"), doc=entry))

    def audit_log(self) -> list[Record]:
        """The audit log, oldest first."""
        return [row.doc for row in self._read(select(t.audit.c.doc).order_by(t.audit.c.position))]


# The statements every teacher's page sends, built once: building a statement anew costs more CPU than sending it.
# A page save's two (the guard's read and the save) are also compiled once and sent straight to psycopg (`_driver`).
def _sql(statement: Any, setting: tuple[str, ...] = ()) -> str:
    """A Core statement as the SQL psycopg takes (`setting`: the columns an UPDATE sets, named by their keys)."""
    return str(statement.compile(dialect=psycopg_dialect.dialect(), column_keys=list(setting) or None))


def _plain(values: dict) -> dict:
    """Values as the compiled SQL takes them: text as `schema.Text` keeps it (no U+0000), documents as JSON."""
    return {key: value.replace("\x00", "\ufffd") if isinstance(value, str)
            else _dumps(value) if isinstance(value, dict) else value for key, value in values.items()}


_THE_RESPONSE = ((t.responses.c.cohort_id == bindparam("which_cohort"))
                 & (t.responses.c.id == bindparam("which_response")))
GET_COHORT = select(t.cohorts.c.doc).where(t.cohorts.c.id == bindparam("which_cohort"))
GET_RESPONSE = select(t.responses.c.doc).where(_THE_RESPONSE)
GET_COHORT_AND_RESPONSE_CORE = (
    select(t.cohorts.c.doc, t.responses.c.doc)
    .select_from(t.cohorts.outerjoin(t.responses, (t.responses.c.cohort_id == t.cohorts.c.id)
                                     & (t.responses.c.id == bindparam("which_response"))))
    .where(t.cohorts.c.id == bindparam("which_cohort")))
GET_COHORT_AND_RESPONSE = _sql(GET_COHORT_AND_RESPONSE_CORE)
# Every typed column and the document are set, only while the stored document is still the one `seen` (JSONB
# equality: the same values, whatever the key order or spacing).
SWAP_RESPONSE = _sql(update(t.responses).where(_THE_RESPONSE,
                                               t.responses.c.doc == cast(bindparam("seen", type_=t.Text), JSONB)),
                     setting=("cycle", "status", "revision", "form_id", "form_version", "respondent", "token_hash",
                              "created_at", "updated_at", "doc"))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a whole cohort's documents are decoded.

    Decoding 10,000 responses makes well over 100,000 dicts and lists, and every 700 of them would start a
    collection, some of which walk everything the process holds (numpy, pandas, scikit-learn): a third of the
    time of reading a cohort. Decoded JSON holds no reference cycles, so there is nothing for it to find.
    """
    was_on = gc.isenabled()  # off already (another thread here, or the caller's choice): theirs to turn on
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _locked(db: Connection, table: Any, where: Any) -> Record | None:
    """The document of the one row `where` picks, locked until the transaction ends, or None."""
    row = db.execute(select(table.c.doc).where(where).with_for_update()).first()
    return row.doc if row else None


def _response(cohort_id: str, response_id: str) -> Any:
    return (t.responses.c.cohort_id == cohort_id) & (t.responses.c.id == response_id)


def _partnership(cohort_id: str, partnership_id: str) -> Any:
    return (t.partnerships.c.cohort_id == cohort_id) & (t.partnerships.c.id == partnership_id)


def _response_row(cohort_id: str, response: Record) -> Record:
    """The typed columns of a response beside the whole document."""
    return {"cohort_id": cohort_id, "id": response["id"], "cycle": response.get("cycle") or 1,
            "status": response.get("status") or "", "revision": response.get("revision") or 0,
            "form_id": response.get("form_id"), "form_version": response.get("form_version"),
            "respondent": response.get("respondent"), "token_hash": response.get("token_hash"),
            "created_at": response.get("created_at") or "", "updated_at": response.get("updated_at"), "doc": response}


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)
