"""Text extraction for search, isolated from the archive's process.

    ex = extract(path, "pdf", ExtractLimits(ocr=True))   # -> Extraction(status, text, reason, ...)

Files are parsed in long-lived worker processes (``worker.py``, a pool of one per core by
default, ``set_workers``) with a capped address space and a parse timer; the parent waits
at most the limits' wall time for an answer, then kills that worker and starts a new one
for the next file. A hostile or broken file
therefore costs a status and a reason ("no text: ..."), never the ingest. ``extract``
never raises for bad input.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ..i18n import deferred
from .model import STATUSES, Extraction, ExtractLimits
from .ocr import ocr_available
from .worker import HEADER

__all__ = ["STATUSES", "ExtractLimits", "Extraction", "extract", "ocr_available", "set_workers", "shutdown",
           "worker_pids"]

log = logging.getLogger(__name__)
#: Grace on top of the limits' wall time before the parent kills the worker.
GRACE_S = 5.0


class _WorkerGone(Exception):
    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.owner = os.getpid()  # a forked child must not talk to its parent's worker
        self.proc = subprocess.Popen([sys.executable, "-m", "archiver.extract.worker", str(memory_mb)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     close_fds=True)
        self.sel = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.sel.register(self.fd, selectors.EVENT_READ)

    def usable(self, memory_mb: int) -> bool:
        return self.owner == os.getpid() and self.memory_mb == memory_mb and self.proc.poll() is None

    def call(self, request: Any, wall_s: float) -> Extraction:
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(HEADER.pack(len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _WorkerGone("the extraction worker is gone") from exc
        deadline = time.monotonic() + wall_s
        head = self._read(HEADER.size, deadline)
        answer = pickle.loads(self._read(HEADER.unpack(head)[0], deadline))
        assert isinstance(answer, Extraction)
        return answer

    def _read(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError()
            if not self.sel.select(timeout=left):
                continue
            try:
                chunk = os.read(self.fd, n - len(buf))
            except BlockingIOError:
                continue
            if not chunk:
                code = self.proc.wait()
                raise _WorkerGone(f"the extraction worker died (exit code {code})", code)
            buf += chunk
        return bytes(buf)

    def kill(self) -> None:
        if self.owner != os.getpid():
            return
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()
        self.sel.close()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()  # type: ignore[union-attr]
            except OSError:
                pass


class _Pool:
    """Up to ``size`` long-lived workers; each call takes an idle one (or starts one), so
    threads that extract at the same time parse in parallel processes."""

    def __init__(self) -> None:
        self.size = os.cpu_count() or 1
        self.cond = threading.Condition()
        self.idle: list[_Worker] = []
        self.busy = 0

    def resize(self, size: int) -> None:
        with self.cond:
            self.size = max(1, size)
            while len(self.idle) + self.busy > self.size and self.idle:
                self.idle.pop().kill()
            self.cond.notify_all()

    def take(self, memory_mb: int) -> _Worker | None:
        """An idle worker fit for these limits, or None: the caller starts a new one (a slot is held)."""
        with self.cond:
            while not self.idle and self.busy >= self.size:
                self.cond.wait()
            self.busy += 1
            while self.idle:
                w = self.idle.pop()
                if w.usable(memory_mb):
                    return w
                w.kill()
            return None

    def give_back(self, worker: _Worker | None) -> None:
        with self.cond:
            self.busy -= 1
            if worker is not None and worker.usable(worker.memory_mb) and len(self.idle) + self.busy < self.size:
                self.idle.append(worker)
            elif worker is not None:
                worker.kill()
            self.cond.notify()

    def shutdown(self) -> None:
        with self.cond:
            for w in self.idle:
                w.kill()
            self.idle.clear()


_pool = _Pool()


def worker_pids() -> list[int]:
    """Process ids of the idle workers (for status and tests)."""
    with _pool.cond:
        return [w.proc.pid for w in _pool.idle]


def set_workers(n: int) -> None:
    """How many files may be parsed at once (worker processes); 0 means one per core."""
    _pool.resize(n or os.cpu_count() or 1)


def shutdown() -> None:
    """Stop the idle workers (they are started again on the next call)."""
    _pool.shutdown()


atexit.register(shutdown)


DEFAULT_LIMITS = ExtractLimits()


def extract(path: Path | str, type_name: str, limits: ExtractLimits = DEFAULT_LIMITS) -> Extraction:
    """The text of one file, extracted in a worker under ``limits``. Never raises for bad input.

    Thread-safe: concurrent calls use different workers (at most ``set_workers``)."""
    from .formats import has_extractor, no_extractor

    path = Path(path)
    if not path.is_file():
        return Extraction("failed", "", reason=deferred("no text: the file is missing ({path})", path=str(path)),
                          extractor="worker")
    if not has_extractor(type_name):  # a video, an archive...: no worker started for nothing
        return no_extractor(type_name)
    wall = limits.wall_s + GRACE_S
    worker = _pool.take(limits.memory_mb)
    try:
        for attempt in (1, 2):
            if worker is None:
                try:
                    worker = _Worker(limits.memory_mb)
                except OSError as exc:  # fork failed, too many open files...
                    return Extraction("failed", "", extractor="worker",
                                      reason=deferred("no text: the extraction worker could not start ({error})",
                                                      error=str(exc)))
            try:
                return worker.call((str(path), type_name, limits), wall)
            except TimeoutError:
                log.warning("extraction of %s took longer than %.0f s: worker killed", path, wall)
                worker.kill()
                worker = None
                return _timed_out(wall)
            except (_WorkerGone, EOFError, pickle.UnpicklingError, AssertionError) as exc:
                worker.kill()
                worker = None
                if getattr(exc, "returncode", None) == -signal.SIGXCPU:  # the kernel stopped a stuck parse
                    log.warning("extraction of %s used up its CPU time: worker stopped", path)
                    return _timed_out(limits.timeout_s)
                if attempt == 2:  # it died on this very file twice: the file is the cause
                    return Extraction("failed", "", reason=deferred(
                        "no text: the extractor crashed on this file ({error})", error=str(exc)), extractor="worker")
                log.warning("extraction worker lost (%s); retrying %s once in a new one", exc, path)
        raise AssertionError("unreachable")
    finally:
        _pool.give_back(worker)


def _timed_out(seconds: float) -> Extraction:
    return Extraction("failed", "", reason=deferred("no text: extraction timed out after {seconds} s",
                                                    seconds=format(seconds, "g")), extractor="worker")
