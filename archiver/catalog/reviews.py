"""Reviews of evidence in SQL: judgements (history kept), the current one per submission, the
new versions that answer them, and the condition that selects submissions by review state.

The current judgement of a submission is its review row with the highest id. A submission
without one is awaiting review (``menunggu``), and so is a new version sent as an answer
(it has no judgement of its own yet). The rules (who may judge what) are in ``archiver.review``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import Catalog, custody
from .schema import review_answers, reviews, submissions

#: The state of a submission without a judgement.
AWAITING = "menunggu"


def _current_ids() -> sa.Select[Any]:
    """The id of each submission's current review."""
    return sa.select(sa.func.max(reviews.c.id)).group_by(reviews.c.submission_id)


def review_condition(state: str, id_col: Any = submissions.c.id) -> sa.ColumnElement[bool]:
    """The SQL condition over a submission id column: its current review is ``state`` (``menunggu``:
    it has none)."""
    col: sa.ColumnElement[Any] = id_col
    if state == AWAITING:
        return sa.not_(col.in_(sa.select(reviews.c.submission_id)))
    return col.in_(sa.select(reviews.c.submission_id)
                   .where(reviews.c.id.in_(_current_ids()), reviews.c.state == state))


def add(conn: Connection, *, submission_id: int, sha256: str, state: str, reason: str | None, page: str | None,
        actor: str, role: str, at: str) -> int:
    """One judgement and its ``reviewed`` custody event, in the caller's transaction. Returns its id."""
    new_id = conn.execute(reviews.insert().values(
        submission_id=submission_id, sha256=sha256, state=state, reason=reason, page=page, actor=actor, role=role,
        at=at)).inserted_primary_key
    assert new_id is not None
    rid = int(new_id[0])
    custody.append(conn, "reviewed", at=at, actor=actor, submission_id=submission_id, sha256=sha256,
                   detail={"state": state, "reason": reason, "page": page, "role": role, "review": rid})
    return rid


def record(catalog: Catalog, **review: Any) -> int:
    """``add`` in its own transaction."""
    with catalog.begin() as conn:
        return add(conn, **review)


def history(catalog: Catalog, submission_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """submission id -> its judgements, oldest first, each with ``answered_by``: the submissions sent as
    answers to it, ``number`` counting them as the next versions of the judged one (v2, v3 ...)."""
    ids = sorted(set(submission_ids))
    if not ids:
        return {}
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    with catalog.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            sa.select(reviews, submissions.c.version.label("judged_version"))
            .join(submissions, submissions.c.id == reviews.c.submission_id)
            .where(reviews.c.submission_id.in_(ids)).order_by(reviews.c.id))]
        answers = _answers(conn, [r["id"] for r in rows])
    sent: dict[int, int] = {}  # submission id -> new versions sent so far
    for r in rows:
        answered = []
        for a in answers.get(r["id"], []):  # the answers are the judged file's next versions: v2, v3 ...
            sent[r["submission_id"]] = sent.get(r["submission_id"], 0) + 1
            answered.append(a | {"number": int(r["judged_version"]) + sent[r["submission_id"]]})
        out[r["submission_id"]].append(r | {"answered_by": answered})
    return out


def _answers(conn: Connection, review_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not review_ids:
        return {}
    s = submissions.c
    q = (sa.select(review_answers.c.review_id, s.id, s.sha256, s.name, s.version, s.status)
         .join(submissions, submissions.c.id == review_answers.c.submission_id)
         .where(review_answers.c.review_id.in_(review_ids)).order_by(s.id))
    out: dict[int, list[dict[str, Any]]] = {}
    for r in conn.execute(q):
        out.setdefault(int(r.review_id), []).append(
            {"id": r.id, "sha256": r.sha256, "name": r.name, "version": r.version, "status": r.status})
    return out


def current(catalog: Catalog, submission_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """submission id -> its current judgement (submissions without one are left out)."""
    ids = sorted(set(submission_ids))
    if not ids:
        return {}
    with catalog.read() as conn:
        return current_in(conn, ids)


def current_in(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
        chunk = ids[start:start + 900]
        q = sa.select(reviews).where(reviews.c.id.in_(
            sa.select(sa.func.max(reviews.c.id)).where(reviews.c.submission_id.in_(chunk))
            .group_by(reviews.c.submission_id)))
        out.update({int(r.submission_id): dict(r._mapping) for r in conn.execute(q)})
    return out


def ids_in_state(catalog: Catalog, state: str, nips: tuple[str, ...] | None) -> tuple[str, ...]:
    """The ids (as index keys) of the stored submissions whose review is ``state``, of ``nips`` (None: all)."""
    q = sa.select(submissions.c.id).where(review_condition(state), submissions.c.sha256.is_not(None))
    if nips is not None:
        q = q.where(submissions.c.nip.in_(nips))
    with catalog.read() as conn:
        return tuple(str(i) for i in conn.execute(q).scalars())


def answer_of(catalog: Catalog, submission_id: int) -> dict[str, Any] | None:
    """What a submission answers (``answers``, ``review_id``), or None."""
    with catalog.read() as conn:
        row = conn.execute(sa.select(review_answers).where(review_answers.c.submission_id == submission_id)).first()
    return dict(row._mapping) if row is not None else None


def add_answer(catalog: Catalog, *, submission_id: int, answers: int, review_id: int, actor: str, at: str) -> bool:
    """Record that ``submission_id`` answers the judgement ``review_id`` of ``answers``; False when it
    already answers one (a submission answers at most one judgement)."""
    with catalog.begin() as conn:
        if conn.execute(sa.select(review_answers.c.submission_id)
                        .where(review_answers.c.submission_id == submission_id)).first() is not None:
            return False
        conn.execute(review_answers.insert().values(submission_id=submission_id, answers=answers,
                                                    review_id=review_id, actor=actor, at=at))
    return True


def submission(catalog: Catalog, submission_id: int) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(submissions).where(submissions.c.id == submission_id)).first()
    return dict(row._mapping) if row is not None else None


def submissions_of_blob(catalog: Catalog, sha256: str) -> list[dict[str, Any]]:
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(submissions).where(submissions.c.sha256 == sha256).order_by(submissions.c.id))]
