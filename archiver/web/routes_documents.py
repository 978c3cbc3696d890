"""Document generation for admins: choose kind, pegawai (NIP) or unit, tahun and periode,
get DOCX (and PDF) to download. The work is ``archiver.documents.generate`` (plan + run),
exactly what ``archiver generate`` does; every output is stored in the archive and served
from there, recorded as ``generated`` by the admin who asked."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response, StreamingResponse

from ..accounts import Session
from ..archive import Archive
from ..catalog import documents as catalog_documents
from ..documents.generate import plan, run
from ..documents.skp_adapter import catalog_source
from ..errors import ArchiverError, NotFound, UsageError
from ..i18n import N_, _
from ..periode import ALL as PERIODES
from ..store import check_digest
from . import choices, document_jobs
from .auth import Admin, archive_of
from .downloads import content_disposition
from .evidence import Evidence, record_access
from .pages import render

router = APIRouter(include_in_schema=False)

KIND_LABEL = {
    "skp": N_("SKP document"),
    "evaluasi": N_("Evaluasi Kinerja Pegawai"),
    "dokumen-evaluasi": N_("Dokumen Evaluasi Kinerja Pegawai (summary)"),
    "bukti": N_("List of bukti dukung"),
    "rekap": N_("Summary of a work unit's predikat"),
}
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}


def skp_source(request: Request, archive: Archive) -> Any:
    factory = request.app.state.skp_source
    if factory is not None:
        return factory(archive)
    return catalog_source(archive)


def _signing_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(_("date {date!r} not recognised; choose a date, e.g. 2027-01-02").format(
            date=value)) from None


def generate(archive: Archive, source: Any, form: dict[str, str],
             progress: Callable[[dict[str, Any]], None] | None = None,
             planned: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Plan and make the documents of ``form`` (``archiver.documents.generate``, as `archiver generate`);
    ``planned(total)`` once the documents are known, ``progress(result)`` after each one."""
    tahun = int(form["tahun"]) if form["tahun"].isdigit() else 0
    if not 2000 <= tahun <= 2100:
        raise UsageError(_("enter the tahun as four digits, e.g. 2026"))
    signed = _signing_date(form["tanggal"]) if form["tanggal"] else None
    target = form["target"].strip()
    if not target:
        raise UsageError(_("choose a pegawai or a work unit"))
    by_unit = form["by"] == "unit"
    jobs = plan(archive, source, form["kind"], tahun=tahun,
                nip=None if by_unit else target, unit=target if by_unit else None, periode=form["periode"] or None,
                signed=signed, draft=form.get("draft") == "1")
    if planned:
        planned(len(jobs))
    out = []
    with tempfile.TemporaryDirectory(prefix="archiver-web-") as tmp:
        for g in run(archive, jobs, Path(tmp), pdf=form["format"] == "pdf"):
            result = {"label": g.job.label, "error": g.error,
                      "files": [(fmt, sha, f"{g.job.stem}.{fmt}") for fmt, sha in
                                (("docx", g.docx_sha256), ("pdf", g.pdf_sha256)) if sha]}
            out.append(result)
            if progress:
                progress(result)
    return out


def _form_page(request: Request, session: Session, form: dict[str, str], error: ArchiverError | None = None,
               status: int = 200) -> Response:
    archive = archive_of(request)
    return render(request, "documents.html", session, status_code=status, kinds=KIND_LABEL, periodes=PERIODES,
                  error=error, form=form, pegawai=choices.pegawai_choices(archive, None),
                  units=choices.unit_choices(archive, None))


@router.get("/dokumen")
async def documents_form(request: Request, session: Admin) -> Response:
    form = {"kind": "bukti", "by": "nip", "nip": "", "unit": "", "tahun": "", "periode": "", "format": "docx",
            "tanggal": "", "draft": ""}
    return await run_in_threadpool(_form_page, request, session, form)


