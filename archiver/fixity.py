"""Scheduled fixity: the archive re-hashes its blobs, oldest check first, and keeps each result.

``run_fixity`` (called by the watcher) checks the day's share of the blobs: at least enough
that every blob is checked again within ``[fixity] period_days`` (default 90), or
``daily_percent`` of them when that is more. Blobs are taken by their latest check, oldest
first (a blob never checked counts from when it was stored), so the round always comes back
to every blob. Each check is a ``verified`` custody event (scope ``blob``) and the blob's
row in ``blob_fixity``; a blob whose bytes no longer hash to its name (or are gone) stays a
problem, shown by ``archiver status`` and on the web page /masalah, until a later check
finds it intact again (restored from a backup).

Every other check of a blob records the same way: ``archiver verify``, the web page's
re-check button, and a download whose bytes did not hash to their name.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .accounts import Scope
from .archive import Archive, iso
from .catalog import anchors as q
from .catalog import custody
from .errors import NotFound

log = logging.getLogger(__name__)


@dataclass
class FixityReport:
    quota: int = 0
    done_today: int = 0
    checked: int = 0
    bytes: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return max(0, self.quota - self.done_today)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "remaining": self.remaining}


def daily_quota(n_blobs: int, period_days: int, daily_percent: float) -> int:
    """Blobs to check per day: every blob within the period, or the configured share if more."""
    if n_blobs <= 0:
        return 0
    return min(n_blobs, max(math.ceil(n_blobs / period_days), math.ceil(n_blobs * daily_percent / 100)))


def _rehash(archive: Archive, sha256: str) -> str:
    try:
        return archive.store.rehash(sha256)
    except (NotFound, FileNotFoundError):
        return ""  # gone from the store


def record_checks(archive: Archive, results: Iterable[tuple[str, str]], *, via: str, actor: str | None = None,
                  submission_id: int | None = None, extra: dict[str, Any] | None = None) -> None:
    """Record (sha256, actual digest) checks in one transaction: a ``verified`` event each (attached
    to ``submission_id``, else the blob's first stored submission), and the blob's latest check.
    An actual digest other than the name (``""``: missing) is a failure."""
    at = archive.now()
    with archive.catalog.begin() as conn:
        for sha256, actual in results:
            ok = actual == sha256
            q.record_check(conn, sha256, at=at, ok=ok, actual=actual, via=via)
            custody.append(conn, "verified", at=at, actor=actor or archive.actor, sha256=sha256,
                           submission_id=submission_id or q.first_submission_of(conn, sha256),
                           detail={"via": via, "scope": "blob", "ok": ok, **({} if ok else {"actual": actual}),
                                   **(extra or {})})


def check_blob(archive: Archive, sha256: str, *, via: str, actor: str | None = None,
               submission_id: int | None = None) -> tuple[bool, str]:
    """Re-hash one blob now and record the result. (ok, actual digest; "" when the bytes are gone)."""
    actual = _rehash(archive, sha256)
    record_checks(archive, [(sha256, actual)], via=via, actor=actor, submission_id=submission_id)
    if actual != sha256:
        log.error("blob %s failed its integrity check (%s): %s", sha256, via, actual or "missing")
    return actual == sha256, actual


def run_fixity(archive: Archive, *, budget_s: float | None = None, batch: int = 50,
               progress: Callable[[int], object] | None = None) -> FixityReport:
    """Check what is left of today's share of the blobs (UTC day), within ``budget_s`` seconds of
    hashing when given (at least one blob per call). Safe to call often: it stops at the quota.
    ``progress`` is called with the size of each blob checked (the CLI's progress bar)."""
    cfg = archive.config.fixity
    now = archive.clock().astimezone(dt.UTC)
    day_start = iso(now.replace(hour=0, minute=0, second=0, microsecond=0))
    report = FixityReport()
    with archive.catalog.read() as conn:
        report.quota = daily_quota(q.blob_count(conn), cfg.period_days, cfg.daily_percent)
        report.done_today = q.checks_since(conn, day_start, "fixity")
    started = time.monotonic()
    while report.remaining > 0:
        with archive.catalog.read() as conn:
            due = q.due_blobs(conn, min(batch, report.remaining), checked_before=day_start)
        if not due:
            break
        results: list[tuple[str, str]] = []
        for sha256, size in due:
            actual = _rehash(archive, sha256)
            results.append((sha256, actual))
            report.checked += 1
            report.bytes += size
            if progress is not None:
                progress(size)
            if actual != sha256:
                report.failed.append(sha256)
                log.error("blob %s failed its scheduled fixity check: %s", sha256,
                          f"its bytes now hash to {actual}" if actual else "it is missing from the store")
            if budget_s is not None and time.monotonic() - started > budget_s:
                break
        record_checks(archive, results, via="fixity")
        report.done_today += len(results)
        if budget_s is not None and time.monotonic() - started > budget_s:
            break
    return report


def failed_blobs(archive: Archive, scope: Scope = None, *, limit: int = 200) -> list[dict[str, Any]]:
    """Blobs whose latest check failed, newest first, each named by a submission the scope may see."""
    return q.failed_blobs(archive.catalog, scope, limit=limit)
