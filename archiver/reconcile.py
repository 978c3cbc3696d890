"""What the watcher must look at: the reconcile scan, and the settle tracker.

    scan_changes(archive, share)   walk a share; yield the paths whose size/mtime differ from
                                   ``file_state`` (or need a retry), then the paths that are gone
    SettleTracker                  candidates waiting until size and mtime stop changing for the
                                   share's settle time (and, on Linux, no one has them open for writing)

The scan is the truth; file events only make it fast. Files the catalog already holds
are recognised by path + size + mtime alone: no file is read, so a pass over 100,000
archived files costs 100,000 ``lstat`` calls.
"""

from __future__ import annotations

import errno
import heapq
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .archive import Archive
from .catalog import core as subs
from .ingest import walk_share
from .names import readable

log = logging.getLogger(__name__)

Monotonic = Callable[[], float]
ChangeKind = Literal["changed", "gone"]


# --------------------------------------------------------------------------- the scan

@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    share: str
    relpath: str


def known_states(archive: Archive, share: str) -> dict[str, tuple[int, int, bool]]:
    """relpath -> (size, mtime_ns, retry) for a share: small tuples, so 100,000 files stay cheap."""
    return subs.fingerprints(archive.catalog, share)


def scan_changes(archive: Archive, share: str) -> Iterator[Change]:
    """Every path of a share that needs ingest, then every known path that is gone.

    Gone paths are reported only when the whole share could be listed and holds at least one
    entry: an unmounted network share or a folder that cannot be read never looks like deletions.
    """
    root = archive.config.share(share).path
    known = known_states(archive, share)
    failed: list[Path] = []
    seen: set[str] = set()
    for relpath in walk_share(root, on_error=lambda folder, _exc: failed.append(folder)):
        seen.add(relpath)
        try:
            st = os.lstat(root / relpath)
        except FileNotFoundError:
            continue
        except OSError:
            yield Change("changed", share, relpath)  # ingest records why it cannot be read
            continue
        state = known.get(relpath)
        if state is None or state[2] or (state[0], state[1]) != (st.st_size, st.st_mtime_ns):
            yield Change("changed", share, relpath)
    gone = [p for p in known if p not in seen]
    if gone and (failed or not share_available(root)):
        log.warning("share %s could not be listed completely (%s); %d missing file(s) are not recorded as "
                    "removed until it can", share, ", ".join(map(str, failed[:3])) or f"{root} is empty or missing",
                    len(gone))
        return
    for relpath in gone:
        yield Change("gone", share, relpath)


def share_available(root: Path) -> bool:
    """The share's folder exists and lists at least one entry (an unmounted mount point is empty)."""
    try:
        with os.scandir(root) as it:
            return any(True for _ in it)
    except OSError:
        return False


# --------------------------------------------------------------------------- open for writing

def open_for_writing(path: Path) -> bool | None:
    """True when some process has the file open for writing, False when none has, None when unknown.

    Linux only: a read lease (F_SETLEASE) is refused with EAGAIN while a writer holds the file
    open. Needs the file's owner or CAP_LEASE and a local file system; elsewhere: None.
    The caller must ignore SIGIO (the lease is dropped at once, but a writer opening the file in
    between makes the kernel signal us).
    """
    import fcntl

    if not hasattr(fcntl, "F_SETLEASE"):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return True if exc.errno == errno.EAGAIN else None
    else:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- the settle tracker

@dataclass
class Candidate:
    share: str
    relpath: str
    size: int = -1
    mtime_ns: int = -1
    since: float = 0.0  # when this size/mtime was first seen (monotonic seconds)
    due: float = 0.0  # when to look again
    attempts: int = 0  # transient failures so far
    scheduled: float = field(default=-1.0, repr=False)  # the due time that has a heap entry

    @property
    def key(self) -> tuple[str, str]:
        return self.share, self.relpath


class SettleTracker:
    """Files waiting to be complete, bounded: beyond ``capacity`` new files are refused
    (the caller counts on the next reconcile scan to find them)."""

    def __init__(self, roots: dict[str, Path], settle_s: dict[str, float], *, capacity: int,
                 clock: Monotonic = time.monotonic, check_writers: bool = False) -> None:
        self.roots = roots
        self.settle_s = settle_s
        self.capacity = capacity
        self.clock = clock
        self.check_writers = check_writers
        self._cands: dict[tuple[str, str], Candidate] = {}
        self._heap: list[tuple[float, int, tuple[str, str]]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._cands)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._cands

    @property
    def full(self) -> bool:
        return len(self._cands) >= self.capacity

    def shares_busy(self) -> set[str]:
        return {c.share for c in self._cands.values()}

    def observe(self, share: str, relpath: str) -> bool:
        """A hint that the file may have changed: (re)start its settle time. False when refused (full)."""
        key = (share, relpath)
        cand = self._cands.get(key)
        if cand is None:
            if self.full:
                return False
            cand = self._cands[key] = Candidate(share, relpath)
        self._look(cand, self.clock())
        return True

    def retry_later(self, cand: Candidate, delay_s: float) -> None:
        """Put a candidate back after a transient failure; it must settle again after the wait."""
        self._cands[cand.key] = cand
        cand.size = cand.mtime_ns = -1
        self._schedule(cand, self.clock() + delay_s)

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def settled(self, limit: int = 1_000_000) -> Iterator[Candidate]:
        """Candidates whose size and mtime held still for the settle time; each leaves the tracker."""
        now = self.clock()
        while self._heap and self._heap[0][0] <= now and limit > 0:
            due, _, key = heapq.heappop(self._heap)
            cand = self._cands.get(key)
            if cand is None or cand.scheduled != due:
                continue  # stale heap entry
            cand.scheduled = -1.0
            if cand.due > now:
                self._schedule(cand, cand.due)  # an event moved it later
                continue
            if self._look(cand, now) and self._writer_free(cand, now):
                del self._cands[key]
                limit -= 1
                yield cand

    # -- internals -------------------------------------------------------------
    def _look(self, cand: Candidate, now: float) -> bool:
        """Stat the file; True when it is unchanged since ``since`` and that is settle time ago."""
        try:
            st = os.lstat(self.roots[cand.share] / cand.relpath)
            size, mtime = st.st_size, st.st_mtime_ns
        except FileNotFoundError:
            self._cands.pop(cand.key, None)  # gone: a removal, if any, is the scan's business
            return False
        except OSError:
            size, mtime = -2, -2  # unreadable: let ingest say why once it settles
        settle = self.settle_s[cand.share]
        if (size, mtime) != (cand.size, cand.mtime_ns):
            cand.size, cand.mtime_ns, cand.since = size, mtime, now
            self._schedule(cand, now + settle)
            return False
        if now - cand.since >= settle:
            return True
        self._schedule(cand, cand.since + settle)
        return False

    def _writer_free(self, cand: Candidate, now: float) -> bool:
        if not self.check_writers or open_for_writing(self.roots[cand.share] / cand.relpath) is not True:
            return True
        log.debug("%s/%s is still open for writing; waiting", cand.share, readable(cand.relpath))
        cand.since = now
        self._schedule(cand, now + self.settle_s[cand.share])
        return False

    def _schedule(self, cand: Candidate, due: float) -> None:
        cand.due = due
        if cand.scheduled >= 0 and cand.scheduled <= due:
            return  # the earlier heap entry will find the new due time and push again
        cand.scheduled = due
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, cand.key))
