"""Queries of retention and legal hold (``archiver.retention``): holds, the submissions whose
retention is counted, what else still needs a blob, dispositions and their items, and what a
disposition changes in the catalog (status, extracted text, index markers)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .schema import (
    STORED,
    blob_text,
    blobs,
    disposed_blobs,
    disposition_items,
    dispositions,
    finding_evidence,
    findings,
    generated_documents,
    index_queue,
    legal_holds,
    search_indexed,
    share_link_items,
    share_links,
    skp_pegawai,
    submissions,
)

#: Findings in this status no longer protect their evidence (``archiver.findings.STATUSES``).
CLOSED_FINDING = "selesai"

# --------------------------------------------------------------------------- holds


def add_hold(conn: Connection, **values: Any) -> int:
    key = conn.execute(legal_holds.insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def hold(conn: Connection, hold_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(legal_holds).where(legal_holds.c.id == hold_id)).first()
    return dict(row._mapping) if row else None


def release_hold(conn: Connection, hold_id: int, *, by: str, at: str, note: str) -> bool:
    q = (legal_holds.update().where(legal_holds.c.id == hold_id, legal_holds.c.released_at.is_(None))
         .values(released_by=by, released_at=at, release_note=note))
    return bool(conn.execute(q).rowcount)


def holds(conn: Connection, *, active_only: bool = False) -> list[dict[str, Any]]:
    q = sa.select(legal_holds).order_by(legal_holds.c.id.desc())
    if active_only:
        q = q.where(legal_holds.c.released_at.is_(None))
    return [dict(r._mapping) for r in conn.execute(q)]


def _held_by(h: dict[str, Any]) -> sa.ColumnElement[bool]:
    s = submissions.c
    parts: list[sa.ColumnElement[bool]] = []
    if h["nip"]:
        parts.append(s.nip == h["nip"])
    if h["unit"]:
        parts.append(s.nip.in_(sa.select(skp_pegawai.c.nip).where(skp_pegawai.c.unit == h["unit"])))
    if h["tahun"] is not None:
        parts.append(s.tahun == h["tahun"])
    if h["periode"]:
        parts.append(s.periode == h["periode"])
    return sa.and_(*parts) if parts else sa.false()


def held_ids(conn: Connection, active: list[dict[str, Any]], ids: Iterable[int] | None = None) -> dict[int, list[int]]:
    """Submission id -> the active holds (ids) that keep it; only ``ids`` when given."""
    out: dict[int, list[int]] = defaultdict(list)
    wanted = list(ids) if ids is not None else None
    for h in active:
        q = sa.select(submissions.c.id).where(_held_by(h))
        if wanted is not None:
            q = q.where(submissions.c.id.in_(wanted))
        for (sid,) in conn.execute(q):
            out[int(sid)].append(int(h["id"]))
    return out


def held_count(conn: Connection, h: dict[str, Any]) -> int:
    q = sa.select(sa.func.count()).select_from(submissions).where(_held_by(h), submissions.c.status.in_(STORED))
    return int(conn.execute(q).scalar_one())


# --------------------------------------------------------------------------- retention


def stored_submissions(conn: Connection) -> list[dict[str, Any]]:
    """Every submission whose bytes are in the store (its retention is counted)."""
    s = submissions.c
    q = (sa.select(s.id, s.sha256, s.size, s.nip, s.tahun, s.periode, s.received_at, s.status, s.name, s.share,
                   s.relpath)
         .where(s.status.in_(STORED), s.sha256.is_not(None)).order_by(s.id))
    return [dict(r._mapping) for r in conn.execute(q)]


def live_holders(conn: Connection, sha256s: list[str]) -> dict[str, list[int]]:
    """sha256 -> the submissions not disposed of that name it (any status)."""
    out: dict[str, list[int]] = defaultdict(list)
    q = (sa.select(submissions.c.sha256, submissions.c.id)
         .where(submissions.c.sha256.in_(sha256s), submissions.c.status != "disposed"))
    for sha, sid in conn.execute(q):
        out[str(sha)].append(int(sid))
    return out


def protected_submissions(conn: Connection, ids: list[int], *, now: str) -> dict[int, list[str]]:
    """Submission id -> what protects it besides retention and holds: a valid share link, an open finding
    (codes ``share:ID``, ``finding:ID``)."""
    out: dict[int, list[str]] = defaultdict(list)
    q = (sa.select(share_link_items.c.submission_id, share_links.c.id)
         .select_from(share_link_items.join(share_links, share_links.c.id == share_link_items.c.link_id))
         .where(share_link_items.c.submission_id.in_(ids), share_links.c.revoked_at.is_(None),
                share_links.c.expires_at > now))
    for sid, link in conn.execute(q):
        out[int(sid)].append(f"share:{link}")
    q = (sa.select(finding_evidence.c.submission_id, findings.c.id)
         .select_from(finding_evidence.join(findings, findings.c.id == finding_evidence.c.finding_id))
         .where(finding_evidence.c.submission_id.in_(ids), findings.c.status != CLOSED_FINDING))
    for sid, fid in conn.execute(q):
        out[int(sid)].append(f"finding:{fid}")
    return out


def document_blobs(conn: Connection, sha256s: list[str]) -> set[str]:
    """Which of these blobs are also generated documents (kept with the documents)."""
    q = sa.select(generated_documents.c.sha256).where(generated_documents.c.sha256.in_(sha256s))
    return {str(r[0]) for r in conn.execute(q)}


def quarantined_received(conn: Connection) -> list[str]:
    q = sa.select(submissions.c.received_at).where(submissions.c.status == "quarantined")
    return [str(r[0]) for r in conn.execute(q)]


def document_tahun(conn: Connection) -> list[int]:
    return [int(r[0]) for r in conn.execute(sa.select(generated_documents.c.tahun))]


# --------------------------------------------------------------------------- dispositions


def add_disposition(conn: Connection, *, rule: str, note: str, by: str, at: str,
                    items: list[dict[str, Any]]) -> int:
    key = conn.execute(dispositions.insert().values(state="proposed", rule=rule, note=note, proposed_by=by,
                                                    proposed_at=at)).inserted_primary_key
    assert key is not None
    did = int(key[0])
    if items:
        conn.execute(disposition_items.insert(), [
            {"disposition_id": did, "submission_id": i["id"], "sha256": i["sha256"], "size": i["size"],
             "due": i["due"], "outcome": None} for i in items])
    return did


def disposition(conn: Connection, did: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(dispositions).where(dispositions.c.id == did)).first()
    return dict(row._mapping) if row else None


def list_dispositions(conn: Connection) -> list[dict[str, Any]]:
    n = (sa.select(sa.func.count()).where(disposition_items.c.disposition_id == dispositions.c.id)
         .scalar_subquery())
    size = (sa.select(sa.func.coalesce(sa.func.sum(disposition_items.c.size), 0))
            .where(disposition_items.c.disposition_id == dispositions.c.id).scalar_subquery())
    q = sa.select(dispositions, n.label("items"), size.label("bytes")).order_by(dispositions.c.id.desc())
    return [dict(r._mapping) for r in conn.execute(q)]


def items_of(conn: Connection, did: int) -> list[dict[str, Any]]:
    s = submissions.c
    q = (sa.select(disposition_items, s.nip, s.tahun, s.periode, s.name, s.share, s.relpath, s.status)
         .select_from(disposition_items.join(submissions, s.id == disposition_items.c.submission_id))
         .where(disposition_items.c.disposition_id == did).order_by(disposition_items.c.submission_id))
    return [dict(r._mapping) for r in conn.execute(q)]


def approve(conn: Connection, did: int, *, by: str, at: str) -> bool:
    q = (dispositions.update().where(dispositions.c.id == did, dispositions.c.state == "proposed")
         .values(state="approved", approved_by=by, approved_at=at))
    return bool(conn.execute(q).rowcount)


def cancel(conn: Connection, did: int, *, by: str, at: str, note: str) -> bool:
    q = (dispositions.update().where(dispositions.c.id == did, dispositions.c.state == "proposed")
         .values(state="cancelled", cancelled_by=by, cancelled_at=at, cancel_note=note))
    return bool(conn.execute(q).rowcount)


def set_state(conn: Connection, did: int, state: str, **values: Any) -> None:
    conn.execute(dispositions.update().where(dispositions.c.id == did).values(state=state, **values))


def set_outcome(conn: Connection, did: int, sid: int, outcome: str) -> None:
    conn.execute(disposition_items.update().where(disposition_items.c.disposition_id == did,
                                                  disposition_items.c.submission_id == sid).values(outcome=outcome))


def dispose_submissions(conn: Connection, ids: list[int]) -> None:
    """Mark them disposed; forget their index markers (the search index no longer holds them)."""
    if not ids:
        return
    conn.execute(submissions.update().where(submissions.c.id.in_(ids)).values(status="disposed"))
    conn.execute(search_indexed.delete().where(search_indexed.c.submission_id.in_(ids)))
    conn.execute(index_queue.delete().where(index_queue.c.submission_id.in_(ids)))


def dispose_blob(conn: Connection, sha256: str, *, did: int, at: str) -> None:
    """The blob is released: its extracted text (and thumbnail) is deleted; verify expects it gone."""
    conn.execute(blob_text.delete().where(blob_text.c.sha256 == sha256))
    conn.execute(disposed_blobs.delete().where(disposed_blobs.c.sha256 == sha256))  # disposed before, received again
    conn.execute(disposed_blobs.insert().values(sha256=sha256, disposition_id=did, disposed_at=at, removed=False))


def blob_removed(conn: Connection, sha256: str, problem: str | None) -> None:
    conn.execute(disposed_blobs.update().where(disposed_blobs.c.sha256 == sha256)
                 .values(removed=problem is None, problem=problem))


def disposed_blob_rows(conn: Connection, did: int) -> list[dict[str, Any]]:
    q = sa.select(disposed_blobs).where(disposed_blobs.c.disposition_id == did)
    return [dict(r._mapping) for r in conn.execute(q)]


def released() -> sa.Select[tuple[str]]:
    """The blobs a disposition released and no submission kept since needs (the same bytes received
    again after the disposition are stored again and checked like any other blob)."""
    live = sa.select(submissions.c.id).where(submissions.c.sha256 == disposed_blobs.c.sha256,
                                             submissions.c.status != "disposed")
    return sa.select(disposed_blobs.c.sha256).where(~live.exists())


def disposed_shas(conn: Connection) -> set[str]:
    return {str(r[0]) for r in conn.execute(released())}


def not_disposed() -> sa.ColumnElement[bool]:
    """A condition on ``blobs.c.sha256``: the blob was not released by a disposition."""
    return blobs.c.sha256.not_in(released())
