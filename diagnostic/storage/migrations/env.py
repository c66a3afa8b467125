"""Alembic's entry point: run the migrations on the engine `diagnostic.storage.migrate` hands over."""

from alembic import context
from sqlalchemy import text

# Two app servers may both be told to upgrade at once: one waits for the other, then finds nothing to do.
UPGRADE_LOCK = 0x53505550


def run() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=False)
        with context.begin_transaction():
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
            context.run_migrations()


run()
