"""Work spread over nodes (issue 16, item 5): a job queue in the catalog, `archiver work`
processes taking jobs, leases that outlive a killed worker, jobs that fail for good after
``[work] max_attempts``, and `archiver status` listing every node by its heartbeat.

SQLite: inline mode is exactly today's behaviour; queue mode works with one `archiver work
--once`. PostgreSQL (a throwaway cluster): two and four real worker processes drain ~60
jobs exactly once, a SIGKILLed worker's job is finished by another after its lease, and a
poisoned job ends failed with its reason."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import NIP_A, NIP_B, Workspace, make_pdf, set_config_value, wait_for
from pgcluster import Cluster, pg_cluster  # noqa: F401

from archiver.catalog import jobs
from archiver.catalog import text as ctext
from archiver.config import write_workspace
from archiver.search import search

FILES = 60
WORDS = ["apel", "bebek", "cempaka", "delima", "elang", "flamboyan", "gurame", "harimau", "ikan", "jambu"]


def _word(i: int) -> str:
    """A word only file i holds (two words from a list of ten: 100 distinct pairs)."""
    return f"{WORDS[i % 10]}{WORDS[i // 10 % 10]}"


def _path(i: int, ext: str = "txt") -> str:
    return f"{NIP_A if i % 2 else NIP_B}/2026/TW1/RHK-0{i % 3 + 1}/laporan-{i:02d}.{ext}"


def _put_files(ws: Workspace, n: int, *, pdf_pages: int = 0) -> None:
    """n files, each with its own word: small text files, or PDFs of ``pdf_pages`` pages (real
    extraction work, as evidence mostly is)."""
    for i in range(n):
        if pdf_pages:
            ws.put(_path(i, "pdf"), make_pdf(f"Laporan kegiatan {_word(i)}", pages=pdf_pages))
        else:
            ws.put(_path(i), f"Laporan kegiatan nomor {i}: {_word(i)}\n" * 20)


def _configure(ws: Workspace, *, mode: str = "queue", lease: float = 60.0, attempts: int = 3,
               catalog_url: str | None = None) -> None:
    text = ws.config_path.read_text()
    for key, value in (("mode", f'"{mode}"'), ("lease_seconds", str(lease)), ("max_attempts", str(attempts)),
                       ("heartbeat_seconds", "0.5")):
        text = set_config_value(text, "work", key, value)
    if catalog_url is not None:
        text = set_config_value(text, "archive", "catalog_url", f'"{catalog_url}"')
    ws.config_path.write_text(text)


def _jobs(ws: Workspace) -> list[dict[str, Any]]:
    with ws.open() as archive:
        return jobs.jobs_of(archive.catalog)


def _status(ws: Workspace) -> dict[str, Any]:
    out = ws.run("status", "--json")
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout))


def _all_searchable(ws: Workspace, n: int, ext: str = "txt") -> None:
    with ws.open() as archive:
        for i in range(n):
            hits = search(archive, _word(i))
            assert [h["path"] for h in hits.results] == [f"drop/{_path(i, ext)}"], (i, _word(i))


def _blob_texts(ws: Workspace) -> set[str]:
    with ws.open() as archive:
        return {sha for sha, _ in ctext.digests_to_extract(archive.catalog, fresh=True)} - \
            {sha for sha, _ in ctext.digests_to_extract(archive.catalog)}


def _start(ws: Workspace, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------- SQLite

def test_inline_mode_is_unchanged(ws: Workspace) -> None:
    """The embedded default: no job is queued, text and index are done by ingest itself."""
    _put_files(ws, 5)
    ws.cli("ingest", str(ws.drop))
    assert _jobs(ws) == []
    _all_searchable(ws, 5)
    st = _status(ws)
    assert st["work"] == {"mode": "inline", "queued": 0, "running": 0, "done": 0, "failed": 0}
    assert st["nodes"] == [] and st["failed_jobs"] == []


def test_queue_mode_with_one_worker(ws: Workspace) -> None:
    _configure(ws)
    _put_files(ws, 8)
    ws.cli("ingest", str(ws.drop))
    queued = _jobs(ws)
    assert [j["state"] for j in queued] == ["queued"] * 8
    assert _blob_texts(ws) == set()  # nothing extracted by ingest
    ws.cli("ingest", str(ws.drop))  # nothing new: nothing queued twice
    assert len(_jobs(ws)) == 8

    out = ws.run("work", "--once", "--workers", "1", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"workers": 1, "queued": 0, "running": 0, "done": 8, "failed": 0}
    assert {(j["state"], j["attempts"]) for j in _jobs(ws)} == {("done", 1)}
    _all_searchable(ws, 8)
    st = _status(ws)
    (node,) = st["nodes"]
    assert node["role"] == "work" and node["state"] == "stopped" and node["jobs_done"] == 8
    assert st["work"]["done"] == 8
    assert "Antrean kerja (queue): 0 menunggu" in ws.cli("status").stdout


def test_run_starts_workers_in_queue_mode(ws: Workspace) -> None:
    """`archiver run` in queue mode: the watcher queues, this node's worker processes take the jobs,
    and `archiver status` lists the run process and its workers by their heartbeats."""
    _configure(ws)
    ws.config_path.write_text(set_config_value(ws.config_path.read_text(), "work", "workers", "1"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = _start(ws, "run", "--port", str(port))
    try:
        ws.put(_path(0), "Laporan kegiatan: mangga\n")
        wait_for(lambda: [j for j in _jobs(ws) if j["state"] == "done"], timeout=90, what="the job done")
        with ws.open() as archive:
            assert [h["path"] for h in search(archive, "mangga").results] == [f"drop/{_path(0)}"]
        roles = sorted((n["role"], n["state"]) for n in _status(ws)["nodes"])
        assert roles == [("run", "running"), ("work", "running")], roles
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err[-3000:]
    assert sorted((n["role"], n["state"]) for n in _status(ws)["nodes"]) == [("run", "stopped"), ("work", "stopped")]


# --------------------------------------------------------------------------- PostgreSQL

def _pg_workspace(tmp_path: Path, cluster: Cluster, name: str, **kw: Any) -> Workspace:
    cfg = write_workspace(tmp_path / name)
    ws = Workspace(cfg.parent, cfg)
    _configure(ws, catalog_url=cluster.new_database(name), **kw)
    ws.open().close()  # migrated once, before processes start
    return ws


def _ingest(ws: Workspace) -> None:
    out = ws.run("ingest", str(ws.drop), timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]


@pytest.mark.parametrize("n_workers", [1, 2, 4])
def test_workers_drain_the_queue_exactly_once(tmp_path: Path, pg_cluster: Cluster, n_workers: int) -> None:  # noqa: F811
    ws = _pg_workspace(tmp_path, pg_cluster, f"drain{n_workers}")
    _put_files(ws, FILES, pdf_pages=100)
    _ingest(ws)
    assert len(_jobs(ws)) == FILES

    t0 = time.monotonic()
    procs = [_start(ws, "work", "--once", "--workers", "1") for _ in range(n_workers)]
    outs = [p.communicate(timeout=600) for p in procs]
    elapsed = time.monotonic() - t0
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
    done = _jobs(ws)
    st = _status(ws)
    workers = [n for n in st["nodes"] if n["role"] == "work"]
    # Throughput once the workers were up (process start-up excluded): from the first node's
    # start to the last job's end. Printed, not asserted: it depends on the cores and the load.
    first = min(dt.datetime.fromisoformat(n["started_at"]) for n in workers)
    last = max(dt.datetime.fromisoformat(j["updated_at"]) for j in done)
    window = (last - first).total_seconds()
    print(f"\n{n_workers} worker process(es): {FILES} jobs in {elapsed:.1f} s wall ({FILES / elapsed:.1f} jobs/s), "
          f"{window:.1f} s once started ({FILES / window:.1f} jobs/s) on {os.cpu_count()} core(s)")
    assert {(j["state"], j["attempts"]) for j in done} == {("done", 1)}  # each job run once, by one node
    assert len(workers) == n_workers
    assert sum(n["jobs_done"] for n in workers) == FILES
    assert {j["node"] for j in done} <= {n["name"] for n in workers}
    if n_workers > 1:  # every node took part
        assert all(n["jobs_done"] > 0 for n in workers), workers
    assert len(_blob_texts(ws)) == FILES
    _all_searchable(ws, FILES, "pdf")


def test_killed_worker_leaves_its_job_to_another(tmp_path: Path, pg_cluster: Cluster) -> None:  # noqa: F811
    """A worker SIGKILLed mid-job (a long PDF) stops renewing its lease; another takes the job after it."""
    ws = _pg_workspace(tmp_path, pg_cluster, "killed", lease=1.0)
    ws.put(f"{NIP_A}/2026/TW1/RHK-01/laporan-panjang.pdf", make_pdf("Laporan kegiatan zamrud", pages=5000))
    _ingest(ws)
    (job,) = _jobs(ws)

    victim = _start(ws, "work", "--workers", "1")
    try:
        running = wait_for(lambda: [j for j in _jobs(ws) if j["state"] == "running"], timeout=60,
                           what="the job taken")
        time.sleep(1.5)  # longer than the lease: it is being renewed, nobody else may take it
        (held,) = [j for j in _jobs(ws) if j["state"] == "running"]
        assert held["node"] == running[0]["node"] and held["node"].endswith(f"/work/{victim.pid}")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.communicate()
    assert [(j["state"], j["attempts"]) for j in _jobs(ws)] == [("running", 1)]  # killed mid-job

    rescuer = _start(ws, "work", "--once", "--workers", "1")
    _, err = rescuer.communicate(timeout=300)
    assert rescuer.returncode == 0, err[-3000:]
    (after,) = _jobs(ws)
    assert (after["id"], after["state"], after["attempts"]) == (job["id"], "done", 2)
    assert after["node"].endswith(f"/work/{rescuer.pid}")
    with ws.open() as archive:
        assert [h["path"] for h in search(archive, "zamrud").results] == [
            f"drop/{NIP_A}/2026/TW1/RHK-01/laporan-panjang.pdf"]

    st = _status(ws)
    by_pid = {n["pid"]: n for n in st["nodes"]}
    assert set(by_pid) == {victim.pid, rescuer.pid}
    assert by_pid[victim.pid]["state"] == "not responding" and not by_pid[victim.pid]["responding"]
    assert by_pid[rescuer.pid]["state"] == "stopped" and by_pid[rescuer.pid]["jobs_done"] == 1
    assert "tidak merespons" in ws.run("status").stdout


def test_poisoned_job_fails_after_max_attempts(tmp_path: Path, pg_cluster: Cluster) -> None:  # noqa: F811
    """A job that cannot succeed (its blob is gone from this store) is tried max_attempts times, then
    marked failed with the reason and shown as a problem; the worker goes on with the other jobs."""
    ws = _pg_workspace(tmp_path, pg_cluster, "poison", attempts=2)
    _put_files(ws, 3)
    _ingest(ws)
    victim = _jobs(ws)[1]
    ws.remove_blob(victim["sha256"])

    out = ws.run("work", "--once", "--workers", "1", timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    by_id = {j["id"]: j for j in _jobs(ws)}
    bad = by_id.pop(victim["id"])
    assert (bad["state"], bad["attempts"]) == ("failed", 2)
    assert "missing" in bad["last_error"], bad
    assert {j["state"] for j in by_id.values()} == {"done"}

    st = _status(ws)
    assert st["work"]["failed"] == 1
    (problem,) = st["failed_jobs"]
    assert problem["submission_id"] == victim["submission_id"] and "berkasnya tidak ada" in problem["reason"]
    assert st["nodes"][0]["jobs_failed"] == 1
    assert "Pekerjaan gagal" in ws.run("status").stdout
