"""Red flags on real files ingested through the real pipeline: the same bytes claimed twice,
near-duplicate documents and photos (re-saved, edited, rotated, cropped), dates outside the
period (text, PDF metadata, EXIF), text unrelated to its indicator, upload bursts; true
negatives (same-template letters, an old regulation cited, distinct photos) stay unflagged;
the CLI's JSON, the backfill, and the page /tanda by role."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import NIP_A, NIP_B, FixedClock, Workspace, set_config_value
from fastapi.testclient import TestClient
from test_documents_data import import_skps
from test_web import PASSWORD, login

from archiver import ingest
from archiver.accounts import add_user
from archiver.config import write_workspace
from archiver.flags import samples as s
from archiver.flags.fingerprint import compute, jaccard, minhash, text_dates, words_of
from archiver.web.app import create_app

A1, A2, A3 = (f"{NIP_A}/2026/{p}/RHK-01" for p in ("TW1", "TW2", "TW3"))
B1, B2, B3 = (f"{NIP_B}/2026/{p}/RHK-01" for p in ("TW1", "TW2", "TW3"))


def _workspace(root: Path, **flags: str) -> Workspace:
    cfg = write_workspace(root)
    text = set_config_value(cfg.read_text(), "extract", "ocr", "false")
    for key, value in flags.items():
        text = set_config_value(text, "flags", key, value)
    cfg.write_text(text)
    return Workspace(cfg.parent, cfg)


@pytest.fixture(scope="module")
def archive_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = _workspace(tmp_path_factory.mktemp("flags") / "ws")
    import_skps(ws)  # NIP_A has an SKP (RHK-01 on the licensing application); NIP_B has none
    shared = s.pdf(s.report(1, place_date=s.dated(20, 3, 2026)))
    ws.put(f"{A1}/laporan.pdf", shared)
    ws.put(f"{B1}/laporan saya.pdf", shared)  # the same bytes, another pegawai
    original = s.report(2, place_date=s.dated(10, 5, 2026))
    ws.put(f"{A2}/notulen.pdf", s.pdf(original))
    ws.put(f"{B2}/notulen revisi.pdf", s.resave(s.pdf(s.edit(original, 4, seed=2))))  # edited, re-saved
    ws.put(f"{A3}/surat undangan.pdf", s.pdf(s.letter(10) + "\nJakarta, " + s.dated(5, 8, 2026)))
    ws.put(f"{B3}/surat undangan.pdf", s.pdf(s.letter(11) + "\nJakarta, " + s.dated(6, 8, 2026)))  # template only
    ws.put(f"{A3}/sk lama.pdf", s.pdf(s.report(4, extra="Nomor 800/12/2025 tanggal 12 Januari 2025")))
    ws.put(f"{A3}/kajian.pdf", s.pdf(s.report(5, extra="sesuai Permenpan 6/2022 dan edaran 3 Maret 2020",
                                              place_date=s.dated(14, 8, 2026))))
    ws.put(f"{A1}/arsip lama.pdf", s.pdf(s.report(6), created="D:20240105093000+07'00'",
                                         modified="D:20240106093000+07'00'"))
    photo: Any = s.scene(1)
    ws.put(f"{A1}/foto kegiatan.jpg", s.image_bytes(photo, taken="2026:02:10 09:00:00"))
    turned = photo.crop((20, 15, 780, 585)).rotate(90, expand=True)
    ws.put(f"{B2}/dokumentasi.jpg", s.image_bytes(turned))  # the same photo, cropped and turned
    ws.put(f"{B1}/foto lain.png", s.image_bytes(s.scene(2), "PNG"))
    ws.put(f"{A2}/foto lama.jpg", s.image_bytes(s.scene(3), taken="2024:05:01 10:00:00"))
    ws.put(f"{A1}/resep.pdf", s.pdf(" ".join(["resep rendang daging sapi bumbu santan kelapa cabai bawang merah "
                                               "lengkuas serai daun jeruk dimasak perlahan hingga kering"] * 4)))
    res = ws.cli("ingest")
    assert res.exit_code == 0, res.output
    return ws


def _by_kind(rows: list[dict[str, Any]]) -> dict[str, list[set[str]]]:
    out: dict[str, list[set[str]]] = {}
    for r in rows:
        out.setdefault(r["kind"], []).append({e["path"].rsplit("/", 1)[-1] for e in r["evidence"]})
    return out


def test_each_kind_found_and_true_negatives_left_alone(archive_ws: Workspace) -> None:
    rows = archive_ws.cli_json("flags")
    kinds = _by_kind(rows)
    assert kinds["same_bytes"] == [{"laporan.pdf", "laporan saya.pdf"}]
    assert kinds["near_duplicate"] == [{"notulen.pdf", "notulen revisi.pdf"}]  # not the template letters
    assert kinds["similar_image"] == [{"foto kegiatan.jpg", "dokumentasi.jpg"}]  # not the other photos
    assert sorted(map(sorted, kinds["date_outside"])) == [["arsip lama.pdf"], ["foto lama.jpg"], ["sk lama.pdf"]]
    assert {"resep.pdf"} in kinds["off_topic"]
    assert "burst" not in kinds
    # ranked: highest score first, each with a reason (Indonesian by default) and links to the evidence
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert rows[0]["kind"] == "same_bytes" and "diklaim" in rows[0]["reason"]
    assert all(e["link"] == f"/e/{e['sha256']}" for r in rows for e in r["evidence"])
    old = next(r for r in rows if r["kind"] == "date_outside" and r["evidence"][0]["path"].endswith("sk lama.pdf"))
    assert "12-01-2025" in old["reason"] and "TW3 2026" in old["reason"]


def test_filters_and_english(archive_ws: Workspace) -> None:
    only = archive_ws.cli_json("flags", "--kind", "similar_image")
    assert [r["kind"] for r in only] == ["similar_image"]
    assert archive_ws.cli_json("flags", "--tahun", "2025") == []
    res = archive_ws.cli("--lang", "en", "flags", "--kind", "same_bytes")
    assert "Same file claimed twice" in res.stdout and "is claimed 2 times" in res.stdout


def test_backfill_recomputes_missing_fingerprints(archive_ws: Workspace) -> None:
    with archive_ws.db() as db:
        db.execute("DELETE FROM fingerprint_bands")
        db.execute("DELETE FROM blob_fingerprints")
    assert archive_ws.cli_json("flags", "--kind", "near_duplicate") != []  # computed again on the way
    with archive_ws.db(read=True) as db:
        n = db.execute("SELECT count(*) FROM blob_fingerprints").fetchone()
    assert n is not None and n[0] == 13  # 14 files, one blob claimed twice


def test_fingerprint_units() -> None:
    a = words_of(s.report(7))
    sig_a, sig_b = minhash(a), minhash(words_of(s.edit(s.report(7), 3, seed=1)))
    sig_c = minhash(words_of(s.report(8)))
    assert sig_a is not None and sig_b is not None and sig_c is not None
    assert jaccard(sig_a.tobytes(), sig_b.tobytes()) > 0.8 > 0.1 > jaccard(sig_a.tobytes(), sig_c.tobytes())
    assert minhash(["kata"] * 5) is None  # too short to compare
    found = text_dates("Nomor 5 tanggal 12 Januari 2025 merujuk Permenpan 6/2022\nBandung, 03-09-2026 dan 1/2/2020")
    assert [(d["date"], d["strong"]) for d in found] == [
        ("2025-01-12", True), ("2026-09-03", True), ("2020-02-01", False)]
    fp = compute("x" * 64, "", {"created": "2024-01-05T00:00:00"}, "pypdf 5", None)
    assert fp.dates == [{"date": "2024-01-05", "source": "pdf_created", "strong": False}] and not fp.bands


def test_burst_before_the_deadline(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws", burst_files="3")
    clock = FixedClock(dt.datetime(2026, 2, 10, 2, 0, tzinfo=dt.UTC))
    with ws.open(clock=clock) as archive:
        ws.put(f"{NIP_A}/2026/TW1/RHK-01/awal.pdf", s.pdf(s.report(30)))
        list(ingest.scan(archive))
        clock.t = dt.datetime(2026, 4, 5, 9, 0, tzinfo=dt.UTC)  # deadline 6 April 00:00 WIB (31 March + 5 days)
        for i in range(4):
            ws.put(f"{NIP_A}/2026/TW1/RHK-01/akhir {i}.pdf", s.pdf(s.report(40 + i)))
            list(ingest.scan(archive))
            clock.advance(600)
        ws.put(f"{NIP_B}/2026/TW1/RHK-01/tepat waktu.pdf", s.pdf(s.report(50)))
        list(ingest.scan(archive))
    rows = ws.cli_json("flags", "--kind", "burst")
    assert len(rows) == 1 and len(rows[0]["evidence"]) == 4
    assert rows[0]["evidence"][0]["nip"] == NIP_A and "4 dari 5" in rows[0]["reason"]


def _client(ws: Workspace, user: str) -> TestClient:
    c = TestClient(create_app(ws.config))
    r = login(c, user)
    assert r.status_code == 303, getattr(r, "text", r)
    return c


def test_page_by_role(archive_ws: Workspace) -> None:
    with archive_ws.open() as archive:
        for name, role, nip in (("auditor", "auditor", None), ("admin", "admin", None), ("ani", "pegawai", NIP_A),
                                ("atasan", "atasan", NIP_A)):
            add_user(archive.catalog, name, role, PASSWORD, nip=nip, now=archive.now())
    page = _client(archive_ws, "auditor").get("/tanda")
    assert page.status_code == 200
    assert "Berkas yang sama diklaim dua kali" in page.text and 'href="/e/' in page.text
    assert 'href="/tanda"' in page.text  # in the menu
    assert _client(archive_ws, "admin").get("/tanda?jenis=burst").text.count('data-kind="') == 0
    assert _client(archive_ws, "ani").get("/tanda").status_code in (403, 404)
    # an atasan sees only the flags whose evidence all lies within their scope (here: their own files)
    mine = _client(archive_ws, "atasan").get("/tanda").text
    assert 'data-kind="date_outside"' in mine and 'data-kind="same_bytes"' not in mine


def test_candidates_pair_template_signatures_only_by_a_second_band() -> None:
    import numpy as np

    from archiver.flags import candidates as cand

    n = cand.GROUP_LIMIT + 20
    items = np.arange(n, dtype=np.int64)
    band0 = np.full(n, 7, dtype=np.uint64)  # every item: one template's signature
    band1 = np.arange(n, dtype=np.uint64) + 1000
    band1[[3, 9]] = 5  # two of them also meet here: a copy
    band1[[40, 41, 42]] = 6
    band2 = np.arange(n, dtype=np.uint64) + 5000
    band2[[60, 61]] = 1  # a small group on its own: paired
    stats = cand.Stats()
    codes = cand.candidates([(items, band0), (items, band1), (items, band2)], n, stats)
    pairs = sorted((int(c // n), int(c % n)) for c in codes)
    assert pairs == [(3, 9), (40, 41), (40, 42), (41, 42), (60, 61)]
    assert stats.common_groups == 1 and stats.candidates == 5


def test_detection_cached_until_the_catalog_changes(tmp_path: Path) -> None:
    from archiver.flags.detect import flags

    ws = _workspace(tmp_path / "ws")
    data = s.pdf(s.report(60, place_date=s.dated(20, 3, 2026)))
    ws.put(f"{A1}/laporan.pdf", data)
    with ws.open() as archive:
        list(ingest.scan(archive))
        assert flags(archive) == [] and flags(archive) == []
        ws.put(f"{B1}/salinan.pdf", data)  # the same bytes, another pegawai
        list(ingest.scan(archive))
        assert [f.kind for f in flags(archive)] == ["same_bytes"]
        assert [f.kind for f in flags(archive, cached=False)] == ["same_bytes"]


def test_the_json_api_ranks_flags_by_role(archive_ws: Workspace) -> None:
    with archive_ws.open() as archive:
        for name, role, nip in (("auditor_api", "auditor", None), ("ani_api", "pegawai", NIP_A),
                                ("atasan_api", "atasan", NIP_A)):
            add_user(archive.catalog, name, role, PASSWORD, nip=nip, now=archive.now())
    auditor = _client(archive_ws, "auditor_api")
    every = auditor.get("/api/flags", params={"limit": 1000}).json()
    cli = archive_ws.cli_json("flags")
    assert every["total"] == len(cli) and [(f["kind"], f["score"]) for f in every["items"]] == \
        [(f["kind"], f["score"]) for f in cli]  # the same ranked list as `archiver flags`
    first = every["items"][0]
    assert first["reason"] and first["evidence"] and first["evidence"][0]["link"].startswith("/e/")
    page = auditor.get("/api/flags", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == every["total"] and page["items"] == every["items"][1:3]
    same = auditor.get("/api/flags", params={"kind": "same_bytes"}).json()["items"]
    assert same and {f["kind"] for f in same} == {"same_bytes"}
    assert auditor.get("/api/flags", params={"kind": "entah"}).status_code == 400
    assert _client(archive_ws, "ani_api").get("/api/flags").status_code == 403
    atasan = _client(archive_ws, "atasan_api")
    mine = {f["kind"] for f in atasan.get("/api/flags", params={"limit": 1000}).json()["items"]}
    assert "date_outside" in mine and "same_bytes" not in mine  # an atasan: only flags within their scope
