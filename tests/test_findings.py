"""Findings and follow-up (temuan -> rekomendasi -> tindak lanjut): an auditor opens a finding on a
unit with its basis evidence, the unit answers with follow-up evidence, the auditor closes and
reopens; the scope (404 outside it), the custody events, the worksheet (XLSX read back, PDF through
LibreOffice) and the audit packages (findings.csv; a bag of one finding's evidence).

The real SKP sample (NIP_A is a staff member of unit APTIKA under KABID), real ingest, the real
web app (``site`` of test_web), the real CLI; no mocks.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import NIP_A, NIP_B, FixedClock, Workspace, require_program
from openpyxl import load_workbook
from skp_sample import KABID, tables
from test_web import PASSWORD, Site, csrf_of, seed

from archiver.accounts import add_user
from archiver.catalog import custody
from archiver.skp.importer import import_obj

BASIS = "laporan sosialisasi.pdf"
FOLLOWUP = "foto kegiatan.png"
BADGE = 'class="badge finding-{s}">{s}<'
TEXTS = {"judul": "Bukti sosialisasi tidak lengkap", "kondisi": "Daftar hadir sosialisasi tidak dilampirkan.",
         "kriteria": "Rencana bukti dukung SKP mensyaratkan daftar hadir.", "sebab": "Kelalaian pengarsipan.",
         "akibat": "Capaian RHK tidak dapat diyakini.", "rekomendasi": "Lengkapi daftar hadir sosialisasi.",
         "jatuh_tempo": "2026-03-31"}


@pytest.fixture
def unit_site(ws: Workspace, clock: FixedClock) -> Site:
    """The seeded site of test_web with the SKPs of the sample Dinas (NIP_A in APTIKA) and a Kepala Bidang."""
    site = seed(ws, clock)
    with site.ws.open() as archive:
        import_obj(archive, tables(2026), "test")
        add_user(archive.catalog, "kabid", "atasan", PASSWORD, nip=KABID, now=archive.now())
    return site


def _ids(site: Site) -> dict[str, int]:
    with site.ws.db(read=True) as db:
        return {r[1]: r[0] for r in db.execute("SELECT id, name FROM submissions WHERE sha256 IS NOT NULL")}


def _open(site: Site, **extra: object) -> int:
    auditor = site.client("auditor")
    form = auditor.get("/temuan/baru?unit=APTIKA&tahun=2026")
    assert form.status_code == 200 and BASIS in form.text and "notulen rapat.pdf" not in form.text  # NIP_B: no unit
    r = auditor.post("/temuan/baru", data={"csrf_token": csrf_of(form.text), "unit": "APTIKA", "tahun": "2026",
                                           **TEXTS, "bukti": [_ids(site)[BASIS]], **extra}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].split("/")[2].split("?")[0])


def _steps(site: Site) -> list[dict]:
    with site.ws.open() as archive, archive.catalog.read() as conn:
        return [e["detail"] for e in custody.history(conn) if e["kind"] == "finding"]


def test_finding_lifecycle_on_the_web_with_scope_and_custody(unit_site: Site) -> None:
    site = unit_site
    fid = _open(site)
    ids = _ids(site)
    auditor, ani, budi, kabid = (site.client(u) for u in ("auditor", "ani", "budi", "kabid"))
    page = auditor.get(f"/temuan/{fid}?pesan=dibuka")  # where the form sends the auditor
    assert page.status_code == 200 and "Temuan telah dibuka." in page.text
    assert TEXTS["kondisi"] in page.text and BADGE.format(s="terbuka") in page.text and BASIS in page.text

    # the unit sees it (pegawai of APTIKA, and the Kepala Bidang who appraises them); others get 404
    assert TEXTS["judul"] in ani.get("/temuan").text and TEXTS["judul"] in kabid.get("/temuan?unit=APTIKA").text
    assert TEXTS["judul"] not in budi.get("/temuan").text
    assert budi.get(f"/temuan/{fid}").status_code == 404
    token = csrf_of(budi.get("/temuan").text)
    assert budi.post(f"/temuan/{fid}/tindak-lanjut", data={"csrf_token": token, "tindak_lanjut": "x"}).status_code \
        == 404

    # a pegawai may not close, open or judge
    token = csrf_of(ani.get(f"/temuan/{fid}").text)
    assert ani.post(f"/temuan/{fid}/tutup", data={"csrf_token": token}).status_code == 403
    assert ani.get("/temuan/baru").status_code == 403
    # the follow-up picker offers the pegawai's own evidence only; evidence outside the scope is refused
    detail = ani.get(f"/temuan/{fid}").text
    assert FOLLOWUP in detail and "notulen rapat.pdf" not in detail
    r = ani.post(f"/temuan/{fid}/tindak-lanjut", data={"csrf_token": token, "tindak_lanjut": "Sudah dilengkapi.",
                                                      "bukti": [ids["notulen rapat.pdf"]]})
    assert r.status_code == 400
    r = ani.post(f"/temuan/{fid}/tindak-lanjut", data={"csrf_token": token, "tindak_lanjut": "Sudah dilengkapi.",
                                                      "bukti": [ids[FOLLOWUP]]}, follow_redirects=False)
    assert r.status_code == 303
    page = auditor.get(f"/temuan/{fid}").text
    assert BADGE.format(s="ditindaklanjuti") in page and "Sudah dilengkapi." in page and FOLLOWUP in page

    token = csrf_of(page)
    assert auditor.post(f"/temuan/{fid}/tutup", data={"csrf_token": token, "catatan": "Memadai."},
                        follow_redirects=False).status_code == 303
    assert BADGE.format(s="selesai") in auditor.get(f"/temuan/{fid}").text
    # a closed finding takes no answer; a reopening needs its note
    r = ani.post(f"/temuan/{fid}/tindak-lanjut", data={"csrf_token": csrf_of(ani.get("/temuan").text),
                                                      "tindak_lanjut": "lagi"})
    assert r.status_code == 400
    assert auditor.post(f"/temuan/{fid}/buka-kembali", data={"csrf_token": token}).status_code == 400
    assert auditor.post(f"/temuan/{fid}/buka-kembali", data={"csrf_token": token, "catatan": "Daftar hadir palsu."},
                        follow_redirects=False).status_code == 303
    assert BADGE.format(s="terbuka") in auditor.get(f"/temuan/{fid}").text

    steps = _steps(site)
    assert [s["step"] for s in steps] == ["opened", "recommended", "answered", "closed", "reopened"]
    assert {s["finding"] for s in steps} == {fid}
    assert steps[0]["submissions"] == [ids[BASIS]] and steps[2]["submissions"] == [ids[FOLLOWUP]]
    assert steps[4]["note"] == "Daftar hadir palsu."
    with site.ws.open() as archive, archive.catalog.read() as conn:
        assert list(custody.verify_chain(conn)) == []
    # past the due date 2026-03-31, the reopened finding is overdue (sessions expired meanwhile: log in again)
    assert TEXTS["judul"] not in auditor.get("/temuan?status=lewat").text
    site.clock.advance(31 * 86400)
    listing = site.client("auditor").get("/temuan?status=lewat").text
    assert TEXTS["judul"] in listing and "lewat jatuh tempo" in listing


def test_overdue_list_and_worksheet_xlsx(unit_site: Site, tmp_path: Path) -> None:
    site = unit_site
    fid = _open(site)
    rows = site.ws.cli_json("findings", "list")
    assert [r["id"] for r in rows] == [fid]
    assert rows[0]["status"] == "terbuka" and rows[0]["overdue"] is True  # the CLI's clock is today's: past March
    assert rows[0]["evidence"][0]["name"] == BASIS
    assert site.ws.cli_json("findings", "list", "--unit", "APTIKA", "--status", "lewat")[0]["id"] == fid
    assert site.ws.cli_json("findings", "list", "--status", "selesai") == []
    text = site.ws.cli("findings", "list").stdout
    assert TEXTS["judul"] in text and "terlambat" in text.lower()

    out = tmp_path / "kertas-kerja.xlsx"
    res = site.ws.cli("findings", "export", "--unit", "APTIKA", "--format", "xlsx", "-o", str(out),
                      "--base-url", "https://arsip.contoh.go.id")
    assert res.exit_code == 0, res.output
    ws = load_workbook(out).active
    assert ws is not None
    assert ws["A1"].value == "Kertas Kerja — Daftar Temuan dan Tindak Lanjut"
    header = [c.value for c in ws[5]]
    assert header[:4] == ["No", "Judul", "Lingkup", "Kondisi"] and "Bukti Dukung" in header
    row = {h: c.value for h, c in zip(header, ws[6], strict=True)}
    sha = site.sha[BASIS]
    assert row["No"] == 1 and row["Kondisi"] == TEXTS["kondisi"] and row["Rekomendasi"] == TEXTS["rekomendasi"]
    assert row["Lingkup"] == "unit APTIKA, tahun 2026" and row["Jatuh Tempo"] == "31-03-2026"
    assert row["Status"] == "Terbuka (lewat jatuh tempo)"
    assert BASIS in row["Bukti Dukung"] and sha[:12] in row["Bukti Dukung"]
    assert f"https://arsip.contoh.go.id/e/{sha}" in row["Bukti Dukung"]

    # the web worksheet: cut to the user's scope (budi sees no finding)
    r = site.client("ani").get("/temuan/kertas-kerja?format=xlsx&unit=APTIKA")
    assert r.status_code == 200 and "kertas-kerja-temuan-APTIKA.xlsx" in r.headers["content-disposition"]
    assert load_workbook(io.BytesIO(r.content)).active["D6"].value == TEXTS["kondisi"]
    r = site.client("budi").get("/temuan/kertas-kerja?format=xlsx")
    assert load_workbook(io.BytesIO(r.content)).active["A6"].value is None


def test_worksheet_pdf(unit_site: Site, tmp_path: Path) -> None:
    require_program("soffice")
    site = unit_site
    _open(site)
    out = tmp_path / "temuan.pdf"
    res = site.ws.cli("findings", "export", "--format", "pdf", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"%PDF")
    pdftotext = require_program("pdftotext")
    text = subprocess.run([pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Daftar Temuan dan Tindak Lanjut" in text and "Kelalaian pengarsipan." in text


def test_findings_go_into_audit_packages(unit_site: Site, tmp_path: Path) -> None:
    site = unit_site
    fid = _open(site)
    ani = site.client("ani")
    ids = _ids(site)
    ani.post(f"/temuan/{fid}/tindak-lanjut", data={"csrf_token": csrf_of(ani.get(f"/temuan/{fid}").text),
                                                   "tindak_lanjut": "Sudah.", "bukti": [ids[FOLLOWUP]]})
    # a bag of the pegawai's year carries the findings touching its evidence
    out = tmp_path / "ani.zip"
    assert site.ws.cli("export", "--nip", NIP_A, "--tahun", "2026", "-o", str(out)).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        found = [n for n in names if n.endswith("/findings.csv")]
        assert found
        rows = list(csv.DictReader(io.StringIO(zf.read(found[0]).decode("utf-8-sig"))))
        index = zf.read(next(n for n in names if n.endswith("/index.html"))).decode()
    assert [r["no_temuan"] for r in rows] == [str(fid)] and rows[0]["kondisi"] == TEXTS["kondisi"]
    assert site.sha[BASIS] in rows[0]["bukti"] and "Sudah." in rows[0]["tindak_lanjut"]
    assert "Temuan terkait" in index and TEXTS["judul"] in index
    assert site.ws.cli("verify-bag", str(out)).exit_code == 0
    # a bag of a pegawai without findings has no findings.csv
    out_b = tmp_path / "budi.zip"
    assert site.ws.cli("export", "--nip", NIP_B, "--tahun", "2026", "-o", str(out_b)).exit_code == 0
    with zipfile.ZipFile(out_b) as zf:
        assert not [n for n in zf.namelist() if n.endswith("findings.csv")]
        assert "Temuan terkait" not in zf.read(next(n for n in zf.namelist() if n.endswith("index.html"))).decode()

    # one finding's evidence: basis and follow-up, whatever their periode
    out_f = tmp_path / "temuan.zip"
    res = site.ws.cli("export", "--finding", str(fid), "-o", str(out_f), "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["items"] == 2 and report["criteria"]["finding"] == fid
    with zipfile.ZipFile(out_f) as zf:
        data = [n for n in zf.namelist() if "/data/" in n]
        info = zf.read(next(n for n in zf.namelist() if n.endswith("bag-info.txt"))).decode()
    assert sorted(n.rsplit("/", 1)[-1] for n in data) == sorted([BASIS, FOLLOWUP])
    assert f"Temuan: {fid}" in info and "Tahun: 2026" in info
    assert site.ws.cli("verify-bag", str(out_f)).exit_code == 0
    assert site.ws.cli("export", "--finding", "999", "-o", str(tmp_path / "x.zip")).exit_code != 0
    assert site.ws.cli("export", "--finding", str(fid), "--nip", NIP_A, "-o", str(tmp_path / "y.zip")).exit_code == 2


def test_create_form_refuses_bad_input_and_keeps_it(unit_site: Site) -> None:
    auditor = unit_site.client("auditor")
    form = auditor.get(f"/temuan/baru?nip={NIP_A}&tahun=2026")
    assert "RHK-01" in form.text and BASIS in form.text  # the pegawai's indicators and evidence
    r = auditor.post("/temuan/baru", data={"csrf_token": csrf_of(form.text), **TEXTS, "jatuh_tempo": "31/03/2026",
                                           "nip": NIP_A, "tahun": "2026", "rhk": "RHK-01"})
    assert r.status_code == 400 and "jatuh tempo" in r.text.lower() and TEXTS["kondisi"] in r.text
    r = auditor.post("/temuan/baru", data={"csrf_token": csrf_of(form.text), **TEXTS, "nip": NIP_A, "tahun": "2026",
                                           "rhk": "RHK-09"})
    assert r.status_code == 400
    r = auditor.post("/temuan/baru", data={"csrf_token": csrf_of(form.text), **TEXTS, "nip": NIP_A, "tahun": "2026",
                                           "rhk": "RHK-01", "iki": "IKI-01"}, follow_redirects=False)
    assert r.status_code == 303
    page = auditor.get(r.headers["location"]).text
    assert f"NIP {NIP_A}, RHK-01/IKI-01, tahun 2026" in page
    assert auditor.get("/temuan/999").status_code == 404


def test_auditor_shares_a_findings_evidence(unit_site: Site) -> None:
    site = unit_site
    fid = _open(site)
    auditor = site.client("auditor")
    token = csrf_of(auditor.get(f"/temuan/{fid}").text)
    assert site.client("ani").post(f"/temuan/{fid}/bagikan", data={"csrf_token": token}).status_code == 403
    page = auditor.post(f"/temuan/{fid}/bagikan", data={"csrf_token": token})
    assert page.status_code == 200
    url = re.search(r'value="(http://testserver/s/[^"]+)"', page.text)
    assert url, page.text
    public = site.client().get(url.group(1).removeprefix("http://testserver"))
    assert public.status_code == 200 and BASIS in public.text and "notulen rapat.pdf" not in public.text


def test_the_json_api_lists_findings_by_scope(unit_site: Site) -> None:
    site = unit_site
    fid = _open(site)
    ids = _ids(site)
    auditor, ani, budi = (site.client(u) for u in ("auditor", "ani", "budi"))
    token = csrf_of(ani.get(f"/temuan/{fid}").text)
    assert ani.post(f"/temuan/{fid}/tindak-lanjut", data={"csrf_token": token, "tindak_lanjut": "Sudah dilengkapi.",
                                                         "bukti": [ids[FOLLOWUP]]}).status_code == 200
    listed = auditor.get("/api/findings", params={"unit": "APTIKA", "tahun": 2026}).json()
    assert listed["total"] == 1
    f = listed["items"][0]
    assert (f["id"], f["judul"], f["kondisi"], f["status"], f["due"], f["overdue"]) == \
        (fid, TEXTS["judul"], TEXTS["kondisi"], "ditindaklanjuti", "2026-03-31", False)
    assert [(e["role"], e["name"]) for e in f["evidence"]] == [("basis", BASIS), ("followup", FOLLOWUP)]
    assert all(e["permalink"] == f"/e/{e['sha256']}" for e in f["evidence"])
    assert [s["text"] for s in f["tindak_lanjut"]] == ["Sudah dilengkapi."] and f["permalink"] == f"/temuan/{fid}"
    assert auditor.get(f"/api/findings/{fid}").json() == f
    assert [x["id"] for x in ani.get("/api/findings").json()["items"]] == [fid]  # in the pegawai's scope
    assert budi.get("/api/findings").json() == {"total": 0, "items": []}  # outside it: nothing, and 404
    assert budi.get(f"/api/findings/{fid}").status_code == 404
    assert auditor.get("/api/findings", params={"status": "entah"}).status_code == 400
    assert auditor.get("/api/findings", params={"status": "selesai"}).json()["total"] == 0


def test_auditor_adds_basis_evidence_found_later(unit_site: Site) -> None:
    site = unit_site
    fid = _open(site)
    ids = _ids(site)
    auditor, ani = site.client("auditor"), site.client("ani")
    page = auditor.get(f"/temuan/{fid}").text
    form = page[page.index(f'action="/temuan/{fid}/bukti-dasar"'):]
    form = form[:form.index("</form>")]
    assert FOLLOWUP in form and BASIS not in form  # what is already its basis is not offered again
    token = csrf_of(page)

    def add(client: object, *chosen: int, note: str = "") -> object:
        return client.post(f"/temuan/{fid}/bukti-dasar",  # type: ignore[attr-defined]
                           data={"csrf_token": token if client is auditor else csrf_of(ani.get("/temuan").text),
                                 "bukti": list(chosen), "catatan": note}, follow_redirects=False)

    assert add(ani, ids[FOLLOWUP]).status_code == 403  # type: ignore[attr-defined]
    assert add(auditor).status_code == 400  # type: ignore[attr-defined]  # nothing chosen
    assert add(auditor, 999_999).status_code == 400  # type: ignore[attr-defined]  # no such evidence
    r = add(auditor, ids[FOLLOWUP], note="Foto ditemukan saat uji petik.")
    assert r.status_code == 303 and r.headers["location"] == f"/temuan/{fid}?pesan=bukti-ditambah"  # type: ignore[attr-defined]
    assert add(auditor, ids[FOLLOWUP]).status_code == 400  # type: ignore[attr-defined]  # already its basis
    detail = auditor.get(f"/temuan/{fid}?pesan=bukti-ditambah").text
    assert "Bukti telah ditambahkan ke dasar temuan." in detail and "bukti dasar ditambahkan" in detail
    assert "Foto ditemukan saat uji petik." in detail
    api = auditor.get(f"/api/findings/{fid}").json()
    assert sorted((e["role"], e["name"]) for e in api["evidence"]) == [("basis", FOLLOWUP), ("basis", BASIS)]
    step = _steps(site)[-1]
    assert step == {"step": "evidence_added", "finding": fid, "submissions": [ids[FOLLOWUP]],
                    "note": "Foto ditemukan saat uji petik."}
    assert auditor.post(f"/temuan/{fid}/tutup", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert f'action="/temuan/{fid}/bukti-dasar"' not in auditor.get(f"/temuan/{fid}").text
    with site.ws.open() as archive, archive.catalog.read() as conn:
        assert list(custody.verify_chain(conn)) == []


def test_the_cli_takes_every_step_as_a_web_account(unit_site: Site) -> None:
    site = unit_site
    ws, ids = site.ws, _ids(site)

    def step(*args: str, user: str = "auditor", password: str = PASSWORD) -> dict:
        res = ws.cli("findings", *args, "--as", user, "--json", input=f"{password}\n")
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout.splitlines()[-1])

    opened = step("open", "--unit", "APTIKA", "--tahun", "2026", "--judul", TEXTS["judul"], "--kondisi",
                  TEXTS["kondisi"], "--kriteria", TEXTS["kriteria"], "--sebab", TEXTS["sebab"], "--akibat",
                  TEXTS["akibat"], "--bukti", str(ids[BASIS]), "--jatuh-tempo", "2026-03-31")
    fid = opened["id"]
    assert (opened["status"], opened["due"], [e["name"] for e in opened["evidence"]]) == ("terbuka", "2026-03-31",
                                                                                         [BASIS])
    res = ws.cli("findings", "open", "--as", "ani", "--unit", "APTIKA", "--judul", "x", "--kondisi", "x",
                 "--kriteria", "x", "--sebab", "x", "--akibat", "x", input=f"{PASSWORD}\n")
    assert res.exit_code != 0 and "auditor" in res.output  # a pegawai does not open findings
    res = ws.cli("findings", "close", str(fid), "--as", "auditor", input="salah\n")
    assert res.exit_code != 0  # a wrong password
    assert step("recommend", str(fid), "--text", TEXTS["rekomendasi"])["rekomendasi"] == TEXTS["rekomendasi"]
    res = ws.cli("findings", "answer", str(fid), "--as", "budi", "--text", "x", input=f"{PASSWORD}\n")
    assert res.exit_code != 0  # outside the finding's scope
    answered = step("answer", str(fid), "--text", "Sudah dilengkapi.", "--bukti", str(ids[FOLLOWUP]), user="ani")
    assert answered["status"] == "ditindaklanjuti" and answered["tindak_lanjut"][0]["text"] == "Sudah dilengkapi."
    assert step("close", str(fid), "--note", "Memadai.")["status"] == "selesai"
    assert step("reopen", str(fid), "--note", "Daftar hadir palsu.")["status"] == "terbuka"
    more = step("add-evidence", str(fid), "--bukti", str(ids["notulen rapat.pdf"]), "--note", "uji petik")
    assert sorted(e["name"] for e in more["evidence"] if e["role"] == "basis") == sorted([BASIS, "notulen rapat.pdf"])
    shown = ws.cli("findings", "show", str(fid))
    assert shown.exit_code == 0 and f"Temuan #{fid}: {TEXTS['judul']} (terbuka)" in shown.output
    steps = _steps(site)
    assert [s["step"] for s in steps] == ["opened", "recommended", "answered", "closed", "reopened", "evidence_added"]
    with ws.open() as archive, archive.catalog.read() as conn:
        actors = [e["actor"] for e in custody.history(conn) if e["kind"] == "finding"]
        assert list(custody.verify_chain(conn)) == []
    assert actors == ["web:auditor"] * 2 + ["web:ani"] + ["web:auditor"] * 3
