"""Document generation from the web: admins only, outputs stored in the archive and served
by hash, the same library call as `archiver generate` (SKP data imported with `archiver skp import`,
read by the app's default source, the SKP catalog)."""

from __future__ import annotations

import io
import re
import time

import pytest
import test_documents_data as docfixtures
from conftest import NIP_A, FixedClock, Workspace, require_program
from docx import Document
from test_web import Site, csrf_of, seed

from archiver.web.app import create_app


@pytest.fixture
def site(ws: Workspace, clock: FixedClock) -> Site:
    site = seed(ws, clock)
    docfixtures.import_skps(ws)
    return site


def docs_app(site: Site):
    return create_app(site.ws.config, clock=site.clock)  # the default SKP source: the catalog


def generate(c, **fields: str):
    token = csrf_of(c.get("/dokumen").text)
    data = {"csrf_token": token, "kind": "bukti", "by": "nip", "target": NIP_A, "tahun": "2026", "periode": "TW1",
            "format": "docx", **fields}
    return finished(c, c.post("/dokumen", data=data))


def finished(c, r):
    """The document job's page once the job has ended (the page refreshes itself until then)."""
    deadline = time.monotonic() + 300
    while '<p id="kemajuan" data-status="queued"' in r.text or '<p id="kemajuan" data-status="running"' in r.text:
        assert time.monotonic() < deadline, "the document job did not finish"
        time.sleep(0.1)
        r = c.get(r.url)
    return r


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def links(html: str) -> list[str]:
    return re.findall(r'href="(/dokumen/unduh/[0-9a-f]{64})"', html)


