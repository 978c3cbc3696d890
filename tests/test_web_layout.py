"""Phone layout, in a real browser: every page fits a 390 px screen without sideways scrolling and
the menu collapses behind a button there (no script needed: the CSP forbids scripts); at 1366 px
the menu is open. Debian's Chromium, driven by Playwright (see test_web_e2e), ONE browser for all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import NIP_A, FixedClock, Workspace, make_pdf, write_workspace
from test_web import seed
from test_web_document_jobs import start as start_job
from test_web_documents import finished
from test_web_e2e import LiveServer, launched_browser, log_in
from test_web_search import build_index

from archiver import share_links
from archiver.evidence import Filters

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
# A long name without spaces: the kind of file name that pushes a page sideways.
LONG_NAME = "Laporan_pelaksanaan_kegiatan_sosialisasi_anggaran_dana_desa_triwulan_pertama_2026_revisi_final.pdf"
ROLES = ("admin", "auditor", "atasan", "ani")
#: Pages an admin does not have: about the user's own evidence (a pegawai's or atasan's), the auditor's form.
OWN_PAGES = {"/berkas-saya", "/temuan/baru"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    import test_documents_data as docfixtures

    from archiver.archive import utc_now
    from archiver.web.app import create_app

    cfg = write_workspace(tmp_path_factory.mktemp("layout") / "ws")
    ws = Workspace(cfg.parent, cfg)
    ws.put(f"{NIP_A}/2026/TW1/RHK-01/{LONG_NAME}", make_pdf("Laporan pelaksanaan kegiatan sosialisasi"))
    site = seed(ws, FixedClock())
    build_index(site)
    docfixtures.import_skps(ws)
    app = create_app(ws.config, clock=utc_now)
    with ws.open() as archive:  # a share link: its public page (no menu) must fit a phone too
        ids = share_links.select(archive, Filters(nip=NIP_A, tahun=2026))
        _link, token = share_links.create(archive, submission_ids=ids, description="Pemeriksaan BPK",
                                          expires_at=utc_now() + dt.timedelta(days=3), actor="test")
    # a finished document job: its page (files, the ZIP link) must fit a phone too
    c = site.client("admin", app=app)
    job = finished(c, c.get(start_job(c).headers["location"])).url.path
    with LiveServer(app) as live:
        yield live.url, {"sha": site.sha[LONG_NAME], "job": job, "share": f"/s/{token}"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


def widths(page: Any) -> dict[str, int]:
    """How wide the page is against the window, and which elements stick out past its right edge."""
    return page.evaluate("""() => {
        const w = window.innerWidth, out = [];
        for (const e of document.querySelectorAll('body *')) {
            const r = e.getBoundingClientRect();
            if (r.width && r.right > w + 1) out.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                                                      + ' ' + Math.round(r.right));
        }
        return {scroll: document.documentElement.scrollWidth, inner: w, wide: out.slice(0, 8).join(', ')};
    }""")


def menu_links_visible(page: Any) -> list[bool]:
    return [link.is_visible() for link in page.locator("header.top nav a").all()]


def check_pages(page: Any, base: str, pages: list[str], viewport: dict[str, int], problems: list[str],
                role: str) -> int:
    checked = 0
    for path in pages:
        response = page.goto(base + path)
        if response.status in (403, 404) and (role != "admin" or path in OWN_PAGES):
            continue  # a page this role may not see
        assert response.status == 200, f"{role} {path}: HTTP {response.status}"
        checked += 1
        got = widths(page)
        if got["scroll"] > got["inner"]:
            problems.append(f"{role} {path} at {viewport['width']}: page {got['scroll']} px > window "
                            f"{got['inner']} px; too wide: {got['wide']}")
        if role == "":
            continue  # the login page has no menu
        toggle = page.locator("header.top .menu-toggle")
        links = menu_links_visible(page)
        assert links, f"{role} {path}: no menu links"
        if viewport is PHONE:
            assert toggle.is_visible(), f"{role} {path}: no menu button at 390 px"
            assert not any(links), f"{role} {path}: the menu is not collapsed at 390 px"
            toggle.click()
            assert all(menu_links_visible(page)), f"{role} {path}: the menu button does not show the menu"
            if path == "/":  # the keyboard closes it again (the button is a real, focusable control)
                toggle.focus()
                page.keyboard.press("Enter")
                assert not any(menu_links_visible(page)), f"{role} {path}: Enter does not close the menu"
                page.keyboard.press("Space")
                assert all(menu_links_visible(page)), f"{role} {path}: Space does not open the menu"
            got = widths(page)
            if got["scroll"] > got["inner"]:
                problems.append(f"{role} {path} at 390 with the menu open: page {got['scroll']} px; {got['wide']}")
        else:
            assert not toggle.is_visible(), f"{role} {path}: a menu button at 1366 px"
            assert all(links), f"{role} {path}: the menu is not open at 1366 px"
    return checked


def test_every_page_fits_a_phone_and_the_menu_collapses(server: tuple[str, dict[str, str]], browser: Any) -> None:
    base, data = server
    pages = ["/", "/bukti", "/cari?q=sosialisasi", f"/e/{data['sha']}", "/cakupan", "/masalah", "/pengguna",
             "/dokumen", data["job"], "/impor", "/unggah", "/berkas-saya", "/bagikan",
             "/penahanan", "/retensi", "/temuan", "/temuan/baru", "/tanda"]
    problems: list[str] = []
    checked = 0
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport, locale="id-ID")
        try:
            page = context.new_page()
            checked += check_pages(page, base, ["/login", data["share"]], viewport, problems, "")
            for role in ROLES:
                context.clear_cookies()
                page.goto(base + "/login")
                log_in(page, role)
                page.wait_for_url(lambda url: "/login" not in url)
                checked += check_pages(page, base, pages, viewport, problems, role)
        finally:
            context.close()
    assert not problems, "\n".join(problems)
    # admin sees all but /berkas-saya (a pegawai's own page); the others at least /, /bukti, /cari, /e
    assert checked >= 2 * (1 + len(pages) - 1 + 3 * 4)

