"""Work spread over nodes: text extraction + indexing jobs taken from the catalog, and heartbeats.

    [work] mode = "queue"     ingest queues a job per new submission (``enqueue``)
    archiver work             worker processes on this node take jobs (``run_workers``)

Each worker process loops: claim a few jobs (``archiver.catalog.jobs.claim``: ``FOR UPDATE
SKIP LOCKED`` on PostgreSQL), keep their leases renewed while working, extract each blob's
text (in the extraction worker under ``[extract]`` limits: a hostile file times out or kills
only that helper process), index the submissions in one commit through ``archiver.search``
(whichever backend is configured), then mark the jobs done. A failed attempt is retried after a pause,
up to ``[work] max_attempts``, then the job is marked failed with its reason. A worker
killed mid-job stops renewing its lease; another node takes the job once it expires.

Every long-running process (watch, run, work, serve) records a heartbeat in the ``nodes``
table (``heartbeat``), which `archiver status` reads to list every node.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from .archive import Archive
from .catalog import jobs
from .catalog import text as ctext
from .config import Config
from .i18n import deferred
from .search import IndexBusy, backend_of, ensure_text, index_submissions, merge_segments

log = logging.getLogger(__name__)

#: How long an idle worker waits before asking for a job again.
IDLE_WAIT_S = 0.5
#: How long a job waits for the index writer lock before it is given back (not counted as an attempt).
INDEX_LOCK_TIMEOUT_S = 10.0
#: A node's row is removed once it has been silent this long (stopped, or gone for good).
FORGET_AFTER_S = 7 * 86400.0
#: `archiver status` calls a node not responding after this many missed heartbeats.
MISSED_BEATS = 3


def node_name(config: Config, role: str) -> str:
    """This process's name in the ``nodes`` table: NAME/role/pid (NAME: ``[work] node_name`` or the host)."""
    return f"{config.work.node_name or socket.gethostname()}/{role}/{os.getpid()}"


def worker_count(config: Config, requested: int | None = None) -> int:
    n = requested if requested is not None else config.work.workers
    return n or os.cpu_count() or 1


# --------------------------------------------------------------------------- heartbeats

class Heartbeat:
    """A thread recording this process's heartbeat every ``[work] heartbeat_seconds``."""

    def __init__(self, archive: Archive, role: str, *, state: Callable[[], str] | None = None) -> None:
        self.archive = archive
        self.role = role
        self.name = node_name(archive.config, role)
        self.interval = archive.config.work.heartbeat_seconds
        self._state = state or (lambda: "running")
        self._started_at = archive.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{role}", daemon=True)

    def beat(self, state: str | None = None) -> None:
        """Record one heartbeat now; a catalog that cannot be written is logged, never raised."""
        try:
            jobs.beat(self.archive.catalog, name=self.name, host=socket.gethostname(), role=self.role,
                      pid=os.getpid(), state=state or self._state(), started_at=self._started_at,
                      at=self.archive.now(), interval=self.interval)
        except Exception as exc:  # noqa: BLE001 - a heartbeat never stops the work it reports on
            log.warning("heartbeat of %s not recorded: %s", self.name, exc)

    def start(self) -> Heartbeat:
        self.beat()
        try:
            jobs.forget_nodes(self.archive.catalog, silent_for_s=FORGET_AFTER_S)
        except Exception as exc:  # noqa: BLE001 - housekeeping only
            log.debug("old nodes not forgotten: %s", exc)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.beat("stopped")

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()


@contextmanager
def heartbeat(archive: Archive, role: str, *, state: Callable[[], str] | None = None) -> Iterator[Heartbeat]:
    """Beat while the block runs; the node is recorded as stopped when it ends."""
    hb = Heartbeat(archive, role, state=state).start()
    try:
        yield hb
    finally:
        hb.stop()


# --------------------------------------------------------------------------- queueing

def queue_mode(archive: Archive) -> bool:
    return archive.config.work.mode == "queue"


def enqueue(archive: Archive, submission_id: int, sha256: str) -> bool:
    """Queue the text extraction + indexing of a new submission (no-op when a job is open already)."""
    return jobs.enqueue(archive.catalog, [(submission_id, sha256)], archive.now()) > 0


def enqueue_pending(archive: Archive) -> int:
    """The queue-mode safety net after each reconcile pass: a job for every stored submission
    the index does not hold yet and no open job covers (a crash between archiving and queueing)."""
    pending = ctext.pending_ids(archive.catalog, backend_of(archive).generation())
    return jobs.enqueue(archive.catalog, jobs.submissions_without_job(archive.catalog, pending), archive.now())


# --------------------------------------------------------------------------- the worker

@dataclass
class WorkReport:
    done: int = 0
    failed: int = 0  # jobs this worker marked failed for good
    retried: int = 0  # failed attempts that will be tried again


