"""A content-addressed, write-once blob store in an S3-compatible object store (boto3).

Writing. ``stage`` streams the source into a local temp file under the archive path while
hashing it (``store.stage_file``: constant memory, the same code as the local store). The
object's name is its SHA-256, so the hash must be known before anything is sent; staging
locally (rather than to a temporary upload key) also gives the ingest pipeline the local
file it detects the type from, lets it drop unchanged or moved files without touching the
network, and avoids a server-side copy (S3 has no rename; a copy re-reads the object and
above 5 GB needs a multipart copy of its own). The price is local temp space for the
largest file being ingested.

``Staged.commit`` uploads that file as ``<prefix>ab/cd/<sha256>``: one PUT up to
``part_size_mb``, a multipart upload above it (one part in memory at a time). Every request
carries a SHA-256 checksum the server checks on receipt. Write-once: a HEAD first (the
same bytes already stored: nothing to do), then the PUT or CompleteMultipartUpload with
``If-None-Match: *`` so that a concurrent writer of the same object on another node cannot
overwrite it (412: the other node stored the same bytes). A server that does not support
conditional writes (501) is written after the HEAD check alone. The server-side guarantee
against overwriting or deleting a blob is S3 Object Lock in compliance mode on the bucket,
where the server offers it (AWS, MinIO, Ceph): configure it on the bucket; this store then
never needs delete permission.

An upload killed midway leaves no object (a multipart upload becomes an object only on
completion); its parts are aborted by ``cleanup_temp`` on the same host, which finds the
upload id in a ``<host>-<pid>-<random>.upload`` marker file whose process is gone (or by a
bucket lifecycle rule ``AbortIncompleteMultipartUpload`` for a host that never returns).

Reading. ``open`` streams the object with ranged GETs (seekable, so PDF and image parsers
work on it); ``local_path`` downloads to a temp file removed after the ``with`` block.
``rehash`` compares the server's stored SHA-256 checksum with the name (a HEAD request)
unless ``[s3] verify_reads_bytes`` asks for a full re-read; ``rehash_full`` always re-reads.
For a multipart object the server keeps a checksum of the part checksums, so it is compared
with the one computed before the upload (kept in the object's metadata).
"""

from __future__ import annotations

import base64
import binascii
import configparser
import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import NotFound, StoreError
from .i18n import _
from .store_files import CHUNK, Staged, check_digest, cleanup_tempdir, stage_file, temp_name

if TYPE_CHECKING:
    from .config_sections import S3Settings

