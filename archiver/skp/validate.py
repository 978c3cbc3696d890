"""Validation of SKP input: every problem at once, each naming sheet, row and column.

Pure: ``validate(tables, known)`` takes the rows read from a workbook or JSON file and
what the catalog already holds (``Known``), and returns the SkpBundle it describes and
the list of problems. Errors stop an import; warnings (normative indicators, leader
SKP not available to check against) are reported and the import goes on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..evidence import normalize_iki, normalize_rhk
from ..nip import NipError, parse_nip
from ..periode import ANNUAL, MONTHS, QUARTERS, normalize_periode, overlaps, span
from . import master
from .model import (
    ASPEK,
    JENIS_JABATAN,
    JENIS_PEGAWAI,
    LAMPIRAN,
    PENDEKATAN,
    PERSPEKTIF,
    Indikator,
    Lampiran,
    Pegawai,
    Pejabat,
    Perilaku,
    RencanaBukti,
    Rhk,
    Sasaran,
    Skp,
    SkpBundle,
    UnitKerja,
    is_jpt,
    parse_target,
)
from .sheets import BY_KEY

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Row:
    """One input row: ``values`` by field key, ``cols`` the label of each field's column."""

    sheet: str  # sheet key (unit, pegawai, skp, ...)
    row: int  # workbook row number, or 1-based index in a JSON list
    values: dict[str, Any]
    cols: dict[str, str] = field(default_factory=dict)  # key -> "C" (workbook) or key (JSON)


@dataclass(frozen=True)
class Problem:
    sheet: str  # sheet title as the user sees it
    row: int | None
    column: str | None  # "C (Kode RHK)"
    message: str
    level: str = ERROR

    def __str__(self) -> str:
        where = f"sheet {self.sheet!r}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{'WARNING ' if self.level == WARNING else ''}{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "sheet": self.sheet, "row": self.row, "column": self.column,
                "message": self.message}


@dataclass
class Known:
    """What the catalog already holds, to check references the input does not carry itself."""

    units: dict[str, UnitKerja] = field(default_factory=dict)
    pegawai: dict[str, Pegawai] = field(default_factory=dict)
    rhk: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # (nip, tahun) -> RHK codes
    sasaran: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # (unit, tahun) -> codes


Tables = dict[str, list[Row]]


class _Ctx:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

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
            self.add(r, key, f"is empty; write {what or 'a value'}")
        return s

    def choice(self, r: Row, key: str, options: tuple[str, ...], required: bool = False) -> str:
        s = self.text(r, key, required, "one of: " + ", ".join(options))
        if not s:
            return ""
        found = next((o for o in options if o.casefold() == re.sub(r"\s+", " ", s).casefold()), None)
        if found is None:
            self.add(r, key, f"{s!r} is not allowed; write one of: {', '.join(options)}")
            return ""
        return found

    def year(self, r: Row, key: str = "tahun") -> int | None:
        v = r.values.get(key)
        try:
            y = int(str(v).strip().removesuffix(".0"))
        except (TypeError, ValueError):
            y = 0
        if not 2000 <= y <= 2100:
            self.add(r, key, f"{v!r} is not a year; write four digits such as 2026" if v not in (None, "")
                     else "is empty; write the year of the SKP, e.g. 2026")
            return None
        return y

    def nip(self, r: Row, key: str, required: bool = True, jenis: str | None = None) -> str | None:
        v = r.values.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.add(r, key, "is empty; write the 18-digit NIP as text")
            return None
        if isinstance(v, (int, float)):
            self.add(r, key, f"the NIP {v!r} was entered as a number, which loses digits; format the column as "
                             "Text and type the 18 digits again (or prefix with an apostrophe ')")
            return None
        try:
            return parse_nip(str(v), jenis).nip
        except NipError as exc:
            self.add(r, key, f"{exc}; write the 18 digits of the NIP")
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
            self.add(r, key, f"{v!r} is not a date; write YYYY-MM-DD such as 2026-01-02")
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


# --------------------------------------------------------------------------- the whole input

