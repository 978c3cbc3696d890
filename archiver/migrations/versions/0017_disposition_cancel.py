"""Disposition proposals can be cancelled: who cancelled one, when and why.

Revision ID: 0017_disposition_cancel
Revises: 0015_retention
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_disposition_cancel"
down_revision = "0015_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dispositions", sa.Column("cancelled_by", sa.String(200), nullable=True))
    op.add_column("dispositions", sa.Column("cancelled_at", sa.String(32), nullable=True))
    op.add_column("dispositions", sa.Column("cancel_note", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dispositions") as batch:
        batch.drop_column("cancel_note")
        batch.drop_column("cancelled_at")
        batch.drop_column("cancelled_by")
