"""Queries of evidence as users see it: scoped lists, one item with its submissions and custody
events, problem files, and the custody records of who viewed, downloaded or checked what.

Every read takes a scope (``archiver.accounts.Visible``, or None for everything) and applies
it in SQL, so a caller cannot forget it; ``Filters`` go through ``apply_filters``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..accounts import Scope, Visible
from ..evidence import Filters
from . import Catalog, custody
from .filters import apply_filters
from .schema import STORED, blobs, events, file_state, submissions


def scope_condition(scope: Visible, nip_col: Any, tahun_col: Any) -> sa.ColumnElement[bool]:
    """The SQL condition over (NIP, tahun) columns that ``scope`` may see."""
    terms: list[sa.ColumnElement[bool]] = [nip_col == scope.own] if scope.own else []
    for nips, years, start in scope.groups():
        when = [tahun_col.in_(sorted(years))] if years else []
        if start is not None:
            when.append(tahun_col >= start)
        terms.append(sa.and_(nip_col.in_(nips), sa.or_(*when)))
    return sa.or_(*terms) if terms else sa.false()


def scoped(q: sa.Select[Any], scope: Scope) -> sa.Select[Any]:
    """Restrict a query over ``submissions`` to what the scope may see."""
    if scope is None:
        return q
    return q.where(scope_condition(scope, submissions.c.nip, submissions.c.tahun))


def list_stored(catalog: Catalog, scope: Scope, filters: Filters, *, limit: int = 100,
                offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Stored submissions (newest first) the scope may see, and how many match in all."""
    base = apply_filters(scoped(sa.select(submissions).where(submissions.c.status.in_(STORED)), scope), filters)
    with catalog.read() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar_one()
        found = conn.execute(base.order_by(submissions.c.id.desc()).limit(limit).offset(offset)).all()
    return [dict(r._mapping) for r in found], int(total)


def item_rows(catalog: Catalog, sha256: str, scope: Scope, *, with_events: bool = True
              ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]] | None:
    """One blob with the submissions of it the scope may see (oldest first) and its custody events
    (for a restricted scope, only those of these submissions); None when there is nothing to see."""
    with catalog.read() as conn:
        blob = conn.execute(sa.select(blobs).where(blobs.c.sha256 == sha256)).first()
        if blob is None:
            return None
        subs = [dict(r._mapping) for r in conn.execute(
            scoped(sa.select(submissions).where(submissions.c.sha256 == sha256), scope).order_by(submissions.c.id))]
        if not subs:
            return None
        found: list[dict[str, Any]] = []
        if with_events:
            q = sa.select(events).where(events.c.sha256 == sha256).order_by(events.c.seq)
            if scope is not None:
                q = q.where(events.c.submission_id.in_([s["id"] for s in subs]))
            found = [dict(r._mapping) for r in conn.execute(q)]
    return dict(blob._mapping), subs, found


def problem_rows(catalog: Catalog, scope: Scope, statuses: tuple[str, ...], *, limit: int = 500
                 ) -> list[dict[str, Any]]:
    """Submissions that are the current state of a file and have one of ``statuses``, newest first."""
    q = (sa.select(submissions).join(file_state, file_state.c.submission_id == submissions.c.id)
         .where(submissions.c.status.in_(statuses)).order_by(submissions.c.id.desc()).limit(limit))
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(scoped(q, scope))]


def record_event(catalog: Catalog, kind: str, *, at: str, actor: str, sha256: str,
                 submission_id: int | None = None, detail: dict[str, Any] | None = None) -> int:
    """Append one custody event (``viewed``, ``downloaded``, ``verified``) in its own transaction."""
    with catalog.begin() as conn:
        return custody.append(conn, kind, at=at, actor=actor, submission_id=submission_id, sha256=sha256,
                              detail=detail)
