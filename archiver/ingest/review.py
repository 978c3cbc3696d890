"""An administrator's decisions on problem files: release a quarantined file as evidence."""

from __future__ import annotations

from ..archive import Archive
from ..catalog import core as subs
from ..catalog import custody
from ..errors import NotFound, UsageError
from ..evidence import EvidenceKey
from ..i18n import _, render
from ..labels import status_label
from .result import IngestResult
from .steps import AFTER_INGEST, Step, run_steps


def release(archive: Archive, submission_id: int, *, note: str, actor: str | None = None,
            steps: tuple[Step, ...] = AFTER_INGEST) -> IngestResult:
    """Accept a quarantined file whose bytes are stored (type not allowed, too large) as evidence.

    An administrator's decision: the status becomes archived (or duplicate, or unlinked when
    its folders name no pegawai), a ``released`` custody event records who, why and the old
    reason, and the after-ingest steps (SKP resolution, text and index) run as for a new file.
    """
    if not note.strip():
        raise UsageError(_("say why the file is accepted as evidence (a note for the custody log)"),
                         hint=_("e.g. --note 'activity scan in TIFF format'"))
    with archive.catalog.begin() as conn:
        row = subs.get(conn, submission_id)
        if row is None:
            raise NotFound(_("no submission {id}").format(id=submission_id),
                           hint=_("see `archiver list --status quarantined`"))
        if row.status != "quarantined":
            raise UsageError(_("submission {id} is {status}, not quarantined").format(
                id=submission_id, status=status_label(row.status)))
        if row.sha256 is None:
            raise UsageError(_("submission {id} has no stored bytes ({reason})").format(
                id=submission_id, reason=render(row.reason)),
                             hint=_("fix the file in the share and drop it again"))
        others = subs.stored_count(conn, row.sha256)
        status = "unlinked" if row.link_problem or not row.nip else ("duplicate" if others else "archived")
        unlinked = status == "unlinked"
        subs.set_status(conn, submission_id, status, reason_code="unlinked" if unlinked else None,
                        reason=row.link_problem if unlinked else None)
        custody.append(conn, "released", at=archive.now(), actor=actor or archive.actor, submission_id=submission_id,
                       sha256=row.sha256, detail={"share": row.share, "path": row.relpath, "status": status,
                                                  "was": row.reason, "note": note.strip()[:500]})
    result = IngestResult(row.share, row.relpath, status, sha256=row.sha256, submission_id=submission_id,
                          version=row.version, type=row.type, size=row.size, key=EvidenceKey.of(row))
    return run_steps(archive, result, steps)
