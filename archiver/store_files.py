"""Streamed hashing into temp files, and temp file housekeeping, shared by the blob stores.

``stage_file`` streams a source into a temp file while hashing it (constant memory);
``Staged`` is such a file waiting for its store's ``commit``. Temp files are named
``<host>-<pid>-<random>`` so that a folder shared by several hosts is cleaned only by the
host that wrote each file (``cleanup_tempdir``).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from .errors import NotFound, StoreError
from .i18n import _

CHUNK = 1024 * 1024
_HEX = frozenset("0123456789abcdef")


def check_digest(sha256: str) -> str:
    """A blob name from outside (URL, manifest) must be 64 lowercase hex digits: nothing else reaches the disk."""
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise NotFound(_("not a SHA-256 digest: {value}").format(value=repr(sha256[:80])))
    return sha256


@dataclass
class Staged:
    """Bytes written and hashed, not yet part of the store."""

    store: _Committer
    tmp: Path
    sha256: str
    size: int
    head: bytes

    def commit(self) -> bool:
        """Move into the store. Returns True if the blob is new, False if it existed already."""
        return self.store._commit(self)

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)

    @property
    def path(self) -> Path:
        """The staged bytes, for type detection before commit (read-only)."""
        return self.tmp


class _Committer(Protocol):
    def _commit(self, staged: Staged) -> bool: ...


# --------------------------------------------------------------------------- temp files

def _host() -> str:
    """This machine's name as it appears in temp file names (no '/', no '-' ambiguity at the end)."""
    name = socket.gethostname() or "host"
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in name)[:64]


def temp_name(suffix: str = ".tmp") -> str:
    """``<host>-<pid>-<random>.tmp``: a temp file says which host and process own it."""
    return f"{_host()}-{os.getpid()}-{uuid.uuid4().hex}{suffix}"


def temp_owner(name: str) -> tuple[str, int] | None:
    """(host, pid) from a temp file name made by ``temp_name``; None for any other name."""
    stem = name.split(".tmp", 1)[0] if ".tmp" in name else name.rsplit(".", 1)[0]
    parts = stem.rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[0]:
        return None
    return parts[0], int(parts[1])


def cleanup_tempdir(tmpdir: Path, older_than_s: float = 3600,
                    on_remove: Callable[[Path], None] | None = None) -> int:
    """Remove temp files this host's crashed writers left: their process is gone, or they are old.

    The archive folder may be shared by several hosts (NFS): another host's temp file is never
    removed, whatever its age, since its process id means nothing here (its own host cleans
    it up). A name without a host (written before names carried one) is removed only when old.
    ``on_remove`` is called first for each file removed (the S3 store aborts an upload there).
    """
    removed = 0
    now = time.time()
    host = _host()
    for f in tmpdir.iterdir():
        owner = temp_owner(f.name)
        try:
            if owner is not None:
                if owner[0] != host:
                    continue
                pid = owner[1]
                dead = pid != os.getpid() and not process_alive(pid)
            else:
                dead = False
            if dead or now - f.stat().st_mtime > older_than_s:
                if on_remove is not None:
                    on_remove(f)
                f.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def stage_file(tmpdir: Path, src: BinaryIO, head_size: int = 8192, *,
               where: str = "") -> tuple[Path, str, int, bytes]:
    """Stream ``src`` into a new temp file in ``tmpdir`` while hashing it. Constant memory.

    Returns (temp file, sha256, size, first ``head_size`` bytes); the file is fsynced and
    read-only. A small file (one read) is hashed and written in place. A larger one goes
    through a ring of reusable 4 MiB buffers: this thread reads and hashes, a second one
    writes and flushes every 16 MiB. Both release the GIL, so storing costs little more
    than hashing alone (bench/bench_store.py).
    """
    tmp = tmpdir / temp_name()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        first = _read(src.read, CHUNK)
        digest = hashlib.sha256(first)
        if len(first) < CHUNK:
            _write_all(fd, first)
            size = len(first)
        else:
            size = len(first) + _pipe_rest(src, fd, digest, first)
        os.fsync(fd)
    except BaseException as exc:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        if isinstance(exc, _SourceError):  # the share's problem (locked, unreadable): raise it as is
            raise exc.__cause__ from None  # type: ignore[misc]
        if isinstance(exc, OSError):
            raise StoreError(_("cannot write to the archive at {where}: {error}").format(
                where=where or tmpdir, error=exc.strerror or exc)) from exc
        raise
    os.close(fd)
    os.chmod(tmp, 0o440)  # read-only; readable by the service's user and group only
    return tmp, digest.hexdigest(), size, first[:head_size]


