"""NIP (PNS) and NI PPPK: 18-digit identifiers, always strings (skp-reference §7.1)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from .i18n import deferred, render

_SEPARATORS = re.compile(r"[\s.\-]")


class NipError(ValueError):
    """The NIP is malformed; the message says what is wrong in plain words (in the reader's
    language; ``stored`` is the same message to store and show later, see ``i18n.deferred``)."""

    def __init__(self, stored: str) -> None:
        super().__init__(render(stored))
        self.stored = stored


@dataclass(frozen=True)
class Nip:
    nip: str
    jenis: str  # "PNS" or "PPPK"
    tgl_lahir: dt.date
    tahun_pengangkatan: int
    bulan_tmt: int | None
    jk: str  # "L" or "P"
    urut: int

    def formatted(self) -> str:
        """Printed form with spaces: ``19860926 201505 1 001``."""
        s = self.nip
        return f"{s[:8]} {s[8:14]} {s[14]} {s[15:]}"


def normalize_nip(raw: str) -> str:
    """Strip the spaces, dots and dashes people type inside a NIP; full-width digits
    (``１９８５…``, typed with an East Asian keyboard) become ASCII digits."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))


def parse_nip(raw: str, jenis: str | None = None) -> Nip:
    """Parse and check a NIP; ``jenis`` ("PNS"/"PPPK") from HR master data wins over the guess.

    Raises NipError with a reason a staff member understands.
    """
    s = normalize_nip(raw)
    if not (s.isascii() and s.isdigit()):
        raise NipError(deferred("NIP {nip} must contain digits 0-9 only", nip=repr(raw)))
    if len(s) != 18:
        raise NipError(deferred("NIP {nip} has {n} digits; a NIP has exactly 18", nip=repr(raw), n=len(s)))
    try:
        born = dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        raise NipError(deferred("NIP {nip}: digits 1-8 ({digits}) are not a real birth date (YYYYMMDD)", nip=s,
                                digits=s[:8])) from None
    if s[14] not in "12":
        raise NipError(deferred("NIP {nip}: digit 15 must be 1 (laki-laki) or 2 (perempuan), not {digit}", nip=s,
                                digit=s[14]))
    if s[15:] == "000":
        raise NipError(deferred("NIP {nip}: the sequence number (digits 16-18) starts at 001", nip=s))
    year, mm = int(s[8:12]), int(s[12:14])
    kind = (jenis or ("PNS" if 1 <= mm <= 12 else "PPPK")).upper()
    if kind == "PNS" and not 1 <= mm <= 12:
        raise NipError(deferred("NIP {nip}: digits 13-14 ({digits}) must be the TMT month 01-12 for a PNS", nip=s,
                                digits=s[12:14]))
    if year < born.year + 15:
        raise NipError(deferred("NIP {nip}: appointment year {year} is before the holder could have worked (born "
                                "{born})", nip=s, year=year, born=born.year))
    return Nip(
        nip=s,
        jenis=kind,
        tgl_lahir=born,
        tahun_pengangkatan=year,
        bulan_tmt=mm if kind == "PNS" else None,
        jk="L" if s[14] == "1" else "P",
        urut=int(s[15:]),
    )
