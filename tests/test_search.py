"""Search: real files ingested through `archiver ingest`, real Whoosh index, real SQLite catalog."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import NIP_A, NIP_B, Workspace, make_docx, make_pdf, make_xlsx

from archiver.archive import Archive
from archiver.catalog import text as textstore
from archiver.config import Config
from archiver.evidence import Filters
from archiver.search import search
from archiver.search._whoosh import WhooshBackend

A = f"{NIP_A}/2026/TW1/RHK-01"
B = f"{NIP_B}/2026/TW2/RHK-02"


def paths(ws: Workspace, *args: str) -> list[str]:
    return [r["path"] for r in ws.cli_json("search", *args)]


def seed(ws: Workspace) -> None:
    ws.put(f"{A}/laporan_pelaksanaan.pdf", make_pdf("Pelaksanaan sosialisasi pengaduan masyarakat di kecamatan"))
    ws.put(f"{A}/notulen.docx", make_docx("Notulen rapat koordinasi penyusunan anggaran", "Dihadiri kepala dinas"))
    ws.put(f"{B}/rekap.xlsx", make_xlsx([["Kegiatan", "Jumlah"], ["Monitoring pelayanan publik", 12]]))
    res = ws.cli("ingest")
    assert res.exit_code == 0, res.output


def test_ingest_indexes_and_morphological_variants_match(ws: Workspace) -> None:
    seed(ws)
    hits = ws.cli_json("search", "melaksanakan")
    assert [h["path"] for h in hits] == [f"drop/{A}/laporan_pelaksanaan.pdf"]
    h = hits[0]
    for key in ("sha256", "path", "name", "nip", "periode", "rhk", "score", "snippet"):
        assert key in h
    assert (h["nip"], h["tahun"], h["periode"], h["rhk"], h["name"]) == (NIP_A, 2026, "TW1", "RHK-01",
                                                                         "laporan_pelaksanaan.pdf")
    assert "<b>Pelaksanaan</b>" in h["snippet"] and h["score"] > 0
    assert paths(ws, "mengadukan") == [f"drop/{A}/laporan_pelaksanaan.pdf"]
    assert paths(ws, "PENYUSUNAN anggaran") == [f"drop/{A}/notulen.docx"]       # case folded, prefix stripped
    assert paths(ws, "pelayanan") == [f"drop/{B}/rekap.xlsx"]
    assert paths(ws, "koordinasi pengaduan") == []                              # every word must match
    assert set(paths(ws, "koordinasi OR pengaduan")) == {f"drop/{A}/notulen.docx", f"drop/{A}/laporan_pelaksanaan.pdf"}
    assert paths(ws, "notulen.docx") == [f"drop/{A}/notulen.docx"]               # file name words are searchable


def test_human_output_and_help(ws: Workspace) -> None:
    seed(ws)
    res = ws.runner.invoke(__import__("archiver.cli", fromlist=["main"]).main,
                           ["--config", str(ws.config_path), "search", "sosialisasi"])
    assert res.exit_code == 0
    assert f"drop/{A}/laporan_pelaksanaan.pdf" in res.stdout and "1 hasil" in res.stderr
    for cmd in ("search", "reindex"):
        help_text = ws.cli(cmd, "--help").stdout
        assert "Contoh:" in help_text and f"archiver {cmd}" in help_text.split("Contoh:")[1]


def test_same_bytes_under_two_pegawai_are_found_under_each_filter(ws: Workspace) -> None:
    data = make_pdf("Dokumentasi kegiatan pembinaan pegawai")
    ws.put(f"{A}/bukti.pdf", data)
    ws.put(f"{B}/bukti.pdf", data)
    ws.cli("ingest")
    statuses = {r["path"]: r["status"] for r in ws.cli_json("list")}
    assert sorted(statuses.values()) == ["archived", "duplicate"]
    assert paths(ws, "pembinaan", "--nip", NIP_A) == [f"drop/{A}/bukti.pdf"]
    assert paths(ws, "pembinaan", "--nip", NIP_B) == [f"drop/{B}/bukti.pdf"]
    assert len(paths(ws, "pembinaan")) == 2
    with ws.open() as archive, archive.catalog.read() as conn:  # the text was extracted once for both
        assert conn.execute(sa.select(sa.func.count()).select_from(textstore.blob_text)).scalar_one() == 1


def test_filters(ws: Workspace) -> None:
    seed(ws)
    ws.put(f"{NIP_A}/2025/TW4/RHK-03/laporan_2025.pdf", make_pdf("Laporan kegiatan tahun lalu"))
    ws.cli("ingest")
    everything = set(paths(ws, "", "--limit", "50"))
    assert len(everything) == 4
    assert paths(ws, "kegiatan", "--tahun", "2025") == [f"drop/{NIP_A}/2025/TW4/RHK-03/laporan_2025.pdf"]
    assert set(paths(ws, "", "--nip", NIP_A)) == {p for p in everything if NIP_A in p}
    assert paths(ws, "", "--periode", "triwulan 2") == [f"drop/{B}/rekap.xlsx"]   # periode normalised
    assert paths(ws, "", "--rhk", "RHK-02") == [f"drop/{B}/rekap.xlsx"]
    assert paths(ws, "", "--type", "docx") == [f"drop/{A}/notulen.docx"]
    assert len(paths(ws, "", "--from", "2000-01-01", "--to", "2999-12-31")) == 4
    assert paths(ws, "", "--to", "2000-01-01") == []
    assert paths(ws, "", "--nip", NIP_B, "--type", "pdf") == []
    assert len(paths(ws, "", "--limit", "2")) == 2


def with_fast_path(config: Config, on: bool) -> Config:
    return config.model_copy(update={"index": config.index.model_copy(update={"fast_path": on})})


def test_a_triwulan_selects_its_months_too(ws: Workspace) -> None:
    """Filters' meaning: periode TW1 selects files filed under TW1, 01, 02 and 03 (not 04),
    on the fast path, on Whoosh's matchers and with an empty query alike."""
    for periode in ("TW1", "01", "02", "03", "04"):
        ws.put(f"{NIP_A}/2026/{periode}/RHK-01/laporan_{periode}.docx", make_docx(f"Laporan kegiatan bulan {periode}"))
    assert ws.cli("ingest").exit_code == 0
    first_four = {f"drop/{NIP_A}/2026/{p}/RHK-01/laporan_{p}.docx" for p in ("TW1", "01", "02", "03")}
    for query in ("laporan kegiatan", '"laporan kegiatan"', ""):
        assert set(paths(ws, query, "--periode", "TW1")) == first_four, query
        assert len(paths(ws, query, "--periode", "TW1")) == 4
        assert paths(ws, query, "--periode", "04") == [f"drop/{NIP_A}/2026/04/RHK-01/laporan_04.docx"]
    for fast in (True, False):
        with Archive.open(with_fast_path(ws.config, fast)) as a:
            got = {r["path"] for r in search(a, "kegiatan", Filters(periode="TW1", nip=NIP_A)).results}
        assert got == first_four


