"""Queries of the SKP tables (migration 0003_skp) and of the submissions SKP resolution judges.

* saving an import (``save_bundle``): idempotent, as each SKP carries the hash of its
  content and a unit, pegawai or SKP whose content did not change is not written again,
  so importing the same file twice changes nothing;
* reading SKPs back as model objects (``load_skps``), with the master data (units,
  pegawai, sasaran) and what validation checks against (``known``);
* the performance tree's links (pejabat penilai per SKP) and the unit tree;
* the submissions resolution and coverage judge, and the status changes resolution makes;
* the relevance cache (``skp_relevance``).

Functions taking a ``Connection`` run inside the caller's transaction (resolution records
its custody events in the same one); functions taking a ``Catalog`` open their own snapshot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Row

from ..evidence import EvidenceKey
from ..skp.model import (
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
from ..skp.validate import Known
from . import Catalog, dumps
from .schema import (
    _PERSON,
    STORED,
    file_state,
    skp_indikator,
    skp_pegawai,
    skp_perilaku,
    skp_relevance,
    skp_rencana,
    skp_rhk,
    skp_sasaran,
    skp_skp,
    skp_unit,
    submissions,
)


def content_hash(obj: Any) -> str:
    """SHA-256 of the canonical JSON of a model dataclass (what makes saving idempotent)."""
    return hashlib.sha256(dumps(dataclasses.asdict(obj)).encode("utf-8")).hexdigest()


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# --------------------------------------------------------------------------- saving an import

def _counts() -> dict[str, int]:
    return {"new": 0, "updated": 0, "unchanged": 0}


@dataclass
class SaveReport:
    units: dict[str, int] = field(default_factory=_counts)
    pegawai: dict[str, int] = field(default_factory=_counts)
    sasaran: dict[str, int] = field(default_factory=_counts)
    skp: dict[str, int] = field(default_factory=_counts)
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
        skp_id = _new_id(conn.execute(skp_skp.insert().values(**values)))
        rep.skp["new"] += 1
    else:
        skp_id = int(row.id)
        _delete_children(conn, skp_id)
        conn.execute(skp_skp.update().where(skp_skp.c.id == skp_id).values(**values))
        rep.skp["updated"] += 1
    rep.changed_skp.append((s.nip, s.tahun))
    for n, r in enumerate(s.rhk, 1):
        rhk_id = _new_id(conn.execute(skp_rhk.insert().values(
            skp_id=skp_id, urut=n, kode=r.kode, jenis=r.jenis, teks=r.teks, rhk_pimpinan=r.rhk_pimpinan,
            penugasan_dari=r.penugasan_dari)))
        for m, i in enumerate(r.indikator, 1):
            iki_id = _new_id(conn.execute(skp_indikator.insert().values(
                skp_id=skp_id, rhk_id=rhk_id, urut=m, kode=i.kode, teks=i.teks, aspek=i.aspek,
                perspektif=i.perspektif, target_teks=i.target.teks, target_nilai=i.target.nilai,
                target_maks=i.target.nilai_maks, satuan=i.target.satuan)))
            for plan in i.rencana:
                conn.execute(skp_rencana.insert().values(indikator_id=iki_id, periode=plan.periode,
                                                         jenis_bukti=";".join(plan.jenis_bukti), jumlah=plan.jumlah,
                                                         rencana_aksi=plan.rencana_aksi))
    for beh in s.perilaku:
        conn.execute(skp_perilaku.insert().values(skp_id=skp_id, nilai=beh.nilai, ekspektasi=beh.ekspektasi))


def _delete_children(conn: Connection, skp_id: int) -> None:
    ids = sa.select(skp_indikator.c.id).where(skp_indikator.c.skp_id == skp_id)
    conn.execute(skp_rencana.delete().where(skp_rencana.c.indikator_id.in_(ids)))
    conn.execute(skp_indikator.delete().where(skp_indikator.c.skp_id == skp_id))
    conn.execute(skp_rhk.delete().where(skp_rhk.c.skp_id == skp_id))
    conn.execute(skp_perilaku.delete().where(skp_perilaku.c.skp_id == skp_id))


# --------------------------------------------------------------------------- reading SKPs

def _date(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def _pejabat(row: Any, prefix: str) -> Pejabat | None:
    nama = getattr(row, f"{prefix}_nama")
    if not nama:
        return None
    return Pejabat(nama=nama, nip=getattr(row, f"{prefix}_nip") or "",
                   pangkat_golongan=getattr(row, f"{prefix}_pangkat") or "",
                   jabatan=getattr(row, f"{prefix}_jabatan") or "", unit_kerja=getattr(row, f"{prefix}_unit") or "")


def has_skp(conn: Connection, *, nip: str, tahun: int) -> bool:
    """Whether an SKP of this pegawai and year is imported (one indexed lookup)."""
    q = sa.select(skp_skp.c.id).where(skp_skp.c.nip == nip, skp_skp.c.tahun == tahun).limit(1)
    return conn.execute(q).first() is not None


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
    for b in conn.execute(sa.select(skp_perilaku).where(skp_perilaku.c.skp_id.in_(ids))
                          .order_by(skp_perilaku.c.nilai)):
        beh.setdefault(b.skp_id, []).append(Perilaku(b.nilai, b.ekspektasi))
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


def load_skp(catalog: Catalog, nip: str, tahun: int) -> Skp | None:
    """The SKP of (nip, tahun), or None when it is not imported."""
    with catalog.read() as conn:
        found = load_skps(conn, nip=nip, tahun=tahun)
    return found[0] if found else None


def has_skp_from(catalog: Catalog, source: str) -> bool:
    """Whether any SKP was imported from ``source`` (a file name, or ``demo``)."""
    with catalog.read() as conn:
        return conn.execute(sa.select(skp_skp.c.id).where(skp_skp.c.source == source).limit(1)).first() is not None


def indicator_codes(catalog: Catalog, nip: str, tahun: int) -> set[tuple[str, str]] | None:
    """The (RHK, IKI) codes of the SKP of (nip, tahun); None when there is no such SKP."""
    with catalog.read() as conn:
        head = conn.execute(sa.select(skp_skp.c.id).where(skp_skp.c.nip == nip, skp_skp.c.tahun == tahun)).first()
        if head is None:
            return None
        q = (sa.select(skp_rhk.c.kode, skp_indikator.c.kode)
             .join(skp_indikator, skp_indikator.c.rhk_id == skp_rhk.c.id)
             .where(skp_rhk.c.skp_id == head.id))
        return {(str(r[0]), str(r[1])) for r in conn.execute(q)}


# --------------------------------------------------------------------------- master data and units

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
    """What an import is validated against: units, pegawai, RHK codes per SKP, sasaran codes."""
    k = Known(units=units(conn), pegawai=pegawai(conn))
    q = sa.select(skp_skp.c.nip, skp_skp.c.tahun, skp_rhk.c.kode).join(skp_rhk, skp_rhk.c.skp_id == skp_skp.c.id)
    for r in conn.execute(q):
        k.rhk.setdefault((r.nip, r.tahun), set()).add(r.kode)
    for head in conn.execute(sa.select(skp_skp.c.nip, skp_skp.c.tahun)):
        k.rhk.setdefault((head.nip, head.tahun), set())
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


def nips_of_unit(catalog: Catalog, unit: str) -> list[str]:
    """NIPs of the pegawai of a unit kerja (kode or name) and its sub-units, or with an SKP there."""
    with catalog.read() as conn:
        codes = resolve_units(conn, unit)
        if not codes:
            return []
        q = sa.select(skp_pegawai.c.nip).where(skp_pegawai.c.unit.in_(codes))
        q2 = sa.select(skp_skp.c.nip).where(skp_skp.c.unit.in_(codes))
        return sorted({r[0] for r in conn.execute(q)} | {r[0] for r in conn.execute(q2)})


def skp_nips_of_unit(catalog: Catalog, unit: str, tahun: int) -> list[str]:
    """NIPs with an SKP of ``tahun`` in the unit (kode or name) or any of its sub-units; a unit
    unknown to the unit table is matched by the SKPs' unit code (any case)."""
    with catalog.read() as conn:
        codes = resolve_units(conn, unit)
        where = skp_skp.c.unit.in_(codes) if codes else sa.func.lower(skp_skp.c.unit) == unit.strip().lower()
        return sorted(r[0] for r in conn.execute(sa.select(skp_skp.c.nip).where(skp_skp.c.tahun == tahun, where)))


