"""Serving stored bytes safely: attachment only, a Content-Disposition valid for any name
(RFC 6266: an ASCII fallback plus ``filename*=UTF-8''...``), a media type that cannot turn
a quarantined file into active content, and a sandbox CSP on the response itself."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import quote

from starlette.responses import StreamingResponse

from ..archive import Archive
from ..errors import NotFound
from .evidence import Evidence

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


def download_response(archive: Archive, item: Evidence, submission: dict[str, Any]) -> StreamingResponse:
    """The stored bytes (through the blob store; the digest was checked by ``get_evidence``), streamed."""
    try:
        size = archive.store.size(item.sha256)
        fh = archive.store.open(item.sha256)
    except (NotFound, FileNotFoundError):
        raise NotFound("isi berkas ini hilang dari arsip; jalankan `archiver verify` dan hubungi admin") from None
    headers = {
        "Content-Length": str(size),
        "Content-Disposition": content_disposition(str(submission["name"])),
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(_chunks(fh), media_type=media_type(item, submission), headers=headers)
