"""Fingerprints stored at extraction (``fingerprint_texts``, called where the search feature saves
a blob's text, so ingest, ``archiver reindex`` and ``archiver work`` all compute them), and the
backfill for blobs extracted before fingerprints existed (``backfill``, ``archiver flags --rebuild``).

``fingerprint`` (and numpy with it) is imported when a fingerprint is computed, not with this
module: an ``archiver ingest`` that finds nothing new does not pay for it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..catalog import fingerprints as cfp

if TYPE_CHECKING:
    from ..archive import Archive
    from ..catalog.text import TextRecord
    from .fingerprint import Fingerprint

log = logging.getLogger(__name__)
BATCH = 200


def _row(fp: Fingerprint, at: str) -> dict[str, Any]:
    from .fingerprint import VERSION

    return {"sha256": fp.sha256, "version": VERSION, "words": fp.words, "minhash": fp.minhash, "phash": fp.phash,
            "dates": fp.dates, "bands": fp.bands, "computed_at": at}


def fingerprint_texts(archive: Archive, items: Sequence[tuple[TextRecord, bytes | None]]) -> None:
    """Compute and store the fingerprints of freshly extracted blobs. Never raises: fingerprints are
    derived data (``archiver flags --rebuild`` computes what is missing)."""
    try:
        from .fingerprint import compute

        at = archive.now()
        rows = [_row(compute(rec.sha256, rec.text, rec.meta, rec.extractor, thumb), at) for rec, thumb in items]
        cfp.save(archive.catalog, rows)
    except Exception:  # noqa: BLE001 - derived data: never fail extraction or ingest for it
        log.exception("fingerprints of %d blob(s) not stored; `archiver flags --rebuild` computes them", len(items))


def backfill(archive: Archive, *, every: bool = False) -> int:
    """Fingerprint blobs with extracted text and no (current) fingerprint; how many were computed."""
    from .fingerprint import VERSION, compute

    todo = cfp.missing(archive.catalog, VERSION, every=every)
    for i in range(0, len(todo), BATCH):
        rows = []
        at = archive.now()
        for r in cfp.text_rows(archive.catalog, todo[i:i + BATCH]):
            try:
                meta = json.loads(r.meta or "{}")
            except ValueError:
                meta = {}
            rows.append(_row(compute(r.sha256, r.text or "", meta, r.extractor, r.thumbnail), at))
        cfp.save(archive.catalog, rows)
    return len(todo)