def validate(tables: Tables, known: Known | None = None) -> tuple[SkpBundle, list[Problem]]:
    known = known or Known()
    c = _Ctx()
    units = _units(c, tables.get("unit", []), known)
    pegawai = _pegawai(c, tables.get("pegawai", []), units, known)
    sasaran = _sasaran(c, tables.get("sasaran", []), units, known)
    all_units = {**known.units, **units}
    all_pegawai = {**known.pegawai, **pegawai}
    heads = _skp_heads(c, tables.get("skp", []), all_pegawai, all_units)
    rhk = _rhk(c, tables.get("rhk", []), heads)
    iki = _indikator(c, tables.get("indikator", []), heads, rhk)
    rencana = _rencana(c, tables.get("rencana", []), heads, iki)
    perilaku = _perilaku(c, tables.get("perilaku", []), heads)
    lampiran = _lampiran(c, tables.get("lampiran", []), heads)
    skps = []
    for key, (r, head) in heads.items():
        rhks = []
        for rr, x in rhk.get(key, []):
            inds = tuple(
                Indikator(i.kode, i.teks, i.target, i.aspek, i.perspektif, tuple(rencana.get((key, i.kode), ())))
                for _, i in iki.get((key, x.kode), []))
            if not inds:
                c.add(rr, "kode", f"RHK {x.kode} has no indicator; add at least one row for it on sheet "
                                  f"{BY_KEY['indikator'].title!r} (Kode RHK = {x.kode})")
            rhks.append(Rhk(x.kode, x.teks, x.jenis, x.rhk_pimpinan, x.rhk_pimpinan_teks, x.penugasan_dari, inds))
        if not rhks:
            c.add(r, None, f"the SKP of NIP {key[0]} for {key[1]} has no RHK; add rows on sheet "
                           f"{BY_KEY['rhk'].title!r}")
        beh = perilaku.get(key) or {}
        skps.append(Skp(**{**head, "rhk": tuple(rhks),
                           "perilaku": tuple(Perilaku(n, beh.get(n, "")) for n in range(1, 8)),
                           "lampiran": Lampiran(*(tuple(lampiran.get((key, j), ())) for j in LAMPIRAN))}))
    _check_cascade(c, skps, heads, rhk, sasaran, known)
    bundle = SkpBundle(tuple(units.values()), tuple(pegawai.values()), tuple(sasaran), tuple(skps))
    return bundle, c.problems


def _dupe(c: _Ctx, seen: dict[Any, int], key: Any, r: Row, col: str, what: str) -> bool:
    if key in seen:
        c.add(r, col, f"duplicate {what} (already on row {seen[key]}); each may appear once")
        return True
    seen[key] = r.row
    return False


def _units(c: _Ctx, rows: list[Row], known: Known) -> dict[str, UnitKerja]:
    out: dict[str, UnitKerja] = {}
    seen: dict[Any, int] = {}
    for r in rows:
        kode = c.text(r, "kode", True, "a short code such as DISKOMINFO").upper()
        nama = c.text(r, "nama", True, "the unit's name")
        if not kode or _dupe(c, seen, kode, r, "kode", f"unit code {kode}"):
            continue
        out[kode] = UnitKerja(kode, nama, c.text(r, "induk").upper() or None, c.text(r, "instansi"))
    for r in rows:
        kode = c.text(r, "kode").upper()
        u = out.get(kode)
        if u and u.induk and u.induk not in out and u.induk not in known.units:
            c.add(r, "induk", f"parent unit {u.induk!r} is not on this sheet nor already imported")
    for kode in out:  # cycles
        path, cur = [], kode
        while cur and cur not in path:
            path.append(cur)
            cur = (out.get(cur) or known.units.get(cur) or UnitKerja(cur, "")).induk or ""
        if cur:
            c.add(next(r for r in rows if c.text(r, "kode").upper() == kode), "induk",
                  f"units form a loop: {' -> '.join(path + [cur])}")
    return out


