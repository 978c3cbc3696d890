"""Query text: the checks every backend applies before parsing (clear errors for malformed input).

Syntax: words (all must match; morphological variants match), ``"a phrase"``, ``OR``,
``NOT``, ``(groups)``, ``prefix*``, and exact fields such as ``nip:198503152010011002`` or
``name:laporan.pdf``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import UsageError
from ..i18n import _
from ._backend import FilterValue

#: Keyword fields usable as filters (exact match).
FILTER_FIELDS = ("nip", "tahun", "periode", "rhk", "type", "unit", "sha256", "name", "status")
#: Fields a user may name inside a query (``nip:1985...``, ``name:laporan.pdf``).
QUERY_FIELDS = frozenset(FILTER_FIELDS) | {"content"}
#: The submission id (the document's key): a filter the service sets (a selection the catalog
#: knows, such as a review state), never a field a user names in a query.
KEY_FILTER = "key"
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 32



def exact_filters(filters: Mapping[str, FilterValue] | None) -> dict[str, tuple[str, ...]] | None:
    """Each filter's values, sorted and distinct (filters without a value left out), or None when
    a filter selects nothing (an empty collection: no hit can match). Raises UsageError for an
    unknown filter."""
    exact: dict[str, tuple[str, ...]] = {}
    for fname, value in (filters or {}).items():
        if fname not in FILTER_FIELDS and fname != KEY_FILTER:
            raise UsageError(_("unknown search filter {name}; known: {known}").format(
                name=repr(fname), known=", ".join(FILTER_FIELDS)))
        if value is None or value == "":
            continue
        values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        exact[fname] = tuple(sorted({str(v) for v in values}))
        if not exact[fname]:
            return None
    return exact


_FIELD_PREFIX = re.compile(r"(?<![\w\"])([A-Za-z_]\w*):(?!//)")


def check_query(text: str) -> str | None:
    """The query text stripped, or None for an empty query (everything, newest first).

    Raises UsageError with a clear message for malformed input (the backend's parser then
    reports what remains, such as too many terms or only stop words).
    """
    text = (text or "").strip()
    if not text or text == "*":
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(_("the query is {n} characters long; at most {limit} are allowed").format(
            n=len(text), limit=MAX_QUERY_CHARS))
    if text.count('"') % 2:
        raise UsageError(_("malformed query {query}: a quotation mark is not closed").format(query=repr(text)),
                         hint=_('write a phrase as "laporan kegiatan"'))
    depth = 0
    for ch in re.sub(r'"[^"]*"', "", text):
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            break
    if depth:
        raise UsageError(_("malformed query {query}: parentheses do not match").format(query=repr(text)),
                         hint=_("write groups as (rapat OR sosialisasi) laporan"))
    for m in _FIELD_PREFIX.finditer(re.sub(r'"[^"]*"', "", text)):
        if m.group(1) not in QUERY_FIELDS:
            raise UsageError(_("malformed query {query}: unknown field {field}").format(
                query=repr(text), field=repr(m.group(1))),
                             hint=_("fields: {fields}; or use the --nip/--tahun/... options").format(
                                 fields=", ".join(sorted(QUERY_FIELDS))))
    words = text.split()
    if words[0] in ("AND", "OR") or words[-1] in ("AND", "OR", "NOT"):
        raise UsageError(_("malformed query {query}: {operator} needs a word on each side").format(
            query=repr(text), operator=words[0] if words[0] in ("AND", "OR") else words[-1]),
                         hint=_("example: {example}").format(example="rapat OR sosialisasi"))
    if re.search(r"(?<!\w)[*?]", text):
        raise UsageError(_("malformed query {query}: a wildcard needs at least two letters before it").format(
            query=repr(text)), hint=_("example: {example}").format(example="sosialis*"))
    return text
