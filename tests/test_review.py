"""Review of evidence on the demo Dinas: an atasan judges staff evidence, an auditor any; every
judgement is a custody event; scope refusals are 404; the pegawai answers with a new version;
coverage counts only evidence not rejected; ``--review`` filters list, search and the web lists.

Real SKP import, real ingest, the real app and CLI (no mocks).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from test_web import PASSWORD, csrf_of, login

from archiver import i18n, review
from archiver.accounts import ROLE_HELP, add_user
from archiver.archive import Archive
from archiver.catalog import custody
from archiver.cli import main
from archiver.config import load_config
from archiver.samplefiles import text_pdf
from archiver.skp.coverage import awaiting, coverage
from archiver.skp.demo import HUMAS, KABID_APT, OPERATOR, PRAKOM, build_demo
from archiver.web.app import create_app

T = dt.date.today().year
USED: set[int] = set()  # submissions a test has judged (each test takes its own)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = build_demo(tmp_path_factory.mktemp("review") / "ws", tahun=T)
    with Archive.open(load_config(out.config)) as archive:
        for name, role, nip in (("kabid_r", "atasan", KABID_APT), ("prakom_r", "pegawai", PRAKOM),
                                ("humas_r", "pegawai", HUMAS), ("audit_r", "auditor", None)):
            add_user(archive.catalog, name, role, PASSWORD, nip=nip, now=archive.now())
    return out.config


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def client(config: Path, user: str) -> TestClient:
    c = TestClient(create_app(load_config(config)))
    assert login(c, user).status_code == 303  # type: ignore[attr-defined]
    return c


def rows(config: Path, *args: str) -> list[dict[str, Any]]:
    res = cli(config, "list", "--json", *args)
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.stdout.splitlines()]


def pick(config: Path, nip: str) -> dict[str, Any]:
    """An archived submission of ``nip`` in year T that awaits review (the demo judges a few) and no
    test has used yet."""
    for r in rows(config, "--nip", nip, "--tahun", str(T), "--status", "archived", "--review", "menunggu"):
        if r["id"] not in USED and r["rhk"]:
            USED.add(r["id"])
            return r
    raise AssertionError(f"no unused evidence of {nip}")


def judge(c: TestClient, sub: dict[str, Any], **form: str) -> Any:
    token = csrf_of(c.get(f"/e/{sub['sha256']}").text)
    return c.post(f"/e/{sub['sha256']}/tinjau", data={"csrf_token": token, "submission_id": str(sub["id"]), **form},
                  follow_redirects=False)


def judgements(config: Path, submission_id: int) -> list[dict[str, Any]]:
    with Archive.open(load_config(config)) as archive:
        return review.history(archive, [submission_id])[submission_id]


def test_atasan_judges_staff_evidence_and_the_custody_log_records_it(demo: Path) -> None:
    sub = pick(demo, PRAKOM)
    kabid = client(demo, "kabid_r")
    page = kabid.get(f"/e/{sub['sha256']}")
    assert f'action="/e/{sub["sha256"]}/tinjau"' in page.text and "menunggu tinjauan" in page.text
    r = judge(kabid, sub, state="perlu_perbaikan", reason="")
    assert r.status_code == 400 and "tuliskan alasan" in r.text  # a reason is required
    assert judgements(demo, sub["id"]) == []
    r = judge(kabid, sub, state="perlu_perbaikan", reason="Tanda tangan kepala bidang belum ada", page="2")
    assert r.status_code == 303 and r.headers["location"].startswith(f"/e/{sub['sha256']}?dinilai=")
    with Archive.open(load_config(demo)) as archive, archive.catalog.read() as conn:
        event = custody.history(conn, submission_id=sub["id"])[-1]
        assert not list(custody.verify_chain(conn))
    assert event["kind"] == "reviewed" and event["sha256"] == sub["sha256"] and event["actor"] == "web:kabid_r"
    assert event["detail"]["state"] == "perlu_perbaikan" and event["detail"]["page"] == "2"
    assert event["detail"]["reason"] == "Tanda tangan kepala bidang belum ada"
    page = kabid.get(f"/e/{sub['sha256']}")
    assert "perlu perbaikan" in page.text and "Tanda tangan kepala bidang belum ada" in page.text
    assert "ditinjau" in page.text  # the custody history names the event

    auditor = client(demo, "audit_r")
    assert judge(auditor, sub, state="diterima").status_code == 303  # no reason needed to accept
    history = judgements(demo, sub["id"])
    assert [j["state"] for j in history] == ["perlu_perbaikan", "diterima"]  # history kept, latest counts
    assert [j["role"] for j in history] == ["atasan", "auditor"]
    listed = auditor.get("/bukti", params={"nip": PRAKOM, "tinjauan": "diterima"})
    assert listed.status_code == 200 and sub["name"] in listed.text and 'data-review="diterima"' in listed.text
    # the JSON API: the state of each item, and the same filter
    api = auditor.get("/api/evidence", params={"nip": PRAKOM, "review": "diterima", "limit": 1000}).json()
    assert sub["id"] in {i["id"] for i in api["items"]} and {i["review"] for i in api["items"]} == {"diterima"}
    item = auditor.get(f"/api/evidence/{sub['sha256']}").json()
    assert [s["review"] for s in item["submissions"] if s["id"] == sub["id"]] == ["diterima"]
    assert auditor.get("/api/evidence", params={"review": "entah"}).status_code == 400


def test_an_audit_package_carries_the_judgements_of_its_files(demo: Path, tmp_path: Path) -> None:
    import csv
    import io
    import zipfile

    sub = pick(demo, HUMAS)
    auditor = client(demo, "audit_r")
    assert judge(auditor, sub, state="ditolak", reason="Foto kegiatan lain, bukan sosialisasi ini").status_code == 303
    assert judge(auditor, sub, state="diterima").status_code == 303
    out = tmp_path / "humas.zip"
    res = cli(demo, "export", "--nip", HUMAS, "--tahun", str(T), "-o", str(out))
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(out) as zf:
        name = next(n for n in zf.namelist() if n.endswith("/tinjauan.csv"))
        lines = list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8-sig"))))
    mine = [r for r in lines if r["id_arsip"] == str(sub["id"])]
    assert [(r["keputusan"], r["alasan"], r["berlaku"]) for r in mine] == [
        ("ditolak", "Foto kegiatan lain, bukan sosialisasi ini", "tidak"), ("diterima", "", "ya")]
    assert {r["penilai"] for r in mine} == {"web:audit_r"} and mine[0]["berkas"].endswith(sub["name"])
    assert cli(demo, "verify-bag", str(out)).exit_code == 0  # listed in the tag manifests


def test_own_evidence_and_evidence_outside_scope_cannot_be_judged(demo: Path) -> None:
    own, other, staff = pick(demo, KABID_APT), pick(demo, HUMAS), pick(demo, PRAKOM)
    kabid = client(demo, "kabid_r")
    page = kabid.get(f"/e/{own['sha256']}")
    assert page.status_code == 200 and "/tinjau" not in page.text  # sees it, may not judge it
    token = csrf_of(page.text)

    def post(sha: str, sid: int, token: str = token) -> int:
        return kabid.post(f"/e/{sha}/tinjau", data={"csrf_token": token, "submission_id": str(sid),
                                                     "state": "diterima"}, follow_redirects=False).status_code

    assert post(own["sha256"], own["id"]) == 404  # one's own evidence is judged by one's atasan
    assert post(other["sha256"], other["id"]) == 404  # outside the scope: as if it did not exist
    assert post(own["sha256"], staff["id"]) == 404  # the submission is not of this file
    assert post(staff["sha256"], staff["id"], token="salah") == 403  # CSRF
    pegawai = client(demo, "prakom_r")
    assert "/tinjau" not in pegawai.get(f"/e/{staff['sha256']}").text
    r = pegawai.post(f"/e/{staff['sha256']}/tinjau", data={
        "csrf_token": csrf_of(pegawai.get("/bukti").text), "submission_id": str(staff["id"]), "state": "diterima"})
    assert r.status_code == 403  # a pegawai does not judge
    for sub in (own, other, staff):
        assert judgements(demo, sub["id"]) == []


def test_pegawai_answers_a_judgement_with_a_new_version(demo: Path) -> None:
    sub = pick(demo, PRAKOM)
    res = cli(demo, "review", str(sub["id"]), "--state", "perlu_perbaikan", "--reason", "Lampiran daftar hadir kurang",
              "--page", "3")
    assert res.exit_code == 0, res.output
    assert judgements(demo, sub["id"])[-1]["actor"].startswith("cli:")
    prakom = client(demo, "prakom_r")
    page = prakom.get(f"/e/{sub['sha256']}")
    assert "Lampiran daftar hadir kurang" in page.text and "Kirim versi baru" in page.text
    assert f"/unggah?menjawab={sub['id']}" in page.text
    assert client(demo, "humas_r").get(f"/unggah?menjawab={sub['id']}").status_code == 404  # not theirs
    form = prakom.get(f"/unggah?menjawab={sub['id']}")
    assert form.status_code == 200 and f'name="menjawab" value="{sub["id"]}"' in form.text
    choice = sub["rhk"] + (f"/{sub['iki']}" if sub["iki"] else "")
    assert f'value="{choice}" selected' in form.text  # the form is preset to where the judged file is filed
    parts = [("csrf_token", (None, csrf_of(form.text))), ("tahun", (None, str(T))), ("periode", (None, sub["periode"])),
             ("rhk", (None, choice)), ("menjawab", (None, str(sub["id"]))),
             ("files", ("daftar hadir lengkap.pdf", text_pdf([["Daftar hadir lengkap rapat"]]), "application/pdf"))]
    r = prakom.post("/unggah", files=parts)
    assert r.status_code == 200, r.text
    new = next(x for x in rows(demo, "--nip", PRAKOM) if x["name"] == "daftar hadir lengkap.pdf")
    with Archive.open(load_config(demo)) as archive:
        answered = review.answer_of(archive, new["id"])
        assert answered is not None and answered["answers"] == sub["id"]
        assert review.states(archive, [new["id"], sub["id"]]) == {new["id"]: "menunggu",
                                                                   sub["id"]: "perlu_perbaikan"}
    page = prakom.get(f"/e/{sub['sha256']}")
    version = sub["version"] + 1  # the answer is the judged file's next version
    assert f"dijawab dengan versi {version}:" in page.text and f'href="/e/{new["sha256"]}"' in page.text
    assert "Versi ini menjawab penilaian" in prakom.get(f"/e/{new['sha256']}").text
    show = cli(demo, "review", str(sub["id"]))
    assert f"dijawab dengan versi {version}: daftar hadir lengkap.pdf" in show.output


def test_coverage_counts_only_evidence_that_is_not_rejected(demo: Path) -> None:
    with Archive.open(load_config(demo)) as archive:
        before = coverage(archive, nip=OPERATOR, tahun=T)
        row = next(r for r in before if len(r.evidence) >= 2 and not {e.submission_id for e in r.evidence} & USED)
        first, second = row.evidence[0], row.evidence[1]
        USED.update({first.submission_id, second.submission_id})
        assert row.menunggu == row.found and row.ditolak == 0
        waiting = awaiting(before)
        review.judge(archive, first.submission_id, state="ditolak", reason="Bukan bukti kegiatan ini", page=None,
                     actor="test", role="auditor")
        review.judge(archive, second.submission_id, state="diterima", reason=None, page=None, actor="test",
                     role="auditor")
        after = next(r for r in coverage(archive, nip=OPERATOR, tahun=T) if (r.periode, r.rhk, r.iki) ==
                     (row.periode, row.rhk, row.iki))
        assert after.found == row.found - 1 and after.ditolak == 1  # rejected evidence does not count
        assert first.sha256 not in {e.sha256 for e in after.evidence}
        assert after.menunggu == row.menunggu - 2  # one rejected, one accepted: both judged
        assert awaiting(coverage(archive, nip=OPERATOR, tahun=T)) == waiting - 2
    res = cli(demo, "coverage", "--nip", OPERATOR, "--tahun", str(T), "--periode", row.periode, "--json")
    out = [json.loads(line) for line in res.stdout.splitlines()]
    cell = next(r for r in out if (r["rhk"], r["iki"]) == (row.rhk, row.iki))
    assert cell["found"] == after.found and cell["ditolak"] == 1 and cell["menunggu"] == after.menunggu
    page = client(demo, "audit_r").get("/cakupan", params={"tahun": T, "periode": row.periode})
    assert page.status_code == 200 and "menunggu tinjauan:" in page.text and "ditolak: 1" in page.text
    api = client(demo, "kabid_r").get("/api/coverage", params={"tahun": T, "periode": row.periode}).json()
    assert any(r["nip"] == OPERATOR and r["ditolak"] == 1 for r in api["rows"])


def test_review_filter_in_list_search_and_the_web_lists(demo: Path) -> None:
    """The same bytes filed twice, judged apart: the filter follows the submission, not the file."""
    config = load_config(demo)
    drop = config.share("drop").path
    data = text_pdf([["Notulen rapat kembar kenari"]])
    for periode, name in (("TW1", "Bukti kembar A.pdf"), ("TW2", "Bukti kembar B.pdf")):
        target = drop / PRAKOM / str(T) / periode / "RHK-01" / "IKI-01" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    assert cli(demo, "ingest").exit_code == 0
    by_name = {r["name"]: r for r in rows(demo, "--nip", PRAKOM)}
    a, b = by_name["Bukti kembar A.pdf"], by_name["Bukti kembar B.pdf"]
    assert a["sha256"] == b["sha256"]
    with Archive.open(config) as archive:
        review.judge(archive, a["id"], state="diterima", reason=None, page=None, actor="test", role="auditor")
        review.judge(archive, b["id"], state="ditolak", reason="Sama dengan bukti TW1", page="1", actor="test",
                     role="auditor")

    def ids(*args: str) -> set[int]:
        return {r["id"] for r in rows(demo, "--nip", PRAKOM, *args)}

    assert a["id"] in ids("--review", "diterima") and b["id"] not in ids("--review", "diterima")
    assert b["id"] in ids("--review", "ditolak") and a["id"] not in ids("--review", "ditolak")
    assert not {a["id"], b["id"]} & ids("--review", "menunggu")
    assert all(r["review"] == "ditolak" for r in rows(demo, "--review", "ditolak"))
    assert cli(demo, "list", "--review", "salah").exit_code == 2

    def found(*args: str) -> set[int]:
        res = cli(demo, "search", "kembar kenari", "--json", *args)
        assert res.exit_code == 0, res.output
        return {json.loads(line)["submission_id"] for line in res.stdout.splitlines()}

    assert found() == {a["id"], b["id"]}
    assert found("--review", "diterima") == {a["id"]}
    assert found("--review", "ditolak") == {b["id"]}
    assert found("--review", "menunggu") == set()

    auditor = client(demo, "audit_r")
    page = auditor.get("/cari", params={"q": "kembar kenari", "tinjauan": "ditolak"})
    assert page.status_code == 200 and "Bukti kembar B.pdf" in page.text and "Bukti kembar A.pdf" not in page.text
    page = auditor.get("/bukti", params={"nip": PRAKOM, "tinjauan": "diterima"})
    assert "Bukti kembar A.pdf" in page.text and "Bukti kembar B.pdf" not in page.text
    assert auditor.get("/bukti", params={"tinjauan": "salah"}).status_code == 400
    assert auditor.get("/cari", params={"q": "kembar", "tinjauan": "salah"}).status_code == 400
    mine = client(demo, "prakom_r").get("/bukti", params={"tinjauan": "ditolak"})  # the pegawai sees the judgement
    assert "Bukti kembar B.pdf" in mine.text and 'data-review="ditolak"' in mine.text
    hit = client(demo, "prakom_r").get("/cari", params={"q": "kembar kenari"})
    assert 'data-review="ditolak"' in hit.text and 'data-review="diterima"' in hit.text


def test_the_auditor_role_reviews_but_never_changes_files() -> None:
    with i18n.use_language("en"):
        assert "read-only" not in ROLE_HELP["auditor"] and "reviews evidence" in ROLE_HELP["auditor"]
    with i18n.use_language("id"):
        assert "meninjau bukti" in i18n._(ROLE_HELP["auditor"])
