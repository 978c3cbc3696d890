"""Scheduled fixity and hashed downloads: the archive re-checks its blobs every day (oldest check
first), and a blob whose bytes changed is a problem in `status`, on /masalah and on its page; a
download of it ends short with an error instead of serving altered bytes as the original."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import NIP_A, FixedClock, Workspace, make_docx, make_pdf
from fastapi.testclient import TestClient
from test_web import Site, login, seed

from archiver.errors import StoreError
from archiver.fixity import daily_quota, run_fixity
from archiver.ingest import scan
from archiver.upkeep import Upkeep

RHK1 = f"{NIP_A}/2026/TW1/RHK-01"


def _set(ws: Workspace, key: str, value: str) -> None:
    text = ws.config_path.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith(f"{key} = "))
    ws.config_path.write_text(text.replace(old, f"{key} = {value}", 1), encoding="utf-8")


def test_daily_quota_covers_every_blob_within_the_period() -> None:
    assert daily_quota(0, 90, 0) == 0
    assert daily_quota(1, 90, 0) == 1
    assert daily_quota(9_000, 90, 0) == 100
    assert daily_quota(9_001, 90, 0) == 101
    assert daily_quota(9_000, 90, 5) == 450  # a larger configured share wins
    assert daily_quota(10, 1, 0) == 10 and daily_quota(10, 90, 100) == 10


def test_each_day_checks_the_oldest_share_and_every_blob_comes_round(ws: Workspace) -> None:
    _set(ws, "period_days", "2")
    for i, text in enumerate(("satu", "dua", "tiga", "empat")):
        ws.put(f"{RHK1}/{i}.pdf", make_pdf(text))
    clock = FixedClock(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    with ws.open(clock=clock) as archive:
        assert len(list(scan(archive, steps=()))) == 4
        day1 = run_fixity(archive)
        assert (day1.quota, day1.checked, day1.failed) == (2, 2, [])
        assert run_fixity(archive).checked == 0  # today's share is done
        clock.advance(86_400)
        day2 = run_fixity(archive)
        clock.advance(86_400)
        day3 = run_fixity(archive)
    assert day2.checked == 2 and day3.checked == 2
    with ws.db() as db:
        checked = db.execute("select sha256, checked_at from blob_fixity order by sha256").fetchall()
        events = db.execute("select sha256, detail from events where kind = 'verified'").fetchall()
    assert len(checked) == 4  # every blob within the 2-day period
    assert {c[1][:10] for c in checked} == {"2026-03-03", "2026-03-04"}  # day 3 re-checked day 1's (oldest)
    assert len(events) == 6 and all(json.loads(d)["via"] == "fixity" and json.loads(d)["ok"] for _, d in events)


def test_a_damaged_blob_is_a_problem_in_status_and_fixity_exits_1(ws: Workspace) -> None:
    _set(ws, "daily_percent", "100.0")
    ws.put(f"{RHK1}/a.pdf", make_pdf("satu"))
    ws.put(f"{RHK1}/b.docx", make_docx("dua"))
    rows = ws.cli_json("ingest")
    bad = rows[0]["sha256"]
    ws.damage_blob(bad)
    res = ws.cli("fixity")
    assert res.exit_code == 1 and bad in res.output and "tidak utuh" in res.output
    st = json.loads(ws.cli("status", "--json").stdout)
    assert [f["sha256"] for f in st["integrity"]] == [bad] and st["integrity"][0]["actual"]
    human = ws.cli("status").output
    assert "Blob tidak utuh" in human and bad in human
    # Restored from a backup: the next check clears the problem.
    ws.damage_blob(bad)
    with ws.open() as archive:
        from archiver.fixity import check_blob

        assert check_blob(archive, bad, via="verify")[0]
    assert json.loads(ws.cli("status", "--json").stdout)["integrity"] == []


def test_the_watcher_runs_fixity_while_idle(ws: Workspace) -> None:
    ws.put(f"{RHK1}/a.pdf", make_pdf("satu"))
    ws.cli("ingest")
    with ws.open() as archive:
        Upkeep(archive, clock=lambda: 0.0).tick()
    with ws.db() as db:
        assert db.execute("select via, ok from blob_fixity").fetchall() == [("fixity", 1)]


@pytest.fixture
def site(ws: Workspace, clock: FixedClock) -> Site:
    return seed(ws, clock)


def test_download_of_a_damaged_blob_ends_with_an_error_and_is_recorded(site: Site) -> None:
    sha = site.sha["laporan sosialisasi.pdf"]
    with site.ws.open() as archive:
        size = archive.store.size(sha)
    client = site.client("ani")
    good = client.get(f"/e/{sha}/unduh")
    assert good.status_code == 200 and len(good.content) == size  # intact: served whole
    site.ws.damage_blob(sha)
    # The server ends the response with an error (the app's handlers cannot answer once it started).
    with pytest.raises((StoreError, RuntimeError)):
        client.get(f"/e/{sha}/unduh")
    lenient = TestClient(site.app(), raise_server_exceptions=False)
    assert login(lenient, "ani").status_code == 303  # type: ignore[attr-defined]
    short = lenient.get(f"/e/{sha}/unduh")
    assert len(short.content) < size  # never the altered file whole
    page = client.get(f"/e/{sha}")
    assert "RUSAK" in page.text
    masalah = site.client("admin").get("/masalah")
    assert "Berkas tidak utuh" in masalah.text and sha in masalah.text
    hidden = site.client("budi").get("/masalah")  # another pegawai's file is not named to him
    assert sha not in hidden.text
    st = json.loads(site.ws.cli("status", "--json").stdout)
    assert st["integrity"][0]["sha256"] == sha and st["integrity"][0]["via"] == "download"
