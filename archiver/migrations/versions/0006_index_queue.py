"""Search: the queue of submissions whose index write failed (the index was busy or broken).

Revision ID: 0006_index_queue
Revises: 0002_text
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_index_queue"
down_revision = "0002_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_queue",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("queued_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("index_queue")
