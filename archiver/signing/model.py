"""What a signature check returns (pure values: no pyHanko, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..evidence import SIGNATURE_STATES

__all__ = ["SIGNATURE_STATES", "STATE_LABELS", "SignatureCheck", "overall_state"]

#: The states as people read them (the evidence page, `archiver list`).
STATE_LABELS = {
    "valid": "sah",
    "invalid": "tidak sah",
    "untrusted": "tidak terpercaya",
    "none": "tidak ditandatangani",
    "error": "tidak dapat diperiksa",
}

_ORDER = ("error", "invalid", "untrusted", "valid")  # the worst signature decides


@dataclass(frozen=True)
class SignatureCheck:
    """The check of one PDF: its overall ``state``, a line for people, one dict per signature.

    Each signature dict holds: field, signer, issuer, serial, signing_time, timestamp_time,
    intact, trusted, coverage, modification, state and problem (Bahasa Indonesia, or None)."""

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
    """One line: ``sah: 2 tanda tangan (Budi; Siti)`` or the first problem."""
    if state == "none":
        return "tidak ditandatangani"
    if state == "error":
        problem = next((s.get("problem") for s in signatures if s.get("problem")), None)
        return f"tidak dapat diperiksa: {problem}" if problem else "tidak dapat diperiksa"
    names = "; ".join(str(s.get("signer") or "?") for s in signatures)
    line = f"{STATE_LABELS[state]}: {len(signatures)} tanda tangan ({names})"
    problem = next((s["problem"] for s in signatures if s.get("problem")), None)
    return f"{line} — {problem}" if problem else line
