"""SQL for the SKP tables (migration 0003_skp): save a bundle, load SKPs back as model objects.

Saving is idempotent: each SKP carries the hash of its content, and a unit, pegawai or
SKP whose content did not change is not written again, so importing the same file twice
changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..catalog import dumps
from ..catalog.schema import (
    _PERSON,
    skp_indikator,
    skp_pegawai,
    skp_perilaku,
    skp_rencana,
    skp_rhk,
    skp_sasaran,
    skp_skp,
    skp_unit,
)
from .model import (
    Indikator,
    Lampiran,
    Pegawai,
    Pejabat,
    Perilaku,
    RencanaBukti,
    Rhk,
    Sasaran,
    Skp,
    SkpBundle,
    Target,
    UnitKerja,
)
from .validate import Known

if TYPE_CHECKING:
    from ..archive import Archive











def content_hash(obj: Any) -> str:
    return hashlib.sha256(dumps(dataclasses.asdict(obj)).encode("utf-8")).hexdigest()


@dataclass
class SaveReport:
    units: dict[str, int] = field(default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0})
    pegawai: dict[str, int] = field(default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0})
    sasaran: dict[str, int] = field(default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0})
    skp: dict[str, int] = field(default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0})
    changed_skp: list[tuple[str, int]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(d["new"] or d["updated"] for d in (self.units, self.pegawai, self.sasaran, self.skp))

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.units, "pegawai": self.pegawai, "sasaran": self.sasaran, "skp": self.skp,
                "changed_skp": [{"nip": n, "tahun": t} for n, t in self.changed_skp]}


def _upsert(conn: Connection, table: sa.Table, keys: dict[str, Any], values: dict[str, Any],
            counts: dict[str, int], stamp: dict[str, Any] | None = None) -> None:
    where = [table.c[k] == v for k, v in keys.items()]
    row = conn.execute(sa.select(table).where(*where)).first()
    if row is None:
        conn.execute(table.insert().values(**keys, **values, **(stamp or {})))
        counts["new"] += 1
    elif any(getattr(row, k) != v for k, v in values.items()):
        conn.execute(table.update().where(*where).values(**values, **(stamp or {})))
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


def save_bundle(conn: Connection, b: SkpBundle, *, now: str, source: str) -> SaveReport:
    rep = SaveReport()
    stamp = {"updated_at": now}
    for u in b.units:
        _upsert(conn, skp_unit, {"kode": u.kode}, {"nama": u.nama, "induk": u.induk, "instansi": u.instansi},
                rep.units, stamp)
    for p in b.pegawai:
        _upsert(conn, skp_pegawai, {"nip": p.nip},
                {"nama": p.nama, "jenis_pegawai": p.jenis_pegawai, "golongan": p.golongan, "pangkat": p.pangkat,
                 "jabatan": p.jabatan, "jenis_jabatan": p.jenis_jabatan, "unit": p.unit}, rep.pegawai, stamp)
    for s in b.sasaran:
        _upsert(conn, skp_sasaran, {"unit": s.unit, "tahun": s.tahun, "kode": s.kode},
                {"teks": s.teks, "indikator": s.indikator, "target": s.target}, rep.sasaran)
    for skp in b.skp:
        _save_skp(conn, skp, now, source, rep)
    return rep


def _person(prefix: str, p: Pejabat | None) -> dict[str, Any]:
    if p is None:
        return {f"{prefix}_{f}": None for f in _PERSON}
    return {f"{prefix}_nip": p.nip, f"{prefix}_nama": p.nama, f"{prefix}_pangkat": p.pangkat_golongan,
            f"{prefix}_jabatan": p.jabatan, f"{prefix}_unit": p.unit_kerja}


def _save_skp(conn: Connection, s: Skp, now: str, source: str, rep: SaveReport) -> None:
    h = content_hash(s)
    row = conn.execute(sa.select(skp_skp.c.id, skp_skp.c.content_hash)
                       .where(skp_skp.c.nip == s.nip, skp_skp.c.tahun == s.tahun)).first()
    if row is not None and row.content_hash == h:
        rep.skp["unchanged"] += 1
        return
    values = dict(
        nip=s.nip, tahun=s.tahun, unit=s.unit, jenis_jabatan=s.jenis_jabatan, pendekatan=s.pendekatan,
        instansi=s.instansi, awal=s.awal.isoformat() if s.awal else None,
        akhir=s.akhir.isoformat() if s.akhir else None, periode=",".join(s.periode),
        **_person("pegawai", s.pegawai), **_person("penilai", s.penilai), **_person("atasan", s.atasan_penilai),
        lampiran=json.dumps({k: list(v) for k, v in s.lampiran.as_dict().items()}, ensure_ascii=False),
        tempat=s.tempat, tanggal=s.tanggal.isoformat() if s.tanggal else None,
        content_hash=h, source=source, imported_at=now)
    if row is None:
        skp_id = conn.execute(skp_skp.insert().values(**values)).inserted_primary_key[0]
        rep.skp["new"] += 1
    else:
        skp_id = row.id
        _delete_children(conn, skp_id)
        conn.execute(skp_skp.update().where(skp_skp.c.id == skp_id).values(**values))
        rep.skp["updated"] += 1
    rep.changed_skp.append((s.nip, s.tahun))
    for n, r in enumerate(s.rhk, 1):
        rhk_id = conn.execute(skp_rhk.insert().values(
            skp_id=skp_id, urut=n, kode=r.kode, jenis=r.jenis, teks=r.teks, rhk_pimpinan=r.rhk_pimpinan,
            penugasan_dari=r.penugasan_dari)).inserted_primary_key[0]
        for m, i in enumerate(r.indikator, 1):
            iki_id = conn.execute(skp_indikator.insert().values(
                skp_id=skp_id, rhk_id=rhk_id, urut=m, kode=i.kode, teks=i.teks, aspek=i.aspek,
                perspektif=i.perspektif, target_teks=i.target.teks, target_nilai=i.target.nilai,
                target_maks=i.target.nilai_maks, satuan=i.target.satuan)).inserted_primary_key[0]
            for p in i.rencana:
                conn.execute(skp_rencana.insert().values(indikator_id=iki_id, periode=p.periode,
                                                         jenis_bukti=";".join(p.jenis_bukti), jumlah=p.jumlah,
                                                         rencana_aksi=p.rencana_aksi))
    for p in s.perilaku:
        conn.execute(skp_perilaku.insert().values(skp_id=skp_id, nilai=p.nilai, ekspektasi=p.ekspektasi))


def _delete_children(conn: Connection, skp_id: int) -> None:
    ids = sa.select(skp_indikator.c.id).where(skp_indikator.c.skp_id == skp_id)
    conn.execute(skp_rencana.delete().where(skp_rencana.c.indikator_id.in_(ids)))
    conn.execute(skp_indikator.delete().where(skp_indikator.c.skp_id == skp_id))
    conn.execute(skp_rhk.delete().where(skp_rhk.c.skp_id == skp_id))
    conn.execute(skp_perilaku.delete().where(skp_perilaku.c.skp_id == skp_id))


# --------------------------------------------------------------------------- reading

def _date(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def _pejabat(row: Any, prefix: str) -> Pejabat | None:
    nama = getattr(row, f"{prefix}_nama")
    if not nama:
        return None
    return Pejabat(nama=nama, nip=getattr(row, f"{prefix}_nip") or "",
                   pangkat_golongan=getattr(row, f"{prefix}_pangkat") or "",
                   jabatan=getattr(row, f"{prefix}_jabatan") or "", unit_kerja=getattr(row, f"{prefix}_unit") or "")


def load_skps(conn: Connection, *, nip: str | None = None, tahun: int | None = None,
              units: Iterable[str] | None = None) -> list[Skp]:
    q = sa.select(skp_skp).order_by(skp_skp.c.tahun, skp_skp.c.unit, skp_skp.c.nip)
    if nip:
        q = q.where(skp_skp.c.nip == nip)
    if tahun:
        q = q.where(skp_skp.c.tahun == tahun)
    if units is not None:
        q = q.where(skp_skp.c.unit.in_(list(units)))
    heads = list(conn.execute(q))
    if not heads:
        return []
    ids = [h.id for h in heads]
    rhks: dict[int, list[Any]] = {}
    for r in conn.execute(sa.select(skp_rhk).where(skp_rhk.c.skp_id.in_(ids)).order_by(skp_rhk.c.urut)):
        rhks.setdefault(r.skp_id, []).append(r)
    inds: dict[int, list[Any]] = {}
    for i in conn.execute(sa.select(skp_indikator).where(skp_indikator.c.skp_id.in_(ids))
                          .order_by(skp_indikator.c.urut)):
        inds.setdefault(i.rhk_id, []).append(i)
    plans: dict[int, list[RencanaBukti]] = {}
    q_plan = (sa.select(skp_rencana).join(skp_indikator, skp_indikator.c.id == skp_rencana.c.indikator_id)
              .where(skp_indikator.c.skp_id.in_(ids)).order_by(skp_rencana.c.periode))
    for p in conn.execute(q_plan):
        plans.setdefault(p.indikator_id, []).append(RencanaBukti(
            p.periode, tuple(j for j in p.jenis_bukti.split(";") if j), p.jumlah, p.rencana_aksi))
    beh: dict[int, list[Perilaku]] = {}
    for p in conn.execute(sa.select(skp_perilaku).where(skp_perilaku.c.skp_id.in_(ids))
                          .order_by(skp_perilaku.c.nilai)):
        beh.setdefault(p.skp_id, []).append(Perilaku(p.nilai, p.ekspektasi))
    out = []
    for h in heads:
        rhk = tuple(Rhk(r.kode, r.teks, r.jenis, r.rhk_pimpinan, "", r.penugasan_dari, tuple(
            Indikator(i.kode, i.teks, Target(i.target_teks, i.target_nilai, i.target_maks, i.satuan), i.aspek,
                      i.perspektif, tuple(plans.get(i.id, ()))) for i in inds.get(r.id, [])))
            for r in rhks.get(h.id, []))
        lamp = json.loads(h.lampiran or "{}")
        pegawai = _pejabat(h, "pegawai") or Pejabat(h.nip, h.nip)
        out.append(Skp(
            nip=h.nip, tahun=h.tahun, unit=h.unit, jenis_jabatan=h.jenis_jabatan, pendekatan=h.pendekatan,
            pegawai=pegawai, penilai=_pejabat(h, "penilai") or Pejabat(""), atasan_penilai=_pejabat(h, "atasan"),
            instansi=h.instansi, awal=_date(h.awal), akhir=_date(h.akhir),
            periode=tuple(x for x in h.periode.split(",") if x), rhk=rhk, perilaku=tuple(beh.get(h.id, ())),
            lampiran=Lampiran(*(tuple(lamp.get(k, ())) for k in
                                ("DUKUNGAN SUMBER DAYA", "SKEMA PERTANGGUNGJAWABAN", "KONSEKUENSI"))),
            tempat=h.tempat, tanggal=_date(h.tanggal)))
    return _with_leader_text(conn, out)


def _with_leader_text(conn: Connection, skps: list[Skp]) -> list[Skp]:
    """Fill ``rhk_pimpinan_teks`` from the leader's SKP (or the organisation sasaran)."""
    wanted = {(s.penilai.nip, s.tahun) for s in skps if s.penilai.nip and any(r.rhk_pimpinan for r in s.rhk)}
    texts: dict[tuple[str, int, str], str] = {}
    if wanted:
        q = (sa.select(skp_skp.c.nip, skp_skp.c.tahun, skp_rhk.c.kode, skp_rhk.c.teks)
             .join(skp_rhk, skp_rhk.c.skp_id == skp_skp.c.id)
             .where(skp_skp.c.nip.in_({n for n, _ in wanted})))
        texts = {(r.nip, r.tahun, r.kode): r.teks for r in conn.execute(q)}
    sas = {(r.tahun, r.kode): r.teks for r in conn.execute(sa.select(skp_sasaran))}
    out = []
    for s in skps:
        rhk = tuple(dataclasses.replace(r, rhk_pimpinan_teks=texts.get((s.penilai.nip, s.tahun, r.rhk_pimpinan))
                                        or sas.get((s.tahun, r.rhk_pimpinan), "")) if r.rhk_pimpinan else r
                    for r in s.rhk)
        out.append(dataclasses.replace(s, rhk=rhk))
    return out


