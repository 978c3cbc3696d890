"""Evaluation import: the workbook template, workbooks and JSON, validated all at once.

Every problem is collected and reported together, each naming where it is (sheet, row,
column for a workbook; the JSON path for JSON) and what to write instead; the same problem
on several rows is one line listing the rows. Nothing is imported when any problem is found.
A workbook with an 'Evaluasi' sheet must also have the 'Realisasi' and 'Perilaku' sheets
(they may be empty): saving an evaluation replaces its realisasi and umpan balik, so a
sheet left out by mistake would silently erase them. ``save`` writes only what differs
from the catalog and counts new / changed / unchanged records.

Workbook sheets (the header row names the columns; their order does not matter):

* ``Evaluasi``: one row per pegawai and periode: ratings and catatan (no predikat: it is computed)
* ``Realisasi``: one row per indicator: realisasi and umpan balik berkelanjutan
* ``Perilaku``: one row per BerAKHLAK value: umpan balik
* ``Capaian Organisasi``: one row per unit and periode: the organisational predikat
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..catalog import evaluation as catalog_evaluation
from ..errors import UsageError, ValidationFailed
from ..evidence import normalize_iki, normalize_rhk
from ..i18n import N_, _, ngettext
from ..nip import NipError, parse_nip
from ..periode import normalize_periode
from ..skp.jsonio import json_error
from ..skp.validate import rows_text
from ..skp.workbook import OTHER_FORMATS, refuse_other_format, save_as_xlsx_hint, workbook_error
from .model import (
    BERAKHLAK,
    CapaianOrganisasi,
    Evaluasi,
    EvaluationImport,
    Realisasi,
    UmpanBalikPerilaku,
    parse_perilaku,
)
from .rules import OrgPredikat, Rating, parse_org_predikat, parse_rating

#: Given (nip, tahun), the (rhk, iki) codes of that pegawai's SKP, or None when there is no SKP.
IndicatorLookup = Callable[[str, int], "set[tuple[str, str]] | None"]
#: Given a unit kerja as written (kode or name), whether the SKP catalog knows it.
UnitLookup = Callable[[str], bool]


# ----------------------------------------------------------------------------- field converters

def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def conv_nip(v: Any) -> str:
    if isinstance(v, float):
        raise ValueError(_("the NIP was stored as a number and lost digits; format the column as Text and type "
                           "the 18 digits again"))
    try:
        return parse_nip(_text(v)).nip
    except NipError as exc:
        raise ValueError(_("{error}; write the 18-digit NIP, e.g. 198503152010011002").format(error=exc)) from None


def conv_tahun(v: Any) -> int:
    s = _text(v)
    if not s.isdigit() or not 2000 <= int(s) <= 2100:
        raise ValueError(_("{value!r} is not a year; write four digits, e.g. 2026").format(value=s))
    return int(s)


def conv_periode(v: Any) -> str:
    p = normalize_periode(_text(v))
    if p is None:
        raise ValueError(_("{value!r} is not a periode; write TW1, TW2, TW3, TW4 (triwulan), a month 01-12, "
                           "or TAHUNAN").format(value=_text(v)))
    return p


def conv_required(v: Any) -> str:
    s = _text(v)
    if not s:
        raise ValueError(_("empty; this column must be filled"))
    return s


def conv_rhk(v: Any) -> str:
    return normalize_rhk(conv_required(v).replace("\n", " "))


def conv_iki(v: Any) -> str:
    return normalize_iki(conv_required(v))


Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class Column:
    header: str  # as written in the workbook
    key: str  # JSON key
    convert: Converter
    required: bool = True
    width: int = 18
    choices: tuple[str, ...] = ()
    template_note: str = ""  # the template's input prompt: Indonesian, like the whole template


_RATINGS = tuple(r.value for r in Rating)
_PERIODES = ("TW1", "TW2", "TW3", "TW4", "TAHUNAN")
_NIP = Column("NIP", "nip", conv_nip, width=22, template_note="18 digit, tanpa spasi (kolom berformat Teks)")
_TAHUN = Column("TAHUN", "tahun", conv_tahun, width=8)
_PERIODE = Column("PERIODE", "periode", conv_periode, width=10, choices=_PERIODES,
                  template_note="TW1-TW4 (triwulan; TW4 = IV-AKHIR), bulan 01-12, atau TAHUNAN")

SHEETS: dict[str, tuple[Column, ...]] = {
    "Evaluasi": (_NIP, _TAHUN, _PERIODE,
                 Column("RATING HASIL KERJA", "rating_hasil_kerja", parse_rating, width=24, choices=_RATINGS),
                 Column("RATING PERILAKU KERJA", "rating_perilaku", parse_rating, width=24, choices=_RATINGS),
                 Column("CATATAN", "catatan", _text, required=False, width=50)),
    "Realisasi": (_NIP, _TAHUN, _PERIODE,
                  Column("RHK", "rhk", conv_rhk, width=10, template_note="kode RHK pada SKP, mis. RHK-01"),
                  Column("IKI", "iki", conv_iki, width=10, template_note="kode indikator pada SKP, mis. IKI-01"),
                  Column("REALISASI", "realisasi", conv_required, width=40),
                  Column("UMPAN BALIK", "umpan_balik", _text, required=False, width=40)),
    "Perilaku": (_NIP, _TAHUN, _PERIODE,
                 Column("PERILAKU KERJA", "perilaku", parse_perilaku, width=26, choices=BERAKHLAK),
                 Column("UMPAN BALIK", "umpan_balik", conv_required, width=50)),
    "Capaian Organisasi": (
        Column("UNIT KERJA", "unit", conv_required, width=36), _TAHUN, _PERIODE,
        Column("CAPAIAN KINERJA ORGANISASI", "predikat", parse_org_predikat, width=26,
               choices=tuple(p.value for p in OrgPredikat)),
        Column("DASAR PENETAPAN", "dasar", _text, required=False, width=36),
        Column("DITETAPKAN OLEH", "penetap_nama", _text, required=False, width=30),
        Column("NIP PENETAP", "penetap_nip", _text, required=False, width=22),
        Column("JABATAN PENETAP", "penetap_jabatan", _text, required=False, width=30)),
}
JSON_SECTIONS = {"evaluasi": "Evaluasi", "capaian_organisasi": "Capaian Organisasi"}

INSTRUCTIONS = [
    "PETUNJUK PENGISIAN EVALUASI KINERJA PEGAWAI (PermenPANRB 6/2022)",
    "",
    "1. Lembar 'Evaluasi': satu baris per pegawai per periode, berisi Rating Hasil Kerja dan Rating Perilaku Kerja.",
    "   Predikat kinerja pegawai TIDAK diisi: archiver menghitungnya dari matriks kedua rating.",
    "2. Lembar 'Realisasi': satu baris per indikator (RHK dan IKI sesuai kode pada SKP), berisi realisasi",
    "   berdasarkan bukti dukung dan umpan balik berkelanjutan.",
    "3. Lembar 'Perilaku': satu baris per nilai BerAKHLAK, berisi umpan balik berkelanjutan.",
    "4. Lembar 'Capaian Organisasi': satu baris per unit kerja per periode (Istimewa/Baik/Butuh Perbaikan/",
    "   Kurang/Sangat Kurang).",
    "",
    "NIP ditulis 18 digit tanpa spasi. Periode: TW1, TW2, TW3, TW4 (IV-AKHIR) atau TAHUNAN.",
    "Rating: DI ATAS EKSPEKTASI, SESUAI EKSPEKTASI, atau DI BAWAH EKSPEKTASI.",
    "Jangan mengubah judul kolom pada baris pertama. Impor: archiver eval import NAMA-BERKAS.xlsx",
]


# ----------------------------------------------------------------------------- template

def write_template(path: Path) -> Path:
    """Write the empty evaluation workbook (headers, drop-down lists, text-formatted NIP columns)."""
    wb = Workbook()
    info = wb.active
    assert isinstance(info, Worksheet)
    info.title = "Petunjuk"
    for i, line in enumerate(INSTRUCTIONS, 1):
        info.cell(row=i, column=1, value=line).font = Font(bold=i == 1)
    info.column_dimensions["A"].width = 110
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for name, columns in SHEETS.items():
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        for c, col in enumerate(columns, 1):
            cell = ws.cell(row=1, column=c, value=col.header)
            cell.font = Font(bold=True)
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            letter = get_column_letter(c)
            ws.column_dimensions[letter].width = col.width
            if col.key in ("nip", "penetap_nip", "rhk", "iki", "periode"):
                ws.column_dimensions[letter].number_format = "@"  # Text: an 18-digit NIP keeps its digits
            if col.choices:
                dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True,
                                    showErrorMessage=False)
                dv.prompt = col.template_note or "Pilih dari daftar"
                dv.showInputMessage = True
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}1000")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# ----------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Loc:
    """Where a value is: a workbook cell (sheet, row, column) or a JSON path (``column`` only)."""

    sheet: str = ""
    row: int | None = None
    column: str = ""  # "D (RATING HASIL KERJA)", or a JSON path such as evaluasi[0].nip


Problem = tuple[Loc, str]
Record = tuple[dict[str, Any], dict[str, Loc]]  # raw values by key, location by key ("" = the row)


def render_problems(problems: list[Problem]) -> list[str]:
    """The problems as lines, each naming where it is; the same problem in one column of one
    sheet on several rows is one line listing the rows ("rows 4, 5, 9-21")."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    order: list[tuple[str, str, str]] = []
    for loc, message in problems:
        key = (loc.sheet, loc.column, message)
        if key not in groups:
            groups[key] = []
            order.append(key)
        if loc.row is not None:
            groups[key].append(loc.row)
    lines = []
    for key in order:
        sheet, column, message = key
        if not sheet:
            lines.append(f"{column}: {message}" if column else message)
            continue
        where = _("sheet '{sheet}'").format(sheet=sheet)
        rows = groups[key]
        if rows:
            where += " " + ngettext("row {rows}", "rows {rows}", len(set(rows))).format(rows=rows_text(rows))
        if column:
            where += ", " + _("column {column}").format(column=column)
        lines.append(f"{where}: {message}")
    return lines


