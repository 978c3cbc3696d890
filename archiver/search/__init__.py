"""Full-text search of the archived evidence: the index, keeping it in step, and the service.

    from archiver.search import search, reindex
    results = search(archive, "laporan pelaksanaan", Filters(nip="198503152010011002", periode="TW1"))

The public surface is what this module exports; everything else is private:

    _backend     the SearchBackend protocol, index documents, hits, pages, index errors
    _whoosh/     the Whoosh backend, the only package that imports Whoosh (with its fast path)
    _postgres/   the PostgreSQL full-text backend (``[index] backend = "postgres"``; SQL in catalog.fts)
    _analysis    Indonesian analysis: words -> index terms (``_stemming``: PySastrawi, ``_accents``)
    _query       checks of query text shared by backends
    _snippets    the marked window of a hit's text
    _indexing    keeping the index in step with the catalog (text, writes, passes, rebuilds, merges)
    _batch       new files indexed in batches, off the ingest thread (``batched``)
    _service     ``search``: filters, the backend, catalog fields and snippets

The catalog side (extracted text, index markers) is ``archiver.catalog.text``.
"""

from __future__ import annotations

from ..catalog.text import TextRecord
from ._backend import (
    DocumentWriter,
    Hit,
    IndexBusy,
    IndexCorrupt,
    IndexDoc,
    IndexError_,
    IndexMissing,
    Page,
    SearchBackend,
)
from ._batch import IndexBatch, active_batch, batched, index_new_submission
from ._indexing import (
    PassReport,
    ReindexReport,
    backend_of,
    ensure_text,
    index_pending,
    index_submissions,
    indexable_count,
    mark_stale,
    merge_segments,
    reindex,
    reindex_changed,
    text_of,
    thumbnail_of,
)
from ._service import SearchResults, search
from ._stemming import stem

__all__ = [
    "DocumentWriter", "Hit", "IndexBatch", "IndexBusy", "IndexCorrupt", "IndexDoc", "IndexError_", "IndexMissing",
    "Page", "PassReport", "ReindexReport", "SearchBackend", "SearchResults", "TextRecord", "active_batch",
    "backend_of", "batched", "ensure_text", "index_new_submission", "index_pending", "index_submissions",
    "indexable_count", "mark_stale", "merge_segments", "reindex", "reindex_changed", "search", "stem", "text_of",
    "thumbnail_of",
]
