"""Imports for admins: the evaluation workbook (.xlsx) or JSON, through the same library
calls as `archiver eval import` (read and validate everything, then save in one
transaction; nothing is saved while there is any problem)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..documents.skp_adapter import CatalogSkpSource
from ..errors import ArchiverError, UsageError
from ..evaluation.importer import read_evaluation_file
from ..evaluation.importer import save as save_evaluation
from ..i18n import _
from .auth import Admin, archive_of
from .pages import render

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 20 * 1024 * 1024
SUFFIXES = (".xlsx", ".xlsm", ".json")


def import_evaluation(request: Request, path: Path, check_only: bool) -> dict[str, Any]:
    archive = archive_of(request)
    src = CatalogSkpSource(archive)
    data = read_evaluation_file(path, src.indicators, src.unit_known)
    counts = {"evaluasi": len(data.evaluasi), "capaian_organisasi": len(data.capaian)}
    changes: dict[str, dict[str, int]] = {}
    if not check_only:
        with archive.catalog.begin() as conn:
            changes = save_evaluation(conn, data, at=archive.now(), source=path.name)  # new/changed/unchanged
    return {"counts": counts, "changes": changes, "imported": not check_only,
            "predikat": [(e.nip, e.tahun, e.periode, e.predikat.value) for e in data.evaluasi]}


def _save_upload(upload: UploadFile, folder: Path) -> Path:
    """Copy an upload (already spooled by the server) to ``folder`` under a fixed name, size-limited."""
    name = Path(upload.filename or "unggahan").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(_("file {name!r}: upload an .xlsx workbook or a .json file").format(name=name),
                         hint=_("start from the evaluation workbook template the admin hands out"))
    target = folder / f"unggahan{suffix}"
    size = 0
    with open(target, "wb") as fh:
        while chunk := upload.file.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise UsageError(_("the file is larger than {limit} MB").format(limit=MAX_UPLOAD // 1048576))
            fh.write(chunk)
    return target


@router.get("/impor")
async def import_form(request: Request, session: Admin) -> Response:
    return render(request, "import.html", session, result=None, error=None)


@router.post("/impor/evaluasi")
async def import_evaluation_upload(request: Request, session: Admin, berkas: Annotated[UploadFile, File()],
                                   periksa: Annotated[str, Form()] = "") -> Response:
    result: dict[str, Any] | None = None
    error: ArchiverError | None = None
    with tempfile.TemporaryDirectory(prefix="archiver-import-") as tmp:
        try:
            path = await run_in_threadpool(_save_upload, berkas, Path(tmp))
            result = await run_in_threadpool(import_evaluation, request, path, bool(periksa))
        except ArchiverError as exc:
            error = exc
    return render(request, "import.html", session, status_code=error.http_status if error else 200,
                  result=result, error=error)
