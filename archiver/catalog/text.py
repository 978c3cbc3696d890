"""Queries of the search feature: extracted text (``blob_text``), index markers
(``search_indexed``) and the submissions the index and the search service read.

``blob_text``: the text extracted from each blob, once per blob (the same bytes submitted
twice are read once), with its status (ok, no_text, pending_ocr, encrypted, failed),
metadata, page count and a JPEG thumbnail for the web app.

``search_indexed``: which submissions each index holds (``index_id``: a node's Whoosh folder,
or the PostgreSQL index all nodes share), and in which index generation. A submission with
stored bytes and no row for the live generation is *pending*: the next indexing pass adds
it (the writer lock was busy, the index was rebuilt or lost, its text changed after OCR).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import Catalog
from .concurrency import insert_ignoring, insert_missing, upsert
from .schema import STORED, blob_text, index_queue, search_indexed, skp_pegawai, submissions

CHUNK = 500


@dataclass
class TextRecord:
    sha256: str
    status: str
    text: str
    reason: str | None = None
    meta: dict[str, Any] | None = None
    pages: int | None = None
    extractor: str | None = None
    ocr: bool = False

    @classmethod
    def from_row(cls, row: Any) -> TextRecord:
        try:
            meta = json.loads(row.meta or "{}")
        except ValueError:
            meta = {}
        return cls(row.sha256, row.status, row.text or "", row.reason, meta, row.pages, row.extractor, bool(row.ocr))


# --------------------------------------------------------------------------- blob text

def get_text(catalog: Catalog, sha256: str) -> TextRecord | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(blob_text).where(blob_text.c.sha256 == sha256)).first()
    return TextRecord.from_row(row) if row else None


def get_texts(conn: Connection, digests: Iterable[str]) -> dict[str, TextRecord]:
    out: dict[str, TextRecord] = {}
    wanted = sorted(set(digests))
    for i in range(0, len(wanted), CHUNK):
        rows = conn.execute(sa.select(blob_text).where(blob_text.c.sha256.in_(wanted[i:i + CHUNK])))
        out.update((r.sha256, TextRecord.from_row(r)) for r in rows)
    return out


def texts_of(catalog: Catalog, digests: Iterable[str]) -> dict[str, str]:
    """The extracted text of each of these blobs that has one, in one query (in chunks of
    500 digests): what the snippets of a page of hits read."""
    out: dict[str, str] = {}
    wanted = sorted(set(digests))
    with catalog.read() as conn:
        for i in range(0, len(wanted), CHUNK):
            rows = conn.execute(sa.select(blob_text.c.sha256, blob_text.c.text)
                                .where(blob_text.c.sha256.in_(wanted[i:i + CHUNK])))
            out.update((r.sha256, r.text or "") for r in rows)
    return out


def get_thumbnail(catalog: Catalog, sha256: str) -> bytes | None:
    with catalog.read() as conn:
        return conn.execute(sa.select(blob_text.c.thumbnail).where(blob_text.c.sha256 == sha256)).scalar()


def save_text(catalog: Catalog, rec: TextRecord, *, thumbnail: bytes | None, at: str) -> None:
    """Store (or replace) a blob's text; its submissions become pending when the text changed."""
    save_texts(catalog, [(rec, thumbnail)], at=at)


def save_texts(catalog: Catalog, items: Sequence[tuple[TextRecord, bytes | None]], *, at: str) -> None:
    """``save_text`` for many blobs in one transaction (a batch takes the write lock once).

    The rows are made before the transaction, and the blobs that have no text yet (all of them,
    in a burst of new files) are inserted with one statement: the write lock, which the ingesting
    process waits for, is held for as little as possible."""
    if not items:
        return
    rows = {rec.sha256: _values(rec, thumbnail, at) for rec, thumbnail in items}
    with catalog.begin() as conn:
        digests = list(rows)
        have = {r[0] for i in range(0, len(digests), 500) for r in conn.execute(
            sa.select(blob_text.c.sha256).where(blob_text.c.sha256.in_(digests[i:i + 500])))}
        new = [{"sha256": sha, **values} for sha, values in rows.items() if sha not in have]
        insert_ignoring(conn, blob_text, new)  # another node's row for the same blob wins
        for rec, _thumbnail in items:
            if rec.sha256 in have:
                _save(conn, rec, rows[rec.sha256])


def _values(rec: TextRecord, thumbnail: bytes | None, at: str) -> dict[str, Any]:
    return {"status": rec.status, "reason": rec.reason, "text": rec.text,
            "meta": json.dumps(rec.meta or {}, ensure_ascii=False, default=str, sort_keys=True),
            "pages": rec.pages, "extractor": rec.extractor, "ocr": rec.ocr, "thumbnail": thumbnail,
            "extracted_at": at}


def _save(conn: Connection, rec: TextRecord, values: dict[str, Any]) -> None:
    old = None
    while old is None:  # two nodes extracting the same new blob at once: the second replaces (PostgreSQL)
        if insert_missing(conn, blob_text, {"sha256": rec.sha256, **values}):
            return
        old = conn.execute(sa.select(blob_text.c.text, blob_text.c.status)
                           .where(blob_text.c.sha256 == rec.sha256).with_for_update()).first()
    conn.execute(blob_text.update().where(blob_text.c.sha256 == rec.sha256).values(**values))
    if (old.text, old.status) != (rec.text, rec.status):
        ids = sa.select(submissions.c.id).where(submissions.c.sha256 == rec.sha256).scalar_subquery()
        conn.execute(search_indexed.delete().where(search_indexed.c.submission_id.in_(ids)))


