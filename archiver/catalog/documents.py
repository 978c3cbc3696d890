"""Queries of the generated documents: the evidence a document lists, and the register of
every document archiver generated (``generated_documents``), by which ``prove`` finds it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import generated_documents, submissions


def latest_evidence(conn: Connection, nip: str, tahun: int) -> list[dict[str, Any]]:
    """The pegawai's archived evidence of a year as the share holds it now: the latest version of
    every file (not removed, not unlinked), one dict per submission."""
    s = submissions
    where = [s.c.nip == nip, s.c.tahun == tahun, s.c.status.in_(("archived", "duplicate")),
             s.c.sha256.is_not(None), s.c.removed_at.is_(None)]
    latest = (sa.select(s.c.share, s.c.relpath, sa.func.max(s.c.version).label("v"))
              .where(*where).group_by(s.c.share, s.c.relpath).subquery())
    q = (sa.select(s).where(*where)
         .join(latest, sa.and_(s.c.share == latest.c.share, s.c.relpath == latest.c.relpath,
                               s.c.version == latest.c.v)))
    return [dict(row._mapping) for row in conn.execute(q)]


def record_generated(conn: Connection, **values: Any) -> int:
    key = conn.execute(generated_documents.insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def find_generated(conn: Connection, sha256: str) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(generated_documents).where(generated_documents.c.sha256 == sha256)
                        .order_by(generated_documents.c.id))
    return [dict(r._mapping) for r in rows]
