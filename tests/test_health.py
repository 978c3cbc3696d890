"""/healthz and /metrics: real workspaces, a real watcher process, a real server with two workers.

/healthz needs no login, names the failing part and never a path; /metrics is for an admin
or a configured scrape address, and its numbers come from the catalog (the same whichever
worker answers) or, for searches and failed logins, are added up over the worker processes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import NIP_A, FixedClock, Workspace, make_pdf
from fastapi.testclient import TestClient
from test_web import PASSWORD, login
from test_web_e2e import free_port

from archiver.accounts import add_user
from archiver.web.app import create_app


def _app(ws: Workspace, clock: object = None) -> TestClient:
    kw = {"clock": clock} if clock is not None else {}
    return TestClient(create_app(ws.config, **kw))  # type: ignore[arg-type]


def _seed(ws: Workspace, n: int = 3) -> None:
    for i in range(n):
        ws.put(f"{NIP_A}/2026/TW1/RHK-01/laporan{i}.pdf", make_pdf(f"Laporan pengawasan gedung nomor {i}"))
    assert ws.cli("ingest").exit_code == 0


def _start_watcher(ws: Workspace) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), "watch"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    state = ws.root / "archive" / "watcher.json"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if json.loads(state.read_text())["last_reconcile_at"]:
                return proc
        except (OSError, ValueError, KeyError):
            pass
        assert time.monotonic() < deadline, "the watcher did not finish its first scan"
        time.sleep(0.1)


@contextmanager
def _store_unreachable(ws: Workspace) -> Iterator[None]:
    """The blob store gone for real: the local blob folder moved away, or the S3 bucket deleted
    (its objects kept aside and put back after)."""
    with ws.open() as archive:
        store: Any = archive.store
    if hasattr(store, "path_of"):
        blobs = ws.root / "archive" / "blobs"
        blobs.rename(blobs.with_name("blobs.moved"))
        try:
            yield
        finally:
            blobs.with_name("blobs.moved").rename(blobs)
        return
    client, bucket = store.client, store.bucket
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    saved = {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}
    for key in keys:
        client.delete_object(Bucket=bucket, Key=key)
    client.delete_bucket(Bucket=bucket)
    try:
        yield
    finally:
        client.create_bucket(Bucket=bucket)
        for key, body in saved.items():
            client.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256")


def test_healthz_names_the_failing_part_and_no_paths(ws: Workspace) -> None:
    _seed(ws)
    c = _app(ws)
    r = c.get("/healthz")  # no watcher has ever run here
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "gagal"
    assert {k: v["ok"] for k, v in body["checks"].items()} == {"catalog": True, "store": True, "index": True,
                                                                "watcher": False}
    assert body["checks"]["watcher"]["state"] == "absent"
    r = c.get("/healthz", params=[("check", "catalog"), ("check", "store"), ("check", "index")])
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert c.get("/healthz", params={"check": "semua"}).status_code == 400
    assert "no-store" in r.headers["cache-control"]

    # Break each part for real: the index pointer, then the store's folder.
    current = next((ws.root / "index").glob("CURRENT*"), None) or (ws.root / "index" / "CURRENT")
    saved = current.read_bytes()
    current.write_text("{rusak")
    r = c.get("/healthz", params=[("check", "index")])
    assert r.status_code == 503 and r.json()["checks"]["index"]["ok"] is False
    current.write_bytes(saved)
    with _store_unreachable(ws):
        r = c.get("/healthz", params=[("check", "store"), ("check", "catalog")])
        assert r.status_code == 503
        assert r.json()["checks"] == {"catalog": {"ok": True}, "store": {
            "ok": False, "reason": "penyimpanan berkas tidak dapat dibaca"}}
    assert str(ws.root) not in r.text and "blobs" not in r.text


def test_healthz_follows_a_real_watcher(ws: Workspace) -> None:
    _seed(ws, 1)
    proc = _start_watcher(ws)
    try:
        r = _app(ws).get("/healthz")
        assert r.status_code == 200, r.text
        watcher = r.json()["checks"]["watcher"]
        assert watcher["ok"] is True and watcher["state"] == "running" and watcher["last_reconcile_at"]
        # Three minutes later without a fresh state file, the watcher counts as gone (kill -9, a hung host).
        later = FixedClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3))
        r = _app(ws, later).get("/healthz")
        assert r.status_code == 503
        assert r.json()["checks"]["watcher"]["reason"] == "pemantau tidak berjalan (statusnya tidak diperbarui)"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    r = _app(ws).get("/healthz")
    assert r.status_code == 503 and r.json()["checks"]["watcher"]["reason"] == "pemantau berhenti"


def test_metrics_need_an_admin_and_count_from_the_catalog(ws: Workspace) -> None:
    _seed(ws, 3)
    with ws.open() as archive:
        add_user(archive.catalog, "admin", "admin", PASSWORD, now=archive.now())
        add_user(archive.catalog, "ani", "pegawai", PASSWORD, nip=NIP_A, now=archive.now())
    assert ws.cli("verify").exit_code == 0
    anonymous = _app(ws)
    assert anonymous.get("/metrics", follow_redirects=False).status_code == 401
    pegawai = _app(ws)
    assert login(pegawai, "ani").status_code == 303  # type: ignore[attr-defined]
    assert pegawai.get("/metrics").status_code == 403
    admin = _app(ws)
    assert login(admin, "admin").status_code == 303  # type: ignore[attr-defined]
    assert login(_app(ws), "admin", "salah").status_code == 401  # type: ignore[attr-defined]
    assert admin.get("/api/search", params={"q": "pengawasan"}).status_code == 200
    text = admin.get("/metrics").text
    assert 'archiver_submissions{status="archived"} 3.0' in text
    assert "archiver_index_pending 0.0" in text
    assert "archiver_index_queue_length 0.0" in text
    assert "archiver_verify_runs_total 1.0" in text and "archiver_verify_failures_total 0.0" in text
    assert 'archiver_ingest_latency_seconds_bucket{le="+Inf"} 3.0' in text
    assert "archiver_ingest_latency_seconds_count 3.0" in text
    assert re.search(r'archiver_search_seconds_count\{endpoint="api"\} [1-9]', text)

    # A damaged blob: the next verify fails, and the metric says so.
    with ws.open() as archive:
        ws.replace_blob(next(iter(archive.store.digests())), b"diubah")
    assert ws.cli("verify").exit_code == 1
    text = admin.get("/metrics").text
    assert "archiver_verify_runs_total 2.0" in text and "archiver_verify_failures_total 1.0" in text
    assert "archiver_verify_last_ok 0.0" in text


def _login(c: httpx.Client, name: str, password: str) -> int:
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    return c.post("/login", data={"username": name, "password": password, "csrf_token": token.group(1),
                                  "next": "/"}).status_code


def test_two_workers_scrape_address_json_logs(ws: Workspace, tmp_path: Path) -> None:
    _seed(ws, 2)
    cfg = ws.config_path.read_text().replace("metrics_allow = []", 'metrics_allow = ["127.0.0.0/8"]')
    ws.config_path.write_text(cfg)
    assert ws.cli("user", "add", "admin", "--role", "admin", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), "serve", "--port",
                             str(port), "--workers", "2", "--json-log"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                if httpx.get(f"{base}/healthz", params={"check": "catalog"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        with httpx.Client(base_url=base) as c:
            for _ in range(4):  # whichever worker answers each one
                assert _login(c, "admin", "salah") == 401
            assert _login(c, "admin", PASSWORD) == 303
            for _ in range(5):
                assert c.get("/api/search", params={"q": "pengawasan"}).status_code == 200
        for _ in range(8):  # the scraper's address needs no session; every answer adds up all workers
            text = httpx.get(f"{base}/metrics").text
            assert 'archiver_login_failures_total{reason="password"} 4.0' in text
            assert 'archiver_search_seconds_count{endpoint="api"} 5.0' in text
            assert 'archiver_submissions{status="archived"} 2.0' in text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    err = proc.stderr.read() if proc.stderr else ""
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert len(lines) == len([x for x in err.splitlines() if x.strip()]), err[:2000]
    access = [x for x in lines if x.get("logger") == "uvicorn.access"]
    assert any(x["path"].startswith("/api/search") and x["status"] == 200 for x in access)
    assert any(x["method"] == "POST" and x["status"] == 401 for x in access)


@pytest.mark.parametrize("value", [["10.0.0.300"], ["kantor"]])
def test_metrics_allow_refuses_what_is_not_an_address(ws: Workspace, value: list[str]) -> None:
    cfg = ws.config_path.read_text().replace("metrics_allow = []", f"metrics_allow = {json.dumps(value)}")
    ws.config_path.write_text(cfg)
    res = ws.cli("status")
    assert res.exit_code == 2
    assert "[web] metrics_allow" in res.output and value[0] in res.output
