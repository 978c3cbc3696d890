"""What ingest says about one file: ``IngestResult``, and ``Quarantine`` for a file that is not evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..evidence import EvidenceKey
from ..i18n import render
from ..names import readable

UNCHANGED = "unchanged"
MOVED = "moved"
REMOVED = "removed"
#: A file named on the command line that changed while it was read (still being copied): not recorded.
CHANGING = "changing"


@dataclass(frozen=True)
class IngestResult:
    """One file's outcome: archived, duplicate, unlinked, quarantined, ignored, moved or removed."""

    share: str
    relpath: str
    status: str
    sha256: str | None = None
    reason: str | None = None
    reason_code: str | None = None
    submission_id: int | None = None
    version: int | None = None
    type: str | None = None
    size: int | None = None
    key: EvidenceKey = field(default_factory=EvidenceKey)
    new_blob: bool = False
    transient: bool = False

    @property
    def path(self) -> str:
        """share/relpath as text (a name that is not valid UTF-8 shows its bad bytes as ``\\xNN``)."""
        return f"{self.share}/{readable(self.relpath)}"

    def as_dict(self) -> dict[str, Any]:
        """Flat, for JSON output: the key's fields stand beside the others."""
        d = asdict(self)
        d.pop("key")
        d["relpath"] = readable(self.relpath)
        d.update(self.key.columns())
        d["path"] = self.path
        d["reason"] = render(self.reason) or None
        return d


class Quarantine(Exception):
    """This file cannot be accepted as evidence; ``code`` is stable, ``reason`` for people."""

    def __init__(self, code: str, reason: str, *, transient: bool = False) -> None:
        super().__init__(render(reason))
        self.code = code
        self.reason = reason
        self.transient = transient
