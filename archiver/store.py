"""Content-addressed, write-once blob store.

A blob is named by the SHA-256 of its bytes. Bytes are hashed while they stream into a
temporary file (constant memory), the file is fsynced, made read-only and atomically
renamed into place. The same content stored twice is one blob. Nothing here ever opens
a stored blob for writing.

``BlobStore`` is the seam for other back ends (S3-compatible storage). The core (ingest,
indexing, bags, downloads, documents, verify) uses only the protocol: ``stage`` and
``Staged.commit`` to write, ``put_bytes`` for generated files, ``open`` to stream,
``local_path`` for parsers that need a file name, ``exists``/``size``/``digests``/``rehash``
for fixity, ``reserved_paths`` so nothing is written inside the store. ``open_store``
picks the implementation named by ``[archive] blob_store``.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from .errors import NotFound, StoreError
from .fsutil import fsync_dir

CHUNK = 1024 * 1024
_HEX = frozenset("0123456789abcdef")


def check_digest(sha256: str) -> str:
    """A blob name from outside (URL, manifest) must be 64 lowercase hex digits: nothing else reaches the disk."""
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise NotFound(f"not a SHA-256 digest: {sha256[:80]!r}")
    return sha256


@dataclass
class Staged:
    """Bytes written and hashed, not yet part of the store."""

    store: LocalBlobStore
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


class BlobStore(Protocol):
    """What the core may ask of a blob store (see the module docstring)."""

    def stage(self, src: BinaryIO) -> Staged:
        """Stream and hash ``src`` into a local temp file (``Staged.path``); ``commit`` stores it."""
        ...

    def put_bytes(self, data: bytes) -> tuple[str, bool]:
        """Store these bytes; (sha256, True when the blob is new)."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def open(self, sha256: str) -> BinaryIO:
        """The blob's bytes for reading (raises NotFound when it is missing)."""
        ...

    def local_path(self, sha256: str) -> AbstractContextManager[Path]:
        """A local, read-only file holding the blob for the duration of the ``with`` block
        (the blob itself on a local store; a temporary copy elsewhere). Never write to it."""
        ...

    def size(self, sha256: str) -> int: ...

    def digests(self) -> Iterator[str]: ...

    def rehash(self, sha256: str) -> str: ...

    def cleanup_temp(self, older_than_s: float = 3600) -> int: ...

    def reserved_paths(self) -> tuple[Path, ...]:
        """Local folders the store owns: exports and generated files must never be written there."""
        ...


def open_store(kind: str, root: Path) -> BlobStore:
    """The blob store named by ``[archive] blob_store`` (only ``local`` so far)."""
    if kind == "local":
        return LocalBlobStore(root)
    raise StoreError(f"[archive] blob_store = {kind!r} is not a known blob store; use \"local\"")


class LocalBlobStore:
    """Blobs at ``root/blobs/ab/cd/<sha256>``; temporary files in ``root/tmp``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.tmpdir = root / "tmp"
        for d in (self.root, self.blobs, self.tmpdir):
            d.mkdir(parents=True, exist_ok=True)

    # -- paths ---------------------------------------------------------------
    def path_of(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.blobs / sha256[:2] / sha256[2:4] / sha256

    # -- writing -------------------------------------------------------------
    def stage(self, src: BinaryIO, head_size: int = 8192) -> Staged:
        """Stream ``src`` into a temp file while hashing it. Constant memory.

        A small file (one read) is hashed and written in place. A larger one goes through
        a ring of reusable 4 MiB buffers: this thread reads and hashes, a second one
        writes and flushes every 16 MiB. Both release the GIL, so storing costs little
        more than hashing alone (bench/bench_store.py).
        """
        tmp = self.tmpdir / f"{os.getpid()}-{uuid.uuid4().hex}.tmp"
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
                raise StoreError(f"cannot write to the archive at {self.root}: {exc.strerror or exc}") from exc
            raise
        os.close(fd)
        os.chmod(tmp, 0o440)  # read-only; readable by the service's user and group only
        return Staged(self, tmp, digest.hexdigest(), size, first[:head_size])

    def _commit(self, staged: Staged) -> bool:
        target = self.path_of(staged.sha256)
        if target.exists():
            staged.discard()
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.tmp, target)  # same file system: atomic
        fsync_dir(target.parent)
        return True

    def put_bytes(self, data: bytes) -> tuple[str, bool]:
        import io

        staged = self.stage(io.BytesIO(data))
        return staged.sha256, staged.commit()

    # -- reading -------------------------------------------------------------
    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path_of(sha256), "rb")
        except FileNotFoundError:
            raise NotFound(f"blob {sha256} is missing from the archive") from None

    @contextmanager
    def local_path(self, sha256: str) -> Iterator[Path]:
        path = self.path_of(sha256)
        if not path.is_file():
            raise NotFound(f"blob {sha256} is missing from the archive")
        yield path

    def size(self, sha256: str) -> int:
        return self.path_of(sha256).stat().st_size

    def reserved_paths(self) -> tuple[Path, ...]:
        return (self.blobs, self.tmpdir)

    def digests(self) -> Iterator[str]:
        """Every stored blob's name (temporary files are never counted)."""
        for a in sorted(self.blobs.iterdir()):
            if not a.is_dir():
                continue
            for b in sorted(a.iterdir()):
                for f in sorted(b.iterdir()):
                    if len(f.name) == 64 and set(f.name) <= _HEX:
                        yield f.name

    def rehash(self, sha256: str) -> str:
        try:
            fh = open(self.path_of(sha256), "rb")  # a real file: file_digest reads it without copies
        except FileNotFoundError:
            raise NotFound(f"blob {sha256} is missing from the archive") from None
        with fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()

    def cleanup_temp(self, older_than_s: float = 3600) -> int:
        """Remove temp files left by crashed writers: their process is gone, or they are old."""
        removed = 0
        now = time.time()
        for f in self.tmpdir.iterdir():
            pid = f.name.split("-", 1)[0]
            try:
                dead = pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid))
                if dead or now - f.stat().st_mtime > older_than_s:
                    f.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed



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
