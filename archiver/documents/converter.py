"""DOCX -> PDF with LibreOffice headless: a few processes for a whole batch, a time limit per document.

Why batch conversion and not a UNO socket server (``soffice --accept`` / unoserver): the
UNO bridge must be imported by the Python that drives it, and Debian's ``python3-uno``
is built for the system Python, not the interpreter archiver runs in; unoserver needs
the same bridge plus a second package. A batch call needs nothing but the
``soffice`` program that CI already installs, pays the ~1 s start once per batch and then
converts at ~0.2 s per file (shared notes). It is still one long-lived converter per
batch, with its own profile (``-env:UserInstallation``) so it never collides with a
desktop LibreOffice or another converter.

A LibreOffice conversion runs on one core, so ``convert_all`` splits a batch between
several converters at once (default: one per core), each with its own profile and its
share of the batch in one call: on 2 cores two converters make about twice the PDFs per
second of one, and three or four converters make fewer than two do (docs/benchmarks.md).

The per-document time limit works on LibreOffice's progress lines: it prints
``convert <src> -> <dst> using filter ...`` for each document, flushed, as it goes.
If no line arrives within the limit the process group is killed, the document that was
in hand is reported as failed, and a new process carries on with the rest.
"""

from __future__ import annotations

import contextvars
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..i18n import _

log = logging.getLogger(__name__)

_CONVERT_LINE = re.compile(r"^convert (.+?) -> (.+?) using filter")


@dataclass(frozen=True)
class Conversion:
    source: Path
    pdf: Path | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.pdf is not None


def find_soffice() -> str:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    raise UsageError(_("LibreOffice is not installed, so PDF cannot be made"),
                     hint=_("apt-get install --no-install-recommends libreoffice-writer-nogui "
                            "fonts-liberation fonts-dejavu-core (or leave out --pdf)"))


