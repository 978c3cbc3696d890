"""Text of an Excel (XLSX) workbook read straight from its XML parts, streamed.

openpyxl (even read-only) builds a cell object per cell and reads every part first (styles,
theme); for the text only the workbook's sheet list, the shared strings, the number formats
(to tell dates from numbers) and the worksheets themselves are needed. Worksheets are
parsed as they inflate (a pull parser, each row cleared when read) under one inflation
budget for the file (``CappedZip``), and reading stops at ``max_text_chars``.

The text is what the openpyxl-based reader gave: per worksheet a ``[title]`` line, then
one line per row of its non-empty values joined by " | "; cached formula results, not
formulas; dates as ISO dates (with the time when it is not midnight); whole floats without
".0"; booleans as True/False; errors as written (#N/A).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import zipfile
from pathlib import Path
from typing import Any

from ..i18n import deferred
from .zipguard import CappedZip

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_ROW, _C, _V, _IS, _T = M + "row", M + "c", M + "v", M + "is", M + "t"
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


def _rich_text(el: Any) -> str:
    """A string item (``si``/``is``): its runs' text, phonetic guides (``rPh``) left out."""
    out: list[str] = []
    for t in el.iter(_T):
        parent = t.getparent()
        if parent is not None and parent.tag == M + "rPh":
            continue
        out.append(t.text or "")
    return "".join(out)


def _shared_strings(parts: CappedZip, name: str) -> list[str]:
    out: list[str] = []
    for si in parts.iterparse(name, M + "si"):
        out.append(_rich_text(si))
        si.clear()
    return out


def _date_styles(parts: CappedZip) -> set[int]:
    """Indexes of the cell styles whose number format shows a date or time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    root = parts.xml("xl/styles.xml")
    if root is None:
        return set()
    custom = {int(f.get("numFmtId") or -1): f.get("formatCode") or "" for f in root.iter(M + "numFmt")}
    xfs = root.find(M + "cellXfs")
    dates: set[int] = set()
    for i, xf in enumerate(xfs if xfs is not None else ()):
        try:
            fmt_id = int(xf.get("numFmtId") or 0)
        except ValueError:
            continue
        code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id) or ""
        if code and is_date_format(code):
            dates.add(i)
    return dates


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _render(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _value(c: Any, shared: list[str], dates: set[int], epoch: dt.datetime) -> Any:
    kind = c.get("t") or "n"
    if kind == "inlineStr":
        box = c.find(_IS)
        return _rich_text(box) if box is not None else None
    v = c.find(_V)
    text = v.text if v is not None else None
    if text is None:
        return None
    if kind == "s":
        i = int(text)
        return shared[i] if 0 <= i < len(shared) else None
    if kind in ("str", "e"):
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "d":
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    number = _number(text)
    style = c.get("s")
    if style is not None and int(style) in dates:
        try:
            moment = epoch + dt.timedelta(days=float(number))
        except OverflowError:
            return number
        return moment.replace(microsecond=round(moment.microsecond / 1000) * 1000 % 1_000_000)
    return number


def _sheets(parts: CappedZip) -> tuple[list[tuple[str, str | None]], bool]:
    """(title, worksheet member or None for a chart sheet) in workbook order, and whether dates count from 1904."""
    book = parts.xml("xl/workbook.xml")
    if book is None:
        raise KeyError(deferred("the file has no {part} part", part="xl/workbook.xml"))
    rels = parts.xml("xl/_rels/workbook.xml.rels")
    targets: dict[str, tuple[str, str]] = {}
    for rel in rels.iter(REL) if rels is not None else ():
        target = rel.get("Target") or ""
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[rel.get("Id") or ""] = (name, rel.get("Type") or "")
    pr = book.find(M + "workbookPr")
    date1904 = pr is not None and (pr.get("date1904") or "").lower() in ("1", "true")
    out: list[tuple[str, str | None]] = []
    for sheet in book.iter(M + "sheet"):
        name, kind = targets.get(sheet.get(R_ID) or "", ("", ""))
        out.append((sheet.get("name") or "", name if name and kind.endswith("/worksheet") else None))
    return out, date1904


def xlsx_text(path: Path, max_unzipped_mb: int, max_text_chars: int) -> tuple[list[str], dict[str, Any]]:
    """(lines, metadata) of an XLSX workbook. Raises ZipBomb, zipfile.BadZipFile, KeyError,
    ValueError and lxml's XMLSyntaxError for files that are not (whole) workbooks."""
    with zipfile.ZipFile(path) as zf:
        parts = CappedZip(zf, max_unzipped_mb)
        sheets, date1904 = _sheets(parts)
        epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        shared = _shared_strings(parts, "xl/sharedStrings.xml")
        dates = _date_styles(parts)
        meta: dict[str, Any] = {"sheets": [title for title, _ in sheets]}
        lines: list[str] = []
        size = 0
        for title, member in sheets:
            if member is None:  # a chart sheet holds no cells
                continue
            lines.append(f"[{title}]")
            for row in parts.iterparse(member, _ROW):
                vals = [_render(v) for c in row.iter(_C)
                        if (v := _value(c, shared, dates, epoch)) is not None and str(v).strip()]
                row.clear()
                if vals:
                    line = " | ".join(vals)
                    lines.append(line)
                    size += len(line)
                if size > max_text_chars:
                    break
            if size > max_text_chars:
                meta["truncated_at_sheet"] = title
                break
        return lines, meta
