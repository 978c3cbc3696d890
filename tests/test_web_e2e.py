"""End-to-end: Debian's Chromium, driven by Playwright, against a real uvicorn server.

Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). Playwright's own
browser download is never used.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from conftest import NIP_B, FixedClock, Workspace, require_program
from test_web import PASSWORD, XSS, Site, seed
from test_web_search import build_index

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(ws: Workspace) -> Iterator[tuple[Site, LiveServer]]:
    site = seed(ws, FixedClock())
    build_index(site)
    import test_documents_data as docfixtures

    from archiver.archive import utc_now
    from archiver.web.app import create_app

    docfixtures.import_skps(ws)  # document generation reads the imported SKPs (the app's default source)
    app = create_app(ws.config, clock=utc_now)
    with LiveServer(app) as server:
        yield site, server


def launched_browser() -> Iterator[Any]:
    """Debian's chromium through Playwright (no browser download), closed afterwards."""
    chromium = require_program("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    yield from launched_browser()


def new_page(browser: Any) -> Any:
    context = browser.new_context(accept_downloads=True, locale="id-ID")
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    page.csp_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.csp_errors.append(m.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in m.text else None)
    return page


def log_in(page: Any, name: str) -> None:
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Masuk')")


def test_pegawai_opens_a_permalink_logs_in_and_downloads(live: tuple[Site, LiveServer], browser: Any,
                                                         tmp_path: Path) -> None:
    site, server = live
    sha = site.sha["laporan sosialisasi.pdf"]
    page = new_page(browser)
    page.goto(f"{server.url}/e/{sha}")
    assert "/login?next=" in page.url  # a permalink needs a login
    log_in(page, "ani")
    page.wait_for_url(f"{server.url}/e/{sha}")
    assert page.inner_text("h1") == "laporan sosialisasi.pdf"
    assert page.input_value(".permalink input") == f"{server.url}/e/{sha}"
    assert "Laporan sosialisasi anggaran desa" in page.inner_text(".preview-text")
    # The stylesheet loaded under the strict CSP (the header is dark, not the default white).
    assert page.eval_on_selector("header.top", "e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    with page.expect_download() as info:
        page.click("text=Unduh berkas asli")
    download = info.value
    assert download.suggested_filename == "laporan sosialisasi.pdf"
    saved = tmp_path / "unduhan.pdf"
    download.save_as(saved)
    original = site.ws.drop / "198503152010011002/2026/TW1/RHK-01/laporan sosialisasi.pdf"
    assert saved.read_bytes() == original.read_bytes()
    # Another pegawai's evidence does not exist for her.
    response = page.goto(f"{server.url}/e/{site.sha['notulen rapat.pdf']}")
    assert response.status == 404 and "Tidak ditemukan" in page.inner_text("h1")
    # Search: highlighted snippet, only her own evidence, the hit opens the detail page.
    page.goto(f"{server.url}/")
    assert page.url == f"{server.url}/cari"
    page.fill("input[name=q]", "anggaran desa")
    page.click("button:has-text('Cari')")
    page.wait_for_url("**/cari?q=*")
    results = page.locator("ol.results li")
    assert results.count() == 1 and "laporan sosialisasi.pdf" in results.first.inner_text()
    assert [m.lower() for m in page.locator("ol.results mark").all_inner_texts()] == ["anggaran", "desa"]
    page.click("ol.results >> text=laporan sosialisasi.pdf")
    page.wait_for_url(f"{server.url}/e/{sha}")
    page.goto(f"{server.url}/cari?q=notulen")
    assert page.locator("ol.results li").count() == 0  # budi's notulen is not hers
    page.goto(f"{server.url}/bukti")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 3 and "notulen" not in page.inner_text("table.data")
    page.click("text=Keluar")
    page.wait_for_url(f"{server.url}/login")
    assert page.dialogs == [] and page.csp_errors == []  # type: ignore[attr-defined]


def test_admin_filters_checks_integrity_and_reviews_problems(live: tuple[Site, LiveServer], browser: Any) -> None:
    _, server = live
    page = new_page(browser)
    page.goto(f"{server.url}/")
    log_in(page, "admin")
    page.wait_for_url(f"{server.url}/**")
    page.goto(f"{server.url}/bukti")
    page.select_option("select[name=nip]", NIP_B)  # a picker of "Nama — NIP", not free text
    page.select_option("select[name=periode]", "TW1")
    page.click("button:has-text('Tampilkan')")
    page.wait_for_url("**nip=*")
    assert "notulen rapat.pdf" in page.inner_text("table.data")
    assert "laporan sosialisasi.pdf" not in page.inner_text("table.data")
    page.click("text=notulen rapat.pdf")
    page.wait_for_url(f"{server.url}/e/*")
    page.click("button:has-text('Periksa ulang sekarang')")
    page.wait_for_url("**#integritas")
    assert "Utuh" in page.inner_text("#integritas")
    custody_table = page.inner_text("section:has(h2:text('Riwayat lacak')) table")
    assert "diperiksa integritasnya" in custody_table and "web:admin" in custody_table
    page.click("nav >> text=Berkas bermasalah")
    page.wait_for_url(f"{server.url}/masalah")
    text = page.inner_text("table.data")
    assert "faktur.pdf" in text and "program" in text
    assert f"drop/{XSS}.pdf" in text  # shown as text, never run
    page.click("nav.tabs >> text=Karantina")
    page.wait_for_url("**status=quarantined")
    assert "script>.pdf" not in page.inner_text("table.data")
    assert page.dialogs == [] and page.csp_errors == []  # type: ignore[attr-defined]


def test_auditor_downloads_a_quarantined_program_only_as_a_file(live: tuple[Site, LiveServer], browser: Any) -> None:
    site, server = live
    page = new_page(browser)
    sha = site.sha["faktur.pdf"]
    page.goto(f"{server.url}/e/{sha}")
    log_in(page, "auditor")
    page.wait_for_url(f"{server.url}/e/{sha}")
    assert "dikarantina" in page.inner_text("main")
    with page.expect_download() as info:
        page.click("text=Unduh berkas asli")
    assert info.value.suggested_filename == "faktur.pdf"
    with site.ws.open() as archive, archive.catalog.read() as conn:
        import sqlalchemy as sa

        from archiver.catalog.schema import events

        kinds = [r.kind for r in conn.execute(sa.select(events.c.kind).where(
            events.c.sha256 == sha, events.c.actor == "web:auditor").order_by(events.c.seq))]
    assert kinds == ["viewed", "downloaded"]


def test_admin_generates_and_downloads_a_document(live: tuple[Site, LiveServer], browser: Any, tmp_path: Path) -> None:
    import io

    from docx import Document

    _, server = live
    page = new_page(browser)
    page.goto(f"{server.url}/dokumen")
    log_in(page, "admin")
    page.wait_for_url(f"{server.url}/dokumen")
    page.select_option("select[name=kind]", "bukti")
    page.check("input[name=by][value=nip]")
    page.select_option("select[name=nip]", "198503152010011002")
    page.fill("input[name=tahun]", "2026")
    page.select_option("select[name=periode]", "TW1")
    page.click("button:has-text('Buat')")
    page.wait_for_selector("#hasil")
    assert "Raden Ayu" in page.inner_text("#hasil")
    with page.expect_download() as info:
        page.click("#hasil >> text=Unduh DOCX")
    download = info.value
    assert download.suggested_filename == "bukti_198503152010011002_2026_TW1.docx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    doc = Document(io.BytesIO(target.read_bytes()))
    cells = " ".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "laporan sosialisasi.pdf" in cells
    assert page.dialogs == [] and page.csp_errors == []  # type: ignore[attr-defined]


def test_atasan_reads_coverage_and_admin_relinks_a_file(live: tuple[Site, LiveServer], browser: Any) -> None:
    import test_documents_data as d

    from archiver.accounts import add_user

    site, server = live
    with site.ws.open() as archive:
        add_user(archive.catalog, "kabid", "atasan", PASSWORD, nip=d.NIP_K, now=archive.now())
    page = new_page(browser)
    page.goto(f"{server.url}/")
    log_in(page, "kabid")
    page.wait_for_url(f"{server.url}/**")
    page.click("nav >> text=Kelengkapan")
    page.wait_for_url(f"{server.url}/cakupan**")
    page.fill("input[name=tahun]", str(d.TAHUN))
    page.select_option("select[name=periode]", "TW1")
    page.click("button:has-text('Tampilkan')")
    page.wait_for_url("**periode=TW1*")
    grid = page.inner_text("table.coverage")
    assert d.NIP_A in grid and d.NIP_B in grid and d.NIP_J not in grid  # staff below, not the Kepala Dinas
    assert page.locator("td[data-status=kosong]").count() > 0  # missing evidence is marked
    # A cell with evidence opens the files it counts: its list, then one file's page.
    cell = page.locator("td[data-status=lengkap], td[data-status=kurang]").first
    cell.locator("summary").click()
    cell.locator("ul.cell-files a", has_text="laporan sosialisasi.pdf").click()
    page.wait_for_url(f"{server.url}/e/{site.sha['laporan sosialisasi.pdf']}")
    assert "laporan sosialisasi.pdf" in page.inner_text("main")
    page.go_back()
    page.locator("td[data-status=lengkap] > a, td[data-status=kurang] > a").first.click()
    page.wait_for_url("**/bukti?**")
    assert "laporan sosialisasi.pdf" in page.inner_text("main")
    page.context.close()

    page = new_page(browser)
    page.goto(f"{server.url}/")
    log_in(page, "admin")
    page.wait_for_url(f"{server.url}/**")
    page.goto(f"{server.url}/masalah?status=unlinked")
    form = page.locator("form[action$='/tautkan']").first
    form.locator("input[name=nip]").fill(d.NIP_A)
    form.locator("input[name=tahun]").fill(str(d.TAHUN))
    form.locator("input[name=periode]").fill("TW1")
    form.locator("input[name=rhk]").fill("RHK-02")
    form.locator("button:has-text('Tautkan')").click()
    page.wait_for_url("**pesan=*")
    assert "ditautkan ke" in page.inner_text("p.notice")
    assert f"drop/{XSS}.pdf" not in page.inner_text("main")
    assert page.dialogs == [] and page.csp_errors == []  # type: ignore[attr-defined]


def test_pegawai_uploads_from_a_phone_sized_screen(live: tuple[Site, LiveServer], browser: Any,
                                                    tmp_path: Path) -> None:
    from conftest import NIP_A, make_pdf

    site, server = live
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{server.url}/unggah")
    log_in(page, "ani")
    page.wait_for_url(f"{server.url}/unggah")
    form = page.locator("form#unggah")
    assert form.is_visible() and page.locator("input[capture=environment]").count() == 1
    # Usable at 390 px: nothing wider than the screen, the controls inside it.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for control in ("select[name=periode]", "select[name=rhk]", "button:has-text('Unggah')"):
        box = form.locator(control).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, control
    page.select_option("select[name=periode]", "TW2")
    page.select_option("select[name=rhk]", "RHK-01")
    sample = tmp_path / "berita acara rapat.pdf"
    sample.write_bytes(make_pdf("Berita acara rapat koordinasi"))
    form.locator("input[name=files][multiple]").set_input_files(str(sample))
    form.locator("button:has-text('Unggah')").click()
    page.wait_for_selector("#hasil")
    assert "diarsipkan" in page.inner_text("#hasil")
    assert (site.ws.drop / f"{NIP_A}/2026/TW2/RHK-01/berita acara rapat.pdf").read_bytes() == sample.read_bytes()
    context.close()
