"""The live watcher: file events make ingest fast, the reconcile scan makes it right.

    Watcher(archive).run(stop_event)

One observer per share: native events (watchdog's inotify observer) or, with
``polling = true`` (SMB/CIFS/NFS mounts, where inotify never fires), a polling observer
that never follows links. Observer threads only put hints into a bounded queue; one
thread (the caller's) does all the work:

    hints / reconcile scan -> SettleTracker (size+mtime still for settle_seconds, no writer)
                           -> ingest_file (retry transient errors with backoff, then quarantine)
    gone paths (when the share is quiet) -> record_removal

Memory stays bounded: when the hint queue or the tracker is full, hints are dropped and a
reconcile scan runs as soon as there is room (the scan pauses while the tracker is full).
A crash loses nothing: the catalog is the only state, and the first scan after a start
picks up whatever happened meanwhile. ``<archive>/watcher.json`` (written atomically
about once a second) tells ``archiver status`` how it is doing.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserverVFS

from . import ingest
from .archive import Archive
from .errors import ArchiverError
from .i18n import deferred, render, use_language
from .names import readable
from .reconcile import Candidate, Change, SettleTracker, scan_changes
from .search import IndexBatch, batched, index_pending
from .status import WATCHER_STATE
from .upkeep import Upkeep
from .work import enqueue_pending, queue_mode

log = logging.getLogger(__name__)

#: Hints waiting for the worker; beyond this they are dropped and a reconcile scan runs.
QUEUE_SIZE = 10_000
#: Files waiting to settle; beyond this the scan pauses and hints are dropped.
MAX_PENDING = 10_000
#: First wait after a transient error; it doubles with each attempt, up to MAX_BACKOFF_S.
RETRY_BASE_S = 1.0
MAX_BACKOFF_S = 300.0
STATE_EVERY_S = 1.0
#: Scan entries looked at per loop turn, so hints, state and stop stay responsive.
SCAN_BATCH = 2_000
#: Time spent ingesting per loop turn before looking at hints and the clock again.
INGEST_SLICE_S = 0.5


@dataclass(frozen=True)
class Hint:
    kind: str  # "file", "gone", "dir", "dirgone"
    share: str
    relpath: str


class _HintHandler(FileSystemEventHandler):
    """Runs in an observer thread: turns events into hints, never blocks, never touches the catalog."""

    def __init__(self, share: str, root: Path, hints: queue.Queue[Hint], missed: threading.Event) -> None:
        self.share, self.root, self.hints, self.missed = share, str(root), hints, missed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.event_type == "moved":
            self._put("dirgone" if event.is_directory else "gone", event.src_path)
            self._put("dir" if event.is_directory else "file", event.dest_path)
        elif event.event_type == "deleted":
            self._put("dirgone" if event.is_directory else "gone", event.src_path)
        elif event.is_directory:
            if event.event_type == "created":
                self._put("dir", event.src_path)
        else:
            self._put("file", event.src_path)

    def _put(self, kind: str, raw: bytes | str) -> None:
        path = os.fsdecode(raw)
        rel = os.path.relpath(path, self.root)
        if rel == "." or rel.startswith(".." + os.sep) or rel == "..":
            if kind == "dirgone" and rel == ".":
                self.missed.set()  # the share's own folder went away: the scan decides
            return
        try:
            self.hints.put_nowait(Hint(kind, self.share, Path(rel).as_posix()))
        except queue.Full:
            self.missed.set()


class Watcher:
    """Watch every configured share until ``stop`` is set. One instance, one thread."""

    def __init__(self, archive: Archive, *, clock: Any = time.monotonic, max_pending: int = MAX_PENDING,
                 queue_size: int = QUEUE_SIZE, retry_base_s: float = RETRY_BASE_S,
                 check_writers: bool | None = None, steps: tuple[ingest.Step, ...] = ingest.AFTER_INGEST) -> None:
        cfg = archive.config
        self.archive = archive
        self.steps = steps
        self.clock = clock
        self.retry_base_s = retry_base_s
        self.hints: queue.Queue[Hint] = queue.Queue(maxsize=queue_size)
        self.missed = threading.Event()
        self.roots = {name: s.path for name, s in cfg.shares.items()}
        if check_writers is None:
            check_writers = _can_ignore_sigio()
        self.tracker = SettleTracker(self.roots, {n: s.settle_seconds for n, s in cfg.shares.items()},
                                     capacity=max_pending, clock=clock, check_writers=check_writers)
        self.state_file = cfg.archive.path / WATCHER_STATE
        self.observers: dict[str, BaseObserver] = {}
        self.counts: Counter[str] = Counter()
        self.latest: deque[dict[str, Any]] = deque(maxlen=10)
        self.problems: deque[dict[str, Any]] = deque(maxlen=10)
        self._gone: dict[tuple[str, str], float] = {}  # paths to check for removal -> since when
        self._scan: Iterator[Change] | None = None
        self._next_reconcile = 0.0
        self._next_state = 0.0
        self._started_at = archive.now()
        self._last_reconcile: str | None = None
        self._state = "starting"
        self._batch: IndexBatch | None = None
        self.upkeep = Upkeep(archive, clock)  # anchoring and scheduled fixity, while ingest is idle

    # -- the loop ---------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Reconcile, then follow events and rescan periodically until ``stop`` is set."""
        log.info("watching %s", ", ".join(f"{n} ({p}, {self._mode(n)})" for n, p in self.roots.items()))
        try:
            self._start_observers()
            self._state = "running"
            with batched(self.archive) as batch:  # new files reach the index in batches, off this thread
                self._batch = batch
                while not stop.is_set():
                    busy = self.step()
                    stop.wait(0 if busy else self._idle_wait())
        finally:
            self._batch = None
            self._stop_observers()
            self._state = "stopped"
            self._write_state(force=True)
            log.info("watcher stopped")

    def step(self) -> bool:
        """One turn of the loop. True when there is more work right away."""
        now = self.clock()
        if now >= self._next_reconcile or (self.missed.is_set() and self._scan is None and not self.tracker.full):
            self._begin_reconcile(now)
        self._drain_hints()
        more_scan = self._feed_scan()
        more_ingest = self._ingest_settled()
        self._process_removals(now)
        if self._batch is not None:
            self._batch.poll()  # a file dropped alone is written within batch_seconds (+ one turn)
        more_upkeep = False if (more_scan or more_ingest) else self.upkeep.tick()
        self._check_observers()
        self._write_state()
        return more_scan or more_ingest or more_upkeep

    def _idle_wait(self) -> float:
        tick = min(0.25, min(self.tracker.settle_s.values()) / 4 or 0.05)
        due = self.tracker.next_due()
        if due is not None:
            tick = min(tick, max(0.0, due - self.clock()))
        return max(0.02, tick)

    # -- reconcile ----------------------------------------------------------------
    def _begin_reconcile(self, now: float) -> None:
        self.missed.clear()
        self._next_reconcile = now + self.archive.config.watch.reconcile_interval_seconds
        if self._scan is not None:
            return  # a pass is still running; it will see everything
        log.debug("reconcile scan started")
        self._scan = self._scan_all()

    def _scan_all(self) -> Iterator[Change]:
        for share in self.roots:
            yield from scan_changes(self.archive, share)
        self._last_reconcile = self.archive.now()
        self._after_reconcile()

    def _feed_scan(self) -> bool:
        if self._scan is None:
            return False
        for _ in range(SCAN_BATCH):
            if self.tracker.full:
                return False  # resumes when there is room
            change = next(self._scan, None)
            if change is None:
                self._scan = None
                return False
            if change.kind == "gone":
                self._gone.setdefault((change.share, change.relpath), self.clock())
            elif not self.tracker.observe(change.share, change.relpath):
                self.missed.set()
        return True

    def _after_reconcile(self) -> None:
        """Derived work that rides on each pass (the search index catches up)."""
        try:
            if queue_mode(self.archive):  # the nodes' workers index; only what nothing queued is queued
                enqueue_pending(self.archive)
            else:
                index_pending(self.archive, timeout=5.0)
        except Exception as exc:  # noqa: BLE001 - the index is derived; archiving goes on
            log.warning("search index pass failed: %s", exc)

    # -- hints --------------------------------------------------------------------
    def _drain_hints(self) -> None:
        for _ in range(self.hints.maxsize or QUEUE_SIZE):
            try:
                hint = self.hints.get_nowait()
            except queue.Empty:
                return
            if hint.kind == "file":
                if not self.tracker.observe(hint.share, hint.relpath):
                    self.missed.set()
            elif hint.kind == "gone":
                self._gone.setdefault((hint.share, hint.relpath), self.clock())
            elif hint.kind == "dir":
                self._observe_folder(hint.share, hint.relpath)
            else:  # a folder went away: the scan lists what was in it
                self.missed.set()

    def _observe_folder(self, share: str, relpath: str) -> None:
        """A folder moved or copied in: every file in it is a candidate (recursively, no links)."""
        for sub in ingest.walk_share(self.roots[share] / relpath):
            if not self.tracker.observe(share, f"{relpath}/{sub}"):
                self.missed.set()
                return

    # -- ingest -------------------------------------------------------------------
    def _ingest_settled(self) -> bool:
        deadline = time.monotonic() + INGEST_SLICE_S
        for cand in self.tracker.settled():
            self._ingest(cand)
            if time.monotonic() > deadline:
                return True
        return False

    def _ingest(self, cand: Candidate) -> None:
        attempts = self.archive.config.watch.retry_attempts
        last_try = cand.attempts >= attempts
        try:
            result = ingest.ingest_file(self.archive, cand.share, cand.relpath, defer_transient=not last_try,
                                        steps=self.steps)
        except Exception as exc:  # noqa: BLE001 - one bad file (or a full disk) never stops the watcher
            self._failed(cand, str(exc) if isinstance(exc, ArchiverError) else repr(exc), last_try)
            return
        if result is None:
            self._maybe_changed(cand)
        elif result.transient and result.submission_id is None:
            self._failed(cand, result.reason or deferred("transient error"), last_try)
        else:
            self._decided(result.status, result.path, result.reason, _summary(result))

    def _maybe_changed(self, cand: Candidate) -> None:
        """Nothing recorded: unchanged, or it changed while being read (then it settles again)."""
        try:
            st = os.lstat(self.roots[cand.share] / cand.relpath)
        except OSError:
            return
        if (st.st_size, st.st_mtime_ns) != (cand.size, cand.mtime_ns):
            self.tracker.observe(cand.share, cand.relpath)
        else:
            log.debug("unchanged    %s/%s", cand.share, readable(cand.relpath))

    def _failed(self, cand: Candidate, reason: str, last_try: bool) -> None:
        path = f"{cand.share}/{readable(cand.relpath)}"
        if last_try:
            self._decided("failed", path, deferred("{reason} (gave up after {n} retries; the next reconcile scan "
                                                   "tries again)", reason=reason, n=cand.attempts), {})
            return
        cand.attempts += 1
        delay = min(MAX_BACKOFF_S, self.retry_base_s * 2 ** (cand.attempts - 1))
        with use_language("en"):  # the log is for operators: English
            shown = render(reason)
        log.info("%-11s %s — %s; retry %d of %d in %.1f s", "retrying", path, shown, cand.attempts,
                 self.archive.config.watch.retry_attempts, delay,
                 extra={"decision": {"path": path, "status": "retrying", "reason": shown,
                                     "attempt": cand.attempts}})
        self.tracker.retry_later(cand, delay)

    def _decided(self, status: str, path: str, reason: str | None, fields: dict[str, Any]) -> None:
        self.counts[status] += 1
        entry = {"at": self.archive.now(), "status": status, "path": path, "reason": reason}
        self.latest.appendleft(entry)
        if status in ("quarantined", "unlinked", "failed"):
            self.problems.appendleft(entry)
        with use_language("en"):  # the log is for operators: English (the state keeps the stored reason)
            shown = render(reason) or None
        detail = shown or " ".join(str(v) for v in fields.values() if v)
        level = logging.WARNING if status in ("quarantined", "failed") else logging.INFO
        log.log(level, "%-11s %s%s", status, path, f" — {detail}" if detail else "",
                extra={"decision": {**entry, "reason": shown, **fields}})

    # -- removals -----------------------------------------------------------------
    def _process_removals(self, now: float) -> None:
        """Gone paths are recorded once their share is quiet, so a move is seen as a move first."""
        if not self._gone:
            return
        busy = self.tracker.shares_busy()
        if self._scan is not None:
            return
        for key, since in list(self._gone.items()):
            share, relpath = key
            if share in busy or now - since < self.tracker.settle_s[share]:
                continue
            del self._gone[key]
            try:
                result = ingest.record_removal(self.archive, share, relpath)
            except Exception as exc:  # noqa: BLE001 - the next scan finds it again
                log.warning("could not record the removal of %s/%s: %r", share, readable(relpath), exc)
                continue
            if result is not None:
                self._decided(result.status, result.path, result.reason, {})

    # -- observers ----------------------------------------------------------------
    def _mode(self, share: str) -> str:
        s = self.archive.config.shares[share]
        return f"polling every {s.poll_interval_seconds:g} s" if s.polling else "file events"

    def _start_observers(self) -> None:
        for share in self.roots:
            self._start_observer(share)

    def _start_observer(self, share: str) -> None:
        settings = self.archive.config.shares[share]
        root = self.roots[share]
        observer: BaseObserver
        if settings.polling:
            observer = PollingObserverVFS(os.lstat, os.scandir, polling_interval=settings.poll_interval_seconds)
        else:
            observer = Observer()
        observer.schedule(_HintHandler(share, root, self.hints, self.missed), str(root), recursive=True,
                          follow_symlink=False)
        try:
            observer.start()
        except OSError as exc:
            log.warning("cannot watch share %s (%s): %s; the reconcile scan still covers it", share, root, exc)
            return
        self.observers[share] = observer

    def _check_observers(self) -> None:
        """An observer whose folder vanished (unmounted share) stops: start it again once it is back."""
        for share in self.roots:
            obs = self.observers.get(share)
            alive = obs is not None and obs.is_alive() and all(e.is_alive() for e in obs.emitters)
            if not alive and self.roots[share].is_dir():
                if obs is not None:
                    log.warning("events for share %s stopped; watching it again", share)
                    _stop(obs)
                    self.observers.pop(share, None)
                self._start_observer(share)
                self.missed.set()

    def _stop_observers(self) -> None:
        for obs in self.observers.values():
            _stop(obs)
        self.observers.clear()

    # -- state for `archiver status` ---------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"state": self._state, "pid": os.getpid(), "queue": len(self.tracker) + self.hints.qsize(),
                "updated_at": self.archive.now(), "started_at": self._started_at,
                "reconciling": self._scan is not None, "last_reconcile_at": self._last_reconcile,
                "pending_removals": len(self._gone), "counts": dict(self.counts),
                "shares": {n: self._mode(n) for n in self.roots},
                "latest": list(self.latest), "problems": list(self.problems), **self.upkeep.state()}

    def _write_state(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next_state:
            return
        self._next_state = now + STATE_EVERY_S
        tmp = self.state_file.with_name(f".{WATCHER_STATE}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(self.state(), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.state_file)
        except OSError as exc:
            log.warning("cannot write %s: %s", self.state_file, exc)


def _summary(result: ingest.IngestResult) -> dict[str, Any]:
    key = result.key
    return {k: v for k, v in (("nip", key.nip), ("tahun", key.tahun), ("periode", key.periode),
                              ("rhk", key.rhk), ("sha256", result.sha256)) if v is not None}


def _stop(observer: BaseObserver) -> None:
    try:
        observer.stop()
        observer.join(timeout=5)
    except (OSError, RuntimeError) as exc:
        log.debug("observer did not stop cleanly: %s", exc)


def _can_ignore_sigio() -> bool:
    """Writer checks use file leases, whose breaks signal SIGIO: ignore it (main thread only)."""
    if not hasattr(signal, "SIGIO"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return signal.getsignal(signal.SIGIO) == signal.SIG_IGN
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    return True
