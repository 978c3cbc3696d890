"""The forms' pickers (pegawai "Nama — NIP", units, RHK/IKI of the chosen pegawai's SKP, file types),
cut to each role's scope; names beside NIPs in the lists; lists sorted by a column, both ways.
Real workspace, real SKP import (test_documents_data), real TestClient."""

from __future__ import annotations

import html
import re

import pytest
import test_documents_data as d
from conftest import NIP_A, NIP_B, FixedClock, Workspace
from test_web import PASSWORD, Site, seed

from archiver.accounts import add_user
from archiver.filetypes import KNOWN_TYPES

NIP_K, NIP_J = d.NIP_K, d.NIP_J


@pytest.fixture
def site(ws: Workspace, clock: FixedClock) -> Site:
    site = seed(ws, clock)
    d.import_skps(ws)
    with ws.open() as archive:  # the Kepala Bidang: penilai of NIP_A and NIP_B
        add_user(archive.catalog, "kabid", "atasan", PASSWORD, nip=NIP_K, now=archive.now())
    return site


def options(page: str, name: str) -> dict[str, str]:
    """value -> label of the <select name=...> on the page."""
    m = re.search(rf'<select name="{name}">(.*?)</select>', page, re.DOTALL)
    assert m, f"no select {name}"
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', m.group(1))
    return {html.unescape(v): html.unescape(label) for v, label in found if v}


def test_pegawai_and_unit_pickers_offer_exactly_the_scope(site: Site) -> None:
    expected = {
        "admin": {NIP_J, NIP_K, NIP_A, NIP_B},
        "auditor": {NIP_J, NIP_K, NIP_A, NIP_B},
        "kabid": {NIP_K, NIP_A, NIP_B},  # themself and the staff they appraise, not the Kepala Dinas
        "ani": {NIP_A},
        "budi": {NIP_B},
    }
    for user, nips in expected.items():
        c = site.client(user)
        for page in ("/bukti", "/cari"):
            offered = options(c.get(page).text, "nip")
            assert set(offered) == nips, (user, page)
        assert options(c.get("/bukti").text, "nip")[NIP_A if NIP_A in nips else NIP_B] in (
            f"{d.NAME_A} — {NIP_A}", f"{d.NAME_B} — {NIP_B}")
        units = options(c.get("/cari").text, "unit")
        assert set(units) == ({d.UNIT, d.BIDANG} if NIP_J in nips else {d.BIDANG}), user
        assert set(options(c.get("/cakupan").text, "unit")) == set(units)
    admin = site.client("admin").get("/bukti").text
    assert options(admin, "nip")[NIP_K] == f"{d.NAME_K} — {NIP_K}"
    assert set(options(admin, "jenis")) == set(KNOWN_TYPES) | {"unknown"}
    assert '<select name="rhk">' not in admin  # no pegawai chosen: no SKP to pick codes from


def test_rhk_and_iki_come_from_the_chosen_pegawais_skp(site: Site) -> None:
    c = site.client("admin")
    page = c.get("/bukti", params={"nip": NIP_A, "tahun": "2026"}).text
    rhk = options(page, "rhk")
    assert set(rhk) == {"RHK-01", "RHK-02"} and rhk["RHK-01"] == f"RHK-01 — {d.RHK_A1}"
    assert set(options(page, "iki")) == {"IKI-01", "IKI-02", "IKI-03"}
    assert options(page, "nip")[NIP_A].endswith(NIP_A) and f'<option value="{NIP_A}" selected' in page
    # a code the SKP does not have, a type no one knows, a bad NIP, tahun, unit or order: 400 naming the field
    for params, field in (({"nip": NIP_A, "rhk": "RHK-09"}, "rhk"), ({"jenis": "exe2"}, "jenis"),
                          ({"nip": "123"}, "nip"), ({"tahun": "20x6"}, "tahun"), ({"sort": "sha256"}, "sort"),
                          ({"sort": "name", "dir": "up"}, "dir")):
        r = c.get("/bukti", params=params)
        assert r.status_code == 400 and f"{field} '" in html.unescape(r.text), params
    r = c.get("/cari", params={"q": "laporan", "unit": "Bidang Tidak Ada"})
    assert r.status_code == 400 and "unit 'Bidang Tidak Ada'" in html.unescape(r.text)
    assert c.get("/cari", params={"q": "laporan", "unit": d.BIDANG_NAME}).status_code == 200  # a name is fine too
    # a pegawai cannot get another pegawai's codes by asking for them
    ani = site.client("ani").get("/bukti", params={"nip": NIP_B, "tahun": "2026"}).text
    assert '<select name="rhk">' not in ani and "notulen" not in ani and set(options(ani, "nip")) == {NIP_A}


def names_in_rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/e/[0-9a-f]{64}">([^<]*)</a>', body)


def test_lists_show_names_beside_nips(site: Site) -> None:
    page = site.client("auditor").get("/bukti").text
    assert f"{d.NAME_A}<br><small class=\"mono\">{NIP_A}</small>" in page.replace("&#34;", '"')
    atasan = site.client("kabid").get("/bukti").text
    assert d.NAME_A in atasan and NIP_A in atasan


def test_evidence_list_sorts_by_column_both_ways_and_keeps_filters(site: Site) -> None:
    c = site.client("admin")
    default = names_in_rows(c.get("/bukti").text)
    up = names_in_rows(c.get("/bukti", params={"sort": "name", "dir": "asc"}).text)
    down = names_in_rows(c.get("/bukti", params={"sort": "name", "dir": "desc"}).text)
    assert up == sorted(default, key=str.casefold) and down == list(reversed(up)) and len(up) >= 4
    by_size = c.get("/bukti", params={"sort": "size"}).text
    assert names_in_rows(by_size) != [] and 'aria-sort="ascending"' in by_size
    # the header links keep the filters and flip the direction of the column already sorted by
    page = c.get("/bukti", params={"nip": NIP_A, "periode": "TW1", "sort": "name", "dir": "asc"}).text
    link = re.search(r'<a href="\?([^"]+)" class="sort">[^<]*▲', page)
    assert link and "dir=desc" in link.group(1) and f"nip={NIP_A}" in link.group(1) and "periode=TW1" in link.group(1)
    rows = names_in_rows(page)
    assert rows == sorted(rows, key=str.casefold) and "notulen rapat.pdf" not in rows
    by_nip = c.get("/bukti", params={"sort": "nip", "dir": "desc"}).text
    nips = re.findall(r'<small class="mono">(\d{18})</small>', by_nip)
    assert nips == sorted(nips, reverse=True) and NIP_B in nips


def test_search_results_sort_when_not_by_relevance(site: Site) -> None:
    import test_web_search

    test_web_search.build_index(site)
    c = site.client("admin")
    relevance = c.get("/cari", params={"q": "laporan"}).text
    found = re.findall(r'class="filename">([^<]*)</a>', relevance)
    assert len(found) >= 2 and f"{d.NAME_A} ({NIP_A})" in relevance
    up = re.findall(r'class="filename">([^<]*)</a>', c.get("/cari", params={"q": "laporan", "sort": "name"}).text)
    down = re.findall(r'class="filename">([^<]*)</a>',
                      c.get("/cari", params={"q": "laporan", "sort": "name", "dir": "desc"}).text)
    assert up == sorted(found, key=str.casefold) and down == list(reversed(up))
    assert c.get("/cari", params={"q": "laporan", "sort": "size"}).status_code == 400  # not a search column
