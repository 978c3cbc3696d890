"""Text extraction for search, isolated from the archive's process.

    ex = extract(path, "pdf", ExtractLimits(ocr=True))   # -> Extraction(status, text, reason, ...)

Files are parsed in a long-lived worker process (``worker.py``) with a capped address
space and a parse timer; the parent waits at most the limits' wall time for an answer,
then kills the worker and starts a new one for the next file. A hostile or broken file
therefore costs a status and a reason ("no text: ..."), never the ingest. ``extract``
never raises for bad input.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import selectors
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .model import STATUSES, Extraction, ExtractLimits
from .ocr import ocr_available
from .worker import HEADER

__all__ = ["STATUSES", "ExtractLimits", "Extraction", "extract", "ocr_available", "shutdown"]

log = logging.getLogger(__name__)
#: Grace on top of the limits' wall time before the parent kills the worker.
GRACE_S = 5.0


class _WorkerGone(Exception):
    pass


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.proc = subprocess.Popen([sys.executable, "-m", "archiver.extract.worker", str(memory_mb)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     close_fds=True)
        self.sel = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.sel.register(self.fd, selectors.EVENT_READ)

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
                raise _WorkerGone(f"the extraction worker died (exit code {self.proc.wait()})")
            buf += chunk
        return bytes(buf)

    def kill(self) -> None:
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


_lock = threading.Lock()
_worker: _Worker | None = None


def shutdown() -> None:
    """Stop the worker (it is started again on the next call)."""
    global _worker
    with _lock:
        if _worker is not None:
            _worker.kill()
            _worker = None


atexit.register(shutdown)


def extract(path: Path | str, type_name: str, limits: ExtractLimits = ExtractLimits()) -> Extraction:
    """The text of one file, extracted in the worker under ``limits``."""
    global _worker
    path = Path(path)
    wall = limits.wall_s + GRACE_S
    with _lock:
        for attempt in (1, 2):
            if _worker is None or _worker.memory_mb != limits.memory_mb or _worker.proc.poll() is not None:
                if _worker is not None:
                    _worker.kill()
                _worker = _Worker(limits.memory_mb)
            try:
                return _worker.call((str(path), type_name, limits), wall)
            except TimeoutError:
                log.warning("extraction of %s took longer than %.0f s: worker killed", path, wall)
                _worker.kill()
                _worker = None
                return Extraction("failed", "", reason=f"no text: extraction timed out after {wall:.0f} s",
                                  extractor="worker")
            except (_WorkerGone, EOFError, pickle.UnpicklingError, AssertionError) as exc:
                _worker.kill()
                _worker = None
                if attempt == 2:  # it died on this very file twice: the file is the cause
                    return Extraction("failed", "", reason=f"no text: the extractor crashed on this file ({exc})",
                                      extractor="worker")
                log.warning("extraction worker lost (%s); retrying %s once in a new one", exc, path)
    raise AssertionError("unreachable")