# --------------------------------------------------------------------------- the performance tree

def penilai_links(catalog: Catalog) -> list[tuple[int, str | None, str]]:
    """(tahun, pejabat penilai's NIP, pegawai's NIP) of every SKP."""
    with catalog.read() as conn:
        rows = conn.execute(sa.select(skp_skp.c.tahun, skp_skp.c.penilai_nip, skp_skp.c.nip))
        return [(int(t), boss, str(staff)) for t, boss, staff in rows]


def newest_skp_years(catalog: Catalog, nips: Iterable[str]) -> dict[str, int]:
    """NIP -> the newest year it has an SKP for (NIPs without any SKP are left out)."""
    q = (sa.select(skp_skp.c.nip, sa.func.max(skp_skp.c.tahun))
         .where(skp_skp.c.nip.in_(sorted(nips))).group_by(skp_skp.c.nip))
    with catalog.read() as conn:
        return {str(n): int(t) for n, t in conn.execute(q)}


def skp_heads(catalog: Catalog, *, nip: str | None = None, tahun: int | None = None) -> list[tuple[str, int, str]]:
    """(NIP, tahun, the pegawai's name as imported) of every SKP, optionally of one NIP or year; by name."""
    q = sa.select(skp_skp.c.nip, skp_skp.c.tahun, skp_skp.c.pegawai_nama)
    if nip:
        q = q.where(skp_skp.c.nip == nip)
    if tahun:
        q = q.where(skp_skp.c.tahun == tahun)
    with catalog.read() as conn:
        rows = [(str(n), int(t), str(nama or n)) for n, t, nama in conn.execute(q)]
    return sorted(rows, key=lambda r: (r[2].lower(), r[0], r[1]))


