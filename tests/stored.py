"""What a store holds, read beneath its interface: TinyDB's files, or every row of the PostgreSQL tables.

Tests that prove a refused request changed nothing, or that erasure left no trace, compare or search this,
so they hold on either backend.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from diagnostic.storage.interface import Store


def stored(store: Store) -> dict[str, bytes]:
    """Everything the store keeps, by place (a file, or a table and key), as bytes; lock files are left out."""
    from diagnostic.storage.postgres_store import PostgresStore

    if isinstance(store, PostgresStore):
        return _rows(store)
    root = Path(store.data_dir) / "store"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix != ".lock"}


def digests(store: Store) -> dict[str, str]:
    """`stored`, each place as a SHA-256 (for comparing before and after)."""
    return {place: hashlib.sha256(content).hexdigest() for place, content in stored(store).items()}


def places_holding(store: Store, needle: str) -> list[str]:
    """Every place under the data directory, and every database row, that holds `needle` (ignoring case)."""
    wanted = needle.lower().encode()
    data = Path(store.data_dir)
    files = [str(p.relative_to(data)) for p in data.rglob("*") if p.is_file() and wanted in p.read_bytes().lower()]
    from diagnostic.storage.postgres_store import PostgresStore

    rows = [place for place, content in _rows(store).items() if wanted in content.lower()] \
        if isinstance(store, PostgresStore) else []
    return files + rows


def _rows(store) -> dict[str, bytes]:  # noqa: ANN001 - a PostgresStore
    from sqlalchemy import select

    from diagnostic.storage import schema

    found = {}
    with store.engine.connect() as connection:
        for table in schema.metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            for row in connection.execute(select(table)).mappings():
                place = "/".join([table.name, *(str(row[k]) for k in keys)])
                found[place] = b"\n".join(_bytes(value) for value in row.values())
    return found


def _bytes(value: object) -> bytes:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
    return str(value).encode()


def damage_grouping(store: Store, cohort_id: str) -> None:
    """Leave a cohort's saved grouping unreadable beneath the interface, as a bad disk or a hand edit would."""
    from diagnostic.storage.postgres_store import PostgresStore

    if isinstance(store, PostgresStore):
        from sqlalchemy import update

        from diagnostic.storage import schema

        with store.engine.begin() as connection:
            connection.execute(update(schema.groupings).where(schema.groupings.c.cohort_id == cohort_id)
                               .values(record={"groups": "not a list of groups"}))
        return
    (Path(store.data_dir) / "store" / "cohorts" / cohort_id / "grouping.json").write_text("{not json")


def saved_grouping(store: Store, cohort_id: str) -> bytes:
    """A cohort's saved grouping exactly as stored (JSON bytes, then the model's), for "nothing changed" checks."""
    places = stored(store)
    return b"\n".join(places.get(place, b"") for place in (f"cohorts/{cohort_id}/grouping.json",
                                                            f"cohorts/{cohort_id}/model.joblib",
                                                            f"groupings/{cohort_id}"))


def replace_model(store: Store, cohort_id: str, model: bytes | None) -> None:
    """Swap a cohort's stored model bytes beneath the grouping record, as a replaced model file would."""
    store.update_grouping(cohort_id, lambda record, _: (record, model))
