"""The ingest pipeline, in a fixed order:

    guard path -> ignore rules -> cheap fingerprint check -> open (no symlinks) ->
    stage bytes (hash while copying) -> source unchanged? -> type from content ->
    decide status -> commit blob -> one catalog transaction (blob, submission,
    file state, custody events) -> archived hooks (text extraction, indexing)

Every file ends with one status: archived, duplicate, unlinked, quarantined or ignored.
A file whose size and mtime match what the catalog already holds is ``unchanged`` and
costs one ``stat``. Nothing in a share is ever modified or deleted.

Two more outcomes keep the catalog in step with the share: ``moved`` (a new path holds
bytes the catalog knows at a path that is gone: the submission follows the file, no new
blob, custody event ``moved``) and ``removed`` (``record_removal``: the path is gone, the
evidence stays, custody event ``removed`` and ``submissions.removed_at``).

Crash safety: the blob is durable before the catalog commit, and the submission, file
state and custody events are one transaction. A kill at any moment leaves either
nothing, a temp file (cleaned later), or a blob without a row (the next pass adds the
row): every file ends up archived exactly once.
"""

from __future__ import annotations

import errno
import fnmatch
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import custody
from .archive import Archive
from .catalog import STORED, blobs, file_state, submissions
from .errors import NotFound, StoreError, UsageError
from .filetypes import FileType, detect
from .pathpattern import Link

log = logging.getLogger(__name__)

UNCHANGED = "unchanged"
MOVED = "moved"
REMOVED = "removed"
_TRANSIENT = {errno.EACCES, errno.EPERM, errno.EBUSY, errno.EAGAIN, errno.ENOSPC, errno.EIO, errno.ETXTBSY}


@dataclass
class IngestResult:
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
    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    iki: str | None = None
    new_blob: bool = False
    transient: bool = False

    @property
    def path(self) -> str:
        return f"{self.share}/{self.relpath}"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = self.path
        return d


