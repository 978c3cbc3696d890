"""Fingerprints of blobs (``blob_fingerprints``, ``fingerprint_bands``) and the queries the red
flags run over them and over submissions: bytes claimed twice, the stored signatures the
near-duplicate candidates are grouped from (``flags.candidates``), the claims of blobs, receive
times per pegawai, the catalog state the detector's cache is keyed on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import Catalog
from .concurrency import insert_ignoring, upsert
from .schema import STORED, blob_fingerprints, blob_text, custody_head, fingerprint_bands, submissions

CHUNK = 500


def save(catalog: Catalog, rows: Sequence[dict[str, Any]]) -> None:
    """Store (replace) fingerprints: each row has sha256, version, words, minhash, phash, dates
    (list), bands (list) and computed_at. One transaction and a few statements per batch."""
    if not rows:
        return
    ordered = sorted({str(r["sha256"]): r for r in rows}.values(), key=lambda r: str(r["sha256"]))
    digests = [str(r["sha256"]) for r in ordered]  # one lock order for every writer
    with catalog.begin() as conn:
        # two nodes extracting the same new blob at once: both succeed
        upsert(conn, blob_fingerprints, [{
            "sha256": r["sha256"], "version": r["version"], "words": r["words"], "minhash": r["minhash"],
            "phash": r["phash"], "dates": json.dumps(r["dates"], ensure_ascii=False),
            "computed_at": r["computed_at"]} for r in ordered], keys=("sha256",))
        old: set[tuple[str, str]] = set()
        for i in range(0, len(digests), CHUNK):
            old.update((r[0], r[1]) for r in conn.execute(
                sa.select(fingerprint_bands.c.sha256, fingerprint_bands.c.band)
                .where(fingerprint_bands.c.sha256.in_(digests[i:i + CHUNK]))))
        new = {(str(r["sha256"]), str(b)) for r in ordered for b in r["bands"]}
        stale = sorted(old - new)
        for i in range(0, len(stale), CHUNK):
            conn.execute(fingerprint_bands.delete().where(
                sa.tuple_(fingerprint_bands.c.sha256, fingerprint_bands.c.band).in_(stale[i:i + CHUNK])))
        added = sorted(new - old)
        if added:
            _insert_new(conn, [{"sha256": s, "band": b} for s, b in added])


def _insert_new(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert band rows, skipping those another writer stored meanwhile."""
    dialect = conn.dialect.name
    if dialect == "sqlite":  # thousands of two-column rows per batch: straight to the driver, the lock held less
        conn.exec_driver_sql("INSERT OR IGNORE INTO fingerprint_bands (sha256, band) VALUES (?, ?)",
                             [(r["sha256"], r["band"]) for r in rows])
        return
    insert_ignoring(conn, fingerprint_bands, rows)


def missing(catalog: Catalog, version: int, *, every: bool = False) -> list[str]:
    """Blobs with extracted text and no fingerprint of this version (``every``: all of them)."""
    q = (sa.select(blob_text.c.sha256)
         .select_from(blob_text.outerjoin(blob_fingerprints, blob_fingerprints.c.sha256 == blob_text.c.sha256))
         .order_by(blob_text.c.sha256))
    if not every:
        q = q.where(sa.or_(blob_fingerprints.c.sha256.is_(None), blob_fingerprints.c.version != version))
    with catalog.read() as conn:
        return [r[0] for r in conn.execute(q)]


def text_rows(catalog: Catalog, digests: Sequence[str]) -> list[Any]:
    """(sha256, text, meta, extractor, thumbnail) of these blobs: what a fingerprint is made of."""
    out: list[Any] = []
    with catalog.read() as conn:
        for i in range(0, len(digests), CHUNK):
            out.extend(conn.execute(sa.select(blob_text.c.sha256, blob_text.c.text, blob_text.c.meta,
                                              blob_text.c.extractor, blob_text.c.thumbnail)
                                    .where(blob_text.c.sha256.in_(list(digests[i:i + CHUNK])))))
    return out


def fingerprints(conn: Connection, digests: Iterable[str]) -> dict[str, Any]:
    wanted = sorted(set(digests))
    out: dict[str, Any] = {}
    for i in range(0, len(wanted), CHUNK):
        rows = conn.execute(sa.select(blob_fingerprints).where(blob_fingerprints.c.sha256.in_(wanted[i:i + CHUNK])))
        out.update((r.sha256, r) for r in rows)
    return out


def text_signatures(conn: Connection) -> list[tuple[str, bytes]]:
    """(sha256, MinHash) of every fingerprinted text, by sha256 (the detector groups them in memory)."""
    f = blob_fingerprints.c
    q = sa.select(f.sha256, f.minhash).where(f.minhash.is_not(None)).order_by(f.sha256)
    return [(r[0], bytes(r[1])) for r in conn.execute(q)]


