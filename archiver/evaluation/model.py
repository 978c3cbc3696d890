"""Evaluation records as plain, validated dataclasses (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..i18n import _
from .rules import OrgPredikat, Predikat, Rating, predikat

#: The seven BerAKHLAK core values, numbered as printed on the SKP (§3.4).
BERAKHLAK: tuple[str, ...] = ("Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis", "Loyal", "Adaptif",
                              "Kolaboratif")


def parse_perilaku(raw: object) -> int:
    """'Akuntabel', '2', 2 -> 2 (the number of the core value). ValueError names what to write."""
    s = str(raw if raw is not None else "").strip()
    if s.isdigit() and 1 <= int(s) <= len(BERAKHLAK):
        return int(s)
    for i, name in enumerate(BERAKHLAK, 1):
        if s.casefold() == name.casefold():
            return i
    raise ValueError(_("{value!r} is not a BerAKHLAK core value; write one of: {choices} (or its number 1-7)")
                     .format(value=s, choices=", ".join(BERAKHLAK)))


@dataclass(frozen=True)
class Realisasi:
    rhk: str  # RHK-01 (as in the SKP and the evidence folders)
    iki: str  # IKI-01
    realisasi: str
    umpan_balik: str = ""


@dataclass(frozen=True)
class UmpanBalikPerilaku:
    nilai: int  # 1..7, see BERAKHLAK
    umpan_balik: str

    @property
    def nama(self) -> str:
        return BERAKHLAK[self.nilai - 1]


@dataclass(frozen=True)
class Evaluasi:
    nip: str
    tahun: int
    periode: str  # TW1..TW4, 01..12, TAHUNAN
    rating_hasil_kerja: Rating
    rating_perilaku: Rating
    catatan: str = ""
    realisasi: tuple[Realisasi, ...] = ()
    perilaku: tuple[UmpanBalikPerilaku, ...] = ()

    @property
    def predikat(self) -> Predikat:
        """Always computed from the two ratings (§4.3), never stored as typed."""
        return predikat(self.rating_hasil_kerja, self.rating_perilaku)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.nip, self.tahun, self.periode)

    def as_dict(self) -> dict[str, Any]:
        return {"nip": self.nip, "tahun": self.tahun, "periode": self.periode,
                "rating_hasil_kerja": self.rating_hasil_kerja.value, "rating_perilaku": self.rating_perilaku.value,
                "predikat": self.predikat.value, "catatan": self.catatan,
                "realisasi": [r.__dict__ for r in self.realisasi],
                "perilaku": [{"nilai": p.nilai, "perilaku": p.nama, "umpan_balik": p.umpan_balik}
                             for p in self.perilaku]}


@dataclass(frozen=True)
class CapaianOrganisasi:
    unit: str
    tahun: int
    periode: str
    predikat: OrgPredikat
    dasar: str = ""
    penetap_nama: str = ""
    penetap_nip: str = ""
    penetap_jabatan: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "predikat": self.predikat.value}


@dataclass
class EvaluationImport:
    """What one workbook or JSON file holds, after validation."""

    evaluasi: list[Evaluasi] = field(default_factory=list)
    capaian: list[CapaianOrganisasi] = field(default_factory=list)
