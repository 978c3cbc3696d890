"""Signing: the signature check of every archived PDF (state, signers, when it was checked).

Revision ID: 0009_signatures
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_signatures"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signatures",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("signers", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("checked_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_signatures_state", "signatures", ["state"])


def downgrade() -> None:
    op.drop_index("ix_signatures_state", "signatures")
    op.drop_table("signatures")
