"""Evidence pages: the list of what the user may see, one item by its hash (the permalink
``/e/<sha256>`` that staff paste into e-Kinerja BKN), its preview, download and re-hash."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ..evidence import Filters, normalize_rhk
from ..nip import normalize_nip
from ..periode import ALL as PERIODES
from ..periode import normalize_periode
from ..signing.check import stored_check
from ..signing.model import STATE_LABELS
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

router = APIRouter(include_in_schema=False)
PAGE = 50


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


@router.get("/bukti")
async def evidence_list(request: Request, session: AnyUser, nip: str | None = None, tahun: str | None = None,
                        periode: str | None = None, rhk: str | None = None,
                        jenis: Annotated[str | None, Query(max_length=20)] = None, dari: str | None = None,
                        sampai: str | None = None, ttd: Annotated[str | None, Query(max_length=20)] = None,
                        hal: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    archive = archive_of(request)
    filters = parse_filters(nip, tahun, periode, rhk, jenis, dari, sampai, signature=parse_signature(ttd, "ttd"))
    rows, total = await run_in_threadpool(list_submissions, archive, scope_of(request, session), filters,
                                          limit=PAGE, offset=(hal - 1) * PAGE)
    form = {"nip": nip or "", "tahun": tahun or "", "periode": periode or "", "rhk": rhk or "",
            "jenis": jenis or "", "dari": dari or "", "sampai": sampai or "", "ttd": filters.signature or ""}
    return render(request, "evidence_list.html", session, rows=rows, total=total, page=hal, page_size=PAGE,
                  form=form, periodes=PERIODES, signature_options=SIGNATURE_FILTER,
                  query_for=lambda p: urlencode({**form, "hal": p}))


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
    return render(request, "evidence.html", session, item=item, preview_text=text, has_image=has_image,
                  permalink=permalink, integrity=last_integrity(item), signature=signature,
                  signature_labels=STATE_LABELS)


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