RING_CHUNK = 4 * 1024 * 1024
RING_BUFFERS = 8
SYNC_EVERY = 16 * 1024 * 1024
_SYNC_FILE_RANGE_WRITE = 2


def _start_writeback() -> Callable[[int], None]:
    """A function that starts writing a file's dirty pages to disk without waiting for them.

    Linux's ``sync_file_range(SYNC_FILE_RANGE_WRITE)`` keeps a large blob's dirty pages
    bounded while the writer goes on (``fdatasync`` every 16 MiB made it wait for the disk
    64 times per GB); the final ``fsync`` before the rename still makes the blob durable.
    Elsewhere: ``fdatasync``.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        sync_file_range = libc.sync_file_range
    except (OSError, AttributeError):
        return os.fdatasync
    sync_file_range.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    sync_file_range.restype = ctypes.c_int

    def start(fd: int) -> None:
        if sync_file_range(fd, 0, 0, _SYNC_FILE_RANGE_WRITE) != 0:
            os.fdatasync(fd)

    return start


_writeback = _start_writeback()


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class _SourceError(Exception):
    """A read from the source failed (wraps the OSError so it is not taken for a store error)."""


def _read(read: Any, arg: Any) -> Any:
    """``read(arg)`` (a source's read or readinto), its OSError wrapped in _SourceError."""
    try:
        return read(arg)
    except OSError as exc:
        raise _SourceError() from exc


def _pipe_rest(src: BinaryIO, fd: int, digest: Any, first: bytes) -> int:
    """Hash and write what follows ``first`` through a ring of reusable buffers; return its size.

    Buffers are allocated only as the writer falls behind (at most RING_BUFFERS), so a
    2 MB file costs one buffer. Raises the writer's OSError, or the source's.
    """
    free: queue.Queue[bytearray] = queue.Queue()
    full: queue.Queue[tuple[bytearray, int] | None] = queue.Queue()
    failure: list[BaseException] = []
    allocated = 0

    def writer() -> None:
        since_sync = 0
        try:
            _write_all(fd, first)
            while (item := full.get()) is not None:
                buf, n = item
                if not failure:
                    _write_all(fd, memoryview(buf)[:n])
                    since_sync += n
                    if since_sync >= SYNC_EVERY:  # flush as we go: the final fsync stays short
                        _writeback(fd)
                        since_sync = 0
                free.put(buf)
        except BaseException as exc:  # noqa: BLE001 - reported to the reading thread
            failure.append(exc)
            while (item := full.get()) is not None:  # keep returning buffers: the reader never blocks
                free.put(item[0])

    readinto = getattr(src, "readinto", None)
    t = threading.Thread(target=writer, name="blob-writer", daemon=True)
    t.start()
    size = 0
    try:
        while not failure:
            try:
                buf = free.get_nowait()
            except queue.Empty:
                if allocated < RING_BUFFERS:
                    buf, allocated = bytearray(RING_CHUNK), allocated + 1
                else:
                    buf = free.get()
            if readinto is not None:
                n = _read(readinto, buf)
            else:
                data = _read(src.read, RING_CHUNK)
                n = len(data)
                buf[:n] = data
            if not n:
                break
            digest.update(memoryview(buf)[:n])
            size += n
            full.put((buf, n))
    finally:
        full.put(None)
        t.join()
    if failure:
        raise failure[0]
    return size


def process_alive(pid: int) -> bool:
    """True when a process with this id exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
