"""Audit packages (issue 8): real files ingested into a real workspace, exported with the real
CLI, checked independently with bagit-python on the unpacked folder, then damaged on purpose."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
import zipfile
from pathlib import Path

import bagit
import pytest
import sqlalchemy as sa
from conftest import NIP_A, NIP_B, Workspace, make_docx, make_exe, make_pdf, make_png

from archiver.bags.safenames import MAX_COMPONENT, MAX_PATH, NameAllocator, safe_component
from archiver.catalog.schema import events, submissions

BASE_A = f"{NIP_A}/2026"
_WIN_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\.|$)", re.IGNORECASE)


def _export(ws: Workspace, out: Path, *args: str) -> dict:
    res = ws.cli("export", *args, "-o", str(out), "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _unzip(zip_path: Path, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        tops = {n.split("/", 1)[0] for n in zf.namelist()}
        assert len(tops) == 1, tops  # one bag folder, as RFC 8493 serialisation asks
        zf.extractall(into)
    return into / tops.pop()


def _payload(bag: Path) -> dict[str, bytes]:
    data = bag / "data"
    return {p.relative_to(data).as_posix(): p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}


@pytest.fixture
def evidence(ws: Workspace) -> dict[str, bytes]:
    files = {
        f"{BASE_A}/TW1/RHK-01/laporan kegiatan.pdf": make_pdf("Laporan TW1"),
        f"{BASE_A}/TW1/RHK-02/notulen.docx": make_docx("Notulen rapat"),
        f"{BASE_A}/TW2/RHK-01/foto/dokumentasi.png": make_png(),
        f"{BASE_A}/TW2/RHK-01/salinan.pdf": make_pdf("Laporan TW1"),  # same bytes: a duplicate
        f"{BASE_A}/TW2/RHK-03/program.pdf": make_exe(),  # quarantined: never exported
        f"{NIP_A}/2025/TW1/RHK-01/tahun-lalu.pdf": make_pdf("2025"),
        f"{NIP_B}/2026/TW1/RHK-01/milik-orang-lain.pdf": make_pdf("pegawai B"),
    }
    for rel, data in files.items():
        ws.put(rel, data)
    ws.cli("ingest")
    return files


def test_export_is_a_valid_bag_with_the_right_files(ws: Workspace, evidence: dict[str, bytes],
                                                    tmp_path: Path) -> None:
    out = tmp_path / "paket" / "audit-2026.zip"
    out.parent.mkdir()
    report = _export(ws, out, "--nip", NIP_A, "--tahun", "2026", "--organization", "BKPSDM Kota Contoh")
    bag = _unzip(out, tmp_path / "x")
    bagit.Bag(str(bag)).validate()  # the independent check: the Library of Congress implementation

    payload = _payload(bag)
    assert payload == {
        f"{NIP_A}/TW1/RHK-01/laporan kegiatan.pdf": evidence[f"{BASE_A}/TW1/RHK-01/laporan kegiatan.pdf"],
        f"{NIP_A}/TW1/RHK-02/notulen.docx": evidence[f"{BASE_A}/TW1/RHK-02/notulen.docx"],
        f"{NIP_A}/TW2/RHK-01/foto/dokumentasi.png": evidence[f"{BASE_A}/TW2/RHK-01/foto/dokumentasi.png"],
        f"{NIP_A}/TW2/RHK-01/salinan.pdf": evidence[f"{BASE_A}/TW2/RHK-01/salinan.pdf"],
    }
    assert report["items"] == 4 and report["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    for alg in ("sha256", "sha512"):
        lines = (bag / f"manifest-{alg}.txt").read_text(encoding="utf-8").splitlines()
        listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}
        assert listed == {f"data/{k}": hashlib.new(alg, v).hexdigest() for k, v in payload.items()}
    info = bagit.Bag(str(bag)).info
    assert info["NIP"] == NIP_A and info["Tahun"] == "2026" and info["Item-Count"] == "4"
    assert info["Source-Organization"] == "BKPSDM Kota Contoh"
    assert info["Payload-Oxum"] == f"{sum(map(len, payload.values()))}.4"
    assert info["Export-Time"].startswith("20") and info["Exported-By"].startswith("cli")
    assert list(tmp_path.joinpath("paket").iterdir()) == [out]  # the temporary folder is gone

    index = (bag / "index.html").read_text(encoding="utf-8")
    for word in ("Nama file", "NIP", "Periode", "RHK", "SHA-256", "Tanggal diterima"):
        assert word in index
    assert hashlib.sha256(payload[f"{NIP_A}/TW1/RHK-02/notulen.docx"]).hexdigest() in index
    assert "WIB" in index and "milik-orang-lain" not in index


def test_custody_of_exported_items_is_in_the_bag_and_the_export_is_recorded(
        ws: Workspace, evidence: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "tw1.zip"
    report = _export(ws, out, "--nip", NIP_A, "--tahun", "2026", "--periode", "tw1")
    bag = _unzip(out, tmp_path / "x")
    assert set(_payload(bag)) == {f"{NIP_A}/TW1/RHK-01/laporan kegiatan.pdf", f"{NIP_A}/TW1/RHK-02/notulen.docx"}

    with ws.open() as archive, archive.catalog.read() as conn:
        exported_ids = {r.id for r in conn.execute(sa.select(submissions.c.id).where(
            submissions.c.nip == NIP_A, submissions.c.periode == "TW1", submissions.c.tahun == 2026))}
        exported_event = conn.execute(sa.select(events).where(events.c.kind == "exported")).one()
    lines = [json.loads(x) for x in (bag / "custody.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {e["submission_id"] for e in lines} == exported_ids
    assert {e["kind"] for e in lines} == {"received", "archived"}
    assert [e["seq"] for e in lines] == sorted(e["seq"] for e in lines)
    from archiver.catalog.custody import event_hash
    for e in lines:  # each event can be checked on its own from the package
        assert event_hash(e["seq"], e["at"], e["kind"], e["actor"], e["submission_id"], e["sha256"],
                          e["detail_json"], e["prev_hash"]) == e["hash"]

    detail = json.loads(exported_event.detail)
    assert exported_event.seq == report["event_seq"] and exported_event.actor.startswith("cli")
    assert detail["bag_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert detail["items"] == 2 and detail["criteria"] == {"tahun": 2026, "nip": [NIP_A], "periode": "TW1"}
    res = ws.cli("verify")
    assert res.exit_code == 0 and "Arsip utuh" in res.output


def test_hostile_names_are_safe_unique_and_escaped(ws: Workspace, tmp_path: Path) -> None:
    folder = f"{BASE_A}/TW1/RHK-01"
    long_dir = "sub-" + "d" * 150
    names = {
        "CON.pdf": make_pdf("con"), "a:b?.pdf": make_pdf("colon"), "a|b*.pdf": make_pdf("pipe"),
        "<script>alert(1)</script>.pdf": make_pdf("xss"), "trailing. ": make_pdf("dot"),
        "Laporan.pdf": make_pdf("upper"), "laporan.pdf": make_pdf("lower"),
        "tab\there\n.pdf": make_pdf("controls"), unicodedata.normalize("NFD", "café.pdf"): make_pdf("nfd"),
        "x" * 200 + ".pdf": make_pdf("long"), f"{long_dir}/" + "y" * 200 + ".pdf": make_pdf("deep"),
        "100% selesai.pdf": make_pdf("percent"), "\u202egpj.exe.pdf": make_pdf("bidi"),
    }
    for name, data in names.items():
        ws.put(f"{folder}/{name}", data)
    ws.cli("ingest")
    out = tmp_path / "hostile.zip"
    _export(ws, out, "--nip", NIP_A, "--tahun", "2026")

    with zipfile.ZipFile(out) as zf:
        members = zf.namelist()
    assert len(members) == len({m.casefold() for m in members})  # unique even on Windows and macOS
    for m in members:
        assert len(m) <= MAX_PATH, m
        assert m == unicodedata.normalize("NFC", m)
        for part in m.split("/"):
            assert len(part) <= MAX_COMPONENT and part not in ("", ".", "..")
            assert not set(part) & set('<>:"\\|?*%'), part
            assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in part), part
            assert not part.endswith((".", " ")) and not _WIN_RESERVED.match(part), part

    bag = _unzip(out, tmp_path / "x")
    bagit.Bag(str(bag)).validate()
    payload = _payload(bag)
    assert sorted(payload.values()) == sorted(names.values())  # every file, each once, bytes intact
    rhk = f"{NIP_A}/TW1/RHK-01"
    assert f"{rhk}/CON_.pdf" in payload and f"{rhk}/café.pdf" in payload
    assert payload[f"{rhk}/a_b_.pdf"] == names["a:b?.pdf"] and payload[f"{rhk}/a_b_ (2).pdf"] == names["a|b*.pdf"]
    assert payload[f"{rhk}/Laporan.pdf"] == names["Laporan.pdf"]
    assert payload[f"{rhk}/laporan (2).pdf"] == names["laporan.pdf"]
    index = (bag / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in index and "&lt;script&gt;" in index


def test_latest_version_by_default_all_versions_on_request(ws: Workspace, tmp_path: Path) -> None:
    path = ws.put(f"{BASE_A}/TW1/RHK-01/laporan.pdf", make_pdf("versi pertama"))
    ws.cli("ingest")
    path.write_bytes(make_pdf("versi kedua, diperbaiki"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    ws.cli("ingest")

    _export(ws, tmp_path / "latest.zip", "--nip", NIP_A, "--tahun", "2026")
    latest = _payload(_unzip(tmp_path / "latest.zip", tmp_path / "a"))
    assert latest == {f"{NIP_A}/TW1/RHK-01/laporan.pdf": make_pdf("versi kedua, diperbaiki")}

    _export(ws, tmp_path / "all.zip", "--nip", NIP_A, "--tahun", "2026", "--all-versions")
    bag = _unzip(tmp_path / "all.zip", tmp_path / "b")
    bagit.Bag(str(bag)).validate()
    assert _payload(bag) == {f"{NIP_A}/TW1/RHK-01/laporan (versi 1).pdf": make_pdf("versi pertama"),
                             f"{NIP_A}/TW1/RHK-01/laporan (versi 2).pdf": make_pdf("versi kedua, diperbaiki")}


def test_removed_files_only_when_asked(ws: Workspace, tmp_path: Path) -> None:
    ws.put(f"{BASE_A}/TW1/RHK-01/tetap.pdf", make_pdf("tetap"))
    ws.put(f"{BASE_A}/TW1/RHK-01/dihapus.pdf", make_pdf("dihapus"))
    ws.cli("ingest")
    with ws.open() as archive, archive.catalog.begin() as conn:  # what the watcher records on removal
        conn.execute(submissions.update().where(submissions.c.name == "dihapus.pdf")
                     .values(removed_at="2026-03-03T00:00:00.000000Z"))
    _export(ws, tmp_path / "a.zip", "--nip", NIP_A, "--tahun", "2026")
    assert set(_payload(_unzip(tmp_path / "a.zip", tmp_path / "a"))) == {f"{NIP_A}/TW1/RHK-01/tetap.pdf"}
    _export(ws, tmp_path / "b.zip", "--nip", NIP_A, "--tahun", "2026", "--include-removed")
    assert set(_payload(_unzip(tmp_path / "b.zip", tmp_path / "b"))) == {
        f"{NIP_A}/TW1/RHK-01/tetap.pdf", f"{NIP_A}/TW1/RHK-01/dihapus.pdf"}


def test_flipped_byte_in_the_unpacked_payload_is_named(ws: Workspace, evidence: dict[str, bytes],
                                                       tmp_path: Path) -> None:
    out = tmp_path / "a.zip"
    _export(ws, out, "--nip", NIP_A, "--tahun", "2026")
    bag = _unzip(out, tmp_path / "x")
    victim = bag / "data" / NIP_A / "TW1" / "RHK-02" / "notulen.docx"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))

    with pytest.raises(bagit.BagValidationError) as exc:
        bagit.Bag(str(bag)).validate()
    assert "notulen.docx" in str(exc.value)
    res = ws.cli("verify-bag", str(bag))
    assert res.exit_code == 1 and "notulen.docx" in res.output and "sha256" in res.output
    assert ws.cli("verify-bag", str(out)).exit_code == 0  # the zip itself is untouched


def test_flipped_byte_inside_the_zip_is_named(ws: Workspace, evidence: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "a.zip"
    _export(ws, out, "--nip", NIP_A, "--tahun", "2026")
    res = ws.cli("verify-bag", str(out), "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["ok"] is True

    name = f"a/data/{NIP_A}/TW1/RHK-01/laporan kegiatan.pdf"
    with zipfile.ZipFile(out) as zf:
        info = zf.getinfo(name)
    assert info.compress_type == zipfile.ZIP_STORED
    raw = bytearray(out.read_bytes())
    header = info.header_offset
    name_len = int.from_bytes(raw[header + 26:header + 28], "little")
    extra_len = int.from_bytes(raw[header + 28:header + 30], "little")
    raw[header + 30 + name_len + extra_len + info.file_size // 2] ^= 0x20
    out.write_bytes(bytes(raw))

    res = ws.cli("verify-bag", str(out), "--json")
    assert res.exit_code == 1
    problems = json.loads(res.stdout)["problems"]
    assert problems and all(p["path"] == name[2:] for p in problems), problems
    human = ws.cli("verify-bag", str(out))
    assert human.exit_code == 1 and "laporan kegiatan.pdf" in human.output and "TIDAK VALID" in human.output


def test_copy_and_hardlink_give_the_same_bag_and_never_touch_blobs(ws: Workspace, evidence: dict[str, bytes],
                                                                   tmp_path: Path) -> None:
    from archiver.bags import ExportCriteria, export_bag

    criteria = ExportCriteria(tahun=2026, nips=(NIP_A,))
    with ws.open() as archive:
        linked = export_bag(archive, criteria, tmp_path / "linked.zip")
        copied = export_bag(archive, criteria, tmp_path / "copied.zip", hardlinks=False)
        blob_modes = set()
        for sha in archive.store.digests():
            with archive.store.local_path(sha) as blob:
                blob_modes.add(blob.stat().st_mode)
    assert linked.hardlinked == 4 and linked.copied == 0 and copied.copied == 4 and copied.hardlinked == 0
    manifests = []
    for z, d in (("linked.zip", "l"), ("copied.zip", "c")):
        bag = _unzip(tmp_path / z, tmp_path / d)
        bagit.Bag(str(bag)).validate()
        manifests.append((bag / "manifest-sha512.txt").read_text())
    assert manifests[0] == manifests[1]
    assert {stat.S_IMODE(m) for m in blob_modes} == {0o440}
    assert ws.cli("verify").exit_code == 0


def test_refusals(ws: Workspace, evidence: dict[str, bytes], tmp_path: Path) -> None:
    inside = ws.drop / "paket.zip"
    res = ws.cli("export", "--nip", NIP_A, "--tahun", "2026", "-o", str(inside))
    assert res.exit_code == 2 and "berada di dalam share" in res.output and not inside.exists()
    res = ws.cli("export", "--nip", NIP_A, "--tahun", "2024", "-o", str(tmp_path / "kosong.zip"))
    assert res.exit_code == 1 and "tidak ada yang diekspor" in res.output and not (tmp_path / "kosong.zip").exists()
    res = ws.cli("export", "--nip", "12345", "--tahun", "2026", "-o", str(tmp_path / "p.zip"))
    assert res.exit_code == 2 and "18" in res.output
    res = ws.cli("export", "--nip", NIP_A, "--tahun", "2026", "-o", str(tmp_path / "p.tar"))
    assert res.exit_code == 2 and "zip" in res.output
    (tmp_path / "ada.zip").write_bytes(b"lama")
    res = ws.cli("export", "--nip", NIP_A, "--tahun", "2026", "-o", str(tmp_path / "ada.zip"))
    assert res.exit_code == 2 and (tmp_path / "ada.zip").read_bytes() == b"lama"
    with ws.open() as archive, archive.catalog.read() as conn:
        assert conn.execute(sa.select(events).where(events.c.kind == "exported")).first() is None
    assert ws.cli("export", "--nip", NIP_A, "--tahun", "2026", "-o", str(tmp_path / "ada.zip"),
                  "--force").exit_code == 0


def test_unit_needs_the_skp_model(ws: Workspace, tmp_path: Path) -> None:
    res = ws.cli("export", "--unit", "Bagian Umum", "--tahun", "2026", "-o", str(tmp_path / "u.zip"))
    assert res.exit_code == 2 and "unit" in res.output
    assert not (tmp_path / "u.zip").exists()


def test_verify_bag_reports_every_problem_of_a_tampered_zip(ws: Workspace, evidence: dict[str, bytes],
                                                             tmp_path: Path) -> None:
    out = tmp_path / "a.zip"
    _export(ws, out, "--nip", NIP_A, "--tahun", "2026")
    tampered = tmp_path / "b.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            if info.filename.endswith("notulen.docx"):
                continue  # a file taken out
            dst.writestr(info, src.read(info))
        dst.writestr("a/data/tambahan.pdf", b"%PDF-1.4 slipped in")
    res = ws.cli("verify-bag", str(tampered), "--json")
    kinds = {(p["kind"], p["path"].rsplit("/", 1)[-1]) for p in json.loads(res.stdout)["problems"]}
    assert res.exit_code == 1
    assert {("missing", "notulen.docx"), ("unexpected", "tambahan.pdf"), ("oxum", "bag-info.txt")} <= kinds


@pytest.mark.parametrize(("raw", "safe"), [
    ("CON.pdf", "CON_.pdf"), ("nul", "nul_"), ("com1.txt", "com1_.txt"), ("LPT9.tar.gz", "LPT9_.tar.gz"),
    ("a:b?.pdf", "a_b_.pdf"), ('x<>"|*.pdf', "x_____.pdf"), ("laporan. . ", "laporan"), ("..", "_"),
    ("  ", "_"), ("a\x00b\x1f.pdf", "a_b_.pdf"), (unicodedata.normalize("NFD", "é.pdf"), "é.pdf"),
    ("back\\slash/.pdf", "back_slash_.pdf"), ("CONSOLE.pdf", "CONSOLE.pdf"),
])
def test_safe_component(raw: str, safe: str) -> None:
    assert safe_component(raw) == safe


def test_safe_component_limits() -> None:
    long = safe_component("n" * 300 + ".pdf")
    assert len(long) == MAX_COMPONENT and long.endswith(".pdf")
    wide = safe_component("🙂" * 100 + ".pdf")  # 4 bytes each in UTF-8
    assert len(wide.encode()) <= 250 and wide.endswith(".pdf")
    alloc = NameAllocator("bag/data")
    paths = [alloc.allocate(["1" * 18, "TW1", "R" * 119, "s" * 119], "f" * 119 + ".pdf") for _ in range(12)]
    assert len(set(paths)) == 12 and all(len("bag/data/" + p) <= MAX_PATH for p in paths)


def test_a_damaged_blob_stops_the_export_and_is_named(ws: Workspace, evidence: dict[str, bytes],
                                                      tmp_path: Path) -> None:
    sha = hashlib.sha256(evidence[f"{BASE_A}/TW1/RHK-02/notulen.docx"]).hexdigest()
    with ws.open() as archive, archive.store.open(sha) as fh:
        data = bytearray(fh.read())
    data[10] ^= 0xFF
    ws.replace_blob(sha, bytes(data))  # bit rot on the archive disk (or in the bucket)
    out = tmp_path / "rusak.zip"
    res = ws.cli("export", "--nip", NIP_A, "--tahun", "2026", "-o", str(out))
    assert res.exit_code == 1 and sha in res.output and "notulen.docx" in res.output
    assert not out.exists() and not list(tmp_path.glob(".rusak.zip.*"))
    with ws.open() as archive, archive.catalog.read() as conn:
        assert conn.execute(sa.select(events).where(events.c.kind == "exported")).first() is None
