"""Keeping the search index in step with the catalog.

    index_submissions(archive, ids)        extract what has no text yet (in parallel), write, mark indexed
    index_pending(archive)                 a pass: recover a broken index, add what is pending
    reindex(archive)                       rebuild from the catalog and the blobs alone
    reindex_changed(archive, ids)          a submission's link changed: re-index it now
    text_of(archive, sha256)               the extracted text of a blob (extracting it if needed)

Indexing never blocks or undoes archiving: when the index writer lock cannot be had
quickly (another process is writing), the submission stays *pending* (no
``search_indexed`` row for the live index generation) and the next pass adds it. New
files reach here through ``_batch`` (one commit per batch).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..archive import Archive
from ..catalog import STORED
from ..catalog import text as ctext
from ..catalog.core import blob as blob_row
from ..catalog.text import TextRecord
from ..errors import DISK_FULL_ERRNOS, DiskFull, NotFound, disk_full
from ..extract import ExtractLimits, extract, set_workers
from ..flags.indexing import fingerprint_texts
from ..i18n import deferred
from ..signing.check import check_new_pdfs
from ._analysis import cap_text
from ._backend import IndexBusy, IndexCorrupt, IndexDoc, IndexError_, IndexMissing, SearchBackend

log = logging.getLogger(__name__)

BATCH = 500
#: How long a one-off write (a relink) waits for the index writer lock before leaving the files pending.
QUICK_LOCK_TIMEOUT_S = 0.5
#: A batch writer merges segments once the index has more than this many.
MAX_SEGMENTS = 12
#: How long a batch waits for the index writer lock (another process writing) before it is queued.
BATCH_LOCK_TIMEOUT_S = 2.0

Progress = Callable[[int], object]  # a progress bar's update(n)


def backend_of(archive: Archive) -> SearchBackend:
    """The archive's search index: ``[index] backend`` "whoosh" (the ``[index] path`` folder,
    one per node) or "postgres" (in the PostgreSQL catalog, shared by every node)."""
    if archive.config.index.backend == "postgres":
        from ._postgres import PostgresBackend

        return PostgresBackend(archive.catalog)
    from ._whoosh import WhooshBackend  # whoosh: imported by the first command that opens the index

    return WhooshBackend(archive.config.index.path)


# --------------------------------------------------------------------------- text

def _extract(archive: Archive, sha256: str, type_name: str, *, ocr: bool) -> tuple[TextRecord, bytes | None]:
    limits = ExtractLimits.from_settings(archive.config.extract, ocr=True if ocr else None)
    try:
        with archive.store.local_path(sha256) as path:
            ex = extract(path, type_name, limits)
    except NotFound:
        return TextRecord(sha256, "failed", "", reason=deferred("no text: the file is missing (blob {sha256})",
                                                                    sha256=sha256)), None
    except Exception as exc:
        log.exception("text extraction crashed on blob %s (%s)", sha256, type_name)
        return TextRecord(sha256, "failed", "", reason=deferred("extractor crashed: {error}",
                                                                    error=repr(exc)[:450])), None
    rec = TextRecord(sha256, ex.status, ex.text or "", reason=ex.reason, meta=dict(ex.meta or {}),
                               pages=ex.pages, extractor=ex.extractor, ocr=limits.ocr)
    return rec, ex.thumbnail


def ensure_text(archive: Archive, sha256: str, type_name: str, *, ocr: bool = False,
                fresh: bool = False) -> TextRecord:
    """The blob's text from the catalog, extracting it first when missing (once per blob)."""
    rec = None if fresh else ctext.get_text(archive.catalog, sha256)
    if rec is not None and not (ocr and rec.status == "pending_ocr"):
        return rec
    rec, thumb = _extract(archive, sha256, type_name, ocr=ocr)
    ctext.save_text(archive.catalog, rec, thumbnail=thumb, at=archive.now())
    fingerprint_texts(archive, [(rec, thumb)])  # the red flags' fingerprints, once per extraction
    return rec


def text_of(archive: Archive, sha256: str) -> str | None:
    """The extracted text of a stored blob ('' when it has none), or None when the blob is unknown."""
    rec = ctext.get_text(archive.catalog, sha256)
    if rec is not None:
        return rec.text
    blob = blob_row(archive.catalog, sha256)
    if blob is None:
        return None
    return ensure_text(archive, sha256, blob["type"]).text


