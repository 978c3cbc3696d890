"""User query text as a Whoosh query."""

from __future__ import annotations

from typing import Any

from whoosh import qparser  # type: ignore[import-untyped]
from whoosh import query as wq

from ...errors import UsageError
from ...i18n import _
from .._query import MAX_QUERY_TERMS, check_query
from .schema import make_schema

_PARSER: Any = None


def _parser() -> Any:
    global _PARSER
    if _PARSER is None:
        p = qparser.QueryParser("content", make_schema(), group=qparser.AndGroup)
        p.remove_plugin_class(qparser.PlusMinusPlugin)
        _PARSER = p
    return _PARSER


def parse_query(text: str) -> Any | None:
    """A Whoosh query for user text, or None for an empty query (everything, newest first).

    See ``archiver.search._query`` for the syntax. Raises UsageError with a clear message
    for malformed input.
    """
    checked = check_query(text)
    if checked is None:
        return None
    text = checked
    try:
        q = _parser().parse(text)
    except Exception as exc:  # noqa: BLE001 - whoosh raises assorted errors on odd input
        raise UsageError(_("malformed query {query}: {error}").format(query=repr(text), error=exc)) from None
    if q is wq.NullQuery or q is None or not list(q.leaves()) and not isinstance(q, wq.Term):
        raise UsageError(_("the query {query} has no searchable words (only common words such as 'yang', 'dan')")
                         .format(query=repr(text)), hint=_("add a more specific word"))
    n_terms = sum(1 for _ in q.leaves())
    if n_terms > MAX_QUERY_TERMS:
        raise UsageError(_("the query has {n} terms; at most {limit} are allowed").format(
            n=n_terms, limit=MAX_QUERY_TERMS))
    return q


def content_terms(q: Any) -> set[str]:
    """The query's terms of ``content`` (``prefix*`` for a prefix): what snippets mark."""
    out: set[str] = set()
    for fname, t in q.iter_all_terms():
        if fname == "content":
            out.add(t.decode("utf-8") if isinstance(t, bytes) else t)
    for leaf in q.leaves():  # prefixes (sosialis*) cannot list terms without a reader
        if isinstance(leaf, wq.Prefix) and leaf.fieldname == "content":
            out.add(leaf.text + "*")
    return out


def query_tree(q: Any) -> tuple[Any, ...]:
    """The parsed query as plain tuples, for backends that do not run Whoosh (``_postgres``)::

        ("and", [nodes]) ("or", [nodes]) ("not", node) ("term", field, text)
        ("phrase", field, [terms]) ("prefix", field, text) ("all",)

    Raises UsageError for a query shape other backends cannot answer (``?`` wildcards, ranges).
    """
    if isinstance(q, wq.And):
        return ("and", [query_tree(c) for c in q.subqueries])
    if isinstance(q, wq.Or):
        return ("or", [query_tree(c) for c in q.subqueries])
    if isinstance(q, wq.AndNot):
        return ("and", [query_tree(q.a), ("not", query_tree(q.b))])
    if isinstance(q, wq.Not):
        return ("not", query_tree(q.query))
    if isinstance(q, wq.Phrase):
        return ("phrase", q.fieldname, [str(w) for w in q.words])
    if isinstance(q, wq.Prefix):
        return ("prefix", q.fieldname, str(q.text))
    if isinstance(q, wq.Term):
        t = q.text
        return ("term", q.fieldname, t.decode("utf-8") if isinstance(t, bytes) else str(t))
    if isinstance(q, wq.Every):
        return ("all",)
    raise UsageError(_('this search index cannot answer {query} (use words, "phrases", OR, NOT, field:value, '
                       "prefix*)").format(query=repr(q)), hint=_("write lap* instead of a ? wildcard"))
