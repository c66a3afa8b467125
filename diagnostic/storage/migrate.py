"""Alembic, driven from code: upgrade a database to the schema this code needs, and check it is there.

`diagnostic db upgrade` calls `upgrade`; the PostgreSQL store calls `check_current` when the app starts, so an
app server never runs on a schema older (or newer) than its code, and says which command puts it right.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from diagnostic.storage.interface import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine  # migrations/env.py runs on this engine, not on a URL in a file
    return config


def head() -> str:
    """The schema revision this code needs."""
    return ScriptDirectory.from_config(_config(None)).get_current_head()  # type: ignore[arg-type]


def current(engine: Engine) -> str | None:
    """The database's schema revision (None for a database never upgraded)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database's schema up to this code's; returns (revision before, revision after)."""
    before = current(engine)
    command.upgrade(_config(engine), "head")
    return before, head()


def check_current(engine: Engine) -> None:
    """Raise `StoreError` (saying what to run) unless the database's schema is the one this code needs."""
    found, needed = current(engine), head()
    if found == needed:
        return
    known = {script.revision for script in ScriptDirectory.from_config(_config(engine)).walk_revisions()}
    if found is not None and found not in known:
        raise StoreError(f"the database schema is at revision {found}, which this version of Starting Points does "
                         f"not know (it needs {needed}): the database was upgraded by a newer version; run that")
    state = "has no tables yet" if found is None else f"is at revision {found}"
    raise StoreError(f"the database schema {state}, behind this version's {needed}: "
                     "run `diagnostic db upgrade` first")
