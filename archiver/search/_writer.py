"""The index writer process: large batches are indexed outside the ingesting process.

    WriterProcess(archive).write(ids)      # the parent: starts the process, hands it one batch

Writing the index (analysis, stemming, Whoosh's postings) and storing the extracted texts
is Python work that holds the GIL: done on a thread of the ingesting process it halves
the rate at which files are stored and catalogued, even with a second core idle. A burst
of files is therefore handed, batch by batch, to this process, which opens the same
archive, extracts the texts in its own pool of extraction workers, writes the batch in one
commit and answers with what it wrote. It runs at a lower priority (``WRITER_NICENESS``), its
workers too: when the cores are all busy, storing and cataloguing the next files come first
(the index is derived data; it catches up as soon as the burst ends). The catalog (SQLite in WAL mode, ``BEGIN
IMMEDIATE``) and the index writer lock already serialise it with every other writer.

Messages are length-prefixed pickles, as with the extraction workers; the only peer is the
parent that started the process, over its own pipes. The parent hands over one batch at a
time and waits for its answer; when the process dies, the parent queues the batch in the
catalog's ``index_queue`` (nothing is lost) and indexes later batches itself.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import subprocess
import sys
from typing import IO, Any

from ..archive import Archive, utc_now
from ..config import Config

log = logging.getLogger(__name__)

HEADER = struct.Struct(">I")


def _send(f: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    f.write(HEADER.pack(len(data)) + data)
    f.flush()


def _recv(f: IO[bytes]) -> Any:
    head = f.read(HEADER.size)
    if len(head) < HEADER.size:
        raise EOFError("the index writer process closed its pipe")
    body = f.read(HEADER.unpack(head)[0])
    return pickle.loads(body)


class WriterGone(Exception):
    """The writer process stopped (or could not start); the batch it held was not written."""


class WriterProcess:
    """The parent's handle: ``write(ids)`` returns (written, left pending); ``close()`` stops it."""

    def __init__(self, archive: Archive) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", "from archiver.search._writer import serve; serve()"],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, close_fds=True)
        clock = archive.clock if archive.clock is not utc_now else None
        try:
            assert self.proc.stdin is not None
            _send(self.proc.stdin, (archive.config, archive.actor, clock))
        except (OSError, pickle.PicklingError, AttributeError, TypeError) as exc:
            self.close()
            raise WriterGone(f"the index writer process could not start: {exc}") from exc

    def write(self, ids: list[int]) -> tuple[int, int]:
        try:
            assert self.proc.stdin is not None and self.proc.stdout is not None
            _send(self.proc.stdin, ids)
            answer = _recv(self.proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            code = self.proc.poll()
            raise WriterGone(f"the index writer process stopped (exit code {code}): {exc}") from exc
        written, pending = answer
        return int(written), int(pending)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def close(self) -> None:
        """Ask the process to finish (it stops its extraction workers) and wait for it."""
        for f in (self.proc.stdin,):
            try:
                f.close()  # type: ignore[union-attr]
            except OSError:
                pass
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


#: How much lower the writer process (and the extraction workers it starts) runs than the
#: ingesting process: on a busy machine the CPU goes first to storing and cataloguing evidence.
WRITER_NICENESS = 10


def _lower_priority() -> None:
    try:
        os.nice(WRITER_NICENESS)
    except (OSError, AttributeError):  # a platform without nice: same priority
        pass


def serve() -> None:
    """The child: open the archive, then write each batch received until the pipe closes."""
    _lower_priority()
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a library that prints must not corrupt the answers
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from .. import extract
    from ._indexing import write_batch

    try:
        config, actor, clock = _recv(requests)
    except EOFError:
        return
    assert isinstance(config, Config)
    archive = Archive.open(config, actor=actor, clock=clock or utc_now, migrate=False)
    try:
        while True:
            try:
                ids = _recv(requests)
            except EOFError:
                break
            _send(answers, write_batch(archive, ids))
    finally:
        extract.shutdown()
        archive.close()
