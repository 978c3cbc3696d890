"""Validation of SKP input: every problem at once, each naming sheet, row and column.

Pure: ``validate(tables, known)`` takes the rows read from a workbook or JSON file and
what the catalog already holds (``Known``), and returns the SkpBundle it describes and
the list of problems. Errors stop an import; warnings (normative indicators, leader
SKP not available to check against) are reported and the import goes on.

Nothing wrong is stored quietly: the penilai and atasan named by NIP must be pegawai (of
the input or the catalog); a unit written inside a target must agree with Satuan; a
missing sheet is named once (the rows that depend on it are not reported one by one);
and the same problem on many rows is reported once with the rows listed ("rows 4, 5, 9-21").
Messages are built in the reader's language (``archiver.i18n``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from ..evidence import normalize_iki, normalize_rhk
from ..i18n import _
from ..periode import normalize_periode, overlaps, span
from . import master
from .cells import ERROR, WARNING, Known, Problem, Row, Tables, merge_repeated, parse_date, periods_of, rows_text
from .cells import Ctx as _Ctx
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
    Target,
    UnitKerja,
    is_jpt,
    parse_target,
)
from .sheets import BY_KEY

__all__ = ["ERROR", "WARNING", "Known", "Problem", "Row", "Tables", "merge_repeated", "parse_date", "periods_of",
           "rows_text", "validate"]


# --------------------------------------------------------------------------- the whole input

#: Which sheets the rows of a sheet refer to (a missing one is reported once, not per row).
_NEEDS = {"pegawai": "unit", "sasaran": "unit", "skp": "pegawai", "rhk": "skp", "indikator": "skp",
          "rencana": "skp", "perilaku": "skp", "lampiran": "skp"}


def _title(key: str) -> str:
    return BY_KEY[key].title


def validate(tables: Tables, known: Known | None = None) -> tuple[SkpBundle, list[Problem]]:
    known = known or Known()
    c = _Ctx(tables)
    _missing_sheets(c, tables, known)
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
                for _r, i in iki.get((key, x.kode), []))
            if not inds and "indikator" in c.present:
                c.add(rr, "kode", _("RHK {kode} has no indicator; add at least one row for it on sheet '{sheet}' "
                                    "(Kode RHK = {kode})").format(kode=x.kode, sheet=_title("indikator")))
            rhks.append(Rhk(x.kode, x.teks, x.jenis, x.rhk_pimpinan, x.rhk_pimpinan_teks, x.penugasan_dari, inds))
        if not rhks and "rhk" in c.present:
            c.add(r, None, _("the SKP of NIP {nip} for {tahun} has no RHK; add rows on sheet '{sheet}'").format(
                nip=key[0], tahun=key[1], sheet=_title("rhk")))
        beh = perilaku.get(key) or {}
        skps.append(Skp(**{**head, "rhk": tuple(rhks),
                           "perilaku": tuple(Perilaku(n, beh.get(n, "")) for n in range(1, 8)),
                           "lampiran": Lampiran(*(tuple(lampiran.get((key, j), ())) for j in LAMPIRAN))}))
    _check_cascade(c, skps, heads, rhk, sasaran, known)
    bundle = SkpBundle(tuple(units.values()), tuple(pegawai.values()), tuple(sasaran), tuple(skps))
    return bundle, merge_repeated(c.problems)


def _missing_sheets(c: _Ctx, tables: Tables, known: Known) -> None:
    """A sheet the other sheets' rows need, absent from the input: one problem naming it."""
    if tables.get("skp") is None and any(tables.get(k) for k in ("rhk", "indikator", "rencana", "perilaku",
                                                                  "lampiran")):
        users = [_title(k) for k in ("rhk", "indikator", "rencana", "perilaku", "lampiran") if tables.get(k)]
        c.add(None, None, _("the sheet is missing, but the rows on sheet(s) {sheets} belong to SKPs listed "
                            "there; add the sheet '{sheet}' (copy it from the template) with one row per SKP")
              .format(sheets=", ".join(f"'{u}'" for u in users), sheet=_title("skp")), sheet="skp")
        c.quiet_skp = True
    if tables.get("skp") and tables.get("rhk") is None:
        c.add(None, None, _("the sheet is missing: every SKP needs its RHK; add the sheet '{sheet}' (copy it "
                            "from the template)").format(sheet=_title("rhk")), sheet="rhk")
    if tables.get("rhk") and tables.get("indikator") is None:
        c.add(None, None, _("the sheet is missing: every RHK needs at least one indicator; add the sheet "
                            "'{sheet}' (copy it from the template)").format(sheet=_title("indikator")),
              sheet="indikator")


