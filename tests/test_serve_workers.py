"""`archiver serve --workers 2`: several server processes answer, each from the same archive."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
from conftest import NIP_A, Workspace, make_pdf
from test_web_e2e import free_port

PASSWORD = "kata-sandi-yang-panjang"


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            out.update(int(c) for c in fh.read().split())
    return out


def test_serve_with_two_workers_logs_in_and_searches(ws: Workspace) -> None:
    ws.put(f"{NIP_A}/2026/TW1/RHK-01/laporan.pdf", make_pdf("Laporan pengawasan gedung"))
    assert ws.cli("ingest").exit_code == 0
    assert ws.cli("user", "add", "auditor1", "--role", "auditor", "--password-stdin", input=PASSWORD + "\n")\
        .exit_code == 0
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), "--quiet", "serve",
                             "--port", str(port), "--workers", "2"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 2:  # uvicorn's supervisor and its two worker processes
            assert time.monotonic() < deadline, "two worker processes did not start"
            time.sleep(0.2)
        with httpx.Client(base_url=base, follow_redirects=False) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
            assert token
            r = c.post("/login", data={"username": "auditor1", "password": PASSWORD,
                                       "csrf_token": token.group(1), "next": "/"})
            assert r.status_code == 303
            for _ in range(6):  # whichever worker answers, the session (in the catalog) holds
                hits = c.get("/api/search", params={"q": "pengawasan"}).json()["results"]
                assert [h["name"] for h in hits] == ["laporan.pdf"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