_HEX = frozenset("0123456789abcdef")
META_SHA256 = "sha256"  # x-amz-meta-sha256: the blob's name, so an object describes itself
META_COMPOSITE = "sha256-parts"  # x-amz-meta-sha256-parts: SHA-256 of the part SHA-256s, "-<parts>"


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _status(exc: Exception) -> int:
    return int(getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


class S3BlobStore:
    """Blobs as objects ``<prefix>ab/cd/<sha256>`` in one bucket; temp files in a local folder."""

    def __init__(self, client: Any, bucket: str, prefix: str, tmpdir: Path, *,
                 part_size: int = 8 * 1024 * 1024, verify_reads_bytes: bool = False, where: str = "") -> None:
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.tmpdir = tmpdir
        self.part_size = part_size
        self.verify_reads_bytes = verify_reads_bytes
        self.where = where or f"s3://{bucket}/{prefix}"
        self._errors: tuple[type[Exception], ...] = (ClientError, BotoCoreError)
        self._conditional = True  # If-None-Match on writes; off once the server answers 501
        tmpdir.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, s3: S3Settings, tmpdir: Path) -> S3BlobStore:
        try:
            import boto3  # type: ignore[import-untyped]
            from botocore.config import Config as BotoConfig  # type: ignore[import-untyped]
        except ImportError:
            raise StoreError(_('[archive] blob_store = "s3" needs the boto3 package, which is not installed'),
                             hint=_("install it with: {command}").format(
                                 command="pip install 'archiver[s3]'")) from None
        if not s3.bucket:
            raise StoreError(_('[s3] bucket is empty: write the name of the bucket that holds the blobs, e.g. '
                               'bucket = "arsip-skp"'))
        keys: dict[str, str] = {}
        if s3.credentials_file:
            keys = _read_credentials(Path(s3.credentials_file), s3.credentials_profile)
        session = boto3.session.Session(region_name=s3.region or None, **keys)
        options: dict[str, Any] = {"retries": {"mode": "standard", "max_attempts": 5},
                                   "request_checksum_calculation": "when_required"}
        if s3.endpoint_url:
            options["s3"] = {"addressing_style": "path"}  # MinIO, radosgw, moto: no DNS per bucket
        client = session.client("s3", endpoint_url=s3.endpoint_url or None, config=BotoConfig(**options))
        where = f"{s3.endpoint_url or 'S3'} bucket {s3.bucket!r}"
        return cls(client, s3.bucket, s3.prefix, tmpdir, part_size=s3.part_size_mb * 1024 * 1024,
                   verify_reads_bytes=s3.verify_reads_bytes, where=where)

    # -- names ---------------------------------------------------------------
    def key_of(self, sha256: str) -> str:
        check_digest(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _fail(self, what: str, exc: Exception) -> StoreError:
        return StoreError(_("S3 storage ({where}) failed while {what}: {error}").format(
            where=self.where, what=what, error=exc),
                          hint=_("check [s3] in the configuration file, the access keys, and whether the S3 server "
                                 "can be reached"))

    def _head(self, sha256: str, **kw: Any) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256), **kw)
        except self._errors as exc:
            if _status(exc) == 404 or _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._fail(_("checking blob {sha256}").format(sha256=sha256), exc) from None
        return head

    def _missing(self, sha256: str) -> NotFound:
        return NotFound(_("blob {sha256} is missing from the archive").format(sha256=sha256))

    # -- writing -------------------------------------------------------------
    def stage(self, src: BinaryIO, head_size: int = 8192) -> Staged:
        """Stream ``src`` into a local temp file while hashing it; ``commit`` uploads it."""
        tmp, sha256, size, head = stage_file(self.tmpdir, src, head_size, where=str(self.tmpdir))
        return Staged(self, tmp, sha256, size, head)

    def _commit(self, staged: Staged) -> bool:
        try:
            if self._head(staged.sha256) is not None:
                return False
            return self._upload(staged.tmp, staged.sha256, staged.size)
        finally:
            staged.discard()

    def _upload(self, path: Path, sha256: str, size: int) -> bool:
        """Upload ``path`` as blob ``sha256``; False when the object exists already (never overwritten)."""
        key = self.key_of(sha256)
        try:
            if size <= self.part_size:
                with open(path, "rb") as fh:
                    self._write(self.client.put_object, Bucket=self.bucket, Key=key, Body=fh,
                                ChecksumAlgorithm="SHA256", Metadata={META_SHA256: sha256})
            else:
                self._multipart(path, key, sha256, size)
        except _Exists:
            return False
        except self._errors as exc:
            raise self._fail(_("uploading blob {sha256}").format(sha256=sha256), exc) from None
        return True

    def _write(self, call: Any, **kw: Any) -> Any:
        """A PUT or CompleteMultipartUpload that never replaces an object (If-None-Match: *)."""
        if self._conditional:
            try:
                return call(IfNoneMatch="*", **kw)
            except self._errors as exc:
                if _status(exc) == 412 or _code(exc) == "PreconditionFailed":
                    raise _Exists() from None
                if _status(exc) != 501 and _code(exc) != "NotImplemented":
                    raise
                self._conditional = False  # an older server: the HEAD check before the upload must do
        return call(**kw)

    def _multipart(self, path: Path, key: str, sha256: str, size: int) -> None:
        part_digests = []
        with open(path, "rb") as fh:  # the part checksums first: the server keeps their checksum
            while data := fh.read(self.part_size):
                part_digests.append(hashlib.sha256(data).digest())
        composite = f"{_b64(hashlib.sha256(b''.join(part_digests)).digest())}-{len(part_digests)}"
        upload = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ChecksumAlgorithm="SHA256",
            Metadata={META_SHA256: sha256, META_COMPOSITE: composite})
        upload_id = upload["UploadId"]
        marker = self.tmpdir / temp_name(".upload")  # cleanup_temp aborts it if this process dies
        marker.write_text(f"{key}\n{upload_id}\n", encoding="ascii")
        try:
            parts = []
            with open(path, "rb") as fh:
                for number, digest in enumerate(part_digests, start=1):
                    data = fh.read(self.part_size)
                    if hashlib.sha256(data).digest() != digest:
                        raise StoreError(_("temporary file {path} changed while being uploaded; the upload was "
                                           "cancelled").format(path=path))
                    r = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                                Body=data, ChecksumSHA256=_b64(digest))
                    parts.append({"PartNumber": number, "ETag": r["ETag"], "ChecksumSHA256": _b64(digest)})
                    del data
            self._write(self.client.complete_multipart_upload, Bucket=self.bucket, Key=key, UploadId=upload_id,
                        MultipartUpload={"Parts": parts})
        except BaseException:
            self._abort(key, upload_id)
            raise
        finally:
            marker.unlink(missing_ok=True)

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except self._errors:  # already completed or aborted; a lifecycle rule removes the rest
            pass

    def put_bytes(self, data: bytes) -> tuple[str, bool]:
        staged = self.stage(io.BytesIO(data))
        return staged.sha256, staged.commit()

    # -- reading -------------------------------------------------------------
    def exists(self, sha256: str) -> bool:
        return self._head(sha256) is not None

    def size(self, sha256: str) -> int:
        head = self._head(sha256)
        if head is None:
            raise self._missing(sha256)
        return int(head["ContentLength"])

    def open(self, sha256: str) -> BinaryIO:
        """The object's bytes, streamed by ranged GETs (seekable: parsers may jump around)."""
        size = self.size(sha256)
        raw = _RangeReader(self, self.key_of(sha256), size)
        return io.BufferedReader(raw, buffer_size=CHUNK)

    @contextmanager
    def local_path(self, sha256: str) -> Iterator[Path]:
        """The blob downloaded to a read-only temp file, removed when the ``with`` block ends."""
        tmp = self.tmpdir / temp_name()
        try:
            with self.open(sha256) as src, open(tmp, "xb") as out:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
            os.chmod(tmp, 0o440)
            yield tmp
        finally:
            tmp.unlink(missing_ok=True)

    def digests(self) -> Iterator[str]:
        """Every stored blob's name (objects under the prefix whose name is a SHA-256)."""
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for obj in page.get("Contents", []):
                    name = str(obj["Key"]).rsplit("/", 1)[-1]
                    if len(name) == 64 and set(name) <= _HEX and obj["Key"] == self.key_of(name):
                        yield name
        except self._errors as exc:
            raise self._fail(_("listing the blobs"), exc) from None

    def rehash(self, sha256: str) -> str:
        """What the blob's bytes hash to: from the server's stored checksum where it keeps one
        (``[s3] verify_reads_bytes = false``), else by reading them all (``rehash_full``)."""
        if self.verify_reads_bytes:
            return self.rehash_full(sha256)
        head = self._head(sha256, ChecksumMode="ENABLED")
        if head is None:
            raise self._missing(sha256)
        stored = str(head.get("ChecksumSHA256") or "")
        composite = str(head.get("Metadata", {}).get(META_COMPOSITE, ""))
        if stored and not composite and "-" not in stored:  # one PUT: the checksum of the whole object
            try:
                return base64.b64decode(stored, validate=True).hex()
            except (binascii.Error, ValueError):
                return self.rehash_full(sha256)
        if stored and composite and stored.split("-")[0] == composite.split("-")[0]:
            return sha256  # the parts the server holds are the parts hashed before the upload
        return self.rehash_full(sha256)

    def rehash_full(self, sha256: str) -> str:
        """Read the whole object and hash it."""
        digest = hashlib.sha256()
        with self.open(sha256) as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    # -- housekeeping ----------------------------------------------------------
    def remove(self, sha256: str) -> str | None:
        """Delete the object. A bucket with Object Lock (or a policy) that refuses is reported, not
        raised: the disposition records the blob as kept. On a versioned bucket the delete leaves a
        delete marker; older versions stay until the bucket's own rules remove them."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except self._errors as exc:
            if _status(exc) == 404 or _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            return _("S3 storage ({where}) refused to delete blob {sha256}: {error}").format(
                where=self.where, sha256=sha256, error=exc)
        return None

    def reserved_paths(self) -> tuple[Path, ...]:
        return (self.tmpdir,)

    def cleanup_temp(self, older_than_s: float = 3600) -> int:
        """Remove this host's temp files of dead processes, aborting the uploads they left."""
        return cleanup_tempdir(self.tmpdir, older_than_s, on_remove=self._abort_marker)

    def _abort_marker(self, path: Path) -> None:
        if path.suffix != ".upload":
            return
        try:
            key, upload_id = path.read_text(encoding="ascii").split()[:2]
        except (OSError, ValueError):
            return
        self._abort(key, upload_id)


