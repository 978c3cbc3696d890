"""The full-text index: the only module that imports Whoosh.

The index is derived data (``archiver reindex`` rebuilds it from the catalog and the
blobs). One index document per submission with stored bytes, keyed by submission id, so
the same bytes submitted by two pegawai are found under each one's filter.

Layout of the ``[index] path`` folder::

    CURRENT                  {"name": "g20261123t031000x1a2b"}  the live index generation
    _g2026..._3.toc, g2026..._*.seg, g2026..._WRITELOCK     Whoosh files of that generation

A rebuild writes a new generation next to the live one and switches ``CURRENT``
atomically (``os.replace``) while holding the old generation's write lock, so searches
never see a half-built index and a writer that waited on the old lock notices the switch.
Storage is opened with ``supports_mmap=False`` (with mmap every reader open copied the
whole index into memory: ~250 ms and ~685 MB at 100k documents).

Analysis of text (``content``): words -> lowercase -> accents folded -> Indonesian stop
words dropped -> PySastrawi stem (``archiver.stemming.stem``), so ``melaksanakan`` finds
``pelaksanaan``. Writes analyse once in Python (``index_terms``) and give the terms to two
fields: ``content`` with positions (phrases and Whoosh's matchers) and ``words`` without
(the fast path below). NIP, tahun, periode, RHK, type, unit, SHA-256 and file name are
exact keyword fields; ``received`` (archived at) and ``created`` (document date) are dates.

Queries: words that must all occur, under exact filters and an optional date range, are
answered by the conjunctive fast path (``_fast_search``: posting lists read into numpy
arrays, filters first, BM25F for every candidate at once, top N); phrases, OR, NOT and
wildcards by Whoosh's own matchers with the filters as a ``filter=``. Both give the same scores; filters
never add to a score.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import logging
import os
import pickle
import re
import shutil
import struct
import threading
import time
import uuid
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as wh_index
from whoosh import qparser
from whoosh import query as wq
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import TermNotFound
from whoosh.support.charset import accent_map
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.numlists import delta_encode

from .errors import ArchiverError, UsageError
from .stemming import stem

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
#: Keyword fields usable as filters (exact match).
FILTER_FIELDS = ("nip", "tahun", "periode", "rhk", "type", "unit", "sha256", "name", "status")
#: Fields a user may name inside a query (``nip:1985...``, ``name:laporan.pdf``).
QUERY_FIELDS = frozenset(FILTER_FIELDS) | {"content"}
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 32
#: Posting blocks of 512 documents (Whoosh's default is 128): a quarter of the per-block
#: overhead when a query reads a whole list; measured at 20,000 documents, queries 25-45%
#: faster and the index 6% smaller. Segments written with other sizes stay readable.
POSTING_BLOCK = 512

INDONESIAN_STOP_WORDS = frozenset(["yang", "dan", "di", "ke", "dari", "untuk", "dengan", "pada", "ini", "itu", "dalam", "atau", "adalah", "oleh", "sebagai", "akan", "juga", "tidak", "ada", "telah", "sudah", "karena", "bahwa", "para", "secara", "serta", "agar", "dapat", "tersebut", "kepada", "bagi", "hal", "maka", "namun", "jika", "kami", "kita", "saya", "ia", "dia", "mereka", "nya", "pun", "lah", "the", "of", "and", "to", "in", "for", "on"])


class IndexError_(ArchiverError):
    """Base of index problems (named with a trailing underscore: not the builtin IndexError)."""


class IndexBusy(IndexError_):
    """Another process holds the index write lock (and did not release it in time)."""


class IndexCorrupt(IndexError_):
    """The index cannot be read; it is derived data: ``archiver reindex`` rebuilds it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint="run `archiver reindex` to rebuild it from the catalog and the blobs")


class IndexMissing(IndexError_):
    def __init__(self, path: Path) -> None:
        super().__init__(f"there is no search index at {path} yet",
                         hint="run `archiver reindex` to build it (ingest also builds it as files arrive)")


# --------------------------------------------------------------------------- schema


def analyzer() -> Any:
    """Tokenize, lowercase, fold accents, drop stop words, stem (Indonesian)."""
    return (RegexTokenizer(r"\w+")
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StopFilter(stoplist=INDONESIAN_STOP_WORDS, minsize=2)
            | StemFilter(stemfn=stem, cachesize=None))  # stemming.stem has its own cache