def _dupe(c: _Ctx, seen: dict[Any, int], key: Any, r: Row, col: str, what: str) -> bool:
    if key in seen:
        c.add(r, col, _("duplicate {what} (already on row {row}); each may appear once").format(
            what=what, row=seen[key]))
        return True
    seen[key] = r.row
    return False


def _not_on_sheet(c: _Ctx, sheet: str) -> str:
    """The end of "X is ...": not on the sheet, or the sheet itself is missing."""
    if sheet in c.present:
        return _("is not on sheet '{sheet}' nor already imported").format(sheet=_title(sheet))
    return _("is not imported yet and this workbook has no sheet '{sheet}'").format(sheet=_title(sheet))


def _units(c: _Ctx, rows: list[Row], known: Known) -> dict[str, UnitKerja]:
    out: dict[str, UnitKerja] = {}
    seen: dict[Any, int] = {}
    for r in rows:
        kode = c.text(r, "kode", True, _("a short code such as DISKOMINFO")).upper()
        nama = c.text(r, "nama", True, _("the unit's name"))
        if not kode or _dupe(c, seen, kode, r, "kode", _("unit code {kode}").format(kode=kode)):
            continue
        out[kode] = UnitKerja(kode, nama, c.text(r, "induk").upper() or None, c.text(r, "instansi"))
    for r in rows:
        kode = c.text(r, "kode").upper()
        u = out.get(kode)
        if u and u.induk and u.induk not in out and u.induk not in known.units:
            c.add(r, "induk", _("parent unit {unit!r} is not on this sheet nor already imported").format(
                unit=u.induk))
    for kode in out:  # cycles
        path, cur = [], kode
        while cur and cur not in path:
            path.append(cur)
            cur = (out.get(cur) or known.units.get(cur) or UnitKerja(cur, "")).induk or ""
        if cur:
            c.add(next(r for r in rows if c.text(r, "kode").upper() == kode), "induk",
                  _("units form a loop: {path}").format(path=" -> ".join(path + [cur])))
    return out


def _unit_ref(c: _Ctx, r: Row, units: dict[str, UnitKerja], known: Known) -> str:
    unit = c.text(r, "unit", True, _("a code from sheet '{sheet}'").format(sheet=_title("unit"))).upper()
    if unit and unit not in units and unit not in known.units:
        c.add(r, "unit", _("unit {unit!r} {where}").format(unit=unit, where=_not_on_sheet(c, "unit")))
    return unit


def _pegawai(c: _Ctx, rows: list[Row], units: dict[str, UnitKerja], known: Known) -> dict[str, Pegawai]:
    out: dict[str, Pegawai] = {}
    seen: dict[Any, int] = {}
    for r in rows:
        jenis = c.choice(r, "jenis_pegawai", JENIS_PEGAWAI) or "PNS"
        nip = c.nip(r, "nip", jenis=jenis)
        nama = c.text(r, "nama", True, _("the full name with titles"))
        jabatan = c.text(r, "jabatan", True, _("the jabatan, e.g. Kepala Seksi Aplikasi"))
        jj = c.choice(r, "jenis_jabatan", JENIS_JABATAN, True)
        unit = _unit_ref(c, r, units, known)
        gol_raw = c.text(r, "golongan")
        gol = master.normalize_golongan(gol_raw, jenis) if gol_raw else ""
        if gol is None:
            allowed = "I ... XVII" if jenis == "PPPK" else _("a golongan such as III/a, III.a or IIIa (I/a ... IV/e)")
            c.add(r, "golongan", _("{value!r} is not a golongan of a {jenis}; write {allowed}").format(
                value=gol_raw, jenis=jenis, allowed=allowed))
            gol = ""
        if nip is None or _dupe(c, seen, nip, r, "nip", f"NIP {nip}"):
            continue
        out[nip] = Pegawai(nip, nama, jabatan, jj, unit, gol, master.pangkat_of(gol) if jenis == "PNS" else "", jenis)
    return out


