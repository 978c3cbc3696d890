"""Findings and follow-up (temuan -> rekomendasi -> tindak lanjut): see :mod:`.model` for the rules,
:mod:`.worksheet` for the audit file's XLSX/PDF, :mod:`.bag` for an audit package of one finding."""

from __future__ import annotations

from .model import (
    STATUS_LABELS,
    STATUSES,
    Draft,
    Evidence,
    Finding,
    add_basis,
    answer,
    close,
    evidence_choices,
    list_findings,
    load,
    may_answer,
    may_see_finding,
    open_finding,
    recommend,
    reopen,
    status_text,
)

__all__ = ["STATUSES", "STATUS_LABELS", "Draft", "Evidence", "Finding", "add_basis", "answer", "close",
           "evidence_choices", "list_findings", "load", "may_answer", "may_see_finding", "open_finding", "recommend",
           "reopen", "status_text"]
