"""Web accounts: users with a role (and a NIP for pegawai/atasan), argon2 password hashes,
server-side sessions, login throttling, and what each user may see.

The rows live in the catalog (``archiver.catalog.accounts``, migration ``0005_web``); the
rules live here, so the web app, the CLI (`archiver user ...`) and the demo share them.

Sessions: a session row holds the SHA-256 of the cookie token (a stolen catalog copy
yields no usable cookie), the user, its CSRF token and its expiry. Logging out or
disabling a user deletes the rows, so a session ends everywhere at once.

Throttling counts failed logins per user name and per client address. From the
``FREE_ATTEMPTS``-th failure on, the key is locked for a time that doubles with each further
failure (30 s, 60 s, 120 s ... up to an hour). A successful login clears the user key; on
every key (user name and address alike) one failure is forgiven per ``FORGIVE_EVERY_S``
without failures, so an office behind one address never locks itself out for good.

Scope: ``visible_nips(archive, user)`` is None for roles that see everything (auditor,
admin), else a ``Visible``: the (NIP, tahun) pairs whose evidence the user may see. A
pegawai sees their own evidence of every year. An atasan sees their own, and a
subordinate's evidence of each year in which the atasan is above them in that year's SKP
tree (pejabat penilai, transitively; ``archiver.skp.tree.subordinates_by_year``): a staff
member who moved to another bidang in 2026 is seen by the old Kepala Bidang for 2025 and
by the new one from 2026. Years after a subordinate's newest imported SKP follow that SKP
(evidence of a new year shows before its SKPs are imported). The catalog applies a scope
in SQL (``archiver.catalog.evidence``); evidence outside it does not exist for that user.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .archive import Archive, iso
from .catalog import Catalog
from .catalog import accounts as rows
from .errors import NotFound, UsageError
from .i18n import N_, _
from .nip import NipError, parse_nip
from .skp.tree import newest_skp_years, subordinates_by_year

ROLES = ("pegawai", "atasan", "auditor", "admin")
#: What each role may do, shown in `user list` and the users page.
ROLE_HELP = {
    "pegawai": N_("sees only their own evidence (by NIP)"),
    "atasan": N_("sees their own and their subordinates' evidence (below them in each year's SKP tree)"),
    "auditor": N_("sees everything; reviews evidence, records findings, sets legal holds and share links, never "
                  "changes files; every view and download is recorded in the custody log"),
    "admin": N_("sees everything; imports, generates documents, relinks files and manages users"),
}
#: Roles that see every pegawai's evidence.
SEE_ALL = ("auditor", "admin")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
MIN_PASSWORD = 10

SESSION_HOURS = 10
FREE_ATTEMPTS = {"user": 5, "ip": 20}
BASE_LOCK_S = 30
MAX_LOCK_S = 3600
#: Quiet time after which one earlier failure on a key no longer counts.
FORGIVE_EVERY_S = 900

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so timing does not reveal which names exist
    (made on first use: hashing takes a moment, and importing this module should not)."""
    return _hasher.hash("not a real password, only for constant timing")


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


def _user(row: Mapping[str, Any]) -> User:
    return User(int(row["id"]), row["name"], row["role"], row["nip"], bool(row["disabled"]))


# --------------------------------------------------------------------------- users


def check_new_user(name: str, role: str, nip: str | None, password: str) -> str | None:
    """Validate a new account; returns the normalised NIP."""
    problems = []
    if not _NAME.match(name):
        problems.append(_("user name {name!r}: 2-100 letters, digits, '.', '_', '-' or '@', "
                          "starting with a letter or digit").format(name=name))
    if role not in ROLES:
        problems.append(_("role {role!r}: choose one of {roles}").format(role=role, roles=", ".join(ROLES)))
    if role in ("pegawai", "atasan") and not nip:
        problems.append(_("a {role} account needs a NIP (the 18-digit NIP whose evidence it may see)").format(
            role=role))
    if nip:
        try:
            nip = parse_nip(nip).nip
        except NipError as exc:
            problems.append(f"NIP: {exc}")
    if len(password) < MIN_PASSWORD:
        problems.append(_("the password needs at least {n} characters").format(n=MIN_PASSWORD))
    if problems:
        raise UsageError(_("cannot create the user"), details=problems)
    return nip or None


def add_user(catalog: Catalog, name: str, role: str, password: str, *, nip: str | None = None,
             now: str) -> User:
    """Create an enabled account (UsageError when a value is not acceptable or the name is taken)."""
    nip = check_new_user(name, role, nip, password)
    uid = rows.insert_user(catalog, name=name, role=role, nip=nip, password_hash=_hasher.hash(password),
                           created_at=now)
    if uid is None:
        raise UsageError(_("user {name!r} exists already").format(name=name),
                         hint=_("choose another name or disable the old one"))
    return User(uid, name, role, nip)


def list_users(catalog: Catalog) -> list[User]:
    return [_user(r) for r in rows.all_users(catalog)]


def get_user(catalog: Catalog, user_id: int) -> User | None:
    row = rows.user_by_id(catalog, user_id)
    return _user(row) if row else None


def set_disabled(catalog: Catalog, name: str, disabled: bool = True) -> User:
    """Disable (or enable) an account; a disabled account's sessions end at once."""
    row = rows.set_user_disabled(catalog, name, disabled)
    if row is None:
        raise NotFound(_("no user named {name!r}").format(name=name),
                       hint=_("the list of users shows every account name"))
    return User(int(row["id"]), row["name"], row["role"], row["nip"], disabled)


