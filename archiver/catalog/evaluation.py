"""Queries of the evaluation tables (migration 0004_evaluation): evaluations with their
realisasi and perilaku rows, and the capaian kinerja organisasi of each unit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..evaluation.model import CapaianOrganisasi, Evaluasi, Realisasi, UmpanBalikPerilaku
from ..evaluation.rules import OrgPredikat, Rating
from .schema import capaian_organisasi, evaluasi, evaluasi_perilaku, evaluasi_realisasi


def save_import(conn: Connection, evals: Iterable[Evaluasi], capaian: Iterable[CapaianOrganisasi], *, at: str,
                source: str) -> dict[str, int]:
    """Insert or replace evaluations (with their realisasi and perilaku rows) and capaian records."""
    n_eval = n_cap = 0
    for e in evals:
        old = conn.execute(sa.select(evaluasi.c.id).where(evaluasi.c.nip == e.nip, evaluasi.c.tahun == e.tahun,
                                                          evaluasi.c.periode == e.periode)).scalar()
        if old is not None:
            conn.execute(evaluasi_realisasi.delete().where(evaluasi_realisasi.c.evaluasi_id == old))
            conn.execute(evaluasi_perilaku.delete().where(evaluasi_perilaku.c.evaluasi_id == old))
            conn.execute(evaluasi.delete().where(evaluasi.c.id == old))
        key = conn.execute(evaluasi.insert().values(
            nip=e.nip, tahun=e.tahun, periode=e.periode, rating_hasil_kerja=e.rating_hasil_kerja.value,
            rating_perilaku=e.rating_perilaku.value, predikat=e.predikat.value, catatan=e.catatan,
            imported_at=at, source=source)).inserted_primary_key
        assert key is not None
        eid = int(key[0])
        if e.realisasi:
            conn.execute(evaluasi_realisasi.insert(), [{"evaluasi_id": eid, "rhk": r.rhk, "iki": r.iki,
                                                        "realisasi": r.realisasi, "umpan_balik": r.umpan_balik}
                                                       for r in e.realisasi])
        if e.perilaku:
            conn.execute(evaluasi_perilaku.insert(), [{"evaluasi_id": eid, "nilai": p.nilai,
                                                       "umpan_balik": p.umpan_balik} for p in e.perilaku])
        n_eval += 1
    for c in capaian:
        conn.execute(capaian_organisasi.delete().where(capaian_organisasi.c.unit == c.unit,
                                                       capaian_organisasi.c.tahun == c.tahun,
                                                       capaian_organisasi.c.periode == c.periode))
        conn.execute(capaian_organisasi.insert().values(**c.as_dict(), recorded_at=at))
        n_cap += 1
    return {"evaluasi": n_eval, "capaian_organisasi": n_cap}


def _evaluasi_from(conn: Connection, row: Any) -> Evaluasi:
    real = conn.execute(sa.select(evaluasi_realisasi).where(evaluasi_realisasi.c.evaluasi_id == row.id)
                        .order_by(evaluasi_realisasi.c.rhk, evaluasi_realisasi.c.iki))
    peri = conn.execute(sa.select(evaluasi_perilaku).where(evaluasi_perilaku.c.evaluasi_id == row.id)
                        .order_by(evaluasi_perilaku.c.nilai))
    return Evaluasi(nip=row.nip, tahun=row.tahun, periode=row.periode,
                    rating_hasil_kerja=Rating(row.rating_hasil_kerja), rating_perilaku=Rating(row.rating_perilaku),
                    catatan=row.catatan,
                    realisasi=tuple(Realisasi(r.rhk, r.iki, r.realisasi, r.umpan_balik) for r in real),
                    perilaku=tuple(UmpanBalikPerilaku(p.nilai, p.umpan_balik) for p in peri))


def get_evaluasi(conn: Connection, nip: str, tahun: int, periode: str) -> Evaluasi | None:
    row = conn.execute(sa.select(evaluasi).where(evaluasi.c.nip == nip, evaluasi.c.tahun == tahun,
                                                 evaluasi.c.periode == periode)).first()
    return _evaluasi_from(conn, row) if row else None


def list_evaluasi(conn: Connection, *, tahun: int | None = None, periode: str | None = None,
                  nips: Iterable[str] | None = None) -> list[Evaluasi]:
    q = sa.select(evaluasi).order_by(evaluasi.c.nip, evaluasi.c.tahun, evaluasi.c.periode)
    if tahun is not None:
        q = q.where(evaluasi.c.tahun == tahun)
    if periode is not None:
        q = q.where(evaluasi.c.periode == periode)
    if nips is not None:
        q = q.where(evaluasi.c.nip.in_(list(nips)))
    return [_evaluasi_from(conn, r) for r in conn.execute(q).all()]


def get_capaian(conn: Connection, unit: str, tahun: int, periode: str) -> CapaianOrganisasi | None:
    """The unit's capaian for the periode; for a quarter without one, the annual (TAHUNAN) record."""
    for p in dict.fromkeys((periode, "TAHUNAN")):
        row = conn.execute(sa.select(capaian_organisasi).where(
            sa.func.lower(capaian_organisasi.c.unit) == unit.lower(), capaian_organisasi.c.tahun == tahun,
            capaian_organisasi.c.periode == p)).first()
        if row:
            return CapaianOrganisasi(unit=row.unit, tahun=row.tahun, periode=row.periode,
                                     predikat=OrgPredikat(row.predikat), dasar=row.dasar,
                                     penetap_nama=row.penetap_nama, penetap_nip=row.penetap_nip,
                                     penetap_jabatan=row.penetap_jabatan)
    return None
