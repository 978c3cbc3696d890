"""Keeping the catalog in step with a share: files that moved, files that are gone.

``moved``: known bytes at a new path whose old path is gone; the submission (with its
versions) follows the file, no new blob, custody event ``moved``. ``removed``: the path is
gone, the evidence stays; custody event ``removed`` and ``submissions.removed_at``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..archive import Archive
from ..catalog import STORED, custody
from ..catalog import core as subs
from ..evidence import EvidenceKey
from ..i18n import deferred
from ..names import raw_hex, readable
from ..pathpattern import Link
from .result import MOVED, REMOVED, IngestResult


def _move_source(conn: Any, root: Path, share: str, relpath: str, sha256: str) -> tuple[str, int] | None:
    """(relpath, submission_id) of a path that held these bytes and is gone now (same name first), or None."""
    name = relpath.rsplit("/", 1)[-1]
    rows = sorted(subs.move_candidates(conn, share, relpath, sha256), key=lambda r: r[0].rsplit("/", 1)[-1] != name)
    return next((r for r in rows if not os.path.lexists(root / r[0])), None)


def _status_after_move(conn: Any, sub: Any, link: Link) -> tuple[str, str | None, str | None]:
    """(status, reason_code, reason) of a moved submission: its link follows the new folders."""
    if sub.status not in STORED:
        return sub.status, sub.reason_code, sub.reason
    if not link.linked:
        return "unlinked", "unlinked", link.problem
    if sub.status != "unlinked":
        return sub.status, sub.reason_code, sub.reason
    return ("duplicate" if subs.has_archived(conn, sub.sha256) else "archived"), None, None


def record_move(archive: Archive, share: str, relpath: str, st: os.stat_result,
                sha256: str) -> tuple[IngestResult, str] | None:
    """Known bytes at a new path whose old path is gone: the submission (with its versions) follows the file.

    Returns the ``moved`` result and the submission's status after the move, or None when
    no gone path held these bytes."""
    root = archive.config.share(share).path
    link = archive.config.share(share).path_pattern.parse(readable(relpath))
    now = archive.now()
    with archive.catalog.begin() as conn:
        subs.lock_path(conn, share, relpath)  # two ingesters seeing the same move: the second finds it done
        found = _move_source(conn, root, share, relpath, sha256)
        if found is None:
            return None
        subs.lock_path(conn, share, found[0])  # and its source (a removal of it may run at the same time)
        found = _move_source(conn, root, share, relpath, sha256)
        if found is None:
            return None
        src, src_id = found
        sub = subs.get(conn, src_id)
        assert sub is not None  # file_state.submission_id is a foreign key
        status, code, reason = _status_after_move(conn, sub, link)
        subs.drop_states(conn, share, src, relpath)
        subs.set_state(conn, share, relpath, size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=sha256,
                       submission_id=sub.id)
        subs.follow_move(conn, share, src, relpath, link.key, link.problem)
        subs.set_status(conn, sub.id, status, reason_code=code, reason=reason)
        result = IngestResult(share, relpath, MOVED, sha256=sha256, reason=deferred("moved from {path}",
                                                                                     path=readable(src)),
                              reason_code=MOVED, submission_id=sub.id, version=sub.version, type=sub.type,
                              size=st.st_size, key=link.key)
        detail: dict[str, Any] = {"share": share, "from": readable(src), "to": readable(relpath),
                                  "size": st.st_size, "status": status}
        if raw_hex(relpath):
            detail["to_hex"] = raw_hex(relpath)
        detail["link"] = link.key.as_dict()  # always (even partial): `verify` holds the catalog's link to it
        custody.append(conn, "moved", at=now, actor=archive.actor, submission_id=sub.id, sha256=sha256,
                       detail=detail)
    return result, status


def record_removal(archive: Archive, share: str, relpath: str) -> IngestResult | None:
    """The file at this path is gone: custody event ``removed``, ``removed_at`` set; the evidence stays.

    Returns None when the path still exists (or reappeared) or the catalog holds no file there.
    """
    full = archive.config.share(share).path / relpath
    if os.path.lexists(full):
        return None
    now = archive.now()
    with archive.catalog.begin() as conn:
        subs.lock_path(conn, share, relpath)  # one removal when several ingesters see it
        state = subs.file_state_of(conn, share, relpath)
        if state is None or os.path.lexists(full):
            return None
        subs.drop_states(conn, share, relpath)
        subs.mark_removed(conn, share, relpath, now)
        custody.append(conn, "removed", at=now, actor=archive.actor, submission_id=state.submission_id,
                       sha256=state.sha256, detail={"share": share, "path": readable(relpath), "size": state.size})
    return IngestResult(share, relpath, REMOVED, sha256=state.sha256, reason_code=REMOVED,
                        reason=deferred("deleted from the share; the archive keeps its evidence"),
                        submission_id=state.submission_id, size=state.size, key=EvidenceKey())
