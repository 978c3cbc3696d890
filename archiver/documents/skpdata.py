"""What the documents need from an SKP, as plain dataclasses, and where it comes from.

``SkpData`` is the documents' view of one pegawai's SKP for a year (identity snapshots,
RHK with indicators, BerAKHLAK expectations, lampiran). ``SkpSource`` supplies it; the
catalog-backed source (``skp_adapter.catalog_source``) reads the SKP model's tables
(archiver.skp), so documents never depend on how the SKP is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Person:
    nama: str
    nip: str = ""  # optional for a penilai/atasan without NIP (minister, regional head)
    pangkat: str = ""
    jabatan: str = ""
    unit_kerja: str = ""


@dataclass(frozen=True)
class Indikator:
    kode: str  # IKI-01
    teks: str
    target: str
    aspek: str = ""  # Kuantitas/Kualitas/Waktu/Biaya (kuantitatif)
    perspektif: str = ""  # JPT


@dataclass(frozen=True)
class Rhk:
    kode: str  # RHK-01
    teks: str
    jenis: str = "UTAMA"  # UTAMA | TAMBAHAN
    pimpinan: str = ""  # RHK pimpinan yang diintervensi
    penugasan: str = ""  # penugasan dari
    indikator: tuple[Indikator, ...] = ()


@dataclass(frozen=True)
class PerilakuSkp:
    nilai: int  # 1..7
    nama: str
    panduan: tuple[str, ...]
    ekspektasi: str = ""


@dataclass(frozen=True)
class SkpData:
    instansi: str
    unit: str  # the unit kerja the SKP belongs to: its kode in the SKP model (what --unit selects)
    tahun: int
    pegawai: Person
    penilai: Person
    atasan_penilai: Person | None = None
    pendekatan: str = "KUANTITATIF"  # KUANTITATIF | KUALITATIF
    jpt: bool = False  # JPT / pimpinan unit kerja mandiri form
    awal: dt.date | None = None
    akhir: dt.date | None = None
    rhk: tuple[Rhk, ...] = ()
    perilaku: tuple[PerilakuSkp, ...] = ()
    lampiran: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tempat: str = ""
    tanggal: dt.date | None = None


@dataclass(frozen=True)
class UnitRef:
    """A unit kerja as the documents name it: ``kode`` (file names, records), ``nama`` (printed),
    and ``names``: the names and codes of the unit and its parents, nearest first, which a
    capaian kinerja organisasi record may use (a bidang without its own record takes its dinas's)."""

    kode: str
    nama: str
    names: tuple[str, ...] = ()


class SkpSource(Protocol):
    def skp(self, nip: str, tahun: int) -> SkpData | None: ...
    def unit_nips(self, unit: str, tahun: int) -> list[str]: ...
    def unit(self, unit: str) -> UnitRef | None: ...