def load_skp(archive: Archive, nip: str, tahun: int) -> Skp | None:
    with archive.catalog.read() as conn:
        found = load_skps(conn, nip=nip, tahun=tahun)
    return found[0] if found else None


def units(conn: Connection) -> dict[str, UnitKerja]:
    return {r.kode: UnitKerja(r.kode, r.nama, r.induk, r.instansi) for r in conn.execute(sa.select(skp_unit))}


def pegawai(conn: Connection) -> dict[str, Pegawai]:
    return {r.nip: Pegawai(r.nip, r.nama, r.jabatan, r.jenis_jabatan, r.unit, r.golongan, r.pangkat,
                           r.jenis_pegawai) for r in conn.execute(sa.select(skp_pegawai))}


def sasaran(conn: Connection, tahun: int | None = None) -> list[Sasaran]:
    q = sa.select(skp_sasaran).order_by(skp_sasaran.c.unit, skp_sasaran.c.kode)
    if tahun:
        q = q.where(skp_sasaran.c.tahun == tahun)
    return [Sasaran(r.unit, r.tahun, r.kode, r.teks, r.indikator, r.target) for r in conn.execute(q)]


def known(conn: Connection) -> Known:
    k = Known(units=units(conn), pegawai=pegawai(conn))
    q = sa.select(skp_skp.c.nip, skp_skp.c.tahun, skp_rhk.c.kode).join(skp_rhk, skp_rhk.c.skp_id == skp_skp.c.id)
    for r in conn.execute(q):
        k.rhk.setdefault((r.nip, r.tahun), set()).add(r.kode)
    for r in conn.execute(sa.select(skp_skp.c.nip, skp_skp.c.tahun)):
        k.rhk.setdefault((r.nip, r.tahun), set())
    for s in sasaran(conn):
        k.sasaran.setdefault((s.unit, s.tahun), set()).add(s.kode)
    return k


def resolve_units(conn: Connection, unit: str) -> list[str]:
    """Unit codes for ``unit`` (a kode or a name, any case) and all its sub-units."""
    all_units = units(conn)
    key = unit.strip().casefold()
    roots = [u.kode for u in all_units.values() if key in (u.kode.casefold(), u.nama.casefold())]
    out: list[str] = []
    stack = list(roots)
    while stack:
        cur = stack.pop()
        if cur in out:
            continue
        out.append(cur)
        stack.extend(u.kode for u in all_units.values() if u.induk == cur)
    return out


def nips_of_unit(archive: Archive, unit: str) -> list[str]:
    """NIPs of the pegawai of a unit kerja (kode or name) and its sub-units (used by export --unit)."""
    with archive.catalog.read() as conn:
        codes = resolve_units(conn, unit)
        if not codes:
            return []
        q = sa.select(skp_pegawai.c.nip).where(skp_pegawai.c.unit.in_(codes))
        q2 = sa.select(skp_skp.c.nip).where(skp_skp.c.unit.in_(codes))
        return sorted({r[0] for r in conn.execute(q)} | {r[0] for r in conn.execute(q2)})
