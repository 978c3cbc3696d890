"""Retention, legal hold and disposition: real ingest, real SQLite, real blobs, the real CLI and web app.

Evidence of tahun 2020 with ``evidence_years = 2`` is due since 2023; evidence of 2026 is not.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from conftest import NIP_A, NIP_B, FixedClock, Workspace, make_pdf
from test_web import PASSWORD, csrf_of, login

from archiver import retention
from archiver.accounts import add_user, authenticate
from archiver.catalog.core import list_submissions
from archiver.catalog.schema import events
from archiver.catalog.text import get_text
from archiver.errors import PermissionDenied
from archiver.web.app import create_app

OLD = f"{NIP_A}/2020/TW1/RHK-01/laporan lama.pdf"
HELD = f"{NIP_A}/2020/TW2/RHK-01/laporan diperiksa.pdf"
SHARED_OLD = f"{NIP_B}/2020/TW1/RHK-02/notulen.pdf"
SHARED_NEW = f"{NIP_B}/2026/TW1/RHK-02/notulen salinan.pdf"
NEW = f"{NIP_A}/2026/TW1/RHK-01/laporan baru.pdf"


def _setup(ws: Workspace) -> dict[str, dict[str, object]]:
    text = ws.config_path.read_text()
    assert "evidence_years = 10" in text
    ws.config_path.write_text(text.replace("evidence_years = 10", "evidence_years = 2"))
    ws.put(OLD, make_pdf("Laporan lama tahun 2020"))
    ws.put(HELD, make_pdf("Laporan yang sedang diperiksa"))
    shared = make_pdf("Notulen rapat koordinasi")
    ws.put(SHARED_OLD, shared)
    ws.put(SHARED_NEW, shared)
    ws.put(NEW, make_pdf("Laporan baru tahun 2026"))
    res = ws.cli("ingest")
    assert res.exit_code == 0, res.output
    with ws.open() as archive:
        for name, role in (("admin1", "admin"), ("admin2", "admin"), ("auditor", "auditor"), ("ani", "pegawai")):
            add_user(archive.catalog, name, role, PASSWORD, nip=NIP_A if role == "pegawai" else None,
                     now=archive.now())
        subs = {f"{r['relpath']}": r for r in list_submissions(archive.catalog)}
    return subs


def _events(ws: Workspace, kind: str) -> list[dict[str, object]]:
    with ws.open() as archive, archive.catalog.read() as conn:
        q = sa.select(events).where(events.c.kind == kind).order_by(events.c.seq)
        return [dict(r._mapping) for r in conn.execute(q)]


def test_hold_two_admins_shared_blob_and_verify(ws: Workspace) -> None:
    subs = _setup(ws)
    res = ws.cli("hold", "set", "--nip", NIP_A, "--tahun", "2020", "--periode", "TW2", "--reason",
                 "Pemeriksaan kinerja", "--reference", "700/ST/12/2026", "--json")
    assert res.exit_code == 0, res.output
    hold = json.loads(res.stdout)
    assert hold["submissions"] == 1 and hold["set_by"].startswith("cli:")

    st = ws.cli_json("retention", "status")[0]
    assert st["eligible"] == 1  # the old report; the held one and the shared notulen are kept
    assert st["held"] == 1 and st["waiting"] == 1 and st["by_year"] == {"2029": 2}

    # One admin proposes (password asked for), the same admin cannot approve, an auditor cannot either.
    res = ws.cli("dispose", "propose", "--as", "admin1", "--note", "JRA 2026", "--json", input=f"{PASSWORD}\n")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout.splitlines()[-1])
    assert d["state"] == "proposed" and [i["submission_id"] for i in d["items"]] == [subs[OLD]["id"]]
    assert d["items"][0]["sha256"] == subs[OLD]["sha256"] and d["items"][0]["size"] == subs[OLD]["size"]
    res = ws.cli("dispose", "propose", "--as", "admin1", input="salah\n")
    assert res.exit_code != 0 and "admin1" in res.output
    res = ws.cli("dispose", "approve", str(d["id"]), "--as", "admin1", input=f"{PASSWORD}\n")
    assert res.exit_code != 0 and "admin" in res.output
    res = ws.cli("dispose", "approve", str(d["id"]), "--as", "auditor", input=f"{PASSWORD}\n")
    assert res.exit_code != 0
    with ws.open() as archive:
        assert archive.store.exists(str(subs[OLD]["sha256"]))  # nothing removed before the approval

    res = ws.cli("dispose", "approve", str(d["id"]), "--as", "admin2", "--json", input=f"{PASSWORD}\n")
    assert res.exit_code == 0, res.output
    done = json.loads(res.stdout.splitlines()[-1])
    assert done["state"] == "executed" and done["approved_by"] == "admin2" and done["proposed_by"] == "admin1"
    assert [i["outcome"] for i in done["items"]] == ["disposed"]

    with ws.open() as archive:
        rows = {r["relpath"]: r for r in list_submissions(archive.catalog)}
        assert rows[OLD]["status"] == "disposed"
        assert not archive.store.exists(str(subs[OLD]["sha256"]))
        for kept in (HELD, SHARED_OLD, SHARED_NEW, NEW):
            assert rows[kept]["status"] != "disposed"
            assert archive.store.exists(str(rows[kept]["sha256"]))  # held, shared with a retained file, not due
        assert get_text(archive.catalog, str(subs[OLD]["sha256"])) is None  # the extracted text is deleted too
        assert get_text(archive.catalog, str(rows[NEW]["sha256"])) is not None
    res = ws.cli("verify")
    assert res.exit_code == 0, res.output  # the missing blob of a disposed submission is expected
    lost = str(rows[NEW]["sha256"])  # any other missing blob is still a problem
    with ws.open() as archive, archive.store.open(lost) as fh:
        data = fh.read()
    ws.remove_blob(lost)
    res = ws.cli("verify")
    assert res.exit_code != 0 and lost in res.output and str(subs[OLD]["sha256"]) not in res.output
    with ws.open() as archive:
        archive.store.put_bytes(data)  # restored from a backup
    # The disposed bytes sent again later are a new submission, stored and checked like any other.
    ws.put(f"{NIP_A}/2026/TW2/RHK-01/laporan lama lagi.pdf", (ws.drop / OLD).read_bytes())
    assert ws.cli("ingest").exit_code == 0
    res = ws.cli("verify", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.splitlines()[-1])["blobs_checked"] == 4

    kinds = [e["kind"] for e in _events(ws, "hold_set") + _events(ws, "disposition_proposed")
             + _events(ws, "disposition_approved") + _events(ws, "disposed")]
    assert kinds == ["hold_set", "disposition_proposed", "disposition_approved", "disposed"]
    disposed = _events(ws, "disposed")[0]
    assert disposed["submission_id"] == subs[OLD]["id"] and disposed["sha256"] == subs[OLD]["sha256"]
    assert disposed["actor"] == "web:admin2"
    assert json.loads(str(_events(ws, "disposition_proposed")[0]["detail"]))["rule"]["years"] == 2

    # Releasing the hold makes the held report eligible in the next proposal.
    res = ws.cli("hold", "release", str(hold["id"]), "--note", "Pemeriksaan selesai")
    assert res.exit_code == 0, res.output
    assert [e["kind"] for e in _events(ws, "hold_released")] == ["hold_released"]
    assert ws.cli_json("retention", "status")[0]["eligible"] == 1
    assert "Tidak ada penahanan" in ws.cli("hold", "list").output or ws.cli("hold", "list").exit_code == 0


def test_hold_set_after_proposal_keeps_the_file(ws: Workspace) -> None:
    subs = _setup(ws)
    with ws.open() as archive:
        from archiver.accounts import authenticate

        a1 = authenticate(archive.catalog, "admin1", PASSWORD)
        a2 = authenticate(archive.catalog, "admin2", PASSWORD)
        aud = authenticate(archive.catalog, "auditor", PASSWORD)
        assert a1 and a2 and aud
        with pytest.raises(PermissionDenied):
            retention.propose(archive, aud)
        d = retention.propose(archive, a1)
        ids = sorted(int(i["submission_id"]) for i in d["items"])
        assert ids == sorted([int(subs[OLD]["id"]), int(subs[HELD]["id"])])
        retention.set_hold(archive, nip=NIP_A, tahun=2020, periode="TW1", reason="Audit BPK",
                           reference="ST-01/2026", actor="web:auditor")
        done = retention.approve(archive, int(d["id"]), a2)
        outcome = {int(i["submission_id"]): i["outcome"] for i in done["items"]}
        assert outcome == {int(subs[OLD]["id"]): "kept", int(subs[HELD]["id"]): "disposed"}
        assert archive.store.exists(str(subs[OLD]["sha256"]))
        assert not archive.store.exists(str(subs[HELD]["sha256"]))
        assert retention.blockers(archive, [int(subs[OLD]["id"])])[int(subs[OLD]["id"])][0].startswith("hold:")
    assert ws.cli("verify").exit_code == 0


# --------------------------------------------------------------------------- web


def test_web_roles_holds_and_two_admins(ws: Workspace, clock: FixedClock) -> None:
    from fastapi.testclient import TestClient

    subs = _setup(ws)
    app = create_app(ws.config, clock=clock)

    def client(user: str | None) -> TestClient:
        c = TestClient(app)
        if user:
            assert login(c, user).status_code == 303  # type: ignore[attr-defined]
        return c

    ani, auditor, admin1, admin2 = client("ani"), client("auditor"), client("admin1"), client("admin2")
    assert ani.get("/penahanan").status_code == 403
    assert ani.get("/retensi").status_code == 403
    assert auditor.get("/retensi").status_code == 403
    page = auditor.get("/penahanan")
    assert page.status_code == 200
    r = auditor.post("/penahanan", data={"csrf_token": csrf_of(page.text), "nip": NIP_A, "tahun": "2020",
                                         "periode": "TW2", "reason": "Pemeriksaan", "reference": "ST-9"},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    page = auditor.get("/penahanan")
    assert "ST-9" in page.text and "Pemeriksaan" in page.text

    page = admin1.get("/retensi")
    assert page.status_code == 200 and "2029" in page.text
    r = admin1.post("/retensi/usul", data={"csrf_token": csrf_of(page.text), "note": "JRA"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with ws.open() as archive:
        did = retention.dispositions(archive)[0]["id"]
    page = admin1.get(f"/retensi/{did}")
    assert page.status_code == 200 and str(subs[OLD]["sha256"]) in page.text
    r = admin1.post(f"/retensi/{did}/setujui", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 403  # the proposer cannot approve
    page = admin2.get(f"/retensi/{did}")
    r = admin2.post(f"/retensi/{did}/setujui", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with ws.open() as archive:
        assert retention.show(archive, did)["state"] == "executed"
        assert not archive.store.exists(str(subs[OLD]["sha256"]))
        assert archive.store.exists(str(subs[HELD]["sha256"]))
    # The release of a hold by the auditor, with a note.
    page = auditor.get("/penahanan")
    with ws.open() as archive:
        hold_id = retention.holds(archive)[0]["id"]
    r = auditor.post(f"/penahanan/{hold_id}/lepas", data={"csrf_token": csrf_of(page.text), "note": "Selesai"},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    with ws.open() as archive:
        assert retention.holds(archive, active_only=True) == []


def test_a_proposal_is_cancelled_with_its_reason_and_nothing_is_removed(ws: Workspace, clock: FixedClock) -> None:
    from fastapi.testclient import TestClient

    subs = _setup(ws)
    res = ws.cli("dispose", "propose", "--as", "admin1", "--json", input=f"{PASSWORD}\n")
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout)
    res = ws.cli("dispose", "cancel", str(first["id"]), "--as", "auditor", "--note", "x", input=f"{PASSWORD}\n")
    assert res.exit_code != 0  # only an admin
    res = ws.cli("dispose", "cancel", str(first["id"]), "--as", "admin1", "--note", "JRA belum disahkan", "--json",
                 input=f"{PASSWORD}\n")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert (d["state"], d["cancelled_by"], d["cancel_note"]) == ("cancelled", "admin1", "JRA belum disahkan")
    res = ws.cli("dispose", "approve", str(first["id"]), "--as", "admin2", input=f"{PASSWORD}\n")
    assert res.exit_code != 0 and "dibatalkan" in res.output  # a cancelled proposal is never executed
    [event] = _events(ws, "disposition_cancelled")
    detail = json.loads(str(event["detail"]))
    assert (detail["note"], detail["via"], event["actor"]) == ("JRA belum disahkan", "cli", "web:admin1")
    with ws.open() as archive:
        assert archive.store.exists(str(subs[OLD]["sha256"]))
        admin2 = authenticate(archive.catalog, "admin2", PASSWORD)
        assert admin2 is not None
        second = retention.propose(archive, admin2)  # its files may be proposed again
    assert {int(i["submission_id"]) for i in second["items"]} == {int(i["submission_id"]) for i in first["items"]}

    # on the web: the form needs the reason; the page shows who cancelled and why
    c = TestClient(create_app(ws.config, clock=clock))
    assert login(c, "admin1").status_code == 303  # type: ignore[attr-defined]
    page = c.get(f"/retensi/{second['id']}")
    assert f'action="/retensi/{second["id"]}/batalkan"' in page.text
    r = c.post(f"/retensi/{second['id']}/batalkan", data={"csrf_token": csrf_of(page.text), "note": " "})
    assert r.status_code == 400
    r = c.post(f"/retensi/{second['id']}/batalkan", data={"csrf_token": csrf_of(page.text), "note": "Salah usul"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?pesan=dibatalkan")
    page = c.get(r.headers["location"]).text
    assert "Pemusnahan dibatalkan. Tidak ada yang dihapus." in page and "Salah usul" in page
    assert f'action="/retensi/{second["id"]}/batalkan"' not in page
    assert ws.cli("verify").exit_code == 0


# --------------------------------------------------------------------------- blob stores


def test_store_remove_local_and_s3(tmp_path: pytest.TempPathFactory) -> None:
    import uuid
    from pathlib import Path

    import boto3  # type: ignore[import-untyped]
    from s3server import session_s3_server

    from archiver.config_sections import S3Settings
    from archiver.store import LocalBlobStore, open_store

    root = Path(str(tmp_path))
    local = LocalBlobStore(root / "local")
    sha, _new = local.put_bytes(b"bukti dukung lama")
    assert local.exists(sha) and local.remove(sha) is None and not local.exists(sha)
    assert local.remove(sha) is None  # already gone: nothing to report
    assert list(local.digests()) == []

    url = session_s3_server().url
    bucket = f"arsip-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket=bucket)
    s3 = open_store("s3", root / "s3", S3Settings(endpoint_url=url, bucket=bucket, region="us-east-1"))
    sha, _new = s3.put_bytes(b"bukti dukung lama di S3")
    assert s3.exists(sha) and s3.remove(sha) is None and not s3.exists(sha)
    assert s3.remove(sha) is None