def authenticate(catalog: Catalog, name: str, password: str) -> User | None:
    """The user if name and password match an enabled account, else None (constant-ish time)."""
    row = rows.user_by_name(catalog, name)
    stored = row["password_hash"] if row is not None else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row["disabled"]:
        return None
    if _hasher.check_needs_rehash(stored):
        rows.set_password_hash(catalog, int(row["id"]), _hasher.hash(password))
    return _user(row)


# --------------------------------------------------------------------------- sessions


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
    rows.insert_session(catalog, token_hash=_digest(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
                        created_at=iso(now), expires_at=iso(now + dt.timedelta(hours=SESSION_HOURS)))
    return token


def load_session(catalog: Catalog, token: str | None, now: dt.datetime) -> Session | None:
    """The live session of an enabled user for this cookie token, else None."""
    if not token or len(token) > 200:
        return None
    h = _digest(token)
    row = rows.session_by_token(catalog, h)
    if row is None or row["expires_at"] < iso(now):
        return None
    user = get_user(catalog, int(row["user_id"]))
    if user is None or user.disabled:
        return None
    return Session(user, row["csrf"], h)


def end_session(catalog: Catalog, token_hash: str) -> None:
    rows.delete_session(catalog, token_hash)


# --------------------------------------------------------------------------- throttling


def throttle_keys(name: str, ip: str) -> list[tuple[str, str]]:
    return [("user", f"user:{name.lower()[:150]}"), ("ip", f"ip:{ip[:150]}")]


def locked_for(catalog: Catalog, name: str, ip: str, now: dt.datetime) -> int:
    """Seconds until a login for this name from this address may be tried again (0 = now)."""
    return locked_seconds(catalog, [k for _kind, k in throttle_keys(name, ip)], now)


def record_failure(catalog: Catalog, name: str, ip: str, now: dt.datetime) -> None:
    count_failure(catalog, {key: FREE_ATTEMPTS[kind] for kind, key in throttle_keys(name, ip)}, now)


def locked_seconds(catalog: Catalog, keys: list[str], now: dt.datetime) -> int:
    """Seconds until none of these throttle keys is locked (0 = now). Shared by logins and share links."""
    wait = 0.0
    for until in rows.locked_until(catalog, keys):
        t = dt.datetime.strptime(until, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        wait = max(wait, (t - now).total_seconds())
    return int(wait + 0.999) if wait > 0 else 0


def count_failure(catalog: Catalog, free: dict[str, int], now: dt.datetime) -> None:
    """One failure on each key (``free``: key -> failures allowed before it locks); from then on the
    key is locked for a time that doubles, and one failure is forgiven per quiet ``FORGIVE_EVERY_S``."""
    def lock(key: str, failures: int) -> str | None:
        over = failures - free[key] + 1
        if over <= 0:
            return None
        return iso(now + dt.timedelta(seconds=min(MAX_LOCK_S, BASE_LOCK_S * 2 ** (over - 1))))

    def decay(failures: int, last_at: str) -> int:
        last = dt.datetime.strptime(last_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        return max(0, failures - int((now - last).total_seconds() // FORGIVE_EVERY_S))

    rows.add_failure(catalog, list(free), at=iso(now), lock=lock, decay=decay)


def clear_failures(catalog: Catalog, name: str) -> None:
    rows.clear_failures(catalog, throttle_keys(name, "")[0][1])


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Visible:
    """A restricted scope: the user's own NIP (every year) and subordinates per year."""

    own: str | None = None
    years: Mapping[str, frozenset[int]] = field(default_factory=dict)  # NIP -> years it is visible in
    from_year: Mapping[str, int] = field(default_factory=dict)  # NIP -> visible in every year from this one on

    @property
    def nips(self) -> frozenset[str]:
        """Every NIP visible in at least one year."""
        return frozenset({*([self.own] if self.own else []), *self.years, *self.from_year})

    def allows(self, nip: str | None, tahun: int | None) -> bool:
        if nip is None:
            return False
        if nip == self.own:
            return True
        if tahun is None:
            return False
        start = self.from_year.get(nip)
        return tahun in self.years.get(nip, ()) or (start is not None and tahun >= start)

    def groups(self) -> list[tuple[tuple[str, ...], frozenset[int], int | None]]:
        """The subordinates (not ``own``) grouped by when they are visible: (NIPs, years, from_year),
        NIPs with the same years share one group (one SQL term)."""
        by: dict[tuple[frozenset[int], int | None], list[str]] = defaultdict(list)
        for nip in self.nips - {self.own}:
            by[(self.years.get(nip, frozenset()), self.from_year.get(nip))].append(nip)
        return [(tuple(sorted(nips)), years, start)
                for (years, start), nips in sorted(by.items(), key=lambda g: sorted(g[1]))]


#: None: the user sees everything.
Scope = Visible | None


def visible_nips(archive: Archive, user: User) -> Scope:
    """What ``user`` may see (see the module docstring)."""
    if user.role in SEE_ALL:
        return None
    if not user.nip:
        return Visible()
    if user.role != "atasan":
        return Visible(own=user.nip)
    by_year = subordinates_by_year(archive, user.nip)
    years: dict[str, set[int]] = defaultdict(set)
    for tahun, nips in by_year.items():
        for nip in nips:
            years[nip].add(tahun)
    newest = newest_skp_years(archive, set(years))
    from_year = {nip: t + 1 for nip, t in newest.items() if t in years[nip]}
    return Visible(own=user.nip, years={n: frozenset(y) for n, y in years.items()}, from_year=from_year)


def may_see(scope: Scope, nip: str | None, tahun: int | None) -> bool:
    return scope is None or scope.allows(nip, tahun)
