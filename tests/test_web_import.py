"""The import page for admins: SKP template download, a dry run listing every problem (sheet,
row, column), then the import of exactly the checked file, kept in the archive under its own
name with its SHA-256 and an ``imported`` custody event; the evaluation import keeps the name.

Real workspace, real TestClient, real .xlsx workbooks (openpyxl)."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import skp_sample
import sqlalchemy as sa
import test_documents_data as docfixtures
from conftest import NIP_A, FixedClock, Workspace
from test_web import PASSWORD, Site, csrf_of

from archiver.accounts import add_user
from archiver.catalog import skp as catalog_skp
from archiver.catalog.schema import blobs, evaluasi, events, skp_skp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAME = "SKP Dinas Kominfo 2026.xlsx"


@pytest.fixture
def site(ws: Workspace, clock: FixedClock) -> Site:
    with ws.open() as archive:
        for name, role, nip in (("admin", "admin", None), ("admin2", "admin", None), ("auditor", "auditor", None),
                                ("ani", "pegawai", NIP_A)):
            add_user(archive.catalog, name, role, PASSWORD, nip=nip, now=archive.now())
    return Site(ws, clock)


def fill(data: bytes | None, tables: dict[str, list[dict[str, Any]]], tmp: Path) -> bytes:
    """Fill a template (the downloaded bytes, or the CLI's) from row 3, as an administrator would."""
    path = tmp / "isi.xlsx"
    skp_sample.write_workbook(path, tables, template=data)
    return path.read_bytes()


def check(c: Any, name: str, data: bytes) -> Any:
    token = csrf_of(c.get("/impor").text)
    return c.post("/impor/skp/periksa", data={"csrf_token": token}, files={"berkas": (name, data, XLSX)})


def sha_of(html: str) -> str:
    m = re.search(r'name="sha256" value="([0-9a-f]{64})"', html)
    assert m, "no Impor form"
    return m.group(1)


def do_import(c: Any, sha256: str) -> Any:
    token = csrf_of(c.get("/impor").text)
    return c.post("/impor/skp", data={"csrf_token": token, "sha256": sha256})


def counts(html: str) -> list[list[str]]:
    """The rows of the new/changed/unchanged table(s)."""
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>", html)
    return [list(r) for r in rows]


def skps(ws: Workspace) -> list[Any]:
    with ws.open() as archive, archive.catalog.read() as conn:
        return catalog_skp.load_skps(conn)


def rows(ws: Workspace, statement: Any) -> list[Any]:
    with ws.open() as archive, archive.catalog.read() as conn:
        return list(conn.execute(statement))


def pending(ws: Workspace) -> list[str]:
    return sorted(p.name for p in (ws.config.archive.path / "tmp").glob("import_skp_*"))


def test_the_template_download_is_the_cli_workbook_and_imports_once_filled(site: Site, tmp_path: Path) -> None:
    c = site.client("admin")
    page = c.get("/impor")
    assert page.status_code == 200 and 'href="/impor/templat/skp"' in page.text
    assert 'href="/impor/templat/evaluasi"' in page.text
    r = c.get("/impor/templat/skp")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "templat-skp-" in r.headers["content-disposition"]
    cli = tmp_path / "cli.xlsx"
    assert site.ws.cli("skp", "template", str(cli)).exit_code == 0
    web_wb, cli_wb = openpyxl.load_workbook(io.BytesIO(r.content)), openpyxl.load_workbook(cli)
    assert web_wb.sheetnames == cli_wb.sheetnames
    for title in cli_wb.sheetnames:
        assert [[c.value for c in row] for row in web_wb[title].iter_rows(max_row=2)] == \
            [[c.value for c in row] for row in cli_wb[title].iter_rows(max_row=2)], title
    ev = c.get("/impor/templat/evaluasi")
    assert ev.status_code == 200 and "Evaluasi" in openpyxl.load_workbook(io.BytesIO(ev.content)).sheetnames
    assert c.get("/impor/templat/lain").status_code == 404

    filled = fill(r.content, skp_sample.tables(), tmp_path)
    checked = check(c, NAME, filled)
    assert checked.status_code == 200, checked.text
    assert do_import(c, sha_of(checked.text)).status_code == 200
    assert len(skps(site.ws)) == 4


def test_a_dry_run_lists_every_problem_by_sheet_row_and_column_and_imports_nothing(site: Site,
                                                                                     tmp_path: Path) -> None:
    t = skp_sample.tables()
    t["pegawai"][1]["nip"] = "1988112220140220"  # 16 digits
    t["indikator"][2]["aspek"] = "Kecepatan"  # not an aspek
    c = site.client("admin")
    r = check(c, NAME, fill(None, t, tmp_path))
    assert r.status_code == 422
    assert "galat; tidak ada yang diimpor" in r.text and 'id="masalah-skp"' in r.text
    table = r.text.split('id="masalah-skp"', 1)[1].split("</table>", 1)[0]
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S)
             for row in re.findall(r"<tr><td>.*?</tr>", table, re.S)]
    where = {(row[0], row[1], row[2].split(" ", 1)[0]) for row in cells}
    assert ("Pegawai", "4", "A") in where, cells  # the second pegawai is on row 4, the NIP in column A
    assert any(s == "Indikator" and rows == "5" for s, rows, _col in where), cells
    assert all(row[3].strip() for row in cells)  # each says what is wrong / what to write
    assert "galat" in table
    assert 'name="sha256"' not in r.text  # no Impor button
    assert skps(site.ws) == [] and pending(site.ws) == []


