"""Queries behind the web forms' pickers and lists: units, pegawai names, RHK/IKI codes of an
SKP, the NIPs evidence was filed under, and the stored-evidence list in a chosen column order.

Every function that reads evidence takes a scope (``archiver.accounts.Visible`` or None for
everything) and applies it in SQL, as ``archiver.catalog.evidence`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ..accounts import Scope
from ..evidence import Filters
from . import Catalog
from .evidence import scoped
from .filters import apply_filters
from .schema import STORED, skp_indikator, skp_pegawai, skp_rhk, skp_skp, skp_unit, submissions

#: Columns the evidence list may be ordered by (the web's ``sort`` values).
SORT_COLUMNS: dict[str, Any] = {"name": sa.func.lower(submissions.c.name), "nip": submissions.c.nip,
                                "received": submissions.c.received_at, "size": submissions.c.size}


def units(catalog: Catalog, nips: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(kode, nama) of the units kerja, by name: every unit of the unit table and of the SKPs, or with
    ``nips`` only the units those pegawai belong to or have an SKP in."""
    with catalog.read() as conn:
        names = {str(r.kode): str(r.nama) for r in conn.execute(sa.select(skp_unit.c.kode, skp_unit.c.nama))}
        if nips is None:
            codes = set(names) | {str(r[0]) for r in conn.execute(sa.select(skp_skp.c.unit).distinct())}
        else:
            wanted = sorted(set(nips))
            codes = {str(r[0]) for r in conn.execute(
                sa.select(skp_pegawai.c.unit).where(skp_pegawai.c.nip.in_(wanted)))}
            codes |= {str(r[0]) for r in conn.execute(sa.select(skp_skp.c.unit).where(skp_skp.c.nip.in_(wanted)))}
    return sorted(((c, names.get(c, c)) for c in codes), key=lambda u: (u[1].casefold(), u[0]))


def names_of(catalog: Catalog, nips: Iterable[str | None] | None = None) -> dict[str, str]:
    """NIP -> the pegawai's name (the master data, else the name on their newest SKP); with ``nips``,
    only those (one query each for the two tables, whatever their number)."""
    wanted = None if nips is None else sorted({n for n in nips if n})
    if wanted == []:
        return {}
    q1 = sa.select(skp_pegawai.c.nip, skp_pegawai.c.nama)
    q2 = sa.select(skp_skp.c.nip, skp_skp.c.pegawai_nama).order_by(skp_skp.c.tahun)
    if wanted is not None:
        q1 = q1.where(skp_pegawai.c.nip.in_(wanted))
        q2 = q2.where(skp_skp.c.nip.in_(wanted))
    with catalog.read() as conn:
        out = {str(n): str(nama) for n, nama in conn.execute(q2) if nama}
        out.update({str(n): str(nama) for n, nama in conn.execute(q1) if nama})
    return out


def evidence_nips(catalog: Catalog, scope: Scope) -> set[str]:
    """The NIPs stored evidence the scope may see is filed under."""
    q = scoped(sa.select(submissions.c.nip).where(submissions.c.status.in_(STORED), submissions.c.nip.is_not(None))
               .distinct(), scope)
    with catalog.read() as conn:
        return {str(r[0]) for r in conn.execute(q)}


def indicators(catalog: Catalog, nip: str, tahun: int | None = None) -> list[tuple[str, str, str, str]]:
    """(RHK code, RHK text, IKI code, IKI text) of the SKP of (nip, tahun), in the SKP's order; without
    ``tahun``, of every SKP of the pegawai (the newest year's text first)."""
    q = (sa.select(skp_rhk.c.kode, skp_rhk.c.teks, skp_indikator.c.kode, skp_indikator.c.teks)
         .select_from(skp_skp.join(skp_rhk, skp_rhk.c.skp_id == skp_skp.c.id)
                      .outerjoin(skp_indikator, skp_indikator.c.rhk_id == skp_rhk.c.id))
         .where(skp_skp.c.nip == nip)
         .order_by(skp_skp.c.tahun.desc(), skp_rhk.c.urut, skp_indikator.c.urut))
    if tahun is not None:
        q = q.where(skp_skp.c.tahun == tahun)
    with catalog.read() as conn:
        return [(str(r[0]), str(r[1]), str(r[2] or ""), str(r[3] or "")) for r in conn.execute(q)]


def list_stored_sorted(catalog: Catalog, scope: Scope, filters: Filters, *, sort: str, descending: bool,
                       limit: int = 100, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """As ``archiver.catalog.evidence.list_stored``, ordered by ``sort`` (a key of ``SORT_COLUMNS``;
    ties by newest first)."""
    column = SORT_COLUMNS[sort]
    base = apply_filters(scoped(sa.select(submissions).where(submissions.c.status.in_(STORED)), scope), filters)
    order = [column.desc().nulls_last() if descending else column.asc().nulls_last(), submissions.c.id.desc()]
    with catalog.read() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar_one()
        found = conn.execute(base.order_by(*order).limit(limit).offset(offset)).all()
    return [dict(r._mapping) for r in found], int(total)
