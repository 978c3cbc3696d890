"""Share links for external auditors (``archiver.share_links``): the page /bagikan where an
auditor or admin makes, lists and revokes links, and the public pages ``/s/<token>`` that
need no account.

The public pages show no menu, are never indexed (``noindex`` in the page and the
``X-Robots-Tag`` header), send no referrer (the token is in the address), refuse wrong
tokens from an address that tried too many (``share_links.check_throttle``), and serve only
the files of the link's frozen selection, one by one (``/s/<token>/f/<sha256>``) or all in one
BagIt audit package (``/s/<token>/paket.zip``). Each page view and each download is a custody event.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, RedirectResponse, Response

from .. import share_links
from ..accounts import Scope
from ..archive import Archive
from ..errors import ArchiverError, NotFound, UsageError
from ..evidence import Filters
from ..i18n import _
from ..periode import ALL as PERIODES
from ..review import FILTER_STATES as REVIEW_FILTER
from ..review import check_state
from ..store import check_digest
from .auth import Reader, archive_of, scope_of
from .choices import Choices, pickers
from .downloads import download_response
from .evidence import SIGNATURE_FILTER, get_evidence, parse_signature
from .pages import render
from .routes_evidence import checked_form, parse_filters

router = APIRouter(include_in_schema=False)

#: Headers of every public share page and download.
PUBLIC_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer",
                  "Cache-Control": "private, no-store"}
#: The filter fields the create form takes (those of the evidence list, plus the unit).
FIELDS = ("nip", "tahun", "periode", "rhk", "iki", "jenis", "dari", "sampai", "ttd", "tinjauan", "unit")
_Field = Annotated[str, Form(max_length=100)]


def _selection(archive: Archive, scope: Scope, form: dict[str, str]) -> tuple[dict[str, str], Choices, Filters]:
    """(checked form, pickers, Filters) of the create form's fields."""
    checked, picked = checked_form(archive, scope, form, units=True)
    filters = parse_filters(checked["nip"], checked["tahun"], checked["periode"], checked["rhk"], checked["jenis"],
                            checked["dari"], checked["sampai"], signature=checked["ttd"] or None)
    filters = dataclasses.replace(filters, iki=checked["iki"] or None, unit=checked["unit"] or None,
                                  review=checked["tinjauan"] or None)
    return checked, picked, filters


def _page(archive: Archive, scope: Scope, form: dict[str, str]) -> dict[str, Any]:
    """What /bagikan shows: the links, and the create form with its pickers and how many files match."""
    links = share_links.list_links(archive)
    now = archive.clock()
    error: ArchiverError | None = None
    matching: int | None = None
    try:
        checked, picked, filters = _selection(archive, scope, form)
        if any(checked[k] for k in FIELDS):
            try:
                matching = len(share_links.select(archive, filters))
            except UsageError as exc:
                error = exc
    except UsageError as exc:
        error, checked = exc, form
        picked = pickers(archive, scope, units=True)
    return {"links": [(link, link.state(now)) for link in links], "form": checked, "pickers": picked,
            "matching": matching, "error": error, "periodes": PERIODES, "signature_options": SIGNATURE_FILTER,
            "review_options": REVIEW_FILTER,
            "settings": archive.config.share_links, "state_label": share_links.state_label}


def _form(values: dict[str, str | None]) -> dict[str, str]:
    form = {k: (values.get(k) or "").strip() for k in FIELDS}
    form["ttd"] = parse_signature(form["ttd"], "ttd") or ""
    form["tinjauan"] = check_state(form["tinjauan"], option="tinjauan") or ""
    return form


@router.get("/bagikan")
async def share_page(request: Request, session: Reader, nip: str | None = None, tahun: str | None = None,
                     periode: str | None = None, rhk: str | None = None,
                     iki: Annotated[str | None, Query(max_length=100)] = None,
                     jenis: Annotated[str | None, Query(max_length=20)] = None, dari: str | None = None,
                     sampai: str | None = None, ttd: Annotated[str | None, Query(max_length=20)] = None,
                     tinjauan: Annotated[str | None, Query(max_length=20)] = None,
                     unit: Annotated[str | None, Query(max_length=100)] = None,
                     dicabut: int | None = None) -> Response:
    """Auditor/admin: every share link with its state, and the form that makes one (pre-filled with
    the filters of the evidence list when it came from its "share these results" link)."""
    archive = archive_of(request)
    form = _form({"nip": nip, "tahun": tahun, "periode": periode, "rhk": rhk, "iki": iki, "jenis": jenis,
                  "dari": dari, "sampai": sampai, "ttd": ttd, "tinjauan": tinjauan, "unit": unit})
    page = await run_in_threadpool(_page, archive, scope_of(request, session), form)
    message = _("Share link #{id} revoked.").format(id=dicabut) if dicabut else ""
    return render(request, "share_links.html", session, status_code=400 if page["error"] else 200,
                  message=message, created=None, days=archive.config.share_links.default_days, note="", **page)


