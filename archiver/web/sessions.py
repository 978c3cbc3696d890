"""Server-side sessions (a random token in an HttpOnly cookie) and login throttling.

A session row holds the SHA-256 of the cookie token (a stolen catalog copy yields no
usable cookie), the user, its CSRF token and its expiry. Logging out or disabling a user
deletes the rows, so a session ends everywhere at once.

Throttling counts failed logins per user name and per client address. From the
``FREE_ATTEMPTS``-th failure on, the key is locked for a time that doubles with each further
failure (30 s, 60 s, 120 s ... up to an hour). A successful login clears the user key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..archive import iso
from ..catalog import Catalog
from ..catalog.schema import web_login_failures, web_sessions
from .users import User, get_user

SESSION_HOURS = 10
FREE_ATTEMPTS = {"user": 5, "ip": 20}
BASE_LOCK_S = 30
MAX_LOCK_S = 3600




@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_hash: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(catalog: Catalog, user: User, now: dt.datetime) -> str:
    """Create a session; returns the cookie token (shown once, stored only hashed)."""
    token = secrets.token_urlsafe(32)
    with catalog.begin() as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.expires_at < iso(now)))
        conn.execute(web_sessions.insert().values(
            token_hash=_digest(token), user_id=user.id, csrf=secrets.token_urlsafe(32), created_at=iso(now),
            expires_at=iso(now + dt.timedelta(hours=SESSION_HOURS))))
    return token


def load_session(catalog: Catalog, token: str | None, now: dt.datetime) -> Session | None:
    if not token or len(token) > 200:
        return None
    h = _digest(token)
    with catalog.read() as conn:
        row = conn.execute(sa.select(web_sessions).where(web_sessions.c.token_hash == h)).first()
    if row is None or row.expires_at < iso(now):
        return None
    user = get_user(catalog, row.user_id)
    if user is None or user.disabled:
        return None
    return Session(user, row.csrf, h)


def end_session(catalog: Catalog, token_hash: str) -> None:
    with catalog.begin() as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == token_hash))


def end_sessions_of(conn: Connection, user_id: int) -> None:
    conn.execute(web_sessions.delete().where(web_sessions.c.user_id == user_id))


# --------------------------------------------------------------------------- throttling

def throttle_keys(name: str, ip: str) -> list[tuple[str, str]]:
    return [("user", f"user:{name.lower()[:150]}"), ("ip", f"ip:{ip[:150]}")]


def locked_for(catalog: Catalog, name: str, ip: str, now: dt.datetime) -> int:
    """Seconds until a login for this name from this address may be tried again (0 = now)."""
    keys = [k for _, k in throttle_keys(name, ip)]
    with catalog.read() as conn:
        rows = conn.execute(sa.select(web_login_failures.c.locked_until)
                            .where(web_login_failures.c.key.in_(keys))).all()
    wait = 0.0
    for (until,) in rows:
        if until:
            t = dt.datetime.strptime(until, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
            wait = max(wait, (t - now).total_seconds())
    return int(wait + 0.999) if wait > 0 else 0


def record_failure(catalog: Catalog, name: str, ip: str, now: dt.datetime) -> None:
    with catalog.begin() as conn:
        for kind, key in throttle_keys(name, ip):
            row = conn.execute(sa.select(web_login_failures).where(web_login_failures.c.key == key)).first()
            failures = (row.failures if row else 0) + 1
            over = failures - FREE_ATTEMPTS[kind] + 1
            until = iso(now + dt.timedelta(seconds=min(MAX_LOCK_S, BASE_LOCK_S * 2 ** (over - 1)))) \
                if over > 0 else None
            values = {"failures": failures, "locked_until": until, "last_at": iso(now)}
            if row:
                conn.execute(web_login_failures.update().where(web_login_failures.c.key == key).values(**values))
            else:
                conn.execute(web_login_failures.insert().values(key=key, **values))


def clear_failures(catalog: Catalog, name: str) -> None:
    with catalog.begin() as conn:
        conn.execute(web_login_failures.delete().where(web_login_failures.c.key == throttle_keys(name, "")[0][1]))
