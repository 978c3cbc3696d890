"""Queries for running the archive as a service: health, metrics read at scrape time, and the
online backup of a SQLite catalog (the only place outside the migrations that opens a catalog
file with ``sqlite3`` directly).

``online_backup`` uses SQLite's backup API in one step: the copy is one consistent snapshot
taken under a read transaction, and in WAL mode writers (the watcher, the web app) go on
meanwhile. The copy is switched to ``journal_mode=DELETE`` so it is one self-contained file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ..errors import StoreError
from ..i18n import _
from . import Catalog
from .schema import STORED, blob_text, blobs, events, index_queue, search_indexed, submissions

# --------------------------------------------------------------------------- health


def ping(catalog: Catalog) -> int:
    """A real read of the catalog (raises when it cannot answer): how many blobs it holds."""
    with catalog.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(blobs)).scalar_one())


# --------------------------------------------------------------------------- metrics


def index_queue_length(catalog: Catalog) -> int:
    with catalog.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(index_queue)).scalar_one())


def index_pending(catalog: Catalog, generation: str | None) -> tuple[int, str | None]:
    """(how many stored submissions the live index generation does not hold, the oldest one's received_at)."""
    j = submissions.outerjoin(search_indexed, sa.and_(search_indexed.c.submission_id == submissions.c.id,
                                                      search_indexed.c.generation == (generation or "")))
    q = (sa.select(sa.func.count(), sa.func.min(submissions.c.received_at)).select_from(j)
         .where(submissions.c.status.in_(STORED), submissions.c.sha256.is_not(None),
                search_indexed.c.submission_id.is_(None)))
    with catalog.read() as conn:
        n, oldest = conn.execute(q).one()
    return int(n), oldest


def received_since(catalog: Catalog, after_id: int, *, limit: int = 50_000) -> list[tuple[int, str, int, str]]:
    """(id, received_at, mtime_ns, status) of submissions with a larger id, oldest first (ids grow with
    commits: writers are serialised)."""
    q = (sa.select(submissions.c.id, submissions.c.received_at, submissions.c.mtime_ns, submissions.c.status)
         .where(submissions.c.id > after_id).order_by(submissions.c.id).limit(limit))
    with catalog.read() as conn:
        return [(int(r[0]), r[1], int(r[2]), r[3]) for r in conn.execute(q)]


def extracted_between(catalog: Catalog, after: str, until: str) -> list[tuple[str, str]]:
    """(stored_at, extracted_at) of blob texts written in (after, until]."""
    q = (sa.select(blobs.c.stored_at, blob_text.c.extracted_at)
         .select_from(blob_text.join(blobs, blobs.c.sha256 == blob_text.c.sha256))
         .where(blob_text.c.extracted_at > after, blob_text.c.extracted_at <= until))
    with catalog.read() as conn:
        return [(r[0], r[1]) for r in conn.execute(q)]


def verify_events_since(catalog: Catalog, after_seq: int) -> list[tuple[int, str, str]]:
    """(seq, at, detail) of ``verified`` custody events after ``after_seq``."""
    q = (sa.select(events.c.seq, events.c.at, events.c.detail)
         .where(events.c.kind == "verified", events.c.seq > after_seq).order_by(events.c.seq))
    with catalog.read() as conn:
        return [(int(r[0]), r[1], r[2]) for r in conn.execute(q)]


def last_event_seq(catalog: Catalog) -> int:
    with catalog.read() as conn:
        return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))).scalar_one())


# --------------------------------------------------------------------------- backup


def is_sqlite(catalog: Catalog) -> bool:
    return catalog.engine.dialect.name == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for another database or an in-memory one)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def online_backup(catalog: Catalog, target: Path) -> None:
    """Copy the live SQLite catalog to ``target`` (a new file) as one consistent snapshot."""
    raw = catalog.engine.raw_connection()
    try:
        src: Any = raw.driver_connection
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: one step, one snapshot; WAL writers are not blocked
            dst.execute("PRAGMA journal_mode=DELETE")
            result = dst.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise StoreError(_("copying the catalog to {target} failed: {error}").format(
            target=target, error=exc)) from None
    finally:
        raw.close()
    if result != "ok":
        raise StoreError(_("catalog copy {target} is damaged according to SQLite: {result}").format(
            target=target, result=result))


@dataclass(frozen=True)
class CatalogCopy:
    """What a copied catalog file holds (read without opening it as a live catalog)."""

    blobs: list[tuple[str, int]]  # (sha256, size)
    counts: dict[str, int]
    revisions: list[str]


def read_copy(path: Path) -> CatalogCopy:
    """The blobs, row counts and schema revisions of a catalog file, opened read-only."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(_("{path}: cannot be opened as a catalog: {error}").format(path=path, error=exc)) from None
    try:
        disposed = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                "AND name = 'disposed_blobs'").fetchone()
        keep = (" WHERE sha256 NOT IN (SELECT d.sha256 FROM disposed_blobs d WHERE NOT EXISTS (SELECT 1 FROM "
                "submissions s WHERE s.sha256 = d.sha256 AND s.status != 'disposed'))") if disposed else ""
        digests = [(str(r[0]), int(r[1]))
                   for r in conn.execute(f"SELECT sha256, size FROM blobs{keep} ORDER BY sha256")]
        counts = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # fixed table names
                  for t in ("submissions", "events", "blobs")}
        revisions = sorted(str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.Error as exc:
        raise StoreError(_("{path}: not a whole archiver catalog: {error}").format(path=path, error=exc)) from None
    finally:
        conn.close()
    return CatalogCopy(digests, counts, revisions)
