"""SKP input as JSON: the same tables as the workbook, keyed by field.

    {"unit": [{"kode": "DISKOMINFO", "nama": "Dinas ..."}],
     "pegawai": [{"nip": "198503152010011002", "nama": "...", ...}],
     "skp": [...], "rhk": [...], "indikator": [...], "rencana": [...], "perilaku": [...], "lampiran": [...]}

``bundle_tables`` turns a model bundle back into these tables, so an SKP can be written
out and read in again (and the demo builds its input the same way).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..i18n import _, ngettext
from .master import BERAKHLAK
from .model import LAMPIRAN, SkpBundle
from .sheets import BY_KEY
from .validate import Row, Tables


def json_error(exc: Exception) -> str:
    """Why a JSON file could not be read, in the reader's language (the json module's own words
    are English): where the syntax breaks, or that the bytes are not UTF-8 text."""
    if isinstance(exc, json.JSONDecodeError):
        return _("invalid JSON at line {line}, column {column}").format(line=exc.lineno, column=exc.colno)
    if isinstance(exc, UnicodeDecodeError):
        return _("the file is not UTF-8 text")
    return str(exc)


def read_json(path: Path) -> Tables:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(_("{file}: not a readable JSON file: {error}").format(
            file=path, error=json_error(exc))) from None
    return tables_from_obj(data, str(path))


def tables_from_obj(data: Any, name: str = "JSON") -> Tables:
    if not isinstance(data, dict):
        raise UsageError(_("{file}: expected an object with the tables ({tables}) as lists of rows").format(
            file=name, tables=", ".join(BY_KEY)))
    unknown = [k for k in data if k not in BY_KEY]
    if unknown:
        raise UsageError(ngettext("{file}: unknown table {tables}; known: {known}",
                                  "{file}: unknown tables {tables}; known: {known}", len(unknown)).format(
            file=name, tables=", ".join(map(repr, unknown)), known=", ".join(BY_KEY)))
    tables: Tables = {}
    for key, rows in data.items():
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise UsageError(_("{file}: {table!r} must be a list of objects (one per row)").format(
                file=name, table=key))
        known = {c.key for c in BY_KEY[key].columns}
        cols = {k: k for k in known}
        out = []
        for i, r in enumerate(rows, 1):
            extra = set(r) - known
            if extra:
                raise UsageError(ngettext("{file}: {row} has an unknown field {fields}; known: {known}",
                                          "{file}: {row} has unknown fields {fields}; known: {known}", len(extra))
                                 .format(file=name, row=f"{key}[{i}]", fields=", ".join(sorted(extra)),
                                         known=", ".join(c.key for c in BY_KEY[key].columns)))
            out.append(Row(key, i, dict(r), cols))
        tables[key] = out
    return tables


def _iso(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


def bundle_tables(b: SkpBundle) -> dict[str, list[dict[str, Any]]]:
    """The bundle as input tables (what read_json / the workbook accept)."""
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in BY_KEY}
    out["unit"] = [{"kode": u.kode, "nama": u.nama, "induk": u.induk or "", "instansi": u.instansi} for u in b.units]
    out["pegawai"] = [{"nip": p.nip, "nama": p.nama, "jenis_pegawai": p.jenis_pegawai, "golongan": p.golongan,
                       "jabatan": p.jabatan, "jenis_jabatan": p.jenis_jabatan, "unit": p.unit} for p in b.pegawai]
    out["sasaran"] = [{"unit": s.unit, "tahun": s.tahun, "kode": s.kode, "teks": s.teks, "indikator": s.indikator,
                       "target": s.target} for s in b.sasaran]
    for s in b.skp:
        skema = "TAHUNAN" if s.periode == ("TAHUNAN",) else "BULANAN" if s.periode and s.periode[0].isdigit() \
            else "TRIWULAN"
        head = {"nip": s.nip, "tahun": s.tahun, "pendekatan": s.pendekatan, "awal": _iso(s.awal),
                "akhir": _iso(s.akhir), "skema": skema, "penilai_nip": s.penilai.nip, "penilai_nama": s.penilai.nama,
                "penilai_pangkat": s.penilai.pangkat_golongan, "penilai_jabatan": s.penilai.jabatan,
                "penilai_unit": s.penilai.unit_kerja, "instansi": s.instansi, "tempat": s.tempat,
                "tanggal": _iso(s.tanggal)}
        if s.atasan_penilai:
            a = s.atasan_penilai
            head.update(atasan_nip=a.nip, atasan_nama=a.nama, atasan_pangkat=a.pangkat_golongan,
                        atasan_jabatan=a.jabatan, atasan_unit=a.unit_kerja)
        out["skp"].append(head)
        key = {"nip": s.nip, "tahun": s.tahun}
        for r in s.rhk:
            out["rhk"].append({**key, "kode": r.kode, "jenis": r.jenis, "teks": r.teks,
                               "rhk_pimpinan": r.rhk_pimpinan, "penugasan_dari": r.penugasan_dari})
            for i in r.indikator:
                out["indikator"].append({**key, "rhk": r.kode, "kode": i.kode, "teks": i.teks, "aspek": i.aspek,
                                         "perspektif": i.perspektif, "target": i.target.teks,
                                         "satuan": "" if i.target.satuan in i.target.teks else i.target.satuan})
                for plan in i.rencana:
                    for j in plan.jenis_bukti or ("",):
                        out["rencana"].append({**key, "iki": i.kode, "periode": plan.periode,
                                               "rencana_aksi": plan.rencana_aksi, "jenis_bukti": j,
                                               "jumlah": plan.jumlah})
        for beh in s.perilaku:
            if beh.ekspektasi:
                out["perilaku"].append({**key, "nilai": BERAKHLAK[beh.nilai - 1].nama, "ekspektasi": beh.ekspektasi})
        for jenis, items in zip(LAMPIRAN, (s.lampiran.dukungan_sumber_daya, s.lampiran.skema_pertanggungjawaban,
                                           s.lampiran.konsekuensi), strict=True):
            out["lampiran"].extend({**key, "jenis": jenis, "uraian": u} for u in items)
    return out