def _pegawai(c: _Ctx, rows: list[Row], units: dict[str, UnitKerja], known: Known) -> dict[str, Pegawai]:
    out: dict[str, Pegawai] = {}
    seen: dict[Any, int] = {}
    for r in rows:
        jenis = c.choice(r, "jenis_pegawai", JENIS_PEGAWAI) or "PNS"
        nip = c.nip(r, "nip", jenis=jenis)
        nama = c.text(r, "nama", True, "the full name with titles")
        jabatan = c.text(r, "jabatan", True, "the jabatan, e.g. Kepala Seksi Aplikasi")
        jj = c.choice(r, "jenis_jabatan", JENIS_JABATAN, True)
        unit = c.text(r, "unit", True, "a code from sheet 'Unit Kerja'").upper()
        if unit and unit not in units and unit not in known.units:
            c.add(r, "unit", f"unit {unit!r} is not on sheet 'Unit Kerja' nor already imported")
        gol_raw = c.text(r, "golongan")
        gol = master.normalize_golongan(gol_raw, jenis) if gol_raw else ""
        if gol is None:
            allowed = "I ... XVII" if jenis == "PPPK" else "a golongan such as III/a, III.a or IIIa (I/a ... IV/e)"
            c.add(r, "golongan", f"{gol_raw!r} is not a golongan of a {jenis}; write {allowed}")
            gol = ""
        if nip is None or _dupe(c, seen, nip, r, "nip", f"NIP {nip}"):
            continue
        out[nip] = Pegawai(nip, nama, jabatan, jj, unit, gol, master.pangkat_of(gol) if jenis == "PNS" else "", jenis)
    return out


def _sasaran(c: _Ctx, rows: list[Row], units: dict[str, UnitKerja], known: Known) -> list[Sasaran]:
    out = []
    seen: dict[Any, int] = {}
    for r in rows:
        unit = c.text(r, "unit", True, "a code from sheet 'Unit Kerja'").upper()
        tahun = c.year(r)
        kode = c.text(r, "kode", True, "a code such as SS-01").upper()
        teks = c.text(r, "teks", True, "the sasaran strategis")
        if unit and unit not in units and unit not in known.units:
            c.add(r, "unit", f"unit {unit!r} is not on sheet 'Unit Kerja' nor already imported")
        if not (unit and tahun and kode) or _dupe(c, seen, (unit, tahun, kode), r, "kode", f"sasaran {kode}"):
            continue
        out.append(Sasaran(unit, tahun, kode, teks, c.text(r, "indikator"), c.text(r, "target")))
    return out


def _pejabat(c: _Ctx, r: Row, prefix: str, pegawai: dict[str, Pegawai], units: dict[str, UnitKerja],
             required: bool) -> Pejabat | None:
    nip = c.nip(r, f"{prefix}_nip", required=False)
    p = pegawai.get(nip or "")
    nama = c.text(r, f"{prefix}_nama") or (p.nama if p else "")
    if not nama:
        if required:
            what = "pejabat penilai" if prefix == "penilai" else "atasan pejabat penilai"
            hint = (f"NIP {nip} is not on sheet 'Pegawai'; write the name" if nip
                    else "write the NIP of a pegawai on sheet 'Pegawai', or the name")
            c.add(r, f"{prefix}_nama", f"the {what} is missing: {hint}")
        return None
    unit = units.get(p.unit) if p else None
    return Pejabat(nama=nama, nip=nip or "",
                   pangkat_golongan=c.text(r, f"{prefix}_pangkat") or (p.pangkat_golongan if p else ""),
                   jabatan=c.text(r, f"{prefix}_jabatan") or (p.jabatan if p else ""),
                   unit_kerja=c.text(r, f"{prefix}_unit") or (unit.nama if unit else ""))