def make_schema() -> Schema:
    return Schema(
        key=ID(unique=True, stored=True),        # submission id
        sha256=ID(stored=True),
        name=ID(stored=True),                    # exact file name
        path=STORED,
        nip=ID(stored=True),
        tahun=ID(stored=True),
        periode=ID(stored=True),
        rhk=ID(stored=True),
        type=ID(stored=True),
        unit=ID(stored=True),                    # filled by the SKP model (units), empty for now
        status=ID(stored=True),
        received=DATETIME(stored=True, sortable=True),
        created=DATETIME(stored=True),
        content=TEXT(analyzer=analyzer(), phrase=True),   # with positions: phrases, OR/NOT, wildcards
        # The same terms without positions: what the conjunctive fast path reads. A block of
        # positional postings costs ~60 us to unpickle, one of these ~5 us.
        words=TEXT(analyzer=analyzer(), phrase=False),
    )


@dataclass
class IndexDoc:
    """What the index holds for one submission (text is not stored: snippets read the catalog)."""

    key: str
    sha256: str
    name: str
    path: str
    received: dt.datetime
    text: str = ""
    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    type: str | None = None
    unit: str | None = None
    status: str | None = None
    created: dt.datetime | None = None

    def fields(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": self.key, "sha256": self.sha256, "name": self.name, "path": self.path,
                             "received": _naive_utc(self.received)}
        # analysed once here, handed to both text fields as terms (Whoosh takes a list as tokens)
        d["content"] = d["words"] = index_terms(content_of(self.name, self.text))
        for k in ("nip", "periode", "rhk", "type", "unit", "status"):
            v = getattr(self, k)
            if v:
                d[k] = str(v)
        if self.tahun is not None:
            d["tahun"] = str(self.tahun)
        if self.created is not None:
            d["created"] = _naive_utc(self.created)
        return d


def content_of(name: str, text: str) -> str:
    """Searchable text: the file name's words (``laporan_kegiatan-2026.pdf``) then the content."""
    words = re.sub(r"[_\-.]+", " ", name)
    return f"{words}\n{text}" if text else words


def _naive_utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t


# --------------------------------------------------------------------------- the index folder


@dataclass
class Hit:
    key: str
    score: float
    fields: dict[str, Any]
    snippet: str = ""


@dataclass
class Page:
    hits: list[Hit]
    total: int | None = None          # exact count when cheap (small result sets), else None
    query: str = ""
    terms: list[str] = field(default_factory=list)


