"""Evidence as the web shows it: scoped lists, one item with its history, access records.

Every read takes a ``Scope`` (from ``archiver.accounts.visible_nips``), applied in SQL by
``archiver.catalog.evidence``, so a page cannot forget it. Items are named by their content hash (``/e/<sha256>``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from ..accounts import Scope, User
from ..archive import Archive
from ..catalog import evidence as catalog_evidence
from ..catalog import text as blob_text
from ..errors import NotFound, UsageError
from ..evidence import SIGNATURE_STATES, Filters
from ..i18n import _
from ..signing.model import STATE_LABELS
from ..store import check_digest

PREVIEW_MAX_BYTES = 30 * 1024 * 1024
THUMB_SIZE = (480, 480)
#: Statuses an admin sees on the problems page (files not accepted as linked evidence).
PROBLEM_STATUSES = ("unlinked", "quarantined")


#: The "Tanda tangan elektronik" filter of the lists and the search, as people choose it: each
#: state of ``SIGNATURE_STATES`` (the value sent) and its label (an empty value means any).
SIGNATURE_FILTER = dict(STATE_LABELS)  # the same words as the evidence page and `archiver list`


def parse_signature(value: str | None, field: str) -> str | None:
    """The signature filter from the query field ``field``: None when empty; an unknown state is a
    UsageError (HTTP 400) that names the field and the values it takes."""
    state = (value or "").strip().lower()
    if not state:
        return None
    if state not in SIGNATURE_STATES:
        choices = ", ".join(f"{s} ({_(SIGNATURE_FILTER[s])})" for s in SIGNATURE_STATES)
        raise UsageError(_("{field} {value!r}: unknown electronic signature state").format(field=field, value=value),
                         hint=_("choose one of: {choices}, or leave it empty for all").format(choices=choices))
    return state


def list_submissions(archive: Archive, scope: Scope, filters: Filters, *, limit: int = 100,
                     offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Stored submissions (newest first) the scope may see, and how many match in all."""
    return catalog_evidence.list_stored(archive.catalog, scope, filters, limit=limit, offset=offset)


@dataclass
class Evidence:
    sha256: str
    blob: dict[str, Any]
    submissions: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def latest(self) -> dict[str, Any]:
        return self.submissions[-1]

    @property
    def name(self) -> str:
        return str(self.latest["name"])

    @property
    def quarantined(self) -> bool:
        return all(s["status"] == "quarantined" for s in self.submissions)

    @property
    def is_image(self) -> bool:
        return self.blob["type"] in ("jpeg", "png", "gif", "tiff", "webp", "bmp")


def get_evidence(archive: Archive, sha256: str, scope: Scope, *, with_events: bool = True) -> Evidence:
    """One item by content hash, with the submissions the scope may see. NotFound otherwise."""
    check_digest(sha256)
    found = catalog_evidence.item_rows(archive.catalog, sha256, scope, with_events=with_events)
    if found is None:
        raise NotFound(_("evidence not found"))  # the same answer whether it exists or not
    blob, subs, history = found
    return Evidence(sha256, blob, subs, [e | {"detail": _detail(e["detail"])} for e in history])


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def pick_submission(item: Evidence, submission_id: int | None) -> dict[str, Any]:
    """The submission a download is named after: the one asked for (if visible), else the newest."""
    if submission_id is None:
        return item.latest
    for s in item.submissions:
        if s["id"] == submission_id:
            return s
    raise NotFound(_("evidence not found"))


def record_access(archive: Archive, user: User, kind: str, item: Evidence, *,
                  submission_id: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """A ``viewed`` or ``downloaded`` custody event for this user."""
    catalog_evidence.record_event(archive.catalog, kind, at=archive.now(), actor=user.actor,
                                  submission_id=submission_id, sha256=item.sha256,
                                  detail={"via": "web", "role": user.role, **(detail or {})})


def check_integrity(archive: Archive, user: User, item: Evidence) -> tuple[bool, str]:
    """Re-hash the stored bytes now; records a ``verified`` custody event and the blob's latest
    check (a failure shows in `status` and /masalah). (ok, actual digest)."""
    from ..fixity import check_blob

    return check_blob(archive, item.sha256, via="web", actor=user.actor, submission_id=item.latest["id"])


def last_integrity(item: Evidence) -> dict[str, Any] | None:
    checks = [e for e in item.events if e["kind"] == "verified" and e["detail"].get("scope") == "blob"]
    return checks[-1] if checks else None


# --------------------------------------------------------------------------- previews
# Text extraction stores each blob's text and a JPEG thumbnail once (archiver.catalog.text);
# previews use those when present. Without them: images are re-encoded here, PDFs give the
# text of their first page.

def has_preview_image(archive: Archive, item: Evidence) -> bool:
    if item.quarantined:
        return False
    if blob_text.get_thumbnail(archive.catalog, item.sha256):
        return True
    return item.is_image and item.blob["size"] <= PREVIEW_MAX_BYTES


def preview_image(archive: Archive, item: Evidence) -> tuple[bytes, str]:
    """(bytes, media type) of a small preview picture; never the original bytes of the file."""
    if item.quarantined:
        raise NotFound(_("no preview for this file"))
    jpeg = blob_text.get_thumbnail(archive.catalog, item.sha256)
    if jpeg and jpeg.startswith(b"\xff\xd8\xff"):
        return jpeg, "image/jpeg"
    return thumbnail_png(archive, item), "image/png"


def thumbnail_png(archive: Archive, item: Evidence) -> bytes:
    """A small PNG re-encoded from an image blob (never the original bytes, so never active content)."""
    from PIL import Image, UnidentifiedImageError

    if not item.is_image or item.quarantined or item.blob["size"] > PREVIEW_MAX_BYTES:
        raise NotFound(_("no preview for this file"))
    try:
        with archive.store.open(item.sha256) as fh, Image.open(fh) as img:
            img.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            img.convert("RGB").save(out, "PNG")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise NotFound(_("no preview for this file")) from None
    return out.getvalue()


def preview_text(archive: Archive, item: Evidence, limit: int = 1500) -> str | None:
    """The start of the file's text: the extracted text when the search feature has it, else
    the first page of a PDF. None when there is none (or the file is quarantined)."""
    if item.quarantined:
        return None
    rec = blob_text.get_text(archive.catalog, item.sha256)
    if rec is not None and rec.text.strip():
        text = rec.text
    elif item.blob["type"] == "pdf" and item.blob["size"] <= PREVIEW_MAX_BYTES:
        text = _pdf_first_page(archive, item) or ""
    else:
        return None
    text = " ".join(text.split())
    return (text[:limit] + ("…" if len(text) > limit else "")) or None


def _pdf_first_page(archive: Archive, item: Evidence) -> str | None:
    try:
        from pypdf import PdfReader

        with archive.store.open(item.sha256) as fh:
            reader = PdfReader(fh)
            return reader.pages[0].extract_text() if reader.pages else None
    except Exception:  # noqa: BLE001 - a broken PDF only loses its preview
        return None


# --------------------------------------------------------------------------- problems

def problem_files(archive: Archive, scope: Scope, *, status: str | None = None, limit: int = 500
                  ) -> list[dict[str, Any]]:
    """Files whose current state is unlinked or quarantined, newest first, with their reasons."""
    statuses = (status,) if status in PROBLEM_STATUSES else PROBLEM_STATUSES
    if status and status not in PROBLEM_STATUSES:
        raise UsageError(_("status {status!r}: choose {choices}").format(
            status=status, choices=" / ".join(PROBLEM_STATUSES)))
    return catalog_evidence.problem_rows(archive.catalog, scope, statuses, limit=limit)