def _sasaran(c: _Ctx, rows: list[Row], units: dict[str, UnitKerja], known: Known) -> list[Sasaran]:
    out = []
    seen: dict[Any, int] = {}
    for r in rows:
        unit = _unit_ref(c, r, units, known)
        tahun = c.year(r)
        kode = c.text(r, "kode", True, _("a code such as SS-01")).upper()
        teks = c.text(r, "teks", True, _("the sasaran strategis"))
        if not (unit and tahun and kode) or _dupe(c, seen, (unit, tahun, kode), r, "kode",
                                                 _("sasaran {kode}").format(kode=kode)):
            continue
        out.append(Sasaran(unit, tahun, kode, teks, c.text(r, "indikator"), c.text(r, "target")))
    return out


_TITLES = re.compile(r"^(?:(?:dr|drs|dra|ir|h|hj|prof|kh)\.?\s+)+", re.IGNORECASE)


def _core_name(nama: str) -> str:
    """The name without academic titles or punctuation, to compare two spellings of one person."""
    s = _TITLES.sub("", nama.split(",")[0].strip())
    return " ".join(re.sub(r"[^\w\s]", " ", s).split()).casefold()


def _pejabat(c: _Ctx, r: Row, prefix: str, pegawai: dict[str, Pegawai], units: dict[str, UnitKerja],
             required: bool) -> tuple[Pejabat | None, bool]:
    """The penilai or atasan of an SKP row, and whether it is right. A NIP must be a pegawai of
    the input or the catalog (its name, jabatan and unit come from there); without a NIP (a
    Bupati, a Menteri) the name is written."""
    what = _("pejabat penilai") if prefix == "penilai" else _("atasan pejabat penilai")
    errors = sum(p.level == ERROR for p in c.problems)
    nip = c.nip(r, f"{prefix}_nip", required=False)
    ok = sum(p.level == ERROR for p in c.problems) == errors
    p = pegawai.get(nip or "")
    typed = c.text(r, f"{prefix}_nama")
    if nip and p is None:
        c.add(r, f"{prefix}_nip", _("the {what}'s NIP {nip} {where}: add this pegawai (NIP, name, jabatan, unit) "
                                    "there, or correct the NIP").format(
            what=what, nip=nip, where=_not_on_sheet(c, "pegawai")))
        return None, False
    if p is not None and typed and _core_name(typed) != _core_name(p.nama):
        c.add(r, f"{prefix}_nama", _("{typed!r} is not the name of NIP {nip} ({nama!r} on sheet '{sheet}'); "
                                     "correct the name or the NIP, or leave the name empty").format(
            typed=typed, nip=p.nip, nama=p.nama, sheet=_title("pegawai")))
        return None, False
    nama = typed or (p.nama if p else "")
    if not nama:
        if required:
            c.add(r, f"{prefix}_nama", _("the {what} is missing: write the NIP of a pegawai on sheet '{sheet}', "
                                         "or the name").format(what=what, sheet=_title("pegawai")))
            return None, False
        return None, ok
    unit = units.get(p.unit) if p else None
    return Pejabat(nama=nama, nip=nip or "",
                   pangkat_golongan=c.text(r, f"{prefix}_pangkat") or (p.pangkat_golongan if p else ""),
                   jabatan=c.text(r, f"{prefix}_jabatan") or (p.jabatan if p else ""),
                   unit_kerja=c.text(r, f"{prefix}_unit") or (unit.nama if unit else "")), ok


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
                    c.add(r, k, _("{date} is outside the year {tahun}; an SKP covers one year: write a date in "
                                  "{tahun}").format(date=d.isoformat(), tahun=tahun))
            if awal and akhir and awal > akhir:
                c.add(r, "akhir", _("ends ({end}) before it starts ({start})").format(end=akhir, start=awal))
        penilai, penilai_ok = _pejabat(c, r, "penilai", pegawai, units, True)
        atasan, atasan_ok = _pejabat(c, r, "atasan", pegawai, units, False)
        p = pegawai.get(nip or "")
        if nip and not p:
            c.add(r, "nip", _("NIP {nip} {where}; add the pegawai there").format(
                nip=nip, where=_not_on_sheet(c, "pegawai")))
        if nip and penilai and penilai.nip == nip:
            c.add(r, "penilai_nip", _("a pegawai cannot be their own pejabat penilai"))
        if not (nip and tahun and p and penilai and atasan_ok and penilai_ok):
            if nip and tahun:
                c.bad_skp.add((nip, tahun))
            continue
        if _dupe(c, seen, (nip, tahun), r, "nip", f"SKP {nip}/{tahun}"):
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
        if (nip, tahun) not in c.bad_skp and not c.quiet_skp:  # else: reported on its SKP row / once
            c.add(r, "nip", _("there is no SKP for NIP {nip} and {tahun} on sheet '{sheet}'; add one there")
                  .format(nip=nip, tahun=tahun, sheet=_title("skp")))
        return None
    return nip, tahun


