"""Operations: ``/healthz`` for load balancers and monitoring, ``/metrics`` for Prometheus.

``/healthz`` needs no login and tells only which part fails (no names, no paths); it answers
200 when every part asked for is fine, 503 otherwise. ``?check=catalog&check=store&check=index``
leaves the watcher out (a load balancer in front of the web app alone).

``/metrics`` is for an admin's session or a scraper at one of ``[web] metrics_allow``'s addresses.
``install(app)`` also adds the middleware that times searches and counts failed logins.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from ..accounts import Session
from ..errors import PermissionDenied
from ..health import PARTS, check_health
from ..i18n import _
from ..metrics import CONTENT_TYPE, CatalogMetrics, count_login_failure, exposition, observe_search
from .auth import archive_of, current_session

router = APIRouter()

#: Paths whose answer time is the search latency (the search page and the search API).
SEARCH_PATHS = {"/cari": "page", "/api/search": "api"}


@router.get("/healthz", include_in_schema=False)
async def healthz(request: Request, check: Annotated[list[str] | None, Query(max_length=20)] = None) -> Response:
    """Public: whether the catalog, the blob store, the index and the watcher work."""
    parts = check or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        return JSONResponse({"error": _("unknown parts: {parts}").format(parts=", ".join(unknown[:5])),
                             "hint": _("choose from: {parts}").format(parts=", ".join(PARTS)), "details": []},
                            status_code=400)
    report = await run_in_threadpool(check_health, archive_of(request), parts=parts)
    body = {"status": "ok" if report["ok"] else "gagal", "checks": report["checks"]}
    return JSONResponse(body, status_code=200 if report["ok"] else 503)


def _allowed_address(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    networks = request.app.state.metrics_allow
    return any(address in net for net in networks)


async def metrics_access(request: Request) -> Session | None:
    """A scraper from an allowed address, or an admin's session; anyone else gets 401 (403 for
    a session without the admin role)."""
    if _allowed_address(request):
        return None
    session = await current_session(request)
    if session is None:
        raise StarletteHTTPException(401)
    if session.user.role != "admin":
        raise PermissionDenied(_("your role may not open this page"))
    return session


metrics_access.roles = ("admin",)  # type: ignore[attr-defined]  # read by the test that every route has roles


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, _access: Annotated[Session | None, Depends(metrics_access)]) -> Response:
    """Admin or a configured scrape address: Prometheus metrics."""
    collector: CatalogMetrics = request.app.state.metrics
    body = await run_in_threadpool(exposition, collector)
    return Response(body, media_type=CONTENT_TYPE)


def install(app: FastAPI) -> None:
    """Routes, the metrics collector of this process, and the measuring middleware."""
    archive = app.state.archive
    app.state.metrics = CatalogMetrics(archive)
    app.state.metrics_allow = [ipaddress.ip_network(n, strict=False) for n in archive.config.web.metrics_allow]
    app.include_router(router)

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        endpoint = SEARCH_PATHS.get(request.url.path)
        start = time.perf_counter()
        response = await call_next(request)
        if endpoint is not None and response.status_code < 400:
            observe_search(endpoint, time.perf_counter() - start)
        elif request.url.path == "/login" and request.method == "POST" and response.status_code in (401, 429):
            count_login_failure("password" if response.status_code == 401 else "locked")
        return response
