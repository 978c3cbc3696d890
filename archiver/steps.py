"""After-ingest steps (temporary home; moves into the ingest package)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .archive import Archive
    from .ingest import IngestResult

log = logging.getLogger(__name__)


def resolve_skp(archive: Archive, result: IngestResult) -> IngestResult:
    from .skp.resolution import REASON_CODE, UNKNOWN, judge_new_submission

    if result.submission_id is None or result.status not in ("archived", "duplicate"):
        return result
    res = judge_new_submission(archive, result.submission_id)
    if res is not None and res.state == UNKNOWN:
        return replace(result, status="unlinked", reason=res.reason, reason_code=REASON_CODE)
    return result


def index_text(archive: Archive, result: IngestResult) -> IngestResult:
    from .catalog import STORED
    from .indexing import index_new_submission

    if result.status in STORED and result.sha256 and result.submission_id is not None:
        index_new_submission(archive, result.submission_id, result.sha256, result.type)
    return result


AFTER_INGEST = (resolve_skp, index_text)


def run_after_ingest(archive: Archive, result: IngestResult) -> IngestResult:
    for step in AFTER_INGEST:
        try:
            result = step(archive, result)
        except Exception:  # noqa: BLE001 - a derived step never undoes or stops archiving
            log.exception("after-ingest step %s failed for %s", step.__name__, result.path)
    return result
