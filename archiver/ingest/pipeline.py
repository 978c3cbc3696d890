"""The ingest pipeline, in a fixed order:

    guard path -> ignore rules -> cheap fingerprint check -> open (no symlinks) ->
    stage bytes (hash while copying) -> source unchanged? -> type from content ->
    decide status -> commit blob -> one catalog transaction (blob, submission,
    file state, custody events) -> after-ingest steps (SKP resolution, then text and index;
    within a pass, new files are indexed in batches: ``archiver.search.batched``)

Every file ends with one status: archived, duplicate, unlinked, quarantined or ignored.
A file whose size and mtime match what the catalog already holds is ``unchanged`` and
costs one ``stat``. Nothing in a share is ever modified or deleted.

Two more outcomes keep the catalog in step with the share: ``moved`` and ``removed``
(``archiver.ingest.moves``).

Crash safety: the blob is durable before the catalog commit, and the submission, file
state and custody events are one transaction. A kill at any moment leaves either
nothing, a temp file (cleaned later), or a blob without a row (the next pass adds the
row): every file ends up archived exactly once.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..archive import Archive
from ..catalog import STORED, custody
from ..catalog import core as subs
from ..errors import DISK_FULL_ERRNOS, StoreError, disk_full
from ..filetypes import FileType, detect
from ..i18n import _, deferred
from ..names import raw_hex, readable
from ..pathpattern import Link
from ..search import batched
from .moves import record_move
from .result import CHANGING, IngestResult, Quarantine
from .steps import AFTER_INGEST, Step, run_steps
from .walk import is_ignored, resolve_targets, walk_share

_TRANSIENT = {errno.EACCES, errno.EPERM, errno.EBUSY, errno.EAGAIN, errno.ENOSPC, errno.EIO, errno.ETXTBSY}


def scan(archive: Archive, shares: Iterable[str] | None = None, *, min_age_s: float = 0.0,
         steps: tuple[Step, ...] = AFTER_INGEST) -> Iterator[IngestResult]:
    """One reconcile pass over shares: ingest what is new or changed, skip what is known.

    Files modified less than ``min_age_s`` ago are left for the next pass (the watcher's settle time).
    """
    archive.store.cleanup_temp()
    with batched(archive):
        for name in shares or archive.config.shares:
            root = archive.config.share(name).path
            known = subs.file_states(archive.catalog, name)
            for relpath in walk_share(root):
                result = ingest_file(archive, name, relpath, known=known.get(relpath), min_age_s=min_age_s,
                                     steps=steps)
                if result is not None:
                    yield result


def ingest_paths(archive: Archive, paths: Iterable[str | os.PathLike[str]], *,
                 steps: tuple[Step, ...] = AFTER_INGEST) -> Iterator[IngestResult]:
    archive.store.cleanup_temp()
    with batched(archive):
        for share, relpath in resolve_targets(archive, paths):
            result = ingest_file(archive, share, relpath, steps=steps)
            if result is not None:
                yield result
            elif _changing(archive, share, relpath):  # named by the user: never a silent "nothing new"
                yield IngestResult(share, relpath, CHANGING, transient=True, reason_code=CHANGING,
                                   reason=deferred("the file was still changing while it was read (being copied "
                                                   "or written); run this again when it is done"))


# --------------------------------------------------------------------------- one file

def ingest_file(archive: Archive, share: str, relpath: str, *, known: dict[str, Any] | None = None,
                min_age_s: float = 0.0, lookup: bool = True, defer_transient: bool = False,
                steps: tuple[Step, ...] = AFTER_INGEST) -> IngestResult | None:
    """Ingest one file. Returns None when it is unchanged (or not settled yet).

    Never raises for a bad file: every problem becomes a quarantined (or ignored) result.
    With ``defer_transient`` a transient problem (locked, permission flapping) is returned
    with ``transient=True`` but not recorded: the caller retries, and records it on its last try.
    """
    root = archive.config.share(share).path
    full = root / relpath
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        return None  # gone between listing and now: the next pass records the removal
    except OSError as exc:
        q = Quarantine("unreadable", _oserror_text(exc), transient=True)
        return _record_problem(archive, share, relpath, None, q, defer=defer_transient)
    if known is None and lookup:
        with archive.catalog.read() as conn:
            row = subs.file_state_of(conn, share, relpath)
            known = dict(row._mapping) if row else None
    if known and known["size"] == st.st_size and known["mtime_ns"] == st.st_mtime_ns and not known["retry"]:
        return None
    if min_age_s and archive.clock().timestamp() - st.st_mtime < min_age_s:
        return None
    if is_ignored(archive, relpath):
        return _record_problem(archive, share, relpath, st, None, status="ignored", code="ignored_name",
                               reason=deferred("temporary or system file (lock file, partial download, OS litter)"))
    try:
        if stat.S_ISLNK(st.st_mode):
            raise Quarantine("symlink", deferred("a shortcut (symbolic link) is not evidence: it was not followed; "
                                                 "copy the real file into the share instead"))
        if not stat.S_ISREG(st.st_mode):
            raise Quarantine("not_a_file", deferred("not a regular file (device, pipe or socket)"))
        _check_inside(root, full)
        if st.st_size == 0:
            raise Quarantine("empty", deferred("the file is empty (0 bytes); copy it again from its source"))
        return _store_and_record(archive, share, relpath, full, st, known, steps)
    except Quarantine as q:
        return _record_problem(archive, share, relpath, st, q)
    except StoreError:
        raise  # the archive itself is broken: stop, nothing was lost
    except OSError as exc:
        if exc.errno in DISK_FULL_ERRNOS:
            raise disk_full(_("the archive (while storing {path})").format(
                path=f"{share}/{readable(relpath)}")) from exc
        return _record_problem(archive, share, relpath, st,
                               Quarantine("unreadable", _oserror_text(exc), transient=exc.errno in _TRANSIENT),
                               defer=defer_transient)


def _changing(archive: Archive, share: str, relpath: str) -> bool:
    """Nothing was recorded for a file that exists: does the catalog lack its current fingerprint?
    (Unchanged files, and same bytes with a new mtime, have it.)"""
    try:
        st = os.lstat(archive.config.share(share).path / relpath)
    except OSError:
        return False
    with archive.catalog.read() as conn:
        row = subs.file_state_of(conn, share, relpath)
    return row is None or (row.size, row.mtime_ns) != (st.st_size, st.st_mtime_ns)


def _check_inside(root: Path, full: Path) -> None:
    real_root = os.path.realpath(root)
    real = os.path.realpath(full)
    if os.path.commonpath([real_root, real]) != real_root:
        raise Quarantine("outside_share", deferred("the path leads outside the share (through a linked folder); "
                                                   "not followed"))


def _oserror_text(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return deferred("the file cannot be read (permission denied); it may still be open in another program")
    return deferred("the file cannot be read: {error}", error=str(exc.strerror or exc))


def _open_nofollow(full: Path) -> int:
    return os.open(full, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0))


def _store_and_record(archive: Archive, share: str, relpath: str, full: Path, st: os.stat_result,
                      known: dict[str, Any] | None, steps: tuple[Step, ...]) -> IngestResult | None:
    limits = archive.config.limits
    fd = _open_nofollow(full)
    with os.fdopen(fd, "rb") as fh:
        fst = os.fstat(fh.fileno())
        if not stat.S_ISREG(fst.st_mode):
            raise Quarantine("not_a_file", deferred("not a regular file (device, pipe or socket)"))
        staged = archive.store.stage(fh)
        after = os.fstat(fh.fileno())
    try:
        if (after.st_size, after.st_mtime_ns) != (fst.st_size, fst.st_mtime_ns) or staged.size != after.st_size:
            staged.discard()
            return None  # still being written: a later pass takes it whole
        if known and known["sha256"] == staged.sha256:
            staged.discard()
            _touch_state(archive, share, relpath, after)  # same bytes, new mtime: not a new version
            return None
        if known is None:
            moved = record_move(archive, share, relpath, after, staged.sha256)
            if moved is not None:
                staged.discard()  # the blob is already in the store
                result, status = moved
                if status in STORED:  # the index follows the new path
                    run_steps(archive, replace(result, status=status), steps)
                return result
        ftype = detect(staged.path)
        problem = _type_problem(ftype, staged.size, limits.allowed_types, limits.max_file_size_mb)
        link = archive.config.share(share).path_pattern.parse(readable(relpath))
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    recorded = _record(archive, share, relpath, after, staged.sha256, ftype, link, problem)
    return run_steps(archive, recorded, steps) if recorded is not None else None


def _type_problem(ftype: FileType, size: int, allowed: list[str], max_mb: float) -> Quarantine | None:
    if ftype.is_executable:
        return Quarantine("executable", deferred("this is a program ({what}), not a document; programs are never "
                                                 "accepted as evidence", what=ftype.mime))
    if size > max_mb * 1024 * 1024:
        return Quarantine("too_large", deferred("the file is {size} MB, over the {limit} MB limit; compress or split "
                                                "it, or ask the administrator", size=format(size / 1048576, ".1f"),
                                                limit=format(max_mb, "g")))
    if ftype.name not in allowed:
        what = ftype.name if ftype.name != "unknown" else ftype.mime
        return Quarantine("type_not_allowed", deferred("files of type {type} ({what}) are not accepted; allowed: "
                                                       "{allowed}", type=what, what=ftype.mime,
                                                       allowed=", ".join(allowed)))
    return None


def _touch_state(archive: Archive, share: str, relpath: str, st: os.stat_result) -> None:
    with archive.catalog.begin() as conn:
        subs.touch_state(conn, share, relpath, st.st_size, st.st_mtime_ns)


def _record(archive: Archive, share: str, relpath: str, st: os.stat_result, sha256: str, ftype: FileType,
            link: Link, problem: Quarantine | None) -> IngestResult | None:
    now = archive.now()
    with archive.catalog.begin() as conn:
        # Several ingesters (processes, nodes) may see the same change: the path lock makes the
        # second wait for the first and then read its file state (PostgreSQL; SQLite's write
        # transaction holds the whole database already). Same bytes there now: nothing to record.
        subs.lock_path(conn, share, relpath)
        state = subs.file_state_of(conn, share, relpath)
        if state and state.sha256 == sha256 and not state.retry:
            return None  # another ingester got here first
        # The same new bytes at two paths at once: whoever adds the blob row is "archived".
        known_blob = not subs.add_blob(conn, sha256, size=st.st_size, mime=ftype.mime, type_name=ftype.name,
                                       at=now)
        status: str
        code: str | None
        reason: str | None
        if problem:
            status, code, reason = "quarantined", problem.code, problem.reason
        elif not link.linked:
            status, code, reason = "unlinked", "unlinked", link.problem
        elif known_blob:
            status, code, reason = "duplicate", None, None
        else:
            status, code, reason = "archived", None, None
        result = IngestResult(share, relpath, status, sha256=sha256, reason=reason, reason_code=code,
                              type=ftype.name, size=st.st_size, key=link.key, new_blob=not known_blob)
        return _insert_submission(archive, conn, result, st.st_mtime_ns, now, mime=ftype.mime,
                                  link_problem=link.problem)


def _record_problem(archive: Archive, share: str, relpath: str, st: os.stat_result | None,
                    q: Quarantine | None, *, status: str = "quarantined", code: str | None = None,
                    reason: str | None = None, defer: bool = False) -> IngestResult | None:
    """A file whose bytes are not stored (ignored, empty, unreadable, link): recorded, reported once."""
    if q is not None:
        code, reason = q.code, q.reason
    transient = bool(q and q.transient)
    size = st.st_size if st else 0
    mtime_ns = st.st_mtime_ns if st else 0
    if transient and defer:
        return IngestResult(share, relpath, status, reason=reason, reason_code=code, size=size, transient=True)
    now = archive.now()
    with archive.catalog.begin() as conn:
        subs.lock_path(conn, share, relpath)  # as in _record: one report when several ingesters see it
        state = subs.problem_state_of(conn, share, relpath)
        if state and state.sha256 is None and state.reason_code == code and \
                (state.size, state.mtime_ns) == (size, mtime_ns):
            return None  # same problem as last time: already reported
        link = archive.config.share(share).path_pattern.parse(readable(relpath))
        result = IngestResult(share, relpath, status, reason=reason, reason_code=code, size=size,
                              key=link.key, transient=transient)
        return _insert_submission(archive, conn, result, mtime_ns, now, mime=None, link_problem=link.problem,
                                  retry=transient)


def _insert_submission(archive: Archive, conn: Any, r: IngestResult, mtime_ns: int, now: str, *,
                       mime: str | None, link_problem: str | None, retry: bool = False) -> IngestResult:
    """The submission, its file state and its two custody events (received, then the outcome)."""
    size = r.size or 0
    version = subs.next_version(conn, r.share, r.relpath, stored=r.sha256 is not None)
    submission_id = subs.insert_submission(
        conn, share=r.share, relpath=r.relpath, size=size, mtime_ns=mtime_ns, sha256=r.sha256, mime=mime,
        type_name=r.type, received_at=now, status=r.status, reason_code=r.reason_code, reason=r.reason,
        version=version, key=r.key, link_problem=link_problem)
    subs.set_state(conn, r.share, r.relpath, size=size, mtime_ns=mtime_ns, sha256=r.sha256,
                   submission_id=submission_id, retry=retry)
    base: dict[str, Any] = {"share": r.share, "path": readable(r.relpath), "size": size}
    if raw_hex(r.relpath):
        base["path_hex"] = raw_hex(r.relpath)  # the original bytes of a name that is not valid UTF-8
    custody.append(conn, "received", at=now, actor=archive.actor, submission_id=submission_id,
                   sha256=r.sha256, detail={**base, "mtime_ns": mtime_ns})
    outcome: dict[str, Any] = {**base, "version": version}
    if r.reason:
        outcome["reason"] = r.reason
    outcome["link"] = r.key.as_dict()  # always (even empty): `verify` holds the catalog's link to it
    custody.append(conn, r.status, at=now, actor=archive.actor, submission_id=submission_id,
                   sha256=r.sha256, detail=outcome)
    return replace(r, submission_id=submission_id, version=version)