class FullTextIndex:
    """The index folder. Cheap to construct; opens Whoosh lazily for each operation."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

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
            raise IndexCorrupt(f"the index pointer {self.path / CURRENT} cannot be read: {exc}") from None
        name = data.get("name") if isinstance(data, dict) else None
        if not isinstance(name, str) or not re.fullmatch(r"g[0-9a-z]+", name):
            raise IndexCorrupt(f"the index pointer {self.path / CURRENT} names no index")
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
            raise IndexCorrupt(f"the search index {self.path} ({name}) has no table of contents") from None
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, ImportError) as exc:
            raise IndexCorrupt(f"the search index {self.path} cannot be opened: {exc!r}") from None

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
                    raise IndexCorrupt(f"files of the search index {self.path} ({name}) are missing") from None
                time.sleep(0.01 * (attempt + 1))
            except wh_index.EmptyIndexError:
                if self.generation() != name:
                    continue
                raise IndexCorrupt(f"the search index {self.path} ({name}) has no table of contents") from None
            except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, ImportError) as exc:
                raise IndexCorrupt(f"the search index {self.path} cannot be opened: {exc!r}") from None
        raise AssertionError("unreachable")

    # -- writing ------------------------------------------------------------
    @contextmanager
    def writer(self, *, timeout: float = 1.0, create: bool = True) -> Iterator[DocWriter]:
        """A writer on the live generation; commits on success, cancels on error.

        Raises IndexBusy when the write lock is not had within ``timeout`` seconds. A lock
        left by a writer that crashed is released by the operating system (flock), so it
        never blocks; its half-written files are removed by the next commit.
        """
        deadline = time.monotonic() + timeout
        while True:
            name, ix = self.open(create=create)
            try:
                w = ix.writer(timeout=max(0.0, deadline - time.monotonic()), delay=0.05, codec=_codec())
            except wh_index.LockError:
                raise IndexBusy(f"the search index {self.path} is being written by another process") from None
            except Exception as exc:  # noqa: BLE001 - whoosh raises many types on broken files
                raise IndexCorrupt(f"the search index {self.path} cannot be written: {exc!r}") from None
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
            w.commit()
        except Exception as exc:  # noqa: BLE001
            raise IndexCorrupt(f"the search index {self.path} could not be committed: {exc!r}") from None

    def rebuild(self, docs: Iterable[IndexDoc], *, procs: int = 1, limitmb: int = 256,
                on_switch: Callable[[str], None] | None = None) -> tuple[str, int]:
        """Build a new generation from ``docs`` and make it live. Returns (generation, count).

        Searches keep using the old generation until the switch. Old generation files are
        removed after it (open readers keep reading their unlinked files).
        """
        storage = self.storage()
        name = self.new_generation_name()
        ix = storage.create_index(make_schema(), indexname=name)
        kw: dict[str, Any] = {"limitmb": limitmb, "codec": _codec()}
        if procs > 1:
            kw.update(procs=procs, multisegment=True)
        w = ix.writer(**kw)
        n = 0
        try:
            for doc in docs:
                w.add_document(**doc.fields())
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

    def quarantine(self) -> Path | None:
        """Move a broken index aside (never deleted silently). Returns where it went."""
        if not self.path.exists() or not any(self.path.iterdir()):
            return None
        target = self.path.with_name(f"{self.path.name}.broken-{time.strftime('%Y%m%dT%H%M%S')}")
        target.mkdir()
        for f in self.path.iterdir():
            shutil.move(str(f), target / f.name)
        log.warning("moved the unreadable search index to %s; it is being rebuilt", target)
        return target

    # -- reading ------------------------------------------------------------
    def check(self) -> int:
        """Open the live generation, read every segment's terms once. Returns the document count."""
        name, ix = self.open()
        try:
            with ix.searcher() as s:
                n = s.doc_count_all()
                r = s.reader()
                for fieldname in ("key", "content"):
                    for _ in r.lexicon(fieldname):
                        pass
                s.search(wq.Term("content", "x"), limit=1)
            return int(n)
        except IndexError_:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure reading is a broken index
            raise IndexCorrupt(f"the search index {self.path} ({name}) is damaged: {exc!r}") from None

    def doc_count(self) -> int:
        _, ix = self.open()
        return int(ix.doc_count())

    def keys(self) -> set[str]:
        _, ix = self.open()
        with ix.reader() as r:
            return {k.decode() if isinstance(k, bytes) else k for k in r.lexicon("key")}

    def search(self, text: str, *, filters: dict[str, Any] | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, limit: int = 20,
               text_for: Callable[[dict[str, Any]], str | None] | None = None, snippet_chars: int = 200,
               fast: bool = True) -> Page:
        """Ranked hits for a user query (see ``parse_query``), filters applied first.

        ``text_for(fields)`` returns the text of a hit for its snippet (the catalog keeps it);
        snippets are computed for the returned hits only. ``fast=False`` is the reference the tests
        compare with: Whoosh's own matchers for every query, without block skipping (which
        can drop a document whose score ties the N-th best).
        """
        limit = max(1, min(int(limit), 10_000))
        user_q = parse_query(text)
        parts: list[Any] = []
        exact: dict[str, tuple[str, ...]] = {}
        for fname, value in (filters or {}).items():
            if fname not in FILTER_FIELDS:
                raise UsageError(f"unknown search filter {fname!r}; known: {', '.join(FILTER_FIELDS)}")
            if value is None or value == "":
                continue
            values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
            exact[fname] = tuple(sorted({str(v) for v in values}))
            if not exact[fname]:
                return Page([], 0, text, [])
            terms = [wq.Term(fname, v) for v in exact[fname]]
            parts.append(terms[0] if len(terms) == 1 else wq.Or(terms))
        start = dt.datetime.combine(date_from, dt.time.min) if date_from else None
        end = dt.datetime.combine(date_to, dt.time.max) if date_to else None
        if start or end:
            parts.append(wq.DateRange("received", start, end))
        # filters select, only the words score (a filter inside the query would add to the score)
        where: Any = (wq.And(parts) if len(parts) > 1 else parts[0]) if parts else None
        conj = _conjunction(user_q, exact, (start, end)) if fast else None
        highlight_terms = sorted(_content_terms(user_q)) if user_q is not None else []
        for attempt in range(5):
            try:
                _, ix = self.open()
                with ix.searcher() as s:
                    if conj is not None:
                        best, n = _fast_search(s, conj, limit)
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
                    raise IndexCorrupt(f"files of the search index {self.path} are missing") from None
                time.sleep(0.01 * (attempt + 1))
            except Exception as exc:  # noqa: BLE001
                raise IndexCorrupt(f"the search index {self.path} cannot be searched: {exc!r}") from None
        if text_for is not None:
            for h in hits:
                body = text_for(h.fields)
                h.snippet = make_snippet(body or "", highlight_terms, h.fields.get("name", ""), snippet_chars)
        return Page(hits, total, text, highlight_terms)


