"""Queries of share links (migration ``0016_share_links``): the links, their frozen selections,
and the custody events of creating, revoking and opening them.

``archiver.share_links`` holds the rules (tokens, expiry, throttling); this module only reads
and writes the rows. Rows come back as plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ..accounts import Scope
from ..evidence import Filters
from . import Catalog, custody
from .evidence import scoped
from .filters import apply_filters
from .schema import STORED, share_link_items, share_links, submissions

_LINK_COUNT = (sa.select(sa.func.count()).where(share_link_items.c.link_id == share_links.c.id)
               .correlate(share_links).scalar_subquery().label("items"))


def matching_ids(catalog: Catalog, scope: Scope, filters: Filters, *, limit: int) -> list[int]:
    """Ids of the stored submissions a selection takes in (oldest first), at most ``limit`` + 1
    (so the caller can tell the selection is too large)."""
    q = apply_filters(scoped(sa.select(submissions.c.id).where(submissions.c.status.in_(STORED)), scope), filters)
    with catalog.read() as conn:
        return [int(i) for (i,) in conn.execute(q.order_by(submissions.c.id).limit(limit + 1))]


def stored_ids(catalog: Catalog, ids: Iterable[int]) -> set[int]:
    """Which of these submission ids exist and hold stored bytes."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    with catalog.read() as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found.update(int(i) for (i,) in conn.execute(sa.select(submissions.c.id).where(
                submissions.c.id.in_(chunk), submissions.c.status.in_(STORED))))
    return found


def insert_link(catalog: Catalog, *, token_hash: str, description: str, criteria: str | None, actor: str,
                created_at: str, expires_at: str, submission_ids: list[int]) -> int:
    """The link and its selection, with its ``share_created`` custody event, in one transaction."""
    with catalog.begin() as conn:
        inserted = conn.execute(share_links.insert().values(
            token_hash=token_hash, description=description, criteria=criteria, created_by=actor,
            created_at=created_at, expires_at=expires_at, access_count=0)).inserted_primary_key
        assert inserted is not None
        link_id = int(inserted[0])
        for start in range(0, len(submission_ids), 500):
            conn.execute(share_link_items.insert(), [{"link_id": link_id, "submission_id": s}
                                                     for s in submission_ids[start:start + 500]])
        custody.append(conn, "share_created", at=created_at, actor=actor, detail={
            "link": link_id, "description": description, "items": len(submission_ids), "expires_at": expires_at,
            "submissions": submission_ids})
    return link_id


def link_by_hash(catalog: Catalog, token_hash: str) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(share_links, _LINK_COUNT).where(share_links.c.token_hash == token_hash)).first()
    return dict(row._mapping) if row else None


def link_by_id(catalog: Catalog, link_id: int) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(share_links, _LINK_COUNT).where(share_links.c.id == link_id)).first()
    return dict(row._mapping) if row else None


def all_links(catalog: Catalog, *, created_by: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Links, newest first (only one maker's when ``created_by`` is given)."""
    q = sa.select(share_links, _LINK_COUNT).order_by(share_links.c.id.desc()).limit(limit)
    if created_by is not None:
        q = q.where(share_links.c.created_by == created_by)
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def revoke(catalog: Catalog, link_id: int, *, at: str, actor: str) -> bool:
    """Mark a link revoked with its ``share_revoked`` event; False when it was revoked already."""
    with catalog.begin() as conn:
        done = conn.execute(share_links.update().where(share_links.c.id == link_id, share_links.c.revoked_at.is_(None))
                            .values(revoked_at=at, revoked_by=actor)).rowcount
        if done:
            custody.append(conn, "share_revoked", at=at, actor=actor, detail={"link": link_id})
    return bool(done)


def items(catalog: Catalog, link_id: int) -> list[dict[str, Any]]:
    """The submissions of a link's selection (by NIP, tahun, periode, RHK, name)."""
    q = (sa.select(submissions).join(share_link_items, share_link_items.c.submission_id == submissions.c.id)
         .where(share_link_items.c.link_id == link_id)
         .order_by(submissions.c.nip, submissions.c.tahun, submissions.c.periode, submissions.c.rhk,
                   submissions.c.name, submissions.c.id))
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def item_by_sha(catalog: Catalog, link_id: int, sha256: str) -> dict[str, Any] | None:
    """The newest submission of the selection with these bytes, or None when they are not in it."""
    q = (sa.select(submissions).join(share_link_items, share_link_items.c.submission_id == submissions.c.id)
         .where(share_link_items.c.link_id == link_id, submissions.c.sha256 == sha256)
         .order_by(submissions.c.id.desc()).limit(1))
    with catalog.read() as conn:
        row = conn.execute(q).first()
    return dict(row._mapping) if row else None


def record_access(catalog: Catalog, link_id: int, *, at: str, actor: str, detail: dict[str, Any],
                  submission_id: int | None = None, sha256: str | None = None) -> None:
    """One ``share_accessed`` event, and the link's access count, in one transaction."""
    with catalog.begin() as conn:
        conn.execute(share_links.update().where(share_links.c.id == link_id).values(
            access_count=share_links.c.access_count + 1, last_access_at=at))
        custody.append(conn, "share_accessed", at=at, actor=actor, submission_id=submission_id, sha256=sha256,
                       detail={"link": link_id, **detail})


def protected_blobs(catalog: Catalog, sha256s: Iterable[str], *, now: str) -> set[str]:
    """Which of these blobs a share link that is still valid (not revoked, not expired) shows."""
    wanted = sorted(set(sha256s))
    found: set[str] = set()
    q = (sa.select(submissions.c.sha256).distinct()
         .join(share_link_items, share_link_items.c.submission_id == submissions.c.id)
         .join(share_links, share_links.c.id == share_link_items.c.link_id)
         .where(share_links.c.revoked_at.is_(None), share_links.c.expires_at > now))
    with catalog.read() as conn:
        for start in range(0, len(wanted), 500):
            found.update(str(s) for (s,) in conn.execute(q.where(submissions.c.sha256.in_(wanted[start:start + 500]))))
    return found
