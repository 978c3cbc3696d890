"""Several writers on one PostgreSQL catalog (issue 16, item 1): real `archiver ingest` processes
at once on the same share and on different shares, `archiver verify` running during them, and
concurrent failed logins. Each change must be recorded exactly once, the chain stay intact,
and `verify` never report a problem that did not happen."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import NIP_A, NIP_B, Workspace, set_config_value
from pgcluster import Cluster, pg_cluster  # noqa: F401

from archiver import accounts
from archiver.catalog import accounts as account_rows
from archiver.catalog import core as subs
from archiver.catalog import custody
from archiver.config import write_workspace

FILES = 60


def _workspace(tmp_path: Path, cluster: Cluster, name: str, *, second_share: bool = False) -> Workspace:
    cfg = write_workspace(tmp_path / "ws")
    text = cfg.read_text()
    text = set_config_value(text, "archive", "catalog_url", f'"{cluster.new_database(name)}"')
    if second_share:
        (cfg.parent / "drop2").mkdir()
        text += '\n[shares.drop2]\npath = "drop2"\npattern = "{nip}/{tahun}/{periode}/{rhk}/..."\n'
    cfg.write_text(text)
    ws = Workspace(cfg.parent, cfg)
    ws.open().close()  # migrated once here: concurrent first migrations are another test's subject
    return ws


def _relpath(i: int) -> str:
    nip = NIP_A if i % 2 else NIP_B
    return f"{nip}/2026/TW1/RHK-0{i % 3 + 1}/laporan-{i:02d}.txt"


def _content(i: int, version: int) -> bytes:
    return f"Laporan kegiatan nomor {i} versi {version}\n".encode() * (i + 1)


def _start(ws: Workspace, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class VerifyLoop:
    """`archiver verify --json` again and again (real processes) until stopped; every report kept."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.reports: list[tuple[int, str, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            out = self.ws.run("verify", "--json", timeout=300)
            self.reports.append((out.returncode, out.stdout, out.stderr))

    def __enter__(self) -> VerifyLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=400)

    def problems(self) -> list[str]:
        bad = []
        for code, stdout, stderr in self.reports:
            if code != 0:
                bad.append(f"exit {code}: {stdout[-1500:]} {stderr[-1500:]}")
            elif not json.loads(stdout)["ok"]:
                bad.append(stdout[-1500:])
        return bad


def _run_together(ws: Workspace, commands: list[tuple[str, ...]]) -> VerifyLoop:
    """Start every ingest at once, with `verify` looping beside them; wait for all."""
    with VerifyLoop(ws) as loop:
        procs = [_start(ws, *cmd) for cmd in commands]
        outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
    return loop


def _check_chain_and_custody(ws: Workspace) -> list[dict[str, Any]]:
    """The chain is intact and every submission has exactly one `received` and one outcome event."""
    archive = ws.open()
    try:
        with archive.catalog.read() as conn:
            assert list(custody.verify_chain(conn)) == []
            events = custody.history(conn)
        rows = list(subs.list_submissions(archive.catalog))
    finally:
        archive.close()
    per_sub = Counter((e["submission_id"], e["kind"]) for e in events if e["submission_id"] is not None)
    for row in rows:
        assert per_sub[(row["id"], "received")] == 1, row
        assert per_sub[(row["id"], row["status"])] == 1, row
    assert len([e for e in events if e["kind"] == "received"]) == len(rows)
    return rows


