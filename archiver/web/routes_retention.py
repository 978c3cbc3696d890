"""Retention and legal hold (``archiver.retention``): /retensi (admins: what is due when, proposals,
approval by a second admin) and /penahanan (auditors and admins: set, list and release legal holds).

Every action is the logged-in account's: the proposer and the approver of a disposition are two
different admin accounts (``retention.approve`` refuses the proposer with 403).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from .. import retention
from ..errors import UsageError
from ..i18n import _
from ..periode import ALL as PERIODES
from .auth import Admin, Reader, archive_of
from .pages import render

router = APIRouter(include_in_schema=False)

_Text = Annotated[str, Form(max_length=retention.MAX_TEXT)]
_Short = Annotated[str, Form(max_length=100)]


def _notice(code: str) -> str:
    """The message a redirect asks for (``?pesan=``): fixed texts only, never the query's words."""
    return {"diusulkan": _("Disposition proposed. Another admin must approve it."),
            "disetujui": _("Disposition approved and executed."),
            "dibatalkan": _("Disposition cancelled. Nothing was removed."),
            "ditahan": _("Legal hold set."), "dilepas": _("Legal hold released.")}.get(code, "")


def _retention_page(archive: Any) -> dict[str, Any]:
    return {"status": retention.status(archive), "dispositions": retention.dispositions(archive),
            "state_label": retention.state_label}


@router.get("/retensi")
async def retention_page(request: Request, session: Admin) -> Response:
    """Admin: what is due when, what keeps due evidence, the dispositions and the proposal form."""
    archive = archive_of(request)
    page = await run_in_threadpool(_retention_page, archive)
    return render(request, "retention.html", session, message=_notice(request.query_params.get("pesan", "")),
                  error=None, **page)


@router.post("/retensi/usul")
async def retention_propose(request: Request, session: Admin, note: _Text = "") -> Response:
    """Admin A proposes disposing of every file eligible now."""
    archive = archive_of(request)
    try:
        d = await run_in_threadpool(retention.propose, archive, session.user, note=note, via="web")
    except UsageError as exc:
        page = await run_in_threadpool(_retention_page, archive)
        return render(request, "retention.html", session, status_code=400, message="", error=exc, **page)
    return RedirectResponse(f"/retensi/{d['id']}?pesan=diusulkan", status_code=303)


@router.get("/retensi/{disposition_id}")
async def disposition_page(request: Request, disposition_id: int, session: Admin) -> Response:
    """Admin: one disposition, its rule and every file (SHA-256, size, due date, outcome)."""
    archive = archive_of(request)
    d = await run_in_threadpool(retention.show, archive, disposition_id)
    return render(request, "retention_detail.html", session, d=d, state_label=retention.state_label,
                  message=_notice(request.query_params.get("pesan", "")), error=None)


@router.post("/retensi/{disposition_id}/setujui")
async def disposition_approve(request: Request, disposition_id: int, session: Admin) -> Response:
    """Admin B (not the proposer) approves: the disposition is executed at once."""
    archive = archive_of(request)
    try:
        await run_in_threadpool(retention.approve, archive, disposition_id, session.user, via="web")
    except UsageError as exc:
        d = await run_in_threadpool(retention.show, archive, disposition_id)
        return render(request, "retention_detail.html", session, status_code=400, d=d,
                      state_label=retention.state_label, message="", error=exc)
    return RedirectResponse(f"/retensi/{disposition_id}?pesan=disetujui", status_code=303)


@router.post("/retensi/{disposition_id}/batalkan")
async def disposition_cancel(request: Request, disposition_id: int, session: Admin, note: _Text = "") -> Response:
    """Any admin withdraws a proposal before it is approved, with the reason."""
    archive = archive_of(request)
    try:
        await run_in_threadpool(retention.cancel, archive, disposition_id, session.user, note=note, via="web")
    except UsageError as exc:
        d = await run_in_threadpool(retention.show, archive, disposition_id)
        return render(request, "retention_detail.html", session, status_code=400, d=d,
                      state_label=retention.state_label, message="", error=exc)
    return RedirectResponse(f"/retensi/{disposition_id}?pesan=dibatalkan", status_code=303)


def _holds_page(archive: Any) -> dict[str, Any]:
    return {"holds": retention.holds(archive), "scope_of": retention.hold_scope, "periodes": PERIODES}


_EMPTY = dict.fromkeys(("nip", "unit", "tahun", "periode", "reason", "reference"), "")


@router.get("/penahanan")
async def holds_page(request: Request, session: Reader) -> Response:
    """Auditor/admin: the legal holds (active first) and the form that sets one."""
    archive = archive_of(request)
    page = await run_in_threadpool(_holds_page, archive)
    return render(request, "holds.html", session, message=_notice(request.query_params.get("pesan", "")),
                  error=None, form=_EMPTY, **page)


@router.post("/penahanan")
async def hold_set(request: Request, session: Reader, nip: _Short = "", unit: _Short = "", tahun: _Short = "",
                   periode: _Short = "", reason: _Text = "", reference: _Text = "") -> Response:
    archive = archive_of(request)
    form = {"nip": nip, "unit": unit, "tahun": tahun, "periode": periode, "reason": reason, "reference": reference}
    try:
        year = int(tahun) if tahun.strip() else None
    except ValueError:
        year = None
    try:
        if tahun.strip() and year is None:
            raise UsageError(_("tahun {tahun} is not a year").format(tahun=tahun))
        await run_in_threadpool(lambda: retention.set_hold(
            archive, nip=nip, unit=unit, tahun=year, periode=periode, reason=reason, reference=reference,
            actor=session.user.actor))
    except UsageError as exc:
        page = await run_in_threadpool(_holds_page, archive)
        return render(request, "holds.html", session, status_code=400, message="", error=exc, form=form, **page)
    return RedirectResponse("/penahanan?pesan=ditahan", status_code=303)


@router.post("/penahanan/{hold_id}/lepas")
async def hold_release(request: Request, hold_id: int, session: Reader, note: _Text = "") -> Response:
    archive = archive_of(request)
    try:
        await run_in_threadpool(lambda: retention.release_hold(archive, hold_id, note=note,
                                                               actor=session.user.actor))
    except UsageError as exc:
        page = await run_in_threadpool(_holds_page, archive)
        return render(request, "holds.html", session, status_code=400, message="", error=exc, form=_EMPTY, **page)
    return RedirectResponse("/penahanan?pesan=dilepas", status_code=303)