def thumbnail_of(archive: Archive, sha256: str) -> bytes | None:
    """JPEG thumbnail made at extraction (None when the type has none or text was never extracted)."""
    return ctext.get_thumbnail(archive.catalog, sha256)


# --------------------------------------------------------------------------- documents

def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min, dt.UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    s = value.strip()
    if s.startswith("D:"):  # PDF date D:20260301101500+07'00'
        s = s[2:16]
        try:
            return dt.datetime.strptime(s.ljust(14, "0")[:14], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
        except ValueError:
            return None
    if len(s) >= 19 and s[4] == ":" and s[7] == ":":  # EXIF 2026:03:01 10:15:00
        s = s[:4] + "-" + s[5:7] + "-" + s[8:]
    try:
        t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def make_doc(row: dict[str, Any], text: TextRecord | None, *, max_chars: int | None = None,
             max_words: int | None = None) -> IndexDoc:
    """The index document of a submission; with ``max_chars``/``max_words`` its text is capped
    (``[index] max_chars_per_document``, ``max_words_per_document``)."""
    meta = (text.meta if text else None) or {}
    body = text.text if text else ""
    if max_chars is not None and max_words is not None:
        body = cap_text(body, max_chars=max_chars, max_words=max_words)
    created = _parse_time(meta.get("created")) or _parse_time(meta.get("exif_date"))
    return IndexDoc(
        key=str(row["id"]), sha256=row["sha256"], name=row["name"], path=f"{row['share']}/{row['relpath']}",
        received=_parse_time(row["received_at"]) or dt.datetime.now(dt.UTC),
        text=body, nip=row["nip"], tahun=row["tahun"], periode=row["periode"],
        rhk=row["rhk"], type=row["type"], status=row["status"], created=created)


def _extract_all(archive: Archive, wanted: dict[str, str], *, ocr: bool, fresh: bool) -> dict[str, TextRecord]:
    """Texts for these blobs (sha256 -> type), extracted at the same time in the worker pool."""
    set_workers(archive.config.extract.workers)
    if len(wanted) <= 1:
        return {sha: ensure_text(archive, sha, t, ocr=ocr, fresh=fresh) for sha, t in wanted.items()}
    workers = min(len(wanted), archive.config.extract.workers or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="extract") as pool:
        futures = {sha: pool.submit(_extract, archive, sha, t, ocr=ocr) for sha, t in wanted.items()}
        got = {sha: f.result() for sha, f in futures.items()}
    ctext.save_texts(archive.catalog, list(got.values()), at=archive.now())  # one transaction for the batch
    fingerprint_texts(archive, list(got.values()))
    return {sha: rec for sha, (rec, _thumb) in got.items()}


def _docs(archive: Archive, ids: Sequence[int], *, ocr: bool = False, fresh: bool = False,
          parallel: bool = False, progress: Progress | None = None) -> Iterator[IndexDoc]:
    """Index documents for submissions, extracting text for blobs that have none yet
    (``parallel``: each chunk's missing texts at the same time, one worker per core)."""
    seen: set[str] = set()
    cfg = archive.config.index
    for i in range(0, len(ids), BATCH):
        rows, texts = ctext.rows_with_texts(archive.catalog, ids[i:i + BATCH])
        if parallel:
            wanted = {r["sha256"]: r["type"] or "" for r in rows if r["status"] in STORED and r["sha256"]
                      and r["sha256"] not in seen and _needs_text(texts.get(r["sha256"]), ocr, fresh)}
            texts.update(_extract_all(archive, wanted, ocr=ocr, fresh=fresh))
            seen.update(wanted)
        for row in rows:
            if row["status"] not in STORED or not row["sha256"]:
                continue
            sha = row["sha256"]
            rec = texts.get(sha)
            if sha not in seen and _needs_text(rec, ocr, fresh):
                rec = ensure_text(archive, sha, row["type"] or "", ocr=ocr, fresh=fresh)
                texts[sha] = rec
            seen.add(sha)
            yield make_doc(row, rec, max_chars=cfg.max_chars_per_document, max_words=cfg.max_words_per_document)
            if progress:
                progress(1)


def _needs_text(rec: TextRecord | None, ocr: bool, fresh: bool) -> bool:
    return rec is None or (ocr and rec.status == "pending_ocr") or fresh


# --------------------------------------------------------------------------- incremental

def index_submissions(archive: Archive, ids: Sequence[int], *, timeout: float = 5.0, ocr: bool = False,
                      parallel: bool = False, merge: bool = True, progress: Progress | None = None) -> int:
    """Add (or replace) these submissions in the live index; mark them indexed. Raises IndexBusy.

    Texts are extracted before the writer lock is taken. ``merge=False`` writes a new
    segment without merging (the batch writer; ``merge_segments`` merges later)."""
    fti = backend_of(archive)
    done = 0
    for i in range(0, len(ids), BATCH):
        chunk = list(ids[i:i + BATCH])
        docs = list(_docs(archive, chunk, ocr=ocr, parallel=parallel))
        with fti.writer(timeout=timeout, merge=merge) as w:
            for d in docs:
                w.put(d)
            generation = w.generation
        ctext.mark_indexed(archive.catalog, [int(d.key) for d in docs], generation, archive.now(),
                           index_id=fti.index_id)
        done += len(docs)
        if progress:
            progress(len(chunk))
    return done


def merge_segments(archive: Archive, *, only_if_many: bool = False, timeout: float = 1.0) -> bool:
    """Merge the index's small segments (``only_if_many``: only when there are over MAX_SEGMENTS).
    True when a merge ran; a busy index is left for next time."""
    fti = backend_of(archive)
    if only_if_many and fti.segment_count() <= MAX_SEGMENTS:
        return False
    return fti.merge(timeout=timeout)


@dataclass
class PassReport:
    indexed: int = 0
    extracted: int = 0
    rebuilt: bool = False
    moved_to: str | None = None
    pending: int = 0


def index_pending(archive: Archive, *, ocr: bool = False, timeout: float = 30.0,
                  progress: Progress | None = None) -> PassReport:
    """One indexing pass: rebuild a missing or broken index, run OCR when asked, add what is pending.

    The watcher runs this on each reconcile pass; ``archiver reindex --pending`` runs it once.
    """
    report = PassReport()
    fti = backend_of(archive)
    try:
        fti.check()
    except IndexMissing:
        if ctext.indexable_ids(archive.catalog):
            log.warning("the search index at %s is missing; rebuilding it", fti.location)
            r = reindex(archive, ocr=ocr, progress=progress)
            return PassReport(indexed=r.documents, extracted=r.extracted, rebuilt=True)
        fti.create()
    except IndexCorrupt as exc:
        log.error("%s; moving it aside and rebuilding", exc.message)
        moved = fti.quarantine()
        r = reindex(archive, ocr=ocr, progress=progress)
        return PassReport(indexed=r.documents, extracted=r.extracted, rebuilt=True, moved_to=moved)
    if ocr:
        for sha, type_name in ctext.digests_to_extract(archive.catalog, ocr=True):
            ensure_text(archive, sha, type_name, ocr=True)
            report.extracted += 1
    ids = ctext.pending_ids(archive.catalog, fti.generation())
    report.pending = len(ids)
    report.indexed = index_submissions(archive, ids, timeout=timeout, parallel=True, progress=progress)
    merge_segments(archive, timeout=timeout)
    return report


# --------------------------------------------------------------------------- rebuild

@dataclass
class ReindexReport:
    documents: int
    extracted: int
    generation: str
    caught_up: int = 0


def reindex(archive: Archive, *, ocr: bool = False, fresh: bool = False, procs: int = 1,
            progress: Progress | None = None) -> ReindexReport:
    """Rebuild the index from the catalog and the blobs alone.

    Text already extracted is reused (``fresh`` extracts every blob again; ``ocr`` runs OCR
    on blobs waiting for it). Searches use the old index until the new one is complete.
    Submissions archived during the rebuild are added right after the switch.
    """
    fti = backend_of(archive)
    ids = ctext.indexable_ids(archive.catalog)
    before = len(ctext.digests_to_extract(archive.catalog, ocr=ocr, fresh=fresh))
    built: list[int] = []

    def docs() -> Iterator[IndexDoc]:
        for d in _docs(archive, ids, ocr=ocr, fresh=fresh, parallel=True, progress=progress):
            built.append(int(d.key))
            yield d

    def on_switch(generation: str) -> None:
        ctext.mark_indexed(archive.catalog, built, generation, archive.now(), index_id=fti.index_id,
                         replace_all=True)

    generation, n = fti.rebuild(docs(), procs=procs, on_switch=on_switch)
    report = ReindexReport(n, before, generation)
    try:
        late = ctext.pending_ids(archive.catalog, generation)
        if late:
            report.caught_up = index_submissions(archive, late, timeout=30.0)
    except IndexBusy:
        log.info("index busy after the rebuild; %d submission(s) stay pending", len(late))
    return report


def indexable_count(archive: Archive) -> int:
    """How many submissions a rebuild indexes (those with stored bytes)."""
    return len(ctext.indexable_ids(archive.catalog))


def mark_stale(archive: Archive, submission_ids: Sequence[int]) -> None:
    """For features that change a submission's link (relink, SKP units): re-index it on the next pass."""
    ctext.mark_stale(archive.catalog, submission_ids)


def reindex_changed(archive: Archive, submission_ids: Sequence[int]) -> None:
    """A submission's link changed (relink): re-index it now, so a search filtered by its new
    NIP, periode or RHK finds it at once. Never raises for index trouble: a busy or broken
    index leaves it pending for the next pass."""
    ids = list(submission_ids)
    mark_stale(archive, ids)
    try:
        index_submissions(archive, ids, timeout=QUICK_LOCK_TIMEOUT_S)
    except IndexBusy:
        log.info("search index busy: submission(s) %s stay pending for the next indexing pass", ids)
    except IndexError_ as exc:
        log.warning("search index not updated for submission(s) %s: %s", ids, exc)


# --------------------------------------------------------------------------- batches

def write_ids(archive: Archive, ids: list[int], *, timeout: float, parallel: bool = False, merge: bool = True) -> bool:
    """Index these submissions; on failure queue them for the next batch (never raises)."""
    try:
        index_submissions(archive, ids, timeout=timeout, parallel=parallel, merge=merge)
        return True
    except IndexBusy:
        log.info("search index busy: %d file(s) wait for the next batch or pass", len(ids))
    except IndexError_ as exc:
        log.warning("search index not updated for %d file(s): %s", len(ids), exc)
    except Exception as exc:  # noqa: BLE001 - derived data: log it, the next batch or pass redoes it
        if not _warn_disk_full(exc, f"{len(ids)} file(s) not indexed"):
            log.exception("indexing %d file(s) failed; they wait for the next batch or pass", len(ids))
    try:
        ctext.enqueue(archive.catalog, ids, archive.now())
    except Exception as exc:  # noqa: BLE001 - the catalog itself failing: the full pass still finds them
        if not _warn_disk_full(exc, f"index queue for {len(ids)} file(s)"):
            log.exception("could not queue %d file(s) for indexing; the next pass finds them", len(ids))
    return False


def _warn_disk_full(exc: BaseException, what: str) -> bool:
    """A full disk is one clear line in the log, not a traceback; True when it was one."""
    if isinstance(exc, DiskFull) or (isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS):
        full = exc if isinstance(exc, DiskFull) else disk_full("search index")  # i18n: not shown
        log.warning("%s: %s", what, full.message)
        return True
    return False


def retry_queued(archive: Archive, *, limit: int) -> int:
    """Index what earlier failed writes left in the queue; how many were written."""
    ids = ctext.queued_ids(archive.catalog, limit=limit)
    if ids and write_ids(archive, ids, timeout=QUICK_LOCK_TIMEOUT_S, parallel=True):
        return len(ids)
    return 0


def write_batch(archive: Archive, ids: list[int]) -> tuple[int, int]:
    """Write one batch of new submissions (texts extracted in parallel, one commit, no merge),
    then what earlier failed writes queued; merge when segments pile up.
    Returns (written, left pending): what could not be written waits in the queue. The batch's
    new PDFs get their signature checks here too, written or not (``check_new_pdfs``)."""
    written_now = write_ids(archive, ids, timeout=BATCH_LOCK_TIMEOUT_S, parallel=True, merge=False)
    check_new_pdfs(archive, ids)
    archive.catalog.checkpoint()
    if not written_now:
        return 0, len(ids)
    written = len(ids) + retry_queued(archive, limit=archive.config.index.batch_size)
    merge_segments(archive, only_if_many=True)
    return written, 0
