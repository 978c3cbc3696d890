"""Red flags: fingerprints of each blob, computed once at extraction (MinHash of the text's word
shingles, pHash of the image, dates found), and the LSH band keys that find near-duplicates by
an indexed join.

Revision ID: 0014_fingerprints
Revises: 0002_text
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_fingerprints"
down_revision = "0002_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_fingerprints",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("words", sa.Integer, nullable=False),
        sa.Column("minhash", sa.LargeBinary),
        sa.Column("phash", sa.String(64)),
        sa.Column("dates", sa.Text),
        sa.Column("computed_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "fingerprint_bands",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("band", sa.String(40), primary_key=True),
    )
    op.create_index("ix_fingerprint_bands_band", "fingerprint_bands", ["band", "sha256"])


def downgrade() -> None:
    op.drop_index("ix_fingerprint_bands_band", table_name="fingerprint_bands")
    op.drop_table("fingerprint_bands")
    op.drop_table("blob_fingerprints")
