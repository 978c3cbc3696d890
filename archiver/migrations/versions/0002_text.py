"""Search: extracted text per blob (cached) and which submissions the index holds.

Revision ID: 0002_text
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_text"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_text",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
        sa.Column("pages", sa.Integer, nullable=True),
        sa.Column("extractor", sa.String(100), nullable=True),
        sa.Column("ocr", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("thumbnail", sa.LargeBinary, nullable=True),
        sa.Column("extracted_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_blob_text_status", "blob_text", ["status"])
    op.create_table(
        "search_indexed",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("generation", sa.String(40), nullable=False),
        sa.Column("indexed_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_search_indexed_generation", "search_indexed", ["generation"])


def downgrade() -> None:
    op.drop_table("search_indexed")
    op.drop_table("blob_text")
