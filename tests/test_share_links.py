"""Time-limited share links for external auditors (issue 18, item 5): archiver.share_links, the
page /bagikan, the public pages /s/<token>, and `archiver share`.

Real ingest (tests/test_web.py's ``site``: NIP_A has three files in 2026 TW1, NIP_B two), real
SQLite, real blobs; time moves with the site's FixedClock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest
from conftest import NIP_A, NIP_B, FixedClock, Workspace
from test_web import Site, csrf_of, seed

from archiver import accounts, share_links
from archiver.catalog import custody
from archiver.errors import NotFound, UsageError
from archiver.evidence import Filters


@pytest.fixture
def site(ws: Workspace, clock: FixedClock) -> Site:
    return seed(ws, clock)


def _history(site: Site, kind: str) -> list[dict[str, object]]:
    with site.ws.open() as archive, archive.catalog.read() as conn:
        return [e for e in custody.history(conn) if e["kind"] == kind]


def _create_via_web(site: Site, user: str = "auditor", **fields: str) -> tuple[object, str]:
    c = site.client(user)
    page = c.get("/bagikan")
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_of(page.text), "hari": "14", "keterangan": "Pemeriksaan BPK", **fields}
    r = c.post("/bagikan", data=data)
    assert r.status_code == 200, r.text
    m = re.search(r'value="(http://testserver/s/[A-Za-z0-9_-]+)"', r.text)
    assert m, r.text
    return c, m.group(1).removeprefix("http://testserver")


def test_auditor_shares_a_pegawais_period_and_the_auditor_outside_reads_it(site: Site) -> None:
    c, path = _create_via_web(site, nip=NIP_A, tahun="2026", periode="TW1")
    assert path.split("/s/")[1] not in c.get("/bagikan").text  # the token is never shown again
    created = _history(site, "share_created")
    assert len(created) == 1 and created[0]["actor"] == "web:auditor"
    detail = created[0]["detail"]
    assert detail["items"] == 3 and "Pemeriksaan BPK" in detail["description"] and NIP_A in detail["description"]
    with site.ws.open() as archive, archive.catalog.read() as conn:  # only the hash of the token is kept
        stored = conn.exec_driver_sql("SELECT token_hash FROM share_links").scalar_one()
    token = path.split("/s/")[1]
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in json.dumps(created)

    outsider = site.client()  # no login
    page = outsider.get(path)
    assert page.status_code == 200, page.text
    assert "laporan sosialisasi.pdf" in page.text and "notulen" not in page.text  # NIP_B's files are not shared
    assert site.sha["laporan sosialisasi.pdf"] in page.text and "2026" in page.text and "TW1" in page.text
    assert "Berlaku sampai" in page.text or "berlaku sampai" in page.text  # the expiry, in Indonesian
    assert '<meta name="robots" content="noindex' in page.text
    assert page.headers["x-robots-tag"].startswith("noindex") and page.headers["referrer-policy"] == "no-referrer"
    assert 'href="/logout"' not in page.text and 'action="/logout"' not in page.text and "/bukti" not in page.text
    accessed = _history(site, "share_accessed")
    assert accessed[-1]["detail"]["what"] == "page" and accessed[-1]["detail"]["client"] == "testclient"
    assert accessed[-1]["detail"]["link"] == created[0]["detail"]["link"]

    sha = site.sha["laporan sosialisasi.pdf"]
    r = outsider.get(f"{path}/f/{sha}")
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == sha
    assert (site.ws.drop / f"{NIP_A}/2026/TW1/RHK-01/laporan sosialisasi.pdf").read_bytes() == r.content
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["x-robots-tag"].startswith("noindex")
    assert "attachment" in r.headers["content-disposition"]
    last = _history(site, "share_accessed")[-1]
    assert last["detail"]["what"] == "file" and last["sha256"] == sha and last["submission_id"]

    for other in (site.sha["notulen rapat.pdf"], "0" * 64, "not-a-hash"):  # outside the selection: 404
        r = outsider.get(f"{path}/f/{other}")
        assert r.status_code == 404, other
    listed = c.get("/bagikan").text
    assert "Pemeriksaan BPK" in listed and "Cabut" in listed  # Indonesian by default


def test_share_these_results_from_the_evidence_list(site: Site) -> None:
    auditor = site.client("auditor")
    listing = auditor.get(f"/bukti?nip={NIP_B}&tahun=2026")
    m = re.search(r'href="(/bagikan\?[^"]+)"', listing.text)
    assert m, "no 'share these results' link on /bukti"
    prefilled = auditor.get(m.group(1).replace("&amp;", "&"))
    assert prefilled.status_code == 200 and f'value="{NIP_B}" selected' in prefilled.text
    assert "1 berkas" in prefilled.text  # how many files the selection holds (the program is quarantined)
    assert 'href="/bagikan"' not in site.client("ani").get("/bukti").text  # pegawai: no share link
    # a review filter of the list is part of the selection: nothing is judged yet, so nothing is accepted
    page = auditor.get(f"/bagikan?nip={NIP_B}&tahun=2026&tinjauan=diterima")
    assert page.status_code == 400 and 'value="diterima" selected' in page.text
    assert "1 berkas" in auditor.get(f"/bagikan?nip={NIP_B}&tahun=2026&tinjauan=menunggu").text


def test_expired_and_revoked_links_are_refused(site: Site) -> None:
    _c, path = _create_via_web(site, nip=NIP_A, tahun="2026", hari="2")
    outsider = site.client()
    assert outsider.get(path).status_code == 200
    site.clock.advance(2 * 86400 + 1)
    r = outsider.get(path)
    assert r.status_code == 410 and "kedaluwarsa" in r.text and r.headers["x-robots-tag"].startswith("noindex")
    assert outsider.get(f"{path}/f/{site.sha['laporan sosialisasi.pdf']}").status_code == 410

    c, path2 = _create_via_web(site, nip=NIP_A, tahun="2026")
    assert outsider.get(path2).status_code == 200
    link_id = _history(site, "share_created")[-1]["detail"]["link"]
    page = c.get("/bagikan")
    r = c.post(f"/bagikan/{link_id}/cabut", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    r = outsider.get(path2)
    assert r.status_code == 410 and "dicabut" in r.text
    revoked = _history(site, "share_revoked")
    assert revoked[-1]["detail"] == {"link": link_id} and revoked[-1]["actor"] == "web:auditor"
    with site.ws.open() as archive:
        states = {link.id: link.state(site.clock()) for link in share_links.list_links(archive)}
    assert states[link_id] == "revoked" and sorted(states.values()) == ["expired", "revoked"]


def test_wrong_tokens_are_throttled_per_address(site: Site) -> None:
    _c, path = _create_via_web(site, nip=NIP_A, tahun="2026")
    outsider = site.client()
    for i in range(share_links.FREE_WRONG_TOKENS - 1):
        assert outsider.get(f"/s/salah{i}").status_code == 404
    r = outsider.get("/s/salah-lagi")
    assert r.status_code == 404
    r = outsider.get(path)  # locked now: even the right token waits, so guessing gains nothing
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    site.clock.advance(accounts.BASE_LOCK_S + 1)
    assert outsider.get(path).status_code == 200


def test_only_auditors_and_admins_make_links_and_forms_need_csrf(site: Site) -> None:
    for user in ("ani", "atasan"):
        c = site.client(user)
        assert c.get("/bagikan").status_code == 403
        token = csrf_of(c.get("/bukti").text)
        assert c.post("/bagikan", data={"csrf_token": token, "nip": NIP_A, "tahun": "2026"}).status_code == 403
        assert c.post("/bagikan/1/cabut", data={"csrf_token": token}).status_code == 403
        assert 'href="/bagikan"' not in c.get("/bukti").text
    admin = site.client("admin")
    assert admin.post("/bagikan", data={"nip": NIP_A, "tahun": "2026"}).status_code == 403  # no CSRF token
    _c, _path = _create_via_web(site, "admin", nip=NIP_A, tahun="2026")
    link_id = _history(site, "share_created")[-1]["detail"]["link"]
    assert admin.post(f"/bagikan/{link_id}/cabut", data={"csrf_token": "salah"}).status_code == 403
    assert not _history(site, "share_revoked")
    assert _history(site, "share_created")[-1]["actor"] == "web:admin"


def test_bad_selections_and_expiries_are_refused(site: Site) -> None:
    c = site.client("auditor")
    token = csrf_of(c.get("/bagikan").text)
    r = c.post("/bagikan", data={"csrf_token": token, "hari": "14"})  # nothing chosen
    assert r.status_code == 400 and "alert" in r.text
    r = c.post("/bagikan", data={"csrf_token": token, "nip": NIP_A, "tahun": "2026", "hari": "9999"})
    assert r.status_code == 400 and "90" in r.text
    r = c.post("/bagikan", data={"csrf_token": token, "nip": NIP_A, "tahun": "2019"})
    assert r.status_code == 400
    assert not _history(site, "share_created")
    with site.ws.open(clock=site.clock) as archive:
        with pytest.raises(UsageError):
            share_links.create(archive, submission_ids=[], description="x", expires_at=site.clock() + dt.timedelta(1),
                               actor="t")
        with pytest.raises(UsageError):
            share_links.create(archive, submission_ids=[10_000], description="x",
                               expires_at=site.clock() + dt.timedelta(1), actor="t")
        ids = share_links.select(archive, Filters(nip=NIP_A, tahun=2026))
        with pytest.raises(UsageError):
            share_links.create(archive, submission_ids=ids, description="x", expires_at=site.clock(), actor="t")
        with pytest.raises(NotFound):
            share_links.resolve(archive, "tidak-ada")


def test_library_create_for_a_findings_evidence(site: Site) -> None:
    """The findings helper's entry point: a frozen list of submission ids and a description."""
    with site.ws.open(clock=site.clock) as archive:
        ids = share_links.select(archive, Filters(nip=NIP_B, tahun=2026))
        link, token = share_links.create(archive, submission_ids=ids, description="Temuan #1: bukti",
                                         expires_at=site.clock() + dt.timedelta(days=7), actor="web:auditor")
        assert link.items == len(ids) == 1 and link.state(site.clock()) == "active"
        assert share_links.resolve(archive, token).id == link.id
        sha = site.sha["notulen rapat.pdf"]
        assert share_links.protected_blobs(archive, [sha, "0" * 64]) == {sha}
        share_links.revoke(archive, link.id, actor="web:auditor")
        assert share_links.protected_blobs(archive, [sha]) == set()


