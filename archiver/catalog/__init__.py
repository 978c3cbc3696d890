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
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import ConfigError, disk_full
from ..i18n import _
from .schema import STATUSES, STORED

if TYPE_CHECKING:
    from .migration import MigrationReport

__all__ = ["STATUSES", "STORED", "Catalog", "dumps", "make_engine"]

log = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    try:
        engine = sa.create_engine(url, future=True)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ConfigError(_("[archive] catalog_url = {url}: {error}").format(url=repr(url), error=exc),
                          hint=_("leave it empty for SQLite, or write postgresql+psycopg://user@host/db")) from None
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    database = engine.url.database if engine.url.database not in (None, "", ":memory:") else None

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        if database and _no_space(database):
            # On a full disk SQLite cannot size the shared-memory index of WAL mode ("disk I/O
            # error" on open). In exclusive locking mode it keeps that index in the heap, so
            # what exists stays readable; no writer can run anyway until space is freed.
            log.warning("the disk holding the catalog %s is full: reading it in exclusive mode", database)
            cur.execute("PRAGMA locking_mode=EXCLUSIVE")
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

    def migrate(self) -> MigrationReport:
        """Bring the schema to the newest revision of every feature (alembic 'heads'), under a
        lock on PostgreSQL; a catalog migrated by newer code is refused (``catalog.migration``)."""
        from .migration import upgrade

        return upgrade(self)

    def check_current(self) -> None:
        """Refuse a catalog that is behind this code (``[archive] migrate_on_open = false``) or newer."""
        from .migration import check_current

        check_current(self)

    def checkpoint(self) -> None:
        """SQLite: copy what the write-ahead log holds into the database file now, without waiting
        for readers or writers (PASSIVE). The index batch writer calls it after each batch: its
        texts and fingerprints would otherwise make the ingesting process's next commit run the
        automatic checkpoint (copying megabytes and an fsync on the ingest path). Never raises."""
        if self.engine.dialect.name != "sqlite":
            return
        try:
            raw = self.engine.raw_connection()  # outside any transaction (a checkpoint cannot run in one)
            try:
                cur = raw.cursor()
                cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
                cur.fetchall()
                cur.close()
            finally:
                raw.close()
        except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
            log.info("catalog checkpoint skipped: %s", exc)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (serialised on SQLite). A full disk raises ``DiskFull``."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            if _is_full(exc.orig):
                raise disk_full(_("the catalog")) from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot (never takes the write lock on SQLite).

        On PostgreSQL a REPEATABLE READ, READ ONLY transaction: every query in the block sees
        the catalog as of its first one (READ COMMITTED would let ``verify`` see the events of
        a chain but a newer head, and report tampering that did not happen)."""
        with self.engine.connect().execution_options(archiver_read=True) as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def _no_space(database: str) -> bool:
    """Whether the file system holding the catalog has (almost) no free blocks left."""
    try:
        st = os.statvfs(Path(database).resolve().parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def _is_full(exc: BaseException | None) -> bool:
    """SQLite's 'database or disk is full', or its shared memory that cannot grow on a full disk."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    return name == "SQLITE_FULL" or name.startswith("SQLITE_IOERR_SHM") or "disk is full" in str(exc)


def dumps(detail: dict[str, Any]) -> str:
    """Canonical JSON (sorted keys, no spaces): what the custody hash covers."""
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
