"""The SKP data model (PermenPANRB 6/2022; skp-reference §2-§3). Pure dataclasses, no I/O.

    UnitKerja ─ tree of OPD and sub-units (``induk`` = parent kode)
    Pegawai   ─ NIP, nama, pangkat/golongan, jabatan, jenis jabatan, unit
    Sasaran   ─ organisation sasaran (+ indicator, target) of a unit for a year: the top of the tree
    Skp       ─ one pegawai, one year
     ├─ pegawai / penilai / atasan_penilai: Pejabat snapshots taken when the SKP was set
     ├─ rhk: Rhk (UTAMA|TAMBAHAN, rhk_pimpinan = the leader's RHK code it intervenes,
     │        or for a JPT the kode of an organisation Sasaran)
     │    └─ indikator: Indikator (aspek for JA/JF kuantitatif, perspektif for JPT) + Target
     │         └─ rencana: RencanaBukti per periode (rencana aksi + the kinds of evidence expected)
     ├─ perilaku: the 7 BerAKHLAK values with ekspektasi khusus pimpinan (guidance text: master.py)
     ├─ lampiran: dukungan sumber daya, skema pertanggungjawaban, konsekuensi
     └─ periode: the evaluation periods (TW1..TW4, months, TAHUNAN); what an evaluation
        records per periode, the rating matrix and the distribution rules live in archiver.evaluation.

Codes: RHK ``RHK-01``, indicators ``IKI-01`` (unique within one SKP, so a folder named
``IKI-02`` alone finds its RHK), sasaran ``SS-01``. NIP is always an 18-digit string.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# --------------------------------------------------------------------------- enumerations

JENIS_JABATAN = ("JPT", "ADMINISTRATOR", "PENGAWAS", "PELAKSANA", "FUNGSIONAL")
JENIS_PEGAWAI = ("PNS", "PPPK")
PENDEKATAN = ("KUANTITATIF", "KUALITATIF")
JENIS_RHK = ("UTAMA", "TAMBAHAN")
ASPEK = ("Kuantitas", "Kualitas", "Waktu", "Biaya")
PERSPEKTIF = ("Penerima Layanan", "Proses Bisnis", "Penguatan Internal", "Anggaran")
LAMPIRAN = ("DUKUNGAN SUMBER DAYA", "SKEMA PERTANGGUNGJAWABAN", "KONSEKUENSI")


def is_jpt(jenis_jabatan: str) -> bool:
    """JPT and pimpinan unit kerja mandiri use the JPT form (perspektif, RHK from Renstra/PK)."""
    return jenis_jabatan == "JPT"


# --------------------------------------------------------------------------- organisation

@dataclass(frozen=True)
class UnitKerja:
    kode: str  # short, stable: DISKOMINFO, DISKOMINFO-SEKRET
    nama: str  # Dinas Komunikasi dan Informatika
    induk: str | None = None  # kode of the parent unit; None for the OPD itself
    instansi: str = ""  # Pemerintah Kabupaten ...


@dataclass(frozen=True)
class Pegawai:
    nip: str  # 18 digits
    nama: str  # with gelar, as printed
    jabatan: str  # Kepala Dinas, Pranata Komputer Ahli Muda
    jenis_jabatan: str  # one of JENIS_JABATAN
    unit: str  # UnitKerja.kode
    golongan: str = ""  # normalised: III/a (PNS) or IX (PPPK)
    pangkat: str = ""  # Penata Muda (from golongan for PNS)
    jenis_pegawai: str = "PNS"  # PNS | PPPK

    @property
    def pangkat_golongan(self) -> str:
        """As printed on the SKP: ``Penata Muda, III/a`` (PPPK: ``IX``)."""
        return ", ".join(x for x in (self.pangkat, self.golongan) if x)


@dataclass(frozen=True)
class Pejabat:
    """A person as printed on the SKP, frozen at signing so history survives transfers."""

    nama: str
    nip: str = ""  # optional for a penilai without NIP (minister, regional head)
    pangkat_golongan: str = ""
    jabatan: str = ""
    unit_kerja: str = ""  # JPT penilai block: the instansi


@dataclass(frozen=True)
class Target:
    """A target: a value (``12``), a range (``90``-``100``), with a unit (``dokumen``, ``%``);
    ``teks`` keeps what was written. No value at all means the target is not measurable."""

    teks: str
    nilai: float | None = None
    nilai_maks: float | None = None  # set for a range
    satuan: str = ""

    @property
    def measurable(self) -> bool:
        return self.nilai is not None

    @property
    def is_range(self) -> bool:
        return self.nilai_maks is not None

    def __str__(self) -> str:
        if self.nilai is None:
            return self.teks
        lo = _num(self.nilai)
        value = f"{lo}-{_num(self.nilai_maks)}" if self.nilai_maks is not None else lo
        return f"{value} {self.satuan}".strip()


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}".replace(".", ",")


_TARGET = re.compile(r"^\s*(?P<lo>\d+(?:[.,]\d+)?)\s*"
                     r"(?:(?:-|–|s\.?d\.?|sampai)\s*(?P<hi>\d+(?:[.,]\d+)?))?\s*(?P<unit>.*?)\s*$", re.IGNORECASE)


def parse_target(text: str, satuan: str = "") -> Target:
    """``"12 dokumen"``, ``"90-100 %"``, ``"100"`` + satuan ``persen``; anything else is kept as text."""
    raw = (text or "").strip()
    m = _TARGET.match(raw)
    if not m:
        return Target(teks=raw, satuan=satuan.strip())
    lo = float(m.group("lo").replace(",", "."))
    hi = float(m.group("hi").replace(",", ".")) if m.group("hi") else None
    unit = (m.group("unit") or "").strip() or satuan.strip()
    return Target(teks=raw, nilai=lo, nilai_maks=hi, satuan=unit)


# --------------------------------------------------------------------------- the SKP

@dataclass(frozen=True)
class RencanaBukti:
    """The evidence plan of one indicator in one periode: the rencana aksi and which kinds
    of evidence (master.JENIS_BUKTI: Undangan, Daftar Hadir, Notulen, Laporan ...) are
    expected, at least ``jumlah`` files each."""

    periode: str  # canonical: TW1..TW4, 01..12, TAHUNAN
    jenis_bukti: tuple[str, ...] = ()
    jumlah: int = 1
    rencana_aksi: str = ""


@dataclass(frozen=True)
class Indikator:
    kode: str  # IKI-01, unique within the SKP
    teks: str
    target: Target
    aspek: str = ""  # ASPEK, for JA/JF kuantitatif
    perspektif: str = ""  # PERSPEKTIF, for JPT
    rencana: tuple[RencanaBukti, ...] = ()


@dataclass(frozen=True)
class Rhk:
    kode: str  # RHK-01
    teks: str
    jenis: str = "UTAMA"  # JENIS_RHK
    rhk_pimpinan: str = ""  # kode of the intervened leader RHK (in the penilai's SKP) or, for a JPT, a Sasaran kode
    rhk_pimpinan_teks: str = ""  # its text as printed (filled from the leader's SKP when known)
    penugasan_dari: str = ""  # "Kepala Dinas", "Bupati"
    indikator: tuple[Indikator, ...] = ()


@dataclass(frozen=True)
class Perilaku:
    nilai: int  # 1..7, order of master.BERAKHLAK
    ekspektasi: str = ""  # ekspektasi khusus pimpinan (may be empty)


@dataclass(frozen=True)
class Lampiran:
    dukungan_sumber_daya: tuple[str, ...] = ()
    skema_pertanggungjawaban: tuple[str, ...] = ()
    konsekuensi: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, tuple[str, ...]]:
        return dict(zip(LAMPIRAN, (self.dukungan_sumber_daya, self.skema_pertanggungjawaban, self.konsekuensi),
                        strict=True))


@dataclass(frozen=True)
class Skp:
    nip: str
    tahun: int
    unit: str  # UnitKerja.kode of the pegawai when the SKP was set
    jenis_jabatan: str
    pendekatan: str  # PENDEKATAN
    pegawai: Pejabat  # snapshot of the pegawai yang dinilai
    penilai: Pejabat
    atasan_penilai: Pejabat | None = None
    instansi: str = ""
    awal: dt.date | None = None  # periode penilaian, default 1 Jan
    akhir: dt.date | None = None  # default 31 Dec
    periode: tuple[str, ...] = ("TW1", "TW2", "TW3", "TW4")  # evaluation periods
    rhk: tuple[Rhk, ...] = ()
    perilaku: tuple[Perilaku, ...] = ()
    lampiran: Lampiran = field(default_factory=Lampiran)
    tempat: str = ""
    tanggal: dt.date | None = None  # date of signing

    @property
    def jpt(self) -> bool:
        return is_jpt(self.jenis_jabatan)

    @property
    def start(self) -> dt.date:
        return self.awal or dt.date(self.tahun, 1, 1)

    @property
    def end(self) -> dt.date:
        return self.akhir or dt.date(self.tahun, 12, 31)

    def indikator(self) -> list[tuple[Rhk, Indikator]]:
        return [(r, i) for r in self.rhk for i in r.indikator]

    def find_rhk(self, kode: str) -> Rhk | None:
        return next((r for r in self.rhk if r.kode.upper() == kode.upper()), None)

    def find_iki(self, kode: str) -> tuple[Rhk, Indikator] | None:
        return next(((r, i) for r, i in self.indikator() if i.kode.upper() == kode.upper()), None)


@dataclass(frozen=True)
class Sasaran:
    """An organisation sasaran (Renstra/Perjanjian Kinerja) with its indicator: what JPT RHK intervene."""

    unit: str
    tahun: int
    kode: str  # SS-01
    teks: str
    indikator: str = ""
    target: str = ""


# --------------------------------------------------------------------------- an import batch

@dataclass(frozen=True)
class SkpBundle:
    """Everything one workbook or JSON file holds: master data and SKPs."""

    units: tuple[UnitKerja, ...] = ()
    pegawai: tuple[Pegawai, ...] = ()
    sasaran: tuple[Sasaran, ...] = ()
    skp: tuple[Skp, ...] = ()
