"""Crash safety: kill -9 an ingest at random moments, again and again; then every file is
archived exactly once, no temp file counts as evidence, and verify is clean."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from conftest import NIP_A, NIP_B, make_pdf


@pytest.mark.slow
def test_kill_minus_nine_at_random_points_then_exactly_once(ws) -> None:
    rng = random.Random(20261123)
    expected: dict[str, bytes] = {}
    for i in range(480):  # enough work that several kills land in it (a command starts in ~0.3 s)
        nip = NIP_A if i % 2 else NIP_B
        rel = f"{nip}/2026/TW{i % 4 + 1}/RHK-0{i % 3 + 1}/bukti-{i:03d}.pdf"
        # a mix of small and larger files so kills land in copies, hashes and commits
        body = make_pdf(f"bukti {i} " + "isi " * rng.randint(10, 4000 if i % 10 else 200_000))
        if i % 17 == 0:
            body = make_pdf("surat tugas bersama")  # duplicates across pegawai
        expected[rel] = body
        ws.put(rel, body)

    cmd = [sys.executable, "-m", "archiver", "--config", str(ws.config_path), "--quiet", "ingest"]
    kills = 0
    for _ in range(8):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.2))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 3, "ingest finished too fast to be interrupted: make the files larger"

    final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr

    with ws.db() as db:
        rows = db.execute("select relpath, sha256, status from submissions").fetchall()
        blob_count = db.execute("select count(*) from blobs").fetchone()[0]
        statuses = [s for s, in db.execute("select status from submissions")]
    per_path: dict[str, list[tuple[str, str]]] = {}
    for relpath, sha, status in rows:
        per_path.setdefault(relpath, []).append((sha, status))
    assert set(per_path) == set(expected)
    import hashlib

    for rel, subs in per_path.items():
        assert len(subs) == 1, f"{rel} archived {len(subs)} times"
        sha, status = subs[0]
        assert status in ("archived", "duplicate")
        assert sha == hashlib.sha256(expected[rel]).hexdigest()
    unique = {hashlib.sha256(b).hexdigest() for b in expected.values()}
    assert blob_count == len(unique)
    assert sum(1 for s in statuses if s == "archived") == len(unique)

    verify = subprocess.run([*cmd[:-1], "verify", "--json"], capture_output=True, text=True, timeout=300)
    report = json.loads(verify.stdout)
    assert verify.returncode == 0 and report["problems"] == []
    assert report["blobs_checked"] == len(unique)
    leftover = list((ws.root / "archive" / "tmp").iterdir())
    assert leftover == []  # dead writers' temp files were cleaned by the next run