def image_hashes(conn: Connection) -> list[tuple[str, str]]:
    """(sha256, pHash in 4 rotations) of the images that have image keys (not text pages), by sha256."""
    f, b = blob_fingerprints.c, fingerprint_bands.c
    keyed = sa.exists().where(b.sha256 == f.sha256, b.band >= "i", b.band < "j")
    q = sa.select(f.sha256, f.phash).where(f.phash.is_not(None), keyed).order_by(f.sha256)
    return [(r[0], r[1]) for r in conn.execute(q)]


def state(conn: Connection) -> tuple[Any, ...]:
    """What the red flags depend on, cheaply: changes whenever a submission is added or changed
    (every change appends a custody event) or a fingerprint is stored."""
    s, f = submissions.c, blob_fingerprints.c
    head = conn.execute(sa.select(custody_head.c.seq).where(custody_head.c.id == 1)).scalar()
    subs = conn.execute(sa.select(sa.func.count(), sa.func.max(s.id))).one()
    fps = conn.execute(sa.select(sa.func.count(), sa.func.max(f.computed_at))).one()
    return (head, *subs, *fps)


def candidate_pairs(conn: Connection, prefix: str) -> list[tuple[str, str]]:
    """Pairs of different blobs sharing a band key that starts with ``prefix`` ("t" text, "i" image):
    the plain band join (the detector groups the signatures in memory instead, ``flags.candidates``)."""
    a, b = fingerprint_bands.alias("a"), fingerprint_bands.alias("b")
    q = (sa.select(a.c.sha256, b.c.sha256).distinct()
         .select_from(a.join(b, sa.and_(a.c.band == b.c.band, a.c.sha256 < b.c.sha256)))
         .where(a.c.band.like(prefix + "%")))
    return [(r[0], r[1]) for r in conn.execute(q)]


def _claims_query() -> sa.Select[Any]:
    s = submissions.c
    return (sa.select(s.id, s.sha256, s.nip, s.tahun, s.periode, s.rhk, s.iki, s.share, s.relpath, s.name,
                      s.received_at, s.status)
            .where(s.status.in_(STORED), s.sha256.is_not(None)))


def claims(conn: Connection, digests: Iterable[str]) -> dict[str, list[Any]]:
    """sha256 -> the stored submissions of that blob."""
    wanted = sorted(set(digests))
    out: dict[str, list[Any]] = {}
    for i in range(0, len(wanted), CHUNK):
        for r in conn.execute(_claims_query().where(submissions.c.sha256.in_(wanted[i:i + CHUNK]))
                              .order_by(submissions.c.id)):
            out.setdefault(r.sha256, []).append(r)
    return out


def claims_by_id(conn: Connection, ids: Sequence[int]) -> list[Any]:
    """The stored submissions with these ids."""
    out: list[Any] = []
    for i in range(0, len(ids), CHUNK):
        out.extend(conn.execute(_claims_query().where(submissions.c.id.in_(list(ids[i:i + CHUNK])))))
    return out


def shared_bytes(conn: Connection) -> list[str]:
    """Blobs whose stored submissions differ in pegawai, RHK or period."""
    s = submissions.c
    period = sa.func.coalesce(sa.cast(s.tahun, sa.String), "") + "/" + sa.func.coalesce(s.periode, "")
    q = (sa.select(s.sha256).where(s.status.in_(STORED), s.sha256.is_not(None)).group_by(s.sha256)
         .having(sa.or_(sa.func.count(sa.distinct(s.nip)) > 1, sa.func.count(sa.distinct(s.rhk)) > 1,
                        sa.func.count(sa.distinct(period)) > 1)))
    return [r[0] for r in conn.execute(q)]


def dated_claims(conn: Connection) -> list[tuple[Any, str]]:
    """(submission, dates JSON) of stored submissions with a period whose blob has dates."""
    q = (_claims_query().add_columns(blob_fingerprints.c.dates)
         .join(blob_fingerprints, blob_fingerprints.c.sha256 == submissions.c.sha256)
         .where(submissions.c.tahun.is_not(None), submissions.c.periode.is_not(None),
                blob_fingerprints.c.dates != "[]")
         .order_by(submissions.c.id))
    return [(r, r.dates) for r in conn.execute(q)]


def period_claims(conn: Connection) -> list[Any]:
    """Stored submissions with a pegawai and a period (for upload bursts), by pegawai and time."""
    q = (_claims_query().where(submissions.c.nip.is_not(None), submissions.c.tahun.is_not(None),
                               submissions.c.periode.is_not(None))
         .order_by(submissions.c.nip, submissions.c.received_at))
    return list(conn.execute(q))


def read(catalog: Catalog) -> Any:
    """A read snapshot (the detector runs all its queries in one)."""
    return catalog.read()
