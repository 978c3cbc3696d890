"""Queries of the catalog-against-custody audit (``archiver.custody_audit``): the events that
create or change submissions, in chain order, and every submission's audited columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import events, submissions

#: Event kinds that create or change a submission's bytes, place, link, version or status.
CHANGING = ("received", "archived", "duplicate", "unlinked", "quarantined", "ignored", "moved", "removed",
            "relinked", "released", "disposed")

AUDITED = ("id", "share", "relpath", "sha256", "version", "status", "nip", "tahun", "periode", "rhk", "iki",
           "removed_at")


def changing_events(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every event that creates or changes a submission, by sequence number."""
    q = (sa.select(events.c.seq, events.c.kind, events.c.submission_id, events.c.sha256, events.c.detail)
         .where(events.c.kind.in_(CHANGING), events.c.submission_id.is_not(None)).order_by(events.c.seq))
    for row in conn.execute(q).yield_per(2000):
        yield dict(row._mapping)


def audited_submissions(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every submission's audited columns. Read in the same snapshot as ``changing_events``
    (``catalog.read()``): a submission committed in between would otherwise look unrecorded."""
    q = sa.select(*(submissions.c[c] for c in AUDITED)).order_by(submissions.c.id)
    for row in conn.execute(q).yield_per(2000):
        yield dict(row._mapping)