def _final_verify(ws: Workspace) -> None:
    out = ws.run("verify", "--json", timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert json.loads(out.stdout)["ok"]


@pytest.mark.parametrize("writers", [2, 4])
def test_rewrites_on_one_share_are_recorded_once(tmp_path: Path, pg_cluster: Cluster,  # noqa: F811
                                                 writers: int) -> None:
    ws = _workspace(tmp_path, pg_cluster, f"rewrites_{writers}")
    for i in range(FILES):
        ws.put(_relpath(i), _content(i, 1))
    first = ws.run("ingest", timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    for i in range(FILES):  # every file rewritten with known new bytes
        ws.put(_relpath(i), _content(i, 2))

    loop = _run_together(ws, [("ingest",)] * writers)

    assert loop.reports, "verify never ran during the ingests"
    assert loop.problems() == []
    rows = _check_chain_and_custody(ws)
    by_path: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_path.setdefault(row["relpath"], []).append(row)
    assert sorted(by_path) == sorted(_relpath(i) for i in range(FILES))
    for i in range(FILES):
        subs_here = sorted(by_path[_relpath(i)], key=lambda r: r["version"])
        assert [r["version"] for r in subs_here] == [1, 2], subs_here
        assert [r["size"] for r in subs_here] == [len(_content(i, 1)), len(_content(i, 2))]
        assert all(r["status"] == "archived" for r in subs_here)
    _final_verify(ws)


@pytest.mark.parametrize("writers", [2, 4])
def test_new_files_on_two_shares_race_for_blobs_and_the_first_event(tmp_path: Path,
                                                                    pg_cluster: Cluster,  # noqa: F811
                                                                    writers: int) -> None:
    """The same new bytes on two shares, half the writers on each, an empty chain: the first blob
    row, the first custody event and 'archived' versus 'duplicate' are each decided once."""
    ws = _workspace(tmp_path, pg_cluster, f"shares_{writers}", second_share=True)
    for i in range(FILES):
        ws.put(_relpath(i), _content(i, 1))
        ws.put(_relpath(i), _content(i, 1), share=ws.root / "drop2")

    shares = [str(ws.drop), str(ws.root / "drop2")]
    loop = _run_together(ws, [("ingest", shares[n % 2]) for n in range(writers)])

    assert loop.problems() == []
    rows = _check_chain_and_custody(ws)
    assert Counter(r["share"] for r in rows) == {"drop": FILES, "drop2": FILES}
    assert len({(r["share"], r["relpath"]) for r in rows}) == 2 * FILES  # one submission per file
    for i in range(FILES):
        pair = [r for r in rows if r["relpath"] == _relpath(i)]
        assert sorted(r["status"] for r in pair) == ["archived", "duplicate"], pair
        assert len({r["sha256"] for r in pair}) == 1
    archive = ws.open()
    try:
        assert len(list(subs.blob_digests(archive.catalog))) == FILES
    finally:
        archive.close()
    _final_verify(ws)


def test_concurrent_failed_logins_all_count(tmp_path: Path, pg_cluster: Cluster) -> None:  # noqa: F811
    ws = _workspace(tmp_path, pg_cluster, "logins")
    archive = ws.open()
    now = dt.datetime(2026, 3, 2, 1, 0, 0, tzinfo=dt.UTC)
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            for f in [pool.submit(accounts.record_failure, archive.catalog, "budi", "10.0.0.7", now)
                      for _ in range(20)]:
                f.result()
        counts = {kind: account_rows.failure_count(archive.catalog, key)
                  for kind, key in accounts.throttle_keys("budi", "10.0.0.7")}
        assert counts == {"user": 20, "ip": 20}
        assert accounts.locked_for(archive.catalog, "budi", "10.0.0.7", now) > 0
    finally:
        archive.close()


def _settle_quickly(ws: Workspace) -> None:
    """Small watcher intervals, through the configuration file as an operator would set them."""
    text = ws.config_path.read_text(encoding="utf-8")
    for key, value in (("settle_seconds", "0.3"), ("reconcile_interval_seconds", "5.0")):
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
        assert n == 1, key
    ws.config_path.write_text(text, encoding="utf-8")


def _catalog_now(ws: Workspace) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    archive = ws.open()
    try:
        with archive.catalog.read() as conn:
            events = custody.history(conn)
        return list(subs.list_submissions(archive.catalog)), events
    finally:
        archive.close()


def _wait_until(ws: Workspace, done: Callable[[list[dict[str, Any]], list[dict[str, Any]]], bool],
                what: str, procs: list[subprocess.Popen[str]], timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for p in procs:
            assert p.poll() is None, f"a watcher stopped: {p.communicate()[1][-3000:]}"
        if done(*_catalog_now(ws)):
            return
        time.sleep(0.3)
    rows, events = _catalog_now(ws)
    raise AssertionError(f"timed out waiting for {what}: {len(rows)} submissions, "
                         f"{Counter(e['kind'] for e in events)}")


def _stopped(p: subprocess.Popen[str]) -> tuple[str, str]:
    """The output of a watcher asked to stop; one that does not stop in 120 s is killed and reported."""
    try:
        return p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return out, err + "\n(did not stop within 120 s of SIGTERM; killed)"


@pytest.mark.parametrize("watchers", [2, 4])
def test_watchers_on_one_share_record_rewrites_moves_and_removals_once(
        tmp_path: Path, pg_cluster: Cluster, watchers: int) -> None:  # noqa: F811
    """N `archiver watch` processes on the same share: new files, rewrites, renames and deletions
    each become exactly one submission, version, `moved` or `removed` event."""
    ws = _workspace(tmp_path, pg_cluster, f"watchers_{watchers}")
    _settle_quickly(ws)
    n_files, rewritten, moved, removed = 40, range(0, 20), range(20, 30), range(30, 35)
    with VerifyLoop(ws) as loop:
        procs = [_start(ws, "watch") for _ in range(watchers)]
        try:
            for i in range(n_files):
                ws.put(_relpath(i), _content(i, 1))
            _wait_until(ws, lambda rows, _: len(rows) == n_files, "the first files", procs)
            for i in rewritten:
                ws.put(_relpath(i), _content(i, 2))
            for i in moved:
                src = ws.drop / _relpath(i)
                src.rename(src.with_name(f"dipindah-{i:02d}.txt"))
            for i in removed:
                (ws.drop / _relpath(i)).unlink()

            def settled(rows: list[dict[str, Any]], events: list[dict[str, Any]]) -> bool:
                kinds = Counter(e["kind"] for e in events)
                return (len(rows) == n_files + len(rewritten) and kinds["moved"] >= len(moved)
                        and kinds["removed"] >= len(removed))

            _wait_until(ws, settled, "the rewrites, moves and removals", procs)
            time.sleep(3)  # a late duplicate would show up now
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            outs = [_stopped(p) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]

    assert loop.problems() == []
    rows = _check_chain_and_custody(ws)
    _, events = _catalog_now(ws)
    by_path: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_path.setdefault(row["relpath"], []).append(row)
    for i in rewritten:
        assert sorted(r["version"] for r in by_path[_relpath(i)]) == [1, 2], by_path[_relpath(i)]
    moves = [e["detail"] for e in events if e["kind"] == "moved"]
    assert sorted((m["from"], m["to"]) for m in moves) == sorted(
        (_relpath(i), _relpath(i).rsplit("/", 1)[0] + f"/dipindah-{i:02d}.txt") for i in moved)
    for i in moved:
        assert _relpath(i) not in by_path
    gone = [e["detail"]["path"] for e in events if e["kind"] == "removed"]
    assert sorted(gone) == sorted(_relpath(i) for i in removed)
    assert all(by_path[_relpath(i)][0]["removed_at"] for i in removed)
    _final_verify(ws)
