"""Queries of the web accounts (migration ``0005_web``): users, sessions and failed logins.

``archiver.accounts`` holds the rules (roles, password hashes, session lifetimes, lock
times); this module only reads and writes the rows. Rows come back as plain dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import Catalog
from .concurrency import insert_missing
from .schema import web_login_failures, web_sessions, web_users

# --------------------------------------------------------------------------- users


def user_by_name(catalog: Catalog, name: str) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(web_users).where(web_users.c.name == name)).first()
    return dict(row._mapping) if row else None


def user_by_id(catalog: Catalog, user_id: int) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(web_users).where(web_users.c.id == user_id)).first()
    return dict(row._mapping) if row else None


def all_users(catalog: Catalog) -> list[dict[str, Any]]:
    """Every account, by name."""
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(web_users).order_by(web_users.c.name))]


def insert_user(catalog: Catalog, *, name: str, role: str, nip: str | None, password_hash: str,
                created_at: str) -> int | None:
    """Add an enabled account; its id, or None when the name is taken already."""
    with catalog.begin() as conn:
        if conn.execute(sa.select(web_users.c.id).where(web_users.c.name == name)).first():
            return None
        inserted = conn.execute(web_users.insert().values(
            name=name, role=role, nip=nip, password_hash=password_hash, disabled=False,
            created_at=created_at)).inserted_primary_key
        assert inserted is not None
        return int(inserted[0])


def set_user_disabled(catalog: Catalog, name: str, disabled: bool) -> dict[str, Any] | None:
    """Disable (or enable) an account; disabling deletes its sessions in the same transaction.
    The account as it was before, or None when there is no such name."""
    with catalog.begin() as conn:
        row = conn.execute(sa.select(web_users).where(web_users.c.name == name)).first()
        if row is None:
            return None
        conn.execute(web_users.update().where(web_users.c.id == row.id).values(disabled=disabled))
        if disabled:
            _delete_sessions_of(conn, row.id)
    return dict(row._mapping)


def set_password_hash(catalog: Catalog, user_id: int, password_hash: str) -> None:
    with catalog.begin() as conn:
        conn.execute(web_users.update().where(web_users.c.id == user_id).values(password_hash=password_hash))


# --------------------------------------------------------------------------- sessions


def insert_session(catalog: Catalog, *, token_hash: str, user_id: int, csrf: str, created_at: str,
                   expires_at: str) -> None:
    """Add a session; sessions expired by ``created_at`` are deleted on the way."""
    with catalog.begin() as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.expires_at < created_at))
        conn.execute(web_sessions.insert().values(token_hash=token_hash, user_id=user_id, csrf=csrf,
                                                  created_at=created_at, expires_at=expires_at))


def session_by_token(catalog: Catalog, token_hash: str) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(web_sessions).where(web_sessions.c.token_hash == token_hash)).first()
    return dict(row._mapping) if row else None


def delete_session(catalog: Catalog, token_hash: str) -> None:
    with catalog.begin() as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == token_hash))


def _delete_sessions_of(conn: Connection, user_id: int) -> None:
    conn.execute(web_sessions.delete().where(web_sessions.c.user_id == user_id))


# --------------------------------------------------------------------------- failed logins


def locked_until(catalog: Catalog, keys: Iterable[str]) -> list[str]:
    """The ``locked_until`` times set on these throttling keys (keys without a lock are left out)."""
    with catalog.read() as conn:
        rows = conn.execute(sa.select(web_login_failures.c.locked_until)
                            .where(web_login_failures.c.key.in_(list(keys)))).all()
    return [str(until) for (until,) in rows if until]


def failure_count(catalog: Catalog, key: str) -> int:
    """How many failures a throttling key holds (0 when none)."""
    with catalog.read() as conn:
        n = conn.execute(sa.select(web_login_failures.c.failures).where(web_login_failures.c.key == key)).scalar()
    return int(n or 0)


def add_failure(catalog: Catalog, keys: Iterable[str], *, at: str,
                lock: Callable[[str, int], str | None], decay: Callable[[int, str], int] | None = None) -> None:
    """Count one more failure on each key, in one transaction; ``lock(key, failures)`` gives the
    key's new ``locked_until`` (None: not locked); ``decay(failures, last_at)`` how many of the
    earlier failures still count."""
    with catalog.begin() as conn:
        for key in sorted(set(keys)):  # one order of row locks: two requests never deadlock
            # Not read-then-write: the key's row is made to exist (a zero count, never seen
            # outside this transaction) and locked, so concurrent failures (PostgreSQL) each
            # wait for the one before and all count.
            row = None
            while row is None:  # again when a successful login cleared the key in between
                new = insert_missing(conn, web_login_failures, {"key": key, "failures": 0, "last_at": at})
                row = conn.execute(sa.select(web_login_failures.c.failures, web_login_failures.c.last_at)
                                   .where(web_login_failures.c.key == key).with_for_update()).first()
            before = int(row.failures)
            if not new and decay is not None:
                before = decay(before, str(row.last_at))
            failures = before + 1
            conn.execute(web_login_failures.update().where(web_login_failures.c.key == key).values(
                failures=failures, locked_until=lock(key, failures), last_at=at))


def clear_failures(catalog: Catalog, key: str) -> None:
    with catalog.begin() as conn:
        conn.execute(web_login_failures.delete().where(web_login_failures.c.key == key))
