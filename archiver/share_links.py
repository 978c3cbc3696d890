"""Time-limited, read-only share links for external auditors (BPK/BPKP).

An auditor or admin freezes a selection of evidence (a pegawai's period, a unit's period, the
results of a filtered list, a finding's evidence) as a list of submission ids plus a human
description, and gets a link ``/s/<token>`` that works without an account until it expires
or is revoked. Every step is a custody event: ``share_created`` (who, what, until when),
``share_revoked``, and ``share_accessed`` for each page view and each file download (with
the link id, the client address and, for a file, its submission and SHA-256).

The token (``secrets.token_urlsafe(32)``, 256 bits) is shown once; the catalog keeps only its
SHA-256, as it does for sessions (``archiver.accounts``), so a copy of the catalog opens no
link. Wrong tokens are throttled per client address like failed logins (the same table,
keys ``share:<address>``), so tokens cannot be guessed at speed.

    link, token = create(archive, submission_ids=[3, 4], description="...",
                         expires_at=archive.clock() + dt.timedelta(days=14), actor="web:auditor")
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .accounts import Scope, count_failure, locked_seconds
from .archive import Archive, iso
from .catalog import choices as choice_rows
from .catalog import share_links as rows
from .errors import ArchiverError, NotFound, UsageError
from .evidence import Filters
from .i18n import _

#: Most submissions one link may show.
MAX_ITEMS = 5000
#: Wrong tokens from one address before it must wait (then 30 s, 60 s ... up to an hour).
FREE_WRONG_TOKENS = 10
MAX_DESCRIPTION = 1000


class LinkGone(NotFound):
    """The link existed but has expired or was revoked."""

    http_status = 410


class TooManyTries(ArchiverError):
    """Too many wrong tokens from this address: wait."""

    http_status = 429

    def __init__(self, message: str, *, wait: int) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass(frozen=True)
class ShareLink:
    id: int
    description: str
    created_by: str
    created_at: str
    expires_at: str
    revoked_at: str | None
    revoked_by: str | None
    access_count: int
    last_access_at: str | None
    items: int
    criteria: dict[str, Any]

    def state(self, now: dt.datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expires_at <= iso(now) else "active"

    def as_dict(self, now: dt.datetime) -> dict[str, Any]:
        return {"id": self.id, "description": self.description, "created_by": self.created_by,
                "created_at": self.created_at, "expires_at": self.expires_at, "revoked_at": self.revoked_at,
                "revoked_by": self.revoked_by, "access_count": self.access_count,
                "last_access_at": self.last_access_at, "items": self.items, "state": self.state(now)}


def _link(row: dict[str, Any]) -> ShareLink:
    try:
        criteria = json.loads(row["criteria"]) if row["criteria"] else {}
    except ValueError:
        criteria = {}
    return ShareLink(int(row["id"]), row["description"], row["created_by"], row["created_at"], row["expires_at"],
                     row["revoked_at"], row["revoked_by"], int(row["access_count"]), row["last_access_at"],
                     int(row["items"] or 0), criteria if isinstance(criteria, dict) else {})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def state_label(state: str) -> str:
    return {"active": _("active"), "expired": _("expired"), "revoked": _("revoked")}.get(state, state)


# --------------------------------------------------------------------------- making a selection


def select(archive: Archive, filters: Filters, scope: Scope = None) -> list[int]:
    """The stored submissions a selection takes in (a pegawai's or a unit's period, a filtered list),
    frozen as ids. UsageError when nothing matches or more than ``MAX_ITEMS`` do."""
    filters = filters.normalized()
    if not any((filters.nip, filters.unit, filters.tahun, filters.rhk, filters.type, filters.date_from,
                filters.date_to)):
        raise UsageError(_("choose what to share: at least a pegawai, a unit or a tahun"))
    ids = rows.matching_ids(archive.catalog, scope, filters, limit=MAX_ITEMS)
    if not ids:
        raise UsageError(_("no archived evidence matches this selection; nothing to share"))
    if len(ids) > MAX_ITEMS:
        raise UsageError(_("the selection holds more than {n} files; choose a narrower one").format(n=MAX_ITEMS))
    return ids


def describe(archive: Archive, filters: Filters, note: str = "") -> str:
    """A human description of a selection: ``Ani Lestari (1985...) · 2026 · TW1 · RHK-01 — note``."""
    parts: list[str] = []
    if filters.nip:
        nama = choice_rows.names_of(archive.catalog, [filters.nip]).get(filters.nip)
        parts.append(f"{nama} ({filters.nip})" if nama else f"NIP {filters.nip}")
    if filters.unit:
        parts.append(_("unit {unit}").format(unit=filters.unit))
    for value in (filters.tahun, filters.periode, filters.rhk, filters.iki, filters.type, filters.review):
        if value:
            parts.append(str(value))
    if filters.date_from or filters.date_to:
        parts.append(f"{filters.date_from or '…'} – {filters.date_to or '…'}")
    text = " · ".join(parts)
    note = " ".join(note.split())
    return f"{text} — {note}" if text and note else text or note


def criteria_of(filters: Filters) -> dict[str, Any]:
    """The filters a selection was made from, as JSON-ready values (kept with the link)."""
    out = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in vars(filters).items()
           if v not in (None, "") and k != "within_nips"}
    return out


def expiry(archive: Archive, days: int | None) -> dt.datetime:
    """Now + ``days`` (the configured default when None), checked against ``[share_links] max_days``."""
    settings = archive.config.share_links
    days = settings.default_days if days is None else days
    if not 1 <= days <= settings.max_days:
        raise UsageError(_("a share link is valid for 1 to {max} days (asked: {days})").format(
            max=settings.max_days, days=days))
    return archive.clock() + dt.timedelta(days=days)


# --------------------------------------------------------------------------- links


def create(archive: Archive, *, submission_ids: Iterable[int], description: str, expires_at: dt.datetime,
           actor: str, criteria: dict[str, Any] | None = None) -> tuple[ShareLink, str]:
    """A new link to these submissions until ``expires_at``; returns it and its token (shown once,
    stored only hashed). Records ``share_created``. UsageError for an empty or unknown selection, an
    expiry in the past or beyond ``[share_links] max_days``, or an empty description."""
    ids = sorted({int(i) for i in submission_ids})
    description = " ".join(description.split())
    if not description:
        raise UsageError(_("a share link needs a description (what it shows and for whom)"))
    if len(description) > MAX_DESCRIPTION:
        raise UsageError(_("the description is too long (at most {n} characters)").format(n=MAX_DESCRIPTION))
    if not ids:
        raise UsageError(_("a share link needs at least one file"))
    if len(ids) > MAX_ITEMS:
        raise UsageError(_("the selection holds more than {n} files; choose a narrower one").format(n=MAX_ITEMS))
    missing = set(ids) - rows.stored_ids(archive.catalog, ids)
    if missing:
        raise UsageError(_("these submissions do not exist or hold no archived bytes: {ids}").format(
            ids=", ".join(str(i) for i in sorted(missing)[:20])))
    now = archive.clock()
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    if expires_at <= now:
        raise UsageError(_("the expiry must lie in the future"))
    if expires_at > now + dt.timedelta(days=archive.config.share_links.max_days, minutes=1):
        raise UsageError(_("a share link is valid for at most {max} days").format(
            max=archive.config.share_links.max_days))
    token = secrets.token_urlsafe(32)
    link_id = rows.insert_link(archive.catalog, token_hash=_digest(token), description=description,
                               criteria=json.dumps(criteria, ensure_ascii=False) if criteria else None,
                               actor=actor, created_at=iso(now), expires_at=iso(expires_at), submission_ids=ids)
    return get(archive, link_id), token


def get(archive: Archive, link_id: int) -> ShareLink:
    row = rows.link_by_id(archive.catalog, link_id)
    if row is None:
        raise NotFound(_("no share link #{id}").format(id=link_id))
    return _link(row)


def list_links(archive: Archive, *, created_by: str | None = None) -> list[ShareLink]:
    """Every link (or one maker's), newest first."""
    return [_link(r) for r in rows.all_links(archive.catalog, created_by=created_by)]


def revoke(archive: Archive, link_id: int, *, actor: str) -> ShareLink:
    """End a link now (``share_revoked``). NotFound for an unknown id; revoking twice does nothing more."""
    get(archive, link_id)
    rows.revoke(archive.catalog, link_id, at=archive.now(), actor=actor)
    return get(archive, link_id)


def resolve(archive: Archive, token: str) -> ShareLink:
    """The link a token opens. NotFound for an unknown token, LinkGone (410) when it expired or was
    revoked. The lookup is by the token's SHA-256 (the catalog never sees the token itself), and the
    stored hash is compared in constant time."""
    if not token or len(token) > 200:
        raise NotFound(_("this share link does not exist"))
    h = _digest(token)
    row = rows.link_by_hash(archive.catalog, h)
    if row is None or not secrets.compare_digest(str(row["token_hash"]).encode(), h.encode()):
        raise NotFound(_("this share link does not exist"))
    link = _link(row)
    state = link.state(archive.clock())
    if state == "revoked":
        raise LinkGone(_("this share link was revoked on {at}").format(at=link.revoked_at[:10] if link.revoked_at
                                                                        else "-"))
    if state == "expired":
        raise LinkGone(_("this share link expired on {at}").format(at=link.expires_at[:10]))
    return link


def items(archive: Archive, link: ShareLink) -> list[dict[str, Any]]:
    """The submissions the link shows, each with ``nama`` (the pegawai's name, or "")."""
    found = rows.items(archive.catalog, link.id)
    names = choice_rows.names_of(archive.catalog, (r["nip"] for r in found))
    return [r | {"nama": names.get(r["nip"] or "", "")} for r in found]


def item_by_sha(archive: Archive, link: ShareLink, sha256: str) -> dict[str, Any]:
    """The submission of the selection with these bytes; NotFound when they are not in it."""
    row = rows.item_by_sha(archive.catalog, link.id, sha256.lower())
    if row is None:
        raise NotFound(_("this file is not part of the shared selection"))
    return row


def record_access(archive: Archive, link: ShareLink, *, client: str, what: str,
                  submission: dict[str, Any] | None = None) -> None:
    """A ``share_accessed`` custody event: ``what`` is ``page`` or ``file`` (then ``submission``)."""
    detail: dict[str, Any] = {"client": client[:100], "what": what}
    if submission is not None:
        detail["name"] = submission["name"]
    rows.record_access(archive.catalog, link.id, at=archive.now(), actor=f"share:{link.id}", detail=detail,
                       submission_id=submission["id"] if submission else None,
                       sha256=submission["sha256"] if submission else None)


def write_bag(archive: Archive, link: ShareLink, out: Path) -> int:
    """The whole selection as a BagIt audit package (a .zip at ``out``, verifiable offline with
    `archiver verify-bag`); its ``exported`` custody event names the link as the actor. Returns the
    package's size in bytes."""
    from .bags import BagInfo, ExportCriteria, export_bag

    found = rows.items(archive.catalog, link.id)
    criteria = ExportCriteria(tahun=None, nips=tuple(sorted({r["nip"] for r in found if r["nip"]})),
                              submission_ids=tuple(int(r["id"]) for r in found), all_versions=True,
                              include_removed=True)
    report = export_bag(dataclasses.replace(archive, actor=f"share:{link.id}"), criteria, out, overwrite=True,
                        info=BagInfo(description=f"Tautan berbagi #{link.id}: {link.description}"), hardlinks=False)
    return int(report.size)


def protected_blobs(archive: Archive, sha256s: Iterable[str]) -> set[str]:
    """Which of these blobs a valid share link still shows (disposition must keep them)."""
    return rows.protected_blobs(archive.catalog, sha256s, now=iso(archive.clock()))


# --------------------------------------------------------------------------- throttling wrong tokens


def _key(client: str) -> str:
    return f"share:{client[:150]}"


def locked_for(archive: Archive, client: str) -> int:
    """Seconds until this address may try a share link again (0: now)."""
    return locked_seconds(archive.catalog, [_key(client)], archive.clock())


def check_throttle(archive: Archive, client: str) -> None:
    """TooManyTries while the address is locked out."""
    wait = locked_for(archive, client)
    if wait:
        raise TooManyTries(_("too many wrong share links from your address; try again in {s} seconds").format(
            s=wait), wait=wait)


def record_wrong_token(archive: Archive, client: str) -> None:
    """Count a wrong token against the address; from the ``FREE_WRONG_TOKENS``-th on it is locked
    for a time that doubles (one failure is forgiven per quiet ``FORGIVE_EVERY_S``)."""
    count_failure(archive.catalog, {_key(client): FREE_WRONG_TOKENS}, archive.clock())
