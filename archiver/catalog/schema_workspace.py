"""The tables of the auditor's workspace (issue 18), on the catalog's one ``MetaData``: reviews of
evidence (0012_review), findings (0013_findings), fingerprints for the red flags (0014_fingerprints),
retention and legal hold (0015_retention) and share links (0016_share_links).

Declared here only to keep ``schema`` within the size limit; ``schema`` re-exports every table, so
queries import them from there like any other. Only ``archiver.catalog`` imports this module.
"""

from __future__ import annotations

import sqlalchemy as sa

from ._meta import metadata

# --------------------------------------------------------------------------- review of evidence (0012_review)

#: Every judgement on a submission (history kept): the current one is the row with the highest id.
#: ``state`` is one of ``archiver.review.REVIEW_STATES``.
reviews = sa.Table(
    "reviews", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("page", sa.String(100)),          # where in the file ("hal. 3"), optional
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Index("ix_reviews_submission", "submission_id", "id"),
    sa.Index("ix_reviews_state", "state"),
)

#: A new submission sent as the answer to a judgement (``answers``: the submission judged).
review_answers = sa.Table(
    "review_answers", metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
    sa.Column("answers", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
    sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id"), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Index("ix_review_answers_answers", "answers"),
)

# --------------------------------------------------------------------------- share links (0016_share_links)

#: A time-limited, read-only link for external auditors (BPK/BPKP); only the token's SHA-256 is kept.
share_links = sa.Table(
    "share_links", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("criteria", sa.Text),  # JSON: what the selection was made from (for the list of links)
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),
    sa.Column("revoked_at", sa.String(32)),
    sa.Column("revoked_by", sa.String(200)),
    sa.Column("access_count", sa.Integer, nullable=False),
    sa.Column("last_access_at", sa.String(32)),
)

#: The frozen selection of a share link: the submissions it shows.
share_link_items = sa.Table(
    "share_link_items", metadata,
    sa.Column("link_id", sa.Integer, sa.ForeignKey("share_links.id"), primary_key=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
)

# --------------------------------------------------------------------------- fingerprints (0014_fingerprints)

#: What the red flags compare, computed once per blob at extraction: MinHash of the text's word
#: shingles (``words``: how many words it was made of), pHash of the image in its 4 rotations (hex), dates found (JSON).
blob_fingerprints = sa.Table(
    "blob_fingerprints", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("words", sa.Integer, nullable=False),
    sa.Column("minhash", sa.LargeBinary),
    sa.Column("phash", sa.String(64)),
    sa.Column("dates", sa.Text),
    sa.Column("computed_at", sa.String(32), nullable=False),
)

#: LSH band keys of each fingerprint ("t<band>:<hex>" text, "i<band>:<hex>" image): two blobs sharing
#: a key are near-duplicate candidates, found by an indexed self-join.
fingerprint_bands = sa.Table(
    "fingerprint_bands", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("band", sa.String(40), primary_key=True),
    sa.Index("ix_fingerprint_bands_band", "band", "sha256"),
)

# --------------------------------------------------------------------------- findings (0013_findings)

#: A finding (temuan) of an auditor: its scope (unit, NIP, tahun, periode, RHK/IKI; any may be empty),
#: the APIP elements, the recommendation with its due date (ISO date) and its status
#: (``archiver.findings.STATUSES``).
findings = sa.Table(
    "findings", metadata,
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
    sa.Index("ix_findings_unit", "unit", "tahun"),
    sa.Index("ix_findings_nip", "nip", "tahun"),
    sa.Index("ix_findings_status", "status"),
)

#: Every step of a finding (opened, recommended, answered, closed, reopened) with its text.
finding_steps = sa.Table(
    "finding_steps", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id"), nullable=False),
    sa.Column("step", sa.String(20), nullable=False),
    sa.Column("text", sa.Text),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Index("ix_finding_steps_finding", "finding_id", "id"),
)

#: The evidence of a finding: ``role`` "basis" (what the finding rests on) or "followup" (the answer).
finding_evidence = sa.Table(
    "finding_evidence", metadata,
    sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id"), primary_key=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
    sa.Column("role", sa.String(10), primary_key=True),
    sa.Column("step_id", sa.Integer, sa.ForeignKey("finding_steps.id"), nullable=False),
    sa.Index("ix_finding_evidence_submission", "submission_id"),
)

# --------------------------------------------------------------------------- retention and legal hold (0015_retention)

#: A legal hold set by an auditor or admin during an examination: every submission matching all
#: of its set criteria (nip, unit, tahun, periode) is kept until the hold is released.
legal_holds = sa.Table(
    "legal_holds", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("nip", sa.String(18)),
    sa.Column("unit", sa.String(60)),
    sa.Column("tahun", sa.Integer),
    sa.Column("periode", sa.String(10)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),   # e.g. the nomor surat tugas
    sa.Column("set_by", sa.String(200), nullable=False),
    sa.Column("set_at", sa.String(32), nullable=False),
    sa.Column("released_by", sa.String(200)),
    sa.Column("released_at", sa.String(32)),
    sa.Column("release_note", sa.Text),
)

#: A disposition: proposed by one admin, approved (and then executed) by another. ``state`` is one
#: of ``archiver.retention.DISPOSITION_STATES``; ``rule`` is JSON (the retention rule applied).
dispositions = sa.Table(
    "dispositions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("proposed_by", sa.String(200), nullable=False),
    sa.Column("proposed_at", sa.String(32), nullable=False),
    sa.Column("approved_by", sa.String(200)),
    sa.Column("approved_at", sa.String(32)),
    sa.Column("executed_at", sa.String(32)),
    # 0017_disposition_cancel: a proposal cancelled instead of approved
    sa.Column("cancelled_by", sa.String(200)),
    sa.Column("cancelled_at", sa.String(32)),
    sa.Column("cancel_note", sa.Text),
)

#: The submissions a disposition names (frozen at the proposal); ``outcome`` after execution:
#: "disposed" or "kept" (held or needed again by then).
disposition_items = sa.Table(
    "disposition_items", metadata,
    sa.Column("disposition_id", sa.Integer, sa.ForeignKey("dispositions.id"), primary_key=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("due", sa.String(10), nullable=False),   # the date its retention ended
    sa.Column("outcome", sa.String(20)),
    sa.Index("ix_disposition_items_sha256", "sha256"),
)

#: Blobs a disposition released: ``removed`` false when the store refused (an Object-Locked S3
#: object; ``problem`` says why). Verify expects these blobs to be missing.
disposed_blobs = sa.Table(
    "disposed_blobs", metadata,
    sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
    sa.Column("disposition_id", sa.Integer, sa.ForeignKey("dispositions.id"), nullable=False),
    sa.Column("disposed_at", sa.String(32), nullable=False),
    sa.Column("removed", sa.Boolean, nullable=False),
    sa.Column("problem", sa.Text),
)
