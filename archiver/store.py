"""Content-addressed, write-once blob store.

A blob is named by the SHA-256 of its bytes. Bytes are hashed while they stream into a
temporary file (constant memory), the file is fsynced, made read-only and atomically
renamed into place. The same content stored twice is one blob. Nothing here ever opens
a stored blob for writing.

``BlobStore`` is the seam for other back ends (S3-compatible storage). The core (ingest,
indexing, bags, downloads, documents, verify) uses only the protocol: ``stage`` and
``Staged.commit`` to write, ``put_bytes`` for generated files, ``open`` to stream,
``local_path`` for parsers that need a file name, ``exists``/``size``/``digests``/``rehash``
for fixity, ``reserved_paths`` so nothing is written inside the store, and ``remove`` for
nothing but an approved disposition (``archiver.retention``). ``open_store``
picks the implementation named by ``[archive] blob_store``: ``LocalBlobStore`` here, or
``store_s3.S3BlobStore``. Staging and temp files are shared by both (``store_files``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from .errors import NotFound, StoreError
from .fsutil import fsync_dir
from .i18n import _
from .store_files import _HEX, cleanup_tempdir, stage_file
from .store_files import CHUNK as CHUNK
from .store_files import Staged as Staged  # re-exported: the package imports these from here
from .store_files import check_digest as check_digest
from .store_files import process_alive as process_alive

if TYPE_CHECKING:
    from .config_sections import S3Settings


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

    def remove(self, sha256: str) -> str | None:
        """Remove a blob (only a disposition approved by two admins asks: ``archiver.retention``).
        None when it is gone (or was already); else why the store refused (e.g. an Object-Locked
        S3 object), reported to the operator rather than raised."""
        ...


def open_store(kind: str, root: Path, s3: S3Settings | None = None) -> BlobStore:
    """The blob store named by ``[archive] blob_store``: ``local`` (the default) or ``s3``.

    An S3 store keeps its temporary files under ``root/tmp`` (``root`` is the archive path).
    """
    if kind == "local":
        return LocalBlobStore(root)
    if kind == "s3":
        from .store_s3 import S3BlobStore  # boto3 is imported only when S3 is configured

        if s3 is None:
            raise StoreError(_('[archive] blob_store = "s3" needs an [s3] section in the configuration file'))
        return S3BlobStore.from_settings(s3, root / "tmp")
    raise StoreError(_('[archive] blob_store = {kind} is not a known blob store; write "local" or "s3"').format(
        kind=repr(kind)))


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
        """Stream ``src`` into a temp file while hashing it (``stage_file``). Constant memory."""
        tmp, sha256, size, head = stage_file(self.tmpdir, src, head_size, where=str(self.root))
        return Staged(self, tmp, sha256, size, head)

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
            raise NotFound(_("blob {sha256} is missing from the archive").format(sha256=sha256)) from None

    @contextmanager
    def local_path(self, sha256: str) -> Iterator[Path]:
        path = self.path_of(sha256)
        if not path.is_file():
            raise NotFound(_("blob {sha256} is missing from the archive").format(sha256=sha256))
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
            raise NotFound(_("blob {sha256} is missing from the archive").format(sha256=sha256)) from None
        with fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()

    def cleanup_temp(self, older_than_s: float = 3600) -> int:
        """Remove this host's temp files left by crashed writers (``cleanup_tempdir``)."""
        return cleanup_tempdir(self.tmpdir, older_than_s)

    def remove(self, sha256: str) -> str | None:
        """Unlink the blob (read-only files live in writable folders); a refusal is returned."""
        path = self.path_of(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return str(exc)
        fsync_dir(path.parent)
        return None
