"""/dokumen as a background job: the form starts it, its page shows the progress (refreshing itself,
no script), then every file and a ZIP of the batch; admins only; the draft checkbox. Real workspace,
real SKP import, real DOCX rendering (no PDF: no LibreOffice needed)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
import test_documents_data as d
from conftest import NIP_A, FixedClock, Workspace
from test_web import Site, csrf_of, seed
from test_web_documents import docs_app, docx_text, finished

from archiver.web.document_jobs import safe_name


@pytest.fixture
def site(ws: Workspace, clock: FixedClock) -> Site:
    site = seed(ws, clock)
    d.import_skps(ws)
    return site


def start(c, **fields: str):
    data = {"csrf_token": csrf_of(c.get("/dokumen").text), "kind": "skp", "by": "unit", "unit": d.BIDANG,
            "tahun": "2026", "periode": "", "format": "docx", **fields}
    return c.post("/dokumen", data=data, follow_redirects=False)


def test_a_job_for_three_pegawai_shows_progress_files_and_a_zip(site: Site) -> None:
    c = site.client("admin", app=docs_app(site))
    form = c.get("/dokumen").text
    assert f"{d.NAME_A} — {NIP_A}" in form and f'<option value="{d.BIDANG}"' in form  # pickers, not free text
    r = start(c)
    assert r.status_code == 303 and re.fullmatch(r"/dokumen/tugas/[0-9a-f]{16}", r.headers["location"])
    job = r.headers["location"]
    first = c.get(job)
    assert first.status_code == 200
    if 'data-status="done"' not in first.text:  # still working: the page asks to be reloaded
        assert first.headers["refresh"] == "2" and 'http-equiv="refresh"' in first.text
    page = finished(c, first)
    assert 'data-status="done"' in page.text and "3/3" in page.text and "refresh" not in page.headers
    for name in (d.NAME_K, d.NAME_A, d.NAME_B):
        assert name in page.text
    assert len(re.findall(r'href="/dokumen/unduh/[0-9a-f]{64}"', page.text)) == 3
    z = c.get(f"{job}/zip")
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    assert "attachment" in z.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(f"skp_{n}_2026_TAHUNAN.docx" for n in (d.NIP_K, NIP_A, d.NIP_B))
        for n, nama in ((d.NIP_K, d.NAME_K), (NIP_A, d.NAME_A), (d.NIP_B, d.NAME_B)):
            assert nama in docx_text(zf.read(f"skp_{n}_2026_TAHUNAN.docx"))
    # every worker sees the job: its state is a file of the archive, not this process's memory
    state = json.loads((site.ws.config.archive.path / "web-jobs" / f"{job.rsplit('/', 1)[1]}.json").read_text())
    assert state["status"] == "done" and state["done"] == state["total"] == 3


def test_failures_are_listed_per_document_and_bad_fields_refused(site: Site) -> None:
    c = site.client("admin", app=docs_app(site))
    page = finished(c, c.get(start(c, kind="evaluasi", periode="TW1").headers["location"]))
    assert page.text.count("gagal") >= 3 and "belum memiliki evaluasi" in page.text
    assert "/zip" not in page.text  # nothing made, nothing to zip
    r = start(c, by="nip", nip="12345")
    assert r.status_code == 400 and "nip" in r.text
    r = start(c, unit="BIDANG-LAIN")
    assert r.status_code == 400 and "unit" in r.text


def test_only_admins_start_or_see_jobs(site: Site) -> None:
    app = docs_app(site)
    admin = site.client("admin", app=app)
    job = start(admin).headers["location"]
    finished(admin, admin.get(job))
    for name in ("ani", "auditor", "atasan"):
        c = site.client(name, app=app)
        assert c.get(job).status_code == 403 and c.get(f"{job}/zip").status_code == 403
        r = c.post("/dokumen", data={"csrf_token": csrf_of(c.get("/bukti").text), "kind": "skp", "by": "unit",
                                     "unit": d.BIDANG, "tahun": "2026"}, follow_redirects=False)
        assert r.status_code == 403
    assert admin.get("/dokumen/tugas/0123456789abcdef").status_code == 404
    assert admin.get("/dokumen/tugas/..%2F..%2Fcatalog").status_code == 404


def test_draft_checkbox_prints_belum_diisi(site: Site) -> None:
    f = site.ws.root / "ev.json"
    f.write_text(json.dumps({"evaluasi": [
        {"nip": NIP_A, "tahun": 2026, "periode": "TW2", "rating_hasil_kerja": "SESUAI EKSPEKTASI",
         "rating_perilaku": "SESUAI EKSPEKTASI",
         "realisasi": [{"rhk": "RHK-01", "iki": "IKI-01", "realisasi": "3 modul"}]}]}))
    assert site.ws.cli("eval", "import", str(f)).exit_code == 0
    c = site.client("admin", app=docs_app(site))
    assert 'name="draft"' in c.get("/dokumen").text
    refused = finished(c, c.get(start(c, kind="evaluasi", by="nip", nip=NIP_A, periode="TW2")
                               .headers["location"]))
    assert "gagal" in refused.text and "belum memiliki realisasi" in refused.text
    page = finished(c, c.get(start(c, kind="evaluasi", by="nip", nip=NIP_A, periode="TW2", draft="1")
                            .headers["location"]))
    [link] = re.findall(r'href="(/dokumen/unduh/[0-9a-f]{64})"', page.text)
    text = docx_text(c.get(link).content)
    assert "3 modul" in text and text.count("belum diisi") >= 2


def test_names_inside_the_zip_are_safe() -> None:
    taken: set[str] = set()
    assert safe_name("../../etc/passwd", taken) == "passwd"
    assert safe_name("a/b\\..\\laporan akhir.docx", taken) == "laporan_akhir.docx"
    assert safe_name("laporan akhir.docx", taken) == "laporan_akhir_2.docx"
    assert safe_name("...", taken) == "dokumen"


def test_a_new_job_forgets_the_state_of_jobs_a_week_old(site: Site) -> None:
    import os
    import time

    from archiver.web.document_jobs import KEEP_SECONDS

    folder = site.ws.config.archive.path / "web-jobs"
    folder.mkdir(parents=True, exist_ok=True)
    old, recent = folder / "0123456789abcdef.json", folder / "fedcba9876543210.json"
    for p in (old, recent):
        p.write_text('{"status": "done"}', encoding="utf-8")
    past = time.time() - KEEP_SECONDS - 60
    os.utime(old, (past, past))
    c = site.client("admin", app=docs_app(site))
    finished(c, c.get(start(c).headers["location"]))
    assert not old.exists() and recent.exists()
