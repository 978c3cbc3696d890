"""SKP model: units, pegawai, organisation sasaran, SKP with RHK, indicators, evidence plan,
perilaku, and the relevance cache of linked evidence.

Revision ID: 0003_skp
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_skp"
down_revision = "0001_core"
branch_labels = None
depends_on = None

_PERSON = ("nip", "nama", "pangkat", "jabatan", "unit")


def upgrade() -> None:
    op.create_table(
        "skp_unit",
        sa.Column("kode", sa.String(60), primary_key=True),
        sa.Column("nama", sa.Text, nullable=False),
        sa.Column("induk", sa.String(60), nullable=True),
        sa.Column("instansi", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "skp_pegawai",
        sa.Column("nip", sa.String(18), primary_key=True),
        sa.Column("nama", sa.Text, nullable=False),
        sa.Column("jenis_pegawai", sa.String(10), nullable=False),
        sa.Column("golongan", sa.String(10), nullable=False),
        sa.Column("pangkat", sa.String(60), nullable=False),
        sa.Column("jabatan", sa.Text, nullable=False),
        sa.Column("jenis_jabatan", sa.String(20), nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_skp_pegawai_unit", "skp_pegawai", ["unit"])
    op.create_table(
        "skp_sasaran",
        sa.Column("unit", sa.String(60), primary_key=True),
        sa.Column("tahun", sa.Integer, primary_key=True),
        sa.Column("kode", sa.String(100), primary_key=True),
        sa.Column("teks", sa.Text, nullable=False),
        sa.Column("indikator", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
    )
    op.create_table(
        "skp",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("nip", sa.String(18), nullable=False),
        sa.Column("tahun", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("jenis_jabatan", sa.String(20), nullable=False),
        sa.Column("pendekatan", sa.String(20), nullable=False),
        sa.Column("instansi", sa.Text, nullable=False),
        sa.Column("awal", sa.String(10), nullable=True),
        sa.Column("akhir", sa.String(10), nullable=True),
        sa.Column("periode", sa.Text, nullable=False),
        *[sa.Column(f"{who}_{f}", sa.Text, nullable=True) for who in ("pegawai", "penilai", "atasan") for f in _PERSON],
        sa.Column("lampiran", sa.Text, nullable=False),
        sa.Column("tempat", sa.Text, nullable=False),
        sa.Column("tanggal", sa.String(10), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("nip", "tahun", name="uq_skp_nip_tahun"),
    )
    op.create_index("ix_skp_unit", "skp", ["unit", "tahun"])
    op.create_index("ix_skp_penilai", "skp", ["penilai_nip", "tahun"])
    op.create_table(
        "skp_rhk",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("skp_id", sa.Integer, sa.ForeignKey("skp.id", ondelete="CASCADE"), nullable=False),
        sa.Column("urut", sa.Integer, nullable=False),
        sa.Column("kode", sa.String(100), nullable=False),
        sa.Column("jenis", sa.String(10), nullable=False),
        sa.Column("teks", sa.Text, nullable=False),
        sa.Column("rhk_pimpinan", sa.String(100), nullable=False),
        sa.Column("penugasan_dari", sa.Text, nullable=False),
        sa.UniqueConstraint("skp_id", "kode", name="uq_skp_rhk_kode"),
    )
    op.create_table(
        "skp_indikator",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("skp_id", sa.Integer, sa.ForeignKey("skp.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rhk_id", sa.Integer, sa.ForeignKey("skp_rhk.id", ondelete="CASCADE"), nullable=False),
        sa.Column("urut", sa.Integer, nullable=False),
        sa.Column("kode", sa.String(100), nullable=False),
        sa.Column("teks", sa.Text, nullable=False),
        sa.Column("aspek", sa.String(20), nullable=False),
        sa.Column("perspektif", sa.String(30), nullable=False),
        sa.Column("target_teks", sa.Text, nullable=False),
        sa.Column("target_nilai", sa.Float, nullable=True),
        sa.Column("target_maks", sa.Float, nullable=True),
        sa.Column("satuan", sa.String(60), nullable=False),
        sa.UniqueConstraint("skp_id", "kode", name="uq_skp_indikator_kode"),
    )
    op.create_table(
        "skp_rencana",
        sa.Column("indikator_id", sa.Integer, sa.ForeignKey("skp_indikator.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("periode", sa.String(10), primary_key=True),
        sa.Column("jenis_bukti", sa.Text, nullable=False),
        sa.Column("jumlah", sa.Integer, nullable=False),
        sa.Column("rencana_aksi", sa.Text, nullable=False),
    )
    op.create_table(
        "skp_perilaku",
        sa.Column("skp_id", sa.Integer, sa.ForeignKey("skp.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("nilai", sa.Integer, primary_key=True),
        sa.Column("ekspektasi", sa.Text, nullable=False),
    )
    op.create_table(
        "skp_relevance",
        sa.Column("submission_id", sa.Integer, primary_key=True),
        sa.Column("link_key", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("best", sa.String(210), nullable=False),
        sa.Column("best_score", sa.Float, nullable=True),
        sa.Column("computed_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for name in ("skp_relevance", "skp_perilaku", "skp_rencana", "skp_indikator", "skp_rhk", "skp",
                 "skp_sasaran", "skp_pegawai", "skp_unit"):
        op.drop_table(name)
