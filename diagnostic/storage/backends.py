"""Which store an installation uses: TinyDB under the data directory, or PostgreSQL when a database URL is set."""

from __future__ import annotations

from pathlib import Path

from diagnostic.storage.interface import Store


def open_store(data_dir: Path, database_url: str | None, check_schema: bool = True) -> Store:
    """The store for these settings; a PostgreSQL store refuses a schema behind the code unless told not to check."""
    if database_url:
        from diagnostic.storage.postgres_store import PostgresStore  # SQLAlchemy only where it is used

        return PostgresStore(data_dir, database_url, check_schema=check_schema)
    from diagnostic.storage.tinydb_store import TinyDBStore

    return TinyDBStore(data_dir)
