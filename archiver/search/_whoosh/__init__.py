"""The Whoosh backend of ``archiver.search``: the only package that imports Whoosh.

    index.py     the index folder: generations, writes, rebuilds, searches (``WhooshBackend``)
    schema.py    fields and the analyzer chain (the same terms as ``_analysis.index_terms``)
    query.py     user query text -> a Whoosh query
    codec.py     the posting format (array blocks the fast path reads cheaply)
    fastpath.py  "all these words under these filters", from posting arrays
    searchers.py searchers kept open between searches, refreshed when the index changes
"""

from __future__ import annotations

from .index import DocWriter, WhooshBackend

__all__ = ["DocWriter", "WhooshBackend"]
