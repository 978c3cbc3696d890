"""The search service used by the CLI and the web app: query + filters -> results with catalog fields.

    results = search(archive, "laporan pelaksanaan", Filters(nip="198503152010011002"))

The index finds and ranks; the catalog stays the truth for each hit's fields (a link
changed after indexing shows its current value). Snippets come from the text cached in
the catalog, read in one query for the hits returned.

Filters mean what ``archiver.evidence.Filters`` says, as in ``archiver list``: a triwulan
selects its months too (an OR of periode terms), ``nip`` and ``within_nips`` combine into
one set of NIPs (an OR of NIP terms), a unit selects the NIPs of its pegawai, a review state
selects the submissions the catalog has in that state (an OR of key terms).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ..archive import Archive
from ..catalog import reviews as creviews
from ..catalog import signatures as csig
from ..catalog import text as ctext
from ..errors import UsageError
from ..evidence import Filters
from ..i18n import _
from ._backend import FilterValue
from ._indexing import backend_of
from ._snippets import make_snippet

log = logging.getLogger(__name__)


@dataclass
class SearchResults:
    query: str
    results: list[dict[str, Any]] = field(default_factory=list)
    total: int | None = None


def index_filters(archive: Archive, f: Filters) -> dict[str, FilterValue]:
    """``Filters`` (normalized) as exact terms of the index: each field any of its values."""
    if f.iki:
        raise UsageError(_("search cannot select by IKI ({iki}) yet").format(iki=f.iki),
                         hint=_("select by --rhk instead"))
    nips = f.nips()
    if f.unit:
        in_unit = ctext.unit_nips(archive.catalog, f.unit)
        nips = in_unit if nips is None else tuple(n for n in nips if n in in_unit)
    # a signature check belongs to the blob, not the index: the catalog's blobs in that state
    shas = csig.shas_in_state(archive.catalog, f.signature, nips) if f.signature else None
    # a review belongs to one submission (two submissions of the same bytes may be judged apart):
    # the ids (index keys) of the submissions in that state, not their blobs
    keys = creviews.ids_in_state(archive.catalog, f.review, nips) if f.review else None
    return {"nip": nips, "tahun": str(f.tahun) if f.tahun is not None else None, "periode": f.periodes(),
            "rhk": f.rhk, "type": f.type, "status": f.status, "sha256": shas, "key": keys}


def search(archive: Archive, query: str, filters: Filters | None = None, *, limit: int = 20,
           snippet_chars: int = 200) -> SearchResults:
    """Ranked results, each a dict with at least sha256, path, name, nip, periode, rhk, score, snippet.

    ``snippet`` is HTML-escaped text with matched words in ``<b>…</b>``. Raises UsageError for
    a malformed query, IndexMissing/IndexCorrupt when the index needs ``archiver reindex``.
    """
    f = (filters or Filters()).normalized()
    if limit < 1:
        raise UsageError(_("--limit {limit}: must be at least 1").format(limit=limit))
    page = backend_of(archive).search(query, filters=index_filters(archive, f), date_from=f.date_from,
                                      date_to=f.date_to, limit=limit, fast=archive.config.index.fast_path)
    rows = ctext.submissions_by_id(archive.catalog, [int(h.key) for h in page.hits])
    texts = ctext.texts_of(archive.catalog, (r["sha256"] for r in rows.values() if r["sha256"]))
    judged = creviews.current(archive.catalog, rows)
    out = []
    for h in page.hits:
        row = rows.get(int(h.key))
        if row is None or row["status"] == "disposed":  # the index is ahead of or behind the catalog: skip
            log.warning("search hit %s is not in the catalog", h.key)
            continue
        snippet = make_snippet(texts.get(row["sha256"] or "", ""), page.terms, chars=snippet_chars)
        out.append({
            "submission_id": row["id"], "sha256": row["sha256"], "path": f"{row['share']}/{row['relpath']}",
            "name": row["name"], "nip": row["nip"], "tahun": row["tahun"], "periode": row["periode"],
            "rhk": row["rhk"], "iki": row["iki"], "type": row["type"], "status": row["status"],
            "version": row["version"], "received_at": row["received_at"], "score": round(h.score, 4),
            "snippet": snippet,
            "review": judged[row["id"]]["state"] if row["id"] in judged else creviews.AWAITING,
        })
    return SearchResults(query, out, page.total)
