"""Evaluation periods as they appear in folder names, normalised.

Canonical forms: ``TW1``..``TW4`` (triwulan), ``01``..``12`` (month), ``TAHUNAN`` (the year).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

QUARTERS = ("TW1", "TW2", "TW3", "TW4")
MONTHS = tuple(f"{m:02d}" for m in range(1, 13))
ANNUAL = "TAHUNAN"
ALL = QUARTERS + MONTHS + (ANNUAL,)

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_MONTH_NAMES = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "pebruari": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "nop": 11, "desember": 12, "des": 12,
}
_QUARTER = re.compile(r"^(?:tw|triwulan|q)[\s_\-]*(\d|i{1,3}|iv)$", re.IGNORECASE)
_MONTH = re.compile(r"^(?:(\d{1,2})(?:[\s_\-]+([a-z]+))?|([a-z]+))$", re.IGNORECASE)


def normalize_periode(raw: str) -> str | None:
    """Return the canonical periode for a folder name, or None when it is not one.

    >>> normalize_periode("Triwulan II"), normalize_periode("3"), normalize_periode("tahunan")
    ('TW2', '03', 'TAHUNAN')
    """
    s = unicodedata.normalize("NFKC", raw).strip()  # full-width ＴＷ１ is TW1
    if s.upper() in (ANNUAL, "TAHUN", "AKHIR", "ANNUAL"):
        return ANNUAL
    m = _QUARTER.match(s)
    if m:
        q = m.group(1).upper()
        n = int(q) if q.isdigit() else _ROMAN[q]
        return f"TW{n}" if 1 <= n <= 4 else None
    m = _MONTH.match(s)
    if m:
        if m.group(1):
            n = int(m.group(1))
            name = m.group(2)
            if name and _MONTH_NAMES.get(name.lower()) != n:
                return None
        else:
            n = _MONTH_NAMES.get(m.group(3).lower(), 0)
        return f"{n:02d}" if 1 <= n <= 12 else None
    return None


def quarter_of(periode: str) -> str | None:
    """The triwulan a canonical periode falls in (a month's quarter, a quarter itself)."""
    if periode in QUARTERS:
        return periode
    if periode in MONTHS:
        return f"TW{(int(periode) - 1) // 3 + 1}"
    return None


def span(periode: str, tahun: int) -> tuple[dt.date, dt.date]:
    """The first and last day a canonical periode covers in ``tahun`` (TAHUNAN: the whole year)."""
    if periode in QUARTERS:
        q = int(periode[2])
        first = dt.date(tahun, 3 * q - 2, 1)
        last = dt.date(tahun, 12, 31) if q == 4 else dt.date(tahun, 3 * q + 1, 1) - dt.timedelta(days=1)
        return first, last
    if periode in MONTHS:
        m = int(periode)
        last = dt.date(tahun, 12, 31) if m == 12 else dt.date(tahun, m + 1, 1) - dt.timedelta(days=1)
        return dt.date(tahun, m, 1), last
    return dt.date(tahun, 1, 1), dt.date(tahun, 12, 31)


def overlaps(days: tuple[dt.date, dt.date], start: dt.date, end: dt.date) -> bool:
    """Whether the days ``(first, last)`` share at least one day with ``start``..``end``."""
    return days[0] <= end and days[1] >= start
