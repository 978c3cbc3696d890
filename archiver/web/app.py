"""The web app factory: ``create_app(config)`` builds FastAPI over the archive library.

    app = create_app(load_config("watch_config.toml"))
    uvicorn.run(app, host="127.0.0.1", port=8000)

Pages are server-rendered (Jinja2, autoescaped); ``/api/...`` is JSON, described at
``/openapi.json``. Every response carries a strict Content-Security-Policy (no scripts at
all), ``X-Content-Type-Options: nosniff`` and ``frame-ancestors 'none'``. Library errors
become one HTML page or one JSON shape ``{"error", "hint", "details"}``.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from .. import i18n
from ..archive import Archive, Clock, utc_now
from ..config import Config, load_config
from ..errors import ArchiverError
from ..i18n import N_, _
from . import (
    routes_admin,
    routes_api,
    routes_auth,
    routes_evidence,
    routes_findings,
    routes_flags,
    routes_ops,
    routes_retention,
    routes_review,
    routes_share,
    routes_upload,
)
from .auth import AnyUser, LoginRequired, WebSettings, current_session, login_redirect
from .pages import STATIC, make_templates, render
from .texts import web_hint, web_text

log = logging.getLogger(__name__)

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def installed_features() -> dict[str, bool]:
    """Which optional library modules this build has (their pages appear only then)."""
    def has(name: str) -> bool:
        try:
            return importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            return False

    def page(library: str, routes: str) -> bool:
        return has(library) and has(f"archiver.web.{routes}")

    return {"search": page("archiver.search", "routes_search"),
            "coverage": page("archiver.skp.coverage", "routes_coverage"),
            "documents": page("archiver.documents.generate", "routes_documents"),
            "import": page("archiver.evaluation.importer", "routes_import"), "skp": has("archiver.skp")}


#: Environment variables through which `archiver serve --workers N` hands each worker process its settings.
ENV_CONFIG = "ARCHIVER_CONFIG"
ENV_COOKIE_SECURE = "ARCHIVER_WEB_COOKIE_SECURE"
ENV_PUBLIC_URL = "ARCHIVER_WEB_PUBLIC_URL"


def app_from_environment() -> FastAPI:
    """The app for one of several worker processes (uvicorn's ``factory``): the configuration
    file and the web settings come from the environment `archiver serve --workers` set."""
    settings = WebSettings(cookie_secure=os.environ.get(ENV_COOKIE_SECURE, "auto"),
                           public_url=os.environ.get(ENV_PUBLIC_URL, ""))
    return create_app(load_config(os.environ[ENV_CONFIG]), settings=settings)


def create_app(config: Config, *, settings: WebSettings | None = None, clock: Clock = utc_now,
               archive: Archive | None = None, skp_source: Callable[[Archive], Any] | None = None) -> FastAPI:
    """The app over ``config``'s archive. ``skp_source(archive)`` supplies SKP data to document
    generation (default: the SKP model's tables through ``documents.skpdata.catalog_source``)."""
    settings = settings or WebSettings()
    app = FastAPI(
        title="archiver", summary="Arsip bukti dukung kinerja ASN (SKP): API baca",
        version="1", docs_url=None, redoc_url=None, openapi_url=None)  # served below, behind a login
    app.state.archive = archive or Archive.open(config, clock=clock, actor="web")
    app.state.settings = settings
    app.state.templates = make_templates(config.archive.timezone)
    app.state.features = installed_features()
    app.state.skp_source = skp_source
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_headers(app)
    _add_language(app, config.archive.language)
    _add_error_handlers(app)
    _add_routes(app)
    _add_api_description(app, docs=settings.api_docs)
    routes_ops.install(app)  # /healthz, /metrics, and the middleware timing searches and counting failed logins
    return app


def _add_routes(app: FastAPI) -> None:
    for module in (routes_auth, routes_evidence, routes_admin, routes_upload, routes_api, routes_share,
                   routes_review, routes_findings, routes_retention, routes_flags):
        app.include_router(module.router)
    for feature, name in (("search", "routes_search"), ("coverage", "routes_coverage"),
                          ("documents", "routes_documents"), ("import", "routes_import")):
        if app.state.features[feature]:
            app.include_router(importlib.import_module(f"archiver.web.{name}").router)


def _add_api_description(app: FastAPI, *, docs: bool) -> None:
    """``/openapi.json`` (and ``/docs`` when ``api_docs``) describe the API to logged-in users only."""
    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(_: AnyUser) -> JSONResponse:
        return JSONResponse(app.openapi())

    if docs:
        @app.get("/docs", include_in_schema=False)
        async def api_docs(_: AnyUser) -> Response:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="archiver API")


def _add_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


#: The cookie holding a user's language choice (set by /bahasa).
LANG_COOKIE = routes_auth.LANG_COOKIE


def request_language(request: Request, default: str) -> str:
    """The user's choice (cookie), else the browser's Accept-Language, else the configuration."""
    return (i18n.normalize_language(request.cookies.get(LANG_COOKIE))
            or i18n.negotiate(request.headers.get("accept-language"), default))


def _add_language(app: FastAPI, default: str) -> None:
    @app.middleware("http")
    async def language(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        chosen = request_language(request, default)
        with i18n.use_language(chosen):
            response = await call_next(request)
        response.headers.setdefault("Content-Language", chosen)
        vary = response.headers.get("Vary")
        response.headers["Vary"] = f"{vary}, Accept-Language, Cookie" if vary else "Accept-Language, Cookie"
        return response


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _error(request: Request, status: int, message: str, hint: str | None = None,
           details: list[str] | None = None) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message, "hint": hint, "details": details or []}, status_code=status)
    session = getattr(request.state, "session", None)
    return render(request, "error.html", session, status_code=status, status=status, message=message,
                  hint=hint, details=details or [])