def test_cli_create_list_revoke(site: Site) -> None:
    ws = site.ws
    res = ws.cli("share", "create", "--nip", NIP_A, "--tahun", "2026", "--periode", "TW1", "--days", "10",
                 "--note", "BPKP")
    assert res.exit_code == 0, res.output
    url = next(line for line in res.stdout.splitlines() if "/s/" in line).strip()
    assert url.startswith("/s/") and "3" in res.stdout
    out = ws.cli_json("share", "list")
    assert len(out) == 1 and out[0]["state"] == "active" and out[0]["items"] == 3 and "BPKP" in out[0]["description"]
    assert url.removeprefix("/s/") not in ws.cli("share", "list").stdout
    res = ws.cli("share", "revoke", str(out[0]["id"]))
    assert res.exit_code == 0 and "dicabut" in res.stdout
    assert ws.cli_json("share", "list")[0]["state"] == "revoked"
    assert _history(site, "share_revoked")[-1]["actor"].startswith("cli")
    res = ws.cli("share", "create", "--tahun", "2026")
    assert res.exit_code == 2
    res = ws.cli("share", "create", "--nip", NIP_A, "--tahun", "2026", "--days", "1000")
    assert res.exit_code == 2 and "90" in res.output


def test_the_whole_selection_as_an_audit_package(site: Site, tmp_path: Path) -> None:
    _c, path = _create_via_web(site, nip=NIP_A, tahun="2026")
    outsider = site.client()
    assert f'href="{path}/paket.zip"' in outsider.get(path).text
    r = outsider.get(f"{path}/paket.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip", r.text[:500]
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["x-robots-tag"].startswith("noindex")
    bag = tmp_path / "paket.zip"
    bag.write_bytes(r.content)
    res = site.ws.cli("verify-bag", str(bag))
    assert res.exit_code == 0, res.output
    names = zipfile.ZipFile(bag).namelist()
    assert sum(n.split("/")[1] == "data" and not n.endswith("/") for n in names) == 3
    assert _history(site, "share_accessed")[-1]["detail"]["what"] == "bag"
    assert _history(site, "exported")[-1]["actor"].startswith("share:")
