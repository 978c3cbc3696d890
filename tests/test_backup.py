"""`archiver backup` / `archiver restore`: a real watcher ingests while the backup runs; the
restored archive verifies, holds the same rows, blobs and custody chain, and searches.

The catalog files are read here with sqlite3 directly (the tests are not the library: the
house rule keeps SQL inside archiver/catalog/, not inside tests). Backup and restore are of
the embedded default's folder; PostgreSQL and S3 have their own tools (pg_dump, bucket
replication), so those two tests run on the embedded stack only.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import NIP_A, Workspace, make_pdf, set_config_value

from archiver.config import write_workspace

TABLES = {"submissions": "id", "events": "seq", "blobs": "sha256"}


def _dump(catalog: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY {key}").fetchall() for t, key in TABLES.items()}
    finally:
        conn.close()


def _archiver(*args: str, config: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    head = [sys.executable, "-m", "archiver", "--quiet", *(["--config", str(config)] if config else [])]
    return subprocess.run([*head, *args], capture_output=True, text=True, timeout=timeout)


def _drop(ws: Workspace, i: int) -> None:
    ws.put(f"{NIP_A}/2026/TW1/RHK-01/laporan-{i:03d}.pdf", make_pdf(f"Laporan pengawasan gedung nomor {i}"))


@pytest.mark.embedded("backup/restore of the local archive folder: its SQLite file and blob files")
def test_backup_while_the_watcher_ingests_then_restore_verifies_identical(ws: Workspace, tmp_path: Path) -> None:
    ws.config_path.write_text(ws.config_path.read_text().replace("settle_seconds = 2.0", "settle_seconds = 0.2"))
    (ws.root / "templates").mkdir()
    (ws.root / "templates" / "skp_kuantitatif.docx").write_bytes(b"template kantor")
    for i in range(5):
        _drop(ws, i)
    assert ws.cli("ingest").exit_code == 0
    watcher = subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), "watch"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def dropping() -> None:  # staff keep dropping files during the backups
        i = 5
        while not stop.is_set() and i < 200:
            _drop(ws, i)
            i += 1
            time.sleep(0.05)

    dropper = threading.Thread(target=dropping)
    dest = tmp_path / "cadangan"
    try:
        dropper.start()
        time.sleep(1.5)
        first = _archiver("backup", str(dest), "--json", config=ws.config_path)
        assert first.returncode == 0, first.stderr
        time.sleep(1.0)
        second = _archiver("backup", str(dest), "--json", config=ws.config_path)  # an update of the same folder
        assert second.returncode == 0, second.stderr
        time.sleep(1.0)
    finally:
        stop.set()
        dropper.join()
        time.sleep(1.0)
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(60)
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert two["blobs"] > one["blobs"] > 5, "files were archived while the backups ran"
    assert two["blobs_copied"] == two["blobs"] - one["blobs"], "the second backup copied only the new blobs"
    assert {"config/watch_config.toml", "templates"} <= set(two["extras"])
    assert ("anchors" in two["extras"]) == (ws.root / "anchors").is_dir()
    check = subprocess.run(["sha256sum", "--quiet", "-c", "manifest-sha256.txt"], cwd=dest, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    source = _dump(ws.root / "archive" / "catalog.sqlite")
    backed = _dump(dest / "catalog.sqlite")
    assert len(source["submissions"]) > len(backed["submissions"]), "ingest went on after the snapshot"
    for table, rows in backed.items():  # the snapshot is a consistent prefix of the live catalog
        if table != "blobs":
            assert rows == source[table][:len(rows)], table
    assert set(backed["blobs"]) <= set(source["blobs"])

    target = tmp_path / "pulih"
    res = _archiver("restore", str(dest), str(target), "--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["blobs"] == two["blobs"] and report["indexed"] == len(backed["submissions"])
    assert (target / "templates" / "skp_kuantitatif.docx").read_bytes() == b"template kantor"
    restored = _dump(target / "archive" / "catalog.sqlite")
    assert restored == backed
    stored = sorted(p.name for p in (target / "archive" / "blobs").rglob("*") if p.is_file())
    assert stored == sorted(r[0] for r in backed["blobs"])

    config = target / "watch_config.toml"
    verify = _archiver("verify", "--json", config=config)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["ok"] is True
    hits = _archiver("search", "pengawasan", "--limit", "500", "--json", config=config)
    assert hits.returncode == 0, hits.stderr
    assert len(hits.stdout.splitlines()) == len(backed["submissions"])


@pytest.mark.embedded("backup/restore of the local archive folder: its SQLite file and blob files")
def test_restore_refuses_a_used_folder_and_a_damaged_or_unfinished_backup(ws: Workspace, tmp_path: Path) -> None:
    for i in range(3):
        _drop(ws, i)
    assert ws.cli("ingest").exit_code == 0
    dest = tmp_path / "cadangan"
    assert ws.cli("backup", str(dest)).exit_code == 0

    used = tmp_path / "terpakai"
    used.mkdir()
    (used / "catatan.txt").write_text("jangan ditimpa")
    res = _archiver("restore", str(dest), str(used))
    assert res.returncode == 2 and "tidak kosong" in res.stderr
    assert sorted(p.name for p in used.iterdir()) == ["catatan.txt"]

    blob = next(p for p in (dest / "blobs").rglob("*") if p.is_file())
    blob.chmod(0o644)
    original = blob.read_bytes()
    blob.write_bytes(b"rusak")
    res = _archiver("restore", str(dest), str(tmp_path / "pulih"))
    assert res.returncode == 1 and "rusak" in res.stderr and blob.name in res.stderr, res.stderr
    assert not (tmp_path / "pulih").exists() or not any((tmp_path / "pulih").iterdir())
    blob.write_bytes(original)

    (dest / "manifest-sha256.txt").unlink()
    res = _archiver("restore", str(dest), str(tmp_path / "pulih"))
    assert res.returncode == 2 and "manifest-sha256.txt tidak ada" in res.stderr

    # The next backup into the same folder completes it again; --link shares the blobs' inodes.
    linked = tmp_path / "tautan"
    assert ws.cli("backup", str(dest)).exit_code == 0
    assert ws.cli("backup", "--link", str(linked)).exit_code == 0
    res = _archiver("restore", str(linked), str(tmp_path / "pulih"))
    assert res.returncode == 0, res.stderr
    src_blob = next(p for p in (ws.root / "archive" / "blobs").rglob("*") if p.is_file())
    assert (linked / src_blob.relative_to(ws.root / "archive")).stat().st_ino == src_blob.stat().st_ino


@pytest.mark.embedded("checks of `archiver backup` for the local folder; a PostgreSQL catalog is refused before them")
def test_backup_refuses_postgres_and_unsafe_destinations(ws: Workspace, tmp_path: Path) -> None:
    res = ws.cli("backup", str(ws.root / "archive" / "cadangan"))
    assert res.exit_code == 2 and "[archive] path" in res.output
    res = ws.cli("backup", str(ws.drop / "cadangan"))
    assert res.exit_code == 2 and "[shares.drop] path" in res.output
    other = tmp_path / "lain"
    other.mkdir()
    (other / "foto.jpg").write_bytes(b"bukan cadangan")
    res = ws.cli("backup", str(other))
    assert res.exit_code == 2 and "bukan folder cadangan" in res.output

    pg = write_workspace(tmp_path / "pg")
    pg.write_text(set_config_value(pg.read_text(), "archive", "catalog_url", '"postgresql+psycopg://arsip@db/arsip"'))
    res = _archiver("backup", str(tmp_path / "pg-cadangan"), config=pg)
    assert res.returncode == 2
    assert "pg_dump" in res.stderr and "pg_restore" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "pg-cadangan").exists()
