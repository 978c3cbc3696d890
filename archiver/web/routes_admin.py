"""Admin and auditor pages: files not accepted as linked evidence (with their reasons),
and user management. Auditors read; only admins act."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ..accounts import MIN_PASSWORD, ROLE_HELP, ROLES, add_user, list_users, set_disabled
from ..errors import ArchiverError
from ..fixity import failed_blobs
from ..i18n import N_, _
from ..ingest import release
from ..skp.resolution import relink
from .auth import Admin, Reader, archive_of, scope_of
from .evidence import PROBLEM_STATUSES, problem_files
from .pages import render
from .texts import link_text, status_label, web_text

router = APIRouter(include_in_schema=False)


@router.get("/masalah")
async def problems(request: Request, session: Reader,
                   status: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    archive = archive_of(request)
    status = status if status in PROBLEM_STATUSES else None
    rows = await run_in_threadpool(problem_files, archive, scope_of(request, session), status=status)
    damaged = await run_in_threadpool(failed_blobs, archive, scope_of(request, session))
    return render(request, "problems.html", session, rows=rows, status=status or "", damaged=damaged,
                  can_act=session.user.role == "admin" and request.app.state.features["skp"],
                  message=request.query_params.get("pesan", "")[:300],
                  error=request.query_params.get("galat", "")[:300])


def _back(status: str | None, **msg: str) -> RedirectResponse:
    query = {"status": status} if status in PROBLEM_STATUSES else {}
    return RedirectResponse("/masalah?" + urlencode({**query, **msg}), status_code=303)


@router.post("/masalah/{submission_id}/tautkan")
async def problem_relink(request: Request, submission_id: int, session: Admin,
                         nip: Annotated[str, Form(max_length=40)] = "",
                         tahun: Annotated[str, Form(max_length=4)] = "",
                         periode: Annotated[str, Form(max_length=20)] = "",
                         rhk: Annotated[str, Form(max_length=40)] = "", iki: Annotated[str, Form(max_length=40)] = "",
                         kembali: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Admin: file an unlinked submission under a pegawai's RHK/indicator (custody: relinked)."""
    archive = archive_of(request)
    try:
        out = await run_in_threadpool(lambda: relink(
            archive, submission_id, rhk=rhk.strip() or None, iki=iki.strip() or None, nip=nip.strip() or None,
            tahun=int(tahun) if tahun.strip().isdigit() else None, periode=periode.strip() or None,
            actor=session.user.actor))
    except ArchiverError as exc:
        return _back(kembali, galat=_problem(submission_id, exc))
    return _back(kembali, pesan=_("File {id} linked to {link}.").format(id=submission_id, link=link_text(out["to"])))


@router.post("/masalah/{submission_id}/lepas")
async def problem_release(request: Request, submission_id: int, session: Admin,
                          catatan: Annotated[str, Form(max_length=500)] = "",
                          kembali: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Admin: accept a quarantined file whose bytes are stored as evidence (custody: released)."""
    archive = archive_of(request)
    try:
        r = await run_in_threadpool(lambda: release(archive, submission_id, note=catatan, actor=session.user.actor))
    except ArchiverError as exc:
        return _back(kembali, galat=_problem(submission_id, exc))
    return _back(kembali, pesan=_("File {id} released from quarantine (now {status}).").format(
        id=submission_id, status=status_label(r.status)))


def _problem(submission_id: int, exc: ArchiverError) -> str:
    """A library error about one file, for the notice on /masalah (its CLI hint is not shown)."""
    return _("File {id}: {problem}").format(id=submission_id, problem=web_text(exc.message))


#: The notices /pengguna shows after a change (the redirect names one by its key, never by its text).
_USER_NOTICES = {"ditambahkan": N_("User added."), "dinonaktifkan": N_("User disabled.")}


def _user_notice(key: str) -> str:
    return _(_USER_NOTICES[key]) if key in _USER_NOTICES else ""


@router.get("/pengguna")
async def users_page(request: Request, session: Admin) -> Response:
    users = await run_in_threadpool(list_users, archive_of(request).catalog)
    return render(request, "users.html", session, users=users, roles=ROLES, role_help=ROLE_HELP,
                  min_password=MIN_PASSWORD, message=_user_notice(request.query_params.get("pesan", "")),
                  error=None, form={})


@router.post("/pengguna")
async def users_add(request: Request, session: Admin, name: Annotated[str, Form(max_length=100)],
                    role: Annotated[str, Form(max_length=20)], password: Annotated[str, Form(max_length=1000)],
                    nip: Annotated[str, Form(max_length=40)] = "") -> Response:
    archive = archive_of(request)
    try:
        await run_in_threadpool(lambda: add_user(archive.catalog, name, role, password, nip=nip or None,
                                                 now=archive.now()))
    except ArchiverError as exc:
        users = await run_in_threadpool(list_users, archive.catalog)
        return render(request, "users.html", session, status_code=exc.http_status, users=users, roles=ROLES,
                      role_help=ROLE_HELP, min_password=MIN_PASSWORD, message="", error=exc,
                      form={"name": name, "role": role, "nip": nip})
    return RedirectResponse("/pengguna?pesan=ditambahkan", status_code=303)


@router.post("/pengguna/{name}/nonaktifkan")
async def users_disable(request: Request, name: str, session: Admin) -> Response:
    await run_in_threadpool(set_disabled, archive_of(request).catalog, name, True)
    return RedirectResponse("/pengguna?pesan=dinonaktifkan", status_code=303)
