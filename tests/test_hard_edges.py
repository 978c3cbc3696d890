"""Hard edges (issue 14, items 1 and 7): names that are not UTF-8, a full disk, an index that
one file could blow up, and the smaller rough spots. Real files, real SQLite, real processes;
the full disk is a real (small) tmpfs."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import signal
import string
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import NIP_A, Workspace, make_pdf, wait_for
from fastapi.testclient import TestClient

from archiver import accounts
from archiver.catalog import core as subs
from archiver.config import write_workspace
from archiver.extract.formats import extract_image
from archiver.extract.model import ExtractLimits
from archiver.nip import NipError, parse_nip
from archiver.pathpattern import DEFAULT_PATTERN, PathPattern
from archiver.search import backend_of
from archiver.web.app import create_app
from archiver.web.auth import WebSettings

FOLDER = f"{NIP_A}/2026/TW1/RHK-01"
BAD = b"bad\xff\xfe.txt"  # not UTF-8: what old Windows tools and zip extractors leave behind
PASSWORD = "rahasia-kantor-2026"


def put_bytes_name(ws: Workspace, folder: str, name: bytes, data: bytes) -> bytes:
    """A file whose name is raw bytes; returns its full path as bytes."""
    d = os.fsencode(ws.drop / folder)
    os.makedirs(d, exist_ok=True)
    full = d + b"/" + name
    with open(full, "wb") as fh:
        fh.write(data)
    return full


def set_key(ws: Workspace, section: str, key: str, value: str) -> None:
    """Change one key of watch_config.toml, as an operator would (adds it when absent)."""
    text = ws.config_path.read_text(encoding="utf-8")
    text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
    if n == 0:
        text = text.replace(f"[{section}]\n", f"[{section}]\n{key} = {value}\n", 1)
    ws.config_path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- hostile names

def test_a_name_that_is_not_utf8_is_archived_with_its_bytes_and_the_others_too(ws: Workspace) -> None:
    for i in range(3):
        ws.put(f"{FOLDER}/ok{i}.txt", f"laporan kegiatan nomor {i}\n")
    put_bytes_name(ws, FOLDER, BAD, b"laporan dari komputer lama\n")
    r = ws.run("ingest")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "bad\\xff\\xfe.txt" in r.stdout  # the readable form: each bad byte as \xNN
    with ws.open() as archive:
        rows = list(subs.list_submissions(archive.catalog))
    assert sorted(row["status"] for row in rows) == ["archived"] * 4
    bad = next(row for row in rows if row["name"].startswith("bad"))
    assert bad["relpath"] == f"{FOLDER}/bad\\xff\\xfe.txt" and bad["nip"] == NIP_A
    assert bytes.fromhex(bad["relpath_hex"]) == os.fsencode(FOLDER) + b"/" + BAD  # the original bytes
    assert all(row["relpath_hex"] is None for row in rows if row is not bad)
    with ws.db() as conn:  # the custody detail survived too
        details = [json.loads(d) for (d,) in conn.execute(
            "select detail from events where submission_id = ? order by seq", (bad["id"],))]
    assert [d["path"] for d in details] == [bad["relpath"]] * 2
    assert all(bytes.fromhex(d["path_hex"]) == bytes.fromhex(bad["relpath_hex"]) for d in details)
    # the next pass knows the file by its bytes: nothing new, nothing re-archived
    again = ws.run("ingest")
    assert again.returncode == 0 and "Traceback" not in again.stderr
    assert "tidak ada yang baru" in again.stderr
    # renamed to another hostile name: a move, the submission follows
    src = os.fsencode(ws.drop / FOLDER) + b"/" + BAD
    dst = os.fsencode(ws.drop / FOLDER) + b"/lagi\xe9.txt"
    os.rename(src, dst)
    moved = ws.run("ingest", "--json")
    assert moved.returncode == 0, moved.stderr
    out = [json.loads(line) for line in moved.stdout.splitlines() if line.strip()]
    assert [o["status"] for o in out] == ["moved"] and out[0]["path"].endswith("lagi\\xe9.txt")
    with ws.open() as archive:
        row = subs.submission(archive.catalog, bad["id"])
    assert row is not None and bytes.fromhex(row["relpath_hex"]).endswith(b"/lagi\xe9.txt")


def test_names_differing_only_in_bad_bytes_stay_two_files(ws: Workspace) -> None:
    # Windows-1252 names read as UTF-8: 'é' and 'è' would both become U+FFFD; the catalog keeps them apart
    put_bytes_name(ws, FOLDER, b"Laporan \xe9.txt", b"laporan pertama\n")
    put_bytes_name(ws, FOLDER, b"Laporan \xe8.txt", b"laporan kedua\n")
    assert ws.run("ingest").returncode == 0
    with ws.open() as archive:
        rows = list(subs.list_submissions(archive.catalog))
    assert sorted(r["name"] for r in rows) == ["Laporan \\xe8.txt", "Laporan \\xe9.txt"]
    assert ws.run("ingest").stderr.strip().endswith("tidak ada yang baru.")


def test_the_watcher_archives_a_hostile_name_and_keeps_running(ws: Workspace) -> None:
    text = ws.config_path.read_text(encoding="utf-8")
    text = re.sub(r"^settle_seconds = .*$", "settle_seconds = 0.2", text, flags=re.MULTILINE)
    ws.config_path.write_text(text, encoding="utf-8")
    log = ws.root / "watch.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), "watch"],
                                stdout=out, stderr=out, text=True)
    state = ws.root / "archive" / "watcher.json"
    try:
        wait_for(lambda: state.exists() and json.loads(state.read_text())["state"] == "running",
                 what="archiver watch to start")
        put_bytes_name(ws, FOLDER, BAD, b"laporan dari komputer lama\n")
        ws.put(f"{FOLDER}/sesudah.txt", "laporan yang datang sesudahnya\n")

        def both_archived() -> bool:
            assert proc.poll() is None, f"archiver watch exited ({proc.returncode}): {log.read_text()}"
            counts = json.loads(state.read_text()).get("counts", {})
            return counts.get("archived", 0) >= 2

        wait_for(both_archived, what="both files archived")
        time.sleep(1.5)  # a few more state writes
        assert proc.poll() is None, log.read_text()
        written = json.loads(state.read_text(encoding="utf-8"))
        assert any(e["path"].endswith("bad\\xff\\xfe.txt") for e in written["latest"])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert "Traceback" not in log.read_text()
    assert proc.returncode == 0


# --------------------------------------------------------------------------- full disk

@contextmanager
def small_disk(where: Path, size: str = "4m") -> Iterator[Path]:
    """A real, small file system (tmpfs). Mounting needs root: CI runs as root."""
    if os.geteuid() != 0:
        pytest.fail("the full-disk test mounts a small tmpfs and must run as root (as CI does)")
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            fh.flush()
        except OSError:
            pass


@pytest.mark.embedded("a full disk under the SQLite catalog and the local blobs")
def test_a_full_disk_ends_every_command_clearly_and_leaves_search_and_verify_working(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        cfg = write_workspace(disk / "ws")
        ws = Workspace(cfg.parent, cfg)
        ws.put(f"{FOLDER}/laporan.pdf", make_pdf("Laporan sosialisasi kinerja"))
        ws.put(f"{FOLDER}/notulen.txt", "notulen rapat sosialisasi kinerja\n")
        assert ws.run("ingest").returncode == 0
        fill(disk)
        try:
            ws.put(f"{FOLDER}/baru.txt", "x" * 200_000)  # the copy itself may fail half-way: a real disk
        except OSError:
            pass
        for args in (("ingest",), ("reindex",), ("verify",), ("search", "sosialisasi"), ("status",), ("list",)):
            r = ws.run(*args)
            assert "Traceback" not in r.stderr, (args, r.stderr)
            assert "math domain error" not in r.stdout + r.stderr, args
            assert r.returncode in (0, 1, 2), (args, r.returncode)
            if r.returncode:
                assert "Disk penuh" in r.stderr, (args, r.stderr)
        verify = ws.run("verify")
        assert verify.returncode == 0 and "Arsip utuh." in verify.stdout
        assert "tidak dicatat" in verify.stderr  # the verified event could not be written: said so
        found = ws.run("search", "sosialisasi", "--json")
        assert found.returncode == 0
        assert {json.loads(line)["name"] for line in found.stdout.splitlines()} == {"laporan.pdf", "notulen.txt"}
        (disk / "filler").unlink()  # space freed: the copy is done again and archived
        ws.put(f"{FOLDER}/baru.txt", "laporan baru " * 1000)
        after = ws.run("ingest")
        assert after.returncode == 0 and "Traceback" not in after.stderr, after.stderr
        assert "archived" in after.stdout and "baru.txt" in after.stdout


def test_an_index_with_no_documents_answers_no_results(ws: Workspace) -> None:
    with ws.open() as archive:  # a first build cut short (a full disk) leaves an empty generation
        backend = backend_of(archive)
        backend.create()
    r = ws.run("search", "laporan")
    assert r.returncode == 0, r.stderr
    assert "math domain error" not in r.stdout + r.stderr and "0 hasil" in r.stdout + r.stderr


# --------------------------------------------------------------------------- index cap

def test_a_file_of_many_distinct_words_does_not_blow_up_the_index(ws: Workspace) -> None:
    rng = random.Random(14)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 10))) for _ in range(150_000)]
    text = "rekapitulasi " * 50 + " ".join(words)
    ws.put(f"{FOLDER}/kata.txt", text)
    assert ws.run("ingest").returncode == 0
    index = ws.root / "index"
    size = sum(p.stat().st_size for p in index.iterdir() if p.is_file())
    # uncapped, this file made an index of ~60 MB (about 400 bytes per distinct word)
    assert size < 3 * 1024 * 1024 and size < 3 * len(text), f"index {size} bytes for {len(text)} bytes of text"
    hits = ws.run("search", "rekapitulasi", "--json").stdout.splitlines()
    assert [json.loads(h)["name"] for h in hits] == ["kata.txt"]  # the frequent word stays searchable
    # the cap is configurable: a higher one lets more of the document in
    set_key(ws, "index", "max_words_per_document", "15000")
    assert ws.run("reindex").returncode == 0
    bigger = sum(p.stat().st_size for p in index.iterdir() if p.is_file())
    assert bigger > size * 2


# --------------------------------------------------------------------------- smaller items

def test_ingest_of_a_file_still_being_written_says_so_and_fails(ws: Workspace) -> None:
    path = ws.put(f"{FOLDER}/rekaman.txt", "baris laporan\n" * 400_000)
    stop = threading.Event()

    def writer() -> None:
        with open(path, "a") as fh:
            while not stop.is_set():
                fh.write("baris tambahan\n" * 200)
                fh.flush()
                time.sleep(0.001)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        r = ws.run("ingest", str(path))
    finally:
        stop.set()
        t.join()
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "tidak ada yang baru" not in r.stderr and "masih berubah" in r.stderr
    assert "changing" in r.stdout
    with ws.open() as archive:
        assert list(subs.list_submissions(archive.catalog)) == []  # nothing half-copied was recorded
    done = ws.run("ingest", str(path))  # once the copy is finished it is archived
    assert done.returncode == 0 and "archived" in done.stdout


def test_the_image_bomb_message_quotes_the_configured_limit(tmp_path: Path) -> None:
    from PIL import Image

    limits = ExtractLimits(max_pixels=1_000_000)
    over_twice = tmp_path / "besar.png"  # over twice the limit: Pillow itself refuses it
    Image.new("1", (1500, 1500)).save(over_twice)
    over = tmp_path / "agak.png"  # between the limit and twice it
    Image.new("1", (1200, 1000)).save(over)
    for p in (over_twice, over):
        e = extract_image(p, limits)
        assert e.status == "no_text" and "1,000,000" in (e.reason or ""), e.reason
        assert "2,000,000" not in (e.reason or "") and "2000000" not in (e.reason or "")


def test_full_width_digits_are_read_alike_in_every_folder() -> None:
    pattern = PathPattern(DEFAULT_PATTERN)
    full = "".join(chr(ord(c) + 0xFEE0) for c in NIP_A)  # １９８５…
    for path in (f"{NIP_A}/２０２６/TW１/RHK-01/a.pdf", f"{full}/2026/ＴＷ１/RHK-01/a.pdf",
                 f"{full}/２０２６/01/RHK-01/a.pdf"):
        link = pattern.parse(path)
        assert link.problem is None, (path, link.problem)
        assert link.key.nip == NIP_A and link.key.tahun == 2026 and link.key.periode in ("TW1", "01")
    assert parse_nip(full).nip == NIP_A
    with pytest.raises(NipError, match="hanya boleh berisi angka 0-9"):
        parse_nip(NIP_A[:-1] + "\u0663")  # an Arabic-Indic three is a digit to Python, not to a NIP


def test_full_width_folders_are_linked_by_ingest(ws: Workspace) -> None:
    ws.put("１９８５０３１５２０１００１１００２/２０２６/TW１/RHK-01/laporan.pdf", make_pdf("Laporan"))
    out = ws.cli_json("ingest")
    assert [(o["status"], o["nip"], o["tahun"], o["periode"]) for o in out] == [("archived", NIP_A, 2026, "TW1")]


def test_quiet_ingest_prints_no_line_per_file(ws: Workspace) -> None:
    for i in range(3):
        ws.put(f"{FOLDER}/laporan{i}.pdf", make_pdf(f"Laporan {i}"))
    r = ws.run("-q", "ingest")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
    ws.put(f"{FOLDER}/program.exe", b"MZ\x90\x00" + b"\x00" * 56 + (64).to_bytes(4, "little") + b"PE\x00\x00"
           + b"\x4c\x01" + b"\x00" * 300)
    r = ws.run("-q", "ingest")
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and "program.exe" in r.stderr  # only the problem, on stderr


def test_the_api_description_needs_a_login(ws: Workspace) -> None:
    with ws.open() as archive:
        accounts.add_user(archive.catalog, "ani", "pegawai", PASSWORD, nip=NIP_A, now=archive.now())
    app = create_app(ws.config, settings=WebSettings(api_docs=True))
    c = TestClient(app)
    for url in ("/openapi.json", "/docs", "/redoc"):
        r = c.get(url, follow_redirects=False)
        assert r.status_code in (303, 401, 404), (url, r.status_code)
        assert "openapi" not in r.text.lower() or r.status_code == 303
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = c.post("/login", data={"username": "ani", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303
    spec = c.get("/openapi.json")
    assert spec.status_code == 200 and "/api/evidence/{sha256}" in spec.json()["paths"]
    assert c.get("/docs").status_code == 200


def test_lockout_per_address_decays_like_per_user_name(ws: Workspace) -> None:
    with ws.open() as archive:
        catalog = archive.catalog
        t = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
        ip = "10.0.0.1"  # an office behind one NAT
        for i in range(accounts.FREE_ATTEMPTS["ip"]):
            accounts.record_failure(catalog, f"pegawai{i}", ip, t)
            t += dt.timedelta(seconds=1)
        assert accounts.locked_for(catalog, "siapa", ip, t) > 0  # many failures at once: locked
        # a quiet afternoon later, one typo must not lock everyone from that address again
        t += dt.timedelta(hours=6)
        assert accounts.locked_for(catalog, "siapa", ip, t) == 0
        accounts.record_failure(catalog, "ani", ip, t)
        assert accounts.locked_for(catalog, "budi", ip, t) == 0
        # the same holds for a user name: old failures fade
        for _ in range(accounts.FREE_ATTEMPTS["user"]):
            accounts.record_failure(catalog, "citra", f"10.0.1.{_}", t)
        assert accounts.locked_for(catalog, "citra", "10.0.2.1", t) > 0
        t += dt.timedelta(hours=6)
        accounts.record_failure(catalog, "citra", "10.0.2.1", t)
        assert accounts.locked_for(catalog, "citra", "10.0.2.1", t) == 0
