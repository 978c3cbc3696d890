"""Index terms as a ``tsvector`` literal and a parsed user query as ``tsquery`` text.

Both sides use the Python analysis of ``archiver.search._analysis`` (the same stems as the
Whoosh index); PostgreSQL only stores and matches: a literal cast to ``tsvector`` or
``tsquery`` is taken as it is, without a text search configuration. Positions are the
term's place among the kept terms (stop words dropped), as in the Whoosh index, so a
phrase is the terms one after the other (``<->``).
"""

from __future__ import annotations

from typing import Any

from ...errors import UsageError
from ...i18n import _
from .._analysis import content_of, index_terms
from .._query import FILTER_FIELDS

#: PostgreSQL keeps positions up to 16383 (later ones count as 16383) and 256 per lexeme.
MAX_POSITION = 16383
MAX_POSITIONS_PER_TERM = 256
#: Longest lexeme PostgreSQL accepts (bytes); longer index terms are left out.
MAX_LEXEME_BYTES = 2046


def quote(term: str) -> str:
    """A lexeme as a literal of tsvector/tsquery text."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(name: str, text: str) -> str:
    """The document's index terms with their positions: ``'lapor':1,7 'giat':2``."""
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(index_terms(content_of(name, text)), start=1):
        p = positions.setdefault(term, [])
        if len(p) < MAX_POSITIONS_PER_TERM and i <= MAX_POSITION:
            p.append(i)
    return " ".join(f"{quote(t)}:{','.join(map(str, p))}" if p else quote(t)
                    for t, p in positions.items() if len(t.encode("utf-8")) <= MAX_LEXEME_BYTES)


Cond = tuple[Any, ...]


def _content(field: str) -> bool:
    return field == "content"


def condition(node: tuple[Any, ...]) -> Cond:
    """A parsed query (``_whoosh.query.query_tree``) as a condition of ``catalog.fts.search``;
    content parts of one AND/OR/NOT are joined into one tsquery (one GIN probe)."""
    kind = node[0]
    if kind == "term":
        field, text = node[1], node[2]
        return ("match", quote(text)) if _content(field) else ("eq", _column(field), text)
    if kind == "phrase":
        field, words = node[1], node[2]
        if not _content(field):
            return ("eq", _column(field), " ".join(words))
        if not words:
            return ("true",)
        return ("match", "(" + " <-> ".join(quote(w) for w in words) + ")")
    if kind == "prefix":
        field, text = node[1], node[2]
        return ("match", quote(text) + ":*") if _content(field) else ("prefix", _column(field), text)
    if kind == "all":
        return ("true",)
    if kind == "not":
        inner = condition(node[1])
        return ("match", f"!({inner[1]})") if inner[0] == "match" else ("not", inner)
    if kind in ("and", "or"):
        parts = [condition(c) for c in node[1]]
        matches = [p[1] for p in parts if p[0] == "match"]
        others = [p for p in parts if p[0] != "match"]
        op = " & " if kind == "and" else " | "
        if kind == "and" or not others:
            joined = [("match", "(" + op.join(matches) + ")")] if matches else []
            parts = joined + others
        if len(parts) == 1:
            return parts[0]
        return (kind, parts)
    raise UsageError(_("this search index cannot answer the query part {part}").format(part=repr(node)))


def _column(field: str) -> str:
    if field not in FILTER_FIELDS:
        raise UsageError(_("unknown field {field} in the query").format(field=repr(field)),
                         hint=_("fields: {fields}").format(fields=", ".join(FILTER_FIELDS)))
    return field


def rank_query(node: tuple[Any, ...], *, negated: bool = False) -> list[str]:
    """The content terms that count for the score (not those under NOT)."""
    kind = node[0]
    if kind in ("and", "or"):
        return [t for c in node[1] for t in rank_query(c, negated=negated)]
    if kind == "not":
        return rank_query(node[1], negated=not negated)
    if negated or kind not in ("term", "phrase", "prefix") or not _content(node[1]):
        return []
    if kind == "term":
        return [quote(node[2])]
    if kind == "prefix":
        return [quote(node[2]) + ":*"]
    return [quote(w) for w in node[2]]