def _skp_heads(c: _Ctx, rows: list[Row], pegawai: dict[str, Pegawai],
               units: dict[str, UnitKerja]) -> dict[tuple[str, int], tuple[Row, dict[str, Any]]]:
    out: dict[tuple[str, int], tuple[Row, dict[str, Any]]] = {}
    seen: dict[Any, int] = {}
    for r in rows:
        nip = c.nip(r, "nip")
        tahun = c.year(r)
        pendekatan = c.choice(r, "pendekatan", PENDEKATAN) or "KUANTITATIF"
        skema = c.choice(r, "skema", ("TRIWULAN", "BULANAN", "TAHUNAN")) or "TRIWULAN"
        awal, akhir = c.date(r, "awal"), c.date(r, "akhir")
        if tahun:
            for k, d in (("awal", awal), ("akhir", akhir)):
                if d and d.year != tahun:
                    c.add(r, k, f"{d.isoformat()} is outside the year {tahun}; an SKP covers one year: "
                                f"write a date in {tahun}")
            if awal and akhir and awal > akhir:
                c.add(r, "akhir", f"ends ({akhir}) before it starts ({awal})")
        penilai = _pejabat(c, r, "penilai", pegawai, units, True)
        atasan = _pejabat(c, r, "atasan", pegawai, units, False)
        p = pegawai.get(nip or "")
        if nip and not p:
            c.add(r, "nip", f"NIP {nip} is not on sheet 'Pegawai' nor already imported; add the pegawai there")
        if nip and penilai and penilai.nip == nip:
            c.add(r, "penilai_nip", "a pegawai cannot be their own pejabat penilai")
        if not (nip and tahun and p and penilai) or _dupe(c, seen, (nip, tahun), r, "nip", f"SKP {nip}/{tahun}"):
            continue
        unit = units.get(p.unit)
        start = awal or dt.date(tahun, 1, 1)
        end = akhir or dt.date(tahun, 12, 31)
        out[(nip, tahun)] = (r, {
            "nip": nip, "tahun": tahun, "unit": p.unit, "jenis_jabatan": p.jenis_jabatan, "pendekatan": pendekatan,
            "pegawai": Pejabat(p.nama, p.nip, p.pangkat_golongan, p.jabatan, unit.nama if unit else p.unit),
            "penilai": penilai, "atasan_penilai": atasan,
            "instansi": c.text(r, "instansi") or _instansi(p.unit, units),
            "awal": awal, "akhir": akhir,
            "periode": periods_of(skema, start, end) if start.year == end.year == tahun
            else periods_of(skema, dt.date(tahun, 1, 1), dt.date(tahun, 12, 31)),
            "tempat": c.text(r, "tempat"), "tanggal": c.date(r, "tanggal")})
    return out


def _instansi(unit: str, units: dict[str, UnitKerja]) -> str:
    seen = set()
    while unit in units and unit not in seen:
        seen.add(unit)
        if units[unit].instansi:
            return units[unit].instansi
        unit = units[unit].induk or ""
    return ""


def _skp_of(c: _Ctx, r: Row, heads: dict[tuple[str, int], Any]) -> tuple[str, int] | None:
    nip = c.nip(r, "nip")
    tahun = c.year(r)
    if not (nip and tahun):
        return None
    if (nip, tahun) not in heads:
        c.add(r, "nip", f"there is no valid SKP for NIP {nip} and {tahun} on sheet 'SKP'; add one there")
        return None
    return nip, tahun


def _rhk(c: _Ctx, rows: list[Row], heads: dict[tuple[str, int], Any]) -> dict[tuple[str, int], list[tuple[Row, Rhk]]]:
    out: dict[tuple[str, int], list[tuple[Row, Rhk]]] = defaultdict(list)
    seen: dict[Any, int] = {}
    for r in rows:
        key = _skp_of(c, r, heads)
        kode = normalize_rhk(c.text(r, "kode", True, "a code such as RHK-01"))
        jenis = c.choice(r, "jenis", ("UTAMA", "TAMBAHAN")) or "UTAMA"
        teks = c.text(r, "teks", True, "the rencana hasil kerja")
        pimpinan = c.text(r, "rhk_pimpinan")
        pimpinan = normalize_rhk(pimpinan) if pimpinan else ""
        if not (key and kode) or _dupe(c, seen, (key, kode), r, "kode", f"RHK code {kode} in this SKP"):
            continue
        out[key].append((r, Rhk(kode, teks, jenis, pimpinan, "", c.text(r, "penugasan_dari"))))
    return out


