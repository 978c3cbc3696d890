"""The SKP workbook: a template administrators fill, and its reader (openpyxl).

Layout: a "Petunjuk" sheet, one sheet per table of ``sheets.SHEETS`` (row 1 headers with a
comment explaining each, row 2 an example that is never imported, data from row 3), and a
"Daftar" sheet holding the lists the drop-downs offer.

Reading: row 2 is skipped only while it still holds the template's example (any year);
a row 2 that holds other data (the example typed over, or the example row deleted so the
data moved up) is refused with an explanation rather than silently left out. The template
itself is an official-looking Indonesian form: its texts are not translated.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import UsageError, ValidationFailed
from ..i18n import _, ngettext
from .sheets import LISTS, SHEETS, Sheet, _letter
from .validate import Row, Tables

FIRST_DATA_ROW = 3
EXAMPLE_ROW = 2
LISTS_SHEET = "Daftar"
HELP_SHEET = "Petunjuk"

_HELP = [
    "PETUNJUK PENGISIAN SASARAN KINERJA PEGAWAI (PermenPANRB 6/2022)",
    "",
    "1. Isi lembar sesuai urutan: Unit Kerja, Pegawai, Sasaran Organisasi, SKP, RHK, Indikator, "
    "Rencana Bukti, Perilaku Kerja, Lampiran.",
    "2. Baris 1 adalah judul kolom (arahkan kursor ke judul untuk keterangan). Baris 2 adalah CONTOH dan "
    "tidak diimpor: isi data mulai baris 3.",
    "3. NIP ditulis sebagai teks 18 digit tanpa spasi (kolom NIP sudah berformat Teks).",
    "4. Kolom dengan daftar pilihan (Jenis Jabatan, Aspek, Perspektif, Jenis Bukti, ...) diisi dari daftar.",
    "5. Setiap baris RHK, Indikator, Rencana Bukti, Perilaku Kerja dan Lampiran menyebut NIP dan Tahun SKP-nya.",
    "6. Kode RHK (RHK-01) dan Kode IKI (IKI-01) menjadi nama folder bukti dukung: "
    "NIP/TAHUN/PERIODE/RHK-01/berkas.pdf.",
    "7. Kode RHK Pimpinan yang Diintervensi = kode RHK di SKP pejabat penilai pada tahun yang sama; "
    "untuk JPT tulis kode Sasaran Organisasi (SS-01).",
    "8. Indikator harus terukur: hindari 'Terlaksananya kegiatan ...'; tulis 'Jumlah ...' atau 'Persentase ...' "
    "dengan target angka dan satuan.",
    "9. Rencana Bukti: jenis bukti dukung yang diharapkan untuk tiap indikator pada tiap periode.",
    "10. Impor dengan: archiver skp import BERKAS.xlsx (mengimpor berkas yang sama dua kali tidak mengubah apa pun).",
]


def write_template(path: Path, *, tahun: int | None = None) -> Path:
    """Write the empty workbook (with one example row per sheet) to ``path``."""
    if path.suffix.lower() != ".xlsx":
        raise UsageError(_("{path}: the template is an Excel workbook; name it FILE.xlsx").format(path=path))
    wb = Workbook()
    help_ws = wb.active
    assert isinstance(help_ws, Worksheet)
    help_ws.title = HELP_SHEET
    for i, line in enumerate(_HELP, 1):
        help_ws.cell(i, 1, line).font = Font(bold=(i == 1))
    help_ws.column_dimensions["A"].width = 120

    lists_ws = wb.create_sheet(LISTS_SHEET)
    ranges: dict[str, str] = {}
    for i, (name, values) in enumerate(LISTS.items(), 1):
        list_col = _letter(i)
        lists_ws.cell(1, i, name).font = Font(bold=True)
        for j, choice in enumerate(values, 2):
            lists_ws.cell(j, i, choice)
        ranges[name] = f"{LISTS_SHEET}!${list_col}$2:${list_col}${len(values) + 1}"

    head_fill = PatternFill("solid", fgColor="DDEBF7")
    example_font = Font(italic=True, color="808080")
    year = tahun or dt.date.today().year
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.title, index=len(wb.sheetnames) - 1)
        for j, col in enumerate(sheet.columns, 1):
            cell = ws.cell(1, j, col.header + (" *" if col.required else ""))
            cell.font = Font(bold=True)
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            note = (col.hint or col.header) + (" (wajib)" if col.required else " (boleh kosong)")
            cell.comment = Comment(note, "archiver")
            letter = _letter(j)
            ws.column_dimensions[letter].width = col.width
            if col.key in ("nip", "penilai_nip", "atasan_nip", "tahun", "kode", "target") or col.key.endswith("_nip"):
                for r in range(EXAMPLE_ROW, 1001):
                    ws.cell(r, j).number_format = "@"
            if col.choices:
                dv = DataValidation(type="list", formula1=f"={ranges[col.choices]}", allow_blank=not col.required,
                                    showErrorMessage=True, errorTitle="Pilihan tidak sah",
                                    error=f"Pilih {col.header} dari daftar.")
                dv.add(f"{letter}{EXAMPLE_ROW}:{letter}1000")
                ws.add_data_validation(dv)
        for ex in sheet.example:
            for j, v in enumerate(ex, 1):
                value = year if v == 2026 else (str(v).replace("2026", str(year)) if isinstance(v, str) else v)
                cell = ws.cell(EXAMPLE_ROW, j, value if value != "" else None)
                cell.font = example_font
        ws.cell(EXAMPLE_ROW, 1).comment = Comment("Baris contoh: tidak diimpor. Isi data mulai baris 3.", "archiver")
        ws.freeze_panes = "A3"
    lists_ws.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _norm(header: Any) -> str:
    return " ".join(str(header or "").replace("*", " ").split()).casefold()


#: Spreadsheet formats openpyxl cannot read: the admin saves them as .xlsx first.
OTHER_FORMATS = (".xls", ".csv", ".ods", ".numbers", ".xlsb")


def save_as_xlsx_hint() -> str:
    return _("open it in Excel or LibreOffice and use File > Save As, type Excel Workbook (.xlsx); then import "
             "the .xlsx")


def refuse_other_format(path: Path) -> None:
    """UsageError for a spreadsheet that is not .xlsx (an old .xls, a .csv): say to save it as .xlsx."""
    if path.suffix.lower() in OTHER_FORMATS:
        raise UsageError(_("{name}: {suffix} files cannot be imported; save it as .xlsx").format(
            name=path.name, suffix=path.suffix.lower()), hint=save_as_xlsx_hint())


def workbook_error(exc: Exception) -> str:
    """Why openpyxl could not open a workbook, in the reader's language where it is a common case
    (a file that is no .xlsx at all); else the library's own words."""
    if isinstance(exc, BadZipFile):
        return _("the file is not an .xlsx workbook (an .xlsx file is a ZIP container, and this one is not)")
    if isinstance(exc, KeyError):
        return _("a part of the workbook is missing ({part})").format(part=str(exc).strip("'\""))
    return str(exc)