@router.post("/dokumen")
async def documents_generate(request: Request, session: Admin, kind: Annotated[str, Form(max_length=30)],
                             tahun: Annotated[str, Form(max_length=4)],
                             nip: Annotated[str, Form(max_length=30)] = "",
                             unit: Annotated[str, Form(max_length=200)] = "",
                             target: Annotated[str, Form(max_length=200)] = "",
                             by: Annotated[str, Form()] = "nip", periode: Annotated[str, Form(max_length=10)] = "",
                             format: Annotated[str, Form()] = "docx",
                             tanggal: Annotated[str, Form(max_length=10)] = "",
                             draft: Annotated[str, Form(max_length=5)] = "") -> Response:
    """Start a document job (a thread of this process; its state in a file every worker reads) and go to its page."""
    by_unit = by == "unit"
    form = {"kind": kind, "by": "unit" if by_unit else "nip", "nip": nip.strip(), "unit": unit.strip(),
            "tahun": tahun, "periode": periode, "format": "pdf" if format == "pdf" else "docx",
            "tanggal": tanggal.strip(), "draft": "1" if draft else ""}
    archive = archive_of(request)
    try:
        if by_unit:
            offered = await run_in_threadpool(choices.unit_choices, archive, None)
            form["unit"] = choices.check_unit(unit or target, offered) if offered else (unit or target).strip()
        else:
            form["nip"] = choices.check_nip(nip or target)
        if choices.check_tahun(tahun) is None:
            raise UsageError(_("enter the tahun as four digits, e.g. 2026"))
        if form["tanggal"]:
            _signing_date(form["tanggal"])
        if kind not in KIND_LABEL:
            raise UsageError(_("{field} {value!r}: not a valid choice").format(field="kind", value=kind))
        form["target"] = form["unit"] if by_unit else form["nip"]
    except ArchiverError as exc:
        return await run_in_threadpool(_form_page, request, session, form, exc, exc.http_status)
    job_id = document_jobs.start(archive, skp_source(request, archive), session.user.name, session.user.actor,
                                 form, generate)
    return RedirectResponse(f"/dokumen/tugas/{job_id}", status_code=303)


@router.get("/dokumen/tugas/{job_id}")
async def documents_job(request: Request, job_id: str, session: Admin) -> Response:
    """The job's progress (the page refreshes itself every 2 s while it runs), then its files and the ZIP."""
    state = await run_in_threadpool(document_jobs.load, archive_of(request), job_id)
    refresh = state["status"] in ("queued", "running")
    page = render(request, "documents_job.html", session, job=state, kinds=KIND_LABEL, refresh=refresh)
    if refresh:
        page.headers["Refresh"] = "2"
    return page


@router.get("/dokumen/tugas/{job_id}/zip")
async def documents_job_zip(request: Request, job_id: str, session: Admin) -> Response:
    """Every file of the job in one ZIP, streamed from the archive (names made safe)."""
    archive = archive_of(request)
    state = await run_in_threadpool(document_jobs.load, archive, job_id)
    files = [(sha, name) for r in state["results"] for _fmt, sha, name in r["files"]]
    if not files:
        raise NotFound(_("this job made no files"))
    await run_in_threadpool(record_zip_download, archive, session, state, files)
    return StreamingResponse(document_jobs.zip_stream(archive, files), media_type="application/zip", headers={
        "Content-Disposition": content_disposition(f"dokumen_{job_id}.zip"),
        "Content-Security-Policy": "sandbox; default-src 'none'", "Cache-Control": "private, no-store"})


def record_zip_download(archive: Archive, session: Session, state: dict[str, Any],
                             files: list[tuple[str, str]]) -> None:
    """A ``downloaded`` custody event for each file of the ZIP."""
    for sha, name in files:
        record_access(archive, session.user, "downloaded", Evidence(sha, {"sha256": sha}, []),
                      detail={"name": name, "zip": state["id"]})


@router.get("/dokumen/unduh/{sha256}")
async def documents_download(request: Request, sha256: str, session: Admin) -> Response:
    """A generated document, by its hash; only hashes recorded as generated documents are served here."""
    archive = archive_of(request)
    check_digest(sha256)

    def lookup() -> list[dict[str, Any]]:
        with archive.catalog.read() as conn:
            return catalog_documents.find_generated(conn, sha256)

    records = await run_in_threadpool(lookup)
    if not records or not archive.store.exists(sha256):
        raise NotFound(_("document not found"))
    rec = records[-1]
    item = Evidence(sha256, {"sha256": sha256}, [])
    await run_in_threadpool(record_access, archive, session.user, "downloaded", item,
                            detail={"name": rec["filename"], "generated": rec["kind"]})
    with archive.store.open(sha256) as fh:
        data = fh.read()
    return Response(data, media_type=MIME.get(rec["format"], "application/octet-stream"), headers={
        "Content-Disposition": content_disposition(rec["filename"]),
        "Content-Security-Policy": "sandbox; default-src 'none'", "Cache-Control": "private, no-store"})
