"""The SKP source of the documents, backed by the SKP model's tables (archiver.skp).

``CatalogSkpSource(archive)`` (``catalog_source``) maps what ``archiver skp import`` stored
(``archiver.catalog.skp``) to the documents' ``SkpData``:

* pegawai, pejabat penilai and atasan pejabat penilai: the snapshots taken when the SKP was set;
* RHK (utama/tambahan) with the text of the leader's RHK they intervene. When the leader's SKP
  is a JPT's, its indicator and target are written with it (the form's footnote (*));
  indicators with aspek (JA/JF) or perspektif (JPT) and their targets as written;
* the seven BerAKHLAK values with their guidance (``archiver.skp.master``) and the
  ekspektasi khusus pimpinan of this SKP;
* the lampiran lists (dukungan sumber daya, skema pertanggungjawaban, konsekuensi).

A unit is named by its kode or its name (any case); ``unit_nips`` includes its sub-units,
and ``unit`` gives the names a capaian kinerja organisasi record may use for it and its
parents, nearest first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalog import skp as q
from ..skp import master
from ..skp import model as m
from .skpdata import Indikator, PerilakuSkp, Person, Rhk, SkpData, SkpSource, UnitRef

if TYPE_CHECKING:
    from ..archive import Archive


def _person(p: m.Pejabat | None) -> Person | None:
    if p is None:
        return None
    return Person(nama=p.nama, nip=p.nip, pangkat=p.pangkat_golongan, jabatan=p.jabatan, unit_kerja=p.unit_kerja)


def _target(t: m.Target) -> str:
    return str(t) or t.teks


def _leader_text(r: m.Rhk, leader: m.Skp | None) -> str:
    """The intervened leader RHK as printed; a JPT leader's RHK with its indicator(s) and target."""
    if not r.rhk_pimpinan:
        return ""
    text = r.rhk_pimpinan_teks or r.rhk_pimpinan
    if leader is not None and leader.jpt:
        lr = leader.find_rhk(r.rhk_pimpinan)
        if lr is not None and lr.indikator:
            text += "\n" + "; ".join(f"IKI: {i.teks} (target {_target(i.target)})" for i in lr.indikator)
    return text


def to_skpdata(skp: m.Skp, leader: m.Skp | None = None) -> SkpData:
    """The documents' view of one SKP (``leader``: the pejabat penilai's SKP of the same year, if any)."""
    rhk = tuple(
        Rhk(kode=r.kode, teks=r.teks, jenis=r.jenis, pimpinan=_leader_text(r, leader), penugasan=r.penugasan_dari,
            indikator=tuple(Indikator(kode=i.kode, teks=i.teks, target=_target(i.target), aspek=i.aspek,
                                      perspektif=i.perspektif) for i in r.indikator))
        for r in skp.rhk)
    ekspektasi = {p.nilai: p.ekspektasi for p in skp.perilaku}
    perilaku = tuple(PerilakuSkp(v.nilai, v.nama, v.panduan, ekspektasi.get(v.nilai, "")) for v in master.BERAKHLAK)
    lamp = skp.lampiran
    return SkpData(
        instansi=skp.instansi, unit=skp.unit, tahun=skp.tahun,
        pegawai=_person(skp.pegawai) or Person(nama="", nip=skp.nip),
        penilai=_person(skp.penilai) or Person(nama=""), atasan_penilai=_person(skp.atasan_penilai),
        pendekatan=skp.pendekatan, jpt=skp.jpt, awal=skp.start, akhir=skp.end, rhk=rhk, perilaku=perilaku,
        lampiran={"dukungan_sumber_daya": lamp.dukungan_sumber_daya,
                  "skema_pertanggungjawaban": lamp.skema_pertanggungjawaban, "konsekuensi": lamp.konsekuensi},
        tempat=skp.tempat, tanggal=skp.tanggal)


class CatalogSkpSource:
    """SKPs as imported into the archive's catalog (``archiver skp import``)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def skp(self, nip: str, tahun: int) -> SkpData | None:
        with self.archive.catalog.read() as conn:
            found = q.load_skps(conn, nip=nip, tahun=tahun)
            if not found:
                return None
            skp = found[0]
            leader = None
            if skp.penilai.nip and any(r.rhk_pimpinan for r in skp.rhk):
                leaders = q.load_skps(conn, nip=skp.penilai.nip, tahun=tahun)
                leader = leaders[0] if leaders else None
        return to_skpdata(skp, leader)

    def unit_nips(self, unit: str, tahun: int) -> list[str]:
        """NIPs with an SKP of ``tahun`` in the unit (kode or name) or any of its sub-units."""
        return q.skp_nips_of_unit(self.archive.catalog, unit, tahun)

    def unit(self, unit: str) -> UnitRef | None:
        """The unit named by kode or name: its kode, name, and the names of it and its parents."""
        key = unit.strip().casefold()
        with self.archive.catalog.read() as conn:
            units = q.units(conn)
        u = next((u for u in units.values() if key in (u.kode.casefold(), u.nama.casefold())), None)
        if u is None:
            return None
        names: list[str] = []
        cur: m.UnitKerja | None = u
        while cur is not None and cur.nama not in names:
            names += [cur.nama, cur.kode]
            cur = units.get(cur.induk) if cur.induk else None
        return UnitRef(kode=u.kode, nama=u.nama, names=tuple(names))

    def indicators(self, nip: str, tahun: int) -> set[tuple[str, str]] | None:
        """The (RHK, IKI) codes of the SKP of (nip, tahun); None when there is no such SKP."""
        return q.indicator_codes(self.archive.catalog, nip, tahun)

    def unit_known(self, unit: str) -> bool:
        return self.unit(unit) is not None


def catalog_source(archive: Archive) -> SkpSource:
    """The SKP source backed by the SKP model's tables (archiver.skp): what real code uses."""
    return CatalogSkpSource(archive)