# --------------------------------------------------------------------------- postings format


class _PostingsWriter(W3PostingsWriter):
    """Whoosh's block writer, with a block's ids and weights as arrays pickled with protocol
    4 (Whoosh: tuples, protocol 2). Whoosh's reader takes them as they are (it indexes and
    iterates both); unpickling a 512-posting block drops from ~25 to ~7 us, and the fast
    path maps the arrays without a copy. Blocks of either kind read the same."""

    def _mini_ids(self) -> Any:
        if self._byteids:
            return super()._mini_ids()
        return array("I", delta_encode(self._ids))

    def _mini_weights(self) -> Any:
        w = super()._mini_weights()
        return array("f", w) if isinstance(w, tuple) else w

    def _write_block(self, last: bool = False) -> None:  # Whoosh 2.7.5's, with protocol 4 for the data
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        databytes = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 4)
        comp = self._compression
        if comp:
            databytes = zlib.compress(databytes, comp)
        ids = self._ids
        infobytes = pickle.dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                                  length_to_byte(self._maxlength)), 2)
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class _Codec(W3Codec):
    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                               compression=self._compression, inlinelimit=self._inlinelimit)


def _codec() -> Any:
    return _Codec(blocklimit=POSTING_BLOCK, compression=3)


# --------------------------------------------------------------------------- the conjunctive fast path
#
# Most searches are a few words, all required, under exact filters (a pegawai, a unit, a
# periode). Whoosh answers them by moving one matcher per term through every candidate
# document and scoring each in Python (~30 us per document and term), which at 100,000
# documents of common words costs seconds. This path answers the same queries from the
# same index, with the same BM25F scores: it reads each term's posting blocks into numpy
# arrays (the smallest list first, filters before words; a longer list decodes only the
# blocks that can hold a remaining candidate), intersects them, scores every candidate at
# once and keeps the top N; a date range is read from the sortable ``received`` column.
# Anything else (phrases, OR, NOT, wildcards, boosts) goes through Whoosh's own matchers.
# It reads codec internals of whoosh-reloaded 2.7.5, which is pinned;
# ``tests/test_search_fastpath.py`` checks it against Whoosh's results.

_BM25_B, _BM25_K1 = 0.75, 1.2          # whoosh.scoring.BM25F defaults, the searcher's weighting
MAX_TIES = 1000                        # documents tied with the N-th best kept beyond N (then by docnum)
_W3_MAGIC = WHOOSH3_HEADER_MAGIC
_INT = struct.Struct("!i")          # a block's length; negative for the last block
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)
_LENGTH_OF_BYTE = np.array([byte_to_length(i) if i else 0 for i in range(256)], dtype=np.float64)


@dataclass(frozen=True)
class _Conjunction:
    words: tuple[str, ...]                          # content terms, every one required (repeats kept)
    filters: tuple[tuple[str, tuple[str, ...]], ...]  # (field, values): any value, every field
    received: tuple[dt.datetime | None, dt.datetime | None] = (None, None)  # archived within (inclusive)


