"""The ingest pipeline: every file dropped in a share ends with one status, exactly once.

    for result in ingest.scan(archive): ...            a pass over every share
    ingest.ingest_paths(archive, ["drop/…/a.pdf"])     files or folders named by a user
    ingest.ingest_file(archive, share, relpath)        one file (the watcher)
    ingest.record_removal(archive, share, relpath)     a path that is gone
    ingest.release(archive, id, note=…)                an admin accepts a quarantined file

Modules: ``walk`` (what a pass looks at), ``pipeline`` (one file, in a fixed order),
``moves`` (moved and removed files), ``steps`` (the ordered after-ingest steps),
``review`` (admin decisions), ``result`` (what ingest says).
"""

from .moves import record_removal
from .pipeline import ingest_file, ingest_paths, scan
from .result import CHANGING, MOVED, REMOVED, UNCHANGED, IngestResult, Quarantine
from .review import release
from .steps import AFTER_INGEST, Step, check_signature, index_text, resolve_skp, run_steps
from .walk import is_ignored, resolve_targets, walk_share

__all__ = [
    "AFTER_INGEST", "CHANGING", "MOVED", "REMOVED", "UNCHANGED", "IngestResult", "Quarantine", "Step",
    "check_signature", "index_text",
    "ingest_file", "ingest_paths", "is_ignored", "record_removal", "release", "resolve_skp", "resolve_targets",
    "run_steps", "scan", "walk_share",
]
