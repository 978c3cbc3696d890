"""What a search backend is: the protocol the indexing and the search service use, and the
values that cross it (index documents, hits, pages, index errors).

The Whoosh backend (``_whoosh``) and the PostgreSQL full-text backend (``_postgres``) implement it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import ArchiverError
from ..i18n import _

#: A filter's values: one value, or any of several (an OR of terms).
FilterValue = str | int | Iterable[str] | None


class IndexError_(ArchiverError):
    """Base of index problems (named with a trailing underscore: not the builtin IndexError)."""


class IndexBusy(IndexError_):
    """Another process holds the index write lock (and did not release it in time)."""


class IndexCorrupt(IndexError_):
    """The index cannot be read; it is derived data: ``archiver reindex`` rebuilds it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint=_("run `archiver reindex` to rebuild it from the catalog and the blobs"))


class IndexMissing(IndexError_):
    def __init__(self, path: Path | str) -> None:
        super().__init__(_("there is no search index at {path} yet").format(path=path),
                         hint=_("run `archiver reindex` to build it (ingest also builds it as files arrive)"))


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
    terms: list[str] = field(default_factory=list)   # index terms to mark in snippets (``prefix*`` too)


class DocumentWriter(Protocol):
    """Adds, replaces and deletes index documents inside one commit."""

    generation: str

    def put(self, doc: IndexDoc) -> None: ...

    def delete(self, key: str) -> None: ...


class SearchBackend(Protocol):
    """A full-text index of submissions, keyed by submission id, in generations: a rebuild
    makes a new generation and switches to it; the catalog records which generation holds
    each submission (``search_indexed``)."""

    @property
    def location(self) -> str:
        """Where the index is, for messages."""

    @property
    def index_id(self) -> str:
        """This index's id in the catalog's markers (``search_indexed``): one per Whoosh folder
        (each node its own), one for the PostgreSQL index (shared by every node)."""

    def generation(self) -> str | None:
        """The live generation, or None when no index was ever built. Raises IndexCorrupt."""

    def create(self) -> str:
        """Create an empty index and make it live. Returns its generation."""

    def check(self) -> int:
        """Read the whole live index once; its document count. Raises IndexMissing, IndexCorrupt."""

    def quarantine(self) -> str | None:
        """Move a broken index aside (never deleted silently). Where it went, if anywhere."""

    def writer(self, *, timeout: float = 1.0, create: bool = True,
               merge: bool = True) -> AbstractContextManager[DocumentWriter]:
        """A writer on the live generation; commits on success. Raises IndexBusy."""

    def merge(self, *, timeout: float = 1.0) -> bool:
        """Join the small parts that batches wrote (True when it did; a busy index is left)."""

    def segment_count(self) -> int:
        """How many parts the live index is written in (0 without an index): many parts
        make searches slower, and ``merge_segments`` joins them."""

    def rebuild(self, docs: Iterable[IndexDoc], *, procs: int = 1,
                on_switch: Callable[[str], None] | None = None) -> tuple[str, int]:
        """Build a new generation from ``docs`` and make it live: (generation, count)."""

    def search(self, text: str, *, filters: Mapping[str, FilterValue] | None = None,
               date_from: dt.date | None = None, date_to: dt.date | None = None, limit: int = 20,
               fast: bool = True) -> Page:
        """Ranked hits (no snippets) for a user query; ``filters`` select exact field values
        (a collection: any of them) and never add to a score."""
