"""Uploading evidence on the web (/unggah) and a pegawai's own problem files (/berkas-saya).

The real app (TestClient), a real workspace with the sample SKPs imported, real files: an upload
lands in the share as if dropped there and goes through the same ingest pipeline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import NIP_A, NIP_B, make_exe, make_pdf, make_png, set_config_value
from fastapi.testclient import TestClient
from skp_sample import KABID, STAFF, tables
from test_web import Site, csrf_of, site  # noqa: F401  (the fixture)

from archiver.catalog.schema import events, submissions

assert STAFF == NIP_A  # ani (pegawai) is the sample SKP's staff member


@pytest.fixture
def skp_site(site: Site, tmp_path: Path) -> Site:  # noqa: F811
    data = tmp_path / "skp.json"
    data.write_text(json.dumps(tables()), encoding="utf-8")
    assert site.ws.cli("skp", "import", str(data)).exit_code == 0
    return site


def _rows(where: Site, name: str) -> list[dict]:
    with where.ws.open() as archive, archive.catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(submissions).where(submissions.c.name == name).order_by(submissions.c.id))]


def _events(where: Site, submission_id: int) -> list[dict]:
    with where.ws.open() as archive, archive.catalog.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(events).where(events.c.submission_id == submission_id).order_by(events.c.seq))]


def _post(c: TestClient, fields: dict[str, str], files: list[tuple[str, bytes]], *, token: str | None = None,
          camera: bool = True) -> object:
    """The form as a browser sends it: the token first, the fields, the files, an empty camera input."""
    token = csrf_of(c.get("/unggah").text) if token is None else token
    parts = [("csrf_token", (None, token)), *((k, (None, v)) for k, v in fields.items())]
    parts += [("files", (name, data, "application/octet-stream")) for name, data in files]
    if camera:
        parts.append(("files", ("", b"", "application/octet-stream")))
    return c.post("/unggah", files=parts)


def _share_files(where: Site) -> set[str]:
    return {p.relative_to(where.ws.drop).as_posix() for p in where.ws.drop.rglob("*") if p.is_file()}


def test_pegawai_uploads_several_files_archived_linked_and_signed_by_them(skp_site: Site) -> None:
    ani = skp_site.client("ani")
    page = ani.get("/unggah")
    assert page.status_code == 200 and "Unggah bukti" in page.text
    assert 'value="RHK-01"' in page.text and "RHK-01 — Pemutakhiran aplikasi layanan perizinan daring" in page.text
    assert 'value="RHK-01/IKI-02"' in page.text and 'capture="environment"' in page.text
    assert 'name="nip"' not in page.text  # a pegawai's NIP is their own, not a field
    r = _post(ani, {"tahun": "2026", "periode": "TW2", "rhk": "RHK-01"},
              [("undangan rapat.pdf", make_pdf("Undangan rapat modul perizinan")),
               ("foto.png", make_png(color="maroon"))])
    assert r.status_code == 200, r.text
    assert r.text.count("diarsipkan") >= 2
    for name in ("undangan rapat.pdf", "foto.png"):
        assert f"{NIP_A}/2026/TW2/RHK-01/{name}" in _share_files(skp_site)
        (row,) = _rows(skp_site, name)
        assert (row["status"], row["nip"], row["tahun"], row["periode"], row["rhk"]) == \
            ("archived", NIP_A, 2026, "TW2", "RHK-01")
        assert f'href="/e/{row["sha256"]}"' in r.text
        kinds = [(e["kind"], e["actor"]) for e in _events(skp_site, row["id"])]
        assert kinds[:2] == [("received", "web:ani"), ("archived", "web:ani")]
    # An indicator: filed as RHK-01/IKI-02, as staff file it by hand.
    r = _post(ani, {"tahun": "2026", "periode": "TW2", "rhk": "RHK-01/IKI-02"}, [("uji.pdf", make_pdf("Uji"))])
    assert f"{NIP_A}/2026/TW2/RHK-01/IKI-02/uji.pdf" in _share_files(skp_site)
    assert _rows(skp_site, "uji.pdf")[0]["status"] == "archived"
    # The watcher later sees nothing new; the archive verifies.
    assert skp_site.ws.cli_json("ingest") == []
    assert skp_site.ws.cli("verify").exit_code == 0


def test_a_name_that_exists_keeps_both_files(skp_site: Site) -> None:
    ani = skp_site.client("ani")
    old = (skp_site.ws.drop / f"{NIP_A}/2026/TW1/RHK-01/laporan sosialisasi.pdf").read_bytes()
    r = _post(ani, {"tahun": "2026", "periode": "TW1", "rhk": "RHK-01"},
              [("laporan sosialisasi.pdf", make_pdf("Versi kedua")), ("../../etc/Laporan Sosialisasi.pdf", old)])
    assert r.status_code == 200
    folder = skp_site.ws.drop / f"{NIP_A}/2026/TW1/RHK-01"
    assert (folder / "laporan sosialisasi.pdf").read_bytes() == old  # never overwritten
    assert (folder / "laporan sosialisasi (2).pdf").read_bytes() == make_pdf("Versi kedua")
    assert (folder / "Laporan Sosialisasi (3).pdf").read_bytes() == old  # no folder parts; same bytes: a duplicate
    assert "duplikat" in r.text
    assert _rows(skp_site, "Laporan Sosialisasi (3).pdf")[0]["status"] == "duplicate"


def test_an_over_limit_file_is_refused_while_it_arrives_and_nothing_stays(skp_site: Site) -> None:
    cfg = skp_site.ws.config_path
    cfg.write_text(set_config_value(cfg.read_text(), "limits", "max_file_size_mb", "0.05"))
    ani = skp_site.client("ani")
    big = make_pdf("besar") + b"%" * 100_000
    r = _post(ani, {"tahun": "2026", "periode": "TW3", "rhk": "RHK-02"},
              [("besar sekali.pdf", big), ("kecil.pdf", make_pdf("kecil"))])
    assert r.status_code == 200
    assert "besar sekali.pdf: berkas lebih besar dari batas 0.05 MB; tidak diunggah" in r.text
    assert f"{NIP_A}/2026/TW3/RHK-02/kecil.pdf" in _share_files(skp_site)
    assert not any("besar" in p for p in _share_files(skp_site)) and _rows(skp_site, "besar sekali.pdf") == []
    r = _post(ani, {"tahun": "2026", "periode": "TW3", "rhk": "RHK-02"}, [("besar sekali.pdf", big)])
    assert r.status_code == 413 and "tidak diunggah" in r.text
    leftovers = list((skp_site.ws.config.archive.path / "uploads").iterdir())
    assert leftovers == []  # the temporary copies are gone too


def test_a_program_is_quarantined_like_a_dropped_one(skp_site: Site) -> None:
    r = _post(skp_site.client("ani"), {"tahun": "2026", "periode": "TW1", "rhk": "RHK-02"},
              [("kuitansi.pdf", make_exe())])
    assert r.status_code == 200 and "karantina" in r.text and "bukan dokumen" in r.text
    (row,) = _rows(skp_site, "kuitansi.pdf")
    assert row["status"] == "quarantined" and row["reason_code"] == "executable"


def test_a_pegawai_cannot_upload_for_another_nip_nor_outside_their_skp(skp_site: Site) -> None:
    ani = skp_site.client("ani")
    before = _share_files(skp_site)
    r = _post(ani, {"nip": NIP_B, "tahun": "2026", "periode": "TW1", "rhk": "RHK-01"}, [("x.pdf", make_pdf("x"))])
    assert r.status_code == 403
    r = _post(ani, {"tahun": "2026", "periode": "TW1", "rhk": "RHK-09"}, [("x.pdf", make_pdf("x"))])
    assert r.status_code == 400 and "pilih salah satu RHK" in r.text
    r = _post(ani, {"tahun": "2026", "periode": "TW5", "rhk": "RHK-01"}, [("x.pdf", make_pdf("x"))])
    assert r.status_code == 400
    for token in ("", "palsu"):  # the token is checked before any file is accepted
        r = _post(ani, {"tahun": "2026", "periode": "TW1", "rhk": "RHK-01"}, [("x.pdf", make_pdf("x"))], token=token)
        assert r.status_code == 403 and "CSRF" in r.text
    assert _share_files(skp_site) == before
    assert list((skp_site.ws.config.archive.path / "uploads").iterdir()) == []
    assert skp_site.client("auditor").get("/unggah").status_code == 403
    assert "Belum ada SKP" in skp_site.client("budi").get("/unggah").text  # NIP_B has no SKP


def test_admin_uploads_for_a_pegawai_chosen_from_the_skp(skp_site: Site) -> None:
    admin = skp_site.client("admin")
    page = admin.get("/unggah")
    assert "Budi Santoso, S.Kom. — " + STAFF in page.text and 'id="unggah"' not in page.text
    page = admin.get("/unggah", params={"tahun": "2026", "nip": KABID})
    assert "Tersedianya aplikasi layanan publik yang andal" in page.text and f'value="{KABID}"' in page.text
    token = csrf_of(page.text)
    r = _post(admin, {"nip": KABID, "tahun": "2026", "periode": "TW4", "rhk": "RHK-01"},
              [("rapat bidang.pdf", make_pdf("Rapat bidang"))], token=token)
    assert r.status_code == 200 and "diarsipkan" in r.text
    (row,) = _rows(skp_site, "rapat bidang.pdf")
    assert (row["nip"], row["status"]) == (KABID, "archived")
    assert _events(skp_site, row["id"])[0]["actor"] == "web:admin"
    r = _post(admin, {"nip": NIP_B, "tahun": "2026", "periode": "TW4", "rhk": "RHK-01"},
              [("y.pdf", make_pdf("y"))], token=token)
    assert r.status_code == 400  # no SKP for that NIP: nowhere to file it


def test_a_pattern_that_cannot_place_uploads_is_explained(skp_site: Site) -> None:
    cfg = skp_site.ws.config_path
    cfg.write_text(set_config_value(cfg.read_text(), "shares.drop", "pattern", '"*/{nip}/{tahun}/{periode}/{rhk}/..."'))
    r = _post(skp_site.client("ani"), {"tahun": "2026", "periode": "TW1", "rhk": "RHK-01"}, [("z.pdf", make_pdf("z"))])
    assert r.status_code == 400 and "tidak dapat" in r.text and "{nip}/{tahun}/{periode}/{rhk}/..." in r.text
    assert _rows(skp_site, "z.pdf") == []


def test_pegawai_sees_own_problems_and_files_an_unlinked_one_under_their_rhk(skp_site: Site) -> None:
    skp_site.ws.put(f"{NIP_A}/2026/TW1/RHK-09/salah.pdf", make_pdf("Notulen salah tempat"))
    skp_site.ws.put(f"{NIP_A}/2026/TW1/RHK-01/program.pdf", make_exe())
    skp_site.ws.cli("ingest")
    (row,) = _rows(skp_site, "salah.pdf")
    assert row["status"] == "unlinked"
    ani = skp_site.client("ani")
    page = ani.get("/berkas-saya")
    assert page.status_code == 200 and "salah.pdf" in page.text and "program.pdf" in page.text
    assert "RHK-09 tidak ada dalam SKP 2026" in page.text and "bukan dokumen" in page.text
    assert "faktur.pdf" not in page.text  # budi's quarantined file
    assert f'action="/berkas-saya/{row["id"]}/tautkan"' in page.text and 'value="2026:RHK-02"' in page.text
    token = csrf_of(page.text)
    budi = skp_site.client("budi")
    r = budi.post(f"/berkas-saya/{row['id']}/tautkan", data={"csrf_token": csrf_of(budi.get("/berkas-saya").text),
                                                             "pilihan": "2026:RHK-02", "periode": "TW1"})
    assert r.status_code == 404
    r = ani.post(f"/berkas-saya/{row['id']}/tautkan", data={"csrf_token": token, "pilihan": "2026:RHK-09",
                                                            "periode": "TW1"})
    assert r.status_code == 400 and _rows(skp_site, "salah.pdf")[0]["status"] == "unlinked"
    r = ani.post(f"/berkas-saya/{row['id']}/tautkan", data={"csrf_token": token, "pilihan": "", "periode": "TW1"})
    assert r.status_code == 400 and "pilih salah satu RHK dari SKP Anda pada daftar" in r.text
    assert "tahun 0" not in r.text and _rows(skp_site, "salah.pdf")[0]["status"] == "unlinked"
    r = ani.post(f"/berkas-saya/{row['id']}/tautkan", data={"pilihan": "2026:RHK-02", "periode": "TW1"})
    assert r.status_code == 403
    r = ani.post(f"/berkas-saya/{row['id']}/tautkan", data={"csrf_token": token, "pilihan": "2026:RHK-02",
                                                            "periode": "TW1"}, follow_redirects=False)
    assert r.status_code == 303
    after = _rows(skp_site, "salah.pdf")[0]
    assert (after["status"], after["rhk"]) == ("archived", "RHK-02")
    last = _events(skp_site, row["id"])[-1]
    assert (last["kind"], last["actor"]) == ("relinked", "web:ani")
    assert "salah.pdf" not in ani.get("/berkas-saya").text
    assert skp_site.client("admin").get("/berkas-saya").status_code == 403  # admins use /masalah
    assert skp_site.ws.cli("verify").exit_code == 0


def test_the_pages_read_in_english_by_choice(skp_site: Site) -> None:
    ani = skp_site.client("ani")
    ani.cookies.set("archiver_lang", "en")
    page = ani.get("/unggah")
    assert "Upload evidence" in page.text and "Unggah bukti" not in page.text
    r = _post(ani, {"tahun": "2026", "periode": "TW1", "rhk": "RHK-02"},
              [("a.pdf", make_pdf("a")), ("b.exe.pdf", make_exe())])
    assert "archived" in r.text and "quarantined" in r.text and "not a document" in r.text
    assert "My problem files" in ani.get("/berkas-saya").text
    assert not re.search(r"\{[a-z_]+\}", r.text)  # every placeholder filled