def _rhk(c: _Ctx, rows: list[Row], heads: dict[tuple[str, int], Any]) -> dict[tuple[str, int], list[tuple[Row, Rhk]]]:
    out: dict[tuple[str, int], list[tuple[Row, Rhk]]] = defaultdict(list)
    seen: dict[Any, int] = {}
    for r in rows:
        key = _skp_of(c, r, heads)
        kode = normalize_rhk(c.text(r, "kode", True, _("a code such as RHK-01")))
        jenis = c.choice(r, "jenis", ("UTAMA", "TAMBAHAN")) or "UTAMA"
        teks = c.text(r, "teks", True, _("the rencana hasil kerja"))
        pimpinan = c.text(r, "rhk_pimpinan")
        pimpinan = normalize_rhk(pimpinan) if pimpinan else ""
        if not (key and kode) or _dupe(c, seen, (key, kode), r, "kode",
                                       _("RHK code {kode} in this SKP").format(kode=kode)):
            continue
        out[key].append((r, Rhk(kode, teks, jenis, pimpinan, "", c.text(r, "penugasan_dari"))))
    return out


def _unit_word(u: str) -> str:
    u = " ".join(u.casefold().split())
    return {"%": "persen", "prosen": "persen"}.get(u, u)


def _target(c: _Ctx, r: Row, head: dict[str, Any]) -> Target:
    """The target of an indicator row: a number or range in Target, its unit in Satuan (a unit
    written in Target too is accepted when it is the same one)."""
    target_text = c.text(r, "target")
    satuan = c.text(r, "satuan")
    written = parse_target(target_text)
    if written.measurable and written.satuan and satuan and _unit_word(written.satuan) != _unit_word(satuan):
        number = target_text[:len(target_text) - len(written.satuan)].strip()
        c.add(r, "target", _("target {target!r} contains the unit {unit!r} but Satuan says {satuan!r}; write "
                             "only the number in Target ({number}) and the unit in Satuan").format(
            target=target_text, unit=written.satuan, satuan=satuan, number=number))
        return parse_target(target_text, satuan)
    if written.measurable and written.satuan and satuan:
        target_text = target_text[:len(target_text) - len(written.satuan)].strip()
    target = parse_target(target_text, satuan)
    if not target_text and not satuan:
        c.add(r, "target", _("the indicator has no target; write a number or range (12, 90-100) and its unit in "
                             "'Satuan'"))
    elif not target.measurable and head["pendekatan"] == "KUANTITATIF":
        c.add(r, "target", _("target {target!r} is not measurable; a kuantitatif SKP needs a number or range "
                             "(12, 90-100) with its unit").format(target=target_text or satuan))
    elif not target.measurable:
        c.add(r, "target", _("target {target!r} has no number; say how success is measured").format(
            target=target_text), WARNING)
    return target


