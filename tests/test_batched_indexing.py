"""New files reach the index in batches (one commit per batch), extracted in parallel worker
processes; a hostile file never stalls the others; failed writes are queued, not lost."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import NIP_A, NIP_B, Workspace, make_docx, make_pdf, make_xlsx
from test_extract import slow_pdf

from archiver import extract as ex_mod
from archiver.catalog import text as ctext
from archiver.search import index_pending


def _commits(ws: Workspace) -> int:
    """How many times the live index was committed (Whoosh numbers its table of contents)."""
    tocs = [int(m.group(1)) for p in (ws.root / "index").glob("*.toc") if (m := re.search(r"_(\d+)\.toc$", p.name))]
    assert tocs, "no index"
    return max(tocs)


def _set(ws: Workspace, **values: str) -> None:
    text = ws.config_path.read_text(encoding="utf-8")
    for key, value in values.items():
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
        assert n == 1, key
    ws.config_path.write_text(text, encoding="utf-8")


def test_a_looping_pdf_among_50_good_files_stalls_nothing_and_one_commit_holds_them(ws: Workspace) -> None:
    _set(ws, timeout_seconds="1.0", ocr="false", workers="2")
    base = f"{NIP_A}/2026/TW1/RHK-01"
    ws.put(f"{base}/lambat.pdf", slow_pdf(300_000))  # ~9 s of pypdf: stopped at 1 s
    makers = (lambda i: ("pdf", make_pdf(f"Laporan kegiatan nomor{i} minggu ke dua", pages=1 + i % 3)),
              lambda i: ("docx", make_docx(f"Notulen rapat nomor{i}", "Peserta hadir lengkap")),
              lambda i: ("xlsx", make_xlsx([["Uraian", "Nomor"], [f"rekap nomor{i}", i]])))
    for i in range(50):
        ext, data = makers[i % 3](i)
        ws.put(f"{NIP_B if i % 2 else NIP_A}/2026/TW1/RHK-0{1 + i % 3}/berkas {i:02d}.{ext}", data)
    res = ws.cli_json("ingest")
    assert len(res) == 51 and {r["status"] for r in res} == {"archived"}
    for i in range(50):
        hits = ws.cli_json("search", f"nomor{i}")
        assert [h["name"] for h in hits] == [f"berkas {i:02d}.{('pdf', 'docx', 'xlsx')[i % 3]}"], i
    with ws.open() as archive:
        slow = ctext.get_text(archive.catalog, next(r["sha256"] for r in res if r["path"].endswith("lambat.pdf")))
        assert slow is not None and slow.reason == "no text: extraction timed out after 1 s"
        assert ctext.pending_ids(archive.catalog, _generation(ws)) == []
    assert _commits(ws) <= 2  # created, then one batch: never a commit per file
    assert len(ex_mod.worker_pids()) <= 2


def _generation(ws: Workspace) -> str:
    with ws.open() as archive:
        from archiver.search import backend_of

        gen = backend_of(archive).generation()
    assert gen
    return gen


def test_batches_follow_batch_size_and_the_pass_merges(ws: Workspace) -> None:
    _set(ws, batch_size="10", ocr="false")
    for i in range(35):
        ws.put(f"{NIP_A}/2026/TW2/RHK-01/surat {i:02d}.pdf", make_pdf(f"Surat tugas nomor{i}"))
    assert len(ws.cli_json("ingest")) == 35
    assert 4 <= _commits(ws) <= 6  # created + 4 batches (10, 10, 10, 5), maybe one merge
    assert len(ws.cli_json("search", "surat", "--limit", "100")) == 35
    with ws.open() as archive:
        report = index_pending(archive)
        assert report.pending == 0
        from archiver.search import backend_of

        assert backend_of(archive).segment_count() == 1  # the pass merged the batches' segments


def test_one_file_alone_is_indexed_at_once_outside_a_batch(ws: Workspace, tmp_path: Path) -> None:
    ws.put(f"{NIP_A}/2026/TW1/RHK-01/tunggal.pdf", make_pdf("Berita acara serah terima"))
    res = ws.cli_json("ingest", str(ws.drop / f"{NIP_A}/2026/TW1/RHK-01/tunggal.pdf"))
    assert [r["status"] for r in res] == ["archived"]
    assert [h["name"] for h in ws.cli_json("search", "serah terima")] == ["tunggal.pdf"]
