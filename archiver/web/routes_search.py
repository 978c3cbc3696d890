"""Search: the page ``/cari`` and ``/api/search``, over ``archiver.search`` (the same service
the CLI uses). The user's scope is applied as a NIP filter in the index query and checked
again on every hit, so a result outside the scope can never be shown."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from markupsafe import Markup, escape
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..accounts import Scope, Session, may_see
from ..errors import ArchiverError
from ..evidence import Filters
from ..periode import ALL as PERIODES
from ..review import FILTER_STATES as REVIEW_FILTER
from ..review import check_state
from ..review import states as review_states
from ..search import search
from . import choices
from .auth import AnyUser, archive_of, scope_of
from .evidence import SIGNATURE_FILTER, parse_signature
from .pages import render
from .routes_api import ERRORS, REVIEW_HELP, SIGNATURE_HELP
from .routes_evidence import checked_form, sort_links

router = APIRouter()
LIMIT = 50
#: The columns the results may be ordered by instead of relevance.
SORTS = ("name", "nip", "received")


class SearchHitOut(BaseModel):
    sha256: str
    submission_id: int
    name: str
    path: str
    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    type: str | None = None
    status: str
    received_at: str
    score: float
    snippet: str
    permalink: str
    review: str | None = None


class SearchOut(BaseModel):
    query: str
    total: int | None = None
    results: list[SearchHitOut]


def _date(v: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(v) if v else None
    except ValueError:
        return None


def scoped_search(request: Request, session: Session, q: str, form: dict[str, str],
                  limit: int = LIMIT) -> tuple[list[dict[str, Any]], int | None]:
    """Run archiver.search with the user's filters narrowed to their scope."""
    scope: Scope = scope_of(request, session)
    nip = form.get("nip", "").strip() or None
    if scope is not None:
        nips = scope.nips
        if not nips or (nip is not None and nip not in nips):
            return [], 0
        if nip is None and len(nips) == 1:
            nip = next(iter(nips))
    tahun = form.get("tahun", "").strip()
    filters = Filters(nip=nip, tahun=int(tahun) if tahun.isdigit() else None,
                      periode=form.get("periode") or None, rhk=(form.get("rhk") or "").strip().upper() or None,
                      type=(form.get("jenis") or "").strip() or None, unit=(form.get("unit") or "").strip() or None,
                      date_from=_date(form.get("dari")), date_to=_date(form.get("sampai")),
                      signature=form.get("ttd") or None, review=form.get("tinjauan") or None)
    if scope is not None and nip is None:  # only the NIPs in scope, selected by the index itself
        filters = dataclasses.replace(filters, within_nips=scope.nips)
    if scope is None or (nip is not None and nip == scope.own):
        res = search(archive_of(request), q, filters, limit=limit)
        return [r for r in res.results if r["sha256"]], res.total
    # An atasan sees a subordinate for some years only: ask for more until enough remain.
    want = limit * 2
    while True:
        res = search(archive_of(request), q, filters, limit=want)
        hits = [r for r in res.results if may_see(scope, r["nip"], r["tahun"]) and r["sha256"]]
        if len(hits) >= limit or len(res.results) < want or want >= limit * 64:
            dropped = len(res.results) != len(hits)
            return hits[:limit], (None if dropped else res.total)
        want *= 4


def marked(snippet: str) -> Markup:
    """The search service's snippet (HTML-escaped text with <b> marks) rebuilt for the page:
    every piece is unescaped to plain text and escaped again here, and the marks become
    <mark>. Whatever the snippet holds, only our own tags reach the page."""
    out = Markup()
    for part in re.split(r"(<b>.*?</b>)", snippet, flags=re.DOTALL):
        if part.startswith("<b>") and part.endswith("</b>"):
            out += Markup("<mark>") + escape(html.unescape(part[3:-4])) + Markup("</mark>")
        else:
            out += escape(html.unescape(part))
    return out


def _sorted(hits: list[dict[str, Any]], sort: str, direction: str) -> list[dict[str, Any]]:
    """The hits of this page in a column's order (the default is by relevance)."""
    if not sort:
        return hits
    key = {"name": lambda h: (h["name"] or "").casefold(), "nip": lambda h: h["nip"] or "",
           "received": lambda h: h["received_at"] or ""}[sort]
    return sorted(hits, key=key, reverse=direction == "desc")