@router.post("/bagikan")
async def share_create(request: Request, session: Reader, nip: _Field = "", tahun: _Field = "",
                       periode: _Field = "", rhk: _Field = "", iki: _Field = "", jenis: _Field = "",
                       dari: _Field = "", sampai: _Field = "", ttd: _Field = "", tinjauan: _Field = "",
                       unit: _Field = "",
                       hari: Annotated[str, Form(max_length=5)] = "",
                       keterangan: Annotated[str, Form(max_length=share_links.MAX_DESCRIPTION)] = "") -> Response:
    """Make a link to the files matching the form; the page shows its address once."""
    archive = archive_of(request)
    scope = scope_of(request, session)
    form = _form({"nip": nip, "tahun": tahun, "periode": periode, "rhk": rhk, "iki": iki, "jenis": jenis,
                  "dari": dari, "sampai": sampai, "ttd": ttd, "tinjauan": tinjauan, "unit": unit})

    def make() -> tuple[share_links.ShareLink, str]:
        _checked, _picked, filters = _selection(archive, scope, form)
        ids = share_links.select(archive, filters)
        days = int(hari) if hari.strip().isdigit() else None
        if hari.strip() and days is None:
            raise UsageError(_("enter the number of days as a whole number"))
        return share_links.create(archive, submission_ids=ids, description=share_links.describe(
            archive, filters.normalized(), keterangan), expires_at=share_links.expiry(archive, days),
            actor=session.user.actor, criteria=share_links.criteria_of(filters.normalized()))

    created: dict[str, Any] | None = None
    error: ArchiverError | None = None
    try:
        link, token = await run_in_threadpool(make)
        base = request.app.state.settings.public_url or archive.config.web.base_url or str(request.base_url)
        created = {"link": link, "url": base.rstrip("/") + "/s/" + token}
        form = dict.fromkeys(FIELDS, "")
    except UsageError as exc:
        error = exc
    page = await run_in_threadpool(_page, archive, scope, form)
    page["error"] = None if created else (error or page["error"])
    return render(request, "share_links.html", session, status_code=400 if error else 200, message="",
                  created=created, days=hari or archive.config.share_links.default_days,
                  note="" if created else keterangan, **page)


@router.post("/bagikan/{link_id}/cabut")
async def share_revoke(request: Request, link_id: int, session: Reader) -> Response:
    """End a link now (custody: share_revoked)."""
    archive = archive_of(request)
    await run_in_threadpool(lambda: share_links.revoke(archive, link_id, actor=session.user.actor))
    return RedirectResponse(f"/bagikan?dicabut={link_id}", status_code=303)


# --------------------------------------------------------------------------- public pages (no login)

def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _refused(request: Request, exc: ArchiverError) -> Response:
    response = render(request, "share_refused.html", None, status_code=exc.http_status, status=exc.http_status,
                      message=exc.message)
    if isinstance(exc, share_links.TooManyTries):
        response.headers["Retry-After"] = str(exc.wait)
    response.headers.update(PUBLIC_HEADERS)
    return response


def _open(archive: Archive, token: str, client: str) -> share_links.ShareLink:
    """The link, after the address's throttle; a wrong token counts against the address."""
    share_links.check_throttle(archive, client)
    try:
        return share_links.resolve(archive, token)
    except share_links.LinkGone:
        raise
    except NotFound:
        share_links.record_wrong_token(archive, client)
        raise


_Token = Annotated[str, PathParam(max_length=200)]


@router.get("/s/{token}")
async def share_public(request: Request, token: _Token) -> Response:
    """The shared files: name, pegawai, periode, RHK, size, SHA-256, received; one download each."""
    archive = archive_of(request)
    client = _client(request)

    def load() -> tuple[share_links.ShareLink, list[dict[str, Any]]]:
        link = _open(archive, token, client)
        found = share_links.items(archive, link)
        share_links.record_access(archive, link, client=client, what="page")
        return link, found

    try:
        link, found = await run_in_threadpool(load)
    except (NotFound, share_links.TooManyTries) as exc:
        return _refused(request, exc)
    response = render(request, "share_public.html", None, link=link, rows=found, token_path=quote(token, safe=""),
                      total_size=sum(int(r["size"]) for r in found))
    response.headers.update(PUBLIC_HEADERS)
    return response


@router.get("/s/{token}/f/{sha256}")
async def share_download(request: Request, token: _Token, sha256: Annotated[str, PathParam(max_length=64)]) -> Response:
    """One file of the selection (a hash outside it: 404), streamed and hashed on the way."""
    archive = archive_of(request)
    client = _client(request)

    def load() -> tuple[Any, dict[str, Any], share_links.ShareLink]:
        link = _open(archive, token, client)
        check_digest(sha256)
        submission = share_links.item_by_sha(archive, link, sha256)
        item = get_evidence(archive, sha256.lower(), None, with_events=False)
        share_links.record_access(archive, link, client=client, what="file", submission=submission)
        return item, submission, link

    try:
        item, submission, link = await run_in_threadpool(load)
    except (NotFound, share_links.TooManyTries) as exc:
        return _refused(request, exc)
    except UsageError:
        return _refused(request, NotFound(_("this file is not part of the shared selection")))
    response = download_response(archive, item, submission, actor=f"share:{link.id}")
    response.headers.update(PUBLIC_HEADERS)
    return response


@router.get("/s/{token}/paket.zip")
async def share_bag(request: Request, token: _Token) -> Response:
    """The whole selection as one BagIt audit package (built now, sent, then deleted here)."""
    archive = archive_of(request)
    client = _client(request)
    work = Path(tempfile.mkdtemp(prefix="archiver-share-"))
    out = work / "bukti-dukung.zip"

    def build() -> share_links.ShareLink:
        link = _open(archive, token, client)
        share_links.write_bag(archive, link, out)
        share_links.record_access(archive, link, client=client, what="bag")
        return link

    try:
        link = await run_in_threadpool(build)
    except (NotFound, share_links.TooManyTries) as exc:
        shutil.rmtree(work, ignore_errors=True)
        return _refused(request, exc)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(out, media_type="application/zip", filename=f"tautan-{link.id}-bukti-dukung.zip",
                        headers=PUBLIC_HEADERS, background=BackgroundTask(shutil.rmtree, work, ignore_errors=True))
