"""The PostgreSQL tables: typed columns for what is looked up or filtered, JSON for the documents themselves.

Each record the services hand the store is kept whole in `doc`; the typed columns beside it copy the parts
queries filter, join or order on (cohort, cycle, status, revision, respondent, token hash, timestamps), so an
index can serve them. `position` keeps the order records were added in ("oldest first" in the interface).
The migrations in `migrations/versions/` create exactly these tables; a change here needs a new migration.

The documents read a whole cohort at a time (responses, the grouping with every member, earlier groupings, the
pairing proposals) are `json`, kept as the text written: no query looks inside them, and the server sends
that text back as it is, where JSONB has to rebuild the text of every row it sends (a third to a half of the
time of reading a 10,000-teacher cohort). Their keys also come back in the order written, as from TinyDB.
`json` has no equality: a query comparing such a document casts both sides to JSONB. The other, smaller
documents stay JSONB.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Identity, Index, Integer, LargeBinary, MetaData, Table, TypeDecorator
from sqlalchemy import Text as PlainText
from sqlalchemy.dialects.postgresql import JSON, JSONB

metadata = MetaData()


class Text(TypeDecorator):
    """PostgreSQL text that takes any Python string: U+0000, which PostgreSQL refuses, is kept as U+FFFD.

    The JSONB documents are written the same way (postgres_store), so a typed column always equals the
    document's copy, and a lookup for a value holding U+0000 (a link typed with %00) finds what it would
    have stored instead of failing.
    """

    impl = PlainText
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def _position() -> Column:
    return Column("position", BigInteger, Identity(), nullable=False, unique=True)


cohorts = Table(
    "cohorts", metadata,
    Column("id", Text, primary_key=True),
    Column("invite", Text, unique=True),
    _position(),
    Column("doc", JSONB, nullable=False),
)

forms = Table(
    "forms", metadata,
    Column("id", Text, primary_key=True),
    Column("version", Text, primary_key=True),
    Column("digest", Text, nullable=False),
    _position(),
    Column("definition", JSONB, nullable=False),
)

# Definition and menu files admins added, kept as the YAML text that was checked (never changed afterwards).
definition_files = Table(
    "definition_files", metadata,
    Column("kind", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("version", Text, primary_key=True),
    Column("added_by", Text, nullable=False),
    Column("added_at", Text, nullable=False),
    _position(),
    Column("content", Text, nullable=False),
)

responses = Table(
    "responses", metadata,
    Column("cohort_id", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("cycle", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("form_id", Text),
    Column("form_version", Text),
    Column("respondent", Text),
    Column("token_hash", Text),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text),
    Column("doc", JSON, nullable=False),
    Index("responses_by_cycle_and_status", "cohort_id", "cycle", "status"),
    Index("responses_by_respondent", "cohort_id", "respondent"),
)

groupings = Table(
    "groupings", metadata,
    Column("cohort_id", Text, primary_key=True),
    Column("record", JSON, nullable=False),
    Column("model", LargeBinary),
)

earlier_groupings = Table(
    "earlier_groupings", metadata,
    Column("cohort_id", Text, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("record", JSON, nullable=False),
    Column("model", LargeBinary),
    Column("labels", JSONB, nullable=False),
)

group_labels = Table(
    "group_labels", metadata,
    Column("cohort_id", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("doc", JSONB, nullable=False),
)

pairing_states = Table(
    "pairing_states", metadata,
    Column("cohort_id", Text, primary_key=True),
    Column("mode", Text, primary_key=True),
    Column("doc", JSON, nullable=False),
)

partnerships = Table(
    "partnerships", metadata,
    Column("cohort_id", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("cycle", Integer),
    _position(),
    Column("doc", JSONB, nullable=False),
)

log_entries = Table(
    "log_entries", metadata,
    Column("cohort_id", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("partnership_id", Text),
    _position(),
    Column("doc", JSONB, nullable=False),
    Index("log_entries_by_partnership", "cohort_id", "partnership_id"),
)

users = Table(
    "users", metadata,
    Column("id", Text, primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    _position(),
    Column("doc", JSONB, nullable=False),
)

jobs = Table(
    "jobs", metadata,
    Column("id", Text, primary_key=True),
    Column("cohort_id", Text),
    _position(),
    Column("doc", JSONB, nullable=False),
    Index("jobs_by_cohort", "cohort_id"),
)

audit = Table(
    "audit", metadata,
    Column("position", BigInteger, Identity(), primary_key=True),
    Column("at", Text),
    Column("doc", JSONB, nullable=False),
)
