"""``PostgresBackend``: the search index as rows of the PostgreSQL catalog.

One row per submission and generation in ``search_docs``: the filter fields as columns
and the index terms as a ``tsvector`` (GIN index). ``search_live`` names the live
generation. A write upserts its documents in one transaction (many nodes may write at
once; nothing is locked against searches). A rebuild fills a new generation in batches,
then switches ``search_live`` in one transaction, then drops the old generation's rows:
searches read the old generation until the switch.

Queries are parsed by the same parser as the Whoosh backend (``_whoosh.query``), then
translated (``tsquery``): words AND, ``"phrases"`` ``<->``, OR ``|``, NOT ``!``,
``prefix*`` ``:*``, ``field:value`` a column. Scores are ``ts_rank_cd`` (not Whoosh's BM25F:
the same documents match, the order may differ); filters never add to a score. A query
matching more than ``catalog.fts.RANK_CANDIDATES`` documents ranks its newest matches that
many (ranking reads each match's tsvector) and reports no exact total.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from ...catalog import Catalog, fts
from ...errors import UsageError
from ...i18n import _
from .._backend import FilterValue, Hit, IndexDoc, IndexMissing, Page
from .._query import exact_filters
from .._whoosh.query import content_terms, parse_query, query_tree
from .tsquery import condition, rank_query, tsvector_literal

log = logging.getLogger(__name__)

#: The index id of the markers (``search_indexed``) and the ``search_live`` row: one index for every node.
INDEX_ID = "postgres"
BATCH = 500


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _naive_utc(t: dt.datetime | None) -> dt.datetime | None:
    if t is None:
        return None
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t


def doc_row(doc: IndexDoc) -> dict[str, Any]:
    """The ``search_docs`` columns of an index document (its text analysed here, in Python)."""
    return {"key": int(doc.key), "sha256": doc.sha256, "name": doc.name, "path": doc.path,
            "nip": doc.nip or None, "tahun": str(doc.tahun) if doc.tahun is not None else None,
            "periode": doc.periode or None, "rhk": doc.rhk or None, "type": doc.type or None,
            "unit": doc.unit or None, "status": doc.status or None, "received": _naive_utc(doc.received),
            "created": _naive_utc(doc.created), "terms": tsvector_literal(doc.name, doc.text)}


class PgWriter:
    """Collects documents; the backend writes them in one transaction when the block ends."""

    def __init__(self, generation: str) -> None:
        self.generation = generation
        self.rows: dict[int, dict[str, Any]] = {}
        self.deletes: set[int] = set()

    def put(self, doc: IndexDoc) -> None:
        row = doc_row(doc)
        self.deletes.discard(row["key"])
        self.rows[row["key"]] = row

    def delete(self, key: str) -> None:
        self.rows.pop(int(key), None)
        self.deletes.add(int(key))


class PostgresBackend:
    """The index in the PostgreSQL catalog. Cheap to construct."""

    index_id = INDEX_ID

    def __init__(self, catalog: Catalog) -> None:
        if not fts.is_postgres_catalog(catalog):
            raise UsageError(_("the PostgreSQL search index needs a PostgreSQL catalog"),
                             hint=_('set [archive] catalog_url to postgresql+psycopg://..., or [index] backend = '
                                    '"whoosh"'))
        self.catalog = catalog

    @property
    def location(self) -> str:
        return f"the catalog database (search_docs, {self.catalog.engine.url.render_as_string(hide_password=True)})"

    # -- generations -------------------------------------------------------
    def generation(self) -> str | None:
        return fts.live_generation(self.catalog, INDEX_ID)

    @staticmethod
    def new_generation_name() -> str:
        return "p" + time.strftime("%Y%m%dt%H%M%S", time.gmtime()) + "x" + uuid.uuid4().hex[:6]

    def create(self) -> str:
        return fts.create_live(self.catalog, INDEX_ID, self.new_generation_name(), _now())

    def check(self) -> int:
        name = self.generation()
        if name is None:
            raise IndexMissing(self.location)
        return fts.doc_count(self.catalog, name)

    def quarantine(self) -> str | None:
        return None  # rows cannot be half-written: nothing to move aside

    def merge(self, *, timeout: float = 1.0) -> bool:
        return False  # PostgreSQL keeps its GIN index itself (autovacuum merges the pending list)

    def segment_count(self) -> int:
        return 1 if self.generation() is not None else 0

    # -- writing ------------------------------------------------------------
    def writer(self, *, timeout: float = 1.0, create: bool = True,
               merge: bool = True) -> AbstractContextManager[PgWriter]:
        return self._writer(create=create)

    @contextmanager
    def _writer(self, *, create: bool) -> Iterator[PgWriter]:
        name = self.generation()
        if name is None:
            if not create:
                raise IndexMissing(self.location)
            name = self.create()
        w = PgWriter(name)
        yield w
        if not w.rows and not w.deletes:
            return
        used = fts.write_live(self.catalog, INDEX_ID, list(w.rows.values()), w.deletes)
        if used is None:  # the index was dropped meanwhile: make it and write again
            self.create()
            used = fts.write_live(self.catalog, INDEX_ID, list(w.rows.values()), w.deletes)
        if used != w.generation:
            log.info("a rebuild switched the search index during a write; the next pass re-marks %d document(s)",
                     len(w.rows))

    def rebuild(self, docs: Iterable[IndexDoc], *, procs: int = 1,
                on_switch: Callable[[str], None] | None = None) -> tuple[str, int]:
        name = self.new_generation_name()
        n = 0
        batch: list[dict[str, Any]] = []
        try:
            for doc in docs:
                batch.append(doc_row(doc))
                n += 1
                if len(batch) >= BATCH:
                    fts.write_generation(self.catalog, name, batch)
                    batch = []
            if batch:
                fts.write_generation(self.catalog, name, batch)
        except BaseException:
            fts.drop_generation(self.catalog, name)
            raise
        old = fts.switch_live(self.catalog, INDEX_ID, name, _now())
        if on_switch:
            on_switch(name)
        if old is not None and old != name:
            fts.drop_generation(self.catalog, old)
        log.info("rebuilt the PostgreSQL search index: %d documents (%s)", n, name)
        return name, n

    # -- reading ------------------------------------------------------------
    def search(self, text: str, *, filters: Mapping[str, FilterValue] | None = None,
               date_from: dt.date | None = None, date_to: dt.date | None = None, limit: int = 20,
               fast: bool = True) -> Page:
        limit = max(1, min(int(limit), 10_000))
        parsed = parse_query(text)
        exact = exact_filters(filters)
        if exact is None:
            return Page([], 0, text, [])
        start = dt.datetime.combine(date_from, dt.time.min) if date_from else None
        end = dt.datetime.combine(date_to, dt.time.max) if date_to else None
        generation = self.generation()
        if generation is None:
            raise IndexMissing(self.location)
        if parsed is None:
            cond: tuple[Any, ...] = ("true",)
            rank = None
            terms: list[str] = []
        else:
            tree = query_tree(parsed)
            cond = condition(tree)
            ranked = rank_query(tree)
            rank = " | ".join(ranked) if ranked else None
            terms = sorted(content_terms(parsed))  # what snippets mark, as the Whoosh backend gives them
        found, total = fts.search(self.catalog, generation, cond, rank=rank, filters=exact,
                                  received=(start, end), limit=limit)
        hits = [Hit(str(f["key"]), score, {**f, "key": str(f["key"])}) for score, f in found]
        return Page(hits, total, text, terms)