class _Exists(Exception):
    """The conditional write found the object already there."""


class _RangeReader(io.RawIOBase):
    """A seekable read-only view of one object: a GET from the current offset, reopened after a seek."""

    def __init__(self, store: S3BlobStore, key: str, size: int) -> None:
        self.store, self.key, self.length = store, key, size
        self.pos = 0
        self.body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.length}[whence]
        new = max(0, base + offset)
        if new != self.pos:
            self._drop()
            self.pos = new
        return self.pos

    def readinto(self, buf: Any) -> int:
        if self.pos >= self.length or not len(buf):
            return 0
        if self.body is None:
            try:
                r = self.store.client.get_object(Bucket=self.store.bucket, Key=self.key, Range=f"bytes={self.pos}-")
            except self.store._errors as exc:
                raise self.store._fail(_("reading {key}").format(key=self.key), exc) from None
            self.body = r["Body"]
        data = self.body.read(len(buf))
        n = len(data)
        if n == 0:
            raise StoreError(_("S3 storage ({where}): {key} ends at byte {pos}, not {length}").format(
                where=self.store.where, key=self.key, pos=self.pos, length=self.length))
        memoryview(buf)[:n] = data
        self.pos += n
        return n

    def _drop(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._drop()
        super().close()


def _read_credentials(path: Path, profile: str) -> dict[str, str]:
    """Access keys from an AWS-style credentials file (never from the configuration itself)."""
    parser = configparser.ConfigParser()
    try:
        with open(path, encoding="utf-8") as fh:
            parser.read_file(fh)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise StoreError(_("[s3] credentials_file {path} cannot be read: {error}").format(
            path=path, error=exc)) from None
    if not parser.has_section(profile):
        raise StoreError(_("[s3] credentials_file {path} has no section [{profile}]").format(
            path=path, profile=profile),
                         hint=_("write [default] with aws_access_key_id and aws_secret_access_key, or set "
                                "credentials_profile"))
    section = parser[profile]
    keys = {k: section[k].strip() for k in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
            if section.get(k, "").strip()}
    if "aws_access_key_id" not in keys or "aws_secret_access_key" not in keys:
        raise StoreError(_("[s3] credentials_file {path} [{profile}] must hold aws_access_key_id and "
                           "aws_secret_access_key").format(path=path, profile=profile))
    return keys
