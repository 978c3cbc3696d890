"""The live watcher on real folders with the real watchdog observers (inotify and polling),
real SQLite and, where signals matter, a real `archiver watch` process."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import NIP_A, NIP_B, CatalogRows, Row, Workspace, make_pdf, wait_for

from archiver.catalog import custody
from archiver.i18n import render
from archiver.reconcile import SettleTracker, scan_changes
from archiver.watcher import Watcher

#: watchdog warns when a new folder's inotify watch is added twice; harmless.
pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")

SETTLE = 0.3
POLL = 0.5
FOLDER_A = f"{NIP_A}/2026/TW1/RHK-01"
FOLDER_B = f"{NIP_B}/2026/TW2/RHK-02"


# --------------------------------------------------------------------------- helpers

def configure(ws: Workspace, *, polling: bool = False, settle: float = SETTLE, retry_attempts: int = 5) -> None:
    """Small intervals for tests, through the configuration file as an operator would."""
    text = ws.config_path.read_text(encoding="utf-8")
    for key, value in (("polling", "true" if polling else "false"), ("settle_seconds", repr(settle)),
                       ("poll_interval_seconds", repr(POLL)), ("reconcile_interval_seconds", "5.0"),
                       ("retry_attempts", str(retry_attempts))):
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
        assert n == 1, key
    ws.config_path.write_text(text, encoding="utf-8")


def db(ws: Workspace) -> AbstractContextManager[CatalogRows]:
    return ws.db(read=True)


def submissions(ws: Workspace, relpath: str | None = None) -> list[Row]:
    with db(ws) as conn:
        if relpath is None:
            return conn.execute("select * from submissions order by id").fetchall()
        return conn.execute("select * from submissions where relpath = ? order by id", (relpath,)).fetchall()


def events(ws: Workspace, kind: str) -> list[dict[str, Any]]:
    with ws.open() as archive, archive.catalog.read() as conn:
        return [e for e in custody.history(conn) if e["kind"] == kind]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def running(ws: Workspace, before: Callable[[], None] | None = None, **kw: Any) -> Iterator[dict[str, Any]]:
    """The watcher in a thread of this process (its own Archive), stopped and joined at the end."""
    signal.signal(signal.SIGIO, signal.SIG_IGN)  # leases (open-for-writing checks) need it, main thread only
    stop = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            # A PostgreSQL catalog and an S3 store are reached over the network: open them before
            # `before` drops privileges (the S3 SDK reads its data files from the root-only Python).
            early = None if ws.config.archive.resolved_catalog_url.startswith("sqlite") else ws.open()
            if before is not None:
                before()
            with early or ws.open() as archive:
                box["watcher"] = Watcher(archive, check_writers=True, **kw)
                box["watcher"].run(stop)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            box["error"] = exc

    t = threading.Thread(target=target, name="watcher", daemon=True)
    t.start()
    state = ws.root / "archive" / "watcher.json"
    wait_for(lambda: "error" in box or (state.exists() and json.loads(state.read_text())["state"] == "running"),
             what="watcher to start")
    try:
        yield box
    finally:
        stop.set()
        t.join(15)
        assert not t.is_alive(), "watcher did not stop"
        if "error" in box:
            raise box["error"]


def archived(ws: Workspace, relpath: str, data: bytes) -> Callable[[], bool]:
    return lambda: any(r["sha256"] == sha(data) for r in submissions(ws, relpath))


# --------------------------------------------------------------------------- the settle tracker

class Tick:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_settle_tracker_waits_until_size_mtime_and_writers_are_still(ws: Workspace) -> None:
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    clock = Tick()
    tracker = SettleTracker({"drop": ws.drop}, {"drop": 2.0}, capacity=10, clock=clock, check_writers=True)
    f = ws.put("a/laporan.txt", "bagian 1\n")
    assert tracker.observe("drop", "a/laporan.txt")
    clock.t += 1.9
    assert list(tracker.settled()) == []
    with open(f, "a") as fh:  # still being written: growing, then held open
        fh.write("bagian 2\n")
        fh.flush()
        clock.t += 0.2
        assert list(tracker.settled()) == []  # changed: the settle time starts again
        clock.t += 2.1
        assert list(tracker.settled()) == []  # size and mtime still, but a writer holds it open
        assert len(tracker) == 1
    clock.t += 2.1
    done = list(tracker.settled())
    assert [c.relpath for c in done] == ["a/laporan.txt"] and len(tracker) == 0
    assert done[0].size == f.stat().st_size


def test_settle_tracker_is_bounded_and_forgets_vanished_files(ws: Workspace) -> None:
    clock = Tick()
    tracker = SettleTracker({"drop": ws.drop}, {"drop": 1.0}, capacity=3, clock=clock)
    for i in range(3):
        ws.put(f"f{i}.txt", f"isi {i}")
        assert tracker.observe("drop", f"f{i}.txt")
    ws.put("f3.txt", "isi 3")
    assert tracker.full and not tracker.observe("drop", "f3.txt")  # refused: the scan finds it later
    (ws.drop / "f1.txt").unlink()
    clock.t += 1.5
    assert sorted(c.relpath for c in tracker.settled()) == ["f0.txt", "f2.txt"]
    assert len(tracker) == 0


def test_reconcile_scan_recognises_archived_files_by_stat_alone(ws: Workspace) -> None:
    for i in range(600):
        ws.put(f"{FOLDER_A}/bukti-{i:04d}.txt", f"bukti nomor {i}")
    assert ws.cli("ingest").exit_code == 0
    ws.put(f"{FOLDER_A}/baru.txt", "dropped while the watcher was down")
    (ws.drop / FOLDER_A / "bukti-0007.txt").unlink()
    os.utime(ws.drop / FOLDER_A / "bukti-0008.txt", ns=(1, 1))  # touched: looked at again
    with ws.open() as archive:
        t0 = time.perf_counter()
        changes = list(scan_changes(archive, "drop"))
        elapsed = time.perf_counter() - t0
    assert sorted((c.kind, c.relpath.rsplit("/", 1)[1]) for c in changes) == [
        ("changed", "baru.txt"), ("changed", "bukti-0008.txt"), ("gone", "bukti-0007.txt")]
    assert elapsed < 1.0, f"scan of 600 archived files took {elapsed:.2f} s"


def test_reconcile_never_reports_an_empty_share_as_deleted(ws: Workspace) -> None:
    ws.put(f"{FOLDER_A}/laporan.txt", "isi")
    assert ws.cli("ingest").exit_code == 0
    hidden = ws.root / "elsewhere"
    (ws.drop / NIP_A).rename(hidden)  # what an unmounted network share looks like: an empty folder
    with ws.open() as archive:
        assert list(scan_changes(archive, "drop")) == []


# --------------------------------------------------------------------------- live, both observers

@pytest.mark.parametrize("polling", [False, True], ids=["native", "polling"])
def test_slow_writer_is_archived_once_and_whole(ws: Workspace, polling: bool) -> None:
    configure(ws, polling=polling)
    rel = f"{FOLDER_A}/rekaman-rapat.pdf"
    body = make_pdf("notulen " * 200) + os.urandom(3 * 1024 * 1024)
    with running(ws):
        target = ws.drop / rel
        target.parent.mkdir(parents=True)
        with open(target, "wb") as fh:  # ~1.6 s of copying in 32 pieces, each pause under the settle time
            for i in range(0, len(body), len(body) // 32 + 1):
                fh.write(body[i:i + len(body) // 32 + 1])
                fh.flush()
                time.sleep(0.05)
        wait_for(archived(ws, rel, body), what="the whole file to be archived")
        time.sleep(SETTLE + (POLL if polling else 0.1))  # nothing more may follow
    rows = submissions(ws, rel)
    assert [(r["status"], r["sha256"], r["version"]) for r in rows] == [("archived", sha(body), 1)]
    with db(ws) as conn:
        assert conn.execute("select count(*) from blobs").fetchone()[0] == 1


def test_writer_pausing_longer_than_settle_is_not_taken_while_open(ws: Workspace) -> None:
    configure(ws)
    rel = f"{FOLDER_A}/scan.pdf"
    first, second = make_pdf("halaman satu"), b"%% lanjutan\n" * 5000
    with running(ws):
        target = ws.drop / rel
        target.parent.mkdir(parents=True)
        with open(target, "wb") as fh:
            fh.write(first)
            fh.flush()
            time.sleep(SETTLE * 3)  # a stalled copy: still, but open for writing
            fh.write(second)
        wait_for(archived(ws, rel, first + second), what="the completed file")
    assert [r["sha256"] for r in submissions(ws, rel)] == [sha(first + second)]


@pytest.mark.parametrize("polling", [False, True], ids=["native", "polling"])
def test_rename_move_delete_and_folder_moved_in(ws: Workspace, polling: bool) -> None:
    configure(ws, polling=polling)
    a, b = make_pdf("surat tugas"), make_pdf("daftar hadir")
    with running(ws):
        ws.put(f"{FOLDER_A}/surat.pdf", a)
        ws.put("salah-folder/hadir.pdf", b)  # dropped in the wrong folder: unlinked
        wait_for(lambda: archived(ws, f"{FOLDER_A}/surat.pdf", a)() and archived(ws, "salah-folder/hadir.pdf", b)())
        assert submissions(ws, "salah-folder/hadir.pdf")[0]["status"] == "unlinked"

        (ws.drop / FOLDER_A / "surat.pdf").rename(ws.drop / FOLDER_A / "surat-tugas.pdf")  # rename
        (ws.drop / FOLDER_B).mkdir(parents=True)
        (ws.drop / "salah-folder/hadir.pdf").rename(ws.drop / FOLDER_B / "hadir.pdf")  # fixed by a move
        wait_for(lambda: len(events(ws, "moved")) == 2, what="two moves")

        outside = ws.root / "incoming" / NIP_B / "2026" / "TW3" / "RHK-03"
        docs = {f"dok-{i}.pdf": make_pdf(f"dokumen {i}") for i in range(5)}
        for name, data in docs.items():
            (outside / "sub").mkdir(parents=True, exist_ok=True)
            (outside / "sub" / name).write_bytes(data)
        os.rename(ws.root / "incoming" / NIP_B / "2026" / "TW3", ws.drop / NIP_B / "2026" / "TW3")  # folder in
        (ws.drop / FOLDER_A / "surat-tugas.pdf").unlink()  # deletion
        for name, data in docs.items():
            wait_for(archived(ws, f"{NIP_B}/2026/TW3/RHK-03/sub/{name}", data), what=name)
        wait_for(lambda: events(ws, "removed"), what="the removal")

    moved = {e["detail"]["to"]: e for e in events(ws, "moved")}
    assert moved[f"{FOLDER_A}/surat-tugas.pdf"]["detail"]["from"] == f"{FOLDER_A}/surat.pdf"
    assert moved[f"{FOLDER_B}/hadir.pdf"]["detail"]["status"] == "archived"
    fixed = submissions(ws, f"{FOLDER_B}/hadir.pdf")
    assert [(r["status"], r["nip"], r["periode"], r["rhk"]) for r in fixed] == [("archived", NIP_B, "TW2", "RHK-02")]
    assert submissions(ws, "salah-folder/hadir.pdf") == []
    gone = submissions(ws, f"{FOLDER_A}/surat-tugas.pdf")
    assert len(gone) == 1 and gone[0]["removed_at"] and gone[0]["sha256"] == sha(a)
    assert [e["detail"]["path"] for e in events(ws, "removed")] == [f"{FOLDER_A}/surat-tugas.pdf"]
    with db(ws) as conn:  # no new blob for a move; the deleted file's evidence stays
        assert conn.execute("select count(*) from blobs").fetchone()[0] == 7
        assert conn.execute("select count(*) from file_state where relpath like ?",
                            (f"{FOLDER_A}/%",)).fetchone()[0] == 0
    assert ws.cli("verify").exit_code == 0


def test_edit_becomes_a_new_version(ws: Workspace) -> None:
    configure(ws)
    rel = f"{FOLDER_A}/rekap.txt"
    with running(ws):
        ws.put(rel, "versi pertama")
        wait_for(archived(ws, rel, b"versi pertama"))
        ws.put(rel, "versi kedua, diperbaiki")
        wait_for(archived(ws, rel, b"versi kedua, diperbaiki"))
    assert [r["version"] for r in submissions(ws, rel)] == [1, 2]


def test_burst_beyond_the_queue_bound_is_archived_exactly_once(ws: Workspace) -> None:
    configure(ws, settle=0.2)
    n = 600
    with running(ws, max_pending=50, queue_size=50) as box:
        for i in range(n):
            ws.put(f"{NIP_A if i % 2 else NIP_B}/2026/TW{i % 4 + 1}/RHK-01/bukti-{i:04d}.txt", f"bukti ke-{i}")
        peak = 0

        def all_in() -> bool:
            nonlocal peak
            peak = max(peak, len(box["watcher"].tracker), box["watcher"].hints.qsize())
            with db(ws) as conn:
                return conn.execute("select count(*) from submissions").fetchone()[0] >= n

        wait_for(all_in, timeout=60, what=f"{n} files")
    assert peak <= 50  # memory stayed bounded: the reconcile scan picked up what the queue dropped
    with db(ws) as conn:
        dupes = conn.execute("select relpath, count(*) from submissions group by relpath having count(*) > 1")
        assert dupes.fetchall() == []
        assert conn.execute("select count(*) from submissions where status = 'archived'").fetchone()[0] == n


# --------------------------------------------------------------------------- the real process

def start(ws: Workspace, *args: str, log: Path | None = None) -> subprocess.Popen[str]:
    """`archiver watch` as its own process; its log goes to a file (a full pipe would block it)."""
    out = open(log or os.devnull, "w")
    try:
        return subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), "watch", *args],
                                stdout=out, stderr=out, text=True)
    finally:
        out.close()


def wait_running(ws: Workspace, proc: subprocess.Popen[str]) -> None:
    state = ws.root / "archive" / "watcher.json"

    def up() -> bool:
        assert proc.poll() is None, f"archiver watch exited with {proc.returncode}"
        return state.exists() and json.loads(state.read_text()).get("pid") == proc.pid \
            and json.loads(state.read_text())["state"] == "running"

    wait_for(up, what="archiver watch to start")


def test_sigkill_mid_burst_then_restart_archives_everything_exactly_once(ws: Workspace) -> None:
    configure(ws, settle=0.2)
    rng = random.Random(3)
    expected: dict[str, bytes] = {}

    def drop(i: int) -> None:
        rel = f"{NIP_A if i % 2 else NIP_B}/2026/TW{i % 4 + 1}/RHK-0{i % 3 + 1}/bukti-{i:03d}.pdf"
        body = make_pdf(f"bukti {i} " + "isi " * rng.randint(10, 30_000))
        if i % 13 == 0:
            body = make_pdf("surat edaran bersama")  # the same bytes for several pegawai
        expected[rel] = body
        ws.put(rel, body)

    proc = start(ws)
    wait_running(ws, proc)
    for i in range(150):
        drop(i)
    wait_for(lambda: len(submissions(ws)) >= 20, what="the burst to be under way")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(submissions(ws)) < 150, "the watcher finished before the kill: make the burst larger"
    status = ws.cli("status", "--json")
    assert "tidak berjalan" in json.loads(status.stdout)["watcher"]["state"]
    for i in range(150, 200):
        drop(i)  # dropped while it is down

    log = ws.root / "watch.log"
    proc = start(ws, "--json-log", log=log)
    wait_running(ws, proc)
    wait_for(lambda: len({r["relpath"] for r in submissions(ws)}) >= len(expected), timeout=60,
             what="every file after the restart")
    live = json.loads(ws.cli("status", "--json").stdout)["watcher"]
    assert live["state"] == "running" and live["pid"] == proc.pid and "queue" in live
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    err = log.read_text()
    assert proc.returncode == 0, err[-3000:]
    assert json.loads((ws.root / "archive" / "watcher.json").read_text())["state"] == "stopped"
    decisions = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert decisions and all({"time", "level", "message"} <= d.keys() for d in decisions)
    assert any(d.get("status") in ("archived", "duplicate") and d.get("path", "").startswith("drop/")
               for d in decisions)

    rows = submissions(ws)
    per_path: dict[str, list[Row]] = {}
    for r in rows:
        per_path.setdefault(r["relpath"], []).append(r)
    assert set(per_path) == set(expected)
    for rel, subs in per_path.items():
        assert len(subs) == 1, f"{rel} archived {len(subs)} times"
        assert subs[0]["sha256"] == sha(expected[rel]) and subs[0]["status"] in ("archived", "duplicate")
    unique = {sha(b) for b in expected.values()}
    with db(ws) as conn:
        assert conn.execute("select count(*) from blobs").fetchone()[0] == len(unique)
    verify = ws.run("verify", "--json")
    assert verify.returncode == 0, verify.stdout


def _as_unprivileged_thread() -> None:
    """Make this thread's file access that of 'nobody' (setfsuid is per thread): root reads everything."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.setfsgid(65534)
    libc.setfsuid(65534)


