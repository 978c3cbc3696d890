"""The Whoosh backend: the index folder, its generations, writes, rebuilds and searches.

The index is derived data (``archiver reindex`` rebuilds it from the catalog and the
blobs). One index document per submission with stored bytes, keyed by submission id, so
the same bytes submitted by two pegawai are found under each one's filter.

Layout of the ``[index] path`` folder::

    CURRENT                  {"name": "g20261123t031000x1a2b"}  the live index generation
    IDENTITY                 this folder's id in the catalog's index markers (one per node's folder)
    _g2026..._3.toc, g2026..._*.seg, g2026..._WRITELOCK     Whoosh files of that generation

A rebuild writes a new generation next to the live one and switches ``CURRENT``
atomically (``os.replace``) while holding the old generation's write lock, so searches
never see a half-built index and a writer that waited on the old lock notices the switch.
Storage is opened with ``supports_mmap=False`` (with mmap every reader open copied the
whole index into memory: ~250 ms and ~685 MB at 100k documents).

Queries: words that must all occur, under exact filters and an optional date range, are
answered by the conjunctive fast path (``fastpath``); phrases, OR, NOT and wildcards by
Whoosh's own matchers with the filters as a ``filter=``. Both give the same scores;
filters never add to a score. Searchers stay open between searches (``searchers``: one per
thread at a time, refreshed after a commit, dropped after a rebuild).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import sys
import time
import types
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as wh_index  # type: ignore[import-untyped]
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage  # type: ignore[import-untyped]
from whoosh.reading import SegmentReader  # type: ignore[import-untyped]
from whoosh.writing import NO_MERGE  # type: ignore[import-untyped]

from ...i18n import _
from .. import _stemming
from .._backend import FilterValue, Hit, IndexBusy, IndexCorrupt, IndexDoc, IndexError_, IndexMissing, Page
from .._query import exact_filters
from .codec import Codec, codec
from .query import content_terms, parse_query
from .schema import doc_fields, make_schema
from .searchers import pool_for

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
#: The file holding the folder's index id (``index_id``).
INDEX_ID = "IDENTITY"


def _legacy_pickle_names() -> None:
    """Whoosh pickles the codec and the analyzer's stem function, by module and name, into
    every table of contents. Indexes written before ``archiver.search`` existed name them
    ``archiver.fulltext._Codec`` and ``archiver.stemming.stem``: these stand-in modules (with
    only those names) let such an index open; its next commit writes the new names."""
    for name, attrs in (("archiver.fulltext", {"_Codec": Codec}), ("archiver.stemming", {"stem": _stemming.stem})):
        if name not in sys.modules:
            mod = types.ModuleType(name, "names kept for reading search indexes written by older versions")
            mod.__dict__.update(attrs)
            sys.modules[name] = mod


_legacy_pickle_names()


class WhooshBackend:
    """The index folder. Cheap to construct; opens Whoosh lazily for each operation."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def index_id(self) -> str:
        """This folder's id for the catalog's index markers (``search_indexed``), kept in the
        folder: every node's folder is its own index. A folder written before ids existed
        adopts its live generation's name (what the 0010 migration gave its markers)."""
        target = self.path / INDEX_ID
        try:
            return target.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            pass
        new = self._generation_or_none() or "w" + uuid.uuid4().hex
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / f".{INDEX_ID}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp"
        tmp.write_text(new, encoding="utf-8")
        try:
            os.link(tmp, target)  # never replaces an id another process wrote first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        return target.read_text(encoding="utf-8").strip()

    # -- generations -------------------------------------------------------
    def storage(self) -> FileStorage:
        self.path.mkdir(parents=True, exist_ok=True)
        return FileStorage(str(self.path), supports_mmap=False)

    def generation(self) -> str | None:
        """Name of the live generation, or None when no index was ever built here."""
        try:
            data = json.loads((self.path / CURRENT).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(_("the index pointer {path} cannot be read: {error}").format(
                path=self.path / CURRENT, error=exc)) from None
        name = data.get("name") if isinstance(data, dict) else None
        if not isinstance(name, str) or not re.fullmatch(r"g[0-9a-z]+", name):
            raise IndexCorrupt(_("the index pointer {path} names no index").format(path=self.path / CURRENT))
        return name

    def exists(self) -> bool:
        return self.generation() is not None

    def _set_current(self, name: str) -> None:
        tmp = self.path / f".{CURRENT}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"name": name}), encoding="utf-8")
        os.replace(tmp, self.path / CURRENT)

    @staticmethod
    def new_generation_name() -> str:
        return "g" + time.strftime("%Y%m%dt%H%M%S", time.gmtime()) + "x" + uuid.uuid4().hex[:6]

    def create(self) -> str:
        """Create an empty index and make it live (only when none exists). Returns its generation."""
        name = self.new_generation_name()
        storage = self.storage()
        storage.create_index(make_schema(), indexname=name)
        self._set_current(name)
        log.info("created an empty search index at %s (%s)", self.path, name)
        return name

    def _open(self, name: str) -> Any:
        try:
            return self.storage().open_index(indexname=name)
        except wh_index.EmptyIndexError:
            raise IndexCorrupt(_("the search index {path} ({name}) has no table of contents").format(
                path=self.path, name=name)) from None
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, ImportError) as exc:
            raise IndexCorrupt(_("the search index {path} cannot be opened: {error}").format(
                path=self.path, error=repr(exc))) from None

    def open(self, *, create: bool = False) -> tuple[str, Any]:
        """(generation, Whoosh index). Retries when files vanish under it: a concurrent commit
        removes the previous table of contents, a rebuild switches generations."""
        for attempt in range(8):
            name = self.generation()
            if name is None:
                if not create:
                    raise IndexMissing(self.path)
                name = self.create()
            try:
                return name, self.storage().open_index(indexname=name)
            except FileNotFoundError:
                if attempt == 7:
                    raise IndexCorrupt(_("files of the search index {path} ({name}) are missing").format(
                        path=self.path, name=name)) from None
                time.sleep(0.01 * (attempt + 1))
            except wh_index.EmptyIndexError:
                if self.generation() != name:
                    continue
                raise IndexCorrupt(_("the search index {path} ({name}) has no table of contents").format(
                    path=self.path, name=name)) from None
            except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, ImportError) as exc:
                raise IndexCorrupt(_("the search index {path} cannot be opened: {error}").format(
                    path=self.path, error=repr(exc))) from None
        raise AssertionError("unreachable")

    # -- writing ------------------------------------------------------------
    def writer(self, *, timeout: float = 1.0, create: bool = True,
               merge: bool = True) -> AbstractContextManager[DocWriter]:
        """A writer on the live generation; commits on success, cancels on error. ``merge=False``
        commits a new segment without merging small ones (batches; ``merge`` later).
        """
        return self._writer(timeout=timeout, create=create, mergetype=None if merge else NO_MERGE)

    @contextmanager
    def _writer(self, *, timeout: float, create: bool, mergetype: Any) -> Iterator[DocWriter]:
        """The writer; ``mergetype`` is Whoosh's merge policy for the commit (None: its default).

        Raises IndexBusy when the write lock is not had within ``timeout`` seconds. A lock
        left by a writer that crashed is released by the operating system (flock), so it
        never blocks; its half-written files are removed by the next commit.
        """
        deadline = time.monotonic() + timeout
        while True:
            name, ix = self.open(create=create)
            try:
                w = ix.writer(timeout=max(0.0, deadline - time.monotonic()), delay=0.05, codec=codec())
            except wh_index.LockError:
                raise IndexBusy(_("the search index {path} is being written by another process").format(
                    path=self.path)) from None
            except Exception as exc:  # noqa: BLE001 - whoosh raises many types on broken files
                raise IndexCorrupt(_("the search index {path} cannot be written: {error}").format(
                    path=self.path, error=repr(exc))) from None
            if self.generation() == name:
                break
            w.cancel()  # a rebuild switched generations while we waited for the lock
        dw = DocWriter(w, name)
        try:
            yield dw
        except BaseException:
            w.cancel()
            raise
        try:
            w.commit(mergetype=mergetype)
        except Exception as exc:  # noqa: BLE001
            raise IndexCorrupt(_("the search index {path} could not be committed: {error}").format(
                path=self.path, error=repr(exc))) from None

    def merge(self, *, timeout: float = 1.0) -> bool:
        """Join the small segments (batches) into one; large ones stay as they are.
        False when there was nothing to join or the index is busy."""
        if self.segment_count() < 2:
            return False
        try:
            with self._writer(timeout=timeout, create=False, mergetype=_merge_small) as _:
                pass
        except (IndexBusy, IndexMissing):
            return False
        return True

    def segment_count(self) -> int:
        """Segments of the live generation (0 when there is no index)."""
        try:
            _gen, ix = self.open()
        except IndexError_:
            return 0
        return len(ix._segments())

    def rebuild(self, docs: Iterable[IndexDoc], *, procs: int = 1, limitmb: int = 256,
                on_switch: Callable[[str], None] | None = None) -> tuple[str, int]:
        """Build a new generation from ``docs`` and make it live. Returns (generation, count).

        Searches keep using the old generation until the switch. Old generation files are
        removed after it (open readers keep reading their unlinked files).
        """
        storage = self.storage()
        name = self.new_generation_name()
        ix = storage.create_index(make_schema(), indexname=name)
        kw: dict[str, Any] = {"limitmb": limitmb, "codec": codec()}
        if procs > 1:
            kw.update(procs=procs, multisegment=True)
        w = ix.writer(**kw)
        n = 0
        try:
            for doc in docs:
                w.add_document(**doc_fields(doc))
                n += 1
        except BaseException:
            w.cancel()
            _remove_generation(self.path, name)
            raise
        w.commit()
        old = self._generation_or_none()
        lock = None
        if old is not None:
            try:
                lock = self._open(old).lock("WRITELOCK")
                if not lock.acquire(blocking=True):
                    lock = None
            except IndexCorrupt:
                lock = None
        try:
            self._set_current(name)
            if on_switch:
                on_switch(name)
        finally:
            if lock is not None:
                lock.release()
        for stale in self._other_generations(name):
            _remove_generation(self.path, stale)
        log.info("rebuilt the search index at %s: %d documents (%s)", self.path, n, name)
        return name, n

    def _generation_or_none(self) -> str | None:
        try:
            return self.generation()
        except IndexCorrupt:
            return None

    def _other_generations(self, keep: str) -> set[str]:
        names = set()
        for f in self.path.iterdir():
            m = re.match(r"_?(g[0-9a-z]+)_", f.name)
            if m and m.group(1) != keep:
                names.add(m.group(1))
        return names

    def quarantine(self) -> str | None:
        """Move a broken index aside (never deleted silently). Returns where it went."""
        if not self.path.exists() or not any(self.path.iterdir()):
            return None
        target = self.path.with_name(f"{self.path.name}.broken-{time.strftime('%Y%m%dT%H%M%S')}")
        target.mkdir()
        for f in self.path.iterdir():
            if f.name != INDEX_ID:  # the folder stays the same index: its markers are replaced by the rebuild
                shutil.move(str(f), target / f.name)
        log.warning("moved the unreadable search index to %s; it is being rebuilt", target)
        return str(target)

    # -- reading ------------------------------------------------------------
    def check(self) -> int:
        """Open the live generation, read every segment's terms once. Returns the document count."""
        name, ix = self.open()
        try:
            with ix.searcher() as s:
                n = s.doc_count_all()
                r = s.reader()
                for fieldname in ("key", "content"):
                    for _term in r.lexicon(fieldname):
                        pass
                s.search(wq.Term("content", "x"), limit=1)
            return int(n)
        except IndexError_:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure reading is a broken index
            raise IndexCorrupt(_("the search index {path} ({name}) is damaged: {error}").format(
                path=self.path, name=name, error=repr(exc))) from None

    def doc_count(self) -> int:
        _gen, ix = self.open()
        return int(ix.doc_count())

    def keys(self) -> set[str]:
        _gen, ix = self.open()
        with ix.reader() as r:
            return {k.decode() if isinstance(k, bytes) else k for k in r.lexicon("key")}

    def search(self, text: str, *, filters: Mapping[str, FilterValue] | None = None,
               date_from: dt.date | None = None, date_to: dt.date | None = None, limit: int = 20,
               fast: bool = True) -> Page:
        """Ranked hits for a user query (see ``parse_query``), filters applied first.

        A filter's value is one value or a collection (any of them). ``fast=False`` (and
        ``[index] fast_path = false``) sends every query through Whoosh's own matchers, without
        block skipping (which can drop a document whose score ties the N-th best): the
        reference the tests compare the fast path with. Hits carry no snippets.
        """
        limit = max(1, min(int(limit), 10_000))
        user_q = parse_query(text)
        parts: list[Any] = []
        exact = exact_filters(filters)
        if exact is None:
            return Page([], 0, text, [])
        for fname, values in exact.items():
            terms = [wq.Term(fname, v) for v in values]
            parts.append(terms[0] if len(terms) == 1 else wq.Or(terms))
        start = dt.datetime.combine(date_from, dt.time.min) if date_from else None
        end = dt.datetime.combine(date_to, dt.time.max) if date_to else None
        if start or end:
            parts.append(wq.DateRange("received", start, end))
        # filters select, only the words score (a filter inside the query would add to the score)
        where: Any = (wq.And(parts) if len(parts) > 1 else parts[0]) if parts else None
        from . import fastpath  # numpy: imported by a search, not by every command that writes the index

        conj = fastpath.conjunction(user_q, exact, (start, end)) if fast and fastpath.AVAILABLE else None
        highlight_terms = sorted(content_terms(user_q)) if user_q is not None else []
        hits: list[Hit] = []
        total: int | None = None
        for attempt in range(5):
            try:
                with pool_for(self.path).searcher(self) as s:   # kept open, refreshed on change
                    if s.doc_count_all() == 0:  # nothing indexed yet (a first build cut short by a full disk)
                        hits, total = [], 0  # (and Whoosh's idf would take log(0))
                        break
                    if conj is not None:
                        best, n = fastpath.fast_search(s, conj, limit)
                        stored = [(score, dict(s.stored_fields(d))) for score, d in best]
                        hits = [Hit(str(f["key"]), score, f) for score, f in stored]
                        hits.sort(key=lambda h: (-round(h.score, 6), int(h.key) if h.key.isdigit() else 0))
                        hits, total = hits[:limit], n
                        break
                    if user_q is None:
                        results = s.search(where or wq.Every(), limit=limit, sortedby="received", reverse=True)
                    else:
                        results = s.search(user_q, filter=where, limit=limit, optimize=fast)
                    hits = [Hit(h["key"], float(h.score or 0.0) if user_q is not None else 0.0, dict(h.fields()))
                            for h in results]
                    if user_q is not None:  # equal scores: a stable order that survives a rebuild
                        hits.sort(key=lambda h: (-round(h.score, 6), int(h.key) if h.key.isdigit() else 0))
                    total = len(results) if results.has_exact_length() else None
                break
            except IndexError_:
                raise
            except FileNotFoundError:  # a concurrent merge removed a segment between open and read
                if attempt == 4:
                    raise IndexCorrupt(_("files of the search index {path} are missing").format(
                        path=self.path)) from None
                time.sleep(0.01 * (attempt + 1))
            except Exception as exc:  # noqa: BLE001
                raise IndexCorrupt(_("the search index {path} cannot be searched: {error}").format(
                    path=self.path, error=repr(exc))) from None
        return Page(hits, total, text, highlight_terms)


class DocWriter:
    """Adds, replaces and deletes index documents inside one commit."""

    def __init__(self, w: Any, generation: str) -> None:
        self._w = w
        self.generation = generation
        self.count = 0

    def put(self, doc: IndexDoc) -> None:
        fields = doc_fields(doc)
        if "words" not in self._w.schema:  # an index built before `words` existed (reindex adds it)
            del fields["words"]
        self._w.update_document(**fields)
        self.count += 1

    def delete(self, key: str) -> None:
        self._w.delete_by_term("key", key)


def _remove_generation(folder: Path, name: str) -> None:
    for f in folder.iterdir():
        if f.name.startswith((f"{name}_", f"_{name}_")):
            try:
                f.unlink()
            except OSError as exc:
                log.warning("cannot remove old index file %s: %s", f, exc)


#: Segments with fewer documents than this are joined by ``merge`` (batches and small commits).
SMALL_SEGMENT_DOCS = 20_000


def _merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: every segment under SMALL_SEGMENT_DOCS goes into the new one."""
    small = [s for s in segments if s.doc_count_all() < SMALL_SEGMENT_DOCS]
    if len(small) < 2:
        return segments
    for seg in small:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s.doc_count_all() >= SMALL_SEGMENT_DOCS]
