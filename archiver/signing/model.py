"""What a signature check returns (pure values: no pyHanko, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..evidence import SIGNATURE_STATES
from ..i18n import N_, deferred

__all__ = ["SIGNATURE_STATES", "STATE_LABELS", "SignatureCheck", "overall_state"]

#: The states as people read them (the evidence page, `archiver list`): catalog messages, shown
#: with ``_(STATE_LABELS[state])``.
STATE_LABELS = {
    "valid": N_("valid"),
    "invalid": N_("invalid"),
    "untrusted": N_("untrusted"),
    "none": N_("not signed"),
    "error": N_("cannot be checked"),
}

_ORDER = ("error", "invalid", "untrusted", "valid")  # the worst signature decides


@dataclass(frozen=True)
class SignatureCheck:
    """The check of one PDF: its overall ``state``, a line for people, one dict per signature.

    Each signature dict holds: field, signer, issuer, serial, signing_time, timestamp_time,
    intact, trusted, coverage, modification, state and problem (or None). ``summary`` and each
    ``problem`` are stored messages (``i18n.deferred``): read them with ``i18n.render``."""

    state: str
    summary: str
    signatures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "summary": self.summary, "signatures": self.signatures}


def overall_state(states: list[str]) -> str:
    """The state of a document from the states of its signatures."""
    if not states:
        return "none"
    return min(states, key=_ORDER.index)


def summarize(state: str, signatures: list[dict[str, Any]]) -> str:
    """One line, stored (``i18n.deferred``): ``sah: 2 tanda tangan (Budi; Siti)`` or the first problem."""
    if state == "none":
        return deferred("not signed")
    if state == "error":
        problem = next((s.get("problem") for s in signatures if s.get("problem")), None)
        return deferred("cannot be checked: {problem}", problem=problem) if problem else deferred("cannot be checked")
    names = "; ".join(str(s.get("signer") or "?") for s in signatures)
    label = deferred(STATE_LABELS[state])
    problem = next((s["problem"] for s in signatures if s.get("problem")), None)
    if problem:
        return deferred("{state}: {n} signature(s) ({names}) — {problem}", state=label, n=len(signatures),
                        names=names, problem=problem)
    return deferred("{state}: {n} signature(s) ({names})", state=label, n=len(signatures), names=names)