def _conjunction(user_q: Any, filters: dict[str, Any],
                 received: tuple[dt.datetime | None, dt.datetime | None] = (None, None)) -> _Conjunction | None:
    """The query as required content terms plus exact filters, or None when it is anything else."""
    if user_q is None:
        return None
    leaves = user_q.subqueries if isinstance(user_q, wq.And) else [user_q]
    words: list[str] = []
    for leaf in leaves:
        if type(leaf) is not wq.Term or leaf.fieldname != "content" or leaf.boost != 1.0:
            return None
        words.append(leaf.text if isinstance(leaf.text, str) else leaf.text.decode("utf-8"))
    if not words:
        return None
    return _Conjunction(tuple(words), tuple((k, tuple(str(v) for v in vs)) for k, vs in filters.items()), received)


def _postings(reader: Any, fieldname: str, text: str, within: np.ndarray | None = None, *,
              keep_deleted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, weights) of a term in one segment, deleted documents left out. With ``within``
    (sorted docnums), only blocks that can hold one of them are decoded; others may remain.

    The posting list is read with one call and its blocks parsed in memory (Whoosh's matcher
    reads each block header through ~20 small file reads)."""
    try:
        tbytes = reader._text_to_bytes(fieldname, text)
        info = reader._terms.term_info(fieldname, tbytes)
    except (TermNotFound, KeyError):
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    if info.is_inlined():
        i_ids, i_weights, _ = info.inlined_postings()
        ids = np.asarray(i_ids, dtype=np.int64)
        weights = np.asarray(i_weights, dtype=np.float64)
    else:
        offset, length = info.extent()
        if isinstance(length, tuple):  # whoosh 2.7 keeps the length as struct.unpack's 1-tuple
            length = length[0]
        buf = reader._terms._postfile.get(offset, length)
        if buf[:4] != _W3_MAGIC:
            raise IndexCorrupt(f"posting list of {fieldname}:{text} has no block header")
        stream = io.BytesIO(buf)
        pos = 4
        blocks: list[tuple[int, int, int, int, bool]] = []  # (top docnum, data start, end, count, zlib)
        while pos < len(buf):
            (blen,) = _INT.unpack_from(buf, pos)
            nxt = pos + 4 + abs(blen)
            stream.seek(pos + 4)
            count, top, _maxw, compression, _minl, _maxl = pickle.load(stream)
            blocks.append((top, stream.tell(), nxt, count, bool(compression)))
            pos = nxt
            if blen < 0:
                break
        if within is not None and blocks:  # a block covers (previous top, top]
            tops = np.fromiter((b[0] for b in blocks), dtype=np.int64, count=len(blocks))
            below = np.searchsorted(within, tops, side="right")
            need = np.diff(below, prepend=0) > 0
            blocks = [b for b, n in zip(blocks, need.tolist(), strict=True) if n]
        delta_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        for _top, a, b, count, compressed in blocks:
            raw = buf[a:b]
            data = pickle.loads(zlib.decompress(raw) if compressed else raw)
            delta_parts.append(_as_array(data[0], np.int64))
            w = data[1]
            weight_parts.append(np.ones(count) if w is None else np.full(count, w) if isinstance(w, float)
                                else _as_array(w, np.float64))
        if delta_parts:
            # ids are delta-coded within each block: one running sum, minus each block's start
            run = np.cumsum(np.concatenate(delta_parts), dtype=np.int64)
            sizes = np.fromiter((p.size for p in delta_parts), dtype=np.int64, count=len(delta_parts))
            first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
            before = np.concatenate(([0], run[first[1:] - 1]))
            ids = run - np.repeat(before, sizes)
            weights = np.concatenate(weight_parts).astype(np.float64, copy=False)
        else:
            ids, weights = _EMPTY_IDS, _EMPTY_WEIGHTS
    if keep_deleted:
        return ids, weights
    return _without_deleted(reader, ids, weights)


def _as_array(values: Any, dtype: Any) -> np.ndarray:
    """A block's ids or weights: an ``array`` (our writer) mapped without a copy, or a tuple
    (Whoosh's own writer) converted."""
    if isinstance(values, array):
        return np.frombuffer(values, dtype=np.dtype(values.typecode))
    return np.asarray(values, dtype=dtype)


def _without_deleted(reader: Any, ids: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    deleted = reader.deleted_docs_set if reader.has_deletions() else None
    if deleted:
        keep = ~np.isin(ids, np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
        ids, weights = ids[keep], weights[keep]
    return ids, weights


class _SegmentCache:
    """Arrays derived from one segment (the docnums of a filter term such as a NIP, a unit or
    a periode; every document's field length), least recently used dropped past
    ``max_bytes``. Segments never change once written (deletions are applied on top), so an
    entry stays true for as long as its segment exists."""

    def __init__(self, max_bytes: int = 128 << 20) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, ...], np.ndarray] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, reader: Any, key: tuple[str, ...], make: Callable[[], np.ndarray]) -> np.ndarray:
        full = (reader.segment().segment_id(), *key)
        with self._lock:
            arr = self._entries.get(full)
            if arr is not None:
                self._entries.move_to_end(full)
                return arr
        arr = make()
        with self._lock:
            if full not in self._entries:
                self._entries[full] = arr
                self._size += arr.nbytes
            while self._size > self.max_bytes and len(self._entries) > 1:
                _, old = self._entries.popitem(last=False)
                self._size -= old.nbytes
        return arr

    def docs(self, reader: Any, fieldname: str, value: str) -> np.ndarray:
        """Docnums holding an exact term, deleted documents left out."""
        ids = self.get(reader, ("docs", fieldname, value),
                       lambda: _postings(reader, fieldname, value, keep_deleted=True)[0])
        return _without_deleted(reader, ids, ids)[0]

    def lengths(self, reader: Any, fieldname: str) -> np.ndarray:
        return self.get(reader, ("lengths", fieldname), lambda: _field_lengths(reader, fieldname))


