"""Anchored custody chain and scheduled fixity: timestamp tokens of the chain head, and the
last integrity check of each blob.

Revision ID: 0008_anchors
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_anchors"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custody_anchors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("tsa_url", sa.Text),
        sa.Column("token", sa.LargeBinary),
        sa.Column("gen_time", sa.String(32)),
        sa.Column("log_hash", sa.String(64)),
    )
    op.create_table(
        "blob_fixity",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
        sa.Column("checked_at", sa.String(32), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("actual", sa.String(64)),
        sa.Column("via", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("blob_fixity")
    op.drop_table("custody_anchors")
