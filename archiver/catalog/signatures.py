"""Queries of the signature checks (``signatures``): one row per checked PDF blob.

A row is derived data (the check can be run again, e.g. after the trust roots change), so
``record`` replaces an earlier one. ``shas_in_state`` serves the ``signature`` filter of
``archiver list`` and of search.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..evidence import SIGNATURE_STATES
from . import Catalog
from .concurrency import upsert
from .schema import STORED, signatures, submissions

__all__ = ["SIGNATURE_STATES", "get", "needs_check", "record", "record_unsigned", "shas_in_state",
           "signature_condition", "unchecked_pdfs"]


def record(conn: Connection, sha256: str, *, state: str, summary: str, detail: list[dict[str, Any]],
           at: str) -> None:
    """Store (or replace) the check of one blob."""
    if state not in SIGNATURE_STATES:
        raise ValueError(f"unknown signature state {state!r}")
    values = {"state": state, "signers": len(detail), "summary": summary,
              "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str), "checked_at": at}
    done = conn.execute(signatures.update().where(signatures.c.sha256 == sha256).values(**values))
    if not done.rowcount:
        conn.execute(signatures.insert().values(sha256=sha256, **values))


def record_unsigned(conn: Connection, digests: Sequence[str], *, summary: str, at: str) -> None:
    """Record ``none`` (no signature) for many blobs with one statement (an index batch's new PDFs)."""
    upsert(conn, signatures, [{"sha256": sha, "state": "none", "signers": 0, "summary": summary, "detail": "[]",
                               "checked_at": at} for sha in sorted(set(digests))], keys=("sha256",))


def get(catalog: Catalog, sha256: str) -> dict[str, Any] | None:
    """The check of one blob with ``detail`` decoded, or None when it was never checked."""
    with catalog.read() as conn:
        row = conn.execute(sa.select(signatures).where(signatures.c.sha256 == sha256)).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["detail"] = json.loads(out["detail"])
    return out


def needs_check(catalog: Catalog, sha256: str) -> bool:
    with catalog.read() as conn:
        return conn.execute(sa.select(signatures.c.sha256).where(signatures.c.sha256 == sha256)).first() is None


def unchecked_pdfs(catalog: Catalog, submission_ids: Iterable[int]) -> list[str]:
    """The stored PDF blobs of these submissions that were never checked (each once, in id order)."""
    ids = sorted(set(submission_ids))
    out: list[str] = []
    seen: set[str] = set()
    with catalog.read() as conn:
        for i in range(0, len(ids), 500):
            q = (sa.select(submissions.c.sha256).distinct()
                 .where(submissions.c.id.in_(ids[i:i + 500]), submissions.c.type == "pdf",
                        submissions.c.status.in_(STORED), submissions.c.sha256.is_not(None),
                        submissions.c.sha256.not_in(sa.select(signatures.c.sha256))))
            for (sha,) in conn.execute(q):
                if sha not in seen:
                    seen.add(sha)
                    out.append(sha)
    return out


def signature_condition(state: str) -> sa.ColumnElement[bool]:
    """A WHERE condition on ``submissions``: its blob's signature check is in ``state``
    (``none``: no signature, including files that are not PDFs or were never checked)."""
    signed = sa.select(signatures.c.sha256).where(signatures.c.state != "none")
    if state == "none":
        return sa.and_(submissions.c.sha256.is_not(None), submissions.c.sha256.not_in(signed))
    return submissions.c.sha256.in_(sa.select(signatures.c.sha256).where(signatures.c.state == state))


def shas_in_state(catalog: Catalog, state: str, nips: Iterable[str] | None = None) -> tuple[str, ...]:
    """The stored blobs (of these NIPs, when given) whose check is in ``state``: search filters by them."""
    q = (sa.select(submissions.c.sha256).distinct()
         .where(submissions.c.status.in_(STORED), signature_condition(state)))
    if nips is not None:
        q = q.where(submissions.c.nip.in_(tuple(nips)))
    with catalog.read() as conn:
        return tuple(sorted(r[0] for r in conn.execute(q)))
