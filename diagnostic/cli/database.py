"""The `diagnostic db` commands: upgrade the PostgreSQL schema, and copy a TinyDB installation into it."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from diagnostic.storage.interface import StoreError
from diagnostic.web.pages import get_store


@click.group("db")
@click.pass_context
def db(ctx: click.Context) -> None:
    """The PostgreSQL database named by DIAGNOSTIC_DATABASE_URL: its schema, and moving data into it."""
    # These commands are how a schema that is behind gets upgraded, so the app they run on must not refuse it.
    ctx.meta["diagnostic.check_schema"] = False


def _database_store():  # noqa: ANN202 - a PostgresStore
    from diagnostic.storage.postgres_store import PostgresStore

    store = get_store()
    if not isinstance(store, PostgresStore):
        raise click.ClickException("DIAGNOSTIC_DATABASE_URL is not set, so this installation keeps its data in "
                                   "TinyDB files, which need no upgrade; set it to a postgresql:// address first")
    return store


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create the tables, or bring them up to this version's schema (safe to run again, and from two servers)."""
    from diagnostic.storage import migrate

    store = _database_store()
    try:
        with store.reachable():
            before, after = migrate.upgrade(store.engine)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    if before == after:
        click.echo(f"the database schema is already at revision {after}: nothing to do")
    else:
        click.echo(f"upgraded the database schema from {before or 'nothing'} to revision {after}")


@db.command("status")
@with_appcontext
def db_status() -> None:
    """Say which schema revision the database is at, and whether this version needs an upgrade."""
    from diagnostic.storage import migrate

    store = _database_store()
    try:
        with store.reachable():
            found, needed = migrate.current(store.engine), migrate.head()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    state = "up to date" if found == needed else "behind: run `diagnostic db upgrade`"
    click.echo(f"database schema at revision {found or 'none (no tables yet)'}; this version needs {needed}: {state}")


@db.command("copy-from-tinydb")
@with_appcontext
@click.argument("source_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--into-nonempty", is_flag=True,
              help="Add to a database that already holds other records (never overwriting one; the source's "
                   "audit entries follow the database's own).")
def db_copy_from_tinydb(source_dir: str, into_nonempty: bool) -> None:
    """Copy every record of the TinyDB data directory SOURCE_DIR into this database, then check each kind.

    Cohorts, published forms, the definition files admins added, responses of every cycle, groupings and their
    models, partnerships, coaching logs, accounts and the audit log. The definitions and menus in SOURCE_DIR's
    definitions/ folder are copied as definition files too, so every server finds them. Running it again copies
    nothing. The data directory's own files (its config.py, secret key and definitions/ folder) stay where they
    are: point DIAGNOSTIC_DATA at it.
    """
    from diagnostic.services.copying import CopyRefused, copy_store, folder_files
    from diagnostic.storage import migrate
    from diagnostic.storage.backends import open_store

    target = _database_store()
    source_root = Path(source_dir)
    if not (source_root / "store").is_dir():
        raise click.ClickException(f"{source_root} is not a TinyDB data directory (it has no store/ folder)")
    source = open_store(source_root, None)
    files, left = folder_files(source_root)
    try:
        with target.reachable():
            migrate.check_current(target.engine)  # these commands skip the app's own check: without it, no tables
            reports = copy_store(source, target, into_nonempty=into_nonempty, files=files)
    except (CopyRefused, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    for r in reports:
        state = "verified" if r.verified else "DIFFERS: " + "; ".join(r.problems)
        click.echo(f"{r.kind:18} {r.source:7} in the source, {r.copied:7} copied, {r.already:7} already there  "
                   f"sha256 {r.checksum[:16]}  {state}")
    if files:
        click.echo(f"the {len(files)} definition and menu file(s) in {source_root / 'definitions'} are among the "
                   "definition files: every server now finds them (a server whose data directory still holds "
                   "one reads that file first, so leave it unchanged or remove it)")
    for name in left:
        click.echo(f"not copied from {source_root / 'definitions'}: {name}")
    if not all(r.verified for r in reports):
        raise click.ClickException("the copy does not match its source: see the lines above")
    copied = sum(r.copied for r in reports)
    click.echo(f"copied {copied} record(s); every kind matches its source" if copied else
               "nothing to copy: the database already holds every record of the source, unchanged")