def test_fast_path_off_by_configuration_gives_the_same_results(ws: Workspace) -> None:
    seed(ws)
    for i, words in enumerate(("laporan kegiatan sosialisasi", "laporan rapat koordinasi", "kegiatan pelayanan",
                               "laporan laporan kegiatan pengaduan", "notulen rapat pelaksanaan kegiatan")):
        ws.put(f"{A}/dok_{i}.docx", make_docx(words.capitalize(), "Dinas kota"))
    assert ws.cli("ingest").exit_code == 0
    queries = [("laporan", Filters()), ("laporan kegiatan", Filters()), ("kegiatan", Filters(nip=NIP_A)),
               ("rapat", Filters(periode="TW1", tahun=2026)), ("rapat OR pelayanan", Filters()),
               ("melaksanakan", Filters(within_nips=frozenset({NIP_A, NIP_B}))), ("kota", Filters(rhk="RHK-01"))]
    results = {}
    for fast in (True, False):
        with Archive.open(with_fast_path(ws.config, fast)) as archive:
            results[fast] = [[(r["path"], r["score"], r["snippet"]) for r in search(archive, q, f, limit=5).results]
                             for q, f in queries]
    assert all(results[True]) and results[True] == results[False]


def test_malformed_query_is_a_clear_usage_error(ws: Workspace) -> None:
    seed(ws)
    for q, words in (('"laporan kegiatan', "quotation mark"), ("(rapat OR", "parentheses"),
                     ("bidang:keuangan", "unknown field 'bidang'"), ("rapat OR", "needs a word"),
                     ("*", None), ("yang dan", "no searchable words")):
        res = ws.cli("--lang", "en", "search", q)
        if words is None:
            assert res.exit_code == 0  # '*' lists everything
            continue
        assert res.exit_code == 2, (q, res.output)
        assert res.stderr.startswith("Error: ") and words in res.stderr and "Traceback" not in res.output
    res = ws.cli("search", "rapat", "--nip", "12345")
    assert res.exit_code == 2 and "Galat:" in res.stderr and "18 angka" in res.stderr


