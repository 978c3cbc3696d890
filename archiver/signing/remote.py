"""The adapter point for a remote signing service (BSrE's TTE API and the like).

A ``SigningService`` takes a PDF and gives it back signed by one signer: the service holds
the key, the signer proves themselves with their id (NIK) and passphrase. ``HttpSigningService``
speaks the shape of BSrE's ``POST /api/sign/pdf``: a multipart form with ``file``, ``nik``,
``passphrase``, ``tampilan`` (``visible`` / ``invisible``) and, for a visible one, ``halaman``
(``terakhir``), ``tag_koordinat`` left empty and ``reason``; the answer is the signed PDF
(``application/pdf``) or a JSON ``{"error": ...}`` with a non-2xx status.

Another service plugs in by implementing ``SigningService`` and being returned by
``service_for``. Whatever a service returns is checked by ``archiver.signing.sign``: the
original must be an unchanged prefix (an incremental update) with one more signature, intact.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from typing import Protocol

from ..errors import ArchiverError
from ..i18n import _


class RemoteSigningError(ArchiverError):
    """The remote signing service refused or failed."""


class SigningService(Protocol):
    def sign_pdf(self, pdf: bytes, *, user: str, passphrase: str, visible: bool, reason: str) -> bytes:
        """``pdf`` signed by ``user`` (one more signature, as an incremental update)."""
        ...


def _multipart(fields: dict[str, str], file_name: str, file_data: bytes) -> tuple[bytes, str]:
    boundary = "archiver-" + secrets.token_hex(16)
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 "Content-Type: application/pdf\r\n\r\n".encode() + file_data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class HttpSigningService:
    """BSrE-style HTTP signing API at ``url`` (the full URL of the sign endpoint)."""

    def __init__(self, url: str, *, timeout_s: float = 60.0) -> None:
        self.url = url
        self.timeout_s = timeout_s

    def sign_pdf(self, pdf: bytes, *, user: str, passphrase: str, visible: bool, reason: str) -> bytes:
        fields = {"nik": user, "passphrase": passphrase, "tampilan": "visible" if visible else "invisible",
                  "halaman": "terakhir", "reason": reason}
        body, ctype = _multipart(fields, "dokumen.pdf", pdf)
        req = urllib.request.Request(self.url, data=body, method="POST",
                                     headers={"Content-Type": ctype, "Accept": "application/pdf"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                data: bytes = resp.read()
                kind = resp.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:2000].decode("utf-8", "replace")
            try:
                detail = str(json.loads(detail).get("error", detail))
            except (ValueError, AttributeError):
                pass
            raise RemoteSigningError(_("the signing service {url} refused (HTTP {code}): {detail}").format(
                url=self.url, code=exc.code, detail=detail),
                hint=_("check the signer's NIK/remote_user and passphrase")) from None
        except (urllib.error.URLError, OSError) as exc:
            raise RemoteSigningError(_("the signing service {url} cannot be reached: {error}").format(
                url=self.url, error=exc), hint=_("check [signers.*] remote_url and the network")) from None
        if kind != "application/pdf" or not data.startswith(b"%PDF"):
            raise RemoteSigningError(_("the signing service {url} did not return a PDF ({kind})").format(
                url=self.url, kind=kind))
        return data


def service_for(url: str) -> SigningService:
    """The service behind a ``remote_url`` (HTTP(S) BSrE-style today)."""
    if not url.startswith(("http://", "https://")):
        raise RemoteSigningError(_("remote_url {url!r}: only http:// and https:// are supported").format(url=url))
    return HttpSigningService(url)
