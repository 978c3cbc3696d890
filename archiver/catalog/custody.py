"""Custody log: an append-only chain of events, each carrying the hash of the one before.

``hash = sha256(canonical JSON of seq, at, kind, actor, submission_id, sha256, detail, prev_hash)``.
Editing any field of any event, deleting or inserting one, breaks the chain at that
point. The ``custody_head`` row (updated in the same transaction as each append) names
the last event, so cutting events off the end is detected too.

Event kinds: received, archived, duplicate, unlinked, quarantined, ignored, moved,
removed, relinked, verified, exported, downloaded, viewed, generated, released, imported
(a workbook an admin imported: stored by its hash, the event naming the file).
The auditor's workspace adds: reviewed (a judgement on a submission), finding (a step of a
finding), hold_set, hold_released, disposition_proposed, disposition_approved, disposition_cancelled,
disposed, and
share_created, share_revoked, share_accessed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..i18n import _
from . import dumps
from .concurrency import insert_missing
from .schema import custody_head, events

GENESIS = "0" * 64
KINDS = frozenset({
    "reviewed",  # a judgement on a submission (archiver.review)
    "received", "archived", "duplicate", "unlinked", "quarantined", "ignored", "moved", "removed",
    "relinked", "verified", "exported", "downloaded", "viewed", "generated", "released", "imported",
    "share_created", "share_revoked", "share_accessed",  # share links for external auditors
    "hold_set", "hold_released", "disposition_proposed", "disposition_approved", "disposition_cancelled",
    "disposed",  # archiver.retention
    "finding",  # a step of a finding: opened, recommended, answered, closed, reopened (archiver.findings)
})


def event_hash(seq: int, at: str, kind: str, actor: str, submission_id: int | None, sha256: str | None,
               detail: str, prev_hash: str) -> str:
    body = json.dumps([seq, at, kind, actor, submission_id, sha256, detail, prev_hash],
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(conn: Connection, kind: str, *, at: str, actor: str, submission_id: int | None = None,
           sha256: str | None = None, detail: dict[str, Any] | None = None) -> int:
    """Append one event inside the caller's transaction. Returns its sequence number."""
    if kind not in KINDS:
        raise ValueError(f"unknown custody event kind {kind!r}")
    head_q = sa.select(custody_head.c.seq, custody_head.c.hash).where(custody_head.c.id == 1).with_for_update()
    head = conn.execute(head_q).first()
    if head is None:
        # The very first event: two writers may both find no head. The head row is created
        # (the second insert waits for the first and does nothing), then locked like any other;
        # seq 0 never outlives this transaction, which updates it below.
        insert_missing(conn, custody_head, {"id": 1, "seq": 0, "hash": GENESIS})
        head = conn.execute(head_q).one()
    seq, prev = int(head.seq) + 1, str(head.hash)
    text = dumps(detail or {})
    h = event_hash(seq, at, kind, actor, submission_id, sha256, text, prev)
    conn.execute(events.insert().values(seq=seq, at=at, kind=kind, actor=actor, submission_id=submission_id,
                                        sha256=sha256, detail=text, prev_hash=prev, hash=h))
    conn.execute(custody_head.update().where(custody_head.c.id == 1).values(seq=seq, hash=h))
    return seq


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    message: str


def verify_chain(conn: Connection) -> Iterator[ChainProblem]:
    """Walk the whole chain and yield every break found (not only the first)."""
    expected_prev = GENESIS
    expected_seq = 1
    last_seq, last_hash = 0, GENESIS
    for row in conn.execute(sa.select(events).order_by(events.c.seq)).yield_per(1000):
        if row.seq != expected_seq:
            yield ChainProblem(row.seq, _("events {first}..{last} are missing (deleted?)").format(
                first=expected_seq, last=row.seq - 1))
        if row.prev_hash != expected_prev:
            yield ChainProblem(row.seq, _("event {seq} does not follow the event before it "
                                          "(an event was deleted, inserted or edited)").format(seq=row.seq))
        h = event_hash(row.seq, row.at, row.kind, row.actor, row.submission_id, row.sha256, row.detail,
                       row.prev_hash)
        if h != row.hash:
            yield ChainProblem(row.seq, _("event {seq} ({kind} at {at}) was edited: its content no longer "
                                          "matches its hash").format(seq=row.seq, kind=row.kind, at=row.at))
        expected_prev = row.hash
        expected_seq = row.seq + 1
        last_seq, last_hash = row.seq, row.hash
    head = conn.execute(sa.select(custody_head).where(custody_head.c.id == 1)).first()
    if head is None:
        if last_seq:
            yield ChainProblem(None, _("the custody head record is missing"))
    elif (head.seq, head.hash) != (last_seq, last_hash):
        yield ChainProblem(head.seq, _("the chain ends at event {last} but its head says {head}: events were "
                                       "removed from the end or the head was altered").format(
                                           last=last_seq, head=head.seq))


def count(conn: Connection) -> int:
    """How many events the chain holds."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one())


def history(conn: Connection, *, sha256: str | None = None, submission_id: int | None = None,
            limit: int | None = None) -> list[dict[str, Any]]:
    q = sa.select(events).order_by(events.c.seq)
    if sha256:
        q = q.where(events.c.sha256 == sha256)
    if submission_id is not None:
        q = q.where(events.c.submission_id == submission_id)
    if limit:
        q = q.limit(limit)
    out = []
    for r in conn.execute(q):
        d = dict(r._mapping)
        d["detail"] = json.loads(d["detail"])
        out.append(d)
    return out
