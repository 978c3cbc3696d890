"""Coverage: per pegawai x RHK/indicator x periode, the evidence filed against the evidence plan.

The plan of an indicator (``RencanaBukti``) names, per periode, the kinds of evidence
expected and how many of each. An indicator without a plan expects at least one file in
each evaluation periode of its SKP. Evidence counts when it is stored, current (latest
version, not removed) and resolves to that indicator (filed under its IKI code, or under
its RHK code); a month's evidence counts for the quarter it falls in. The kind of each
file is recognised from its name (``master.jenis_bukti_of``).

Reviews (``archiver.review``): evidence whose current judgement is ``ditolak`` (rejected) does
not count; each row says how many of the files it counts still await review (``menunggu``)
and how many were rejected.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from ..catalog import reviews as creviews
from ..catalog import skp as q
from ..errors import UsageError
from ..evidence import EvidenceKey
from ..i18n import _
from ..periode import quarter_of
from . import master
from .model import Indikator, RencanaBukti, Rhk, Skp
from .resolution import RESOLVED, current_submissions, link_codes, resolve
from .selection import load_scope

if TYPE_CHECKING:
    from ..archive import Archive

LENGKAP, KURANG, KOSONG = "lengkap", "kurang", "kosong"


@dataclass
class Evidence:
    submission_id: int
    name: str
    path: str
    periode: str | None
    jenis: str
    sha256: str
    review: str = creviews.AWAITING  # the current judgement (archiver.review), menunggu without one


@dataclass
class CoverageRow:
    nip: str
    nama: str
    unit: str
    jabatan: str
    tahun: int
    periode: str
    rhk: str
    rhk_teks: str
    iki: str
    iki_teks: str
    rencana_aksi: str
    expected: dict[str, int]  # jenis bukti -> how many (empty: any kind)
    jumlah: int  # files expected when no kind is named
    found: int
    by_jenis: dict[str, int]
    missing: list[str]
    status: str
    evidence: list[Evidence] = field(default_factory=list)
    menunggu: int = 0  # of the files counted, how many await review
    ditolak: int = 0  # files filed here but rejected (not counted)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def key(self) -> EvidenceKey:
        """Where the evidence of this row is filed (pegawai, year, periode, RHK, indicator)."""
        return EvidenceKey(self.nip, self.tahun, self.periode, self.rhk, self.iki)


def _matches(plan_periode: str, evidence_periode: str | None) -> bool:
    if evidence_periode is None:
        return False
    return evidence_periode == plan_periode or quarter_of(evidence_periode) == plan_periode


def _plans(skp: Skp, ind: Indikator) -> tuple[RencanaBukti, ...]:
    return ind.rencana or tuple(RencanaBukti(p) for p in skp.periode)


def coverage(archive: Archive, *, unit: str | None = None, nip: str | None = None, tahun: int | None = None,
             periode: str | None = None) -> list[CoverageRow]:
    skps = load_scope(archive, unit=unit, nip=nip, tahun=tahun)
    if not skps:
        return []
    with archive.catalog.read() as conn:
        subs = current_submissions(conn, nips={s.nip for s in skps}, tahun=tahun)
        units = q.units(conn)
        judged = {i: r["state"] for i, r in creviews.current_in(conn, [row.id for row in subs]).items()}
    by_skp = {(s.nip, s.tahun): s for s in skps}
    filed: dict[tuple[str, int, str], list[tuple[Any, str | None]]] = defaultdict(list)  # (nip, tahun, rhk) -> rows
    for row in subs:
        skp = by_skp.get((row.nip, row.tahun))
        if skp is None:
            continue
        res = resolve(skp, *link_codes(row), row.periode)
        if res.state == RESOLVED and res.rhk:
            filed[(row.nip, row.tahun, res.rhk)].append((row, res.iki))
    out = []
    for s in skps:
        unit_name = units[s.unit].nama if s.unit in units else s.unit
        for r in s.rhk:
            for ind in r.indikator:
                for plan in _plans(s, ind):
                    if periode and plan.periode != periode and quarter_of(periode) != plan.periode:
                        continue
                    out.append(_row(s, unit_name, r, ind, plan, filed.get((s.nip, s.tahun, r.kode), []), judged))
    return out


def _row(s: Skp, unit_name: str, r: Rhk, ind: Indikator, plan: RencanaBukti,
         filed: list[tuple[Any, str | None]], judged: dict[int, str]) -> CoverageRow:
    ev = [Evidence(row.id, row.name, f"{row.share}/{row.relpath}", row.periode,
                   master.jenis_bukti_of(row.name, row.type), row.sha256, judged.get(row.id, creviews.AWAITING))
          for row, iki in filed if (iki is None or iki == ind.kode) and _matches(plan.periode, row.periode)]
    rejected = {e.sha256 for e in ev if e.review == "ditolak"}
    ev = [e for e in ev if e.review != "ditolak"]  # rejected evidence does not count
    unique = list({e.sha256: e for e in reversed(ev)}.values())[::-1]  # the same bytes twice count once
    by_jenis: dict[str, int] = defaultdict(int)
    for e in unique:
        by_jenis[e.jenis] += 1
    expected = dict.fromkeys(plan.jenis_bukti, plan.jumlah)
    missing = [f"{j} ({by_jenis.get(j, 0)}/{n})" for j, n in expected.items() if by_jenis.get(j, 0) < n]
    if not expected and len(unique) < plan.jumlah:
        missing = [f"bukti dukung ({len(unique)}/{plan.jumlah})"]
    status = KOSONG if not unique else (KURANG if missing else LENGKAP)
    return CoverageRow(s.nip, s.pegawai.nama, unit_name, s.pegawai.jabatan, s.tahun, plan.periode, r.kode, r.teks,
                       ind.kode, ind.teks, plan.rencana_aksi, expected, plan.jumlah, len(unique), dict(by_jenis),
                       missing, status, unique, sum(e.review == creviews.AWAITING for e in unique),
                       len(rejected - {e.sha256 for e in unique}))


def awaiting(rows: list[CoverageRow]) -> int:
    """How many counted files of these rows still await review (a file in two rows counts once)."""
    return len({e.submission_id for r in rows for e in r.evidence if e.review == creviews.AWAITING})


def summary(rows: list[CoverageRow]) -> dict[str, int]:
    out = {LENGKAP: 0, KURANG: 0, KOSONG: 0}
    for r in rows:
        out[r.status] += 1
    return out


_XLSX_HEADERS = ("NIP", "Nama", "Unit Kerja", "Tahun", "Periode", "Kode RHK", "Rencana Hasil Kerja", "Kode IKI",
                 "Indikator Kinerja Individu", "Rencana Aksi", "Bukti Diharapkan", "Jumlah Bukti", "Kekurangan",
                 "Status", "Berkas")


def write_xlsx(rows: list[CoverageRow], path: Path) -> Path:
    if path.suffix.lower() != ".xlsx":
        raise UsageError(_("{file}: write the coverage to FILE.xlsx").format(file=path))
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = "Cakupan Bukti Dukung"
    ws.append(_XLSX_HEADERS)
    for c in ws[1]:
        c.font = Font(bold=True)
    fills = {LENGKAP: "C6EFCE", KURANG: "FFEB9C", KOSONG: "FFC7CE"}
    for r in rows:
        expected = ", ".join(f"{j} ({n})" for j, n in r.expected.items()) or f"bukti dukung ({r.jumlah})"
        ws.append([r.nip, r.nama, r.unit, r.tahun, r.periode, r.rhk, r.rhk_teks, r.iki, r.iki_teks, r.rencana_aksi,
                   expected, r.found, ", ".join(r.missing), r.status, "; ".join(e.path for e in r.evidence)])
        ws.cell(ws.max_row, 14).fill = PatternFill("solid", fgColor=fills[r.status])
        ws.cell(ws.max_row, 1).number_format = "@"
    for col, width in zip("ABCDEFGHIJKLMNO", (21, 28, 28, 7, 8, 9, 40, 9, 40, 30, 30, 8, 30, 9, 60),
                          strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