def test_admin_generates_a_daftar_bukti_docx(site: Site) -> None:
    c = site.client("admin", app=docs_app(site))
    r = generate(c)
    assert r.status_code == 200 and "Raden Ayu Siti Nurhaliza" in r.text
    [link] = links(r.text)
    d = c.get(link)
    assert d.status_code == 200
    assert d.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert d.headers["content-disposition"].endswith("filename*=UTF-8''bukti_198503152010011002_2026_TW1.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(d.content)).paragraphs)
    tables = "\n".join(cell.text for t in Document(io.BytesIO(d.content)).tables
                       for row in t.rows for cell in row.cells)
    assert "laporan sosialisasi.pdf" in text + tables  # the evidence in the archive is listed
    assert site.sha["laporan sosialisasi.pdf"] in tables and f"RHK-01 {docfixtures.RHK_A1}" in tables
    # The output is archived and its generation recorded under the admin's name.
    with site.ws.open() as archive, archive.catalog.read() as conn:
        from archiver.catalog import custody

        sha = link.rsplit("/", 1)[1]
        kinds = [(e["kind"], e["actor"]) for e in custody.history(conn, sha256=sha)]
    assert ("generated", "web:admin") in kinds and ("downloaded", "web:admin") in kinds


def test_unit_generation_and_errors_are_reported(site: Site) -> None:
    c = site.client("admin", app=docs_app(site))
    r = generate(c, kind="skp", by="unit", target=docfixtures.UNIT, periode="")
    assert r.status_code == 200 and len(links(r.text)) == 4  # the Dinas and its bidang
    for name in (docfixtures.NAME_J, docfixtures.NAME_K, docfixtures.NAME_B):
        assert name in r.text
    r = generate(c, kind="evaluasi", periode="TW1")  # no evaluation imported: reported, nothing made
    assert r.status_code == 200 and "gagal" in r.text and "belum memiliki evaluasi" in r.text and not links(r.text)
    assert "archiver eval" not in r.text  # the CLI's hint is not a web page's
    r = generate(c, target="199901012020011001")
    assert "gagal" in r.text and "belum memiliki SKP" in r.text
    r = generate(c, tahun="20xx")
    assert r.status_code == 400 and "tahun" in r.text


def test_only_admins_generate_and_only_generated_documents_are_served(site: Site) -> None:
    app = docs_app(site)
    for name in ("ani", "auditor", "atasan"):
        c = site.client(name, app=app)
        assert c.get("/dokumen").status_code == 403
        assert c.post("/dokumen", data={"csrf_token": csrf_of(c.get("/bukti").text), "kind": "skp",
                                        "target": NIP_A, "tahun": "2026"}).status_code == 403
    admin = site.client("admin", app=app)
    evidence = site.sha["laporan sosialisasi.pdf"]
    assert admin.get(f"/dokumen/unduh/{evidence}").status_code == 404  # evidence is not a generated document
    assert admin.get("/dokumen/unduh/..%2F..%2Fcatalog.sqlite").status_code == 404


def test_admin_generates_pdf(site: Site) -> None:
    require_program("soffice")
    c = site.client("admin", app=docs_app(site))
    r = generate(c, format="pdf")
    _docx_link, pdf_link = links(r.text)
    pdf = c.get(pdf_link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "bukti_198503152010011002_2026_TW1.pdf" in pdf.headers["content-disposition"]


def test_documents_page_is_in_the_menu_for_admins_only(site: Site) -> None:
    app = docs_app(site)
    assert 'href="/dokumen"' in site.client("admin", app=app).get("/bukti").text
    assert 'href="/dokumen"' not in site.client("auditor", app=app).get("/bukti").text


EVALUATION = {"evaluasi": [{"nip": NIP_A, "tahun": 2026, "periode": "TW1", "rating_hasil_kerja": "DI ATAS EKSPEKTASI",
                            "rating_perilaku": "SESUAI EKSPEKTASI",
                            "realisasi": [{"rhk": "RHK-01", "iki": "IKI-01", "realisasi": "4 aplikasi"},
                                          {"rhk": "RHK-01", "iki": "IKI-02", "realisasi": "100%"},
                                          {"rhk": "RHK-02", "iki": "IKI-03", "realisasi": "1 kali"}],
                            "perilaku": [{"perilaku": "Loyal", "umpan_balik": "Baik sekali"}]}],
              "capaian_organisasi": [{"unit": docfixtures.UNIT, "tahun": 2026, "periode": "TW1",
                                      "predikat": "BAIK"}]}


def upload(c, name: str, data: bytes, check: bool = False):
    token = csrf_of(c.get("/impor").text)
    return c.post("/impor/evaluasi", data={"csrf_token": token, **({"periksa": "1"} if check else {})},
                  files={"berkas": (name, data, "application/json")})


def test_admin_imports_evaluations_then_generates_the_evaluation(site: Site) -> None:
    import json

    c = site.client("admin", app=docs_app(site))
    bad = {"evaluasi": [{"nip": NIP_A, "tahun": "dua ribu", "periode": "TW1"}], "extra": 1}
    r = upload(c, "evaluasi.json", json.dumps(bad).encode())
    assert r.status_code == 422 and "tidak ada yang diimpor" in r.text and "extra: kunci tidak dikenal" in r.text
    r = upload(c, "evaluasi.json", json.dumps(EVALUATION).encode(), check=True)
    assert r.status_code == 200 and "Diperiksa" in r.text
    assert "gagal" in generate(c, kind="evaluasi").text  # a check saves nothing
    r = upload(c, "evaluasi.json", json.dumps(EVALUATION).encode())
    assert r.status_code == 200 and "Tersimpan" in r.text and "BAIK" in r.text
    r = generate(c, kind="evaluasi")
    assert "gagal" not in r.text and len(links(r.text)) == 1
    doc = Document(io.BytesIO(c.get(links(r.text)[0]).content))
    rows = [[cell.text for cell in row.cells] for t in doc.tables for row in t.rows]
    assert ["Kuantitas", docfixtures.IKI_A1, "4 modul", "4 aplikasi"] in [row[3:7] for row in rows if len(row) == 8]
    chosen = {row.cells[0].text: [r.text.strip(" /") for p in row.cells[1].paragraphs for r in p.runs
                                  if r.text.strip(" /") and not r.font.strike]
              for t in doc.tables for row in t.rows if row.cells[0].text.endswith("*")}  # the others struck through
    assert chosen["CAPAIAN KINERJA ORGANISASI*"] == ["BAIK"] and chosen["PREDIKAT KINERJA PEGAWAI*"] == ["BAIK"]
    # the signing date chosen on the form is printed; a bad one is a clear error, nothing generated
    r = generate(c, kind="evaluasi", tanggal="2027-01-04")
    body = docx_text(c.get(links(r.text)[0]).content)
    assert "4 Januari 2027" in body
    r = generate(c, kind="evaluasi", tanggal="04/01/2027")
    assert r.status_code == 400 and "tanggal" in r.text and not links(r.text)
    r = upload(c, "program.exe", b"MZ")
    assert r.status_code == 400 and ".xlsx" in r.text
    pegawai = site.client("ani", app=docs_app(site))
    assert pegawai.get("/impor").status_code == 403
