"""Serving stored bytes safely: attachment only, a Content-Disposition valid for any name
(RFC 6266: an ASCII fallback plus ``filename*=UTF-8''...``), a media type that cannot turn
a quarantined file into active content, and a sandbox CSP on the response itself."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import quote

from starlette.responses import StreamingResponse

from ..archive import Archive
from ..errors import NotFound, StoreError
from ..fixity import record_checks
from ..i18n import _
from .evidence import Evidence

log = logging.getLogger(__name__)

_MIME = re.compile(r"^[a-z]+/[a-z0-9][a-z0-9.+-]*$")
#: Types a browser could run or render as a page: always sent as plain bytes.
_ACTIVE = ("text/html", "application/xhtml+xml", "image/svg+xml", "application/xml", "text/xml",
           "application/javascript", "text/javascript", "application/x-msdownload")
_RFC5987_SAFE = "!#$&+-.^_`|~"


def ascii_fallback(name: str, default: str = "bukti") -> str:
    """A plain-ASCII file name for old clients: accents dropped, anything odd becomes '_'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._ ()-]", "_", text).strip(" .")
    return text[:150] or default


def content_disposition(name: str, disposition: str = "attachment") -> str:
    clean = "".join(c if c.isprintable() else "_" for c in name).replace("/", "_").replace("\\", "_") or "bukti"
    return f"{disposition}; filename=\"{ascii_fallback(clean)}\"; filename*=UTF-8''{quote(clean, safe=_RFC5987_SAFE)}"


def media_type(item: Evidence, submission: dict[str, Any]) -> str:
    mime = str(item.blob.get("mime") or "").split(";")[0].strip().lower()
    if submission["status"] == "quarantined" or not _MIME.match(mime) or mime in _ACTIVE:
        return "application/octet-stream"
    return mime


CHUNK = 1024 * 1024


def _chunks(fh: BinaryIO) -> Iterator[bytes]:
    with fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def hashed_chunks(archive: Archive, sha256: str, fh: BinaryIO, *, actor: str | None = None,
                  submission_id: int | None = None) -> Iterator[bytes]:
    """The blob's bytes, hashed on the way. The last chunk is held back until the digest is known:
    when the bytes do not hash to their name, the response ends short with an error (the client
    sees an incomplete download, never a complete altered file) and the blob is recorded as failed
    (``archiver status``, /masalah and the evidence page show it)."""
    digest = hashlib.sha256()
    held: bytes | None = None
    for chunk in _chunks(fh):
        digest.update(chunk)
        if held is not None:
            yield held
        held = chunk
    actual = digest.hexdigest()
    if actual != sha256:
        record_checks(archive, [(sha256, actual)], via="download", actor=actor, submission_id=submission_id)
        log.error("download of blob %s stopped: its bytes now hash to %s", sha256, actual)
        raise StoreError(_("the content of file {sha256} is no longer intact (its hash is now {actual}); "
                         "the download was stopped").format(sha256=sha256, actual=actual))
    if held is not None:
        yield held


def download_response(archive: Archive, item: Evidence, submission: dict[str, Any], *,
                      actor: str | None = None) -> StreamingResponse:
    """The stored bytes (through the blob store), streamed and hashed on the way (``hashed_chunks``)."""
    try:
        size = archive.store.size(item.sha256)
        fh = archive.store.open(item.sha256)
    except (NotFound, FileNotFoundError):
        raise NotFound(_("the content of this file is missing from the archive"),
                       hint=_("contact the admin: the file must be restored from a backup")) from None
    headers = {
        "Content-Length": str(size),
        "Content-Disposition": content_disposition(str(submission["name"])),
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(hashed_chunks(archive, item.sha256, fh, actor=actor, submission_id=submission["id"]),
                             media_type=media_type(item, submission), headers=headers)
