"""The conjunctive fast path: "all these words, under these filters", from posting arrays.

Most searches are a few words, all required, under exact filters (a pegawai, a unit, a
periode). Whoosh answers them by moving one matcher per term through every candidate
document and scoring each in Python (~30 us per document and term), which at 100,000
documents of common words costs seconds. This path answers the same queries from the same
index, with the same BM25F scores: it reads each term's posting blocks into numpy arrays
(the smallest list first, filters before words; a longer list decodes only the blocks that
can hold a remaining candidate), intersects them, scores every candidate at once and keeps
the top N; a date range is read from the sortable ``received`` column. Anything else
(phrases, OR, NOT, wildcards, boosts) goes through Whoosh's own matchers.

It reads codec internals of whoosh-reloaded 2.7.5 (pinned). Under any other version it
disables itself with a logged warning (``AVAILABLE`` is False) and every query goes through
Whoosh's matchers, with the same results, slower. ``[index] fast_path = false`` does the
same by configuration. ``tests/test_search_fastpath.py`` checks it against Whoosh's results.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import io
import logging
import pickle
import struct
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq  # type: ignore[import-untyped]
from whoosh.codec.whoosh3 import (  # type: ignore[import-untyped]
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    _lenfield,
)
from whoosh.reading import TermNotFound  # type: ignore[import-untyped]
from whoosh.util.numeric import byte_to_length  # type: ignore[import-untyped]

from ...i18n import _
from .._backend import IndexCorrupt

log = logging.getLogger(__name__)

#: The whoosh-reloaded release whose codec internals this module reads.
WRITTEN_FOR = "2.7.5"


def supported(version: str | None) -> bool:
    """Whether the fast path may run under this whoosh-reloaded version (warns when not)."""
    if version == WRITTEN_FOR:
        return True
    log.warning("the search fast path was written for whoosh-reloaded %s, but %s is installed: it is off, "
                "every query goes through Whoosh's own matchers (same results, slower)", WRITTEN_FOR, version)
    return False


def _installed() -> str | None:
    try:
        return importlib.metadata.version("whoosh-reloaded")
    except importlib.metadata.PackageNotFoundError:
        return None


#: False when the installed Whoosh is not the one this module was written for.
AVAILABLE = supported(_installed())

_BM25_B, _BM25_K1 = 0.75, 1.2          # whoosh.scoring.BM25F defaults, the searcher's weighting
MAX_TIES = 1000                        # documents tied with the N-th best kept beyond N (then by docnum)
_INT = struct.Struct("!i")          # a block's length; negative for the last block
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)
_LENGTH_OF_BYTE = np.array([byte_to_length(i) if i else 0 for i in range(256)], dtype=np.float64)


@dataclass(frozen=True)
class Conjunction:
    words: tuple[str, ...]                          # content terms, every one required (repeats kept)
    filters: tuple[tuple[str, tuple[str, ...]], ...]  # (field, values): any value, every field
    received: tuple[dt.datetime | None, dt.datetime | None] = (None, None)  # archived within (inclusive)


def conjunction(user_q: Any, filters: dict[str, Any],
                 received: tuple[dt.datetime | None, dt.datetime | None] = (None, None)) -> Conjunction | None:
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
    return Conjunction(tuple(words), tuple((k, tuple(str(v) for v in vs)) for k, vs in filters.items()), received)


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
        i_ids, i_weights, _rest = info.inlined_postings()
        ids = np.asarray(i_ids, dtype=np.int64)
        weights = np.asarray(i_weights, dtype=np.float64)
    else:
        offset, length = info.extent()
        if isinstance(length, tuple):  # whoosh 2.7 keeps the length as struct.unpack's 1-tuple
            length = length[0]
        buf = reader._terms._postfile.get(offset, length)
        if buf[:4] != WHOOSH3_HEADER_MAGIC:
            raise IndexCorrupt(_("posting list of {field}:{text} has no block header").format(
                field=fieldname, text=text))
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
                _key, old = self._entries.popitem(last=False)
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


def fast_search(s: Any, conj: Conjunction, limit: int) -> tuple[list[tuple[float, int]], int]:
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
        for _kind, fname, values in steps:
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
