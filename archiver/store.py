"""Content-addressed, write-once blob store.

A blob is named by the SHA-256 of its bytes. Bytes are hashed while they stream into a
temporary file (constant memory), the file is fsynced, made read-only and atomically
renamed into place. The same content stored twice is one blob. Nothing here ever opens
a stored blob for writing.

``BlobStore`` is the seam for other back ends (S3-compatible storage): the ingest
pipeline only uses ``stage`` / ``Staged.commit`` / ``open`` / ``exists`` / ``digests``.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from .errors import NotFound, StoreError

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

    store: "LocalBlobStore"
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
    def stage(self, src: BinaryIO) -> Staged: ...
    def exists(self, sha256: str) -> bool: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def size(self, sha256: str) -> int: ...
    def digests(self) -> Iterator[str]: ...
    def rehash(self, sha256: str) -> str: ...
    def cleanup_temp(self, older_than_s: float = 3600) -> int: ...


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

        Hashing (in this thread) and writing (in a second thread) overlap: both release
        the GIL, so on two cores storing costs little more than hashing alone.
        """
        tmp = self.tmpdir / f"{os.getpid()}-{uuid.uuid4().hex}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        digest = hashlib.sha256()
        size = 0
        head = b""
        chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        failure: list[BaseException] = []

        def writer() -> None:
            written_since_sync = 0
            try:
                while (chunk := chunks.get()) is not None:
                    if failure:
                        continue
                    view = memoryview(chunk)
                    while view:
                        n = os.write(fd, view)
                        view = view[n:]
                    written_since_sync += len(chunk)
                    if written_since_sync >= 64 * CHUNK:  # flush as we go: the final fsync stays short
                        os.fdatasync(fd)
                        written_since_sync = 0
            except BaseException as exc:  # noqa: BLE001 - reported to the reading thread
                failure.append(exc)

        t = threading.Thread(target=writer, name="blob-writer", daemon=True)
        t.start()
        try:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                if len(head) < head_size:
                    head += chunk[: head_size - len(head)]
                digest.update(chunk)
                size += len(chunk)
                chunks.put(chunk)
                if failure:
                    break
        except BaseException:
            chunks.put(None)
            t.join()
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        chunks.put(None)
        t.join()
        try:
            if failure:
                raise failure[0]
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise StoreError(f"cannot write to the archive at {self.root}: {exc.strerror or exc}") from exc
        os.close(fd)
        os.chmod(tmp, 0o444)
        return Staged(self, tmp, digest.hexdigest(), size, head)

    def _commit(self, staged: Staged) -> bool:
        target = self.path_of(staged.sha256)
        if target.exists():
            staged.discard()
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.tmp, target)  # same file system: atomic
        _fsync_dir(target.parent)
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

    def size(self, sha256: str) -> int:
        return self.path_of(sha256).stat().st_size

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
        with self.open(sha256) as fh:
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


def process_alive(pid: int) -> bool:
    """True when a process with this id exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
