"""Queries of findings (``archiver.findings``): the finding rows, their steps, the evidence linked to
them, and who belongs to a unit in a year (the SKP rows) for the finding's scope."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..accounts import Scope
from ..evidence import Filters
from . import Catalog
from .evidence import list_stored
from .schema import STORED, finding_evidence, finding_steps, findings, skp_skp, submissions
from .skp import resolve_units

_IN_CHUNK = 500


def insert(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(findings.insert().values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def update(conn: Connection, finding_id: int, values: dict[str, Any]) -> None:
    conn.execute(findings.update().where(findings.c.id == finding_id).values(**values))


def add_step(conn: Connection, finding_id: int, step: str, text: str | None, *, actor: str, role: str,
             at: str) -> int:
    result = conn.execute(finding_steps.insert().values(finding_id=finding_id, step=step, text=text, actor=actor,
                                                         role=role, at=at))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def link(conn: Connection, finding_id: int, submission_ids: Iterable[int], role: str, step_id: int) -> list[int]:
    """Link submissions to the finding (once per role); returns the ids newly linked."""
    have = {r[0] for r in conn.execute(sa.select(finding_evidence.c.submission_id).where(
        finding_evidence.c.finding_id == finding_id, finding_evidence.c.role == role))}
    new = sorted(set(submission_ids) - have)
    for sid in new:
        conn.execute(finding_evidence.insert().values(finding_id=finding_id, submission_id=sid, role=role,
                                                      step_id=step_id))
    return new


def get_for_update(conn: Connection, finding_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(findings).where(findings.c.id == finding_id).with_for_update()).first()
    return dict(row._mapping) if row else None


def get(catalog: Catalog, finding_id: int) -> dict[str, Any] | None:
    with catalog.read() as conn:
        row = conn.execute(sa.select(findings).where(findings.c.id == finding_id)).first()
    return dict(row._mapping) if row else None


def list_rows(catalog: Catalog, *, units: Iterable[str] | None = None, status: str | None = None,
              tahun: int | None = None, ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Findings by number; ``units`` (codes) keeps those of these units or of their pegawai."""
    q = sa.select(findings).order_by(findings.c.id)
    if status:
        q = q.where(findings.c.status == status)
    if tahun is not None:
        q = q.where(findings.c.tahun == tahun)
    if ids is not None:
        q = q.where(findings.c.id.in_(sorted(set(ids))))
    with catalog.read() as conn:
        if units is not None:
            codes = sorted(set(units))
            people = sa.select(skp_skp.c.nip).where(skp_skp.c.unit.in_(codes))
            q = q.where(sa.or_(findings.c.unit.in_(codes), findings.c.nip.in_(people)))
        return [dict(r._mapping) for r in conn.execute(q)]


def unit_codes(catalog: Catalog, unit: str) -> list[str]:
    """The unit (kode or name) and its sub-units; an unknown unit: itself."""
    with catalog.read() as conn:
        return resolve_units(conn, unit) or [unit.strip()]


def unit_people(catalog: Catalog, unit: str, tahun: int | None) -> set[str]:
    """NIPs of the pegawai of ``unit`` (and its sub-units) in ``tahun`` (any year if None), with their
    pejabat penilai and atasan, from the SKP rows."""
    with catalog.read() as conn:
        codes = resolve_units(conn, unit) or [unit]
        q = sa.select(skp_skp.c.nip, skp_skp.c.penilai_nip, skp_skp.c.atasan_nip).where(skp_skp.c.unit.in_(codes))
        if tahun is not None:
            q = q.where(skp_skp.c.tahun == tahun)
        return {n for row in conn.execute(q) for n in row if n}


def steps(catalog: Catalog, finding_id: int) -> list[dict[str, Any]]:
    with catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(finding_steps).where(finding_steps.c.finding_id == finding_id).order_by(finding_steps.c.id))]


def evidence(catalog: Catalog, finding_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The linked submissions of these findings: finding_id, role, step_id and the submission's columns."""
    ids = sorted(set(finding_ids))
    out: list[dict[str, Any]] = []
    fe, s = finding_evidence, submissions
    with catalog.read() as conn:
        for i in range(0, len(ids), _IN_CHUNK):
            q = (sa.select(fe.c.finding_id, fe.c.role, fe.c.step_id, s).join(s, s.c.id == fe.c.submission_id)
                 .where(fe.c.finding_id.in_(ids[i:i + _IN_CHUNK])).order_by(fe.c.finding_id, fe.c.role, s.c.id))
            out += [dict(r._mapping) for r in conn.execute(q)]
    return out


def touching(catalog: Catalog, submission_ids: Iterable[int]) -> list[int]:
    """The ids of the findings any of these submissions is linked to."""
    ids = sorted(set(submission_ids))
    found: set[int] = set()
    with catalog.read() as conn:
        for i in range(0, len(ids), _IN_CHUNK):
            q = sa.select(finding_evidence.c.finding_id).where(
                finding_evidence.c.submission_id.in_(ids[i:i + _IN_CHUNK]))
            found |= {r[0] for r in conn.execute(q)}
    return sorted(found)


def stored(catalog: Catalog, submission_ids: Iterable[int], scope: Scope) -> list[dict[str, Any]]:
    """Those of the submissions that hold stored bytes and that the scope may see."""
    ids = sorted(set(submission_ids))
    out: list[dict[str, Any]] = []
    s = submissions
    with catalog.read() as conn:
        for i in range(0, len(ids), _IN_CHUNK):
            q = sa.select(s).where(s.c.id.in_(ids[i:i + _IN_CHUNK]), s.c.status.in_(STORED), s.c.sha256.is_not(None))
            out += [dict(r._mapping) for r in conn.execute(q)]
    if scope is not None:
        out = [r for r in out if scope.allows(r["nip"], r["tahun"])]
    return out


def candidates(catalog: Catalog, scope: Scope, filters: Filters, *, limit: int = 200) -> list[dict[str, Any]]:
    """Stored submissions to pick from (newest first) within the scope."""
    return list_stored(catalog, scope, filters, limit=limit)[0]
