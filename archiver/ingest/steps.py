"""The after-ingest steps: what runs, in this order, once a submission is committed.

    AFTER_INGEST = (resolve_skp, index_text, check_signature)

1. ``resolve_skp`` judges the file's link against its pegawai's SKP (when imported): a
   code the SKP does not hold turns the submission ``unlinked`` with the reason.
2. ``index_text`` extracts the blob's text (once per blob) and indexes the submission
   with its status *after* step 1, so the index and the catalog agree.
3. ``check_signature`` validates the signatures of a new PDF blob in a child process
   under limits and records the result (``archiver.signing.check``); the blob is only read.
   A file that joined an index batch (step 2 inside ``search.batched``: a scan, a burst
   at the watcher) is checked with its batch, by the batch's writer.

Each step takes the result and returns a new one (results are frozen); none undoes
archiving. A step that fails is logged and the next one still runs: the catalog is
the truth, and the index and the SKP judgement are derived (``archiver reindex`` and the
next SKP import redo them). Callers pass ``steps=()`` to skip them (benchmarks of the core).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from ..archive import Archive
from ..catalog import STORED
from ..errors import DiskFull
from ..search import active_batch, index_new_submission
from ..signing.check import check_new_pdf
from ..skp.resolution import REASON_CODE, UNKNOWN, judge_new_submission
from ..work import enqueue, queue_mode
from .result import IngestResult

log = logging.getLogger(__name__)

Step = Callable[[Archive, IngestResult], IngestResult]


def resolve_skp(archive: Archive, result: IngestResult) -> IngestResult:
    """Judge a new archived (or duplicate) submission against its pegawai's SKP."""
    if result.submission_id is None or result.status not in ("archived", "duplicate"):
        return result
    if not (result.key.nip and result.key.tahun):  # no pegawai or year in its folders: nothing to judge
        return result
    res = judge_new_submission(archive, result.submission_id, nip=result.key.nip, tahun=result.key.tahun)
    if res is not None and res.state == UNKNOWN:
        return replace(result, status="unlinked", reason=res.reason, reason_code=REASON_CODE)
    return result


def _indexable(result: IngestResult) -> bool:
    return result.status in STORED and bool(result.sha256) and result.submission_id is not None


def index_text(archive: Archive, result: IngestResult) -> IngestResult:
    """Extract the text and index the submission now (a busy index leaves it pending for the next pass);
    with ``[work] mode = "queue"``, queue a job for any node's `archiver work` instead."""
    if _indexable(result) and result.submission_id is not None and result.sha256:  # (narrowed for mypy)
        if queue_mode(archive):
            enqueue(archive, result.submission_id, result.sha256)
        else:
            index_new_submission(archive, result.submission_id, result.sha256, result.type)
    return result


def check_signature(archive: Archive, result: IngestResult) -> IngestResult:
    """Check the signatures of a newly stored PDF (valid, invalid, untrusted, none, error); one that
    joined an index batch is checked with the batch (``signing.check.check_new_pdfs``)."""
    if _indexable(result) and active_batch() is not None and not queue_mode(archive):
        return result
    check_new_pdf(archive, result.sha256, result.type, result.status)
    return result


AFTER_INGEST: tuple[Step, ...] = (resolve_skp, index_text, check_signature)


def run_steps(archive: Archive, result: IngestResult, steps: tuple[Step, ...] = AFTER_INGEST) -> IngestResult:
    for step in steps:
        try:
            result = step(archive, result)
        except DiskFull as exc:  # one clear line; the next pass or `archiver reindex` redoes the step
            log.warning("after-ingest step %s skipped for %s: %s", step.__name__, result.path, exc.message)
        except Exception:
            log.exception("after-ingest step %s failed for %s", step.__name__, result.path)
    return result
