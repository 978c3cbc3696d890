"""Ingest: every file gets one status, nothing is lost, nothing in a share is modified."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from conftest import NIP_A, NIP_B, make_docx, make_exe, make_pdf, make_png, make_xlsx

from archiver.catalog import core as subs

RHK1 = f"{NIP_A}/2026/TW1/RHK-01"


def by_path(results: list[dict]) -> dict[str, dict]:
    return {r["path"]: r for r in results}


def test_statuses_for_a_realistic_drop(ws) -> None:
    pdf = make_pdf("Laporan sosialisasi")
    ws.put(f"{RHK1}/laporan.pdf", pdf)
    ws.put(f"{RHK1}/notulen.docx", make_docx("Notulen rapat"))
    ws.put(f"{RHK1}/rekap.xlsx", make_xlsx())
    ws.put(f"{RHK1}/foto.png", make_png())
    ws.put(f"{RHK1}/~$notulen.docx", b"lock")
    ws.put(f"{RHK1}/unduhan.pdf.crdownload", b"partial")
    ws.put(f"{RHK1}/Thumbs.db", b"litter")
    ws.put(f"{RHK1}/kosong.pdf", b"")
    ws.put(f"{RHK1}/faktur.pdf", make_exe())  # a program renamed .pdf
    ws.put("lepas.pdf", make_pdf("Tanpa folder"))  # not in the pattern
    res = ws.cli("ingest", "--json")
    assert res.exit_code == 1  # something was quarantined
    import json

    got = by_path([json.loads(x) for x in res.stdout.splitlines()])
    st = {p.rsplit("/", 1)[-1]: r["status"] for p, r in got.items()}
    assert st == {
        "laporan.pdf": "archived", "notulen.docx": "archived", "rekap.xlsx": "archived", "foto.png": "archived",
        "~$notulen.docx": "ignored", "unduhan.pdf.crdownload": "ignored", "Thumbs.db": "ignored",
        "kosong.pdf": "quarantined", "faktur.pdf": "quarantined", "lepas.pdf": "unlinked",
    }
    lap = got[f"drop/{RHK1}/laporan.pdf"]
    assert lap["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert (lap["nip"], lap["tahun"], lap["periode"], lap["rhk"], lap["type"]) == (NIP_A, 2026, "TW1", "RHK-01", "pdf")
    assert "program" in got[f"drop/{RHK1}/faktur.pdf"]["reason"]
    assert "berkas kosong" in got[f"drop/{RHK1}/kosong.pdf"]["reason"]
    assert "foldernya belum menyebut" in got["drop/lepas.pdf"]["reason"] and "{" not in got["drop/lepas.pdf"]["reason"]
    for r in got.values():
        assert set(r) >= {"path", "status", "sha256", "reason"}


def test_quarantined_bytes_are_kept_and_share_untouched(ws) -> None:
    exe = make_exe()
    p = ws.put(f"{RHK1}/setup.pdf", exe)
    before = (p.stat().st_mtime_ns, p.read_bytes())
    [r] = ws.cli_json("ingest")
    assert r["status"] == "quarantined"
    with ws.open() as a:
        with a.store.open(r["sha256"]) as fh:
            assert fh.read() == exe
    assert (p.stat().st_mtime_ns, p.read_bytes()) == before


def test_rescan_is_cheap_and_reports_nothing_new(ws) -> None:
    for i in range(5):
        ws.put(f"{RHK1}/doc{i}.pdf", make_pdf(f"dokumen {i}"))
    assert len(ws.cli_json("ingest")) == 5
    assert ws.cli_json("ingest") == []
    res = ws.cli("ingest")
    assert res.exit_code == 0


def test_same_bytes_from_two_colleagues_is_one_blob_two_submissions(ws) -> None:
    surat = make_pdf("Surat tugas bersama")
    ws.put(f"{NIP_A}/2026/TW1/RHK-01/surat-tugas.pdf", surat)
    ws.put(f"{NIP_B}/2026/TW1/RHK-03/surat-tugas.pdf", surat)
    rs = ws.cli_json("ingest")
    assert sorted(r["status"] for r in rs) == ["archived", "duplicate"]
    assert len({r["sha256"] for r in rs}) == 1
    assert {r["nip"] for r in rs} == {NIP_A, NIP_B}
    with ws.open() as a:
        assert len(list(a.store.digests())) == 1
        assert sum(1 for _ in subs.blob_digests(a.catalog)) == 1
    listed = ws.cli_json("list", "--nip", NIP_B)
    assert [r["rhk"] for r in listed] == ["RHK-03"]


def test_changed_file_is_a_new_version_old_one_kept(ws) -> None:
    p = ws.put(f"{RHK1}/laporan.docx", make_docx("versi satu"))
    [v1] = ws.cli_json("ingest")
    p.write_bytes(make_docx("versi dua, direvisi"))
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 5_000_000_000))
    [v2] = ws.cli_json("ingest")
    assert (v1["version"], v2["version"]) == (1, 2)
    assert v1["sha256"] != v2["sha256"] and v2["status"] == "archived"
    with ws.open() as a:
        assert a.store.exists(v1["sha256"]) and a.store.exists(v2["sha256"])
    rows = ws.cli_json("list")
    assert [r["version"] for r in rows] == [1, 2]


def test_touched_file_with_same_bytes_is_not_a_new_version(ws) -> None:
    p = ws.put(f"{RHK1}/laporan.pdf", make_pdf())
    ws.cli_json("ingest")
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 7_000_000_000))
    assert ws.cli_json("ingest") == []
    assert ws.cli_json("ingest") == []  # and the new mtime is remembered
    assert len(ws.cli_json("list")) == 1


def test_symlink_out_of_share_is_never_archived(ws, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    link = ws.drop / RHK1 / "passwd.txt"
    link.parent.mkdir(parents=True)
    link.symlink_to("/etc/passwd")
    (ws.drop / RHK1 / "rahasia.txt").symlink_to(secret)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.pdf").write_bytes(make_pdf("outside"))
    (ws.drop / f"{NIP_A}/2026/TW2").mkdir(parents=True)
    (ws.drop / f"{NIP_A}/2026/TW2/RHK-02").symlink_to(outside, target_is_directory=True)
    rs = ws.cli_json("ingest")
    assert {r["path"].rsplit("/", 1)[-1]: r["status"] for r in rs} == {
        "passwd.txt": "quarantined", "rahasia.txt": "quarantined", "RHK-02": "quarantined"}
    assert all(r["sha256"] is None for r in rs)
    with ws.open() as a:
        assert list(a.store.digests()) == []
    # and an explicit path through the linked folder is refused too
    res = ws.cli("ingest", str(ws.drop / f"{NIP_A}/2026/TW2/RHK-02/x.pdf"))
    assert res.exit_code != 0 or "archived" not in res.output
    with ws.open() as a:
        assert list(a.store.digests()) == []


def test_oversize_file_is_quarantined_with_bytes_kept(ws) -> None:
    text = ws.config_path.read_text().replace("max_file_size_mb = 200.0", "max_file_size_mb = 0.01")
    ws.config_path.write_text(text)
    big = make_pdf("besar " * 4000, pages=3)
    assert len(big) > 0.01 * 1048576
    ws.put(f"{RHK1}/besar.pdf", big)
    [r] = ws.cli_json("ingest")
    assert r["status"] == "quarantined" and "melebihi batas" in r["reason"]
    with ws.open() as a:
        assert a.store.exists(r["sha256"])


def test_type_not_allowed_judged_by_content(ws) -> None:
    ws.put(f"{RHK1}/halaman.pdf", "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
    [r] = ws.cli_json("ingest")
    assert r["status"] == "quarantined" and "html" in r["reason"]


def test_unlinked_reasons_are_specific(ws) -> None:
    ws.put("19850315201001100/2026/TW1/RHK-01/a.pdf", make_pdf("a"))  # 17 digits
    ws.put(f"{NIP_A}/2026/TW5/RHK-01/b.pdf", make_pdf("b"))
    ws.put(f"{NIP_A}/26/TW1/RHK-01/c.pdf", make_pdf("c"))
    ws.put("198513452010011002/2026/TW1/RHK-01/d.pdf", make_pdf("d"))  # month 13 in the birth date
    got = {r["path"].split("/", 2)[1][:6] + r["path"][-5:]: r for r in ws.cli_json("ingest")}
    reasons = sorted(r["reason"] for r in got.values())
    assert all(r["status"] == "unlinked" for r in got.values())
    assert any("terdiri atas 17 angka" in x for x in reasons)
    assert any("'TW5' bukan periode" in x for x in reasons)
    assert any("'26' bukan tahun" in x for x in reasons)
    assert any("bukan tanggal lahir yang sah" in x for x in reasons)


def test_pattern_with_name_in_folder(ws) -> None:
    text = ws.config_path.read_text().replace('pattern = "{nip}/{tahun}/{periode}/{rhk}/..."',
                                              'pattern = "{nip} - {nama}/{tahun}/{periode}/{rhk}/..."')
    ws.config_path.write_text(text)
    ws.put("19850315 201001 1 002 - Budi Santoso/2026/Triwulan II/rhk 3/laporan.pdf", make_pdf())
    [r] = ws.cli_json("ingest")
    assert (r["status"], r["nip"], r["periode"], r["rhk"]) == ("archived", NIP_A, "TW2", "RHK-03")


def test_ingest_given_paths_only(ws, tmp_path: Path) -> None:
    ws.put(f"{RHK1}/a.pdf", make_pdf("a"))
    ws.put(f"{NIP_B}/2026/TW1/RHK-01/b.pdf", make_pdf("b"))
    rs = ws.cli_json("ingest", str(ws.drop / NIP_A))
    assert [r["path"] for r in rs] == [f"drop/{RHK1}/a.pdf"]
    res = ws.cli("ingest", str(tmp_path))
    assert res.exit_code == 2 and "tidak berada di dalam share yang dikonfigurasi" in res.output


@pytest.mark.embedded("file modes and names of local blob files")
def test_blobs_are_read_only_and_content_addressed(ws) -> None:
    data = make_pdf("isi")
    ws.put(f"{RHK1}/a.pdf", data)
    [r] = ws.cli_json("ingest")
    with ws.open() as a:
        p = a.store.path_of(r["sha256"])
        assert p.read_bytes() == data
        assert stat.S_IMODE(p.stat().st_mode) == 0o440
        assert p.name == hashlib.sha256(data).hexdigest()
        assert list(a.store.tmpdir.iterdir()) == []


def test_fifo_is_quarantined_not_read(ws) -> None:
    p = ws.drop / RHK1 / "pipa.pdf"
    p.parent.mkdir(parents=True)
    os.mkfifo(p)
    [r] = ws.cli_json("ingest")
    assert r["status"] == "quarantined" and "bukan berkas biasa" in r["reason"]


def test_unreadable_file_is_quarantined_then_retried(ws) -> None:
    """Ingest in a process without the capabilities that let root read anything (setpriv),
    so file permissions really apply; then fix the permissions and ingest again."""
    import json
    import sys

    setpriv = None
    if os.geteuid() == 0:
        from conftest import require_program

        setpriv = require_program("setpriv")
    p = ws.put(f"{RHK1}/rahasia.pdf", make_pdf("rahasia"))
    ws.put(f"{RHK1}/biasa.pdf", make_pdf("biasa"))
    p.chmod(0o000)
    cmd = [sys.executable, "-m", "archiver", "--config", str(ws.config_path), "ingest", "--json"]
    if setpriv:
        cmd = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *cmd]

    def ingest() -> tuple[int, dict[str, dict]]:
        import subprocess

        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        rows = [json.loads(x) for x in out.stdout.splitlines()]
        return out.returncode, {r["path"].rsplit("/", 1)[-1]: r for r in rows}

    code, rs = ingest()
    assert code == 1
    assert rs["biasa.pdf"]["status"] == "archived"
    assert rs["rahasia.pdf"]["status"] == "quarantined" and "izin ditolak" in rs["rahasia.pdf"]["reason"]
    assert ingest() == (0, {})  # still unreadable: reported once, not again
    p.chmod(0o644)  # fixed: retried and archived although its size and mtime did not change
    code, rs = ingest()
    assert code == 0 and rs["rahasia.pdf"]["status"] == "archived"
