"""Documents read a whole cohort at a time are kept as the JSON text written, not as JSONB.

Responses, the grouping (every member in one record), earlier groupings and the pairing proposals are read
in bulk and never queried inside; PostgreSQL sends `json` back as stored, where it rebuilds the text of every
JSONB value it sends. Each table is rewritten once by the upgrade, which takes a lock on it for that time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from alembic import op
from sqlalchemy.dialects.postgresql import JSON, JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DOCUMENTS = [("responses", "doc"), ("groupings", "record"), ("earlier_groupings", "record"),
             ("pairing_states", "doc")]


def upgrade() -> None:
    for table, column in DOCUMENTS:
        op.alter_column(table, column, type_=JSON, existing_nullable=False, postgresql_using=f"{column}::json")


def downgrade() -> None:
    for table, column in DOCUMENTS:
        op.alter_column(table, column, type_=JSONB, existing_nullable=False, postgresql_using=f"{column}::jsonb")