def _read_workbook(path: Path, problems: list[Problem]) -> dict[str, list[Record]]:
    refuse_other_format(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError) as exc:
        raise UsageError(_("{path}: cannot be read as an .xlsx workbook: {error}").format(
            path=path, error=workbook_error(exc)),
                         hint=_("if it is an old .xls or another format: {how}; or start from "
                                "`archiver eval template`").format(how=save_as_xlsx_hint())) from None
    out: dict[str, list[Record]] = {}
    try:
        known = {n.casefold(): n for n in SHEETS}
        present = {known[s.casefold()]: s for s in wb.sheetnames if s.casefold() in known}
        if not present:
            problems.append((Loc(), _("{name}: none of the sheets {sheets} is present; start from "
                                      "`archiver eval template FILE.xlsx`").format(
                name=path.name, sheets=", ".join(map(repr, SHEETS)))))
        for name, sheet_name in present.items():
            ws = wb[sheet_name]
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None) or ()
            index: dict[str, int] = {}
            for i, h in enumerate(header):
                if h is not None:
                    index[_text(h).upper()] = i
            missing = [c.header for c in SHEETS[name] if c.header not in index and c.required]
            if missing:
                problems.append((Loc(sheet_name, 1), _("column(s) {columns} missing; keep the header row of the "
                                                       "template").format(columns=", ".join(map(repr, missing)))))
                continue
            records: list[Record] = []
            for r, values in enumerate(rows, 2):
                if values is None or all(v is None or _text(v) == "" for v in values):
                    continue
                raw: dict[str, Any] = {}
                where: dict[str, Loc] = {}
                for col in SHEETS[name]:
                    pos = index.get(col.header)
                    raw[col.key] = values[pos] if pos is not None and pos < len(values) else None
                    letter = get_column_letter(pos + 1) if pos is not None else "?"
                    where[col.key] = Loc(sheet_name, r, f"{letter} ({col.header})")
                where[""] = Loc(sheet_name, r)
                records.append((raw, where))
            out[name] = records
    finally:
        wb.close()
    if out.get("Evaluasi"):
        for name in ("Realisasi", "Perilaku"):
            if name not in present:
                problems.append((Loc(), _(
                    "{name}: sheet '{sheet}' is missing; the evaluations would be saved without {what} (and replace "
                    "any imported before); add the sheet from `archiver eval template` (leave it empty if there is "
                    "none)").format(name=path.name, sheet=name, what=_(_MISSING_WHAT[name]))))
    elif any(out.get(n) for n in ("Realisasi", "Perilaku")) and "Evaluasi" not in present:
        problems.append((Loc(), _("{name}: sheet 'Evaluasi' is missing; the rows on sheet(s) {sheets} belong to "
                                  "evaluations listed there: add it from `archiver eval template`").format(
            name=path.name, sheets=", ".join(f"'{n}'" for n in ("Realisasi", "Perilaku") if out.get(n)))))
        out.pop("Realisasi", None)
        out.pop("Perilaku", None)
    return out


