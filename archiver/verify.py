"""Fixity and custody audit: re-hash every blob, match blobs with catalog rows, walk the chain.

Every problem is collected and reported together; nothing stops at the first one. A blob that an
approved disposition released (``archiver.retention``) is expected to be missing and is not checked.
The result is itself recorded as a ``verified`` custody event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .archive import Archive
from .catalog import anchors as catalog_anchors
from .catalog import core as subs
from .catalog import custody
from .catalog import retention as retention_rows
from .errors import DiskFull
from .i18n import _


@dataclass(frozen=True)
class Problem:
    kind: str  # blob_modified, blob_missing, blob_size, orphan_blob, submission_without_blob, chain
    subject: str  # a sha256, a submission id, an event seq
    message: str


@dataclass
class VerifyReport:
    blobs_checked: int = 0
    bytes_checked: int = 0
    events_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: why the ``verified`` event could not be recorded (a full disk), else None
    not_recorded: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "blobs_checked": self.blobs_checked, "bytes_checked": self.bytes_checked,
                "events_checked": self.events_checked, "problems": [asdict(p) for p in self.problems],
                "not_recorded": self.not_recorded}


def verify(archive: Archive, *, progress: Callable[[int], None] | None = None, record: bool = True) -> VerifyReport:
    """Check the whole archive. ``progress`` is called with the bytes of each blob checked."""
    report = VerifyReport()
    cataloged: set[str] = set()
    rehashed: dict[str, str] = {}  # sha256 -> what its bytes hash to now ("" when missing)
    store = archive.store
    with archive.catalog.read() as conn:
        disposed = retention_rows.disposed_shas(conn)  # released by an approved disposition: gone on purpose
    for sha256, size in subs.blob_digests(archive.catalog):
        cataloged.add(sha256)
        if sha256 in disposed:
            continue
        report.blobs_checked += 1
        if not store.exists(sha256):
            rehashed[sha256] = ""
            report.problems.append(Problem("blob_missing", sha256,
                                           _("blob {sha256} is in the catalog but missing from the store").format(
                                               sha256=sha256)))
            continue
        actual = store.rehash(sha256)
        rehashed[sha256] = actual
        report.bytes_checked += size
        if progress:
            progress(size)
        if actual != sha256:
            report.problems.append(Problem("blob_modified", sha256,
                                           _("blob {sha256} was modified: its bytes now hash to {actual}").format(
                                               sha256=sha256, actual=actual)))
        elif store.size(sha256) != size:
            report.problems.append(Problem("blob_size", sha256, _(
                "blob {sha256} has a different size than catalogued").format(sha256=sha256)))
    for sha256 in _orphans(archive, [sha for sha in store.digests() if sha not in cataloged]):
        report.problems.append(Problem("orphan_blob", sha256,
                                       _("blob {sha256} is in the store but not in the catalog "
                                         "(an interrupted ingest: run `archiver ingest` again)").format(sha256=sha256)))
    for row in subs.submissions_without_blob(archive.catalog):
        report.problems.append(Problem("submission_without_blob", str(row["id"]),
                                       _("submission {id} ({share}/{path}) names blob {sha256} that the catalog "
                                         "does not know").format(id=row["id"], share=row["share"],
                                                                 path=row["relpath"], sha256=row["sha256"])))
    with archive.catalog.read() as conn:
        for p in custody.verify_chain(conn):
            report.problems.append(Problem("chain", str(p.seq) if p.seq is not None else "-", p.message))
        report.events_checked = custody.count(conn)
    _audit_custody(archive, report)
    if record:
        try:
            _record_blob_checks(archive, report, rehashed)
            with archive.catalog.begin() as conn:
                custody.append(conn, "verified", at=archive.now(), actor=archive.actor, detail={
                    "ok": report.ok, "blobs": report.blobs_checked, "events": report.events_checked,
                    "problems": len(report.problems)})
        except DiskFull as exc:  # the check itself is done: report it, say what was not recorded
            report.not_recorded = exc.message
    return report


#: How long a blob may be in the store without its catalog row before it counts as orphaned:
#: an ingest running now stores the blob first and commits its row a moment later.
ORPHAN_GRACE_S = 2.0


def _orphans(archive: Archive, candidates: list[str]) -> list[str]:
    """The blobs (not in the catalog snapshot read above) that are still not catalogued after the
    grace time: never an ingest in flight (running now, perhaps on another node)."""
    deadline = time.monotonic() + ORPHAN_GRACE_S
    while candidates:
        known = subs.known_blobs(archive.catalog, candidates)
        candidates = [sha for sha in candidates if sha not in known]
        if not candidates or time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    return candidates


def _audit_custody(archive: Archive, report: VerifyReport) -> None:
    """The catalog against the custody events (re-pointed or re-assigned evidence), and the chain
    against its anchors (TSA tokens and the anchor log outside the catalog)."""
    from .anchor import check_anchors
    from .custody_audit import audit_catalog

    for m in audit_catalog(archive.catalog):
        report.problems.append(Problem(m.kind, m.subject, m.message))
    for a in check_anchors(archive):
        report.problems.append(Problem(a.kind, a.subject, a.message))


def _record_blob_checks(archive: Archive, report: VerifyReport, rehashed: dict[str, str]) -> None:
    """Failed blobs become problems shown by `status` and /masalah; blobs that failed before and
    are intact now (restored) stop being problems."""
    from .fixity import record_checks

    before = {r["sha256"] for r in catalog_anchors.failed_blobs(archive.catalog, None, limit=100_000)}
    changed = [(sha, actual) for sha, actual in rehashed.items() if actual != sha or sha in before]
    if changed:
        record_checks(archive, changed, via="verify")
