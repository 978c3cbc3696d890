"""Review of evidence: the judgements of atasan and auditors on each submission, and the new
versions that answer them.

Revision ID: 0012_review
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_review"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("page", sa.String(100)),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_reviews_submission", "reviews", ["submission_id", "id"])
    op.create_index("ix_reviews_state", "reviews", ["state"])
    op.create_table(
        "review_answers",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("answers", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_review_answers_answers", "review_answers", ["answers"])


def downgrade() -> None:
    op.drop_index("ix_review_answers_answers", "review_answers")
    op.drop_table("review_answers")
    op.drop_index("ix_reviews_state", "reviews")
    op.drop_index("ix_reviews_submission", "reviews")
    op.drop_table("reviews")