def _indikator(c: _Ctx, rows: list[Row], heads: dict[tuple[str, int], Any],
               rhk: dict[tuple[str, int], list[tuple[Row, Rhk]]]
               ) -> dict[tuple[tuple[str, int], str], list[tuple[Row, Indikator]]]:
    out: dict[tuple[tuple[str, int], str], list[tuple[Row, Indikator]]] = defaultdict(list)
    seen: dict[Any, int] = {}
    for r in rows:
        key = _skp_of(c, r, heads)
        rk = normalize_rhk(c.text(r, "rhk", True, _("the code of an RHK on sheet '{sheet}'").format(
            sheet=_title("rhk"))))
        kode = normalize_iki(c.text(r, "kode", True, _("a code such as IKI-01")))
        teks = c.text(r, "teks", True, _("a measurable indicator, e.g. 'Jumlah aplikasi yang dimutakhirkan'"))
        aspek = c.choice(r, "aspek", ASPEK)
        perspektif = c.choice(r, "perspektif", PERSPEKTIF)
        if key is None:
            continue
        head = heads[key][1]
        if rk and rk not in {x.kode for _r, x in rhk.get(key, [])}:
            c.add(r, "rhk", _("RHK {rhk} is not on sheet '{sheet}' for NIP {nip} / {tahun}").format(
                rhk=rk, sheet=_title("rhk"), nip=key[0], tahun=key[1]))
            continue
        target = _target(c, r, head)
        if is_jpt(head["jenis_jabatan"]):
            if not perspektif:
                c.add(r, "perspektif", _("a JPT indicator needs a perspektif; write one of: {options}").format(
                    options=", ".join(PERSPEKTIF)))
        elif head["pendekatan"] == "KUANTITATIF" and not aspek:
            c.add(r, "aspek", _("a kuantitatif indicator needs an aspek; write Kuantitas, Kualitas, Waktu or Biaya"))
        if teks and master.is_normative(teks):
            c.add(r, "teks", _("indicator {teks!r} is normative (says that something happens, not how much); "
                               "rewrite it as a measure, e.g. 'Jumlah ...' or 'Persentase ...'").format(teks=teks),
                  WARNING)
        if not (kode and rk) or _dupe(c, seen, (key, kode), r, "kode",
                                      _("indicator code {kode} in this SKP").format(kode=kode)):
            continue
        out[(key, rk)].append((r, Indikator(kode, teks, target, aspek, perspektif)))
    return out


