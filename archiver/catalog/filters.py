"""``Filters`` in SQL: the one place where a selection of evidence becomes a WHERE clause.

``archiver list``, the web lists, export and coverage all select submissions through
``apply_filters``, so a triwulan (``TW1`` -> TW1, 01, 02, 03), a scope (``within_nips``)
a date range and a review state mean the same everywhere (the search index follows the same rules in
``archiver.search``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ..evidence import Filters
from .reviews import review_condition
from .schema import skp_pegawai, submissions
from .signatures import signature_condition


def apply_filters(q: sa.Select[Any], f: Filters) -> sa.Select[Any]:
    """``q`` (a select over ``submissions``) restricted to what ``f`` selects."""
    s = submissions.c
    for col, val in ((s.tahun, f.tahun), (s.rhk, f.rhk), (s.iki, f.iki), (s.type, f.type), (s.status, f.status)):
        if val not in (None, ""):
            q = q.where(col == val)
    nips = f.nips()
    if nips is not None:
        q = q.where(s.nip.in_(nips)) if len(nips) != 1 else q.where(s.nip == nips[0])
    periodes = f.periodes()
    if periodes is not None:
        q = q.where(s.periode.in_(periodes))
    if f.unit:
        q = q.where(s.nip.in_(sa.select(skp_pegawai.c.nip).where(skp_pegawai.c.unit == f.unit)))
    if f.date_from:
        q = q.where(s.received_at >= f.date_from.isoformat())
    if f.date_to:
        q = q.where(s.received_at < (f.date_to + dt.timedelta(days=1)).isoformat())
    if f.signature:
        q = q.where(signature_condition(f.signature))
    if f.review:
        q = q.where(review_condition(f.review))
    return q
