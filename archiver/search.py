"""The search service used by the CLI and the web app: query + filters -> results with catalog fields.

    results = search(archive, "laporan pelaksanaan", SearchFilters(nip="198503152010011002"))

The index finds and ranks; the catalog stays the truth for each hit's fields (a link
changed after indexing shows its current value). Snippets come from the text cached in
the catalog, computed only for the hits returned.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from . import textstore
from .catalog import submissions
from .errors import UsageError
from .fulltext import FullTextIndex, Page

if TYPE_CHECKING:
    from .archive import Archive

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchFilters:
    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    type: str | None = None
    unit: str | None = None
    date_from: dt.date | None = None    # archived on or after (office-independent UTC date)
    date_to: dt.date | None = None      # archived on or before
    within_nips: frozenset[str] | None = None  # any of these NIPs (a user's scope), when ``nip`` is unset

    def normalized(self) -> SearchFilters:
        from .nip import normalize_nip
        from .periode import normalize_periode

        nip = normalize_nip(self.nip) if self.nip else None
        if nip is not None and (len(nip) != 18 or not nip.isdigit()):
            raise UsageError(f"--nip {self.nip!r}: a NIP has 18 digits", hint="example: --nip 198503152010011002")
        periode = (normalize_periode(self.periode) or self.periode.upper()) if self.periode else None
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UsageError(f"--from {self.date_from} is after --to {self.date_to}")
        return SearchFilters(nip, self.tahun, periode, self.rhk, self.type, self.unit, self.date_from, self.date_to,
                             self.within_nips)

    def index_filters(self) -> dict[str, Any]:
        nip: Any = self.nip if self.nip or self.within_nips is None else sorted(self.within_nips)
        return {"nip": nip, "tahun": self.tahun, "periode": self.periode, "rhk": self.rhk,
                "type": self.type, "unit": self.unit}


@dataclass
class SearchResults:
    query: str
    results: list[dict[str, Any]] = field(default_factory=list)
    total: int | None = None


def search(archive: Archive, query: str, filters: SearchFilters | None = None, *, limit: int = 20,
           snippet_chars: int = 200) -> SearchResults:
    """Ranked results, each a dict with at least sha256, path, name, nip, periode, rhk, score, snippet.

    ``snippet`` is HTML-escaped text with matched words in ``<b>…</b>``. Raises UsageError for
    a malformed query, fulltext.IndexMissing/IndexCorrupt when the index needs ``archiver reindex``.
    """
    f = (filters or SearchFilters()).normalized()
    if limit < 1:
        raise UsageError(f"--limit {limit}: must be at least 1")
    fti = FullTextIndex(archive.config.index.path)
    texts: dict[str, str] = {}

    def text_for(fields: dict[str, Any]) -> str | None:
        sha = fields.get("sha256", "")
        if sha not in texts:
            rec = textstore.get_text(archive.catalog, sha)
            texts[sha] = rec.text if rec else ""
        return texts[sha]

    page: Page = fti.search(query, filters=f.index_filters(), date_from=f.date_from, date_to=f.date_to,
                            limit=limit, text_for=text_for, snippet_chars=snippet_chars)
    ids = [int(h.key) for h in page.hits]
    rows: dict[int, dict[str, Any]] = {}
    if ids:
        with archive.catalog.read() as conn:
            rows = {r.id: dict(r._mapping) for r in conn.execute(sa.select(submissions).where(submissions.c.id.in_(ids)))}
    out = []
    for h in page.hits:
        row = rows.get(int(h.key))
        if row is None:  # the index is ahead of or behind the catalog: skip, reindex fixes it
            log.warning("search hit %s is not in the catalog", h.key)
            continue
        out.append({
            "submission_id": row["id"], "sha256": row["sha256"], "path": f"{row['share']}/{row['relpath']}",
            "name": row["name"], "nip": row["nip"], "tahun": row["tahun"], "periode": row["periode"],
            "rhk": row["rhk"], "iki": row["iki"], "type": row["type"], "status": row["status"],
            "version": row["version"], "received_at": row["received_at"], "score": round(h.score, 4),
            "snippet": h.snippet,
        })
    return SearchResults(query, out, page.total)
