"""Background jobs: long runs started from a page (a pairing run, a re-grouping), reported by any app server.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("jobs", sa.Column("id", sa.Text, primary_key=True), sa.Column("cohort_id", sa.Text),
                    sa.Column("position", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
                    sa.Column("doc", JSONB, nullable=False))
    op.create_index("jobs_by_cohort", "jobs", ["cohort_id"])


def downgrade() -> None:
    op.drop_table("jobs")
