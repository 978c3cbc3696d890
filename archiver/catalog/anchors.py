"""Queries of the anchored custody chain and of fixity: anchor rows, the event at a sequence
number, the latest integrity check of each blob and which blobs are due for one."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..accounts import Scope
from . import Catalog
from .evidence import scoped
from .retention import not_disposed
from .schema import STORED, blob_fixity, blobs, custody_anchors, custody_head, events, submissions

# --------------------------------------------------------------------------- anchors


def head(conn: Connection) -> tuple[int, str] | None:
    """(seq, hash) of the last custody event, as the head record says; None for an empty chain."""
    row = conn.execute(sa.select(custody_head.c.seq, custody_head.c.hash).where(custody_head.c.id == 1)).first()
    return (int(row.seq), str(row.hash)) if row else None


def event_hash_at(conn: Connection, seq: int) -> str | None:
    row = conn.execute(sa.select(events.c.hash).where(events.c.seq == seq)).first()
    return str(row.hash) if row else None


def last_seq(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))).scalar_one())


def add_anchor(conn: Connection, *, at: str, seq: int, hash_: str, reason: str, statement: str,
               tsa_url: str | None, token: bytes | None, gen_time: str | None, log_hash: str | None) -> int:
    new_id = conn.execute(custody_anchors.insert().values(
        at=at, seq=seq, hash=hash_, reason=reason, statement=statement, tsa_url=tsa_url, token=token,
        gen_time=gen_time, log_hash=log_hash)).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


def anchors(conn: Connection) -> list[dict[str, Any]]:
    """Every anchor, oldest first."""
    return [dict(r._mapping) for r in conn.execute(sa.select(custody_anchors).order_by(custody_anchors.c.id))]


def last_anchor(catalog: Catalog) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(custody_anchors).order_by(custody_anchors.c.id.desc()).limit(1)).first()
        return dict(row._mapping) if row else None


# --------------------------------------------------------------------------- fixity


def record_check(conn: Connection, sha256: str, *, at: str, ok: bool, actual: str | None, via: str) -> None:
    """The latest integrity check of a blob (one row per blob, replaced by each check)."""
    values = {"checked_at": at, "ok": ok, "actual": None if ok else (actual or ""), "via": via}
    if not conn.execute(blob_fixity.update().where(blob_fixity.c.sha256 == sha256).values(**values)).rowcount:
        conn.execute(blob_fixity.insert().values(sha256=sha256, **values))


def due_blobs(conn: Connection, limit: int, *, checked_before: str) -> list[tuple[str, int]]:
    """(sha256, size) of the blobs checked longest ago (never-checked ones by when they were stored),
    leaving out those checked at or after ``checked_before``."""
    last = sa.func.coalesce(blob_fixity.c.checked_at, blobs.c.stored_at)
    q = (sa.select(blobs.c.sha256, blobs.c.size)
         .select_from(blobs.outerjoin(blob_fixity, blob_fixity.c.sha256 == blobs.c.sha256))
         .where(sa.or_(blob_fixity.c.checked_at.is_(None), blob_fixity.c.checked_at < checked_before),
                not_disposed())  # released by a disposition (archiver.retention)
         .order_by(last, blobs.c.sha256).limit(limit))
    return [(str(r.sha256), int(r.size)) for r in conn.execute(q)]


def checks_since(conn: Connection, since: str, via: str) -> int:
    """How many blobs had their latest check by ``via`` at or after ``since``."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(blob_fixity).where(
        blob_fixity.c.checked_at >= since, blob_fixity.c.via == via)).scalar_one())


def blob_count(conn: Connection) -> int:
    """Blobs fixity checks (not those a disposition released)."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(blobs).where(not_disposed())).scalar_one())


def first_submission_of(conn: Connection, sha256: str) -> int | None:
    """The first stored submission of a blob (what a per-blob custody event is attached to)."""
    row = conn.execute(sa.select(sa.func.min(submissions.c.id)).where(
        submissions.c.sha256 == sha256, submissions.c.status.in_(STORED))).scalar()
    if row is None:
        row = conn.execute(sa.select(sa.func.min(submissions.c.id)).where(submissions.c.sha256 == sha256)).scalar()
    return int(row) if row is not None else None


def failed_blobs(catalog: Catalog, scope: Scope = None, *, limit: int = 200) -> list[dict[str, Any]]:
    """Blobs whose latest check failed (newest first), each with one submission the scope may see."""
    q = (sa.select(blob_fixity.c.sha256, blob_fixity.c.checked_at, blob_fixity.c.actual, blob_fixity.c.via,
                   sa.func.min(submissions.c.id).label("submission_id"), sa.func.min(submissions.c.share)
                   .label("share"), sa.func.min(submissions.c.relpath).label("relpath"),
                   sa.func.min(submissions.c.name).label("name"))
         .select_from(blob_fixity.join(submissions, submissions.c.sha256 == blob_fixity.c.sha256))
         .where(blob_fixity.c.ok.is_(False))
         .group_by(blob_fixity.c.sha256, blob_fixity.c.checked_at, blob_fixity.c.actual, blob_fixity.c.via)
         .order_by(blob_fixity.c.checked_at.desc()).limit(limit))
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(scoped(q, scope))]
