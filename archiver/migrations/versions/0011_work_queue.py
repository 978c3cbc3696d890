"""Work spread over nodes: a job queue (text extraction + indexing) and every node's heartbeat.

Revision ID: 0011_work_queue
Revises: 0002_text
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_work_queue"
down_revision = "0002_text"
branch_labels = None
depends_on = None

OPEN = sa.text("state <> 'done'")


def upgrade() -> None:
    op.create_table(
        "work_jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("node", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.Float, nullable=True),
        sa.Column("run_after", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ux_work_jobs_open", "work_jobs", ["kind", "submission_id"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index("ix_work_jobs_state", "work_jobs", ["state", "run_after"])
    op.create_table(
        "nodes",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("heartbeat_at", sa.String(32), nullable=False),
        sa.Column("heartbeat", sa.Float, nullable=False),
        sa.Column("interval", sa.Float, nullable=False),
        sa.Column("jobs_done", sa.Integer, nullable=False),
        sa.Column("jobs_failed", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("nodes")
    op.drop_index("ix_work_jobs_state", "work_jobs")
    op.drop_index("ux_work_jobs_open", "work_jobs")
    op.drop_table("work_jobs")
