"""The database and counter servers tests run against: a fresh PostgreSQL database per test, and Redis.

PostgreSQL is reached at DIAGNOSTIC_TEST_POSTGRES (default: the local server on 127.0.0.1:5432 as the
`postgres` user), Redis at DIAGNOSTIC_TEST_REDIS (default redis://127.0.0.1:6379/15). Without a reachable
server these tests skip and say why; under CI=true a missing server is a failure (.ci/run starts them).

Each test's database is a copy of a template upgraded once per test process with `diagnostic db upgrade`'s
own code, so a test pays for CREATE DATABASE, not for the migrations.
"""

from __future__ import annotations

import atexit
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest

ADMIN_URL = os.environ.get("DIAGNOSTIC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("DIAGNOSTIC_TEST_REDIS", "redis://127.0.0.1:6379/15")
_KEPT_FOR_THE_SESSION: list[str] = []  # databases of module-wide worlds, dropped with the template
_MOVED: dict[tuple, str] = {}  # (a data directory, its store files) -> the database its store was moved into


def _missing(what: str, reason: str) -> None:
    """Skip without the server, except under CI=true, where a missing server is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(f"{what} tests need a reachable server: {reason}")


@cache
def _postgres_problem() -> str | None:
    import psycopg

    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"cannot connect to {ADMIN_URL} ({str(exc).strip().splitlines()[0]}); set DIAGNOSTIC_TEST_POSTGRES"


def require_postgres() -> None:
    """Skip (or fail under CI) unless the test PostgreSQL server answers."""
    problem = _postgres_problem()
    if problem:
        _missing("PostgreSQL", problem)


def require_redis() -> None:
    """Skip (or fail under CI) unless the test Redis server answers."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _missing("Redis", f"cannot reach {REDIS_URL} ({exc}); set DIAGNOSTIC_TEST_REDIS")


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(sql)


def database_url(name: str) -> str:
    """The URL of database `name` on the test server."""
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@cache
def _template() -> str:
    """A database at the current schema, made once per test process, that each test's database copies."""
    from sqlalchemy import create_engine

    from diagnostic.storage import migrate
    from diagnostic.storage.postgres_store import engine_url

    name = f"sp_template_{os.getpid()}_{secrets.token_hex(3)}"
    _admin(f'CREATE DATABASE "{name}"')
    engine = create_engine(engine_url(database_url(name)))
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()  # CREATE DATABASE ... TEMPLATE needs the template with nobody connected
    # A script or a bench using fresh_database has no session end to drop it: its process's exit does.
    atexit.register(drop_template)
    return name


def drop_template() -> None:
    """Drop this process's template database, if it made one, and the databases kept for the session.

    Called at the end of the test session, or at exit.
    """
    while _KEPT_FOR_THE_SESSION:
        drop_database(_KEPT_FOR_THE_SESSION.pop())
    if _template.cache_info().currsize and _template().split("_")[2] == str(os.getpid()):
        drop_database(_template())
        _template.cache_clear()


def create_database(empty: bool = False, like: str | None = None) -> str:
    """A new database on the test server: its name.

    At the current schema, empty of records; or `empty`, with no tables; or a copy of database `like`.
    """
    require_postgres()
    name = f"sp_test_{secrets.token_hex(6)}"
    _admin(f'CREATE DATABASE "{name}"' + ("" if empty else f' TEMPLATE "{like or _template()}"'))
    return name


def drop_database(name: str) -> None:
    """Drop a test database, closing whatever connections are still open on it."""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(empty: bool = False) -> Iterator[str]:
    """A new database's URL for one test, dropped afterwards."""
    name = create_database(empty)
    try:
        yield database_url(name)
    finally:
        drop_database(name)


def move_into_database(data) -> str:  # noqa: ANN001 - a Path
    """Move a TinyDB data directory's store into a fresh database (copy-from-tinydb's own code): its URL.

    The data directory keeps its other files (secret key, definitions); its TinyDB files go, so that what the
    test then finds under the data directory is what the PostgreSQL store put there.
    """
    import shutil

    from diagnostic.services.copying import copy_store
    from diagnostic.storage.postgres_store import PostgresStore
    from diagnostic.storage.tinydb_store import TinyDBStore

    url = database_url(create_database())
    target = PostgresStore(data, url)
    try:
        reports = copy_store(TinyDBStore(data), target)
    finally:
        target.close()
    assert all(r.verified for r in reports), [r.problems for r in reports if not r.verified]
    shutil.rmtree(data / "store")
    return url


def _on_postgres_pass() -> bool:
    return os.environ.get("DIAGNOSTIC_TEST_BACKEND", "tinydb") != "tinydb"


def _kept(url: str) -> str:
    _KEPT_FOR_THE_SESSION.append(url.rsplit("/", 1)[1])
    return url


def session_database() -> str | None:
    """The DATABASE_URL for a world a module builds once, on the backend this test run is for.

    None on the TinyDB pass; on the PostgreSQL pass (DIAGNOSTIC_TEST_BACKEND=postgresql), a fresh database kept
    until the end of the test session, as the module's app outlives any one test.
    """
    return _kept(database_url(create_database())) if _on_postgres_pass() else None


def on_the_test_backend(data, source=None) -> str | None:  # noqa: ANN001 - Paths
    """The DATABASE_URL for `data`, a data directory a module built on TinyDB (or a copy of `source`), on this run's
    backend: None on the TinyDB pass; on the PostgreSQL pass, `move_into_database` or `moved_copy`, the database
    kept until the end of the test session.
    """
    if not _on_postgres_pass():
        return None
    return _kept(move_into_database(data) if source is None else moved_copy(data, source))


def moved_copy(data, source) -> str:  # noqa: ANN001 - Paths
    """`move_into_database` for `data`, a copy of the data directory `source`, made quicker by cloning.

    The source is moved once (for as long as its store files stay as they are) and each copy's database is
    cloned from that one by CREATE DATABASE ... TEMPLATE, instead of copying record by record again.
    """
    import shutil
    import tempfile
    from pathlib import Path

    store = Path(source) / "store"
    state = (str(source), tuple(sorted((str(f), f.stat().st_size, f.stat().st_mtime_ns)
                                       for f in store.rglob("*") if f.is_file())))
    if state not in _MOVED:
        with tempfile.TemporaryDirectory(prefix="moved-") as scratch:
            shutil.copytree(source, Path(scratch) / "data")
            _MOVED[state] = _kept(move_into_database(Path(scratch) / "data")).rsplit("/", 1)[1]
    shutil.rmtree(Path(data) / "store")  # as move_into_database does: what is under DATA is PostgreSQL's doing
    return database_url(create_database(like=_MOVED[state]))
