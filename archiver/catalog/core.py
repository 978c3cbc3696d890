"""Queries of the core tables: blobs, submissions and file states (what ingest, listing, status and verify need).

Functions taking a ``Connection`` run inside the caller's transaction (``catalog.begin()``)
so that a submission, its file state and its custody events commit together; functions
taking a ``Catalog`` open their own read snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..evidence import EvidenceKey, Filters
from ..names import from_catalog, raw_hex, readable
from . import Catalog
from .concurrency import insert_missing
from .concurrency import lock_path as lock_path  # ingest locks a path before it reads its state
from .filters import apply_filters
from .schema import STORED, blobs, file_state, submissions

# --------------------------------------------------------------------------- file states


def file_states(catalog: Catalog, share: str) -> dict[str, dict[str, Any]]:
    """relpath -> state for a share (the cheap 'already archived?' check of a rescan)."""
    with catalog.read() as conn:
        rows = conn.execute(sa.select(file_state).where(file_state.c.share == share))
        return {from_catalog(r.relpath, r.relpath_hex): dict(r._mapping) for r in rows}


def fingerprints(catalog: Catalog, share: str) -> dict[str, tuple[int, int, bool]]:
    """relpath -> (size, mtime_ns, retry) for a share: small tuples, so 100,000 files stay cheap."""
    q = (sa.select(file_state.c.relpath, file_state.c.relpath_hex, file_state.c.size, file_state.c.mtime_ns,
                   file_state.c.retry).where(file_state.c.share == share))
    with catalog.read() as conn:
        return {from_catalog(r.relpath, r.relpath_hex): (int(r.size), int(r.mtime_ns), bool(r.retry))
                for r in conn.execute(q)}


def file_state_of(conn: Connection, share: str, relpath: str) -> Row[Any] | None:
    return conn.execute(sa.select(file_state).where(file_state.c.share == share,
                                                    file_state.c.relpath == readable(relpath))).first()


def problem_state_of(conn: Connection, share: str, relpath: str) -> Row[Any] | None:
    """The file state of a path with the reason code of its submission (a problem reported before?)."""
    return conn.execute(sa.select(file_state, submissions.c.reason_code)
                        .join(submissions, submissions.c.id == file_state.c.submission_id)
                        .where(file_state.c.share == share, file_state.c.relpath == readable(relpath))).first()


def touch_state(conn: Connection, share: str, relpath: str, size: int, mtime_ns: int) -> None:
    """Same bytes, new mtime: remember the new fingerprint (not a new version)."""
    conn.execute(file_state.update().where(file_state.c.share == share, file_state.c.relpath == readable(relpath))
                 .values(size=size, mtime_ns=mtime_ns, retry=False))


def set_state(conn: Connection, share: str, relpath: str, *, size: int, mtime_ns: int, sha256: str | None,
              submission_id: int, retry: bool = False) -> None:
    values = {"size": size, "mtime_ns": mtime_ns, "sha256": sha256, "submission_id": submission_id, "retry": retry,
              "relpath_hex": raw_hex(relpath)}
    updated = conn.execute(file_state.update().where(file_state.c.share == share,
                                                     file_state.c.relpath == readable(relpath))
                           .values(**values)).rowcount
    if not updated:
        conn.execute(file_state.insert().values(share=share, relpath=readable(relpath), **values))


def drop_states(conn: Connection, share: str, *relpaths: str) -> None:
    conn.execute(file_state.delete().where(file_state.c.share == share,
                                           file_state.c.relpath.in_([readable(p) for p in relpaths])))


# --------------------------------------------------------------------------- blobs


def blob_known(conn: Connection, sha256: str) -> bool:
    return conn.execute(sa.select(blobs.c.sha256).where(blobs.c.sha256 == sha256)).first() is not None


def add_blob(conn: Connection, sha256: str, *, size: int, mime: str, type_name: str, at: str) -> bool:
    """The blob's row unless it exists; True when this call added it (two writers storing the same
    new bytes at once: the second waits for the first, then finds it, on PostgreSQL too)."""
    return insert_missing(conn, blobs, {"sha256": sha256, "size": size, "mime": mime, "type": type_name,
                                        "stored_at": at})


def blob(catalog: Catalog, sha256: str) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(blobs).where(blobs.c.sha256 == sha256)).first()
        return dict(row._mapping) if row else None


def known_blobs(catalog: Catalog, sha256s: list[str]) -> set[str]:
    """Which of these blobs the catalog holds now (a fresh snapshot)."""
    with catalog.read() as conn:
        return {str(r.sha256) for r in conn.execute(sa.select(blobs.c.sha256).where(blobs.c.sha256.in_(sha256s)))}


def blob_digests(catalog: Catalog) -> Iterator[tuple[str, int]]:
    with catalog.read() as conn:
        for row in conn.execute(sa.select(blobs.c.sha256, blobs.c.size).order_by(blobs.c.sha256)):
            yield str(row.sha256), int(row.size)


def blob_totals(conn: Connection) -> tuple[int, int]:
    """(number of blobs, their total size in bytes)."""
    n, total = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(blobs.c.size), 0))).one()
    return int(n), int(total)


def submissions_without_blob(catalog: Catalog) -> list[dict[str, Any]]:
    q = (sa.select(submissions.c.id, submissions.c.share, submissions.c.relpath, submissions.c.sha256)
         .select_from(submissions.outerjoin(blobs, submissions.c.sha256 == blobs.c.sha256))
         .where(submissions.c.sha256.is_not(None), blobs.c.sha256.is_(None)))
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


# --------------------------------------------------------------------------- submissions


def next_version(conn: Connection, share: str, relpath: str, *, stored: bool) -> int:
    """The version a new submission at this path gets (a problem without bytes keeps the last one)."""
    last = conn.execute(sa.select(sa.func.coalesce(sa.func.max(submissions.c.version), 0))
                        .where(submissions.c.share == share, submissions.c.relpath == readable(relpath),
                               submissions.c.sha256.is_not(None))).scalar_one()
    return int(last) + 1 if stored else int(last)


def insert_submission(conn: Connection, *, share: str, relpath: str, size: int, mtime_ns: int,
                      sha256: str | None, mime: str | None, type_name: str | None, received_at: str, status: str,
                      reason_code: str | None, reason: str | None, version: int, key: EvidenceKey,
                      link_problem: str | None) -> int:
    name = readable(relpath).rsplit("/", 1)[-1]
    new_id = conn.execute(submissions.insert().values(
        share=share, relpath=readable(relpath), relpath_hex=raw_hex(relpath), name=name, size=size,
        mtime_ns=mtime_ns, sha256=sha256, mime=mime,
        type=type_name, received_at=received_at, status=status, reason_code=reason_code, reason=reason,
        version=version, link_problem=link_problem, **key.columns())).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


def get(conn: Connection, submission_id: int) -> Row[Any] | None:
    return conn.execute(sa.select(submissions).where(submissions.c.id == submission_id)).first()


def submission(catalog: Catalog, submission_id: int) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = get(conn, submission_id)
        return dict(row._mapping) if row else None


def set_status(conn: Connection, submission_id: int, status: str, *, reason_code: str | None,
               reason: str | None) -> None:
    conn.execute(submissions.update().where(submissions.c.id == submission_id)
                 .values(status=status, reason_code=reason_code, reason=reason))


def stored_count(conn: Connection, sha256: str) -> int:
    """How many submissions hold these bytes as evidence."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(submissions).where(
        submissions.c.sha256 == sha256, submissions.c.status.in_(STORED))).scalar_one())


