"""Ratings and predikat (skp-reference §4.2-4.4). Pure: no I/O.

The predikat kinerja pegawai is always computed from the two ratings with the 3x3 matrix;
it is never typed in.
"""

from __future__ import annotations

import re
from enum import StrEnum

from ..i18n import _


class Rating(StrEnum):
    """Rating Hasil Kerja and Rating Perilaku Kerja share one 3-value scale."""

    DI_ATAS = "DI ATAS EKSPEKTASI"
    SESUAI = "SESUAI EKSPEKTASI"
    DI_BAWAH = "DI BAWAH EKSPEKTASI"

    @property
    def label(self) -> str:
        return self.value


class Predikat(StrEnum):
    """Predikat kinerja pegawai, declared low -> high."""

    SANGAT_KURANG = "SANGAT KURANG"
    KURANG = "KURANG/MISCONDUCT"
    BUTUH_PERBAIKAN = "BUTUH PERBAIKAN"
    BAIK = "BAIK"
    SANGAT_BAIK = "SANGAT BAIK"

    @property
    def rank(self) -> int:
        return list(Predikat).index(self)

    @property
    def key(self) -> str:
        """Stable lower-case key (TOML keys, JSON): sangat_baik, kurang, ..."""
        return self.name.lower()

    @property
    def label(self) -> str:
        """As printed in documents: Sangat Baik, Kurang/Misconduct, ..."""
        return "Kurang/Misconduct" if self is Predikat.KURANG else self.value.title()


class OrgPredikat(StrEnum):
    """Predikat kinerja organisasi (capaian kinerja organisasi), high -> low."""

    ISTIMEWA = "ISTIMEWA"
    BAIK = "BAIK"
    BUTUH_PERBAIKAN = "BUTUH PERBAIKAN"
    KURANG = "KURANG"
    SANGAT_KURANG = "SANGAT KURANG"

    @property
    def label(self) -> str:
        return self.value.title()


#: (rating hasil kerja, rating perilaku kerja) -> predikat (§4.3).
MATRIX: dict[tuple[Rating, Rating], Predikat] = {
    (Rating.DI_ATAS, Rating.DI_BAWAH): Predikat.KURANG,
    (Rating.DI_ATAS, Rating.SESUAI): Predikat.BAIK,
    (Rating.DI_ATAS, Rating.DI_ATAS): Predikat.SANGAT_BAIK,
    (Rating.SESUAI, Rating.DI_BAWAH): Predikat.KURANG,
    (Rating.SESUAI, Rating.SESUAI): Predikat.BAIK,
    (Rating.SESUAI, Rating.DI_ATAS): Predikat.BAIK,
    (Rating.DI_BAWAH, Rating.DI_BAWAH): Predikat.SANGAT_KURANG,
    (Rating.DI_BAWAH, Rating.SESUAI): Predikat.BUTUH_PERBAIKAN,
    (Rating.DI_BAWAH, Rating.DI_ATAS): Predikat.BUTUH_PERBAIKAN,
}


def predikat(hasil_kerja: Rating, perilaku_kerja: Rating) -> Predikat:
    """The predikat kinerja pegawai for two ratings (poor behaviour caps at Kurang/Misconduct)."""
    return MATRIX[(hasil_kerja, perilaku_kerja)]


def _squash(raw: str) -> str:
    return re.sub(r"[\s_\-./]+", " ", raw.strip().upper()).strip()


_RATING_WORDS = {"ATAS": Rating.DI_ATAS, "SESUAI": Rating.SESUAI, "BAWAH": Rating.DI_BAWAH}


def parse_rating(raw: object) -> Rating:
    """'Di atas ekspektasi', 'DI_ATAS', 'atas' -> Rating.DI_ATAS. ValueError names what to write."""
    s = _squash(str(raw or ""))
    for word, rating in _RATING_WORDS.items():
        if s in (rating.value, word, f"DI {word}", rating.name.replace("_", " ")):
            return rating
    raise ValueError(_("{value!r} is not a rating; write one of: {choices}").format(
        value=str(raw), choices=", ".join(r.value for r in Rating)))


_ORG_ALIASES = {"BUTUH PERBAIKAN CUKUP": OrgPredikat.BUTUH_PERBAIKAN, "CUKUP": OrgPredikat.BUTUH_PERBAIKAN}


def parse_org_predikat(raw: object) -> OrgPredikat:
    s = _squash(str(raw or ""))
    for p in OrgPredikat:
        if s == p.value:
            return p
    if s in _ORG_ALIASES:
        return _ORG_ALIASES[s]
    raise ValueError(_("{value!r} is not a predikat kinerja organisasi; write one of: {choices}").format(
        value=str(raw), choices=", ".join(p.value for p in OrgPredikat)))


def parse_predikat(raw: object) -> Predikat:
    s = _squash(str(raw or ""))
    for p in Predikat:
        if s in (_squash(p.value), p.name.replace("_", " ")):
            return p
    if s == "KURANG":
        return Predikat.KURANG
    raise ValueError(_("{value!r} is not a predikat; write one of: {choices}").format(
        value=str(raw), choices=", ".join(p.value for p in Predikat)))