class _Lease:
    """Renews the leases of the jobs a worker holds every third of ``[work] lease_seconds``."""

    def __init__(self, archive: Archive, batch: list[jobs.Job], node: str) -> None:
        self.archive, self.ids, self.node = archive, [j.id for j in batch], node
        self.lease_s = archive.config.work.lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lease", daemon=True)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                if jobs.renew(self.archive.catalog, self.ids, self.node, lease_s=self.lease_s) < len(self.ids):
                    log.warning("jobs %s: a lease was lost (another node took the job over)", self.ids)
            except Exception as exc:  # noqa: BLE001 - the next renewal tries again
                log.warning("jobs %s: leases not renewed: %s", self.ids, exc)


class Worker:
    """One worker: claims jobs until ``stop`` is set (``once``: until no job is open anywhere).

    Jobs are claimed a few at a time (``BATCH``): each blob's text is extracted (again on a
    retry), then the batch is indexed in one commit. A blob with no text is indexed by its
    name and fields all the same, and its job fails the attempt with the extractor's reason."""

    BATCH = 5

    def __init__(self, archive: Archive, node: str, *, once: bool = False) -> None:
        self.archive = archive
        self.node = node
        self.once = once
        self.settings = archive.config.work
        self.report = WorkReport()

    def run(self, stop: threading.Event) -> WorkReport:
        while not stop.is_set():
            batch = jobs.claim(self.archive.catalog, self.node, lease_s=self.settings.lease_seconds,
                               max_attempts=self.settings.max_attempts, at=self.archive.now(), limit=self.BATCH)
            if batch:
                self.run_batch(batch)
                continue
            if self.once and not self._open_jobs():
                break
            stop.wait(IDLE_WAIT_S)
        return self.report

    def _open_jobs(self) -> int:
        c = jobs.counts(self.archive.catalog)
        return c["queued"] + c["running"]

    def run_batch(self, batch: list[jobs.Job]) -> None:
        log.info("jobs %s taken by %s", [j.id for j in batch], self.node)
        errors: dict[int, str] = {}
        try:
            with _Lease(self.archive, batch, self.node):
                for job in batch:
                    try:
                        rec = ensure_text(self.archive, job.sha256, job.type_name, fresh=job.attempts > 1)
                    except Exception as exc:  # noqa: BLE001 - recorded on the job; the others go on
                        errors[job.id] = f"{type(exc).__name__}: {exc}"  # an error's own text
                        continue
                    if rec.status == "failed":
                        errors[job.id] = rec.reason or deferred("text extraction failed")
                index_submissions(self.archive, [j.submission_id for j in batch], timeout=INDEX_LOCK_TIMEOUT_S,
                                  merge=False)
                merge_segments(self.archive, only_if_many=True)
        except IndexBusy:
            log.info("jobs %s: search index busy; given back", [j.id for j in batch])
            for job in batch:
                jobs.release(self.archive.catalog, job, self.node, retry_s=1.0, at=self.archive.now())
            return
        except Exception as exc:  # noqa: BLE001 - the batch's attempt failed; recorded on each job
            errors = {j.id: errors.get(j.id) or f"{type(exc).__name__}: {exc}" for j in batch}
        self.report.done += jobs.finish(self.archive.catalog, [j.id for j in batch if j.id not in errors],
                                        self.node, self.archive.now())
        for job in batch:
            if job.id in errors:
                self._failed(job, errors[job.id])

    def _failed(self, job: jobs.Job, reason: str) -> None:
        state = jobs.fail(self.archive.catalog, job, self.node, reason, max_attempts=self.settings.max_attempts,
                          retry_s=min(300.0, 2.0 ** job.attempts), at=self.archive.now())
        if state == "failed":
            self.report.failed += 1
            log.warning("job %d (submission %d) failed after %d attempt(s): %s",
                        job.id, job.submission_id, job.attempts, reason)
        elif state == "queued":
            self.report.retried += 1
            log.info("job %d attempt %d failed (%s); tried again later", job.id, job.attempts, reason)


def work(config: Config, *, once: bool = False, stop: threading.Event | None = None) -> WorkReport:
    """One worker in this process, with its own archive and heartbeat (role ``work``)."""
    stop = stop or threading.Event()
    with Archive.open(config, migrate=False) as archive, heartbeat(archive, "work") as hb:
        return Worker(archive, hb.name, once=once).run(stop)


def _child(config: Config, once: bool) -> None:
    """A worker process: SIGTERM/SIGINT finish the current job, then stop."""
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    logging.basicConfig(level=logging.WARNING)
    work(config, once=once, stop=stop)


def start_workers(config: Config, n: int, *, once: bool = False) -> list[multiprocessing.process.BaseProcess]:
    """Start ``n`` worker processes (spawned: no threads of this process are inherited)."""
    ctx = multiprocessing.get_context("spawn")
    procs: list[multiprocessing.process.BaseProcess] = [
        ctx.Process(target=_child, args=(config, once), name=f"archiver-work-{i}") for i in range(n)]
    for p in procs:
        p.start()
    return procs


def stop_workers(procs: list[multiprocessing.process.BaseProcess], *, timeout: float = 60.0) -> None:
    """Ask the workers to stop after their current job, then wait (killing any that hang)."""
    for p in procs:
        if p.is_alive() and p.pid is not None:
            os.kill(p.pid, signal.SIGTERM)
    for p in procs:
        p.join(timeout=timeout)
        if p.is_alive():
            p.kill()
            p.join()
