"""Findings and follow-up (temuan -> rekomendasi -> tindak lanjut): the finding with its scope
and APIP elements, every step (history), and the evidence it rests on or that answers it.

Revision ID: 0013_findings
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_findings"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit", sa.String(60)),
        sa.Column("nip", sa.String(18)),
        sa.Column("tahun", sa.Integer),
        sa.Column("periode", sa.String(20)),
        sa.Column("rhk", sa.String(100)),
        sa.Column("iki", sa.String(100)),
        sa.Column("judul", sa.Text, nullable=False),
        sa.Column("kondisi", sa.Text, nullable=False),
        sa.Column("kriteria", sa.Text, nullable=False),
        sa.Column("sebab", sa.Text, nullable=False),
        sa.Column("akibat", sa.Text, nullable=False),
        sa.Column("rekomendasi", sa.Text),
        sa.Column("due", sa.String(10)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_findings_unit", "findings", ["unit", "tahun"])
    op.create_index("ix_findings_nip", "findings", ["nip", "tahun"])
    op.create_index("ix_findings_status", "findings", ["status"])
    op.create_table(
        "finding_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id"), nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_finding_steps_finding", "finding_steps", ["finding_id", "id"])
    op.create_table(
        "finding_evidence",
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id"), primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("role", sa.String(10), primary_key=True),
        sa.Column("step_id", sa.Integer, sa.ForeignKey("finding_steps.id"), nullable=False),
    )
    op.create_index("ix_finding_evidence_submission", "finding_evidence", ["submission_id"])


def downgrade() -> None:
    op.drop_table("finding_evidence")
    op.drop_table("finding_steps")
    op.drop_table("findings")
