"""Index writes in batches, off the ingest thread.

    with batched(archive) as batch:          # ingest.scan, ingest_paths, the watcher
        ... index_new_submission(...)         # inside: the submission joins the batch
        batch.poll()                          # the watcher, each turn: write a batch that waited

Committing the index once per file cost about half of ingest (a new segment and a merge
each time). Inside ``batched`` a new submission only joins the current batch; the batch
is handed to a writer thread when it holds ``[index] batch_size`` files or its oldest has
waited ``[index] batch_seconds``. The writer thread extracts the batch's texts in
parallel (one extraction worker process per core), writes them in one commit without
merging segments, and marks them indexed; it also checks the signatures of the batch's
new PDFs (``signing.check.check_new_pdfs``). Segments are merged when there are many of
them, and by the indexing pass the watcher runs after each reconcile scan.

From the first full batch on (a burst), the writer thread hands each batch to an index
writer process (``_writer``, ``[index] writer_process``) and waits for its answer: writing
the index holds the GIL, and on a thread of this process it would slow the storing and
cataloguing of the next files. A batch of a file or two (a lone drop) is written here, so
it is searchable without waiting for a process to start. If the process dies, its batch
goes into the queue below and later batches are written here again.

At most two batches wait for the writer; a third blocks the ingest thread until one is
written, so memory stays bounded when extraction is slower than archiving. What cannot be
written (the index busy or broken) goes into the catalog's ``index_queue``; every batch
written afterwards retries the queue too. Nothing here scans the archive for pending
work, so the cost per file does not grow with the archive; the watcher's pass after each
reconcile scan (``index_pending``) is the safety net that finds anything else not indexed
(a crash between archiving and indexing). A batch never loses a file and never stops
archiving.

Outside ``batched`` (an admin's release, a relink) a submission is indexed at once, in its
own commit.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..archive import Archive
from ..catalog import text as ctext
from ..signing.check import check_new_pdfs
from ._indexing import ensure_text, retry_queued, write_batch, write_ids
from ._writer import WriterGone, WriterProcess

log = logging.getLogger(__name__)
#: Batches handed over but not yet written; one more blocks the ingest thread (back-pressure).
MAX_WAITING = 2

_ACTIVE: ContextVar[IndexBatch | None] = ContextVar("archiver_index_batch", default=None)


class IndexBatch:
    """Submissions waiting to be indexed together (see the module docstring)."""

    def __init__(self, archive: Archive, *, size: int, wait_s: float) -> None:
        self.archive = archive
        self.size = size
        self.wait_s = wait_s
        self.use_process = archive.config.index.writer_process
        self.written = 0
        self.left_pending = 0
        self.processes = 0  # index writer processes started
        self.writer_pid: int | None = None  # the latest one's
        self._ids: list[int] = []
        self._oldest = 0.0
        self._queue: queue.Queue[list[int] | None] = queue.Queue(maxsize=MAX_WAITING)
        self._thread = threading.Thread(target=self._write_loop, name="index-writer", daemon=True)
        self._thread.start()

    def add(self, submission_id: int) -> None:
        if not self._ids:
            self._oldest = time.monotonic()
        self._ids.append(submission_id)
        if len(self._ids) >= self.size:
            self._hand_over()

    def poll(self) -> None:
        """Hand over the batch when its oldest file has waited long enough (call it often)."""
        if self._ids and time.monotonic() - self._oldest >= self.wait_s:
            self._hand_over()

    def close(self) -> None:
        """Write what is left and wait for the writer thread."""
        if self._ids:
            self._hand_over()
        self._queue.put(None)
        self._thread.join()

    def _hand_over(self) -> None:
        ids, self._ids = self._ids, []
        self._queue.put(ids)

    def _write_loop(self) -> None:
        proc: WriterProcess | None = None
        try:
            while (ids := self._queue.get()) is not None:
                if proc is None and self.use_process and len(ids) >= self.size:
                    try:  # a burst: from now on the index is written in a process of its own
                        proc = WriterProcess(self.archive)
                        self.processes += 1
                        self.writer_pid = proc.pid
                    except WriterGone as exc:
                        log.warning("%s; indexing in this process", exc)
                        self.use_process = False
                if proc is None:
                    written, pending = write_batch(self.archive, ids)
                else:
                    try:
                        written, pending = proc.write(ids)
                    except WriterGone as exc:
                        log.warning("%s; %d file(s) queued for the next batch, indexed in this process from now on",
                                    exc, len(ids))
                        proc.close()
                        proc, self.use_process = None, False
                        ctext.enqueue(self.archive.catalog, ids, self.archive.now())
                        check_new_pdfs(self.archive, ids)
                        written, pending = 0, len(ids)
                self.written += written
                self.left_pending += pending
        finally:
            if proc is not None:
                proc.close()


def active_batch() -> IndexBatch | None:
    """The batch new submissions join in this context, if any."""
    return _ACTIVE.get()


@contextmanager
def batched(archive: Archive) -> Iterator[IndexBatch]:
    """Within this block new submissions are indexed in batches (nested blocks share the outer one)."""
    outer = _ACTIVE.get()
    if outer is not None:
        yield outer
        return
    batch = IndexBatch(archive, size=archive.config.index.batch_size, wait_s=archive.config.index.batch_seconds)
    token = _ACTIVE.set(batch)
    try:
        yield batch
    finally:
        try:
            _ACTIVE.reset(token)
        except ValueError:  # closed from another context (a generator finalised late)
            _ACTIVE.set(None)
        batch.close()


#: How long a submission indexed on its own waits for the index writer lock before it is queued.
ALONE_LOCK_TIMEOUT_S = 0.5
#: Queued submissions a lone write retries with it.
RETRY_ALONE = 50


def index_new_submission(archive: Archive, submission_id: int, sha256: str, type_name: str | None) -> None:
    """After ingest: join the active batch, or (outside ``batched``) extract and index it now.

    Never raises for index trouble: a busy or broken index leaves the submission pending
    for the next pass. Nothing here looks at other pending submissions (that is the pass's
    job), so its cost does not grow with the archive.
    """
    batch = _ACTIVE.get()
    if batch is not None:
        batch.add(submission_id)
        return
    ensure_text(archive, sha256, type_name or "")
    if write_ids(archive, [submission_id], timeout=ALONE_LOCK_TIMEOUT_S):
        retry_queued(archive, limit=RETRY_ALONE)
