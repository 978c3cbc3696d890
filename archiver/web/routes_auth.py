"""Login and logout. The login form carries its own CSRF token (a double-submit cookie),
since there is no session yet; failures are throttled per user name and per address."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from .. import i18n
from ..accounts import authenticate, clear_failures, end_session, locked_for, record_failure, start_session
from ..i18n import _
from .auth import (
    LOGIN_CSRF_COOKIE,
    AnyUser,
    archive_of,
    clear_session_cookie,
    cookie_secure,
    current_session,
    safe_next,
    set_session_cookie,
)
from .pages import render

router = APIRouter()


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(request: Request, next_url: str, error: str | None = None, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, status_code=status_code, next_url=next_url, error=error,
                      login_csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                        secure=cookie_secure(request), path="/login")
    return response


@router.get("/login", include_in_schema=False)
async def login_form(request: Request, next: str = "/") -> Response:
    """Public: the login page."""
    if await current_session(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, safe_next(next))


@router.post("/login", include_in_schema=False)
async def login(request: Request, username: Annotated[str, Form(max_length=100)],
                password: Annotated[str, Form(max_length=1000)], csrf_token: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/") -> Response:
    """Public: check the password, start a session, go back to where the user was going."""
    next_url = safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_page(request, next_url, _("The form has expired. Please try again."), 400)
    archive = archive_of(request)
    ip = _client_ip(request)
    wait = await run_in_threadpool(locked_for, archive.catalog, username, ip, archive.clock())
    if wait:
        text = _("Too many failed attempts. Try again in {seconds} seconds.").format(seconds=wait)
        return _login_page(request, next_url, text, 429)
    user = await run_in_threadpool(authenticate, archive.catalog, username, password)
    if user is None:
        await run_in_threadpool(record_failure, archive.catalog, username, ip, archive.clock())
        return _login_page(request, next_url, _("Wrong user name or password."), 401)
    await run_in_threadpool(clear_failures, archive.catalog, username)
    token = await run_in_threadpool(start_session, archive.catalog, user, archive.clock())
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


#: The cookie holding a user's language choice (read by the app's language middleware).
LANG_COOKIE = "archiver_lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600


@router.get("/bahasa", include_in_schema=False)
async def choose_language(request: Request, lang: str = "", next: str = "/") -> Response:
    """Public: remember the reader's language (a cookie for a year), then go back to the page
    (only a local path: never a redirect to another site)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    chosen = i18n.normalize_language(lang)
    if chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=LANG_COOKIE_SECONDS, httponly=True, samesite="lax",
                            secure=cookie_secure(request), path="/")
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, session: AnyUser) -> Response:
    await run_in_threadpool(end_session, archive_of(request).catalog, session.token_hash)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response