_MISSING_WHAT = {"Realisasi": N_("realisasi"), "Perilaku": N_("umpan balik perilaku")}


def _read_json(path: Path, problems: list[Problem]) -> dict[str, list[Record]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(_("{path}: not valid JSON: {error}").format(path=path, error=json_error(exc))) from None
    if not isinstance(data, dict):
        raise UsageError(_("{path}: the top level must be an object with 'evaluasi' and/or "
                           "'capaian_organisasi'").format(path=path))
    out: dict[str, list[Record]] = {"Evaluasi": [], "Realisasi": [], "Perilaku": [], "Capaian Organisasi": []}
    for key in data:
        if key not in JSON_SECTIONS:
            problems.append((Loc(column=key), _("unknown key; known keys: {keys}").format(
                keys=", ".join(JSON_SECTIONS))))
    for key, sheet in JSON_SECTIONS.items():
        items = data.get(key, [])
        if not isinstance(items, list):
            problems.append((Loc(column=key), _("must be a list of objects")))
            continue
        for i, item in enumerate(items):
            base = f"{key}[{i}]"
            if not isinstance(item, dict):
                problems.append((Loc(column=base), _("must be an object")))
                continue
            allowed = {c.key for c in SHEETS[sheet]} | ({"realisasi", "perilaku"} if sheet == "Evaluasi" else set())
            for k in item:
                if k not in allowed:
                    problems.append((Loc(column=f"{base}.{k}"), _("unknown key; known keys: {keys}").format(
                        keys=", ".join(sorted(allowed)))))
            out[sheet].append(_json_record(item, sheet, base))
            if sheet != "Evaluasi":
                continue
            for sub, sub_sheet in (("realisasi", "Realisasi"), ("perilaku", "Perilaku")):
                children = item.get(sub, [])
                if not isinstance(children, list):
                    problems.append((Loc(column=f"{base}.{sub}"), _("must be a list of objects")))
                    continue
                for j, child in enumerate(children):
                    if not isinstance(child, dict):
                        problems.append((Loc(column=f"{base}.{sub}[{j}]"), _("must be an object")))
                        continue
                    merged = {k: item.get(k) for k in ("nip", "tahun", "periode")} | child
                    rec = _json_record(merged, sub_sheet, f"{base}.{sub}[{j}]")
                    for k in ("nip", "tahun", "periode"):
                        rec[1][k] = Loc(column=f"{base}.{k}")
                    out[sub_sheet].append(rec)
    return out


def _json_record(item: dict[str, Any], sheet: str, base: str) -> Record:
    raw = {c.key: item.get(c.key) for c in SHEETS[sheet]}
    where = {c.key: Loc(column=f"{base}.{c.key}") for c in SHEETS[sheet]}
    where[""] = Loc(column=base)
    return raw, where


# ----------------------------------------------------------------------------- validation

def _convert(record: Record, sheet: str, problems: list[Problem]) -> dict[str, Any] | None:
    raw, where = record
    values: dict[str, Any] = {}
    ok = True
    for col in SHEETS[sheet]:
        v = raw.get(col.key)
        if not col.required and (v is None or _text(v) == ""):
            values[col.key] = ""
            continue
        if v is None or _text(v) == "":
            problems.append((where[col.key], _("empty; write {what}").format(what=_example(col))))
            ok = False
            continue
        try:
            values[col.key] = col.convert(v)
        except ValueError as exc:
            problems.append((where[col.key], str(exc)))
            ok = False
    return values if ok else None


def _key_of(record: Record) -> tuple[str, int, str] | None:
    """The (nip, tahun, periode) of a record that has other errors, when those three are right."""
    raw = record[0]
    try:
        return conv_nip(raw.get("nip")), conv_tahun(raw.get("tahun")), conv_periode(raw.get("periode"))
    except ValueError:
        return None


def _example(col: Column) -> str:
    if col.choices and col.key != "periode":
        return _("one of: {options}").format(options=", ".join(col.choices))
    hints = {"nip": N_("the 18-digit NIP, e.g. 198503152010011002"), "tahun": N_("the year, e.g. 2026"),
             "periode": N_("TW1, TW2, TW3, TW4 (triwulan), a month 01-12, or TAHUNAN"),
             "rhk": N_("the RHK code of the SKP, e.g. RHK-01"), "iki": N_("the indicator code of the SKP, e.g. IKI-01"),
             "realisasi": N_("the realisasi achieved, e.g. '2 aplikasi'"),
             "umpan_balik": N_("the feedback of the pejabat penilai"), "unit": N_("the unit kerja's name")}
    return _(hints[col.key]) if col.key in hints else _("a value")


def validate(sheets: dict[str, list[Record]], problems: list[Problem],
             indicators: IndicatorLookup | None = None, units: UnitLookup | None = None) -> EvaluationImport:
    """Convert and cross-check every record. With ``indicators`` (the SKP catalog), every
    evaluated pegawai must have an SKP for the year and every realisasi must name one of its
    indicators; with ``units``, every capaian organisasi must name a known unit kerja.
    A row of 'Realisasi'/'Perilaku' whose 'Evaluasi' row is wrong is not reported again."""
    evals: dict[tuple[str, int, str], dict[str, Any]] = {}
    where_of: dict[tuple[str, int, str], Loc] = {}
    broken: set[tuple[str, int, str]] = set()  # Evaluasi rows with errors (reported on that row)
    for rec in sheets.get("Evaluasi", []):
        v = _convert(rec, "Evaluasi", problems)
        if v is None:
            if (k := _key_of(rec)) is not None:
                broken.add(k)
            continue
        key = (v["nip"], v["tahun"], v["periode"])
        if key in evals:
            problems.append((rec[1][""], _("NIP {nip} {tahun} {periode} already appears at {where}; keep one row "
                                           "per pegawai and periode").format(
                nip=key[0], tahun=key[1], periode=key[2], where=_loc_text(where_of[key]))))
            continue
        if indicators is not None and indicators(key[0], key[1]) is None:
            problems.append((rec[1]["nip"], _("NIP {nip} has no SKP for {tahun}; import the SKP first "
                                               "(`archiver skp import`), or correct the NIP or year").format(
                nip=key[0], tahun=key[1])))
            broken.add(key)
        evals[key] = {**v, "realisasi": {}, "perilaku": {}}
        where_of[key] = rec[1][""]
    for sheet, field, ident in (("Realisasi", "realisasi", ("rhk", "iki")), ("Perilaku", "perilaku", ("perilaku",))):
        for rec in sheets.get(sheet, []):
            v = _convert(rec, sheet, problems)
            if v is None:
                continue
            key = (v["nip"], v["tahun"], v["periode"])
            if key in broken:
                continue
            if key not in evals:
                problems.append((rec[1][""], _("no row in sheet 'Evaluasi' for NIP {nip}, {tahun} {periode}; add the "
                                               "ratings there first").format(nip=key[0], tahun=key[1],
                                                                             periode=key[2])))
                continue
            sub = tuple(v[k] for k in ident)
            if sub in evals[key][field]:
                problems.append((rec[1][""], _("{what} for NIP {nip} {periode} appears twice; keep one row").format(
                    what=" ".join(map(str, sub)), nip=key[0], periode=key[2])))
                continue
            if sheet == "Realisasi" and indicators is not None:
                known = indicators(key[0], key[1])
                if known is not None and sub not in known:
                    problems.append((rec[1]["rhk"], _("{rhk} {iki} is not an indicator of the SKP of NIP {nip} "
                                                      "({tahun}); known: {known}").format(
                        rhk=sub[0], iki=sub[1], nip=key[0], tahun=key[1],
                        known=", ".join(" ".join(k) for k in sorted(known)))))
            evals[key][field][sub] = v
    result = EvaluationImport()
    for v in evals.values():
        result.evaluasi.append(Evaluasi(
            nip=v["nip"], tahun=v["tahun"], periode=v["periode"], rating_hasil_kerja=v["rating_hasil_kerja"],
            rating_perilaku=v["rating_perilaku"], catatan=v["catatan"],
            realisasi=tuple(Realisasi(r["rhk"], r["iki"], r["realisasi"], r["umpan_balik"])
                            for r in v["realisasi"].values()),
            perilaku=tuple(UmpanBalikPerilaku(p["perilaku"], p["umpan_balik"])
                           for p in sorted(v["perilaku"].values(), key=lambda p: p["perilaku"]))))
    seen: dict[tuple[str, int, str], Loc] = {}
    for rec in sheets.get("Capaian Organisasi", []):
        v = _convert(rec, "Capaian Organisasi", problems)
        if v is None:
            continue
        key = (v["unit"].casefold(), v["tahun"], v["periode"])
        if key in seen:
            problems.append((rec[1][""], _("unit {unit!r} {tahun} {periode} already appears at {where}; keep one "
                                           "row").format(unit=v["unit"], tahun=v["tahun"], periode=v["periode"],
                                                         where=_loc_text(seen[key]))))
            continue
        seen[key] = rec[1][""]
        if units is not None and not units(v["unit"]):
            problems.append((rec[1]["unit"], _("{unit!r} is not a unit kerja of the imported SKPs; write its code or "
                                               "name as on sheet 'Unit Kerja' of the SKP workbook "
                                               "(`archiver skp tree`)").format(unit=v["unit"])))
            continue
        result.capaian.append(CapaianOrganisasi(**v))
    return result


def _loc_text(loc: Loc) -> str:
    if not loc.sheet:
        return loc.column
    return _("sheet '{sheet}'").format(sheet=loc.sheet) + " " + ngettext("row {rows}", "rows {rows}", 1).format(
        rows=loc.row)


def read_evaluation_file(path: Path, indicators: IndicatorLookup | None = None,
                         units: UnitLookup | None = None) -> EvaluationImport:
    """Read and validate a workbook (.xlsx) or JSON file. ValidationFailed lists every problem."""
    if not path.is_file():
        raise UsageError(_("{path}: no such file").format(path=path))
    problems: list[Problem] = []
    suffix = path.suffix.lower()
    if suffix == ".json":
        sheets = _read_json(path, problems)
    elif suffix in (".xlsx", ".xlsm") or suffix in OTHER_FORMATS:
        sheets = _read_workbook(path, problems)
    else:
        raise UsageError(_("{path}: import reads .xlsx workbooks or .json files").format(path=path),
                         hint=_("start from `archiver eval template evaluasi.xlsx`"))
    result = validate(sheets, problems, indicators, units)
    if problems:
        lines = render_problems(problems)
        raise ValidationFailed(ngettext("{name}: {n} problem; nothing was imported",
                                        "{name}: {n} problems; nothing was imported", len(lines)).format(
            name=path.name, n=len(lines)), details=lines)
    return result


# ----------------------------------------------------------------------------- saving

def save(conn: Any, data: EvaluationImport, *, at: str, source: str) -> dict[str, dict[str, int]]:
    """Save what was read: only the evaluations and capaian records that are new or differ from
    the catalog are written. Returns new/changed/unchanged counts for each."""
    counts = {"evaluasi": {"new": 0, "changed": 0, "unchanged": 0},
              "capaian_organisasi": {"new": 0, "changed": 0, "unchanged": 0}}
    evals, caps = [], []
    for e in data.evaluasi:
        old = catalog_evaluation.get_evaluasi(conn, e.nip, e.tahun, e.periode)
        state = "new" if old is None else "unchanged" if _same_evaluasi(old, e) else "changed"
        counts["evaluasi"][state] += 1
        if state != "unchanged":
            evals.append(e)
    for c in data.capaian:
        before = catalog_evaluation.get_capaian(conn, c.unit, c.tahun, c.periode)
        if before is not None and before.periode != c.periode:
            before = None  # the annual record, not this periode's
        state = "new" if before is None else "unchanged" if before == c else "changed"
        counts["capaian_organisasi"][state] += 1
        if state != "unchanged":
            caps.append(c)
    if evals or caps:
        catalog_evaluation.save_import(conn, evals, caps, at=at, source=source)
    return counts


def _same_evaluasi(a: Evaluasi, b: Evaluasi) -> bool:
    def norm(e: Evaluasi) -> tuple[Any, ...]:
        return (e.rating_hasil_kerja, e.rating_perilaku, e.catatan or "",
                sorted((r.rhk, r.iki, r.realisasi, r.umpan_balik or "") for r in e.realisasi),
                sorted((p.nilai, p.umpan_balik) for p in e.perilaku))
    return norm(a) == norm(b)


def summary(counts: dict[str, dict[str, int]], source: str) -> str:
    """``Imported evaluasi.xlsx: evaluasi: 2 new, 1 changed, 3 unchanged; capaian organisasi: ...``."""
    parts = [_("{name}: {new} new, {changed} changed, {unchanged} unchanged").format(name=_(name), **counts[key])
             for key, name in (("evaluasi", N_("evaluasi")), ("capaian_organisasi", N_("capaian organisasi")))
             if any(counts[key].values())]
    text = _("Imported {source}: {counts}").format(source=source, counts="; ".join(parts))
    changed = any(d["new"] or d["changed"] for d in counts.values())
    return text if changed else _("{text} (nothing changed)").format(text=text)


def today() -> dt.date:  # pragma: no cover - trivial
    return dt.date.today()