# --------------------------------------------------------------------------- submissions resolution judges

def linked_submissions(conn: Connection, nip: str, tahun: int) -> list[Row[Any]]:
    """Every stored submission of (nip, tahun) filed under an RHK or IKI code."""
    return list(conn.execute(sa.select(submissions).where(
        submissions.c.nip == nip, submissions.c.tahun == tahun, submissions.c.status.in_(STORED),
        sa.or_(submissions.c.rhk.is_not(None), submissions.c.iki.is_not(None)))).all())


def current_submissions(conn: Connection, *, nips: Iterable[str] | None = None,
                        tahun: int | None = None) -> list[Row[Any]]:
    """The live, stored submission of every file in the shares (latest version, not removed)."""
    q = (sa.select(submissions).join(file_state, file_state.c.submission_id == submissions.c.id)
         .where(submissions.c.status.in_(STORED), submissions.c.removed_at.is_(None)))
    if nips is not None:
        q = q.where(submissions.c.nip.in_(list(nips)))
    if tahun:
        q = q.where(submissions.c.tahun == tahun)
    return list(conn.execute(q.order_by(submissions.c.id)))


def stored_before(conn: Connection, sha256: str, submission_id: int) -> bool:
    """Whether an earlier submission holds the same bytes as evidence (this one is then a duplicate)."""
    return conn.execute(sa.select(submissions.c.id).where(
        submissions.c.sha256 == sha256, submissions.c.id < submission_id,
        submissions.c.status.in_(STORED)).limit(1)).first() is not None


def set_unlinked(conn: Connection, submission_id: int, reason_code: str, reason: str | None) -> None:
    """The submission's link does not resolve: unlinked, with the reason."""
    conn.execute(submissions.update().where(submissions.c.id == submission_id).values(
        status="unlinked", reason_code=reason_code, reason=reason, link_problem=reason))


def set_link_reason(conn: Connection, submission_id: int, reason: str | None) -> None:
    """An unlinked submission's reason changed (the SKP changed, the code is still missing)."""
    conn.execute(submissions.update().where(submissions.c.id == submission_id).values(reason=reason,
                                                                                     link_problem=reason))


def set_link(conn: Connection, submission_id: int, key: EvidenceKey | None, *, status: str,
             reason_code: str | None, reason: str | None) -> None:
    """A submission's status after its link resolved, and its new link (``key``) when it was relinked."""
    conn.execute(submissions.update().where(submissions.c.id == submission_id).values(
        **(key.columns() if key is not None else {}), status=status, reason_code=reason_code, reason=reason,
        link_problem=None))


# --------------------------------------------------------------------------- relevance cache

def relevance_cache(conn: Connection) -> dict[int, Any]:
    """submission id -> its cached relevance (link_key, score, best, best_score)."""
    return {int(r.submission_id): r for r in conn.execute(sa.select(skp_relevance))}


def save_relevance(catalog: Catalog, fresh: Sequence[dict[str, Any]]) -> None:
    """Replace the cached relevance of these submissions."""
    if not fresh:
        return
    with catalog.begin() as conn:
        conn.execute(skp_relevance.delete().where(
            skp_relevance.c.submission_id.in_([f["submission_id"] for f in fresh])))
        conn.execute(skp_relevance.insert(), list(fresh))