def _rencana(c: _Ctx, rows: list[Row], heads: dict[tuple[str, int], Any],
             iki: dict[tuple[tuple[str, int], str], list[tuple[Row, Indikator]]]
             ) -> dict[tuple[tuple[str, int], str], list[RencanaBukti]]:
    codes: dict[tuple[str, int], set[str]] = defaultdict(set)
    for (skp_key, _rk), items in iki.items():
        codes[skp_key].update(i.kode for _r, i in items)
    grouped: dict[tuple[tuple[str, int], str, str], dict[str, Any]] = {}
    seen: dict[Any, int] = {}
    for r in rows:
        key = _skp_of(c, r, heads)
        kode = normalize_iki(c.text(r, "iki", True, _("an indicator code from sheet '{sheet}'").format(
            sheet=_title("indikator"))))
        raw_p = c.text(r, "periode", True, _("TW1-TW4, a month 01-12 or TAHUNAN"))
        periode = normalize_periode(raw_p) if raw_p else None
        if raw_p and periode is None:
            c.add(r, "periode", _("{value!r} is not a periode; write TW1-TW4, a month 01-12 or TAHUNAN").format(
                value=raw_p))
        jb_raw = c.text(r, "jenis_bukti")
        jenis = master.normalize_jenis_bukti(jb_raw) if jb_raw else None
        if jb_raw and jenis is None:
            c.add(r, "jenis_bukti", _("{value!r} is not a kind of evidence; write one of: {options}").format(
                value=jb_raw, options=", ".join(master.JENIS_BUKTI)))
        jumlah_raw = r.values.get("jumlah")
        try:
            jumlah = int(float(str(jumlah_raw))) if jumlah_raw not in (None, "") else 1
            if jumlah < 1:
                raise ValueError
        except ValueError:
            c.add(r, "jumlah", _("{value!r} is not a count; write a whole number from 1").format(value=jumlah_raw))
            jumlah = 1
        if key is None or not periode or not kode:
            continue
        head = heads[key][1]
        if kode not in codes[key]:
            c.add(r, "iki", _("indicator {kode} is not on sheet '{sheet}' for NIP {nip} / {tahun}").format(
                kode=kode, sheet=_title("indikator"), nip=key[0], tahun=key[1]))
            continue
        start, end = head["awal"] or dt.date(key[1], 1, 1), head["akhir"] or dt.date(key[1], 12, 31)
        if not overlaps(span(periode, key[1]), start, end):
            c.add(r, "periode", _("periode {periode} is outside the SKP's periode penilaian ({start} to {end}); "
                                  "use one inside it").format(periode=periode, start=start.isoformat(),
                                                              end=end.isoformat()))
            continue
        if _dupe(c, seen, (key, kode, periode, jenis), r, "jenis_bukti",
                 _("evidence plan {plan}").format(plan=f"{kode}/{periode}/" + (jenis or _("(any)")))):
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
        raw = c.text(r, "nilai", True, _("a BerAKHLAK value"))
        cv = master.core_value(raw) if raw else None
        if raw and cv is None:
            c.add(r, "nilai", _("{value!r} is not a BerAKHLAK core value; write one of: {options}").format(
                value=raw, options=", ".join(master.BERAKHLAK_NAMES)))
        if key is None or cv is None or _dupe(c, seen, (key, cv.nilai), r, "nilai",
                                              _("core value {nama}").format(nama=cv.nama)):
            continue
        out[key][cv.nilai] = c.text(r, "ekspektasi")
    return out


def _lampiran(c: _Ctx, rows: list[Row],
              heads: dict[tuple[str, int], Any]) -> dict[tuple[tuple[str, int], str], list[str]]:
    out: dict[tuple[tuple[str, int], str], list[str]] = defaultdict(list)
    for r in rows:
        key = _skp_of(c, r, heads)
        jenis = c.choice(r, "jenis", LAMPIRAN, True)
        uraian = c.text(r, "uraian", True, _("the text of this lampiran item"))
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
    for (_u, tahun), v in sas.items():
        all_sas[tahun] |= v
    for s in skps:
        leader = codes.get((s.penilai.nip, s.tahun)) if s.penilai.nip else None
        for r, x in rhk.get((s.nip, s.tahun), []):
            if not x.rhk_pimpinan:
                if x.jenis == "UTAMA" and not s.jpt:
                    c.add(r, "rhk_pimpinan", _("RHK {kode} intervenes no leader RHK: it supports nothing in the "
                                               "performance tree; write the code of the penilai's RHK").format(
                        kode=x.kode), WARNING)
                continue
            if x.rhk_pimpinan.upper() in all_sas[s.tahun]:
                continue
            if leader is not None:
                if x.rhk_pimpinan not in leader:
                    c.add(r, "rhk_pimpinan", _("{kode} does not exist in the {tahun} SKP of the pejabat penilai "
                                               "({nama}, NIP {nip}); their RHK are: {codes}").format(
                        kode=x.rhk_pimpinan, tahun=s.tahun, nama=s.penilai.nama, nip=s.penilai.nip,
                        codes=", ".join(sorted(leader)) or _("(none)")))
            else:
                c.add(r, "rhk_pimpinan", _("cannot check {kode}: the {tahun} SKP of the pejabat penilai ({nama}) is "
                                           "not imported; import it too").format(
                    kode=x.rhk_pimpinan, tahun=s.tahun, nama=s.penilai.nama), WARNING)


__all__ = ["ERROR", "WARNING", "Known", "Problem", "Row", "Tables", "merge_repeated", "parse_date", "periods_of",
           "rows_text", "validate"]