def _indikator(c: _Ctx, rows: list[Row], heads: dict[tuple[str, int], Any],
               rhk: dict[tuple[str, int], list[tuple[Row, Rhk]]]
               ) -> dict[tuple[tuple[str, int], str], list[tuple[Row, Indikator]]]:
    out: dict[tuple[tuple[str, int], str], list[tuple[Row, Indikator]]] = defaultdict(list)
    seen: dict[Any, int] = {}
    for r in rows:
        key = _skp_of(c, r, heads)
        rk = normalize_rhk(c.text(r, "rhk", True, "the code of an RHK on sheet 'RHK'"))
        kode = normalize_iki(c.text(r, "kode", True, "a code such as IKI-01"))
        teks = c.text(r, "teks", True, "a measurable indicator, e.g. 'Jumlah aplikasi yang dimutakhirkan'")
        aspek = c.choice(r, "aspek", ASPEK)
        perspektif = c.choice(r, "perspektif", PERSPEKTIF)
        target_text = c.text(r, "target")
        satuan = c.text(r, "satuan")
        if key is None:
            continue
        head = heads[key][1]
        if rk and rk not in {x.kode for _, x in rhk.get(key, [])}:
            c.add(r, "rhk", f"RHK {rk} is not on sheet 'RHK' for NIP {key[0]} / {key[1]}")
            continue
        target = parse_target(target_text, satuan)
        if not target_text and not satuan:
            c.add(r, "target", "the indicator has no target; write a number or range (12, 90-100) "
                               "and its unit in 'Satuan'")
        elif not target.measurable and head["pendekatan"] == "KUANTITATIF":
            c.add(r, "target", f"target {target_text or satuan!r} is not measurable; a kuantitatif SKP needs a "
                               "number or range (12, 90-100) with its unit")
        elif not target.measurable:
            c.add(r, "target", f"target {target_text!r} has no number; say how success is measured", WARNING)
        if is_jpt(head["jenis_jabatan"]):
            if not perspektif:
                c.add(r, "perspektif", "a JPT indicator needs a perspektif; write one of: "
                                       "Penerima Layanan, Proses Bisnis, Penguatan Internal, Anggaran")
        elif head["pendekatan"] == "KUANTITATIF" and not aspek:
            c.add(r, "aspek", "a kuantitatif indicator needs an aspek; write Kuantitas, Kualitas, Waktu or Biaya")
        if teks and master.is_normative(teks):
            c.add(r, "teks", f"indicator {teks!r} is normative (says that something happens, not how much); "
                             "rewrite it as a measure, e.g. 'Jumlah ...' or 'Persentase ...'", WARNING)
        if not (kode and rk) or _dupe(c, seen, (key, kode), r, "kode", f"indicator code {kode} in this SKP"):
            continue
        out[(key, rk)].append((r, Indikator(kode, teks, target, aspek, perspektif)))
    return out


def _rencana(c: _Ctx, rows: list[Row], heads: dict[tuple[str, int], Any],
             iki: dict[tuple[tuple[str, int], str], list[tuple[Row, Indikator]]]
             ) -> dict[tuple[tuple[str, int], str], list[RencanaBukti]]:
    codes: dict[tuple[str, int], set[str]] = defaultdict(set)
    for (skp_key, _), items in iki.items():
        codes[skp_key].update(i.kode for _, i in items)
    grouped: dict[tuple[tuple[str, int], str, str], dict[str, Any]] = {}
    seen: dict[Any, int] = {}
    for r in rows:
        key = _skp_of(c, r, heads)
        kode = normalize_iki(c.text(r, "iki", True, "an indicator code from sheet 'Indikator'"))
        raw_p = c.text(r, "periode", True, "TW1-TW4, a month 01-12 or TAHUNAN")
        periode = normalize_periode(raw_p) if raw_p else None
        if raw_p and periode is None:
            c.add(r, "periode", f"{raw_p!r} is not a periode; write TW1-TW4, a month 01-12 or TAHUNAN")
        jb_raw = c.text(r, "jenis_bukti")
        jenis = master.normalize_jenis_bukti(jb_raw) if jb_raw else None
        if jb_raw and jenis is None:
            c.add(r, "jenis_bukti", f"{jb_raw!r} is not a kind of evidence; write one of: "
                                    + ", ".join(master.JENIS_BUKTI))
        jumlah_raw = r.values.get("jumlah")
        try:
            jumlah = int(float(str(jumlah_raw))) if jumlah_raw not in (None, "") else 1
            if jumlah < 1:
                raise ValueError
        except ValueError:
            c.add(r, "jumlah", f"{jumlah_raw!r} is not a count; write a whole number from 1")
            jumlah = 1
        if key is None or not periode or not kode:
            continue
        head = heads[key][1]
        if kode not in codes[key]:
            c.add(r, "iki", f"indicator {kode} is not on sheet 'Indikator' for NIP {key[0]} / {key[1]}")
            continue
        start, end = head["awal"] or dt.date(key[1], 1, 1), head["akhir"] or dt.date(key[1], 12, 31)
        if not overlaps(span(periode, key[1]), start, end):
            c.add(r, "periode", f"periode {periode} is outside the SKP's periode penilaian "
                                f"({start.isoformat()} to {end.isoformat()}); use one inside it")
            continue
        if _dupe(c, seen, (key, kode, periode, jenis), r, "jenis_bukti",
                 f"evidence plan {kode}/{periode}/{jenis or '(any)'}"):
            continue
        g = grouped.setdefault((key, kode, periode), {"jenis": [], "jumlah": 1, "aksi": []})
        if jenis:
            g["jenis"].append(jenis)
        g["jumlah"] = max(g["jumlah"], jumlah)
        aksi = c.text(r, "rencana_aksi")
        if aksi and aksi not in g["aksi"]:
            g["aksi"].append(aksi)
    out: dict[tuple[tuple[str, int], str], list[RencanaBukti]] = defaultdict(list)
    for (key, kode, periode), g in grouped.items():
        out[(key, kode)].append(RencanaBukti(periode, tuple(g["jenis"]), g["jumlah"], "; ".join(g["aksi"])))
    return out


