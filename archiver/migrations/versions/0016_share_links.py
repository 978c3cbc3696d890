"""Time-limited share links for external auditors (BPK/BPKP): the link (only the SHA-256 of its
token is kept), its frozen selection of submissions, expiry, revocation and access count.

Revision ID: 0016_share_links
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_share_links"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("criteria", sa.Text),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32)),
        sa.Column("revoked_by", sa.String(200)),
        sa.Column("access_count", sa.Integer, nullable=False),
        sa.Column("last_access_at", sa.String(32)),
    )
    op.create_table(
        "share_link_items",
        sa.Column("link_id", sa.Integer, sa.ForeignKey("share_links.id"), primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("share_link_items")
    op.drop_table("share_links")
