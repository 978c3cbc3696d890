"""Findings (temuan) on the web: the list per unit with status and overdue items (``/temuan``), one
finding with its steps and evidence (``/temuan/<id>``), the auditor's form to open one
(``/temuan/baru``), the unit's follow-up, the auditor's close and reopen, and the worksheet
(``/temuan/kertas-kerja?format=xlsx|pdf``). The rules are in ``archiver.findings``: a pegawai or
atasan sees only the findings in their scope (404 otherwise)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from .. import findings as lib
from ..accounts import Session
from ..errors import UsageError
from ..findings.model import AUDITORS, MAX_TEXT
from ..findings.worksheet import FORMATS, export
from ..i18n import _
from . import choices
from .auth import AnyUser, archive_of, require, scope_of
from .downloads import content_disposition
from .pages import render

router = APIRouter(include_in_schema=False)
Auditor = Annotated[Session, Depends(require("auditor"))]
Text = Annotated[str, Form(max_length=MAX_TEXT)]
Short = Annotated[str, Form(max_length=200)]
Ids = Annotated[list[int], Form()]
StatusQ = Annotated[str | None, Query(max_length=20)]
ShortQ = Annotated[str | None, Query(max_length=200)]
_NOTICES = {"dibuka": "opened", "ditindaklanjuti": "answered", "rekomendasi": "recommended", "ditutup": "closed",
            "dibuka-kembali": "reopened", "bukti-ditambah": "evidence_added"}
_FIELDS = ("unit", "nip", "tahun", "periode", "rhk", "iki", "judul", "kondisi", "kriteria", "sebab", "akibat",
           "rekomendasi", "jatuh_tempo")
_MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def _notice(code: str) -> str:
    step = _NOTICES.get(code)
    return {"opened": _("The finding was opened."), "answered": _("Your follow-up was recorded."),
            "recommended": _("The recommendation was saved."), "closed": _("The finding was closed."),
            "reopened": _("The finding was reopened."),
            "evidence_added": _("The evidence was added to the finding's basis.")}.get(step or "", "")


def _base_url(request: Request) -> str:
    return (request.app.state.settings.public_url or archive_of(request).config.web.base_url
            or str(request.base_url))


def _date(value: str) -> dt.date | None:
    raw = value.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise UsageError(_("due date {value!r}: write a date (YYYY-MM-DD)").format(value=raw)) from None


def _filters(request: Request, session: Session, unit: str | None, status: str | None,
             tahun: str | None) -> dict[str, Any]:
    units = choices.unit_choices(archive_of(request), scope_of(request, session))
    return {"unit": choices.check_unit(unit, units) if unit and units else (unit or "").strip(),
            "status": (status or "").strip(), "tahun": choices.check_tahun(tahun), "units": units}


def _list(request: Request, session: Session, form: dict[str, Any], *, details: bool = False) -> list[lib.Finding]:
    return lib.list_findings(archive_of(request), session.user, unit=form["unit"] or None,
                             status=form["status"] or None, tahun=form["tahun"], with_details=details)


@router.get("/temuan")
async def findings_page(request: Request, session: AnyUser, unit: ShortQ = None, status: StatusQ = None,
                        tahun: ShortQ = None) -> Response:
    form = await run_in_threadpool(_filters, request, session, unit, status, tahun)
    found = await run_in_threadpool(_list, request, session, form)
    return render(request, "findings.html", session, findings=found, form=form, statuses=lib.STATUSES,
                  overdue=sum(f.overdue for f in found), formats=FORMATS)


@router.get("/temuan/kertas-kerja")
async def findings_worksheet(request: Request, session: AnyUser, unit: ShortQ = None, status: StatusQ = None,
                             tahun: ShortQ = None,
                             fmt: Annotated[str, Query(alias="format", max_length=10)] = "xlsx") -> Response:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UsageError(_("unknown format {fmt!r}").format(fmt=fmt))
    form = await run_in_threadpool(_filters, request, session, unit, status, tahun)

    def build() -> bytes:
        found = _list(request, session, form, details=True)
        base = _base_url(request)
        with tempfile.TemporaryDirectory(prefix="archiver-temuan-") as tmp:
            path = export(archive_of(request), found, Path(tmp) / f"temuan.{fmt}", fmt, unit=form["unit"] or None,
                          base_url=base)
            return path.read_bytes()

    data = await run_in_threadpool(build)
    name = f"kertas-kerja-temuan{'-' + form['unit'] if form['unit'] else ''}.{fmt}"
    return Response(data, media_type=_MEDIA[fmt], headers={"Content-Disposition": content_disposition(name)})


def _new_form(request: Request, session: Session, values: dict[str, Any]) -> dict[str, Any]:
    archive = archive_of(request)
    nip = choices.check_nip(values.get("nip"))
    tahun = choices.check_tahun(str(values.get("tahun") or ""))
    pick = choices.pickers(archive, None, nip=nip or None, tahun=tahun, units=True)
    unit = choices.check_unit(values.get("unit"), pick.units) if values.get("unit") and pick.units else \
        (values.get("unit") or "")
    rhk = choices.check_code(values.get("rhk"), pick.rhk, "rhk")
    iki = choices.check_code(values.get("iki"), pick.iki, "iki")
    scoped = bool(nip or unit)
    evidence = lib.evidence_choices(archive, session.user, nip=nip or None, unit=unit or None, tahun=tahun,
                                    periode=values.get("periode") or None, rhk=rhk or None) if scoped else []
    blank = dict.fromkeys(_FIELDS, "")
    return {"pick": pick, "evidence": evidence,
            "values": {**blank, **{k: v or "" for k, v in values.items()}, "nip": nip, "unit": unit, "rhk": rhk,
                       "iki": iki, "tahun": tahun or ""}}


@router.get("/temuan/baru")
async def finding_new(request: Request, session: Auditor, unit: ShortQ = None, nip: ShortQ = None,
                      tahun: ShortQ = None, periode: ShortQ = None, rhk: ShortQ = None,
                      iki: ShortQ = None) -> Response:
    values = {"unit": unit, "nip": nip, "tahun": tahun, "periode": periode, "rhk": rhk, "iki": iki}
    ctx = await run_in_threadpool(_new_form, request, session, values)
    return render(request, "findings_new.html", session, error=None, chosen=[], **ctx)


@router.post("/temuan/baru")
async def finding_create(request: Request, session: Auditor, judul: Short, kondisi: Text, kriteria: Text,
                         sebab: Text, akibat: Text, rekomendasi: Text = "", jatuh_tempo: Short = "",
                         unit: Short = "", nip: Short = "", tahun: Short = "", periode: Short = "", rhk: Short = "",
                         iki: Short = "", bukti: Ids = []) -> Response:  # noqa: B006 (FastAPI reads the default)
    values = {"unit": unit, "nip": nip, "tahun": tahun, "periode": periode, "rhk": rhk, "iki": iki, "judul": judul,
              "kondisi": kondisi, "kriteria": kriteria, "sebab": sebab, "akibat": akibat,
              "rekomendasi": rekomendasi, "jatuh_tempo": jatuh_tempo}

    def create() -> int:
        checked = _new_form(request, session, values)["values"]
        draft = lib.Draft(judul=judul, kondisi=kondisi, kriteria=kriteria, sebab=sebab, akibat=akibat,
                          unit=checked["unit"] or None, nip=checked["nip"] or None, tahun=checked["tahun"] or None,
                          periode=periode or None, rhk=checked["rhk"] or None, iki=checked["iki"] or None,
                          rekomendasi=rekomendasi or None, due=_date(jatuh_tempo), evidence=tuple(bukti))
        return lib.open_finding(archive_of(request), session.user, draft)

    try:
        fid = await run_in_threadpool(create)
    except UsageError as exc:
        try:
            ctx = await run_in_threadpool(_new_form, request, session, values)
        except UsageError:
            raise exc from None
        return render(request, "findings_new.html", session, status_code=400, error=exc, chosen=bukti, **ctx)
    return RedirectResponse(f"/temuan/{fid}?pesan=dibuka", status_code=303)


def _detail(request: Request, session: Session, finding_id: int) -> dict[str, Any]:
    archive = archive_of(request)
    f = lib.load(archive, finding_id, session.user)
    scope = scope_of(request, session)
    visible = [e for e in f.evidence if scope is None or scope.allows(e.nip, e.tahun)]
    answerer = lib.may_answer(archive, session.user, f) and f.status != "selesai"
    adder = session.user.role in AUDITORS and f.status != "selesai"
    basis = {e.submission_id for e in f.evidence if e.role == "basis"}
    choices_ = lib.evidence_choices(archive, session.user, f) if answerer or adder else []
    return {"f": f, "visible": visible, "hidden": len(f.evidence) - len(visible),
            "candidates": choices_ if answerer else [], "may_answer": answerer,
            "basis_candidates": [c for c in choices_ if c["id"] not in basis] if adder else []}


@router.get("/temuan/{finding_id}")
async def finding_detail(request: Request, session: AnyUser, finding_id: int) -> Response:
    ctx = await run_in_threadpool(_detail, request, session, finding_id)
    return render(request, "findings_detail.html", session, message=_notice(request.query_params.get("pesan", "")),
                  shared=None, **ctx)


@router.post("/temuan/{finding_id}/bagikan")
async def finding_share(request: Request, session: Auditor, finding_id: int) -> Response:
    """A share link (archiver.share_links) to the finding's evidence; the page shows its address once."""
    from .. import share_links

    archive = archive_of(request)

    def make() -> str:
        f = lib.load(archive, finding_id, session.user)
        _link, token = share_links.create(
            archive, submission_ids=[e.submission_id for e in f.evidence],
            description=f"Bukti dukung temuan nomor {f.id}: {f.judul}"[:share_links.MAX_DESCRIPTION],
            expires_at=share_links.expiry(archive, None), actor=session.user.actor, criteria={"finding": f.id})
        return _base_url(request).rstrip("/") + "/s/" + token

    url = await run_in_threadpool(make)
    ctx = await run_in_threadpool(_detail, request, session, finding_id)
    return render(request, "findings_detail.html", session, message="", shared=url, **ctx)