class Quarantine(Exception):
    """This file cannot be accepted as evidence; ``code`` is stable, ``reason`` for people."""

    def __init__(self, code: str, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.transient = transient


# --------------------------------------------------------------------------- walking

def is_ignored(archive: Archive, relpath: str) -> bool:
    patterns = archive.config.limits.ignore
    return any(fnmatch.fnmatchcase(part, pat) or fnmatch.fnmatch(part.lower(), pat.lower())
               for part in relpath.split("/") for pat in patterns)


def walk_share(root: Path, on_error: Callable[[Path, OSError], None] | None = None) -> Iterator[str]:
    """Every entry below ``root`` that is not a directory, as a POSIX relpath. Never follows links.

    A folder that cannot be listed is logged (and passed to ``on_error``) and skipped.
    """
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            log.warning("cannot list folder %s: %s", folder, exc)
            if on_error is not None:
                on_error(folder, exc)
            continue
        subdirs = []
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                subdirs.append(Path(e.path))
            else:
                yield Path(e.path).relative_to(root).as_posix()
        stack.extend(reversed(subdirs))


def resolve_targets(archive: Archive, paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[str, str]]:
    """(share, relpath) for each file under the given files or folders; refuses paths outside shares."""
    for raw in paths:
        p = Path(os.path.abspath(raw))  # no symlink resolution: the path as the user named it
        where = archive.config.share_for(p)
        if where is None:
            roots = ", ".join(f"{n} ({s.path})" for n, s in archive.config.shares.items())
            raise UsageError(f"{raw} is not inside a configured share", hint=f"shares: {roots}")
        share, rel = where
        if any(part == ".." for part in rel.split("/")):
            raise UsageError(f"{raw}: '..' is not allowed in a path")
        if p.is_dir() and not p.is_symlink():
            for sub in walk_share(p):
                yield share, (sub if rel == "." else f"{rel}/{sub}")
        elif os.path.lexists(p):
            yield share, rel
        else:
            raise UsageError(f"{raw} does not exist")


def scan(archive: Archive, shares: Iterable[str] | None = None, *, min_age_s: float = 0.0) -> Iterator[IngestResult]:
    """One reconcile pass over shares: ingest what is new or changed, skip what is known.

    Files modified less than ``min_age_s`` ago are left for the next pass (the watcher's settle time).
    """
    archive.store.cleanup_temp()
    for name in shares or archive.config.shares:
        root = archive.config.share(name).path
        known = archive.catalog.file_states(name)
        for relpath in walk_share(root):
            result = ingest_file(archive, name, relpath, known=known.get(relpath), min_age_s=min_age_s)
            if result is not None:
                yield result


def ingest_paths(archive: Archive, paths: Iterable[str | os.PathLike[str]]) -> Iterator[IngestResult]:
    archive.store.cleanup_temp()
    for share, relpath in resolve_targets(archive, paths):
        result = ingest_file(archive, share, relpath)
        if result is not None:
            yield result


# --------------------------------------------------------------------------- one file

def ingest_file(archive: Archive, share: str, relpath: str, *, known: dict[str, Any] | None = None,
                min_age_s: float = 0.0, lookup: bool = True, defer_transient: bool = False) -> IngestResult | None:
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
        return _record_problem(archive, share, relpath, None, Quarantine("unreadable", _oserror_text(exc), transient=True),
                               defer=defer_transient)
    if known is None and lookup:
        with archive.catalog.read() as conn:
            row = conn.execute(sa.select(file_state).where(file_state.c.share == share,
                                                           file_state.c.relpath == relpath)).first()
            known = dict(row._mapping) if row else None
    if known and known["size"] == st.st_size and known["mtime_ns"] == st.st_mtime_ns and not known["retry"]:
        return None
    if min_age_s and archive.clock().timestamp() - st.st_mtime < min_age_s:
        return None
    if is_ignored(archive, relpath):
        return _record_problem(archive, share, relpath, st, None, status="ignored",
                               code="ignored_name", reason="temporary or system file (lock file, partial download, OS litter)")
    try:
        if stat.S_ISLNK(st.st_mode):
            raise Quarantine("symlink", "a shortcut (symbolic link) is not evidence: it was not followed; "
                                        "copy the real file into the share instead")
        if not stat.S_ISREG(st.st_mode):
            raise Quarantine("not_a_file", "not a regular file (device, pipe or socket)")
        _check_inside(root, full)
        if st.st_size == 0:
            raise Quarantine("empty", "the file is empty (0 bytes); copy it again from its source")
        return _store_and_record(archive, share, relpath, full, st, known)
    except Quarantine as q:
        return _record_problem(archive, share, relpath, st, q)
    except StoreError:
        raise  # the archive itself is broken: stop, nothing was lost
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise StoreError(f"the archive disk is full while storing {share}/{relpath}") from exc
        return _record_problem(archive, share, relpath, st,
                               Quarantine("unreadable", _oserror_text(exc), transient=exc.errno in _TRANSIENT),
                               defer=defer_transient)


def _check_inside(root: Path, full: Path) -> None:
    real_root = os.path.realpath(root)
    real = os.path.realpath(full)
    if os.path.commonpath([real_root, real]) != real_root:
        raise Quarantine("outside_share", "the path leads outside the share (through a linked folder); not followed")


def _oserror_text(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "the file cannot be read (permission denied); it may still be open in another program"
    return f"the file cannot be read: {exc.strerror or exc}"


def _open_nofollow(full: Path) -> int:
    return os.open(full, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0))


def _store_and_record(archive: Archive, share: str, relpath: str, full: Path, st: os.stat_result,
                      known: dict[str, Any] | None) -> IngestResult | None:
    limits = archive.config.limits
    fd = _open_nofollow(full)
    with os.fdopen(fd, "rb") as fh:
        fst = os.fstat(fh.fileno())
        if not stat.S_ISREG(fst.st_mode):
            raise Quarantine("not_a_file", "not a regular file (device, pipe or socket)")
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
            moved = _record_move(archive, share, relpath, after, staged.sha256)
            if moved is not None:
                staged.discard()  # the blob is already in the store
                return moved
        ftype = detect(staged.path)
        problem = _type_problem(ftype, staged.size, limits.allowed_types, limits.max_file_size_mb)
        link = archive.config.share(share).path_pattern.parse(relpath)
        new_blob = staged.commit()
    except BaseException:
        staged.discard()
        raise
    return _record(archive, share, relpath, after, staged.sha256, ftype, link, problem, new_blob)


def _type_problem(ftype: FileType, size: int, allowed: list[str], max_mb: float) -> Quarantine | None:
    if ftype.is_executable:
        return Quarantine("executable", f"this is a program ({ftype.description.split(',')[0]}), not a document; "
                                        "programs are never accepted as evidence")
    if size > max_mb * 1024 * 1024:
        return Quarantine("too_large", f"the file is {size / 1048576:.1f} MB, over the {max_mb:g} MB limit; "
                                       "compress or split it, or ask the administrator")
    if ftype.name not in allowed:
        what = ftype.name if ftype.name != "unknown" else ftype.mime
        return Quarantine("type_not_allowed", f"files of type {what} ({ftype.description.split(',')[0]}) "
                                              f"are not accepted; allowed: {', '.join(allowed)}")
    return None


def _touch_state(archive: Archive, share: str, relpath: str, st: os.stat_result) -> None:
    with archive.catalog.begin() as conn:
        conn.execute(file_state.update().where(file_state.c.share == share, file_state.c.relpath == relpath)
                     .values(size=st.st_size, mtime_ns=st.st_mtime_ns, retry=False))


def _record(archive: Archive, share: str, relpath: str, st: os.stat_result, sha256: str, ftype: FileType,
            link: Link, problem: Quarantine | None, new_blob: bool) -> IngestResult | None:
    now = archive.now()
    with archive.catalog.begin() as conn:
        state = conn.execute(sa.select(file_state).where(file_state.c.share == share,
                                                         file_state.c.relpath == relpath)).first()
        if state and state.sha256 == sha256 and not state.retry:
            return None  # another ingester got here first
        known_blob = conn.execute(sa.select(blobs.c.sha256).where(blobs.c.sha256 == sha256)).first()
        if not known_blob:
            conn.execute(blobs.insert().values(sha256=sha256, size=st.st_size, mime=ftype.mime,
                                               type=ftype.name, stored_at=now))
        if problem:
            status, code, reason = "quarantined", problem.code, problem.reason
        elif not link.linked:
            status, code, reason = "unlinked", "unlinked", link.problem
        elif known_blob:
            status, code, reason = "duplicate", None, None
        else:
            status, code, reason = "archived", None, None
        result = IngestResult(share, relpath, status, sha256=sha256, reason=reason, reason_code=code,
                              type=ftype.name, size=st.st_size, nip=link.nip, tahun=link.tahun,
                              periode=link.periode, rhk=link.rhk, iki=link.iki, new_blob=not known_blob)
        _insert_submission(archive, conn, result, st.st_size, st.st_mtime_ns, now, mime=ftype.mime,
                           link_problem=link.problem)
    return _run_hooks(archive, result)


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
        state = conn.execute(sa.select(file_state, submissions.c.reason_code)
                             .join(submissions, submissions.c.id == file_state.c.submission_id)
                             .where(file_state.c.share == share, file_state.c.relpath == relpath)).first()
        if state and state.sha256 is None and state.reason_code == code and \
                (state.size, state.mtime_ns) == (size, mtime_ns):
            return None  # same problem as last time: already reported
        link = archive.config.share(share).path_pattern.parse(relpath)
        result = IngestResult(share, relpath, status, reason=reason, reason_code=code, size=size,
                              nip=link.nip, tahun=link.tahun, periode=link.periode, rhk=link.rhk, iki=link.iki,
                              transient=transient)
        _insert_submission(archive, conn, result, size, mtime_ns, now, mime=None, link_problem=link.problem,
                           retry=transient)
    return result


def _insert_submission(archive: Archive, conn: sa.Connection, r: IngestResult, size: int, mtime_ns: int, now: str,
                       *, mime: str | None, link_problem: str | None, retry: bool = False) -> None:
    version = conn.execute(sa.select(sa.func.coalesce(sa.func.max(submissions.c.version), 0))
                           .where(submissions.c.share == r.share, submissions.c.relpath == r.relpath,
                                  submissions.c.sha256.is_not(None))).scalar_one()
    r.version = version + 1 if r.sha256 else version
    name = r.relpath.rsplit("/", 1)[-1]
    r.submission_id = conn.execute(submissions.insert().values(
        share=r.share, relpath=r.relpath, name=name, size=size, mtime_ns=mtime_ns, sha256=r.sha256,
        mime=mime, type=r.type, received_at=now, status=r.status, reason_code=r.reason_code, reason=r.reason,
        version=r.version, nip=r.nip, tahun=r.tahun, periode=r.periode, rhk=r.rhk, iki=r.iki,
        link_problem=link_problem)).inserted_primary_key[0]
    values = dict(size=size, mtime_ns=mtime_ns, sha256=r.sha256, submission_id=r.submission_id, retry=retry)
    updated = conn.execute(file_state.update().where(file_state.c.share == r.share,
                                                     file_state.c.relpath == r.relpath).values(**values)).rowcount
    if not updated:
        conn.execute(file_state.insert().values(share=r.share, relpath=r.relpath, **values))
    base = {"share": r.share, "path": r.relpath, "size": size}
    custody.append(conn, "received", at=now, actor=archive.actor, submission_id=r.submission_id,
                   sha256=r.sha256, detail={**base, "mtime_ns": mtime_ns})
    outcome: dict[str, Any] = {**base, "version": r.version}
    if r.reason:
        outcome["reason"] = r.reason
    if r.nip or r.periode or r.rhk:
        outcome["link"] = {k: v for k, v in (("nip", r.nip), ("tahun", r.tahun), ("periode", r.periode),
                                             ("rhk", r.rhk), ("iki", r.iki)) if v is not None}
    custody.append(conn, r.status, at=now, actor=archive.actor, submission_id=r.submission_id,
                   sha256=r.sha256, detail=outcome)


# --------------------------------------------------------------------------- moves and removals

def _move_source(conn: sa.Connection, root: Path, share: str, relpath: str, sha256: str) -> Any:
    """The file_state row of a path that held these bytes and is gone now (same name first), or None."""
    q = (sa.select(file_state).join(submissions, submissions.c.id == file_state.c.submission_id)
         .where(submissions.c.sha256 == sha256, file_state.c.share == share, file_state.c.sha256 == sha256,
                file_state.c.relpath != relpath))
    name = relpath.rsplit("/", 1)[-1]
    rows = sorted(conn.execute(q).all(), key=lambda r: r.relpath.rsplit("/", 1)[-1] != name)
    return next((r for r in rows if not os.path.lexists(root / r.relpath)), None)


def _status_after_move(conn: sa.Connection, sub: Any, link: Link) -> tuple[str, str | None, str | None]:
    """(status, reason_code, reason) of a moved submission: its link follows the new folders."""
    if sub.status not in STORED:
        return sub.status, sub.reason_code, sub.reason
    if not link.linked:
        return "unlinked", "unlinked", link.problem
    if sub.status != "unlinked":
        return sub.status, sub.reason_code, sub.reason
    first = conn.execute(sa.select(submissions.c.id).where(submissions.c.sha256 == sub.sha256,
                                                           submissions.c.status == "archived")).first()
    return ("duplicate" if first else "archived"), None, None


def _record_move(archive: Archive, share: str, relpath: str, st: os.stat_result, sha256: str) -> IngestResult | None:
    """Known bytes at a new path whose old path is gone: the submission (with its versions) follows the file."""
    root = archive.config.share(share).path
    link = archive.config.share(share).path_pattern.parse(relpath)
    now = archive.now()
    with archive.catalog.begin() as conn:
        src = _move_source(conn, root, share, relpath, sha256)
        if src is None:
            return None
        sub = conn.execute(sa.select(submissions).where(submissions.c.id == src.submission_id)).one()
        status, code, reason = _status_after_move(conn, sub, link)
        conn.execute(file_state.delete().where(file_state.c.share == share,
                                               file_state.c.relpath.in_((src.relpath, relpath))))
        conn.execute(file_state.insert().values(share=share, relpath=relpath, size=st.st_size,
                                                mtime_ns=st.st_mtime_ns, sha256=sha256,
                                                submission_id=sub.id, retry=False))
        conn.execute(submissions.update().where(submissions.c.share == share, submissions.c.relpath == src.relpath,
                                                submissions.c.removed_at.is_(None))
                     .values(relpath=relpath, name=relpath.rsplit("/", 1)[-1], nip=link.nip, tahun=link.tahun,
                             periode=link.periode, rhk=link.rhk, iki=link.iki, link_problem=link.problem))
        conn.execute(submissions.update().where(submissions.c.id == sub.id)
                     .values(status=status, reason_code=code, reason=reason))
        result = IngestResult(share, relpath, MOVED, sha256=sha256, reason=f"moved from {src.relpath}",
                              reason_code=MOVED, submission_id=sub.id, version=sub.version, type=sub.type,
                              size=st.st_size, nip=link.nip, tahun=link.tahun, periode=link.periode, rhk=link.rhk,
                              iki=link.iki)
        detail: dict[str, Any] = {"share": share, "from": src.relpath, "to": relpath, "size": st.st_size,
                                  "status": status}
        if link.linked:
            detail["link"] = {k: v for k, v in (("nip", link.nip), ("tahun", link.tahun), ("periode", link.periode),
                                                ("rhk", link.rhk), ("iki", link.iki)) if v is not None}
        custody.append(conn, "moved", at=now, actor=archive.actor, submission_id=sub.id, sha256=sha256,
                       detail=detail)
    if status in STORED:
        _run_hooks(archive, replace(result, status=status))  # the index follows the new path
    return result


def record_removal(archive: Archive, share: str, relpath: str) -> IngestResult | None:
    """The file at this path is gone: custody event ``removed``, ``removed_at`` set; the evidence stays.

    Returns None when the path still exists (or reappeared) or the catalog holds no file there.
    """
    full = archive.config.share(share).path / relpath
    if os.path.lexists(full):
        return None
    now = archive.now()
    with archive.catalog.begin() as conn:
        state = conn.execute(sa.select(file_state).where(file_state.c.share == share,
                                                         file_state.c.relpath == relpath)).first()
        if state is None or os.path.lexists(full):
            return None
        conn.execute(file_state.delete().where(file_state.c.share == share, file_state.c.relpath == relpath))
        conn.execute(submissions.update().where(submissions.c.share == share, submissions.c.relpath == relpath,
                                                submissions.c.removed_at.is_(None)).values(removed_at=now))
        custody.append(conn, "removed", at=now, actor=archive.actor, submission_id=state.submission_id,
                       sha256=state.sha256, detail={"share": share, "path": relpath, "size": state.size})
    return IngestResult(share, relpath, REMOVED, sha256=state.sha256, reason_code=REMOVED,
                        reason="deleted from the share; the archive keeps its evidence",
                        submission_id=state.submission_id, size=state.size)


def _run_hooks(archive: Archive, result: IngestResult) -> IngestResult:
    from .steps import run_after_ingest

    return run_after_ingest(archive, result)


# --------------------------------------------------------------------------- review

def release(archive: Archive, submission_id: int, *, note: str, actor: str | None = None) -> IngestResult:
    """Accept a quarantined file whose bytes are stored (type not allowed, too large) as evidence.

    An administrator's decision: the status becomes archived (or duplicate, or unlinked when
    its folders name no pegawai), a ``released`` custody event records who, why and the old
    reason, and the after-archive steps (text, index, SKP link) run as for a new file.
    """
    if not note.strip():
        raise UsageError("say why the file is accepted (--note)", hint="e.g. --note 'scan kegiatan dalam format TIFF'")
    with archive.catalog.begin() as conn:
        row = conn.execute(sa.select(submissions).where(submissions.c.id == submission_id)).first()
        if row is None:
            raise NotFound(f"no submission {submission_id}", hint="see `archiver list --status quarantined`")
        if row.status != "quarantined":
            raise UsageError(f"submission {submission_id} is {row.status}, not quarantined")
        if row.sha256 is None:
            raise UsageError(f"submission {submission_id} has no stored bytes ({row.reason})",
                             hint="fix the file in the share and drop it again")
        others = conn.execute(sa.select(sa.func.count()).select_from(submissions).where(
            submissions.c.sha256 == row.sha256, submissions.c.status.in_(STORED))).scalar_one()
        status = "unlinked" if row.link_problem or not row.nip else ("duplicate" if others else "archived")
        conn.execute(submissions.update().where(submissions.c.id == submission_id).values(
            status=status, reason_code="unlinked" if status == "unlinked" else None,
            reason=row.link_problem if status == "unlinked" else None))
        custody.append(conn, "released", at=archive.now(), actor=actor or archive.actor, submission_id=submission_id,
                       sha256=row.sha256, detail={"share": row.share, "path": row.relpath, "status": status,
                                                  "was": row.reason, "note": note.strip()[:500]})
    result = IngestResult(row.share, row.relpath, status, sha256=row.sha256, submission_id=submission_id,
                          version=row.version, type=row.type, size=row.size, nip=row.nip, tahun=row.tahun,
                          periode=row.periode, rhk=row.rhk, iki=row.iki)
    return _run_hooks(archive, result)
