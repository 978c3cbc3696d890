"""Evaluation: ratings, realisasi, umpan balik per pegawai and periode; capaian kinerja organisasi;
the register of generated documents.

Revision ID: 0004_evaluation
Revises: 0003_skp
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_evaluation"
down_revision = "0003_skp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluasi",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("tahun", sa.Integer, nullable=False),
        sa.Column("periode", sa.String(10), nullable=False),
        sa.Column("rating_hasil_kerja", sa.String(30), nullable=False),
        sa.Column("rating_perilaku", sa.String(30), nullable=False),
        sa.Column("predikat", sa.String(30), nullable=False),
        sa.Column("catatan", sa.Text, nullable=False, server_default=""),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("nip", "tahun", "periode", name="uq_evaluasi_key"),
    )
    op.create_index("ix_evaluasi_periode", "evaluasi", ["tahun", "periode"])
    op.create_table(
        "evaluasi_realisasi",
        sa.Column("evaluasi_id", sa.Integer, sa.ForeignKey("evaluasi.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("rhk", sa.String(100), primary_key=True),
        sa.Column("iki", sa.String(100), primary_key=True),
        sa.Column("realisasi", sa.Text, nullable=False),
        sa.Column("umpan_balik", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "evaluasi_perilaku",
        sa.Column("evaluasi_id", sa.Integer, sa.ForeignKey("evaluasi.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("nilai", sa.Integer, primary_key=True),
        sa.Column("umpan_balik", sa.Text, nullable=False),
    )
    op.create_table(
        "capaian_organisasi",
        sa.Column("unit", sa.String(300), primary_key=True),
        sa.Column("tahun", sa.Integer, primary_key=True),
        sa.Column("periode", sa.String(10), primary_key=True),
        sa.Column("predikat", sa.String(30), nullable=False),
        sa.Column("dasar", sa.Text, nullable=False, server_default=""),
        sa.Column("penetap_nama", sa.Text, nullable=False, server_default=""),
        sa.Column("penetap_nip", sa.String(18), nullable=False, server_default=""),
        sa.Column("penetap_jabatan", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "generated_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("tahun", sa.Integer, nullable=False),
        sa.Column("periode", sa.String(10), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("template_sha256", sa.String(64), nullable=False),
        sa.Column("data_sha256", sa.String(64), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=True),
        sa.Column("generated_at", sa.String(32), nullable=False),
        sa.Column("event_seq", sa.Integer, nullable=False),
    )
    op.create_index("ix_generated_sha256", "generated_documents", ["sha256"])
    op.create_index("ix_generated_subject", "generated_documents", ["subject", "tahun", "periode"])


def downgrade() -> None:
    for name in ("generated_documents", "capaian_organisasi", "evaluasi_perilaku", "evaluasi_realisasi", "evaluasi"):
        op.drop_table(name)
