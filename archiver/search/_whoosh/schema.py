"""The Whoosh schema of the index and its analyzer chain.

Analysis of text (``content``): the chain of ``archiver.search._analysis`` built from
Whoosh's filters, which the query parser runs over query words. Writes analyse once in
Python (``index_terms``) and give the terms to two fields: ``content`` with positions
(phrases and Whoosh's matchers) and ``words`` without (the conjunctive fast path). NIP,
tahun, periode, RHK, type, unit, SHA-256 and file name are exact keyword fields;
``received`` (archived at) and ``created`` (document date) are dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from whoosh.analysis import (  # type: ignore[import-untyped]
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema  # type: ignore[import-untyped]
from whoosh.support.charset import accent_map  # type: ignore[import-untyped]

from .._analysis import INDONESIAN_STOP_WORDS, content_of, index_terms
from .._backend import IndexDoc
from .._stemming import stem


def analyzer() -> Any:
    """Tokenize, lowercase, fold accents, drop stop words, stem (Indonesian)."""
    return (RegexTokenizer(r"\w+")
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StopFilter(stoplist=INDONESIAN_STOP_WORDS, minsize=2)
            | StemFilter(stemfn=stem, cachesize=None))  # stem has its own cache


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


_ANALYZER = analyzer()


def analyze(text: str) -> list[str]:
    """The index terms of a text through Whoosh's chain (what the query parser makes of it)."""
    return [str(t.text) for t in _ANALYZER(text)]


def doc_fields(doc: IndexDoc) -> dict[str, Any]:
    """The Whoosh fields of an index document."""
    d: dict[str, Any] = {"key": doc.key, "sha256": doc.sha256, "name": doc.name, "path": doc.path,
                         "received": _naive_utc(doc.received)}
    # analysed once here, handed to both text fields as terms (Whoosh takes a list as tokens)
    d["content"] = d["words"] = index_terms(content_of(doc.name, doc.text))
    for k in ("nip", "periode", "rhk", "type", "unit", "status"):
        v = getattr(doc, k)
        if v:
            d[k] = str(v)
    if doc.tahun is not None:
        d["tahun"] = str(doc.tahun)
    if doc.created is not None:
        d["created"] = _naive_utc(doc.created)
    return d


def _naive_utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t
