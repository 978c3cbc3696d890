"""Searchers kept open between searches (archiver/search/_whoosh/searchers.py): a real Whoosh
index written and rebuilt while the same process searches it."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

from archiver.search import IndexDoc
from archiver.search._whoosh import WhooshBackend
from archiver.search._whoosh.searchers import MAX_IDLE, pool_for


def doc(key: int, text: str) -> IndexDoc:
    return IndexDoc(key=str(key), sha256=f"{key:064x}", name=f"f{key}.pdf", path=f"drop/f{key}.pdf",
                    received=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), text=text, nip="198503152010011002")


def keys(index: WhooshBackend, q: str, **kw: object) -> list[str]:
    return sorted(h.key for h in index.search(q, limit=100, **kw).hits)  # type: ignore[arg-type]


def open_files(folder: Path) -> int:
    """Files of ``folder`` (removed ones too) this process holds open."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        n += target.startswith(str(folder))
    return n


def test_commits_deletions_merges_and_rebuilds_are_seen(tmp_path: Path) -> None:
    index = WhooshBackend(tmp_path / "index")
    index.rebuild([doc(1, "laporan rapat"), doc(2, "laporan kegiatan")])
    for fast in (True, False):
        assert keys(index, "laporan", fast=fast) == ["1", "2"]
    pool = pool_for(index.path)
    with index.writer() as w:                      # a new document
        w.put(doc(3, "laporan sosialisasi"))
    assert keys(index, "laporan") == ["1", "2", "3"]
    with index.writer() as w:                      # a replaced document: a deletion in an old segment
        w.put(doc(1, "notulen rapat"))
    for fast in (True, False):
        assert keys(index, "laporan", fast=fast) == ["2", "3"]
        assert keys(index, "notulen", fast=fast) == ["1"]
    for i in range(12):                            # many commits: Whoosh merges segments away
        with index.writer() as w:
            w.put(doc(10 + i, "laporan harian"))
    assert keys(index, "laporan") == sorted(["2", "3", *(str(10 + i) for i in range(12))])
    assert keys(index, "harian", fast=False) == sorted(str(10 + i) for i in range(12))
    index.rebuild([doc(7, "laporan baru")])       # a new generation
    assert keys(index, "laporan") == ["7"]
    assert keys(index, "rapat") == []
    assert pool_for(index.path) is pool


def test_searchers_are_lent_to_one_thread_and_old_files_are_let_go(tmp_path: Path) -> None:
    index = WhooshBackend(tmp_path / "index")
    index.rebuild([doc(i, f"laporan kegiatan nomor{i % 7}") for i in range(300)])
    errors: list[BaseException] = []
    stop = threading.Event()

    def searching() -> None:
        try:
            while not stop.is_set():
                page = index.search("laporan kegiatan", limit=500)
                assert len({h.key for h in page.hits}) == len(page.hits) == page.total
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=searching) for _ in range(MAX_IDLE + 4)]
    for t in threads:
        t.start()
    try:
        for i in range(20):
            with index.writer() as w:
                w.put(doc(1000 + i, "laporan kegiatan tambahan"))
                w.put(doc(i, "laporan kegiatan diganti"))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert index.search("laporan kegiatan", limit=500).total == 320
    assert index.search("diganti", limit=500).total == 20
    index.rebuild([doc(1, "laporan")])
    assert keys(index, "laporan") == ["1"]
    old = {f.name for f in (tmp_path / "index").iterdir()}
    assert open_files(tmp_path / "index") <= 2  # one searcher of the new generation, nothing of the old
    assert all(not name.startswith(("_g", "g")) or "WRITELOCK" in name or index.generation() in name
               for name in old)
