"""Queries of the audit packages (``archiver.bags``): the submissions to export and their custody events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ..evidence import Filters
from . import Catalog
from .filters import apply_filters
from .schema import STORED, events, submissions

_IN_CHUNK = 500  # values per IN (...) query


def export_rows(catalog: Catalog, filters: Filters, *, all_versions: bool = False,
                include_removed: bool = False) -> list[dict[str, Any]]:
    """The submissions to put in a bag, in a stable order (nip, periode, rhk, path, version).

    Only stored bytes; the latest version of each path unless ``all_versions`` (the latest among
    the selected ones); files removed from the share only with ``include_removed``.
    """
    if filters.nips() == ():
        return []
    s = submissions
    stored = (s.c.status.in_(STORED), s.c.sha256.is_not(None))
    q = apply_filters(sa.select(s).where(*stored), filters)
    if not all_versions:
        latest = (apply_filters(sa.select(s.c.share, s.c.relpath, sa.func.max(s.c.version).label("v"))
                                .where(*stored), filters)
                  .group_by(s.c.share, s.c.relpath).subquery())
        q = q.join(latest, sa.and_(s.c.share == latest.c.share, s.c.relpath == latest.c.relpath,
                                   s.c.version == latest.c.v))
    if not include_removed:
        q = q.where(s.c.removed_at.is_(None))
    q = q.order_by(s.c.nip, s.c.periode, s.c.rhk, s.c.share, s.c.relpath, s.c.version, s.c.id)
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def rows_of(catalog: Catalog, submission_ids: Iterable[int]) -> list[dict[str, Any]]:
    """These submissions (stored bytes only), in the same order as ``export_rows``."""
    ids = sorted(set(submission_ids))
    s = submissions
    out: list[dict[str, Any]] = []
    with catalog.read() as conn:
        for i in range(0, len(ids), _IN_CHUNK):
            q = sa.select(s).where(s.c.id.in_(ids[i:i + _IN_CHUNK]), s.c.status.in_(STORED), s.c.sha256.is_not(None))
            out += [dict(r._mapping) for r in conn.execute(q)]
    return sorted(out, key=lambda r: (r["nip"] or "", r["periode"] or "", r["rhk"] or "", r["share"], r["relpath"],
                                      r["version"], r["id"]))


def custody_rows(catalog: Catalog, submission_ids: Iterable[int], sha256s: Iterable[str]) -> list[dict[str, Any]]:
    """Every custody event of these submissions, and of these blobs alone (no submission), by sequence."""
    ids = sorted(set(submission_ids))
    shas = sorted(set(sha256s))
    rows: dict[int, dict[str, Any]] = {}
    with catalog.read() as conn:
        for i in range(0, len(ids), _IN_CHUNK):
            for r in conn.execute(sa.select(events).where(events.c.submission_id.in_(ids[i:i + _IN_CHUNK]))):
                rows[r.seq] = dict(r._mapping)
        for i in range(0, len(shas), _IN_CHUNK):
            q = sa.select(events).where(events.c.submission_id.is_(None), events.c.sha256.in_(shas[i:i + _IN_CHUNK]))
            for r in conn.execute(q):
                rows[r.seq] = dict(r._mapping)
    return [rows[seq] for seq in sorted(rows)]
