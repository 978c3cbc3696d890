"""An audit package of one finding: the evidence it rests on and the follow-up evidence (``archiver
export --finding ID``). The findings touching the evidence go into every bag (``bags.tagfiles``)."""

from __future__ import annotations

from ..archive import Archive
from ..bags.selection import ExportCriteria
from ..errors import NotFound
from ..i18n import _
from .model import load


def criteria_of(archive: Archive, finding_id: int) -> ExportCriteria:
    """The selection of a finding's evidence (basis and follow-up), frozen as submission ids."""
    f = load(archive, finding_id)
    ids = tuple(sorted({e.submission_id for e in f.evidence}))
    if not ids:
        raise NotFound(_("finding {id} has no linked evidence to export").format(id=finding_id))
    nips = tuple(sorted({e.nip for e in f.evidence if e.nip}))
    return ExportCriteria(tahun=f.tahun, nips=nips, unit=f.unit, periode=f.periode, submission_ids=ids,
                          finding=finding_id)