_SEGMENTS = _SegmentCache()


def _field_lengths(reader: Any, fieldname: str) -> np.ndarray:
    """Every document's length of ``fieldname`` in one segment (Whoosh keeps one byte per document)."""
    out = np.zeros(reader.doc_count_all(), dtype=np.float64)
    col = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if col is None:
        return out
    raw = np.frombuffer(col._dbfile.get(col._basepos, col._count), dtype=np.uint8)
    out[:len(raw)] = _LENGTH_OF_BYTE[raw]
    return out


def _received_within(reader: Any, field: Any, start: dt.datetime | None, end: dt.datetime | None) -> np.ndarray:
    """Per document of one segment: archived between ``start`` and ``end`` (inclusive)? Read
    from the sortable ``received`` column (Whoosh's DateRange walks its terms instead)."""
    out = np.zeros(reader.doc_count_all(), dtype=bool)
    if not reader._perdoc.has_column("received"):
        return out
    col = reader._perdoc.column_reader("received", field.column_type)
    width = col._fixedlen
    values = np.frombuffer(col._dbfile.get(col._basepos, col._count * width), dtype=f">u{width}")
    ok = values != field.default  # no value: the column's default
    if start is not None:
        ok &= values >= field.to_column_value(start)
    if end is not None:
        ok &= values <= field.to_column_value(end)
    out[:values.size] = ok
    return out


