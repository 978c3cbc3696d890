"""New files reach the index in batches (one commit per batch), extracted in parallel worker
processes; a hostile file never stalls the others; failed writes are queued, not lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import NIP_A, NIP_B, Workspace, make_docx, make_pdf, make_xlsx, set_config_value
from test_extract import slow_pdf

from archiver import extract as ex_mod
from archiver import i18n
from archiver.catalog import signatures as csig
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
        if key == "workers":  # [extract] workers, not [work] workers
            text = set_config_value(text, "extract", key, value)
            continue
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
        assert n == 1, key
    ws.config_path.write_text(text, encoding="utf-8")


@pytest.mark.whoosh("counts Whoosh commits")
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
        assert slow is not None
        with i18n.use_language("en"):
            assert i18n.render(slow.reason) == "no text: extraction timed out after 1 s"
        assert ctext.pending_ids(archive.catalog, _generation(ws)) == []
    assert _commits(ws) <= 2  # created, then one batch: never a commit per file
    assert len(ex_mod.worker_pids()) <= 2


def _generation(ws: Workspace) -> str:
    with ws.open() as archive:
        from archiver.search import backend_of

        gen = backend_of(archive).generation()
    assert gen
    return gen


@pytest.mark.whoosh("Whoosh segments and merges")
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


# ----------------------------------------------------------------------------- the writer process

def _burst(ws: Workspace, n: int, word: str) -> None:
    for i in range(n):
        ws.put(f"{NIP_A}/2026/TW3/RHK-02/{word} {i:02d}.pdf", make_pdf(f"Laporan {word} nomor{i}"))


def _all_found(ws: Workspace, word: str, n: int) -> None:
    hits = ws.cli_json("search", word, "--limit", "500")
    assert sorted(h["name"] for h in hits) == sorted(f"{word} {i:02d}.pdf" for i in range(n))
    with ws.open() as archive:
        assert ctext.pending_ids(archive.catalog, _generation(ws)) == []
        assert ctext.queued_ids(archive.catalog, limit=1000) == []


def test_a_burst_is_indexed_by_a_writer_process_and_a_lone_batch_here(ws: Workspace) -> None:
    from archiver import ingest
    from archiver.search import batched

    _set(ws, batch_size="10", ocr="false")
    _burst(ws, 35, "pengadaan")
    with ws.open() as archive:
        with batched(archive) as batch:
            assert len(list(ingest.scan(archive))) == 35
        assert batch.processes == 1 and batch.written == 35 and batch.left_pending == 0
        pid = batch.writer_pid
    assert pid is not None and not Path(f"/proc/{pid}").exists()  # stopped and reaped at the end
    _all_found(ws, "pengadaan", 35)
    ws.put(f"{NIP_A}/2026/TW3/RHK-02/sendiri.pdf", make_pdf("Undangan rapat sendirian"))
    with ws.open() as archive:
        with batched(archive) as batch:
            assert len(list(ingest.scan(archive))) == 1
        assert batch.processes == 0 and batch.written == 1  # smaller than a batch: written in this process
    assert [h["name"] for h in ws.cli_json("search", "sendirian")] == ["sendiri.pdf"]


def test_a_killed_writer_process_loses_nothing(ws: Workspace) -> None:
    import os
    import signal
    import time

    from archiver import ingest
    from archiver.search import batched

    _set(ws, batch_size="10", ocr="false")
    _burst(ws, 60, "anggaran")
    with ws.open() as archive:
        with batched(archive) as batch:
            results = []
            for r in ingest.scan(archive):
                results.append(r)
                if len(results) == 15:  # the first batch went to a writer process: kill it
                    deadline = time.monotonic() + 30
                    while batch.writer_pid is None and time.monotonic() < deadline:
                        time.sleep(0.01)
                    assert batch.writer_pid is not None
                    os.kill(batch.writer_pid, signal.SIGKILL)
        assert len(results) == 60 and {r.status for r in results} == {"archived"}
        assert batch.processes == 1  # not restarted: later batches were written here
        ids = [r.submission_id for r in results if r.submission_id]
        assert csig.unchecked_pdfs(archive.catalog, ids) == []  # the killed batch's signature checks too
    _all_found(ws, "anggaran", 60)
