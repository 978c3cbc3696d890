"""Search quality: Indonesian queries with morphological variants, text only in table cells,
text only in scanned images (OCR), and filters, each with its expected hits.

The corpus is ingested once through `archiver ingest` into a real workspace. A case lists
the files that must be returned (``want``; the first result must be one of them) and,
when ``exact``, nothing else may be.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    NIP_A,
    NIP_B,
    Workspace,
    make_docx,
    make_pdf,
    make_xlsx,
    require_program,
)
from test_extract import text_image

from archiver.config import write_workspace

A1 = f"{NIP_A}/2026/TW1"
A3 = f"{NIP_A}/2026/TW3"
B1 = f"{NIP_B}/2026/TW1"
B2 = f"{NIP_B}/2026/TW2"


def _docx_with_table(title: str, rows: list[list[str]]) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph(title)
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _scan(lines: list[str]) -> bytes:
    """A 'scanned' page: text only as pixels."""
    return text_image(lines)


CORPUS: dict[str, bytes] = {
    f"{A1}/RHK-01/laporan_sosialisasi.pdf": make_pdf(
        "Laporan pelaksanaan sosialisasi PermenPANRB Nomor 6 Tahun 2022 tentang pengelolaan kinerja "
        "pegawai aparatur sipil negara di lingkungan dinas"),
    f"{A1}/RHK-02/rekap_aduan.docx": make_docx(
        "Rekapitulasi pengaduan masyarakat yang diterima melalui aplikasi SP4N LAPOR",
        "Seluruh aduan telah ditindaklanjuti oleh unit pelayanan terpadu"),
    f"{A3}/RHK-01/surat_tugas.pdf": make_pdf(
        "Surat perintah tugas untuk melaksanakan monitoring dan evaluasi penerapan sistem merit"),
    f"{A3}/RHK-02/ringkasan.docx": make_docx("Ringkasan (résumé) hasil penilaian kinerja triwulan ketiga"),
    f"{B1}/RHK-02/sertifikat.pdf": make_pdf(
        "Sertifikat pelatihan kepemimpinan administrator yang diselenggarakan Lembaga Administrasi Negara"),
    f"{B1}/RHK-03/laporan_pelaksanaan_pembinaan.docx": make_docx(
        "Laporan pembinaan pegawai", "Pelaksanaan pembinaan disiplin bagi pegawai baru"),
    f"{B2}/RHK-01/realisasi.xlsx": make_xlsx([
        ["Uraian", "Pagu", "Realisasi"],
        ["Belanja perjalanan dinas dalam daerah", 150_000_000, 120_500_000],
        ["Pemeliharaan gedung kantor", 80_000_000, 79_000_000]]),
    f"{B2}/RHK-03/renstra.docx": _docx_with_table("Lampiran", [
        ["No", "Dokumen"], ["1", "Penyusunan rencana strategis"], ["2", "Penetapan indikator kinerja utama"]]),
}
SCANS: dict[str, bytes] = {
    f"{B2}/RHK-02/berita_acara.png": _scan(["BERITA ACARA SERAH TERIMA", "Penyerahan barang milik daerah"]),
}


@dataclass(frozen=True)
class Case:
    query: str
    want: tuple[str, ...]
    args: tuple[str, ...] = ()
    exact: bool = True
    why: str = ""


CASES = [
    # morphological variants (prefixes, suffixes, confixes)
    Case("melaksanakan sosialisasi", (f"{A1}/RHK-01/laporan_sosialisasi.pdf",), why="meN-kan finds pe-an"),
    Case("pelaksanaan", (f"{A1}/RHK-01/laporan_sosialisasi.pdf", f"{A3}/RHK-01/surat_tugas.pdf",
                         f"{B1}/RHK-03/laporan_pelaksanaan_pembinaan.docx"), exact=True, why="pe-an finds meN-kan"),
    Case("mengadukan", (f"{A1}/RHK-02/rekap_aduan.docx",), why="meN-kan finds peN-an and the bare root"),
    Case("menindaklanjuti", (f"{A1}/RHK-02/rekap_aduan.docx",), why="compound root: di-...-i"),
    Case("mengelola kinerja", (f"{A1}/RHK-01/laporan_sosialisasi.pdf",), why="meN- finds peN-an (k dropped)"),
    Case("dievaluasi", (f"{A3}/RHK-01/surat_tugas.pdf",)),
    Case("diterapkan", (f"{A3}/RHK-01/surat_tugas.pdf",), why="di-kan finds peN-an (t dropped)"),
    Case("penyelenggaraan pelatihan", (f"{B1}/RHK-02/sertifikat.pdf",), why="peN-an finds di-kan"),
    Case("pemimpin", (f"{B1}/RHK-02/sertifikat.pdf",), why="ke-an finds peN-"),
    Case("menilai", (f"{A3}/RHK-02/ringkasan.docx",), why="meN- finds peN-an"),
    Case("RESUME", (f"{A3}/RHK-02/ringkasan.docx",), why="case and accent folding"),
    Case("membina", (f"{B1}/RHK-03/laporan_pelaksanaan_pembinaan.docx",)),
    Case("pengawasan", (), why="no document is about supervision"),
    # text only in table cells
    Case("perjalanan dinas", (f"{B2}/RHK-01/realisasi.xlsx",), why="spreadsheet cell"),
    Case("dipelihara gedung", (f"{B2}/RHK-01/realisasi.xlsx",), why="spreadsheet cell + variant"),
    Case("menyusun rencana strategis", (f"{B2}/RHK-03/renstra.docx",), why="Word table cell + variant"),
    Case('"indikator kinerja utama"', (f"{B2}/RHK-03/renstra.docx",), why="phrase in a Word table cell"),
    # filters
    Case("laporan", (f"{A1}/RHK-01/laporan_sosialisasi.pdf", f"{A1}/RHK-02/rekap_aduan.docx"), ("--nip", NIP_A),
         why="'SP4N LAPOR' shares the root lapor"),
    Case("laporan", (f"{B1}/RHK-03/laporan_pelaksanaan_pembinaan.docx",), ("--nip", NIP_B)),
    Case("kinerja", (f"{A3}/RHK-02/ringkasan.docx",), ("--periode", "TW3")),
    Case("kinerja", (f"{B2}/RHK-03/renstra.docx",), ("--nip", NIP_B, "--rhk", "RHK-03")),
    Case("pegawai", (f"{B1}/RHK-03/laporan_pelaksanaan_pembinaan.docx",), ("--type", "docx")),
    Case("pegawai", (), ("--tahun", "2025")),
    Case("pelaksanaan OR pelatihan", (f"{B1}/RHK-02/sertifikat.pdf", f"{B1}/RHK-03/laporan_pelaksanaan_pembinaan.docx"),
         ("--nip", NIP_B, "--periode", "TW1")),
]
OCR_CASES = [
    Case("serah terima", (f"{B2}/RHK-02/berita_acara.png",), why="text only in pixels"),
    Case("menyerahkan barang", (f"{B2}/RHK-02/berita_acara.png",), ("--nip", NIP_B), why="OCR + variant + filter"),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    cfg = write_workspace(tmp_path_factory.mktemp("quality") / "ws")
    ws = Workspace(cfg.parent, cfg, CliRunner())
    for rel, data in {**CORPUS, **SCANS}.items():
        ws.put(rel, data)
    res = ws.cli("ingest")
    assert res.exit_code == 0, res.output
    return ws


def _check(ws: Workspace, case: Case) -> None:
    got = [r["path"].removeprefix("drop/") for r in ws.cli_json("search", case.query, *case.args, "--limit", "20")]
    if not case.want:
        assert got == [], f"{case.query!r} {case.args}: expected nothing ({case.why}), got {got}"
        return
    assert got and got[0] in case.want, f"{case.query!r} {case.args}: top hit {got[:1]} not in {case.want} ({case.why})"
    missing = set(case.want) - set(got)
    assert not missing, f"{case.query!r} {case.args}: missing {missing} ({case.why})"
    if case.exact:
        extra = set(got) - set(case.want)
        assert not extra, f"{case.query!r} {case.args}: unexpected {extra}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.query}|{' '.join(c.args)}")
def test_quality(corpus: Workspace, case: Case) -> None:
    _check(corpus, case)


def test_quality_ocr(corpus: Workspace) -> None:
    require_program("tesseract")
    res = corpus.cli("reindex", "--pending", "--ocr")
    assert res.exit_code == 0, res.output
    for case in OCR_CASES:
        _check(corpus, case)
    for case in CASES:  # OCR added documents without disturbing the others
        _check(corpus, case)


def test_quality_survives_reindex(corpus: Workspace, tmp_path: Path) -> None:
    # Same hits, order and snippets. Scores may move slightly: Whoosh counts documents replaced
    # by update_document (the OCR pass) in its length statistics until their segment merges.
    def view() -> dict[str, list[tuple[str, str]]]:
        return {c.query + str(c.args): sorted((r["path"], r["snippet"])
                                              for r in corpus.cli_json("search", c.query, *c.args)) for c in CASES}

    before = view()
    assert corpus.cli("reindex").exit_code == 0
    assert view() == before
