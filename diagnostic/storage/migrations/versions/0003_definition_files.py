"""Definition files: the questionnaires and menus admins add, kept in the database so every app server reads them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("definition_files", sa.Column("kind", sa.Text, primary_key=True),
                    sa.Column("id", sa.Text, primary_key=True), sa.Column("version", sa.Text, primary_key=True),
                    sa.Column("added_by", sa.Text, nullable=False), sa.Column("added_at", sa.Text, nullable=False),
                    sa.Column("position", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
                    sa.Column("content", sa.Text, nullable=False))


def downgrade() -> None:
    op.drop_table("definition_files")