def _fast_search(s: Any, conj: _Conjunction, limit: int) -> tuple[list[tuple[float, int]], int]:
    """[(score, global docnum)] best first (at least ``limit``, more on a tie at the cut), and
    the exact number of matching documents."""
    body = "words" if "words" in s.schema else "content"  # an index built before `words` existed
    idf = {w: s.idf(body, w) for w in set(conj.words)}
    avgfl = s.avg_field_length(body) or 1
    scored: list[tuple[np.ndarray, np.ndarray]] = []
    total = 0
    for reader, base in s.reader().leaf_readers():
        if reader.doc_count() == 0:
            continue
        # cheapest first: filters, then words, each ordered by how many documents hold it
        steps: list[tuple[int, str, tuple[str, ...]]] = []
        for fname, values in conj.filters:
            steps.append((sum(reader.doc_frequency(fname, v) for v in values), fname, values))
        for w in set(conj.words):
            steps.append((reader.doc_frequency(body, w), body, (w,)))
        steps.sort(key=lambda st: st[0])
        if steps[0][0] == 0:
            continue
        cand: np.ndarray | None = None
        tf: dict[str, np.ndarray] = {}
        for _, fname, values in steps:
            if fname == body:
                parts = [_postings(reader, fname, v, cand) for v in values]
            else:
                parts = [(_SEGMENTS.docs(reader, fname, v), _EMPTY_WEIGHTS) for v in values]
            ids = parts[0][0] if len(parts) == 1 else np.unique(np.concatenate([p[0] for p in parts]))
            if cand is None:
                cand = ids
                if fname == body:
                    tf[values[0]] = parts[0][1]
            else:
                keep = np.isin(cand, ids, assume_unique=True)
                cand = cand[keep]
                for w in tf:
                    tf[w] = tf[w][keep]
                if fname == body:
                    tf[values[0]] = parts[0][1][np.searchsorted(ids, cand)]
            if cand.size == 0:
                break
        if cand is None or cand.size == 0:
            continue
        if conj.received != (None, None):
            inside = _received_within(reader, s.schema["received"], *conj.received)[cand]
            cand = cand[inside]
            tf = {w: t[inside] for w, t in tf.items()}
            if cand.size == 0:
                continue
        fl = _SEGMENTS.lengths(reader, body)[cand]
        norm = _BM25_K1 * ((1 - _BM25_B) + _BM25_B * fl / avgfl)
        score = np.zeros(cand.size)
        for w in conj.words:
            t = tf[w]
            score += idf[w] * ((t * (_BM25_K1 + 1)) / (t + norm))
        scored.append((score, cand + base))
        total += int(cand.size)
    if not scored:
        return [], 0
    scores = np.concatenate([p[0] for p in scored])
    docs = np.concatenate([p[1] for p in scored])
    if scores.size > limit:
        cut = np.partition(scores, scores.size - limit)[scores.size - limit]
        keep = np.round(scores, 6) >= round(float(cut), 6)   # ties at the cut: keep them (the caller
        scores, docs = scores[keep], docs[keep]              # orders them by key), up to a bound
    order = np.lexsort((docs, -np.round(scores, 6)))[:limit + MAX_TIES]
    return [(float(scores[i]), int(docs[i])) for i in order], total


class DocWriter:
    """Adds, replaces and deletes index documents inside one commit."""

    def __init__(self, w: Any, generation: str) -> None:
        self._w = w
        self.generation = generation
        self.count = 0

    def put(self, doc: IndexDoc) -> None:
        fields = doc.fields()
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


# --------------------------------------------------------------------------- queries

_FIELD_PREFIX = re.compile(r"(?<![\w\"])([A-Za-z_]\w*):(?!//)")
_PARSER: Any = None


def _parser() -> Any:
    global _PARSER
    if _PARSER is None:
        p = qparser.QueryParser("content", make_schema(), group=qparser.AndGroup)
        p.remove_plugin_class(qparser.PlusMinusPlugin)
        _PARSER = p
    return _PARSER


def parse_query(text: str) -> Any | None:
    """A Whoosh query for user text, or None for an empty query (everything, newest first).

    Syntax: words (all must match; morphological variants match), ``"a phrase"``, ``OR``,
    ``NOT``, ``(groups)``, ``prefix*``, and exact fields such as ``nip:198503152010011002``
    or ``name:laporan.pdf``. Raises UsageError with a clear message for malformed input.
    """
    text = (text or "").strip()
    if not text or text == "*":
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(f"the query is {len(text)} characters long; at most {MAX_QUERY_CHARS} are allowed")
    if text.count('"') % 2:
        raise UsageError(f"malformed query {text!r}: a quotation mark is not closed",
                         hint='write a phrase as "laporan kegiatan"')
    depth = 0
    for ch in re.sub(r'"[^"]*"', "", text):
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            break
    if depth:
        raise UsageError(f"malformed query {text!r}: parentheses do not match",
                         hint="write groups as (rapat OR sosialisasi) laporan")
    for m in _FIELD_PREFIX.finditer(re.sub(r'"[^"]*"', "", text)):
        if m.group(1) not in QUERY_FIELDS:
            raise UsageError(f"malformed query {text!r}: unknown field {m.group(1)!r}",
                             hint=f"fields: {', '.join(sorted(QUERY_FIELDS))}; or use the --nip/--tahun/... options")
    words = text.split()
    if words[0] in ("AND", "OR") or words[-1] in ("AND", "OR", "NOT"):
        raise UsageError(f"malformed query {text!r}: {words[0] if words[0] in ('AND', 'OR') else words[-1]} "
                         "needs a word on each side", hint="example: rapat OR sosialisasi")
    if re.search(r"(?<!\w)[*?]", text):
        raise UsageError(f"malformed query {text!r}: a wildcard needs at least two letters before it",
                         hint="example: sosialis*")
    try:
        q = _parser().parse(text)
    except Exception as exc:  # noqa: BLE001 - whoosh raises assorted errors on odd input
        raise UsageError(f"malformed query {text!r}: {exc}") from None
    if q is wq.NullQuery or q is None or not list(q.leaves()) and not isinstance(q, wq.Term):
        raise UsageError(f"the query {text!r} has no searchable words (only common words such as 'yang', 'dan')",
                         hint="add a more specific word")
    n_terms = sum(1 for _ in q.leaves())
    if n_terms > MAX_QUERY_TERMS:
        raise UsageError(f"the query has {n_terms} terms; at most {MAX_QUERY_TERMS} are allowed")
    return q


