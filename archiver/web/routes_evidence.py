"""Evidence pages: the list of what the user may see, one item by its hash (the permalink
``/e/<sha256>`` that staff paste into e-Kinerja BKN), its preview, download and re-hash."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ..accounts import Scope
from ..archive import Archive
from ..catalog.choices import list_stored_sorted as list_sorted_q
from ..errors import UsageError
from ..evidence import Filters, normalize_rhk
from ..nip import normalize_nip
from ..periode import ALL as PERIODES
from ..periode import normalize_periode
from ..review import FILTER_STATES as REVIEW_FILTER
from ..review import check_state, states
from ..signing.check import stored_check
from ..signing.model import STATE_LABELS
from . import choices
from .auth import AnyUser, archive_of, scope_of
from .downloads import download_response
from .evidence import (
    SIGNATURE_FILTER,
    check_integrity,
    get_evidence,
    has_preview_image,
    last_integrity,
    list_submissions,
    parse_signature,
    pick_submission,
    preview_image,
    preview_text,
    record_access,
)
from .pages import render
from .routes_review import review_context

router = APIRouter(include_in_schema=False)
PAGE = 50


def list_sorted(archive: Archive, scope: Scope, filters: Filters, *, sort: str, descending: bool, limit: int,
                offset: int) -> tuple[list[dict[str, Any]], int]:
    """The evidence list ordered by a column of ``choices.SORTS``."""
    return list_sorted_q(archive.catalog, scope, filters, sort=sort, descending=descending, limit=limit,
                         offset=offset)


@router.get("/")
async def home(request: Request, session: AnyUser) -> Response:
    target = "/cari" if request.app.state.features["search"] else "/bukti"
    return RedirectResponse(target, status_code=303)


def parse_filters(nip: str | None, tahun: str | None, periode: str | None, rhk: str | None, type_: str | None,
                  dari: str | None, sampai: str | None, status: str | None = None,
                  signature: str | None = None) -> Filters:
    """Form fields (all optional strings; empty = no filter) to Filters; odd values are ignored
    (a periode that is not one selects any periode; the NIP and RHK are normalised as the CLI does).
    ``signature`` is already checked (``parse_signature``): a wrong state is an error, not ignored."""
    def date(v: str | None) -> dt.date | None:
        try:
            return dt.date.fromisoformat(v) if v else None
        except ValueError:
            return None

    return Filters(nip=normalize_nip(nip) or None if nip else None,
                   tahun=int(tahun) if tahun and tahun.strip().isdigit() else None,
                   periode=normalize_periode(periode) if periode else None,
                   rhk=normalize_rhk(rhk) or None if rhk else None, type=(type_ or "").strip() or None,
                   status=status or None, date_from=date(dari), date_to=date(sampai), signature=signature or None)


def checked_form(archive: Archive, scope: Scope, form: dict[str, str], *, units: bool = False
                 ) -> tuple[dict[str, str], choices.Choices]:
    """The filter form's values checked against what its pickers offer (UsageError naming the field),
    canonical (NIP digits, codes, type lower-case), and the pickers to show with them."""
    out = dict(form)
    out["nip"] = choices.check_nip(form.get("nip"))
    tahun = choices.check_tahun(form.get("tahun"))
    out["jenis"] = choices.check_type(form.get("jenis"))
    picked = choices.pickers(archive, scope, nip=out["nip"] or None, tahun=tahun, units=units)
    out["rhk"] = choices.check_code(form.get("rhk"), picked.rhk, "rhk")
    if "iki" in form:
        out["iki"] = choices.check_code(form.get("iki"), picked.iki, "iki")
    if units:
        out["unit"] = choices.check_unit(form.get("unit"), picked.units) if picked.units else \
            (form.get("unit") or "").strip()
    if scope is None and out["nip"] and not any(n == out["nip"] for n, _label in picked.pegawai):
        picked.pegawai.append((out["nip"], out["nip"]))  # keep what was asked for selected (never outside a scope)
    return out, picked


def sort_links(form: dict[str, str], sort: str, direction: str) -> dict[str, str]:
    """column -> the query of its header link: ascending first, the other way when already sorted by it."""
    keep = {k: v for k, v in form.items() if v}
    return {col: urlencode({**keep, "sort": col, "dir": "desc" if sort == col and direction == "asc" else "asc"})
            for col in choices.SORTS}


def _list_page(archive: Archive, scope: Scope, form: dict[str, str], sort: str, direction: str,
               page: int) -> dict[str, Any]:
    form, picked = checked_form(archive, scope, form)
    filters = parse_filters(form["nip"], form["tahun"], form["periode"], form["rhk"], form["jenis"], form["dari"],
                            form["sampai"], signature=form["ttd"] or None)
    filters = dataclasses.replace(filters, iki=form["iki"] or None, review=form["tinjauan"] or None)
    if sort:
        rows, total = list_sorted(archive, scope, filters, sort=sort, descending=direction == "desc",
                                  limit=PAGE, offset=(page - 1) * PAGE)
    else:
        rows, total = list_submissions(archive, scope, filters, limit=PAGE, offset=(page - 1) * PAGE)
    judged = states(archive, [r["id"] for r in rows])
    rows = [r | {"review": judged[r["id"]]} for r in rows]
    return {"rows": rows, "total": total, "form": form, "pickers": picked,
            "names": choices.names_for(archive, (r["nip"] for r in rows))}


@router.get("/bukti")
async def evidence_list(request: Request, session: AnyUser, nip: str | None = None, tahun: str | None = None,
                        periode: str | None = None, rhk: str | None = None,
                        iki: Annotated[str | None, Query(max_length=100)] = None,
                        jenis: Annotated[str | None, Query(max_length=20)] = None, dari: str | None = None,
                        sampai: str | None = None, ttd: Annotated[str | None, Query(max_length=20)] = None,
                        tinjauan: Annotated[str | None, Query(max_length=20)] = None,
                        sort: Annotated[str | None, Query(max_length=20)] = None,
                        dir: Annotated[str | None, Query(max_length=10)] = None,
                        hal: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    archive = archive_of(request)
    scope = scope_of(request, session)
    form = {"nip": nip or "", "tahun": tahun or "", "periode": periode or "", "rhk": rhk or "", "iki": iki or "",
            "jenis": jenis or "", "dari": dari or "", "sampai": sampai or "",
            "ttd": parse_signature(ttd, "ttd") or "", "tinjauan": check_state(tinjauan, option="tinjauan") or ""}
    order, direction = choices.check_sort(sort, dir)
    try:
        found = await run_in_threadpool(_list_page, archive, scope, form, order, direction, hal)
    except UsageError as exc:  # a value no picker offers: say which field, with the form to fix it
        picked = await run_in_threadpool(choices.pickers, archive, scope)
        return render(request, "evidence_list.html", session, status_code=exc.http_status, error=exc, rows=[],
                      total=0, page=1, page_size=PAGE, form=form, pickers=picked, names={}, periodes=PERIODES,
                      signature_options=SIGNATURE_FILTER, review_options=REVIEW_FILTER, sort="", direction="",
                      sort_query={},
                      query_for=lambda p: "")
    form = found.pop("form")
    order_keys = {"sort": order, "dir": direction} if order else {}
    return render(request, "evidence_list.html", session, page=hal, page_size=PAGE, form=form, error=None,
                  periodes=PERIODES, signature_options=SIGNATURE_FILTER, review_options=REVIEW_FILTER, sort=order,
                  direction=direction,
                  sort_query=sort_links(form, order, direction),
                  query_for=lambda p: urlencode({**form, **order_keys, "hal": p}), **found)


@router.get("/e/{sha256}")
async def evidence_detail(request: Request, sha256: str, session: AnyUser) -> Response:
    archive = archive_of(request)
    item = await run_in_threadpool(get_evidence, archive, sha256, scope_of(request, session))
    await run_in_threadpool(record_access, archive, session.user, "viewed", item)
    has_image = await run_in_threadpool(has_preview_image, archive, item)
    text = None if item.is_image else await run_in_threadpool(preview_text, archive, item)
    base = request.app.state.settings.public_url or str(request.base_url)
    permalink = base.rstrip("/") + f"/e/{item.sha256}"
    signature = await run_in_threadpool(stored_check, archive, item.sha256)
    reviews = await run_in_threadpool(review_context, archive, session.user, scope_of(request, session), item)
    return render(request, "evidence.html", session, item=item, preview_text=text, has_image=has_image,
                  permalink=permalink, integrity=last_integrity(item), signature=signature,
                  signature_labels=STATE_LABELS, judged=request.query_params.get("dinilai", ""), **reviews)


@router.get("/e/{sha256}/unduh")
async def evidence_download(request: Request, sha256: str, session: AnyUser, s: int | None = None) -> Response:
    archive = archive_of(request)
    item = await run_in_threadpool(get_evidence, archive, sha256, scope_of(request, session), with_events=False)
    submission = pick_submission(item, s)
    await run_in_threadpool(record_access, archive, session.user, "downloaded", item,
                            submission_id=submission["id"], detail={"name": submission["name"]})
    return download_response(archive, item, submission, actor=session.user.actor)


@router.get("/e/{sha256}/pratinjau")
async def evidence_preview(request: Request, sha256: str, session: AnyUser) -> Response:
    archive = archive_of(request)
    item = await run_in_threadpool(get_evidence, archive, sha256, scope_of(request, session), with_events=False)
    data, media_type = await run_in_threadpool(preview_image, archive, item)
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, max-age=3600"})


@router.post("/e/{sha256}/periksa")
async def evidence_check(request: Request, sha256: str, session: AnyUser) -> Response:
    archive = archive_of(request)
    item = await run_in_threadpool(get_evidence, archive, sha256, scope_of(request, session), with_events=False)
    await run_in_threadpool(check_integrity, archive, session.user, item)
    return RedirectResponse(f"/e/{item.sha256}#integritas", status_code=303)