def _perilaku(c: _Ctx, rows: list[Row], heads: dict[tuple[str, int], Any]) -> dict[tuple[str, int], dict[int, str]]:
    out: dict[tuple[str, int], dict[int, str]] = defaultdict(dict)
    seen: dict[Any, int] = {}
    for r in rows:
        key = _skp_of(c, r, heads)
        raw = c.text(r, "nilai", True, "a BerAKHLAK value")
        cv = master.core_value(raw) if raw else None
        if raw and cv is None:
            c.add(r, "nilai", f"{raw!r} is not a BerAKHLAK core value; write one of: "
                              + ", ".join(master.BERAKHLAK_NAMES))
        if key is None or cv is None or _dupe(c, seen, (key, cv.nilai), r, "nilai", f"core value {cv.nama}"):
            continue
        out[key][cv.nilai] = c.text(r, "ekspektasi")
    return out


def _lampiran(c: _Ctx, rows: list[Row],
              heads: dict[tuple[str, int], Any]) -> dict[tuple[tuple[str, int], str], list[str]]:
    out: dict[tuple[tuple[str, int], str], list[str]] = defaultdict(list)
    for r in rows:
        key = _skp_of(c, r, heads)
        jenis = c.choice(r, "jenis", LAMPIRAN, True)
        uraian = c.text(r, "uraian", True, "the text of this lampiran item")
        if key and jenis and uraian:
            out[(key, jenis)].append(uraian)
    return out


def _check_cascade(c: _Ctx, skps: list[Skp], heads: dict[tuple[str, int], tuple[Row, dict[str, Any]]],
                   rhk: dict[tuple[str, int], list[tuple[Row, Rhk]]], sasaran: list[Sasaran], known: Known) -> None:
    """An intervened leader RHK must exist in the leader's (the penilai's) SKP of that year;
    a JPT may intervene an organisation sasaran instead."""
    codes = {k: set(v) for k, v in known.rhk.items()}
    for s in skps:
        codes[(s.nip, s.tahun)] = {x.kode for x in s.rhk}
    sas = {k: set(v) for k, v in known.sasaran.items()}
    for sx in sasaran:
        sas.setdefault((sx.unit, sx.tahun), set()).add(sx.kode)
    all_sas: defaultdict[int, set[str]] = defaultdict(set)
    for (_, tahun), v in sas.items():
        all_sas[tahun] |= v
    for s in skps:
        leader = codes.get((s.penilai.nip, s.tahun)) if s.penilai.nip else None
        for r, x in rhk.get((s.nip, s.tahun), []):
            if not x.rhk_pimpinan:
                if x.jenis == "UTAMA" and not s.jpt:
                    c.add(r, "rhk_pimpinan", f"RHK {x.kode} intervenes no leader RHK: it supports nothing in "
                                             "the performance tree; write the code of the penilai's RHK", WARNING)
                continue
            if x.rhk_pimpinan.upper() in all_sas[s.tahun]:
                continue
            if leader is not None:
                if x.rhk_pimpinan not in leader:
                    c.add(r, "rhk_pimpinan", f"{x.rhk_pimpinan} does not exist in the {s.tahun} SKP of the pejabat "
                                             f"penilai ({s.penilai.nama}, NIP {s.penilai.nip}); their RHK are: "
                                             + (", ".join(sorted(leader)) or "(none)"))
            else:
                c.add(r, "rhk_pimpinan", f"cannot check {x.rhk_pimpinan}: the {s.tahun} SKP of the pejabat penilai "
                                         f"({s.penilai.nama}) is not imported; import it too", WARNING)


__all__ = ["ERROR", "WARNING", "Known", "Problem", "Row", "Tables", "parse_date", "periods_of", "validate"]