def read_workbook(path: Path) -> Tables:
    """Rows of every known sheet, keyed by field (a sheet present but empty: an empty list; a
    sheet absent: no key). Unknown sheets are ignored; a missing required column or an example
    row holding data is an error naming the sheet."""
    refuse_other_format(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UsageError(_("{path}: not a readable Excel workbook (.xlsx): {error}").format(
            path=path, error=workbook_error(exc)),
                         hint=_("if it is an old .xls or another format: {how}; or start from "
                                "`archiver skp template`").format(how=save_as_xlsx_hint())) from None
    tables: Tables = {}
    problems: list[str] = []
    try:
        titles = {_norm(t): t for t in wb.sheetnames}
        for sheet in SHEETS:
            title = titles.get(_norm(sheet.title))
            if title is not None:
                tables[sheet.key] = _read_sheet(wb[title], sheet, problems)
    finally:
        wb.close()
    if not tables:
        raise UsageError(_("{name}: none of the SKP sheets ({sheets}) is in this workbook").format(
            name=path.name, sheets=", ".join(f"'{s.title}'" for s in SHEETS)),
            hint=_("start from `archiver skp template FILE.xlsx` and keep its sheet names"))
    if problems:
        raise ValidationFailed(ngettext("{name}: {n} problem with the sheets' layout; nothing was imported",
                                        "{name}: {n} problems with the sheets' layout; nothing was imported",
                                        len(problems)).format(name=path.name, n=len(problems)),
                               details=problems,
                               hint=_("keep the header row and the example row of the template "
                                      "(`archiver skp template FILE.xlsx`)"))
    return tables


_YEAR = re.compile(r"\b20\d\d\b")


def _cell_text(v: Any) -> str:
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        v = v.isoformat()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return _YEAR.sub("YYYY", " ".join(str("" if v is None else v).split()))


def _is_example(sheet: Sheet, positions: dict[int, str], values: tuple[Any, ...]) -> bool:
    """Whether row 2 still holds the template's example (whatever year the template was made for)."""
    keys = [c.key for c in sheet.columns]
    for ex in sheet.example:
        want = {k: _cell_text(v) for k, v in zip(keys, ex, strict=False)}
        got = {key: _cell_text(values[i]) if i < len(values) else "" for i, key in positions.items()}
        if all(want.get(k, "") == v for k, v in got.items()):
            return True
    return False


def _read_sheet(ws: Any, sheet: Sheet, problems: list[str]) -> list[Row]:
    it = ws.iter_rows(values_only=True)
    header = next(it, None)
    if header is None:
        return []
    by_header = {_norm(c.header): c for c in sheet.columns}
    by_header.update({_norm(c.key): c for c in sheet.columns})
    positions: dict[int, str] = {}
    cols: dict[str, str] = {}
    for i, h in enumerate(header):
        col = by_header.get(_norm(h))
        if col is not None and col.key not in cols:
            positions[i] = col.key
            cols[col.key] = _letter(i + 1)
    missing = [c.header for c in sheet.columns if c.required and c.key not in cols]
    if missing:
        problems.append(_("sheet '{sheet}': missing column(s) {columns} in row 1").format(
            sheet=sheet.title, columns=", ".join(missing)))
        return []
    out = []
    for n, values in enumerate(it, 2):
        record = {key: values[i] for i, key in positions.items() if i < len(values)}
        record = {k: (v.strip() if isinstance(v, str) else v) for k, v in record.items()}
        if all(v in (None, "") for v in record.values()):
            continue
        if n == EXAMPLE_ROW:
            if not _is_example(sheet, positions, values):
                first = next((f"{cols[k]}2 = {v!r}" for k, v in record.items() if v not in (None, "")), "")
                problems.append(_(
                    "sheet '{sheet}', row 2: row 2 is the template's example row and is never imported, but it "
                    "holds other data ({cell}); data starts on row 3: insert a row above row 3 and move this row "
                    "there, then leave row 2 empty or as the example").format(sheet=sheet.title, cell=first))
            continue
        out.append(Row(sheet.key, n, record, cols))
    return out
