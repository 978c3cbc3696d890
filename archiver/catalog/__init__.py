"""The catalog: every submission, blob, file state and custody event, in SQL.

SQLite by default, any SQLAlchemy URL (PostgreSQL) by configuration. The schema is
created and upgraded by Alembic migrations (``archiver/migrations``) on open. Every table
is declared once, in ``archiver.catalog.schema``; the queries live in this package.

SQLite runs in WAL mode. Write transactions (``begin``) start with ``BEGIN IMMEDIATE``, so
concurrent writers (watcher, CLI, web) serialise instead of failing half-way; reads
(``read``) are plain snapshots that never wait for or block a writer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import ConfigError
from .schema import (
    STATUSES,
    STORED,
    blobs,
    custody_head,
    events,
    file_state,
    metadata,
    submissions,
)

__all__ = ["STATUSES", "STORED", "Catalog", "blobs", "custody_head", "dumps", "events", "file_state",
           "make_engine", "metadata", "submissions"]

log = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    try:
        engine = sa.create_engine(url, future=True)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ConfigError(f"[archive] catalog_url = {url!r}: {exc}",
                          hint="leave it empty for SQLite, or write postgresql+psycopg://user@host/db") from None
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a process crash loses nothing committed
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Writers take the lock up front (no deadlock on upgrade); readers never take it:
        # in WAL mode they see a snapshot and neither wait for nor block the writer.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("archiver_read") else "BEGIN IMMEDIATE")


class Catalog:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    def migrate(self) -> None:
        """Bring the schema to the newest revision of every feature (alembic 'heads')."""
        from alembic import command
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(Path(__file__).parent.parent / "migrations"))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (serialised on SQLite)."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot (never takes the write lock on SQLite)."""
        with self.engine.connect().execution_options(archiver_read=True) as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    # -- queries used by several faces ----------------------------------------
    def counts_by_status(self) -> dict[str, int]:
        with self.read() as conn:
            rows = conn.execute(sa.select(submissions.c.status, sa.func.count()).group_by(submissions.c.status))
            return {s: n for s, n in rows}

    def list_submissions(self, *, nip: str | None = None, tahun: int | None = None, periode: str | None = None,
                         status: str | None = None, sha256: str | None = None, share: str | None = None,
                         limit: int | None = None, newest_first: bool = False) -> Iterator[dict[str, Any]]:
        q = sa.select(submissions)
        for col, val in ((submissions.c.nip, nip), (submissions.c.tahun, tahun), (submissions.c.periode, periode),
                         (submissions.c.status, status), (submissions.c.sha256, sha256),
                         (submissions.c.share, share)):
            if val is not None:
                q = q.where(col == val)
        q = q.order_by(submissions.c.id.desc() if newest_first else submissions.c.id)
        if limit:
            q = q.limit(limit)
        with self.read() as conn:
            for row in conn.execute(q):
                yield dict(row._mapping)

    def submission(self, submission_id: int) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(sa.select(submissions).where(submissions.c.id == submission_id)).first()
            return dict(row._mapping) if row else None

    def blob(self, sha256: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(sa.select(blobs).where(blobs.c.sha256 == sha256)).first()
            return dict(row._mapping) if row else None

    def blob_digests(self) -> Iterator[tuple[str, int]]:
        with self.read() as conn:
            yield from conn.execute(sa.select(blobs.c.sha256, blobs.c.size).order_by(blobs.c.sha256))

    def blob_count(self) -> int:
        with self.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(blobs)).scalar_one())

    def submissions_without_blob(self) -> list[dict[str, Any]]:
        q = (sa.select(submissions.c.id, submissions.c.share, submissions.c.relpath, submissions.c.sha256)
             .select_from(submissions.outerjoin(blobs, submissions.c.sha256 == blobs.c.sha256))
             .where(submissions.c.sha256.is_not(None), blobs.c.sha256.is_(None)))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def file_states(self, share: str) -> dict[str, dict[str, Any]]:
        """relpath -> state for a share (the cheap 'already archived?' check of a rescan)."""
        with self.read() as conn:
            rows = conn.execute(sa.select(file_state).where(file_state.c.share == share))
            return {r.relpath: dict(r._mapping) for r in rows}


def dumps(detail: dict[str, Any]) -> str:
    """Canonical JSON (sorted keys, no spaces): what the custody hash covers."""
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