def _content_terms(q: Any) -> set[str]:
    out: set[str] = set()
    for fname, t in q.iter_all_terms():
        if fname == "content":
            out.add(t.decode("utf-8") if isinstance(t, bytes) else t)
    for leaf in q.leaves():  # prefixes (sosialis*) cannot list terms without a reader
        if isinstance(leaf, wq.Prefix) and leaf.fieldname == "content":
            out.add(leaf.text + "*")
    return out


def index_terms(text: str) -> list[str]:
    """The analyzer's terms for ``text`` (same as ``analyze``), computed without Whoosh's
    per-token filter objects: twice as fast, and what every index write uses."""
    return [t for t in map(_term_of, _WORD.findall(text)) if t is not None]


def analyze(text: str) -> list[str]:
    """The index terms of a text (what ``content`` holds); the benchmark pre-stems with this."""
    return [t.text for t in _ANALYZER(text)]


_ANALYZER = analyzer()


_WORD = re.compile(r"\w+")
SNIPPET_SCAN_CHARS = 100_000


def _term_of(word: str) -> str | None:
    """What the analyzer makes of one word (None for a stop word); fast path for snippets."""
    w = word.lower()
    if not w.isascii():
        w = w.translate(accent_map)
    if len(w) < 2 or w in INDONESIAN_STOP_WORDS:
        return None
    return stem(w)


def make_snippet(text: str, terms: list[str], name: str = "", chars: int = 200) -> str:
    """The window of ``text`` richest in the query's (stemmed) terms, matches in <b>…</b>, HTML-escaped.

    Hand-written rather than Whoosh's highlighter: that one runs the whole analyzer chain
    over every hit's text (~3 ms per 300-word document); this costs ~0.2 ms.
    """
    text = text or ""
    if not text.strip():
        return ""
    exact = frozenset(t for t in terms if not t.endswith("*"))
    prefixes = tuple(t[:-1] for t in terms if t.endswith("*"))
    matches: list[tuple[int, int]] = []
    if exact or prefixes:
        for m in _WORD.finditer(text, 0, min(len(text), SNIPPET_SCAN_CHARS)):
            t = _term_of(m.group())
            if t is not None and (t in exact or (prefixes and t.startswith(prefixes))):
                matches.append(m.span())
    if not matches:
        head = " ".join(text[:chars].split())
        return html.escape(head + ("…" if len(text) > chars else ""), quote=False)
    # the window of `chars` characters holding the most matches (and, on ties, the most distinct words)
    best, best_score, j = 0, (-1, -1), 0
    for i, (start, _) in enumerate(matches):
        while j < len(matches) and matches[j][1] - start <= chars:
            j += 1
        distinct = len({text[a:b].lower() for a, b in matches[i:j]})
        score = (distinct, j - i)
        if score > best_score:
            best, best_score = i, score
    first = matches[best][0]
    lo = max(0, first - chars // 4)
    if lo:
        space = text.rfind(" ", 0, lo + 1)
        lo = space + 1 if space >= 0 and lo - space < 20 else lo
    hi = min(len(text), lo + chars)
    if hi < len(text):
        space = text.find(" ", hi)
        hi = space if 0 <= space - hi < 20 else hi
    out, pos = [], lo
    for a, b in matches:
        if a < lo or b > hi:
            continue
        out.append(html.escape(text[pos:a], quote=False))
        out.append("<b>" + html.escape(text[a:b], quote=False) + "</b>")
        pos = b
    out.append(html.escape(text[pos:hi], quote=False))
    body = " ".join("".join(out).split())
    return ("…" if lo > 0 else "") + body + ("…" if hi < len(text) else "")
