"""The PostgreSQL full-text backend of ``archiver.search``: the index lives in the catalog
database itself (``search_docs``), so every node searches the same index and sees a write
of any node as soon as it commits.

    backend.py   ``PostgresBackend``: generations, writes (upserts, many nodes at once), rebuilds, searches
    tsquery.py   index terms as a tsvector literal, a parsed query as tsquery text (the same
                 Python analysis as the Whoosh backend)

Its SQL is in ``archiver.catalog.fts``.
"""

from __future__ import annotations

from .backend import INDEX_ID, PostgresBackend

__all__ = ["INDEX_ID", "PostgresBackend"]