def _result_view(ws: Workspace, *args: str) -> list[tuple[Any, ...]]:
    return [(h["path"], h["sha256"], round(h["score"], 3), h["snippet"]) for h in ws.cli_json("search", *args)]


@pytest.mark.whoosh("index generations are Whoosh folders")
def test_reindex_rebuilds_the_same_results_from_catalog_and_blobs(ws: Workspace) -> None:
    seed(ws)
    queries = [("melaksanakan",), ("rapat",), ("kegiatan",), ("", "--nip", NIP_A), ("pelayanan", "--tahun", "2026")]
    before = [_result_view(ws, *q) for q in queries]
    assert all(before)
    index_dir = ws.config.index.path
    for f in index_dir.iterdir():  # the index is derived data: lose it entirely
        f.unlink()
    with ws.open() as archive, archive.catalog.begin() as conn:  # and the cached text too: blobs alone
        conn.execute(textstore.blob_text.delete())
    res = ws.cli("reindex", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["documents"] == 3 and report["extracted"] == 3
    assert [_result_view(ws, *q) for q in queries] == before
    again = json.loads(ws.cli("reindex", "--json").stdout)   # a rebuild over a live index switches generations
    assert again["documents"] == 3 and again["extracted"] == 0
    assert [_result_view(ws, *q) for q in queries] == before
    gens = {f.name.lstrip("_").split("_")[0] for f in index_dir.iterdir() if "_" in f.name}
    assert gens == {again["generation"]}                      # old generation files were removed


def test_search_without_index_says_what_to_do(ws: Workspace) -> None:
    res = ws.cli("search", "laporan")
    assert res.exit_code == 1 and "archiver reindex" in res.stderr


_HOLD_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from archiver.search import IndexDoc
    from archiver.search._whoosh import WhooshBackend
    import datetime as dt
    fti = WhooshBackend(Path(sys.argv[1]))
    with fti.writer(timeout=5) as w:
        for i in range(int(sys.argv[2])):
            w.put(IndexDoc(key=str(100000 + i), sha256="0" * 64, name="x.txt", path="x/x.txt",
                           received=dt.datetime.now(dt.timezone.utc), text="dokumen sementara " * 50))
        print("locked", flush=True)
        time.sleep(60)
""")


def _hold_writer(index: Path, docs: int = 0) -> subprocess.Popen[str]:
    p = subprocess.Popen([sys.executable, "-c", _HOLD_WRITER, str(index), str(docs)], stdout=subprocess.PIPE,
                         text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert p.stdout is not None and p.stdout.readline().strip() == "locked"
    return p


def _pending(ws: Workspace) -> list[int]:
    with ws.open() as archive:
        return textstore.pending_ids(archive.catalog, WhooshBackend(ws.config.index.path).generation())


@pytest.mark.whoosh("Whoosh's writer lock")
def test_busy_writer_never_blocks_ingest_and_the_next_pass_indexes(ws: Workspace) -> None:
    seed(ws)
    holder = _hold_writer(ws.config.index.path)
    try:
        ws.put(f"{A}/surat_tugas.pdf", make_pdf("Surat tugas perjalanan dinas ke provinsi"))
        t0 = time.monotonic()
        res = ws.cli("ingest", "--json")
        assert time.monotonic() - t0 < 10
        assert [json.loads(x)["status"] for x in res.stdout.splitlines()] == ["archived"]
        assert paths(ws, "perjalanan") == []          # not searchable yet: pending, not lost
        assert len(_pending(ws)) == 1
    finally:
        holder.kill()
        holder.wait()
    ws.put(f"{B}/undangan.docx", make_docx("Undangan rapat evaluasi"))
    ws.cli("ingest")                                  # the next batch retries the queued one
    assert paths(ws, "perjalanan") == [f"drop/{A}/surat_tugas.pdf"]
    assert paths(ws, "evaluasi") == [f"drop/{B}/undangan.docx"]
    assert _pending(ws) == []


def test_writer_killed_mid_write_leaves_a_usable_index(ws: Workspace) -> None:
    seed(ws)
    holder = _hold_writer(ws.config.index.path, docs=3000)  # buffered documents, maybe flushed segments
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    ws.put(f"{A}/foto_kegiatan.docx", make_docx("Dokumentasi apel pagi"))
    ws.cli("ingest")
    assert paths(ws, "apel") == [f"drop/{A}/foto_kegiatan.docx"]
    assert paths(ws, "sementara") == []               # nothing of the killed writer became visible
    assert len(paths(ws, "", "--limit", "100")) == 4


@pytest.mark.whoosh("a corrupt Whoosh folder")
def test_corrupt_index_is_moved_aside_and_rebuilt(ws: Workspace) -> None:
    seed(ws)
    index_dir = ws.config.index.path
    segs = list(index_dir.glob("*.seg"))
    assert segs
    for seg in segs:
        os.chmod(seg, 0o644)
        seg.write_bytes(b"\x00garbage" * 100)
    res = ws.cli("search", "rapat")
    assert res.exit_code == 1 and "archiver reindex" in res.stderr and "Traceback" not in res.output
    ws.put(f"{A}/lampiran.docx", make_docx("Lampiran daftar hadir"))
    assert ws.cli("ingest").exit_code == 0            # a broken index never blocks ingest
    res = ws.cli("reindex", "--pending", "--json")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["rebuilt"] and rep["indexed"] == 4 and Path(rep["moved_to"]).is_dir()
    assert paths(ws, "rapat") == [f"drop/{A}/notulen.docx"]
    assert paths(ws, "daftar hadir") == [f"drop/{A}/lampiran.docx"]


_SEARCH_LOOP = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from archiver.search._whoosh import WhooshBackend
    fti = WhooshBackend(Path(sys.argv[1]))
    n = 0
    end = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        fti.search("laporan kegiatan", limit=5)
        n += 1
    print(n)
""")


@pytest.mark.whoosh("Whoosh segments written while searched")
def test_searches_run_while_documents_are_written(ws: Workspace) -> None:
    seed(ws)
    searcher = subprocess.Popen([sys.executable, "-c", _SEARCH_LOOP, str(ws.config.index.path), "6"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    for i in range(40):
        ws.put(f"{A}/laporan_{i:02d}.pdf", make_pdf(f"Laporan kegiatan nomor {i} pelaksanaan"))
        ws.cli("ingest")
    out, err = searcher.communicate(timeout=60)
    assert searcher.returncode == 0, err
    assert int(out) > 10
    assert len(paths(ws, "laporan kegiatan", "--limit", "100")) == 40
    assert _pending(ws) == []