_HTTP_TEXT = {404: N_("page not found"), 405: N_("method not allowed"), 401: N_("please sign in first"),
              403: N_("access denied")}


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"error": _("please sign in first"), "hint": None, "details": []},
                                status_code=401)
        return RedirectResponse(login_redirect(request), status_code=303)

    @app.exception_handler(ArchiverError)
    async def archiver_error(request: Request, exc: ArchiverError) -> Response:
        if exc.http_status >= 500:
            log.error("request %s failed: %s", request.url.path, exc)
        return _error(request, exc.http_status, web_text(exc.message), web_hint(exc.hint),
                      [web_text(d) for d in exc.details or []])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        await _maybe_session(request)
        text = exc.detail if isinstance(exc.detail, str) and exc.status_code not in _HTTP_TEXT \
            else _(_HTTP_TEXT[exc.status_code]) if exc.status_code in _HTTP_TEXT else str(exc.detail)
        return _error(request, exc.status_code, text)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("request %s failed", request.url.path, exc_info=exc)
        response = _error(request, 500, _("something went wrong on the server; try again or contact the admin"))
        response.headers.update(SECURITY_HEADERS)  # this handler runs outside the header middleware
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        details = [_validation_detail(e) for e in exc.errors()]
        return _error(request, 422 if _is_api(request) else 400, _("invalid input"), details=details)


#: Pydantic's error types, as the reader reads them (other types keep Pydantic's English text).
_VALIDATION_TEXT = {
    "missing": N_("required"), "string_too_long": N_("too long"), "string_too_short": N_("too short"),
    "int_parsing": N_("must be a whole number"), "int_type": N_("must be a whole number"),
    "greater_than_equal": N_("too small"), "less_than_equal": N_("too large"), "greater_than": N_("too small"),
    "less_than": N_("too large"), "too_long": N_("too many values"), "bool_parsing": N_("must be yes or no"),
}


def _validation_detail(error: Any) -> str:
    """One field's problem: "field: what is wrong", in the reader's language where it is known."""
    field = ".".join(str(x) for x in error["loc"][1:]) or str(error["loc"][0])
    text = _VALIDATION_TEXT.get(error.get("type", ""))
    return f"{field}: {_(text) if text else error['msg']}"


async def _maybe_session(request: Request) -> Any:
    try:
        return await current_session(request)
    except Exception:  # noqa: BLE001 - an error page must render even when the catalog cannot answer
        return None
