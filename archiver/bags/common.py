"""What the modules of the audit packages share: chunk size, algorithms, the progress callback, times."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

CHUNK = 1024 * 1024
ALGORITHMS = ("sha256", "sha512")
BAGIT_VERSION = "1.0"

#: progress(phase, bytes_done_now, phase_total_bytes); phases: "salin" (copy/hash), "zip", "periksa".
Progress = Callable[[str, int, int], None]


def digest(path: Path, alg: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, alg).hexdigest()


def parse_utc(value: str) -> dt.datetime | None:
    """A catalog timestamp (``2026-03-02T01:00:00.000000Z``) as an aware datetime; None when malformed."""
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
