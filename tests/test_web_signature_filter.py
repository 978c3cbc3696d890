"""The "Tanda tangan elektronik" filter on the web: PDFs signed in the test by a test CA (valid,
modified after signing, under an unknown root), a damaged one whose check fails, unsigned files,
all dropped into a real share and ingested; then /bukti, /cari, /api/evidence and /api/search
filtered by each state, through the same ``Filters`` the CLI uses, inside each user's scope."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from conftest import NIP_A, NIP_B, Workspace, make_pdf
from fastapi.testclient import TestClient
from signing_pki import Ca, modify_after_signing, sign_bytes
from test_web import PASSWORD, login

from archiver.accounts import add_user
from archiver.config import write_workspace
from archiver.evidence import SIGNATURE_STATES
from archiver.web.app import create_app
from archiver.web.evidence import SIGNATURE_FILTER

A = f"{NIP_A}/2026/TW1/RHK-01"
B = f"{NIP_B}/2026/TW1/RHK-02"
#: What each state selects, for an auditor (who sees everything).
EXPECTED = {
    "valid": {"ttd-sah.pdf", "ttd-sah-budi.pdf"},
    "invalid": {"ttd-diubah.pdf"},
    "untrusted": {"ttd-asing.pdf"},
    "none": {"tanpa-ttd.pdf", "catatan.txt"},
    "error": {"rusak.pdf"},
}
ALL = set().union(*EXPECTED.values())


@dataclass
class Site:
    ws: Workspace

    def client(self, user: str) -> TestClient:
        c = TestClient(create_app(self.ws.config))
        assert login(c, user).status_code == 303  # type: ignore[attr-defined]
        return c


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("sigfilter")
    cfg = write_workspace(root / "ws")
    ws = Workspace(cfg.parent, cfg)
    ca, other = Ca(), Ca("Unknown Root CA")
    text = ws.config_path.read_text(encoding="utf-8")
    assert "trust_roots = []" in text
    roots = json.dumps(str(ca.pem(root / "bsre-root.pem")))
    ws.config_path.write_text(text.replace("trust_roots = []", f"trust_roots = [{roots}]"), encoding="utf-8")

    plain = make_pdf("Laporan kegiatan bertanda tangan")
    valid = sign_bytes(plain, ca.issue("Budi Santoso"))
    ws.put(f"{A}/ttd-sah.pdf", valid)
    ws.put(f"{A}/ttd-diubah.pdf", modify_after_signing(valid))
    ws.put(f"{A}/ttd-asing.pdf", sign_bytes(plain, other.issue("Orang Lain")))
    ws.put(f"{A}/tanpa-ttd.pdf", make_pdf("Laporan kegiatan tanpa tanda tangan"))
    ws.put(f"{A}/catatan.txt", "Laporan kegiatan dalam catatan, bukan PDF")
    # A PDF that claims a signature but cannot be read: the check fails ("error"), ingest does not.
    ws.put(f"{A}/rusak.pdf", b"%PDF-1.7\n" + b"/ByteRange [0 1 2 3] " * 1000 + b"\x00\xff" * 500)
    ws.put(f"{B}/ttd-sah-budi.pdf", sign_bytes(make_pdf("Laporan kegiatan pegawai kedua"), ca.issue("Siti")))
    res = ws.cli("ingest")
    assert res.exit_code == 0, res.output
    with ws.open() as archive:
        for name, role, nip in (("auditor", "auditor", None), ("ani", "pegawai", NIP_A),
                                ("budi", "pegawai", NIP_B)):
            add_user(archive.catalog, name, role, PASSWORD, nip=nip, now=archive.now())
    yield Site(ws)


def listed(html: str) -> set[str]:
    """The file names in the table of /bukti."""
    return set(re.findall(r'<td><a href="/e/[0-9a-f]{64}">([^<]*)</a>', html))


def found(html: str) -> set[str]:
    """The file names in the results of /cari."""
    return set(re.findall(r'class="filename">([^<]*)</a>', html))


def test_the_states_were_recorded_as_the_cli_sees_them(site: Site) -> None:
    # the ground truth the web must agree with: `archiver list --signature`
    for state, names in EXPECTED.items():
        got = {r["name"] for r in site.ws.cli_json("list", "--signature", state)}
        assert got == names, state
    assert set(SIGNATURE_FILTER) == set(SIGNATURE_STATES)


def test_evidence_list_filters_by_each_state(site: Site) -> None:
    auditor = site.client("auditor")
    page = auditor.get("/bukti")
    assert page.status_code == 200 and listed(page.text) == ALL
    assert "Tanda tangan elektronik" in page.text and '<select name="ttd">' in page.text
    for label in ("semua", "sah", "tidak sah", "tidak terpercaya", "tidak ditandatangani", "tidak dapat diperiksa"):
        assert f">{label}</option>" in page.text, label
    for state, names in EXPECTED.items():
        page = auditor.get("/bukti", params={"ttd": state})
        assert page.status_code == 200 and listed(page.text) == names, state
        assert f'<option value="{state}" selected>' in page.text  # the choice is kept
    # with the other filters, and given in any case
    assert listed(auditor.get("/bukti", params={"ttd": "VALID", "nip": NIP_B}).text) == {"ttd-sah-budi.pdf"}
    assert listed(auditor.get("/bukti", params={"ttd": "valid", "periode": "TW2"}).text) == set()
    assert listed(auditor.get("/bukti", params={"ttd": ""}).text) == ALL


def test_search_page_filters_by_each_state(site: Site) -> None:
    auditor = site.client("auditor")
    for state, names in EXPECTED.items():
        page = auditor.get("/cari", params={"ttd": state})  # the filter alone is a search
        assert page.status_code == 200 and found(page.text) == names, state
        assert f'<option value="{state}" selected>' in page.text
    with_words = auditor.get("/cari", params={"q": "laporan kegiatan", "ttd": "valid"})
    assert found(with_words.text) == {"ttd-sah.pdf", "ttd-sah-budi.pdf"}
    unsigned = found(auditor.get("/cari", params={"q": "laporan", "ttd": "none"}).text)
    assert unsigned == {"tanpa-ttd.pdf", "catatan.txt"}


def test_json_api_filters_by_each_state(site: Site) -> None:
    auditor = site.client("auditor")
    for state, names in EXPECTED.items():
        r = auditor.get("/api/evidence", params={"signature": state})
        assert r.status_code == 200, r.text
        body = r.json()
        assert {i["name"] for i in body["items"]} == names and body["total"] == len(names), state
        r = auditor.get("/api/search", params={"signature": state, "limit": 50})
        assert r.status_code == 200, r.text
        assert {h["name"] for h in r.json()["results"]} == names, state
    assert auditor.get("/api/evidence").json()["total"] == len(ALL)
    spec = auditor.get("/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/api/evidence"]["get"]["parameters"]}
    assert "signature" in params
    assert "signature" in {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}


def test_the_filter_stays_inside_the_scope(site: Site) -> None:
    ani, budi = site.client("ani"), site.client("budi")
    assert listed(ani.get("/bukti", params={"ttd": "valid"}).text) == {"ttd-sah.pdf"}
    assert listed(budi.get("/bukti", params={"ttd": "valid"}).text) == {"ttd-sah-budi.pdf"}
    assert listed(budi.get("/bukti", params={"ttd": "invalid"}).text) == set()
    assert listed(budi.get("/bukti", params={"ttd": "invalid", "nip": NIP_A}).text) == set()
    assert found(ani.get("/cari", params={"ttd": "valid"}).text) == {"ttd-sah.pdf"}
    assert found(budi.get("/cari", params={"ttd": "valid", "nip": NIP_A}).text) == set()
    assert {i["name"] for i in budi.get("/api/evidence", params={"signature": "valid"}).json()["items"]} \
        == {"ttd-sah-budi.pdf"}
    assert budi.get("/api/evidence", params={"signature": "untrusted"}).json()["total"] == 0
    assert {h["name"] for h in ani.get("/api/search", params={"signature": "valid"}).json()["results"]} \
        == {"ttd-sah.pdf"}
    anonymous = TestClient(create_app(site.ws.config))
    assert anonymous.get("/api/evidence", params={"signature": "valid"}).status_code == 401
    r = anonymous.get("/bukti", params={"ttd": "valid"}, follow_redirects=False)
    assert r.status_code == 303 and "ttd-sah" not in r.text


@pytest.mark.parametrize("path,field", [("/bukti", "ttd"), ("/cari", "ttd"),
                                        ("/api/evidence", "signature"), ("/api/search", "signature")])
def test_an_unknown_state_is_a_clear_400(site: Site, path: str, field: str) -> None:
    auditor = site.client("auditor")
    r = auditor.get(path, params={field: "sah"})  # the label, not the value
    assert r.status_code == 400, r.text
    if path.startswith("/api/"):
        body = r.json()
        assert body["error"] == f"{field} 'sah': keadaan tanda tangan elektronik tidak dikenal"
        assert "valid (sah)" in body["hint"] and "error (tidak dapat diperiksa)" in body["hint"]
    else:
        assert "keadaan tanda tangan elektronik tidak dikenal" in r.text and "untrusted (tidak terpercaya)" in r.text
        assert "ttd-sah.pdf" not in r.text
    too_long = auditor.get(path, params={field: "x" * 21})
    assert too_long.status_code in (400, 422) and "Traceback" not in too_long.text
