"""The after-ingest steps run in order (SKP resolution, then text and index), and one Filters
means the same set of files in `archiver list`, `archiver search` and the web list."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import NIP_A, make_pdf, make_png
from fastapi.testclient import TestClient
from skp_sample import STAFF, TAHUN, tables

from archiver.accounts import add_user
from archiver.ingest import AFTER_INGEST, check_signature, index_text, resolve_skp
from archiver.web.app import create_app


def test_steps_are_a_plain_ordered_list() -> None:
    assert AFTER_INGEST == (resolve_skp, index_text, check_signature)


def test_a_file_unlinked_by_its_skp_is_found_as_unlinked_in_search_right_after_ingest(ws, tmp_path: Path) -> None:
    p = tmp_path / "skp.json"
    p.write_text(json.dumps(tables()), encoding="utf-8")
    assert ws.cli("skp", "import", str(p)).exit_code == 0
    ws.put(f"{STAFF}/{TAHUN}/TW2/RHK-07/foto.png", make_png())  # RHK-07 is not in the SKP
    ws.put(f"{STAFF}/{TAHUN}/TW2/RHK-01/laporan.pdf", make_pdf("Laporan kegiatan triwulan"))
    res = {r["path"].rsplit("/", 1)[1]: r for r in ws.cli_json("ingest")}
    assert res["foto.png"]["status"] == "unlinked" and "RHK-07 tidak ada dalam SKP" in res["foto.png"]["reason"]
    assert res["laporan.pdf"]["status"] == "archived"
    listed = {r["id"] for r in ws.cli_json("list", "--status", "unlinked")}
    assert listed == {res["foto.png"]["submission_id"]}
    found = ws.cli_json("search", "status:unlinked")  # no reindex, no pass: the index was written after step 1
    assert [r["submission_id"] for r in found] == [res["foto.png"]["submission_id"]]
    assert [r["submission_id"] for r in ws.cli_json("search", "status:archived")] == \
        [res["laporan.pdf"]["submission_id"]]


def test_list_and_search_select_the_same_files_for_a_triwulan(ws) -> None:
    for periode in ("TW1", "01", "02", "03", "04", "TW2", "TAHUNAN"):
        ws.put(f"{NIP_A}/2026/{periode}/RHK-01/laporan {periode}.pdf", make_pdf(f"Laporan kegiatan bulan {periode}"))
    assert ws.cli("ingest").exit_code == 0
    want = {f"laporan {p}.pdf" for p in ("TW1", "01", "02", "03")}
    listed = {r["name"] for r in ws.cli_json("list", "--periode", "TW1")}
    assert listed == want
    found = {r["name"] for r in ws.cli_json("search", "laporan", "--periode", "TW1")}
    assert found == want
    assert {r["name"] for r in ws.cli_json("list", "--periode", "triwulan 1")} == want  # normalised once
    assert {r["name"] for r in ws.cli_json("list", "--periode", "02")} == {"laporan 02.pdf"}
    assert {r["name"] for r in ws.cli_json("search", "laporan", "--periode", "02")} == {"laporan 02.pdf"}
    bad = ws.cli("list", "--periode", "TW9")
    assert bad.exit_code == 2 and "TW9" in bad.output
    # the web list (page and API) selects the same files
    with ws.open() as archive:
        add_user(archive.catalog, "auditor1", "auditor", "kata-sandi-yang-panjang", now=archive.now())
    web = TestClient(create_app(ws.config))
    page = web.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    r = web.post("/login", data={"username": "auditor1", "password": "kata-sandi-yang-panjang",
                                 "csrf_token": token.group(1), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    api = web.get("/api/evidence", params={"periode": "TW1"}).json()
    assert {i["name"] for i in api["items"]} == want and api["total"] == 4
    html = web.get("/bukti", params={"periode": "TW1"}).text
    assert set(re.findall(r"laporan [A-Z0-9]+\.pdf", html)) == want