class PdfConverter:
    """Convert many DOCX files with one LibreOffice process per batch.

        with PdfConverter() as conv:
            for result in conv.convert(docx_paths, outdir): ...
    """

    def __init__(self, soffice: str | None = None, *, per_document_timeout: float = 60.0,
                 startup_timeout: float = 90.0, chunk: int = 1000) -> None:
        self.soffice = soffice or find_soffice()
        self.per_document_timeout = per_document_timeout
        self.startup_timeout = startup_timeout
        self.chunk = chunk
        self._profile = Path(tempfile.mkdtemp(prefix="archiver-lo-"))
        self.processes_started = 0

    def close(self) -> None:
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> PdfConverter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def convert(self, sources: Sequence[Path], outdir: Path) -> Iterator[Conversion]:
        """Yield one Conversion per source, in order, as each PDF is finished."""
        outdir.mkdir(parents=True, exist_ok=True)
        pending = [Path(s).resolve() for s in sources]
        while pending:
            batch, pending = pending[: self.chunk], pending[self.chunk:]
            leftover = yield from self._run(batch, outdir)
            pending = leftover + pending

    # -- one process ---------------------------------------------------------
    def _command(self, batch: Sequence[Path], outdir: Path) -> list[str]:
        return [self.soffice, f"-env:UserInstallation={self._profile.as_uri()}", "--headless", "--invisible",
                "--nologo", "--nodefault", "--norestore", "--nolockcheck", "--nofirststartwizard",
                "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir), *map(str, batch)]

    def _run(self, batch: list[Path], outdir: Path) -> Generator[Conversion, None, list[Path]]:
        """Convert ``batch``; returns the sources not attempted after a timeout (generator return)."""
        proc = subprocess.Popen(self._command(batch, outdir), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True, errors="replace", start_new_session=True,
                                env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
        self.processes_started += 1
        lines: queue.Queue[str | None] = queue.Queue()
        stderr: list[str] = []

        def pump_out() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        def pump_err() -> None:
            assert proc.stderr is not None
            stderr.extend(proc.stderr)

        threads = [threading.Thread(target=pump_out, daemon=True), threading.Thread(target=pump_err, daemon=True)]
        for t in threads:
            t.start()
        index = {str(p): i for i, p in enumerate(batch)}
        current = -1  # index of the document LibreOffice announced last
        done = 0  # documents before this index have been reported
        limit = self.startup_timeout + self.per_document_timeout
        try:
            while True:
                started = time.monotonic()
                try:
                    line = lines.get(timeout=limit)
                except queue.Empty:
                    return (yield from self._timed_out(proc, batch, outdir, current, time.monotonic() - started))
                if line is None:
                    break
                m = _CONVERT_LINE.match(line)
                if not m:
                    log.debug("soffice: %s", line)
                    continue
                i = index.get(m.group(1), -1)
                if i < 0:
                    log.warning("soffice converted an unexpected file: %s", line)
                    continue
                for j in range(done, i):  # everything before i is finished
                    yield self._result(batch[j], outdir, stderr)
                done, current = i, i
                limit = self.per_document_timeout
            proc.wait(timeout=self.per_document_timeout)
            for j in range(done, len(batch)):
                yield self._result(batch[j], outdir, stderr)
            return []
        finally:
            if proc.poll() is None:
                _kill(proc)
            for t in threads:
                t.join(timeout=5)

    def _timed_out(self, proc: subprocess.Popen[str], batch: list[Path], outdir: Path, current: int,
                   waited: float) -> Generator[Conversion, None, list[Path]]:
        """Kill the process; report the hung document; return the documents still to do."""
        _kill(proc)
        culprit = max(current, 0)
        if current >= 0 and _pdf_for(batch[current], outdir).is_file():
            yield self._result(batch[current], outdir, [])  # it finished: the next one hung while loading
            culprit = current + 1
        if culprit < len(batch):
            _pdf_for(batch[culprit], outdir).unlink(missing_ok=True)
            yield Conversion(batch[culprit], None,
                             _("LibreOffice took longer than {seconds} s for this document and was stopped")
                             .format(seconds=f"{waited:.0f}"))
        return batch[culprit + 1:]

    @staticmethod
    def _result(source: Path, outdir: Path, stderr: list[str]) -> Conversion:
        pdf = _pdf_for(source, outdir)
        if pdf.is_file() and pdf.stat().st_size > 0:
            return Conversion(source, pdf)
        detail = " ".join(s.strip() for s in stderr if s.strip())[-300:]
        if detail:
            return Conversion(source, None, _("LibreOffice could not convert this document: {detail}")
                              .format(detail=detail))
        return Conversion(source, None, _("LibreOffice could not convert this document"))


def convert_all(sources: Sequence[Path], outdir: Path, *, converters: int | None = None,
                per_document_timeout: float = 60.0, soffice: str | None = None) -> Iterator[Conversion]:
    """Convert ``sources`` with ``converters`` LibreOffice processes at once (default: one per core, never
    more than there are sources); yields one Conversion per source as each PDF is finished, in no
    particular order. Each converter has its own profile and time limit per document."""
    n = max(1, min(converters or os.cpu_count() or 1, len(sources)))
    soffice = soffice or find_soffice()
    shares = [list(sources[i::n]) for i in range(n)]
    if n == 1:
        with PdfConverter(soffice, per_document_timeout=per_document_timeout) as conv:
            yield from conv.convert(shares[0], outdir)
        return
    outdir.mkdir(parents=True, exist_ok=True)
    results: queue.Queue[Conversion | BaseException | None] = queue.Queue()
    stop = threading.Event()

    def convert(share: Iterable[Path]) -> None:
        try:
            with PdfConverter(soffice, per_document_timeout=per_document_timeout) as conv:
                for c in conv.convert(list(share), outdir):
                    results.put(c)
                    if stop.is_set():  # the caller left: closing the generator stops LibreOffice
                        break
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            results.put(exc)
        finally:
            results.put(None)

    # each thread runs in a copy of the caller's context: its messages are in the caller's language
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(convert, share), daemon=True,
                                name=f"pdf-converter-{i}") for i, share in enumerate(shares)]
    for t in threads:
        t.start()
    try:
        running = len(threads)
        while running:
            item = results.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()
        for t in threads:
            t.join()


def _pdf_for(source: Path, outdir: Path) -> Path:
    return outdir / (source.stem + ".pdf")


def _kill(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log.warning("LibreOffice process %s did not exit after SIGKILL", proc.pid)
