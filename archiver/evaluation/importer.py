"""Evaluation import: the workbook template, workbooks and JSON, validated all at once.

Every problem is collected and reported together, each naming where it is (sheet, row,
column for a workbook; the JSON path for JSON) and what to write instead. Nothing is
imported when any problem is found.

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

from ..errors import UsageError, ValidationFailed
from ..evidence import normalize_iki, normalize_rhk
from ..nip import NipError, parse_nip
from ..periode import normalize_periode
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
        raise ValueError("the NIP was stored as a number and lost digits; format the column as Text and type "
                         "the 18 digits again")
    try:
        return parse_nip(_text(v)).nip
    except NipError as exc:
        raise ValueError(f"{exc}; write the 18-digit NIP, e.g. 198503152010011002") from None


def conv_tahun(v: Any) -> int:
    s = _text(v)
    if not s.isdigit() or not 2000 <= int(s) <= 2100:
        raise ValueError(f"{s!r} is not a year; write four digits, e.g. 2026")
    return int(s)


def conv_periode(v: Any) -> str:
    p = normalize_periode(_text(v))
    if p is None:
        raise ValueError(f"{_text(v)!r} is not a periode; write TW1, TW2, TW3, TW4 (triwulan), a month 01-12, "
                         "or TAHUNAN")
    return p


def conv_required(v: Any) -> str:
    s = _text(v)
    if not s:
        raise ValueError("empty; this column must be filled")
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
    help: str = ""


_RATINGS = tuple(r.value for r in Rating)
_PERIODES = ("TW1", "TW2", "TW3", "TW4", "TAHUNAN")
_NIP = Column("NIP", "nip", conv_nip, width=22, help="18 digit, tanpa spasi (kolom berformat Teks)")
_TAHUN = Column("TAHUN", "tahun", conv_tahun, width=8)
_PERIODE = Column("PERIODE", "periode", conv_periode, width=10, choices=_PERIODES,
                  help="TW1-TW4 (triwulan; TW4 = IV-AKHIR), bulan 01-12, atau TAHUNAN")

SHEETS: dict[str, tuple[Column, ...]] = {
    "Evaluasi": (_NIP, _TAHUN, _PERIODE,
                 Column("RATING HASIL KERJA", "rating_hasil_kerja", parse_rating, width=24, choices=_RATINGS),
                 Column("RATING PERILAKU KERJA", "rating_perilaku", parse_rating, width=24, choices=_RATINGS),
                 Column("CATATAN", "catatan", _text, required=False, width=50)),
    "Realisasi": (_NIP, _TAHUN, _PERIODE,
                  Column("RHK", "rhk", conv_rhk, width=10, help="kode RHK pada SKP, mis. RHK-01"),
                  Column("IKI", "iki", conv_iki, width=10, help="kode indikator pada SKP, mis. IKI-01"),
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
                dv.prompt = col.help or "Pilih dari daftar"
                dv.showInputMessage = True
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}1000")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# ----------------------------------------------------------------------------- reading

Record = tuple[dict[str, Any], dict[str, str]]  # raw values by key, location text by key


def _read_workbook(path: Path, problems: list[str]) -> dict[str, list[Record]]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError) as exc:
        raise UsageError(f"{path}: cannot be read as an .xlsx workbook: {exc}",
                         hint="save it from Excel/LibreOffice as .xlsx, "
                              "or start from `archiver eval template`") from None
    out: dict[str, list[Record]] = {}
    try:
        known = {n.casefold(): n for n in SHEETS}
        present = {known[s.casefold()]: s for s in wb.sheetnames if s.casefold() in known}
        if not present:
            problems.append(f"{path.name}: none of the sheets {', '.join(map(repr, SHEETS))} is present; "
                            "start from `archiver eval template FILE.xlsx`")
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
                problems.append(f"sheet {sheet_name!r} row 1: column(s) {', '.join(map(repr, missing))} missing; "
                                "keep the header row of the template")
                continue
            records: list[Record] = []
            for r, values in enumerate(rows, 2):
                if values is None or all(v is None or _text(v) == "" for v in values):
                    continue
                raw: dict[str, Any] = {}
                where: dict[str, str] = {}
                for col in SHEETS[name]:
                    pos = index.get(col.header)
                    raw[col.key] = values[pos] if pos is not None and pos < len(values) else None
                    letter = get_column_letter(pos + 1) if pos is not None else "?"
                    where[col.key] = f"sheet {sheet_name!r} row {r}, column {letter} ({col.header})"
                where[""] = f"sheet {sheet_name!r} row {r}"
                records.append((raw, where))
            out[name] = records
    finally:
        wb.close()
    return out


def _read_json(path: Path, problems: list[str]) -> dict[str, list[Record]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the top level must be an object with 'evaluasi' and/or 'capaian_organisasi'")
    out: dict[str, list[Record]] = {"Evaluasi": [], "Realisasi": [], "Perilaku": [], "Capaian Organisasi": []}
    for key in data:
        if key not in JSON_SECTIONS:
            problems.append(f"{key}: unknown key; known keys: {', '.join(JSON_SECTIONS)}")
    for key, sheet in JSON_SECTIONS.items():
        items = data.get(key, [])
        if not isinstance(items, list):
            problems.append(f"{key}: must be a list of objects")
            continue
        for i, item in enumerate(items):
            base = f"{key}[{i}]"
            if not isinstance(item, dict):
                problems.append(f"{base}: must be an object")
                continue
            allowed = {c.key for c in SHEETS[sheet]} | ({"realisasi", "perilaku"} if sheet == "Evaluasi" else set())
            for k in item:
                if k not in allowed:
                    problems.append(f"{base}.{k}: unknown key; known keys: {', '.join(sorted(allowed))}")
            out[sheet].append(_json_record(item, sheet, base))
            if sheet != "Evaluasi":
                continue
            for sub, sub_sheet in (("realisasi", "Realisasi"), ("perilaku", "Perilaku")):
                children = item.get(sub, [])
                if not isinstance(children, list):
                    problems.append(f"{base}.{sub}: must be a list of objects")
                    continue
                for j, child in enumerate(children):
                    if not isinstance(child, dict):
                        problems.append(f"{base}.{sub}[{j}]: must be an object")
                        continue
                    merged = {k: item.get(k) for k in ("nip", "tahun", "periode")} | child
                    rec = _json_record(merged, sub_sheet, f"{base}.{sub}[{j}]")
                    for k in ("nip", "tahun", "periode"):
                        rec[1][k] = f"{base}.{k}"
                    out[sub_sheet].append(rec)
    return out


def _json_record(item: dict[str, Any], sheet: str, base: str) -> Record:
    raw = {c.key: item.get(c.key) for c in SHEETS[sheet]}
    where = {c.key: f"{base}.{c.key}" for c in SHEETS[sheet]}
    where[""] = base
    return raw, where


# ----------------------------------------------------------------------------- validation

def _convert(record: Record, sheet: str, problems: list[str]) -> dict[str, Any] | None:
    raw, where = record
    values: dict[str, Any] = {}
    ok = True
    for col in SHEETS[sheet]:
        v = raw.get(col.key)
        if not col.required and (v is None or _text(v) == ""):
            values[col.key] = ""
            continue
        if v is None or _text(v) == "":
            problems.append(f"{where[col.key]}: empty; write " + (col.help or _example(col)))
            ok = False
            continue
        try:
            values[col.key] = col.convert(v)
        except ValueError as exc:
            problems.append(f"{where[col.key]}: {exc}")
            ok = False
    return values if ok else None


def _example(col: Column) -> str:
    if col.choices:
        return "one of: " + ", ".join(col.choices)
    return {"tahun": "the year, e.g. 2026", "realisasi": "the realisasi achieved, e.g. '2 aplikasi'",
            "umpan_balik": "the feedback of the pejabat penilai", "unit": "the unit kerja's name"}.get(
        col.key, "a value")


def validate(sheets: dict[str, list[Record]], problems: list[str],
             indicators: IndicatorLookup | None = None, units: UnitLookup | None = None) -> EvaluationImport:
    """Convert and cross-check every record. With ``indicators`` (the SKP catalog), every
    evaluated pegawai must have an SKP for the year and every realisasi must name one of its
    indicators; with ``units``, every capaian organisasi must name a known unit kerja."""
    evals: dict[tuple[str, int, str], dict[str, Any]] = {}
    where_of: dict[tuple[str, int, str], str] = {}
    for rec in sheets.get("Evaluasi", []):
        v = _convert(rec, "Evaluasi", problems)
        if v is None:
            continue
        key = (v["nip"], v["tahun"], v["periode"])
        if key in evals:
            problems.append(f"{rec[1]['']}: NIP {key[0]} {key[1]} {key[2]} already appears at {where_of[key]}; "
                            "keep one row per pegawai and periode")
            continue
        if indicators is not None and indicators(key[0], key[1]) is None:
            problems.append(f"{rec[1]['nip']}: NIP {key[0]} has no SKP for {key[1]}; import the SKP first "
                            "(`archiver skp import`), or correct the NIP or year")
        evals[key] = {**v, "realisasi": {}, "perilaku": {}}
        where_of[key] = rec[1][""]
    for sheet, field, ident in (("Realisasi", "realisasi", ("rhk", "iki")), ("Perilaku", "perilaku", ("perilaku",))):
        for rec in sheets.get(sheet, []):
            v = _convert(rec, sheet, problems)
            if v is None:
                continue
            key = (v["nip"], v["tahun"], v["periode"])
            if key not in evals:
                problems.append(f"{rec[1]['']}: no row in sheet 'Evaluasi' for NIP {key[0]}, {key[1]} {key[2]}; "
                                "add the ratings there first")
                continue
            sub = tuple(v[k] for k in ident)
            if sub in evals[key][field]:
                problems.append(f"{rec[1]['']}: {' '.join(map(str, sub))} for NIP {key[0]} {key[2]} appears twice; "
                                "keep one row")
                continue
            if sheet == "Realisasi" and indicators is not None:
                known = indicators(key[0], key[1])
                if known is not None and sub not in known:
                    problems.append(f"{rec[1]['rhk']}: {sub[0]} {sub[1]} is not an indicator of the SKP of NIP "
                                    f"{key[0]} ({key[1]}); known: {', '.join(' '.join(k) for k in sorted(known))}")
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
    seen: dict[tuple[str, int, str], str] = {}
    for rec in sheets.get("Capaian Organisasi", []):
        v = _convert(rec, "Capaian Organisasi", problems)
        if v is None:
            continue
        key = (v["unit"].casefold(), v["tahun"], v["periode"])
        if key in seen:
            problems.append(f"{rec[1]['']}: unit {v['unit']!r} {v['tahun']} {v['periode']} already appears at "
                            f"{seen[key]}; keep one row")
            continue
        seen[key] = rec[1][""]
        if units is not None and not units(v["unit"]):
            problems.append(f"{rec[1]['unit']}: {v['unit']!r} is not a unit kerja of the imported SKPs; write its "
                            "code or name as on sheet 'Unit Kerja' of the SKP workbook (`archiver skp tree`)")
            continue
        result.capaian.append(CapaianOrganisasi(**v))
    return result


def read_evaluation_file(path: Path, indicators: IndicatorLookup | None = None,
                         units: UnitLookup | None = None) -> EvaluationImport:
    """Read and validate a workbook (.xlsx) or JSON file. ValidationFailed lists every problem."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    problems: list[str] = []
    if path.suffix.lower() == ".json":
        sheets = _read_json(path, problems)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = _read_workbook(path, problems)
    else:
        raise UsageError(f"{path}: import reads .xlsx workbooks or .json files",
                         hint="start from `archiver eval template evaluasi.xlsx`")
    result = validate(sheets, problems, indicators, units)
    if problems:
        raise ValidationFailed(f"{path.name}: {len(problems)} problem(s); nothing was imported", details=problems)
    return result


def today() -> dt.date:  # pragma: no cover - trivial
    return dt.date.today()
