"""The pieces SKP validation is made of: a row as read, a problem naming sheet/row/column,
repeated problems merged, what the catalog already knows, and the cell readers that record a
problem when a cell is wrong (``Ctx``). ``validate.py`` checks the whole input with them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ..i18n import _, ngettext
from ..nip import NipError, parse_nip
from ..periode import ANNUAL, MONTHS, QUARTERS, overlaps, span
from .model import Pegawai, UnitKerja
from .sheets import BY_KEY

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Row:
    """One input row: ``values`` by field key, ``cols`` the label of each field's column."""

    sheet: str  # sheet key (unit, pegawai, skp, ...)
    row: int  # workbook row number, or 1-based index in a JSON list
    values: dict[str, Any]
    cols: dict[str, str] = field(default_factory=dict)  # key -> "C" (workbook) or key (JSON)


def rows_text(rows: list[int] | tuple[int, ...]) -> str:
    """``[4, 5, 9, 10, 11]`` -> ``"4, 5, 9–11"`` (runs of three or more as a range)."""
    out: list[str] = []
    nums = sorted(set(rows))
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        if j - i >= 2:
            out.append(f"{nums[i]}–{nums[j]}")
        else:
            out.extend(str(n) for n in nums[i:j + 1])
        i = j + 1
    return ", ".join(out)


@dataclass(frozen=True)
class Problem:
    sheet: str  # sheet title as the user sees it
    row: int | None  # the first row
    column: str | None  # "C (Kode RHK)"
    message: str  # already in the reader's language
    level: str = ERROR
    rows: tuple[int, ...] = ()  # every row with this same problem (when more than one)

    def where(self) -> str:
        """``sheet 'RHK', rows 4, 5, 9–21, column C (Kode RHK)`` in the reader's language."""
        where = _("sheet '{sheet}'").format(sheet=self.sheet)
        rows = self.rows or ((self.row,) if self.row is not None else ())
        if rows:
            where += ", " + ngettext("row {rows}", "rows {rows}", len(rows)).format(rows=rows_text(rows))
        if self.column:
            where += ", " + _("column {column}").format(column=self.column)
        return where

    def describe(self, level: bool = True) -> str:
        text = f"{self.where()}: {self.message}"
        return _("WARNING {problem}").format(problem=text) if level and self.level == WARNING else text

    def __str__(self) -> str:
        return self.describe()

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "sheet": self.sheet, "row": self.row, "column": self.column,
                "message": self.message, "rows": list(self.rows or ((self.row,) if self.row is not None else ()))}


def merge_repeated(problems: list[Problem]) -> list[Problem]:
    """One problem per (sheet, column, message, level), with every row it occurs on."""
    groups: dict[tuple[str, str | None, str, str], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.sheet, p.column, p.message, p.level), []).append(p)
    out = []
    for same in groups.values():
        rows = tuple(sorted({p.row for p in same if p.row is not None}))
        first = same[0]
        out.append(Problem(first.sheet, rows[0] if rows else None, first.column, first.message, first.level,
                           rows if len(rows) > 1 else ()))
    return out


@dataclass
class Known:
    """What the catalog already holds, to check references the input does not carry itself."""

    units: dict[str, UnitKerja] = field(default_factory=dict)
    pegawai: dict[str, Pegawai] = field(default_factory=dict)
    rhk: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # (nip, tahun) -> RHK codes
    sasaran: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # (unit, tahun) -> codes


Tables = dict[str, list[Row]]


class Ctx:
    def __init__(self, tables: Tables | None = None) -> None:
        self.problems: list[Problem] = []
        self.present = set(tables or ())  # sheet keys the input has (a workbook sheet may be empty)
        self.bad_skp: set[tuple[str, int]] = set()  # SKP rows that exist but are wrong (reported there)
        self.quiet_skp = False  # the SKP sheet is missing: reported once, not per dependent row

    def add(self, r: Row | None, key: str | None, message: str, level: str = ERROR, sheet: str | None = None) -> None:
        sheet_key = r.sheet if r else (sheet or "")
        title = BY_KEY[sheet_key].title if sheet_key in BY_KEY else sheet_key
        col = None
        if key is not None:
            label = (r.cols.get(key) if r else None) or key
            header = BY_KEY[sheet_key].column(key).header if sheet_key in BY_KEY and any(
                c.key == key for c in BY_KEY[sheet_key].columns) else ""
            col = f"{label} ({header})" if header else label
        self.problems.append(Problem(title, r.row if r else None, col, message, level))

    # -- cell readers: each returns None and records a problem when the cell is wrong
    def text(self, r: Row, key: str, required: bool = False, what: str = "") -> str:
        v = r.values.get(key)
        s = "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
        if required and not s:
            self.add(r, key, _("is empty; write {what}").format(what=what or _("a value")))
        return s

    def choice(self, r: Row, key: str, options: tuple[str, ...], required: bool = False) -> str:
        s = self.text(r, key, required, _("one of: {options}").format(options=", ".join(options)))
        if not s:
            return ""
        found = next((o for o in options if o.casefold() == re.sub(r"\s+", " ", s).casefold()), None)
        if found is None:
            self.add(r, key, _("{value!r} is not allowed; write one of: {options}").format(
                value=s, options=", ".join(options)))
            return ""
        return found

    def year(self, r: Row, key: str = "tahun") -> int | None:
        v = r.values.get(key)
        try:
            y = int(str(v).strip().removesuffix(".0"))
        except (TypeError, ValueError):
            y = 0
        if not 2000 <= y <= 2100:
            self.add(r, key, _("{value!r} is not a year; write four digits such as 2026").format(value=v)
                     if v not in (None, "") else _("is empty; write the year of the SKP, e.g. 2026"))
            return None
        return y

    def nip(self, r: Row, key: str, required: bool = True, jenis: str | None = None) -> str | None:
        v = r.values.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.add(r, key, _("is empty; write the 18-digit NIP as text"))
            return None
        if isinstance(v, (int, float)):
            self.add(r, key, _("the NIP {value!r} was entered as a number, which loses digits; format the column "
                               "as Text and type the 18 digits again (or prefix with an apostrophe ')").format(value=v))
            return None
        try:
            return parse_nip(str(v), jenis).nip
        except NipError as exc:
            self.add(r, key, _("{error}; write the 18 digits of the NIP").format(error=exc))
            return None

    def date(self, r: Row, key: str) -> dt.date | None:
        v = r.values.get(key)
        if v in (None, ""):
            return None
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        d = parse_date(str(v))
        if d is None:
            self.add(r, key, _("{value!r} is not a date; write YYYY-MM-DD such as 2026-01-02").format(value=v))
        return d


_MONTHS_ID = {"januari": 1, "februari": 2, "maret": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
              "agustus": 8, "september": 9, "oktober": 10, "november": 11, "desember": 12}


def parse_date(s: str) -> dt.date | None:
    s = s.strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", s):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", s):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})", s):
            month = _MONTHS_ID.get(m[2].casefold())
            return dt.date(int(m[3]), month, int(m[1])) if month else None
    except ValueError:
        return None
    return None



def periods_of(skema: str, start: dt.date, end: dt.date) -> tuple[str, ...]:
    """The evaluation periods of a scheme that overlap the periode penilaian."""
    if skema == "TAHUNAN":
        return (ANNUAL,)
    if skema == "BULANAN":
        return tuple(m for m in MONTHS if overlaps(span(m, start.year), start, end))
    return tuple(q for q in QUARTERS if overlaps(span(q, start.year), start, end))
