"""Rate-limit counts in one SQLite file in the data directory, shared by every worker on that directory.

A storage backend for the `limits` library (`sqlite:///PATH`): registering the class makes Flask-Limiter
accept the scheme. Counts are worth little and availability much, so a damaged file starts again empty.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, unquote, urlparse

from filelock import FileLock
from limits.storage import Storage

COUNTS_FILE = "ratelimits.sqlite3"
# Primary SQLite result codes of a file that is not (or no longer) a database. Anything else, such as a
# lock held too long or a full disk, is a real problem and is raised.
DAMAGED = {sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT}
SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
T = TypeVar("T")
log = logging.getLogger(__name__)


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite file, shared by every process that opens it (`sqlite:///PATH`)."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(unquote(urlparse(uri).path))

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's count; a new (or expired) key's window ends `expiry` seconds from now."""
        def work(db: sqlite3.Connection) -> int:
            now = time.time()
            db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
            db.execute("INSERT INTO counters VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET count = count + "
                       "excluded.count", (key, amount, now + expiry))
            return db.execute("SELECT count FROM counters WHERE key = ?", (key,)).fetchone()[0]
        return self._run(work)

    def get(self, key: str) -> int:
        """The key's count in its current window (0 if none)."""
        row = self._run(lambda db: db.execute("SELECT count FROM counters WHERE key = ? AND expires > ?",
                                              (key, time.time())).fetchone())
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends (now if it has none)."""
        now = time.time()
        row = self._run(lambda db: db.execute("SELECT expires FROM counters WHERE key = ? AND expires > ?",
                                              (key, now)).fetchone())
        return row[0] if row else now

    def check(self) -> bool:
        """Whether the counts file can be used."""
        try:
            self._run(lambda db: None)
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int:
        """Forget every count; returns how many keys there were."""
        return self._run(lambda db: db.execute("DELETE FROM counters").rowcount)

    def clear(self, key: str) -> None:
        """Forget one key's count."""
        self._run(lambda db: db.execute("DELETE FROM counters WHERE key = ?", (key,)))

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        # Counts are worth little, availability much: a damaged file is replaced by an empty one.
        try:
            return self._transaction(work)
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
        self._discard_damaged()
        return self._transaction(work)

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        # A connection per operation: nothing to share between threads or across a fork, and a deleted
        # file is simply made again. BEGIN IMMEDIATE takes the write lock at once, so two workers never
        # read the same count and both add to it; closing without COMMIT rolls back.
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))  # if it is new: private, like all of DATA
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(SCHEMA)
            result = work(db)
            db.execute("COMMIT")
            return result

    def _discard_damaged(self) -> None:
        # Under a lock, and only if the file is still damaged: another worker may have replaced it already.
        with FileLock(f"{self.path}.lock"):
            if not self._damaged():
                return
            log.warning("rate-limit counts file %s is damaged: starting it again empty", self.path)
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _damaged(self) -> bool:
        try:  # mode=rw: a file another worker has just removed is not made again here, with other permissions
            with closing(sqlite3.connect(f"file:{quote(str(self.path))}?mode=rw", uri=True, timeout=10)) as db:
                return db.execute("PRAGMA quick_check").fetchall() != [("ok",)]
        except sqlite3.DatabaseError as exc:
            return _is_damage(exc)


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # absent on errors raised by Python itself
    return code is not None and code & 0xFF in DAMAGED


def storage_uri(path: Path) -> str:
    """The `sqlite://` storage URI of a counts file."""
    return "sqlite://" + quote(str(path.resolve()))