@router.post("/temuan/{finding_id}/tindak-lanjut")
async def finding_answer(request: Request, session: AnyUser, finding_id: int, tindak_lanjut: Text,
                         bukti: Ids = []) -> Response:  # noqa: B006
    await run_in_threadpool(lib.answer, archive_of(request), session.user, finding_id, tindak_lanjut, tuple(bukti))
    return RedirectResponse(f"/temuan/{finding_id}?pesan=ditindaklanjuti", status_code=303)


@router.post("/temuan/{finding_id}/bukti-dasar")
async def finding_add_basis(request: Request, session: Auditor, finding_id: int, bukti: Ids = [],  # noqa: B006
                            catatan: Text = "") -> Response:
    await run_in_threadpool(lib.add_basis, archive_of(request), session.user, finding_id, tuple(bukti),
                            catatan or None)
    return RedirectResponse(f"/temuan/{finding_id}?pesan=bukti-ditambah", status_code=303)


@router.post("/temuan/{finding_id}/rekomendasi")
async def finding_recommend(request: Request, session: Auditor, finding_id: int, rekomendasi: Text,
                            jatuh_tempo: Short = "") -> Response:
    await run_in_threadpool(lib.recommend, archive_of(request), session.user, finding_id, rekomendasi,
                            _date(jatuh_tempo))
    return RedirectResponse(f"/temuan/{finding_id}?pesan=rekomendasi", status_code=303)


@router.post("/temuan/{finding_id}/tutup")
async def finding_close(request: Request, session: Auditor, finding_id: int, catatan: Text = "") -> Response:
    await run_in_threadpool(lib.close, archive_of(request), session.user, finding_id, catatan or None)
    return RedirectResponse(f"/temuan/{finding_id}?pesan=ditutup", status_code=303)


@router.post("/temuan/{finding_id}/buka-kembali")
async def finding_reopen(request: Request, session: Auditor, finding_id: int, catatan: Text = "") -> Response:
    await run_in_threadpool(lib.reopen, archive_of(request), session.user, finding_id, catatan)
    return RedirectResponse(f"/temuan/{finding_id}?pesan=dibuka-kembali", status_code=303)
