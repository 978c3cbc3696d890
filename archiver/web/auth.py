"""Who is asking, and may they: sessions from the cookie, role checks, CSRF, safe redirects.

Every route declares its roles with a parameter typed ``AnyUser``, ``Reader`` or ``Admin``
(``Annotated[Session, Depends(require(...))]``). The dependency loads the
session from the cookie, refuses other roles, and on every POST checks the session's
CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``). Not logged in: pages
redirect to the login page and back; the JSON API answers 401.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..accounts import ROLES, SESSION_HOURS, Scope, Session, load_session, visible_nips
from ..archive import Archive
from ..errors import PermissionDenied
from ..i18n import _

SESSION_COOKIE = "arsip_sesi"
LOGIN_CSRF_COOKIE = "arsip_csrf_login"
ALL_ROLES = ROLES
READERS = ("auditor", "admin")
ADMIN = ("admin",)


class LoginRequired(Exception):
    """No valid session: pages go to the login page, the API answers 401."""


class CsrfFailed(PermissionDenied):
    pass


@dataclass(frozen=True)
class WebSettings:
    #: "auto": Secure cookies when the request came over https (behind a proxy: run uvicorn
    #: with --proxy-headers); "always" / "never" to force.
    cookie_secure: str = "auto"
    #: Show the interactive API docs (/docs). Off by default: they need scripts the CSP forbids.
    api_docs: bool = False
    #: The address staff use (https://arsip.example.go.id); permalinks are built on it.
    #: Empty: the address of the request.
    public_url: str = ""


def archive_of(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


def cookie_secure(request: Request) -> bool:
    mode = request.app.state.settings.cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


async def current_session(request: Request) -> Session | None:
    if not hasattr(request.state, "session"):
        archive = archive_of(request)
        token = request.cookies.get(SESSION_COOKIE)
        request.state.session = await run_in_threadpool(load_session, archive.catalog, token, archive.clock())
    session: Session | None = request.state.session
    return session


async def check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed(_("the form has expired or is not valid (CSRF token); reload the page and try again"))


RoleDependency = Callable[[Request], Awaitable[Session]]


def require(*roles: str, csrf: bool = True) -> RoleDependency:
    """A dependency that yields the session of a logged-in user with one of ``roles``. ``csrf=False``
    only for a route that checks the token itself (a streamed upload reads its form as it arrives)."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {unknown}")

    async def dependency(request: Request) -> Session:
        session = await current_session(request)
        if session is None:
            raise LoginRequired()
        if session.user.role not in roles:
            raise PermissionDenied(_("your role may not open this page"))
        if csrf and request.method not in ("GET", "HEAD", "OPTIONS"):
            await check_csrf(request, session.csrf)
        return session

    dependency.roles = roles  # type: ignore[attr-defined]  # read by the test that every route has roles
    return dependency


#: Route parameters that declare the roles allowed (and yield the session).
AnyUser = Annotated[Session, Depends(require(*ALL_ROLES))]
Reader = Annotated[Session, Depends(require(*READERS))]
Admin = Annotated[Session, Depends(require(*ADMIN))]


def scope_of(request: Request, session: Session) -> Scope:
    return visible_nips(archive_of(request), session.user)


def safe_next(target: str | None) -> str:
    """Only a local path may be a redirect target after login (no //host, no scheme, no backslash)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(c) < 32 for c in target):
        return "/"
    return target


def login_redirect(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(here, safe="/")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                        secure=cookie_secure(request), path="/")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=cookie_secure(request))