def test_transient_errors_are_retried_then_quarantined_and_never_stop_the_watcher(
        caplog: pytest.LogCaptureFixture) -> None:
    """A file that cannot be read yet (the copier still holds it) is retried; one that stays so is quarantined."""
    import shutil
    import tempfile

    from archiver.config import write_workspace

    base = Path(tempfile.mkdtemp(prefix="archiver-watch-"))
    try:
        os.chmod(base, 0o755)  # reachable by the unprivileged watcher thread
        ws = Workspace(write_workspace(base / "ws").parent, base / "ws" / "watch_config.toml")
        configure(ws, retry_attempts=2)
        ws.put(f"{FOLDER_A}/warm-up.pdf", make_pdf("pemanasan"))  # loads every lazily imported module as root
        assert ws.cli("ingest").exit_code == 0
        assert ws.cli("reindex", "--pending").exit_code == 0  # the index check and search modules too
        if os.geteuid() == 0:
            for p in [ws.root / "archive", ws.root / "index", *(ws.root / "archive").rglob("*"),
                      *(ws.root / "index").rglob("*"), *[d for d in [ws.root / "anchors"] if d.exists()],
                      *(ws.root / "anchors").rglob("*")]:
                os.chown(p, 65534, 65534)
        flapping, locked, fine = f"{FOLDER_A}/flapping.pdf", f"{FOLDER_A}/locked.pdf", f"{FOLDER_A}/fine.pdf"
        caplog.set_level("INFO", logger="archiver.watcher")
        with running(ws, retry_base_s=0.4, before=_as_unprivileged_thread if os.geteuid() == 0 else None):
            for rel, data in ((flapping, make_pdf("sementara")), (locked, make_pdf("terkunci"))):
                os.chmod(ws.put(rel, data), 0)
            ws.put(fine, make_pdf("baik"))
            wait_for(archived(ws, fine, make_pdf("baik")), what="the good file, past the bad ones")
            wait_for(lambda: not (ws.drop / flapping).stat().st_mode & 0o777 and time.sleep(0.5) is None)
            os.chmod(ws.drop / flapping, 0o644)
            wait_for(archived(ws, flapping, make_pdf("sementara")), what="the file once readable")
            wait_for(lambda: [r["status"] for r in submissions(ws, locked)] == ["quarantined"], timeout=20,
                     what="quarantine after the retries")
        bad = submissions(ws, locked)[0]
        assert "izin ditolak" in render(bad["reason"]) and bad["sha256"] is None
        retries = [r.decision for r in caplog.records if getattr(r, "decision", {}).get("status") == "retrying"]
        assert {d["path"].rsplit("/", 1)[1] for d in retries} == {"flapping.pdf", "locked.pdf"}
        assert max(d["attempt"] for d in retries if d["path"].endswith("locked.pdf")) == 2
        assert [r["status"] for r in submissions(ws, flapping)] == ["archived"]  # no quarantine left behind
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_watch_help_ends_with_an_example(ws: Workspace) -> None:
    res = ws.cli("watch", "--help")
    assert res.exit_code == 0
    example = res.stdout.split("Contoh:", 1)[1]
    assert "archiver" in example and "watch" in example and "--json-log" in example


def test_a_file_dropped_alone_is_searchable_while_the_watcher_runs(ws: Workspace) -> None:
    """The watcher's batch is written once its oldest file has waited batch_seconds, not at stop."""
    configure(ws)
    with running(ws) as box:
        data = make_pdf("Berita acara pemeriksaan barang")
        ws.put(f"{NIP_A}/2026/TW1/RHK-01/bap.pdf", data)
        wait_for(archived(ws, f"{NIP_A}/2026/TW1/RHK-01/bap.pdf", data), what="the file to be archived")
        wait_for(lambda: ws.cli_json("search", "pemeriksaan barang"), timeout=10, what="the file to be searchable")
        assert box["watcher"]._batch is not None  # it came through the batch, while the watcher runs
