"""Signature checks of incoming evidence: every archived PDF that carries a signature is
validated (integrity, signer, signing time, trust against ``[sign] trust_roots``, changes
after signing) and the result is stored in the catalog (``signatures``).

    check = check_file(path, roots=[...], timeout_s=30, memory_mb=1024)
    check_blob(archive, sha256)        # check and record (the blob is only read)
    check_new_pdfs(archive, ids)       # the new PDFs of an index batch, together
    check_signature(archive, result)   # the after-ingest step

A PDF without ``/ByteRange`` holds no signature: it is recorded as ``none`` without parsing.
Any other is parsed by pyHanko in a child process (``worker.py``) under a memory cap, a CPU
cap and a wall-clock timeout, so a hostile PDF costs an ``error`` state, never the ingest.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..archive import Archive
from ..catalog import STORED
from ..catalog import signatures as csig
from ..i18n import deferred
from .model import SIGNATURE_STATES, SignatureCheck, summarize

log = logging.getLogger(__name__)

_MARKER = b"/ByteRange"
_CHUNK = 1 << 20


def has_signature_marker(path: Path) -> bool:
    """Whether the file holds ``/ByteRange`` (every PDF signature dictionary does): a byte scan, no parsing."""
    tail = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            if _MARKER in tail + chunk:
                return True
            tail = chunk[-len(_MARKER):]
    return False


def _error(reason: str) -> SignatureCheck:
    return SignatureCheck("error", summarize("error", [{"problem": reason}]), [])


def check_file(path: Path, *, roots: Sequence[Path] = (), timeout_s: float = 30.0,
               memory_mb: int = 1024) -> SignatureCheck:
    """The check of one PDF (never raises for bad input)."""
    try:
        if not has_signature_marker(path):
            return SignatureCheck("none", summarize("none", []), [])
    except OSError as exc:
        return _error(deferred("the file cannot be read ({error})", error=str(exc)))
    request = json.dumps({"path": str(path), "roots": [str(r) for r in roots]})
    try:
        proc = subprocess.run([sys.executable, "-m", "archiver.signing.worker", str(memory_mb),
                               str(int(timeout_s) + 2)],
                              input=request, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        log.warning("signature check of %s took longer than %.0f s: stopped", path, timeout_s)
        return _error(deferred("the check took longer than its limit of {seconds} s", seconds=format(timeout_s, "g")))
    except OSError as exc:
        return _error(deferred("the checking process cannot be started ({error})", error=str(exc)))
    try:
        answer = json.loads(proc.stdout)
        state = answer["state"]
        if state not in SIGNATURE_STATES:
            raise ValueError(state)
        return SignatureCheck(state, str(answer["summary"]), list(answer["signatures"]))
    except (ValueError, KeyError, TypeError):
        log.warning("signature worker failed on %s (exit %s): %s", path, proc.returncode, proc.stderr[-500:])
        return _error(deferred("the checking process stopped (exit code {code})", code=proc.returncode))


def check_blob(archive: Archive, sha256: str) -> SignatureCheck:
    """Check a stored PDF and record the result (replacing an earlier one); the blob is only read."""
    settings = archive.config.sign
    with archive.store.local_path(sha256) as path:
        check = check_file(path, roots=settings.trust_roots, timeout_s=settings.check_timeout_seconds,
                           memory_mb=archive.config.extract.memory_mb)
    with archive.catalog.begin() as conn:
        csig.record(conn, sha256, state=check.state, summary=check.summary, detail=check.signatures,
                    at=archive.now())
    return check


def check_new_pdfs(archive: Archive, submission_ids: Sequence[int]) -> int:
    """Check the never-checked PDFs among these new submissions; how many were checked.

    An index batch runs it for its files (``search._batch``), in the index writer: during a
    burst the ingesting process does not scan PDFs and write a row for each. Those without
    ``/ByteRange`` (most) are recorded ``none`` in one transaction; each other one is checked as
    ``check_blob`` does. Never raises: a blob that fails is logged and left unchecked.
    """
    try:
        shas = csig.unchecked_pdfs(archive.catalog, submission_ids)
    except Exception:
        log.exception("signature checks of %d new file(s) skipped", len(submission_ids))
        return 0
    unsigned: list[str] = []
    for sha in shas:
        try:
            with archive.store.local_path(sha) as path:
                marked = has_signature_marker(path)
            if marked:
                check_blob(archive, sha)
            else:
                unsigned.append(sha)
        except Exception:
            log.exception("signature check of blob %s failed", sha)
    if unsigned:
        summary = summarize("none", [])
        try:
            with archive.catalog.begin() as conn:
                csig.record_unsigned(conn, unsigned, summary=summary, at=archive.now())
        except Exception:
            log.exception("signature checks of %d unsigned PDF(s) not recorded", len(unsigned))
            return len(shas) - len(unsigned)
    return len(shas)


def check_new_pdf(archive: Archive, sha256: str | None, type_name: str | None, status: str) -> SignatureCheck | None:
    """Check a newly stored PDF once (a blob already checked keeps its result)."""
    if status not in STORED or not sha256 or type_name != "pdf" or not csig.needs_check(archive.catalog, sha256):
        return None
    return check_blob(archive, sha256)


def stored_check(archive: Archive, sha256: str) -> dict[str, Any] | None:
    """The recorded check of a blob (state, summary, signers, detail, checked_at), or None."""
    return csig.get(archive.catalog, sha256)
