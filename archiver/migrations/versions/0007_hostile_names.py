"""Hostile names: the original bytes of a path that is not valid UTF-8 (hex), beside its readable form.

Revision ID: 0007_hostile_names
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_hostile_names"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("submissions", sa.Column("relpath_hex", sa.Text, nullable=True))
    op.add_column("file_state", sa.Column("relpath_hex", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("file_state") as batch:
        batch.drop_column("relpath_hex")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("relpath_hex")
