"""DOCX rendering for a batch in worker processes, one per core by default.

docxtpl renders in pure Python, so one process renders on one core; a batch of a unit's
pegawai is spread over a process pool instead. Each worker keeps its own ``Renderer``
(templates read and compiled once per worker), renders the document and writes the DOCX
file; the parent stores and records it, so the catalog keeps a single writer (SQLite takes
one at a time) and custody events keep their order.

Workers are started from a fork server (``forkserver``), never forked from the caller: the
web app calls this from a thread pool, and forking a process that runs threads can copy a
lock in its held state. The fork server preloads the renderer; each worker still imports
the caller's main module (the ``archiver`` command: ~0.2-0.5 s per batch on 2 busy cores),
so a batch of one document is rendered in the caller's process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ArchiverError
from ..i18n import _, current_language, use_language
from .render import Renderer


@dataclass(frozen=True)
class RenderTask:
    """One document to render: the template, its context, who it is about (for messages), the file to write."""

    template: Path
    context: dict[str, Any]
    subject: str
    dest: Path


@dataclass(frozen=True)
class Rendered:
    """The DOCX bytes written to ``task.dest``, or why there are none."""

    task: RenderTask
    data: bytes | None
    error: str | None = None


def default_workers() -> int:
    """One per core."""
    return os.cpu_count() or 1


_renderer: Renderer | None = None  # one per worker process: its template caches live as long as the worker


def _render(task: RenderTask, renderer: Renderer | None = None,
            language: str | None = None) -> tuple[bytes | None, str | None]:
    """The DOCX bytes (also written to ``task.dest``), or the error as text (its message and hint
    survive pickling; an exception with keyword arguments may not) in ``language`` (a worker
    process does not inherit the caller's)."""
    global _renderer
    if renderer is None:
        renderer = _renderer = _renderer or Renderer()
    try:
        with use_language(language or current_language()):
            data = renderer.render(task.template, task.context, subject=task.subject)
    except ArchiverError as exc:
        with use_language(language or current_language()):
            return None, str(exc)
    task.dest.write_bytes(data)
    return data, None


def render_all(tasks: Sequence[RenderTask], *, workers: int | None = None,
               renderer: Renderer | None = None) -> Generator[Rendered, None, None]:
    """Render ``tasks``; yields one Rendered per task, in order, as each is ready.

    ``workers`` processes render at once (default: one per core, never more than there are
    tasks); with one, the documents are rendered here with ``renderer``. A document that
    cannot be rendered comes back with its error and the others are still made."""
    n = min(workers or default_workers(), len(tasks))
    if n <= 1:
        renderer = renderer or Renderer()
        for task in tasks:
            yield Rendered(task, *_render(task, renderer))
        return
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
        language = current_language()
        futures: list[Future[tuple[bytes | None, str | None]]] = [pool.submit(_render, task, None, language)
                                                                  for task in tasks]
        try:
            for task, future in zip(tasks, futures, strict=True):
                try:
                    yield Rendered(task, *future.result())
                except BrokenProcessPool:
                    yield Rendered(task, None, _("the process rendering this document stopped unexpectedly"))
        finally:
            for future in futures:
                future.cancel()
