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
``pelaksanaan``. NIP, tahun, periode, RHK, type, unit, SHA-256 and file name are exact
keyword fields; ``received`` (archived at) and ``created`` (document date) are dates.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.support.charset import accent_map

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
        content=TEXT(analyzer=analyzer(), phrase=True),
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
                             "received": _naive_utc(self.received), "content": content_of(self.name, self.text)}
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
                w = ix.writer(timeout=max(0.0, deadline - time.monotonic()), delay=0.05)
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
        kw: dict[str, Any] = {"limitmb": limitmb}
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
               text_for: Callable[[dict[str, Any]], str | None] | None = None, snippet_chars: int = 200) -> Page:
        """Ranked hits for a user query (see ``parse_query``), filters applied first.

        ``text_for(fields)`` returns the text of a hit for its snippet (the catalog keeps it);
        snippets are computed for the returned hits only.
        """
        limit = max(1, min(int(limit), 10_000))
        user_q = parse_query(text)
        parts: list[Any] = []
        for fname, value in (filters or {}).items():
            if fname not in FILTER_FIELDS:
                raise UsageError(f"unknown search filter {fname!r}; known: {', '.join(FILTER_FIELDS)}")
            if value is None or value == "":
                continue
            values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
            terms = [wq.Term(fname, str(v)) for v in values]
            parts.append(terms[0] if len(terms) == 1 else wq.Or(terms))
        if date_from or date_to:
            start = dt.datetime.combine(date_from, dt.time.min) if date_from else None
            end = dt.datetime.combine(date_to, dt.time.max) if date_to else None
            parts.append(wq.DateRange("received", start, end))
        if user_q is not None:
            parts.append(user_q)
        q: Any = wq.And(parts) if len(parts) > 1 else (parts[0] if parts else wq.Every())
        highlight_terms = sorted(_content_terms(user_q)) if user_q is not None else []
        for attempt in range(5):
            try:
                _, ix = self.open()
                with ix.searcher() as s:
                    if user_q is None:
                        results = s.search(q, limit=limit, sortedby="received", reverse=True)
                    else:
                        results = s.search(q, limit=limit)
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


class DocWriter:
    """Adds, replaces and deletes index documents inside one commit."""

    def __init__(self, w: Any, generation: str) -> None:
        self._w = w
        self.generation = generation
        self.count = 0

    def put(self, doc: IndexDoc) -> None:
        self._w.update_document(**doc.fields())
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
