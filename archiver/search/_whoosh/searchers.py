"""Searchers kept open between searches, per index folder, refreshed when the index changes.

Opening a searcher reads every segment's term tables, and its first stored-fields read
reads the offsets of every stored document of a segment: ~1 ms per segment plus ~1 ms
per 5,000 documents, which each query paid again when it opened its own searcher. A
``SearcherPool`` keeps searchers of the live generation and lends each to one thread at a
time (a Whoosh reader seeks and reads one shared file handle, so a searcher is never used
by two threads at once; the web app searches from a thread pool):

- A commit (a new table of contents) is seen by the next loan (one directory listing): the
  searcher lent is rebuilt, reusing its segment readers whose segment and deletions did not
  change and closing the others. Whoosh's own ``Searcher.refresh()`` is not used: in
  whoosh-reloaded 2.7.5 it keeps segments a merge removed and a segment's old deletions,
  so documents come back twice.
- A rebuild that switches ``CURRENT`` is seen by the next loan too: the searchers of the old
  generation are closed (idle ones at once, lent ones when returned), which releases the
  files the rebuild removed.
- A searcher whose search failed is closed, never lent again. At most ``MAX_IDLE`` idle
  searchers are kept per folder, and pools of at most ``MAX_FOLDERS`` folders, so open
  files stay bounded.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from whoosh.reading import EmptyReader, MultiReader, SegmentReader  # type: ignore[import-untyped]
from whoosh.searching import Searcher  # type: ignore[import-untyped]

#: Idle searchers kept per index folder (about the number of searches running at once).
MAX_IDLE = 16
#: Index folders with a pool (a process normally searches one).
MAX_FOLDERS = 4


class _Index(Protocol):
    def generation(self) -> str | None: ...

    def open(self, *, create: bool = False) -> tuple[str, Any]: ...


class SearcherPool:
    """Searchers of one index folder: ``with pool.searcher(backend) as s: ...``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._name: str | None = None            # the generation the pool serves
        self._ix: Any = None                     # its Whoosh index
        self._idle: list[tuple[int, Any]] = []   # (table of contents read, searcher), last used last

    @contextmanager
    def searcher(self, index: _Index) -> Iterator[Any]:
        """A searcher of the live generation at its newest commit, for this thread only."""
        name, toc, s = self._lend(index)
        ok = False
        try:
            yield s
            ok = True
        finally:
            with self._lock:
                keep = ok and name == self._name and len(self._idle) < MAX_IDLE
                if keep:
                    self._idle.append((toc, s))
            if not keep:
                s.close()

    def close(self) -> None:
        """Close the idle searchers; lent ones are closed when returned."""
        with self._lock:
            idle, self._idle, self._name, self._ix = self._idle, [], None, None
        for _, s in idle:
            s.close()

    def _lend(self, index: _Index) -> tuple[str, int, Any]:
        retired: list[tuple[int, Any]] = []
        try:
            with self._lock:
                if self._name is None or index.generation() != self._name:  # first use, or a rebuild switched
                    retired, self._idle = self._idle, []
                    self._name, self._ix = None, None
                    self._name, self._ix = index.open()
                name, ix = self._name, self._ix
                assert name is not None
                latest = ix.latest_generation()
                toc, old = self._idle.pop() if self._idle else (-1, None)
        finally:
            for _, s in retired:
                s.close()
        if old is not None and toc == latest:
            return name, toc, old
        toc, s = _open_searcher(ix, old)
        return name, toc, s


def _open_searcher(ix: Any, reuse: Any | None) -> tuple[int, Any]:
    """(table of contents generation, a searcher of the index at its newest commit). The
    segment readers of ``reuse`` whose segment and deletions are unchanged are taken over;
    its other readers are closed, so ``reuse`` must not be used afterwards."""
    old: dict[str, Any] = {}
    if reuse is not None:
        old = {r.segment().segment_id(): r for r, _ in reuse.reader().leaf_readers() if r.segment() is not None}
    readers: list[Any] = []
    try:
        info = ix._read_toc()   # FileNotFoundError when a commit removed it: the caller retries
        for seg in info.segments:
            r = old.get(seg.segment_id())
            if r is not None and set(r.segment().deleted_docs()) == set(seg.deleted_docs()):
                del old[seg.segment_id()]
            else:
                r = SegmentReader(ix.storage, info.schema, seg, generation=info.generation)
            readers.append(r)
    except BaseException:
        for r in readers:
            r.close()
        raise
    finally:
        for r in old.values():
            r.close()
    if not readers:
        reader = EmptyReader(info.schema)
    else:
        reader = readers[0] if len(readers) == 1 else MultiReader(readers, generation=info.generation)
    return int(info.generation), Searcher(reader, fromindex=ix)


_POOLS: OrderedDict[str, SearcherPool] = OrderedDict()
_POOLS_LOCK = threading.Lock()


def pool_for(path: Path) -> SearcherPool:
    """The pool of the index folder at ``path`` (the least recently used folder's pool is closed
    past ``MAX_FOLDERS``)."""
    key = os.path.realpath(path)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = SearcherPool()
        _POOLS.move_to_end(key)
        evicted = [_POOLS.popitem(last=False)[1] for _ in range(len(_POOLS) - MAX_FOLDERS)]
    for p in evicted:
        p.close()
    return pool