def has_archived(conn: Connection, sha256: str) -> bool:
    """Whether a submission already holds these bytes as (first) archived evidence."""
    return conn.execute(sa.select(submissions.c.id).where(submissions.c.sha256 == sha256,
                                                          submissions.c.status == "archived")).first() is not None


def move_candidates(conn: Connection, share: str, relpath: str, sha256: str) -> list[tuple[str, int]]:
    """(relpath, submission_id) of file states elsewhere in the share that hold these bytes
    (where a moved file may come from); relpath as the file system names it."""
    q = (sa.select(file_state.c.relpath, file_state.c.relpath_hex, file_state.c.submission_id)
         .join(submissions, submissions.c.id == file_state.c.submission_id)
         .where(submissions.c.sha256 == sha256, file_state.c.share == share, file_state.c.sha256 == sha256,
                file_state.c.relpath != readable(relpath)))
    return [(from_catalog(r.relpath, r.relpath_hex), int(r.submission_id)) for r in conn.execute(q)]


def follow_move(conn: Connection, share: str, src: str, dst: str, key: EvidenceKey, link_problem: str | None) -> None:
    """Every live submission at ``src`` now lives at ``dst``, filed under ``key``."""
    conn.execute(submissions.update().where(submissions.c.share == share, submissions.c.relpath == readable(src),
                                            submissions.c.removed_at.is_(None))
                 .values(relpath=readable(dst), relpath_hex=raw_hex(dst), name=readable(dst).rsplit("/", 1)[-1],
                         link_problem=link_problem, **key.columns()))


def mark_removed(conn: Connection, share: str, relpath: str, at: str) -> None:
    conn.execute(submissions.update().where(submissions.c.share == share, submissions.c.relpath == readable(relpath),
                                            submissions.c.removed_at.is_(None)).values(removed_at=at))


# --------------------------------------------------------------------------- listing


def counts_by_status(catalog: Catalog) -> dict[str, int]:
    with catalog.read() as conn:
        rows = conn.execute(sa.select(submissions.c.status, sa.func.count()).group_by(submissions.c.status))
        return {str(r[0]): int(r[1]) for r in rows}


def list_submissions(catalog: Catalog, filters: Filters | None = None, *, sha256: str | None = None,
                     share: str | None = None, limit: int | None = None,
                     newest_first: bool = False) -> Iterator[dict[str, Any]]:
    """Every submission (any status unless ``filters.status``) that the filters select."""
    q = apply_filters(sa.select(submissions), filters or Filters())
    for col, val in ((submissions.c.sha256, sha256), (submissions.c.share, share)):
        if val is not None:
            q = q.where(col == val)
    q = q.order_by(submissions.c.id.desc() if newest_first else submissions.c.id)
    if limit:
        q = q.limit(limit)
    with catalog.read() as conn:
        for row in conn.execute(q):
            yield dict(row._mapping)


def latest(conn: Connection, *, limit: int, problems_only: bool = False) -> list[dict[str, Any]]:
    """The newest submissions (or the newest quarantined and unlinked ones), for status."""
    q = sa.select(submissions.c.received_at, submissions.c.status, submissions.c.share, submissions.c.relpath,
                  submissions.c.reason)
    if problems_only:
        q = q.where(submissions.c.status.in_(("quarantined", "unlinked")))
    return [dict(r._mapping) for r in conn.execute(q.order_by(submissions.c.id.desc()).limit(limit))]
