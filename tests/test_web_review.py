"""Admins relink unlinked files and release quarantined ones from /masalah; others cannot."""

from __future__ import annotations

import sqlalchemy as sa
from conftest import NIP_A, Workspace, make_pdf
from test_web import Site, csrf_of, site  # noqa: F401  (the fixture)

from archiver.catalog.schema import events, submissions


def _row(ws: Workspace, name: str) -> dict:
    with ws.open() as archive, archive.catalog.read() as conn:
        r = conn.execute(sa.select(submissions).where(submissions.c.name == name)
                         .order_by(submissions.c.id.desc())).first()
        assert r is not None
        return dict(r._mapping)


def _last_event(ws: Workspace, submission_id: int) -> dict:
    with ws.open() as archive, archive.catalog.read() as conn:
        return dict(conn.execute(sa.select(events).where(events.c.submission_id == submission_id)
                                 .order_by(events.c.seq.desc())).first()._mapping)


def test_admin_relinks_an_unlinked_file(site: Site) -> None:  # noqa: F811
    site.ws.put("lepas/berita acara.pdf", make_pdf("Berita acara serah terima"))
    assert site.ws.cli("ingest").exit_code == 0
    row = _row(site.ws, "berita acara.pdf")
    assert row["status"] == "unlinked"
    c = site.client("admin")
    page = c.get("/masalah?status=unlinked")
    assert f'action="/masalah/{row["id"]}/tautkan"' in page.text
    r = c.post(f"/masalah/{row['id']}/tautkan", data={
        "csrf_token": csrf_of(page.text), "nip": NIP_A, "tahun": "2026", "periode": "TW2", "rhk": "RHK-03",
        "kembali": "unlinked"}, follow_redirects=False)
    assert r.status_code == 303 and "pesan=" in r.headers["location"]
    after = _row(site.ws, "berita acara.pdf")
    assert (after["status"], after["nip"], after["periode"], after["rhk"]) == ("archived", NIP_A, "TW2", "RHK-03")
    ev = _last_event(site.ws, row["id"])
    assert ev["kind"] == "relinked" and ev["actor"] == "web:admin"
    assert site.ws.cli("verify").exit_code == 0
    # The search index follows the new link at once: the pegawai's search (filtered by their NIP) finds it.
    hits = site.client("ani").get("/api/search", params={"q": "serah terima"}).json()["results"]
    assert [(h["name"], h["periode"], h["rhk"]) for h in hits] == [("berita acara.pdf", "TW2", "RHK-03")]
    assert site.client("budi").get("/api/search", params={"q": "serah terima"}).json()["results"] == []


def test_a_bad_relink_is_explained_not_applied(site: Site) -> None:  # noqa: F811
    site.ws.put("lepas/x.pdf", make_pdf("x"))
    assert site.ws.cli("ingest").exit_code == 0
    row = _row(site.ws, "x.pdf")
    c = site.client("admin")
    page = c.get("/masalah")
    r = c.post(f"/masalah/{row['id']}/tautkan", data={"csrf_token": csrf_of(page.text), "nip": "123",
                                                     "tahun": "2026", "periode": "TW1", "rhk": "RHK-01"})
    assert r.status_code == 200 and "NIP" in r.text
    assert _row(site.ws, "x.pdf")["status"] == "unlinked"


def test_admin_releases_a_quarantined_file_with_a_reason(site: Site) -> None:  # noqa: F811
    row = _row(site.ws, "faktur.pdf")
    assert row["status"] == "quarantined" and row["sha256"]
    c = site.client("admin")
    page = c.get("/masalah?status=quarantined")
    assert f'action="/masalah/{row["id"]}/lepas"' in page.text
    r = c.post(f"/masalah/{row['id']}/lepas", data={"csrf_token": csrf_of(page.text),
                                                   "catatan": "diperiksa manual: faktur asli"},
               follow_redirects=False)
    assert r.status_code == 303
    assert _row(site.ws, "faktur.pdf")["status"] in ("archived", "duplicate")
    ev = _last_event(site.ws, row["id"])
    assert ev["kind"] == "released" and ev["actor"] == "web:admin" and "faktur asli" in ev["detail"]


def test_only_admins_act_and_every_form_needs_its_token(site: Site) -> None:  # noqa: F811
    row = _row(site.ws, "faktur.pdf")
    for user in ("auditor", "ani", "atasan"):
        c = site.client(user)
        token = csrf_of(c.get("/bukti").text)
        r = c.post(f"/masalah/{row['id']}/lepas", data={"csrf_token": token, "catatan": "boleh"})
        assert r.status_code == 403, user
    c = site.client("admin")
    r = c.post(f"/masalah/{row['id']}/lepas", data={"csrf_token": "salah", "catatan": "boleh"})
    assert r.status_code == 403
    assert _row(site.ws, "faktur.pdf")["status"] == "quarantined"


def test_only_admins_relink_and_others_see_no_forms(site: Site) -> None:  # noqa: F811
    site.ws.put("lepas/surat tugas.pdf", make_pdf("Surat tugas"))
    assert site.ws.cli("ingest").exit_code == 0
    row = _row(site.ws, "surat tugas.pdf")
    form = {"nip": NIP_A, "tahun": "2026", "periode": "TW1", "rhk": "RHK-01"}
    for user in ("auditor", "ani", "atasan"):
        c = site.client(user)
        token = csrf_of(c.get("/bukti").text)
        assert c.post(f"/masalah/{row['id']}/tautkan", data={"csrf_token": token, **form}).status_code == 403, user
    assert site.client("ani").get("/masalah").status_code == 403  # pegawai: not even the list
    page = site.client("auditor").get("/masalah")
    assert page.status_code == 200 and "surat tugas.pdf" in page.text and "/tautkan" not in page.text
    admin = site.client("admin")
    assert admin.post(f"/masalah/{row['id']}/tautkan", data={"csrf_token": "salah", **form}).status_code == 403
    after = _row(site.ws, "surat tugas.pdf")
    assert (after["status"], after["nip"]) == ("unlinked", None)
