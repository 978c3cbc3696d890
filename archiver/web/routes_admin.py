"""Admin and auditor pages: files not accepted as linked evidence (with their reasons),
and user management. Auditors read; only admins act."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ..errors import ArchiverError
from .auth import ADMIN, READERS, archive_of, require, scope_of
from .evidence import PROBLEM_STATUSES, problem_files
from .pages import render
from .sessions import Session
from .users import ROLE_HELP, ROLES, add_user, list_users, set_disabled

router = APIRouter(include_in_schema=False)


@router.get("/masalah")
async def problems(request: Request, status: str | None = Query(None, max_length=20),
                   session: Session = Depends(require(*READERS))) -> Response:
    archive = archive_of(request)
    status = status if status in PROBLEM_STATUSES else None
    rows = await run_in_threadpool(problem_files, archive, scope_of(request, session), status=status)
    return render(request, "problems.html", session, rows=rows, status=status or "",
                  can_act=session.user.role == "admin" and request.app.state.features["skp"])


@router.get("/pengguna")
async def users_page(request: Request, session: Session = Depends(require(*ADMIN))) -> Response:
    users = await run_in_threadpool(list_users, archive_of(request).catalog)
    return render(request, "users.html", session, users=users, roles=ROLES, role_help=ROLE_HELP,
                  message=request.query_params.get("pesan", "")[:200], error=None, form={})


@router.post("/pengguna")
async def users_add(request: Request, name: str = Form(..., max_length=100), role: str = Form(..., max_length=20),
                    nip: str = Form("", max_length=40), password: str = Form(..., max_length=1000),
                    session: Session = Depends(require(*ADMIN))) -> Response:
    archive = archive_of(request)
    try:
        await run_in_threadpool(lambda: add_user(archive.catalog, name, role, password, nip=nip or None,
                                                 now=archive.now()))
    except ArchiverError as exc:
        users = await run_in_threadpool(list_users, archive.catalog)
        return render(request, "users.html", session, status_code=exc.http_status, users=users, roles=ROLES,
                      role_help=ROLE_HELP, message="", error=exc, form={"name": name, "role": role, "nip": nip})
    return RedirectResponse("/pengguna?pesan=Pengguna+ditambahkan", status_code=303)


@router.post("/pengguna/{name}/nonaktifkan")
async def users_disable(request: Request, name: str, session: Session = Depends(require(*ADMIN))) -> Response:
    await run_in_threadpool(set_disabled, archive_of(request).catalog, name, True)
    return RedirectResponse("/pengguna?pesan=Pengguna+dinonaktifkan", status_code=303)
