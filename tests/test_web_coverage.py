"""The coverage dashboard and /api/coverage on the demo Dinas (real SKP import, real ingest)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_web import PASSWORD, login

from archiver.accounts import add_user
from archiver.archive import Archive
from archiver.config import load_config
from archiver.skp.demo import HUMAS, KABID_APT, KADIS, PRAKOM, build_demo
from archiver.web.app import create_app

TAHUN = dt.date.today().year


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = build_demo(tmp_path_factory.mktemp("demo") / "ws", tahun=TAHUN)
    config = load_config(out.config)
    with Archive.open(config) as archive:
        for name, role, nip in (("kabid_t", "atasan", KABID_APT), ("prakom_t", "pegawai", PRAKOM),
                                ("auditor_t", "auditor", None)):
            add_user(archive.catalog, name, role, PASSWORD, nip=nip, now=archive.now())
    return out.config


def client(config: Path, user: str) -> TestClient:
    c = TestClient(create_app(load_config(config)))
    assert login(c, user).status_code == 303
    return c


def test_atasan_sees_the_coverage_of_their_staff_only(demo: Path) -> None:
    c = client(demo, "kabid_t")
    rows = c.get("/api/coverage", params={"tahun": TAHUN}).json()["rows"]
    nips = {r["nip"] for r in rows}
    assert PRAKOM in nips and KABID_APT in nips
    assert HUMAS not in nips and KADIS not in nips
    page = c.get("/cakupan", params={"tahun": TAHUN, "periode": "TW1"})
    assert page.status_code == 200
    assert PRAKOM in page.text and HUMAS not in page.text
    assert 'data-status="kosong"' in page.text or 'data-status="kurang"' in page.text  # missing evidence is marked


def test_pegawai_sees_own_rows_and_counts_match_the_cli(demo: Path) -> None:
    from click.testing import CliRunner

    from archiver.cli import main

    c = client(demo, "prakom_t")
    api = c.get("/api/coverage", params={"tahun": TAHUN, "periode": "TW1"}).json()
    assert {r["nip"] for r in api["rows"]} == {PRAKOM}
    res = CliRunner().invoke(main, ["--config", str(demo), "coverage", "--nip", PRAKOM, "--tahun", str(TAHUN),
                                    "--periode", "TW1", "--json"])
    assert res.exit_code in (0, 1), res.output
    import json

    cli_rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert sorted((r["rhk"], r["iki"], r["found"]) for r in cli_rows) == \
        sorted((r["rhk"], r["iki"], r["found"]) for r in api["rows"])
    assert any(r["found"] > 0 for r in api["rows"])


def test_auditor_sees_everyone_and_a_bad_unit_is_explained(demo: Path) -> None:
    c = client(demo, "auditor_t")
    nips = {r["nip"] for r in c.get("/api/coverage", params={"tahun": TAHUN}).json()["rows"]}
    assert {PRAKOM, HUMAS, KADIS} <= nips
    page = c.get("/cakupan", params={"tahun": TAHUN, "unit": "Bidang Tidak Ada"})
    assert page.status_code == 400 and "Bidang Tidak Ada" in page.text  # not a unit the picker offers


def test_coverage_needs_login(demo: Path) -> None:
    c = TestClient(create_app(load_config(demo)))
    assert c.get("/api/coverage").status_code == 401
    assert c.get("/cakupan", follow_redirects=False).status_code == 303


def test_cells_link_to_the_evidence_they_count(demo: Path) -> None:
    import html
    import re

    c = client(demo, "kabid_t")
    rows = c.get("/api/coverage", params={"tahun": TAHUN, "periode": "TW1"}).json()["rows"]
    row = next(r for r in rows if r["nip"] == PRAKOM and r["iki"] == "IKI-01")
    assert row["evidence_sha256"]
    page = c.get("/cakupan", params={"tahun": TAHUN, "periode": "TW1"}).text
    for sha in row["evidence_sha256"]:
        assert f'href="/e/{sha}"' in page  # the files the cell counts, each by its permalink
    links = [html.unescape(h) for h in re.findall(r'href="(/bukti\?[^"]+)"', page)]
    link = next(h for h in links if f"nip={PRAKOM}" in h and "rhk=RHK-01" in h and "periode=TW1" in h)
    listed = c.get(link).text
    for sha in row["evidence_sha256"]:
        assert sha in listed