def digests_to_extract(catalog: Catalog, *, ocr: bool = False, fresh: bool = False) -> list[tuple[str, str]]:
    """(sha256, type) of stored blobs with no text yet; with ``ocr`` also those waiting for OCR;
    with ``fresh`` every one."""
    q = (sa.select(submissions.c.sha256, sa.func.min(submissions.c.type))
         .select_from(submissions.outerjoin(blob_text, blob_text.c.sha256 == submissions.c.sha256))
         .where(submissions.c.status.in_(STORED), submissions.c.sha256.is_not(None))
         .group_by(submissions.c.sha256).order_by(submissions.c.sha256))
    if not fresh:
        cond: Any = blob_text.c.sha256.is_(None)
        if ocr:
            cond = sa.or_(cond, blob_text.c.status == "pending_ocr")
        q = q.where(cond)
    with catalog.read() as conn:
        return [(r[0], r[1] or "") for r in conn.execute(q)]


# --------------------------------------------------------------------------- index markers

def indexable_ids(catalog: Catalog) -> list[int]:
    """Every submission the index should hold (stored bytes), oldest first."""
    q = (sa.select(submissions.c.id).where(submissions.c.status.in_(STORED), submissions.c.sha256.is_not(None))
         .order_by(submissions.c.id))
    with catalog.read() as conn:
        return [r[0] for r in conn.execute(q)]


def pending_ids(catalog: Catalog, generation: str | None, *, limit: int | None = None) -> list[int]:
    """Submissions with stored bytes that the live index generation does not hold yet."""
    j = submissions.outerjoin(search_indexed, sa.and_(search_indexed.c.submission_id == submissions.c.id,
                                                      search_indexed.c.generation == (generation or "")))
    q = (sa.select(submissions.c.id).select_from(j)
         .where(submissions.c.status.in_(STORED), submissions.c.sha256.is_not(None),
                search_indexed.c.submission_id.is_(None))
         .order_by(submissions.c.id))
    if limit:
        q = q.limit(limit)
    with catalog.read() as conn:
        return [r[0] for r in conn.execute(q)]


def mark_indexed(catalog: Catalog, ids: Sequence[int], generation: str, at: str, *, index_id: str,
                 replace_all: bool = False) -> None:
    """Record that index ``index_id`` holds these submissions in ``generation`` (``replace_all``:
    and nothing else). Markers of other indexes (other nodes' Whoosh folders) are left alone;
    several nodes marking the same submissions at once each upsert their row."""
    with catalog.begin() as conn:
        if replace_all:
            conn.execute(search_indexed.delete().where(search_indexed.c.index_id == index_id))
        for i in range(0, len(ids), CHUNK):
            chunk = sorted(set(ids[i:i + CHUNK]))  # one lock order for every writer (no deadlock)
            if not chunk:
                continue
            rows = [{"index_id": index_id, "submission_id": s, "generation": generation, "indexed_at": at}
                    for s in chunk]
            upsert(conn, search_indexed, rows, keys=("index_id", "submission_id"))
            conn.execute(index_queue.delete().where(index_queue.c.submission_id.in_(chunk)))


def enqueue(catalog: Catalog, ids: Sequence[int], at: str) -> None:
    """Remember submissions whose index write failed, so the next batch retries them."""
    with catalog.begin() as conn:
        for i in range(0, len(ids), CHUNK):
            chunk = list(ids[i:i + CHUNK])
            conn.execute(index_queue.delete().where(index_queue.c.submission_id.in_(chunk)))
            conn.execute(index_queue.insert(), [{"submission_id": s, "queued_at": at} for s in chunk])


def queued_ids(catalog: Catalog, *, limit: int) -> list[int]:
    """The oldest queued submissions (the queue holds only failed writes: it stays short)."""
    q = sa.select(index_queue.c.submission_id).order_by(index_queue.c.queued_at, index_queue.c.submission_id)
    with catalog.read() as conn:
        return [int(r[0]) for r in conn.execute(q.limit(limit))]


def mark_stale(catalog: Catalog, submission_ids: Iterable[int]) -> None:
    """Make submissions pending again (their link changed): the next pass re-indexes them."""
    ids = list(submission_ids)
    with catalog.begin() as conn:
        for i in range(0, len(ids), CHUNK):
            conn.execute(search_indexed.delete().where(search_indexed.c.submission_id.in_(ids[i:i + CHUNK])))


# --------------------------------------------------------------------------- submissions

def submission_rows(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Rows of these submissions, by id."""
    out: list[dict[str, Any]] = []
    for i in range(0, len(ids), CHUNK):
        rows = conn.execute(sa.select(submissions).where(submissions.c.id.in_(list(ids[i:i + CHUNK])))
                            .order_by(submissions.c.id))
        out.extend(dict(r._mapping) for r in rows)
    return out


def rows_with_texts(catalog: Catalog, ids: Sequence[int]) -> tuple[list[dict[str, Any]], dict[str, TextRecord]]:
    """These submissions' rows and their blobs' text records, from one snapshot (what index
    documents are made of)."""
    with catalog.read() as conn:
        rows = submission_rows(conn, ids)
        return rows, get_texts(conn, (r["sha256"] for r in rows if r["sha256"]))


def submissions_by_id(catalog: Catalog, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The current rows of these submissions (the catalog is the truth for a hit's fields)."""
    with catalog.read() as conn:
        return {r["id"]: r for r in submission_rows(conn, ids)}


def unit_nips(catalog: Catalog, unit: str) -> tuple[str, ...]:
    """NIPs of the pegawai of a unit (the SKP model), as ``Filters.unit`` selects them."""
    with catalog.read() as conn:
        return tuple(sorted(r[0] for r in conn.execute(sa.select(skp_pegawai.c.nip)
                                                       .where(skp_pegawai.c.unit == unit))))
