"""Web accounts: users with a role (and a NIP for pegawai/atasan), argon2 password hashes.

The tables are declared here and created by migration ``0005_web``. This module and
``archiver.web.sessions`` are the only web modules that touch these tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..catalog import Catalog
from ..catalog.schema import web_users
from ..errors import NotFound, UsageError
from ..nip import NipError, parse_nip

ROLES = ("pegawai", "atasan", "auditor", "admin")
#: What each role may do, shown in `user list` and the users page.
ROLE_HELP = {
    "pegawai": "sees only their own evidence (by NIP)",
    "atasan": "sees their own and their subordinates' evidence (below them in each year's SKP tree)",
    "auditor": "sees everything, read-only; every view and download is recorded in the custody log",
    "admin": "sees everything; imports, generates documents, relinks files and manages users",
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
MIN_PASSWORD = 10


_hasher = PasswordHasher()
#: Verified against when the user does not exist, so timing does not reveal which names exist.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant timing")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    nip: str | None
    disabled: bool = False

    @property
    def actor(self) -> str:
        """How this user is named in the custody log."""
        return f"web:{self.name}"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "nip": self.nip, "disabled": self.disabled}


def _user(row: Any) -> User:
    return User(row.id, row.name, row.role, row.nip, bool(row.disabled))


def check_new_user(name: str, role: str, nip: str | None, password: str) -> str | None:
    """Validate a new account; returns the normalised NIP."""
    problems = []
    if not _NAME.match(name):
        problems.append(f"user name {name!r}: 2-100 letters, digits, '.', '_', '-' or '@', starting with a letter or digit")
    if role not in ROLES:
        problems.append(f"role {role!r}: choose one of {', '.join(ROLES)}")
    if role in ("pegawai", "atasan") and not nip:
        problems.append(f"a {role} account needs --nip (the 18-digit NIP whose evidence it may see)")
    if nip:
        try:
            nip = parse_nip(nip).nip
        except NipError as exc:
            problems.append(f"NIP: {exc}")
    if len(password) < MIN_PASSWORD:
        problems.append(f"the password needs at least {MIN_PASSWORD} characters")
    if problems:
        raise UsageError("cannot create the user", details=problems)
    return nip or None


def add_user(catalog: Catalog, name: str, role: str, password: str, *, nip: str | None = None,
             now: str) -> User:
    nip = check_new_user(name, role, nip, password)
    with catalog.begin() as conn:
        if conn.execute(sa.select(web_users.c.id).where(web_users.c.name == name)).first():
            raise UsageError(f"user {name!r} exists already", hint="choose another name or disable the old one")
        inserted = conn.execute(web_users.insert().values(
            name=name, role=role, nip=nip, password_hash=_hasher.hash(password), disabled=False,
            created_at=now)).inserted_primary_key
        assert inserted is not None
        uid = inserted[0]
    return User(int(uid), name, role, nip)


def list_users(catalog: Catalog) -> list[User]:
    with catalog.read() as conn:
        return [_user(r) for r in conn.execute(sa.select(web_users).order_by(web_users.c.name))]


def get_user(catalog: Catalog, user_id: int) -> User | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(web_users).where(web_users.c.id == user_id)).first()
        return _user(row) if row else None


def set_disabled(catalog: Catalog, name: str, disabled: bool = True) -> User:
    """Disable (or enable) an account; a disabled account's sessions end at once."""
    from .sessions import end_sessions_of

    with catalog.begin() as conn:
        row = conn.execute(sa.select(web_users).where(web_users.c.name == name)).first()
        if row is None:
            raise NotFound(f"no user named {name!r}", hint="see `archiver user list`")
        conn.execute(web_users.update().where(web_users.c.id == row.id).values(disabled=disabled))
        if disabled:
            end_sessions_of(conn, row.id)
    return User(row.id, row.name, row.role, row.nip, disabled)


def authenticate(catalog: Catalog, name: str, password: str) -> User | None:
    """The user if name and password match an enabled account, else None (constant-ish time)."""
    with catalog.read() as conn:
        row = conn.execute(sa.select(web_users).where(web_users.c.name == name)).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _hasher.check_needs_rehash(stored):
        with catalog.begin() as conn:
            conn.execute(web_users.update().where(web_users.c.id == row.id)
                         .values(password_hash=_hasher.hash(password)))
    return _user(row)
