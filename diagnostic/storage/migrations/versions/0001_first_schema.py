"""The first schema: every record kind of the TinyDB store, as typed columns beside a JSONB document.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _position() -> sa.Column:
    return sa.Column("position", sa.BigInteger, sa.Identity(), nullable=False, unique=True)


def _doc(name: str = "doc") -> sa.Column:
    return sa.Column(name, JSONB, nullable=False)


def upgrade() -> None:
    op.create_table("cohorts", sa.Column("id", sa.Text, primary_key=True), sa.Column("invite", sa.Text, unique=True),
                    _position(), _doc())
    op.create_table("forms", sa.Column("id", sa.Text, primary_key=True),
                    sa.Column("version", sa.Text, primary_key=True),
                    sa.Column("digest", sa.Text, nullable=False), _position(), _doc("definition"))
    op.create_table("responses",
                    sa.Column("cohort_id", sa.Text, primary_key=True), sa.Column("id", sa.Text, primary_key=True),
                    sa.Column("cycle", sa.Integer, nullable=False), sa.Column("status", sa.Text, nullable=False),
                    sa.Column("revision", sa.Integer, nullable=False), sa.Column("form_id", sa.Text),
                    sa.Column("form_version", sa.Text), sa.Column("respondent", sa.Text),
                    sa.Column("token_hash", sa.Text), sa.Column("created_at", sa.Text, nullable=False),
                    sa.Column("updated_at", sa.Text), _doc())
    op.create_index("responses_by_cycle_and_status", "responses", ["cohort_id", "cycle", "status"])
    op.create_index("responses_by_respondent", "responses", ["cohort_id", "respondent"])
    op.create_table("groupings", sa.Column("cohort_id", sa.Text, primary_key=True), _doc("record"),
                    sa.Column("model", sa.LargeBinary))
    op.create_table("earlier_groupings", sa.Column("cohort_id", sa.Text, primary_key=True),
                    sa.Column("number", sa.Integer, primary_key=True), _doc("record"),
                    sa.Column("model", sa.LargeBinary), _doc("labels"))
    op.create_table("group_labels", sa.Column("cohort_id", sa.Text, primary_key=True),
                    sa.Column("key", sa.Text, primary_key=True), _doc())
    op.create_table("pairing_states", sa.Column("cohort_id", sa.Text, primary_key=True),
                    sa.Column("mode", sa.Text, primary_key=True), _doc())
    op.create_table("partnerships", sa.Column("cohort_id", sa.Text, primary_key=True),
                    sa.Column("id", sa.Text, primary_key=True), sa.Column("cycle", sa.Integer), _position(), _doc())
    op.create_table("log_entries", sa.Column("cohort_id", sa.Text, primary_key=True),
                    sa.Column("id", sa.Text, primary_key=True), sa.Column("partnership_id", sa.Text), _position(),
                    _doc())
    op.create_index("log_entries_by_partnership", "log_entries", ["cohort_id", "partnership_id"])
    op.create_table("users", sa.Column("id", sa.Text, primary_key=True),
                    sa.Column("email", sa.Text, nullable=False, unique=True), _position(), _doc())
    op.create_table("audit", sa.Column("position", sa.BigInteger, sa.Identity(), primary_key=True),
                    sa.Column("at", sa.Text), _doc())


def downgrade() -> None:
    for table in ("audit", "users", "log_entries", "partnerships", "pairing_states", "group_labels",
                  "earlier_groupings", "groupings", "responses", "forms", "cohorts"):
        op.drop_table(table)
