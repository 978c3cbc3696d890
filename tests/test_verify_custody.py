"""`archiver verify` holds the catalog to the custody log: re-pointed or re-assigned evidence is named."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager

from conftest import NIP_A, NIP_B, CatalogRows, Workspace, make_docx, make_exe, make_pdf

from archiver.ingest import record_removal, release
from archiver.skp.resolution import relink

RHK1 = f"{NIP_A}/2026/TW1/RHK-01"


def _verify(ws: Workspace) -> tuple[int, dict]:
    res = ws.cli("verify", "--json")
    return res.exit_code, json.loads(res.stdout)


def _db(ws: Workspace) -> AbstractContextManager[CatalogRows]:
    return ws.db()


def _archive_with_history(ws: Workspace) -> dict[str, dict]:
    """Archived, duplicate, unlinked, quarantined-then-released, moved, relinked and removed files."""
    ws.put(f"{RHK1}/a.pdf", make_pdf("satu"))
    ws.put(f"{RHK1}/b.pdf", make_pdf("dua"))
    ws.put(f"{RHK1}/c.docx", make_docx("tiga"))
    ws.put(f"{RHK1}/salinan.pdf", make_pdf("satu"))  # a duplicate of a.pdf
    ws.put("lepas/tanpa-folder.pdf", make_pdf("lepas"))  # unlinked
    ws.put(f"{RHK1}/program.pdf", make_exe())  # quarantined
    ws.put(f"{RHK1}/pindah.pdf", make_pdf("pindah"))
    ws.put(f"{RHK1}/hapus.pdf", make_pdf("hapus"))
    rows = {r["path"].rsplit("/", 1)[-1]: r for r in ws.cli_json("ingest")}
    (ws.drop / f"{NIP_A}/2026/TW2/RHK-01").mkdir(parents=True)
    (ws.drop / RHK1 / "pindah.pdf").rename(ws.drop / f"{NIP_A}/2026/TW2/RHK-01/pindah.pdf")
    moved = ws.cli_json("ingest")
    assert [r["status"] for r in moved] == ["moved"], moved
    (ws.drop / RHK1 / "hapus.pdf").unlink()
    with ws.open() as archive:
        assert record_removal(archive, "drop", f"{RHK1}/hapus.pdf") is not None
        release(archive, rows["program.pdf"]["submission_id"], note="diperiksa manual", steps=())
        relink(archive, rows["tanpa-folder.pdf"]["submission_id"], rhk="RHK-02", nip=NIP_B, tahun=2026,
               periode="TW1")
        relink(archive, rows["c.docx"]["submission_id"], rhk="RHK-03")
    return rows


def test_an_archive_with_moves_relinks_releases_and_removals_verifies_clean(ws: Workspace) -> None:
    _archive_with_history(ws)
    code, rep = _verify(ws)
    assert rep["problems"] == [] and code == 0


def test_repointed_reassigned_and_edited_rows_are_all_named_at_once(ws: Workspace) -> None:
    rows = _archive_with_history(ws)
    a, b, c, d = rows["a.pdf"], rows["b.pdf"], rows["c.docx"], rows["tanpa-folder.pdf"]
    with _db(ws) as db:
        db.execute("update submissions set sha256 = ? where id = ?", (b["sha256"], a["submission_id"]))
        db.execute("update submissions set nip = ? where id = ?", (NIP_B, b["submission_id"]))
        db.execute("update submissions set version = 7, rhk = 'RHK-09' where id = ?", (c["submission_id"],))
        db.execute("update submissions set nip = ? where id = ?", (NIP_A, d["submission_id"]))  # after its relink
        db.execute("update submissions set status = 'archived' where status = 'unlinked'")
    code, rep = _verify(ws)
    assert code == 1 and not rep["ok"]
    found = {(p["kind"], p["subject"]) for p in rep["problems"]}
    assert ("evidence_repointed", str(a["submission_id"])) in found
    assert ("evidence_reassigned", str(b["submission_id"])) in found
    assert ("version_changed", str(c["submission_id"])) in found
    assert ("link_changed", str(c["submission_id"])) in found
    assert ("evidence_reassigned", str(d["submission_id"])) in found
    assert not any(p["kind"] == "chain" for p in rep["problems"])  # the events themselves are intact
    human = ws.cli("verify")
    assert human.exit_code == 1
    assert f"NIP {NIP_B}" in human.output and b["sha256"] in human.output
    assert "dialihkan" in human.output and "pegawai lain" in human.output


def test_a_deleted_or_forged_submission_is_named(ws: Workspace) -> None:
    rows = _archive_with_history(ws)
    a = rows["b.pdf"]
    with _db(ws) as db:
        db.execute("delete from search_indexed where submission_id = ?", (a["submission_id"],))
        db.execute("delete from index_queue where submission_id = ?", (a["submission_id"],))
        db.execute("delete from file_state where submission_id = ?", (a["submission_id"],))
        db.execute("delete from submissions where id = ?", (a["submission_id"],))
        db.execute("insert into submissions (share, relpath, name, size, mtime_ns, sha256, received_at, status, "
                   "version, nip) select share, 'palsu.pdf', 'palsu.pdf', size, mtime_ns, sha256, received_at, "
                   "'archived', 1, nip from submissions where id = ?", (rows["a.pdf"]["submission_id"],))
    code, rep = _verify(ws)
    kinds = {p["kind"] for p in rep["problems"]}
    assert code == 1 and {"submission_deleted", "submission_unrecorded"} <= kinds
