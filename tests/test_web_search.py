"""Search from the web: archiver.search behind the user's scope, filters, highlighted and
escaped snippets, the JSON endpoint."""

from __future__ import annotations

import pytest
from conftest import NIP_A, NIP_B, FixedClock, Workspace, make_pdf
from test_web import Site, seed

from archiver.catalog.core import list_submissions


@pytest.fixture
def site(ws: Workspace, clock: FixedClock) -> Site:
    return seed(ws, clock)


def build_index(site: Site) -> None:
    """Rebuild the search index from the catalog (what `archiver reindex` does).

    While the extractors (archiver.extract, another feature) are not in this build, the
    blobs get their text here first (pypdf on the test PDFs), so the web layer, the search
    service and the real Whoosh index are still exercised end to end.
    """
    import importlib.util
    import io

    from archiver import search as indexing
    from archiver.catalog import text as textstore

    with site.ws.open() as archive:
        if importlib.util.find_spec("archiver.extract") is None:
            from pypdf import PdfReader

            for sub in list(list_submissions(archive.catalog)):
                sha = sub["sha256"]
                if not sha or textstore.get_text(archive.catalog, sha) is not None:
                    continue
                text = ""
                if sub["type"] == "pdf":
                    with archive.store.open(sha) as fh:
                        text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(fh.read())).pages)
                textstore.save_text(archive.catalog, textstore.TextRecord(sha, "ok", text, extractor="test"),
                                    thumbnail=None, at=archive.now())
        indexing.reindex(archive)


@pytest.fixture
def searchable(site: Site) -> Site:
    site.ws.put(f"{NIP_B}/2026/TW2/RHK-01/catatan.pdf",
                make_pdf("Catatan sosialisasi <script>alert(1)</script> & <b>tebal</b>"))
    site.ws.cli("ingest")
    build_index(site)
    return site


def test_search_finds_highlights_and_stays_in_scope(searchable: Site) -> None:
    ani, budi, admin = (searchable.client(n) for n in ("ani", "budi", "admin"))
    page = ani.get("/cari", params={"q": "sosialisasi"}).text
    assert "laporan sosialisasi.pdf" in page and "<mark>" in page.lower()
    assert "catatan.pdf" not in page  # budi's
    assert f"/e/{searchable.sha['laporan sosialisasi.pdf']}" in page
    assert "laporan sosialisasi.pdf" not in budi.get("/cari", params={"q": "sosialisasi"}).text
    assert "laporan sosialisasi.pdf" not in budi.get("/cari", params={"q": "sosialisasi", "nip": NIP_A}).text
    everything = admin.get("/cari", params={"q": "sosialisasi"}).text
    assert "laporan sosialisasi.pdf" in everything and "catatan.pdf" in everything


def test_search_filters(searchable: Site) -> None:
    admin = searchable.client("admin")
    only_tw2 = admin.get("/cari", params={"q": "sosialisasi", "periode": "TW2"}).text
    assert "catatan.pdf" in only_tw2 and "laporan sosialisasi.pdf" not in only_tw2
    by_nip = admin.get("/cari", params={"q": "sosialisasi", "nip": NIP_A}).text
    assert "laporan sosialisasi.pdf" in by_nip and "catatan.pdf" not in by_nip
    by_type = admin.get("/cari", params={"q": "", "jenis": "png"}).text
    assert "foto kegiatan.png" in by_type and "laporan sosialisasi.pdf" not in by_type
    assert "Tidak ada bukti yang cocok" in admin.get("/cari", params={"q": "sosialisasi", "tahun": "2025"}).text


def test_snippets_are_escaped(searchable: Site) -> None:
    page = searchable.client("budi").get("/cari", params={"q": "catatan"}).text
    assert "catatan.pdf" in page
    assert "<script" not in page.lower() and "<b>tebal" not in page
    assert "&lt;script&gt;" in page


def test_search_api_is_typed_and_scoped(searchable: Site) -> None:
    ani = searchable.client("ani")
    r = ani.get("/api/search", params={"q": "sosialisasi"})
    assert r.status_code == 200
    body = r.json()
    assert {h["nip"] for h in body["results"]} == {NIP_A}
    assert body["results"][0]["permalink"] == f"/e/{body['results'][0]['sha256']}"
    assert searchable.client().get("/api/search", params={"q": "x"}).status_code == 401
    spec = ani.get("/openapi.json").json()
    assert spec["paths"]["/api/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
        "$ref"].endswith("/SearchOut")


def test_home_goes_to_search_and_bad_queries_explain(searchable: Site) -> None:
    ani = searchable.client("ani")
    assert ani.get("/", follow_redirects=False).headers["location"] == "/cari"
    r = ani.get("/cari", params={"q": '"tidak ditutup'})
    assert r.status_code == 200
    r = searchable.client("admin").get("/cari", params={"q": "x", "nip": "123"})
    assert r.status_code == 400 and 'role="alert"' in r.text and "NIP terdiri atas 18 angka" in r.text
    assert "--nip" not in r.text  # a CLI option is not a web page's word


@pytest.mark.whoosh("the app's Whoosh searchers and generations")
def test_web_search_sees_new_files_and_a_reindex(searchable: Site) -> None:
    """The app keeps its searchers open between requests: a file indexed after the first
    search is found by the next one, and a rebuild (a new index generation) is picked up."""
    from archiver.search._whoosh import WhooshBackend

    admin = searchable.client("admin")
    assert admin.get("/api/search", params={"q": "rekapitulasi"}).json()["results"] == []
    before = {h["name"] for h in admin.get("/api/search", params={"q": "sosialisasi"}).json()["results"]}
    searchable.ws.put(f"{NIP_A}/2026/TW3/RHK-01/rekap.pdf", make_pdf("Rekapitulasi sosialisasi triwulan tiga"))
    assert searchable.ws.cli("ingest").exit_code == 0
    found = admin.get("/api/search", params={"q": "rekapitulasi"}).json()["results"]
    assert [h["name"] for h in found] == ["rekap.pdf"]
    generation = WhooshBackend(searchable.ws.config.index.path).generation()
    res = searchable.ws.cli("reindex")
    assert res.exit_code == 0, res.output
    assert WhooshBackend(searchable.ws.config.index.path).generation() != generation
    after = {h["name"] for h in admin.get("/api/search", params={"q": "sosialisasi"}).json()["results"]}
    assert after == before | {"rekap.pdf"}
    ani = searchable.client("ani")
    assert "rekap.pdf" in ani.get("/cari", params={"q": "rekapitulasi"}).text
