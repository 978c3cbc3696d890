"""Core archive: blobs, submissions, file state, custody events.

Revision ID: 0001_core
Revises:
Feature migrations (search, skp, documents, web, export) branch from here: each sets
``down_revision = "0001_core"`` (or the feature it needs) and the catalog upgrades to
all heads, so features can be added independently.
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mime", sa.String(200), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("stored_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("share", sa.String(100), nullable=False),
        sa.Column("relpath", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=True),
        sa.Column("mime", sa.String(200), nullable=True),
        sa.Column("type", sa.String(20), nullable=True),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason_code", sa.String(40), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("nip", sa.String(18), nullable=True),
        sa.Column("tahun", sa.Integer, nullable=True),
        sa.Column("periode", sa.String(10), nullable=True),
        sa.Column("rhk", sa.String(100), nullable=True),
        sa.Column("iki", sa.String(100), nullable=True),
        sa.Column("link_problem", sa.Text, nullable=True),
        sa.Column("removed_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_submissions_path", "submissions", ["share", "relpath"])
    op.create_index("ix_submissions_sha256", "submissions", ["sha256"])
    op.create_index("ix_submissions_nip", "submissions", ["nip", "tahun", "periode"])
    op.create_index("ix_submissions_status", "submissions", ["status"])
    op.create_table(
        "file_state",
        sa.Column("share", sa.String(100), primary_key=True),
        sa.Column("relpath", sa.Text, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("retry", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("submission_id", sa.Integer, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_events_sha256", "events", ["sha256"])
    op.create_index("ix_events_submission", "events", ["submission_id"])
    op.create_table(
        "custody_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for name in ("custody_head", "events", "file_state", "submissions", "blobs"):
        op.drop_table(name)
