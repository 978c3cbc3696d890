"""The audit file's worksheet: "Kertas Kerja — Daftar Temuan dan Tindak Lanjut", as XLSX (openpyxl)
or as PDF (a DOCX built with python-docx, converted by LibreOffice like every generated document).

An official document: always in Bahasa Indonesia, whatever the reader's language. One row per
finding: number, scope, kondisi, kriteria, sebab, akibat, rekomendasi, due date, tindak lanjut,
status (with "lewat jatuh tempo"), and the evidence (name, SHA-256 short, link).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..archive import Archive
from ..errors import ArchiverError, UsageError
from ..i18n import _
from .model import Evidence, Finding, status_text

TITLE = "Kertas Kerja — Daftar Temuan dan Tindak Lanjut"
HEADERS = ("No", "Judul", "Lingkup", "Kondisi", "Kriteria", "Sebab", "Akibat", "Rekomendasi", "Jatuh Tempo",
           "Tindak Lanjut", "Status", "Bukti Dukung")
WIDTHS = (6, 24, 26, 34, 30, 26, 26, 34, 13, 34, 16, 48)
FORMATS = ("xlsx", "pdf")


def _date(value: str | None) -> str:
    return dt.date.fromisoformat(value).strftime("%d-%m-%Y") if value else "-"


def _evidence_line(e: Evidence, base_url: str) -> str:
    role = "dasar" if e.role == "basis" else "tindak lanjut"
    return f"{e.name} [{role}] SHA-256 {e.short}… {base_url.rstrip('/')}/e/{e.sha256}"


def _followup(f: Finding) -> str:
    return "\n".join(f"{_date(s['at'][:10])} ({s['actor']}): {s['text']}" for s in f.answers) or "-"


def cells(f: Finding, no: int, base_url: str) -> list[str]:
    """One finding as the worksheet's cells (text)."""
    return [str(no), f.judul, f.scope_text, f.kondisi, f.kriteria, f.sebab, f.akibat, f.rekomendasi or "-",
            _date(f.due), _followup(f), status_text(f),
            "\n".join(_evidence_line(e, base_url) for e in f.evidence) or "-"]


def _heading(unit: str | None, at: dt.date) -> list[str]:
    return [TITLE, f"Unit kerja: {unit or 'semua'}", f"Keadaan per {at.strftime('%d-%m-%Y')}"]


def write_xlsx(findings: Sequence[Finding], out: Path, *, unit: str | None, at: dt.date, base_url: str) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Temuan"
    for i, line in enumerate(_heading(unit, at), 1):
        ws.cell(row=i, column=1, value=line).font = Font(bold=i == 1, size=14 if i == 1 else 11)
    top = 5
    for col, (name, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), 1):
        head = ws.cell(row=top, column=col, value=name)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="DDDDDD")
        ws.column_dimensions[get_column_letter(col)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for n, f in enumerate(findings, 1):
        for col, value in enumerate(cells(f, n, base_url), 1):
            c = ws.cell(row=top + n, column=col, value=int(value) if col == 1 else value)
            c.alignment = wrap
    ws.freeze_panes = f"B{top + 1}"
    wb.save(out)


def write_docx(findings: Sequence[Finding], out: Path, *, unit: str | None, at: dt.date, base_url: str) -> None:
    """The worksheet as a Word document (landscape A4): a heading, then each finding as a two-column table."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.5))
    style = doc.styles["Normal"]
    style.font.name = "Liberation Sans"
    style.font.size = Pt(9)
    title, *rest = _heading(unit, at)
    doc.add_heading(title, level=1)
    for line in rest:
        doc.add_paragraph(line)
    if not findings:
        doc.add_paragraph("Tidak ada temuan.")
    for n, f in enumerate(findings, 1):
        doc.add_heading(f"Temuan {n}: {f.judul}", level=2)
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for name, value in zip(HEADERS[2:], cells(f, n, base_url)[2:], strict=True):
            row = table.add_row().cells
            row[0].text = name
            row[0].width, row[1].width = Cm(4), Cm(22)
            row[1].text = value
    doc.save(str(out))


def export(archive: Archive, findings: Sequence[Finding], out: Path, fmt: str, *, unit: str | None,
           base_url: str) -> Path:
    """Write the worksheet ``out`` (.xlsx or .pdf) atomically; returns its path."""
    from .model import today

    if fmt not in FORMATS:
        raise UsageError(_("unknown format {fmt!r}").format(fmt=fmt),
                         hint=_("write one of: {values}").format(values=", ".join(FORMATS)))
    out = Path(os.path.abspath(out))
    at = today(archive)
    work = Path(tempfile.mkdtemp(prefix="archiver-temuan-", dir=out.parent))
    try:
        if fmt == "xlsx":
            made = work / "kertas-kerja.xlsx"
            write_xlsx(findings, made, unit=unit, at=at, base_url=base_url)
        else:
            made = _pdf(findings, work, unit=unit, at=at, base_url=base_url)
        os.replace(made, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _pdf(findings: Sequence[Finding], work: Path, *, unit: str | None, at: dt.date, base_url: str) -> Path:
    from ..documents.converter import PdfConverter

    source = work / "kertas-kerja.docx"
    write_docx(findings, source, unit=unit, at=at, base_url=base_url)
    with PdfConverter() as conv:
        result = next(iter(conv.convert([source], work / "pdf")))
    if result.pdf is None:
        raise ArchiverError(_("the PDF could not be made: {error}").format(error=result.error or "?"))
    return result.pdf
