"""Document generation for admins: choose kind, pegawai (NIP) or unit, tahun and periode,
get DOCX (and PDF) to download. The work is ``archiver.documents.generate`` (plan + run),
exactly what ``archiver generate`` does; every output is stored in the archive and served
from there, recorded as ``generated`` by the admin who asked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..accounts import Session
from ..archive import Archive
from ..catalog import documents as catalog_documents
from ..documents.generate import plan, run
from ..documents.skp_adapter import catalog_source
from ..errors import ArchiverError, NotFound, UsageError
from ..i18n import N_, _
from ..periode import ALL as PERIODES
from ..store import check_digest
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


def generate(request: Request, session: Session, form: dict[str, str]) -> list[dict[str, Any]]:
    archive = dataclasses.replace(archive_of(request), actor=session.user.actor)  # custody names the admin
    tahun = int(form["tahun"]) if form["tahun"].isdigit() else 0
    if not 2000 <= tahun <= 2100:
        raise UsageError(_("enter the tahun as four digits, e.g. 2026"))
    signed = None
    if form["tanggal"]:
        try:
            signed = dt.date.fromisoformat(form["tanggal"])
        except ValueError:
            raise UsageError(_("date {date!r} not recognised; choose a date, e.g. 2027-01-02").format(
                date=form["tanggal"])) from None
    target = form["target"].strip()
    by_unit = form["by"] == "unit"
    jobs = plan(archive, skp_source(request, archive), form["kind"], tahun=tahun,
                nip=None if by_unit else target, unit=target if by_unit else None, periode=form["periode"] or None,
                signed=signed)
    out = []
    with tempfile.TemporaryDirectory(prefix="archiver-web-") as tmp:
        for g in run(archive, jobs, Path(tmp), pdf=form["format"] == "pdf"):
            out.append({"label": g.job.label, "error": g.error,
                        "files": [(fmt, sha, f"{g.job.stem}.{fmt}") for fmt, sha in
                                  (("docx", g.docx_sha256), ("pdf", g.pdf_sha256)) if sha]})
    return out


@router.get("/dokumen")
async def documents_form(request: Request, session: Admin) -> Response:
    return render(request, "documents.html", session, kinds=KIND_LABEL, periodes=PERIODES, results=None, error=None,
                  form={"kind": "bukti", "by": "nip", "target": "", "tahun": "", "periode": "", "format": "docx",
                        "tanggal": ""})


@router.post("/dokumen")
async def documents_generate(request: Request, session: Admin, kind: Annotated[str, Form(max_length=30)],
                             target: Annotated[str, Form(max_length=200)], tahun: Annotated[str, Form(max_length=4)],
                             by: Annotated[str, Form()] = "nip", periode: Annotated[str, Form(max_length=10)] = "",
                             format: Annotated[str, Form()] = "docx",
                             tanggal: Annotated[str, Form(max_length=10)] = "") -> Response:
    form = {"kind": kind, "by": "unit" if by == "unit" else "nip", "target": target, "tahun": tahun,
            "periode": periode, "format": "pdf" if format == "pdf" else "docx", "tanggal": tanggal.strip()}
    results: list[dict[str, Any]] | None = None
    error: ArchiverError | None = None
    try:
        results = await run_in_threadpool(generate, request, session, form)
    except ArchiverError as exc:
        error = exc
    status = error.http_status if error else 200
    return render(request, "documents.html", session, status_code=status, kinds=KIND_LABEL, periodes=PERIODES,
                  results=results, error=error, form=form)


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
