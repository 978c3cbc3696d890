"""Document jobs of the web: ``/dokumen`` starts one, its page shows the progress, its ZIP holds the files.

A job runs in a thread of the web process that received the request (generation itself is
``routes_documents.generate``, the same code as before). Its state is a small JSON file under
the archive's folder (``web-jobs/<id>.json``, replaced atomically after every document), so
every worker of `archiver serve --workers N` on this host shows the same progress, whichever
worker runs the job. The files themselves are stored in the archive like every generated
document, so the ZIP is read from the archive. A job whose process ended before it finished
(a restart) shows as interrupted: the worker's process id is kept with the state.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import os
import re
import secrets
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..archive import Archive
from ..errors import ArchiverError, NotFound
from ..i18n import _
from . import texts

_ID = re.compile(r"^[0-9a-f]{16}$")
_LOCK = threading.Lock()
#: generate(archive, source, form, progress=..., planned=...) -> results (routes_documents.generate)
Generate = Callable[..., list[dict[str, Any]]]


def _folder(archive: Archive) -> Path:
    return archive.config.archive.path / "web-jobs"


def _path(archive: Archive, job_id: str) -> Path:
    if not _ID.match(job_id):
        raise NotFound(_("document job not found"))
    return _folder(archive) / f"{job_id}.json"


def _save(archive: Archive, state: dict[str, Any]) -> None:
    path = _path(archive, state["id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _alive(state: dict[str, Any]) -> bool:
    if state.get("host") != socket.gethostname():
        return True  # another host's process: it cannot be asked
    try:
        os.kill(int(state["pid"]), 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError):
        return True
    return True


def load(archive: Archive, job_id: str) -> dict[str, Any]:
    """The job's state; NotFound for an unknown id. A running job whose process is gone is 'interrupted'."""
    path = _path(archive, job_id)
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(_("document job not found")) from None
    if state["status"] in ("queued", "running") and not _alive(state):
        state["status"] = "interrupted"
    return state


#: A job's state is kept this long after it was last written (the documents stay in the archive).
KEEP_SECONDS = 7 * 24 * 3600


def _prune(archive: Archive) -> None:
    """Forget the state of jobs not touched for a week (and temp files a killed worker left)."""
    limit = time.time() - KEEP_SECONDS
    for path in _folder(archive).glob("*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass


def start(archive: Archive, source: Any, owner: str, actor: str, form: dict[str, str], generate: Generate) -> str:
    """Start a job for ``form`` (as /dokumen submits it) in a thread; its id."""
    _prune(archive)
    job_id = secrets.token_hex(8)
    state: dict[str, Any] = {"id": job_id, "owner": owner, "created_at": archive.now(), "form": form,
                             "status": "queued", "total": None, "done": 0, "results": [], "error": None,
                             "hint": None, "pid": os.getpid(), "host": socket.gethostname()}
    _save(archive, state)
    as_admin = dataclasses.replace(archive, actor=actor)  # custody names the admin who asked
    context = contextvars.copy_context()  # the request's language, for the messages of the job
    thread = threading.Thread(target=context.run, args=(_run, as_admin, source, state, generate),
                              name=f"dokumen-{job_id}", daemon=True)
    thread.start()
    return job_id


def _run(archive: Archive, source: Any, state: dict[str, Any], generate: Generate) -> None:
    def planned(total: int) -> None:
        with _LOCK:
            state.update(status="running", total=total)
            _save(archive, state)

    def progress(result: dict[str, Any]) -> None:
        with _LOCK:
            state["results"].append(result)
            state["done"] = len(state["results"])
            _save(archive, state)

    try:
        generate(archive, source, state["form"], progress=progress, planned=planned)
        state["status"] = "done"
    except ArchiverError as exc:
        state.update(status="failed", error=texts.web_text(exc.message), hint=texts.web_hint(exc.hint))
    except Exception as exc:  # noqa: BLE001  # shown on the job's page; the thread has no one else to tell
        state.update(status="failed", error=_("unexpected error: {error}").format(error=type(exc).__name__))
    with _LOCK:
        _save(archive, state)


# --------------------------------------------------------------------------- the ZIP

class _Sink:
    """A write-only stream whose bytes are taken out as they come (zipfile writes it without seeking)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self.chunks)
        self.chunks.clear()
        return out


def safe_name(name: str, taken: set[str]) -> str:
    """A name for inside the ZIP: no folders, only letters, digits, '.', '_' and '-'; unique."""
    base = re.sub(r"[^0-9A-Za-z._-]+", "_", name.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(".") or "dokumen"
    stem, dot, ext = base.rpartition(".")
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}_{n}.{ext}" if dot else f"{base}_{n}"
    taken.add(candidate.lower())
    return candidate


def zip_stream(archive: Archive, files: list[tuple[str, str]]) -> Iterator[bytes]:
    """The ZIP of ``files`` ((sha256, name)), read from the archive piece by piece."""
    sink = _Sink()
    taken: set[str] = set()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as zf:  # type: ignore[call-overload]
        for sha, name in files:
            with archive.store.open(sha) as src, zf.open(safe_name(name, taken), "w") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
