"""Every table of the catalog, in one ``MetaData``.

The schema is created and upgraded by the Alembic migrations in ``archiver/migrations``
(one branch per feature from ``0001_core``); the tables here mirror them for queries.
A test compares this metadata with a freshly migrated database, so the two cannot drift.

Only modules of the ``archiver.catalog`` package import this one: every query lives there.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

from ._meta import metadata

#: Statuses a submission can have. archived/duplicate/unlinked mean the bytes are in the store;
#: disposed: its retention ended and a disposition approved by two admins removed it (archiver.retention).
STATUSES = ("archived", "duplicate", "unlinked", "quarantined", "ignored", "disposed")
STORED = ("archived", "duplicate", "unlinked")

# --------------------------------------------------------------------------- core (0001_core)

blobs = sa.Table(
    "blobs", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mime", sa.String(200), nullable=False),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("stored_at", sa.String(32), nullable=False),
)

submissions = sa.Table(
    "submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("share", sa.String(100), nullable=False),
    sa.Column("relpath", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mtime_ns", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=True),
    sa.Column("mime", sa.String(200)),
    sa.Column("type", sa.String(20)),
    sa.Column("received_at", sa.String(32), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason_code", sa.String(40)),
    sa.Column("reason", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("nip", sa.String(18)),
    sa.Column("tahun", sa.Integer),
    sa.Column("periode", sa.String(10)),
    sa.Column("rhk", sa.String(100)),
    sa.Column("iki", sa.String(100)),
    sa.Column("link_problem", sa.Text),
    sa.Column("removed_at", sa.String(32)),
    sa.Column("relpath_hex", sa.Text),  # original bytes of a non-UTF-8 path (relpath is then readable form)
)

file_state = sa.Table(
    "file_state", metadata,
    sa.Column("share", sa.String(100), primary_key=True),
    sa.Column("relpath", sa.Text, primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mtime_ns", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64)),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
    sa.Column("retry", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("relpath_hex", sa.Text),  # original bytes of a non-UTF-8 path (relpath is then readable form)
)

events = sa.Table(
    "events", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("submission_id", sa.Integer),
    sa.Column("sha256", sa.String(64)),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

custody_head = sa.Table(
    "custody_head", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# --------------------------------------------------------------------------- text and search (0002_text)

blob_text = sa.Table(
    "blob_text", metadata,
    sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("meta", sa.Text, nullable=False),
    sa.Column("pages", sa.Integer),
    sa.Column("extractor", sa.String(100)),
    sa.Column("ocr", sa.Boolean, nullable=False),
    sa.Column("thumbnail", sa.LargeBinary),
    sa.Column("extracted_at", sa.String(32), nullable=False),
)

#: Which submissions each search index holds (0010_search_nodes: one set of markers per index,
#: so several nodes' indexes never undo each other's work). ``index_id``: the PostgreSQL index
#: (one for every node) or the id of a Whoosh folder (kept in the folder).
search_indexed = sa.Table(
    "search_indexed", metadata,
    sa.Column("index_id", sa.String(40), primary_key=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
    sa.Column("generation", sa.String(40), nullable=False),
    sa.Column("indexed_at", sa.String(32), nullable=False),
)

#: The PostgreSQL full-text index (0010_search_nodes): one row per submission and index
#: generation; ``terms`` is a ``tsvector`` with a GIN index on PostgreSQL (text elsewhere,
#: where the table stays empty). Filter columns have btree indexes (see the migration).
search_docs = sa.Table(
    "search_docs", metadata,
    sa.Column("generation", sa.String(40), primary_key=True),
    sa.Column("key", sa.Integer, primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("nip", sa.String(40)),
    sa.Column("tahun", sa.String(8)),
    sa.Column("periode", sa.String(20)),
    sa.Column("rhk", sa.String(100)),
    sa.Column("type", sa.String(40)),
    sa.Column("unit", sa.Text),
    sa.Column("status", sa.String(20)),
    sa.Column("received", sa.DateTime, nullable=False),   # naive UTC, as the Whoosh index keeps it
    sa.Column("created", sa.DateTime),
    sa.Column("terms", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=False),
)

#: The live generation of the PostgreSQL full-text index (one row, ``name`` = "postgres").
search_live = sa.Table(
    "search_live", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("generation", sa.String(40), nullable=False),
    sa.Column("switched_at", sa.String(32), nullable=False),
)

#: Submissions whose index write failed (busy or broken index): the next batch retries them
#: first, without scanning the archive (0006_index_queue). Indexing one removes it.
index_queue = sa.Table(
    "index_queue", metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
    sa.Column("queued_at", sa.String(32), nullable=False),
)

# --------------------------------------------------------------------------- SKP (0003_skp)

_PERSON = ("nip", "nama", "pangkat", "jabatan", "unit")

skp_unit = sa.Table(
    "skp_unit", metadata,
    sa.Column("kode", sa.String(60), primary_key=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("induk", sa.String(60)),
    sa.Column("instansi", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
)

skp_pegawai = sa.Table(
    "skp_pegawai", metadata,
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

skp_sasaran = sa.Table(
    "skp_sasaran", metadata,
    sa.Column("unit", sa.String(60), primary_key=True),
    sa.Column("tahun", sa.Integer, primary_key=True),
    sa.Column("kode", sa.String(100), primary_key=True),
    sa.Column("teks", sa.Text, nullable=False),
    sa.Column("indikator", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
)

skp_skp = sa.Table(
    "skp", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("unit", sa.String(60), nullable=False),
    sa.Column("jenis_jabatan", sa.String(20), nullable=False),
    sa.Column("pendekatan", sa.String(20), nullable=False),
    sa.Column("instansi", sa.Text, nullable=False),
    sa.Column("awal", sa.String(10)),
    sa.Column("akhir", sa.String(10)),
    sa.Column("periode", sa.Text, nullable=False),  # "TW1,TW2,TW3,TW4"
    *[sa.Column(f"{who}_{f}", sa.Text) for who in ("pegawai", "penilai", "atasan") for f in _PERSON],
    sa.Column("lampiran", sa.Text, nullable=False),  # JSON {bagian: [uraian]}
    sa.Column("tempat", sa.Text, nullable=False),
    sa.Column("tanggal", sa.String(10)),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("imported_at", sa.String(32), nullable=False),
    sa.UniqueConstraint("nip", "tahun", name="uq_skp_nip_tahun"),
)

skp_rhk = sa.Table(
    "skp_rhk", metadata,
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

skp_indikator = sa.Table(
    "skp_indikator", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("skp_id", sa.Integer, sa.ForeignKey("skp.id", ondelete="CASCADE"), nullable=False),
    sa.Column("rhk_id", sa.Integer, sa.ForeignKey("skp_rhk.id", ondelete="CASCADE"), nullable=False),
    sa.Column("urut", sa.Integer, nullable=False),
    sa.Column("kode", sa.String(100), nullable=False),
    sa.Column("teks", sa.Text, nullable=False),
    sa.Column("aspek", sa.String(20), nullable=False),
    sa.Column("perspektif", sa.String(30), nullable=False),
    sa.Column("target_teks", sa.Text, nullable=False),
    sa.Column("target_nilai", sa.Float),
    sa.Column("target_maks", sa.Float),
    sa.Column("satuan", sa.String(60), nullable=False),
    sa.UniqueConstraint("skp_id", "kode", name="uq_skp_indikator_kode"),
)

skp_rencana = sa.Table(
    "skp_rencana", metadata,
    sa.Column("indikator_id", sa.Integer, sa.ForeignKey("skp_indikator.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("periode", sa.String(10), primary_key=True),
    sa.Column("jenis_bukti", sa.Text, nullable=False),  # "Undangan;Daftar Hadir"
    sa.Column("jumlah", sa.Integer, nullable=False),
    sa.Column("rencana_aksi", sa.Text, nullable=False),
)

skp_perilaku = sa.Table(
    "skp_perilaku", metadata,
    sa.Column("skp_id", sa.Integer, sa.ForeignKey("skp.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("nilai", sa.Integer, primary_key=True),
    sa.Column("ekspektasi", sa.Text, nullable=False),
)

skp_relevance = sa.Table(
    "skp_relevance", metadata,
    sa.Column("submission_id", sa.Integer, primary_key=True),
    sa.Column("link_key", sa.String(64), nullable=False),  # hash of what the score was computed against
    sa.Column("score", sa.Float),
    sa.Column("best", sa.String(210), nullable=False),  # the RHK/IKI the text matches best
    sa.Column("best_score", sa.Float),
    sa.Column("computed_at", sa.String(32), nullable=False),
)

# --------------------------------------------------------------------------- evaluation and documents (0004_evaluation)

evaluasi = sa.Table(
    "evaluasi", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("nip", sa.String(18), nullable=False),
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("periode", sa.String(10), nullable=False),
    sa.Column("rating_hasil_kerja", sa.String(30), nullable=False),
    sa.Column("rating_perilaku", sa.String(30), nullable=False),
    sa.Column("predikat", sa.String(30), nullable=False),  # computed from the ratings, stored for queries
    sa.Column("catatan", sa.Text, nullable=False, server_default=""),
    sa.Column("imported_at", sa.String(32), nullable=False),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("nip", "tahun", "periode", name="uq_evaluasi_key"),
)

evaluasi_realisasi = sa.Table(
    "evaluasi_realisasi", metadata,
    sa.Column("evaluasi_id", sa.Integer, sa.ForeignKey("evaluasi.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("rhk", sa.String(100), primary_key=True),
    sa.Column("iki", sa.String(100), primary_key=True),
    sa.Column("realisasi", sa.Text, nullable=False),
    sa.Column("umpan_balik", sa.Text, nullable=False, server_default=""),
)

evaluasi_perilaku = sa.Table(
    "evaluasi_perilaku", metadata,
    sa.Column("evaluasi_id", sa.Integer, sa.ForeignKey("evaluasi.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("nilai", sa.Integer, primary_key=True),
    sa.Column("umpan_balik", sa.Text, nullable=False),
)

capaian_organisasi = sa.Table(
    "capaian_organisasi", metadata,
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

generated_documents = sa.Table(
    "generated_documents", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),  # NIP, or the unit for a rekap
    sa.Column("tahun", sa.Integer, nullable=False),
    sa.Column("periode", sa.String(10), nullable=False),
    sa.Column("format", sa.String(10), nullable=False),  # docx | pdf
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("template", sa.Text, nullable=False),
    sa.Column("template_sha256", sa.String(64), nullable=False),
    sa.Column("data_sha256", sa.String(64), nullable=False),
    sa.Column("source_sha256", sa.String(64)),  # for a PDF: the DOCX it was converted from
    sa.Column("generated_at", sa.String(32), nullable=False),
    sa.Column("event_seq", sa.Integer, nullable=False),
)

# --------------------------------------------------------------------------- web accounts (0005_web)

web_users = sa.Table(
    "web_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("nip", sa.String(18)),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.String(32), nullable=False),
)

web_sessions = sa.Table(
    "web_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("web_users.id"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),
)

web_login_failures = sa.Table(
    "web_login_failures", metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.String(32)),
    sa.Column("last_at", sa.String(32), nullable=False),
)

# --------------------------------------------------------------------------- anchors and fixity (0008_anchors)

#: Each anchor of the custody chain: the head (seq, hash) as timestamped by a TSA (``token``,
#: the RFC 3161 response over ``statement``) and/or written to the anchor log outside the catalog.
custody_anchors = sa.Table(
    "custody_anchors", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),  # schedule | export | manual
    sa.Column("statement", sa.Text, nullable=False),     # the exact bytes timestamped (canonical JSON)
    sa.Column("tsa_url", sa.Text),
    sa.Column("token", sa.LargeBinary),                  # DER TimeStampResp, or NULL without a TSA
    sa.Column("gen_time", sa.String(32)),                # the TSA's time
    sa.Column("log_hash", sa.String(64)),                # the line of the anchor log that records it
)

#: The latest integrity check of each blob (scheduled fixity, verify, web re-check, download).
blob_fixity = sa.Table(
    "blob_fixity", metadata,
    sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
    sa.Column("checked_at", sa.String(32), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("actual", sa.String(64)),  # what the bytes hashed to when not ok ("" when missing)
    sa.Column("via", sa.String(20), nullable=False),  # fixity | verify | web | download
)

# --------------------------------------------------------------------------- signatures (0009_signatures)

signatures = sa.Table(
    "signatures", metadata,
    sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
    sa.Column("state", sa.String(12), nullable=False),  # one of archiver.evidence.SIGNATURE_STATES
    sa.Column("signers", sa.Integer, nullable=False),   # how many signatures the PDF holds
    sa.Column("summary", sa.Text, nullable=False),      # one line for people (Bahasa Indonesia)
    sa.Column("detail", sa.Text, nullable=False),       # JSON: one object per signature
    sa.Column("checked_at", sa.String(32), nullable=False),
    sa.Index("ix_signatures_state", "state"),
)

# --------------------------------------------------------------------------- work queue and nodes (0011_work_queue)

#: States of a job; a job is open (at most one per kind and submission) until it is done.
JOB_STATES = ("queued", "running", "done", "failed")

#: Jobs any node may take (``archiver work``): a submission's text extraction + indexing.
#: ``lease_until`` and ``run_after`` are seconds since the epoch on the database's clock
#: (PostgreSQL) so that nodes with skewed clocks agree on when a lease has expired.
work_jobs = sa.Table(
    "work_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("node", sa.String(200)),          # the node holding it (running) or that last held it
    sa.Column("lease_until", sa.Float),
    sa.Column("run_after", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Index("ux_work_jobs_open", "kind", "submission_id", unique=True,
             sqlite_where=sa.text("state <> 'done'"), postgresql_where=sa.text("state <> 'done'")),
    sa.Index("ix_work_jobs_state", "state", "run_after"),
)

#: Every process that works on the archive (watch, run, work, serve) and its heartbeat.
nodes = sa.Table(
    "nodes", metadata,
    sa.Column("name", sa.String(200), primary_key=True),  # NAME/role/pid
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("started_at", sa.String(32), nullable=False),
    sa.Column("heartbeat_at", sa.String(32), nullable=False),
    sa.Column("heartbeat", sa.Float, nullable=False),  # epoch seconds (database clock on PostgreSQL)
    sa.Column("interval", sa.Float, nullable=False),   # the node's heartbeat interval
    sa.Column("jobs_done", sa.Integer, nullable=False),
    sa.Column("jobs_failed", sa.Integer, nullable=False),
)

# --------------------------------------------------------------------------- the auditor's workspace (0012-0016)

from .schema_workspace import (  # noqa: E402, I001  (declared there on the same metadata; re-exported here)
    blob_fingerprints as blob_fingerprints,
    disposed_blobs as disposed_blobs,
    disposition_items as disposition_items,
    dispositions as dispositions,
    finding_evidence as finding_evidence,
    finding_steps as finding_steps,
    findings as findings,
    fingerprint_bands as fingerprint_bands,
    legal_holds as legal_holds,
    review_answers as review_answers,
    reviews as reviews,
    share_link_items as share_link_items,
    share_links as share_links,
)
