"""Retention and legal hold: holds on pegawai, units and periods, dispositions proposed by one
admin and approved by another, their items, and the blobs a disposition removed.

Revision ID: 0015_retention
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_retention"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("nip", sa.String(18)),
        sa.Column("unit", sa.String(60)),
        sa.Column("tahun", sa.Integer),
        sa.Column("periode", sa.String(10)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", sa.String(32), nullable=False),
        sa.Column("released_by", sa.String(200)),
        sa.Column("released_at", sa.String(32)),
        sa.Column("release_note", sa.Text),
    )
    op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", sa.String(32), nullable=False),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("approved_at", sa.String(32)),
        sa.Column("executed_at", sa.String(32)),
    )
    op.create_table(
        "disposition_items",
        sa.Column("disposition_id", sa.Integer, sa.ForeignKey("dispositions.id"), primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("due", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(20)),
    )
    op.create_index("ix_disposition_items_sha256", "disposition_items", ["sha256"])
    op.create_table(
        "disposed_blobs",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
        sa.Column("disposition_id", sa.Integer, sa.ForeignKey("dispositions.id"), nullable=False),
        sa.Column("disposed_at", sa.String(32), nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("problem", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("disposed_blobs")
    op.drop_index("ix_disposition_items_sha256", "disposition_items")
    op.drop_table("disposition_items")
    op.drop_table("dispositions")
    op.drop_table("legal_holds")