def test_check_then_import_archives_the_workbook_under_its_name_with_its_hash(site: Site, tmp_path: Path) -> None:
    data = fill(None, skp_sample.tables(), tmp_path)
    sha = hashlib.sha256(data).hexdigest()
    c = site.client("admin")
    r = check(c, NAME, data)
    assert r.status_code == 200 and "tidak ada galat" in r.text
    assert ["SKP", "4", "0", "0"] in counts(r.text) and ["pegawai", "4", "0", "0"] in counts(r.text)
    assert sha_of(r.text) == sha and skps(site.ws) == []  # a check saves nothing
    assert pending(site.ws) == [f"import_skp_{sha}.note", f"import_skp_{sha}.xlsx"]

    assert do_import(site.client("admin2"), sha).status_code == 400  # only the admin who checked it
    r = do_import(c, sha)
    assert r.status_code == 200 and f"Diimpor {NAME}" in r.text and sha in r.text
    assert ["SKP", "4", "0", "0"] in counts(r.text)
    assert len(skps(site.ws)) == 4 and pending(site.ws) == []
    assert {row.source for row in rows(site.ws, sa.select(skp_skp.c.source))} == {NAME}
    [blob] = rows(site.ws, sa.select(blobs).where(blobs.c.sha256 == sha))
    [ev] = rows(site.ws, sa.select(events).where(events.c.kind == "imported"))
    assert blob.size == len(data) and blob.mime == XLSX
    assert ev.actor == "web:admin" and ev.sha256 == sha and ev.submission_id is None
    detail = json.loads(ev.detail)
    assert detail["name"] == NAME and detail["import"] == "skp" and detail["changes"]["skp"]["new"] == 4
    with site.ws.open() as archive, archive.store.open(sha) as fh:
        assert fh.read() == data
    assert do_import(c, sha).status_code == 400  # imported: no longer waiting
    assert site.ws.cli("verify").exit_code == 0  # the chain and the stored workbook check out

    # the same file again: everything unchanged, and the second import is recorded too
    r = check(c, NAME, data)
    assert ["SKP", "0", "0", "4"] in counts(r.text)
    r = do_import(c, sha_of(r.text))
    assert r.status_code == 200 and ["SKP", "0", "0", "4"] in counts(r.text)
    assert len(rows(site.ws, sa.select(events).where(events.c.kind == "imported"))) == 2


def test_only_admins_and_no_client_path(site: Site, tmp_path: Path) -> None:
    data = fill(None, skp_sample.tables(), tmp_path)
    for user in ("ani", "auditor"):
        c = site.client(user)
        assert c.get("/impor").status_code == 403
        assert c.get("/impor/templat/skp").status_code == 403
        token = csrf_of(c.get("/").text)
        assert c.post("/impor/skp/periksa", data={"csrf_token": token},
                      files={"berkas": (NAME, data, XLSX)}).status_code == 403
        assert c.post("/impor/skp", data={"csrf_token": token, "sha256": "0" * 64}).status_code == 403
    assert pending(site.ws) == []
    admin = site.client("admin")
    assert admin.post("/impor/skp/periksa", files={"berkas": (NAME, data, XLSX)}).status_code == 403  # no CSRF
    assert do_import(admin, "../../catalog.sqlite").status_code == 404
    assert do_import(admin, "0" * 64).status_code == 400


def test_an_xls_or_csv_is_refused_with_save_as_xlsx(site: Site) -> None:
    c = site.client("admin")
    for name in ("skp lama.xls", "skp.csv"):
        r = check(c, name, b"\xd0\xcf\x11\xe0 old excel")
        assert r.status_code == 400 and "simpan sebagai .xlsx" in r.text and "Simpan Sebagai" in r.text, r.text
    token = csrf_of(c.get("/impor").text)
    r = c.post("/impor/evaluasi", data={"csrf_token": token}, files={"berkas": ("evaluasi.xls", b"x", XLSX)})
    assert r.status_code == 400 and "simpan sebagai .xlsx" in r.text
    assert pending(site.ws) == []


def test_the_evaluation_import_keeps_the_file_name_and_shows_what_changes(site: Site) -> None:
    from test_web_documents import EVALUATION

    docfixtures.import_skps(site.ws)
    c = site.client("admin")
    name = "Evaluasi TW1 Diskominfo.json"
    data = json.dumps(EVALUATION).encode()

    def upload(check_only: bool) -> Any:
        token = csrf_of(c.get("/impor").text)
        return c.post("/impor/evaluasi", data={"csrf_token": token, **({"periksa": "1"} if check_only else {})},
                      files={"berkas": (name, data, "application/json")})

    r = upload(True)
    assert r.status_code == 200 and ["evaluasi", "1", "0", "0"] in counts(r.text)
    r = upload(False)
    assert r.status_code == 200 and name in r.text and ["evaluasi", "1", "0", "0"] in counts(r.text)
    assert ["capaian organisasi", "1", "0", "0"] in counts(r.text)
    r = upload(False)
    assert ["evaluasi", "0", "0", "1"] in counts(r.text)
    assert {row.source for row in rows(site.ws, sa.select(evaluasi.c.source))} == {name}
    evs = rows(site.ws, sa.select(events).where(events.c.kind == "imported"))
    assert [json.loads(e.detail)["name"] for e in evs] == [name, name]
    assert {e.sha256 for e in evs} == {hashlib.sha256(data).hexdigest()} and evs[0].actor == "web:admin"
    assert "unggahan" not in r.text