def _search_page(request: Request, session: Session, q: str, form: dict[str, str]
                 ) -> tuple[dict[str, str], choices.Choices, list[dict[str, Any]], int | None,
                            ArchiverError | None, dict[str, str], int]:
    """(form, pickers, hits, total, error, names, status): a value no picker offers is a 400 naming
    the field; a query the search cannot read is explained on the page (200)."""
    archive = archive_of(request)
    scope = scope_of(request, session)
    try:
        form, picked = checked_form(archive, scope, form, units=True)
    except ArchiverError as exc:
        return form, choices.pickers(archive, scope, units=True), [], None, exc, {}, exc.http_status
    hits: list[dict[str, Any]] = []
    total: int | None = None
    error: ArchiverError | None = None
    if q.strip() or any(v.strip() for v in form.values()):
        try:
            hits, total = scoped_search(request, session, q, form)
        except ArchiverError as exc:
            error = exc
    return form, picked, hits, total, error, choices.names_for(archive, (h["nip"] for h in hits)), 200


@router.get("/cari", include_in_schema=False)
async def search_page(request: Request, session: AnyUser, q: Annotated[str, Query(max_length=500)] = "",
                      nip: str = "", tahun: str = "", periode: str = "", rhk: str = "", jenis: str = "",
                      unit: str = "", dari: str = "", sampai: str = "",
                      ttd: Annotated[str, Query(max_length=20)] = "",
                      tinjauan: Annotated[str, Query(max_length=20)] = "",
                      sort: Annotated[str, Query(max_length=20)] = "",
                      dir: Annotated[str, Query(max_length=10)] = "") -> Response:
    form = {"nip": nip, "tahun": tahun, "periode": periode, "rhk": rhk, "jenis": jenis, "unit": unit,
            "dari": dari, "sampai": sampai, "ttd": parse_signature(ttd, "ttd") or "",
            "tinjauan": check_state(tinjauan, option="tinjauan") or ""}
    order, direction = choices.check_sort(sort, dir, SORTS)
    searched = bool(q.strip() or any(v.strip() for v in form.values()))
    form, picked, hits, total, error, names, status = await run_in_threadpool(_search_page, request, session, q, form)
    hits = _sorted(hits, order, direction)
    for h in hits:
        h["snippet_html"] = marked(h["snippet"] or "")
    keep = {"q": q, **form} if q else form
    return render(request, "search.html", session, status_code=status, q=q, form=form,
                  hits=hits, total=total, error=error, searched=searched, periodes=PERIODES,
                  signature_options=SIGNATURE_FILTER, review_options=REVIEW_FILTER, pickers=picked,
                  names=names, sort=order,
                  direction=direction, sort_query=sort_links(keep, order, direction),
                  relevance_query=urlencode({k: v for k, v in keep.items() if v}))


@router.get("/api/search", response_model=SearchOut, tags=["api"], responses=ERRORS,
            summary="Full-text search over the evidence the user may see")
async def search_api(request: Request, session: AnyUser, q: Annotated[str, Query(max_length=500)] = "",
                     nip: str = "", tahun: str = "", periode: str = "", rhk: str = "",
                     type: Annotated[str, Query(max_length=20)] = "", unit: str = "", date_from: str = "",
                     date_to: str = "",
                     signature: Annotated[str, Query(max_length=20, description=SIGNATURE_HELP)] = "",
                     review: Annotated[str, Query(max_length=20, description=REVIEW_HELP)] = "",
                     limit: Annotated[int, Query(ge=1, le=200)] = 20) -> SearchOut:
    form = {"nip": nip, "tahun": tahun, "periode": periode, "rhk": rhk, "jenis": type, "unit": unit,
            "dari": date_from, "sampai": date_to, "ttd": parse_signature(signature, "signature") or "",
            "tinjauan": check_state(review, option="review") or ""}
    hits, total = await run_in_threadpool(scoped_search, request, session, q, form, limit)
    judged = await run_in_threadpool(review_states, archive_of(request), [h["submission_id"] for h in hits])
    return SearchOut(query=q, total=total, results=[SearchHitOut(
        sha256=h["sha256"], submission_id=h["submission_id"], name=h["name"], path=h["path"], nip=h["nip"],
        tahun=h["tahun"], periode=h["periode"], rhk=h["rhk"], type=h["type"], status=h["status"],
        received_at=h["received_at"], score=h["score"], snippet=h["snippet"] or "",
        permalink=f"/e/{h['sha256']}", review=judged.get(h["submission_id"])) for h in hits])
