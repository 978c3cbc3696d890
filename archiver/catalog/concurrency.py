"""Several writers on one catalog: the few tools that make them exactly-once on PostgreSQL.

SQLite needs none of this: every write transaction starts with ``BEGIN IMMEDIATE``, so
writers run one after the other. PostgreSQL runs them at once (READ COMMITTED), so a
"read, then insert" can be done twice. Two tools close that gap:

- ``lock_path``: a transaction-scoped advisory lock on one (share, path). Ingest takes it
  first thing in its transaction and only then reads ``file_state``, so the second of two
  processes that saw the same change waits, then sees the first one's commit (READ
  COMMITTED: every statement sees what was committed before it started) and records
  nothing. An advisory lock rather than a unique constraint because the unit is the whole
  decision (version number, status, two custody events), and the lock needs no row to
  exist yet (a path seen for the first time).
- ``insert_missing``: ``INSERT ... ON CONFLICT DO NOTHING`` for the first row of a key
  (blob, custody head, failed-login counter). A concurrent insert of the same key waits
  for the other transaction, then does nothing; the return value says who inserted.
  ``insert_ignoring`` does the same for many rows in one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..names import readable

#: The first key of the two-key advisory locks taken on paths (the one-key space is left to others,
#: e.g. the migration lock); any constant works, it only has to differ from other two-key users.
PATH_LOCK_CLASS = 0x41524348  # "ARCH"


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def lock_path(conn: Connection, share: str, relpath: str) -> None:
    """Hold (share, relpath) until the transaction ends (PostgreSQL; a no-op on SQLite, where the
    transaction holds the database lock already). Two paths may hash alike: they then only wait
    for each other, never decide wrongly."""
    if is_postgresql(conn):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:cls, hashtext(:key))"),
                     {"cls": PATH_LOCK_CLASS, "key": f"{share}/{readable(relpath)}"})


def insert_missing(conn: Connection, table: sa.Table, values: dict[str, Any]) -> bool:
    """Insert the row unless it collides with a row under a unique key, the primary key or a
    partial unique index (committed or being inserted by another transaction, which is waited
    for). True when this call inserted it."""
    dialect = conn.dialect.name
    stmt: Any
    if dialect == "postgresql":  # RETURNING: the row count of a skipped insert is not reliable through SQLAlchemy
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing() \
            .returning(*table.primary_key.columns)
        return conn.execute(stmt).first() is not None
    if dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # another database: one writer at a time is assumed (as before)
        keys = list(table.primary_key.columns)
        if conn.execute(sa.select(*keys).where(*(c == values[c.name] for c in keys))).first():
            return False
        stmt = table.insert().values(**values)
    return bool(conn.execute(stmt).rowcount)


def insert_ignoring(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """``insert_missing`` for many rows in one statement: rows colliding with a stored (or
    concurrently inserted) key are skipped; which ones is not reported."""
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        conn.execute(ins.on_conflict_do_nothing(), list(rows))
        return
    conn.execute(table.insert(), list(rows))  # another database: one writer at a time is assumed (as before)


def upsert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert ``rows``, or update their other columns where a row with the same ``keys`` (a
    unique key) exists: one statement, safe with several writers at once."""
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        set_ = {c: ins.excluded[c] for c in rows[0] if c not in keys}
        conn.execute(ins.on_conflict_do_update(index_elements=list(keys), set_=set_), list(rows))
        return
    for row in rows:  # another database: one writer at a time is assumed (as before)
        conn.execute(table.delete().where(*(table.c[k] == row[k] for k in keys)))
    conn.execute(table.insert(), list(rows))
