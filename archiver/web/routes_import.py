"""Imports for admins: the SKP and evaluation workbooks (.xlsx) or JSON, through the same
library calls as `archiver skp import` and `archiver eval import` (read and validate
everything; nothing is saved while there is any error).

SKP, in two steps. "Periksa" reads and validates the upload without saving anything: every
problem is listed (sheet, row, column, what to write) and, when there is no error, what the
import would add or change (new / changed / unchanged). The checked file then waits in the
archive's tmp folder, named by its SHA-256 (``import_skp_<sha256>.xlsx`` beside a
``.note`` holding its name and who checked it), and "Impor" imports exactly that file: the
form names only the digest, never a path. A waiting file expires after an hour.
Evaluation: one form, check only or save.

Every import keeps the uploaded file's own (sanitised) name as the source of what it saved,
and stores the file in the archive by its SHA-256 with an ``imported`` custody event (the
admin as actor; the file name and the counts as detail), like any evidence of the import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..accounts import User
from ..archive import Archive
from ..catalog import core as catalog_core
from ..catalog import custody
from ..catalog import skp as catalog_skp
from ..documents.skp_adapter import CatalogSkpSource
from ..errors import ArchiverError, NotFound, UsageError, ValidationFailed
from ..evaluation import importer as evaluation_importer
from ..i18n import N_, _
from ..skp import importer as skp_importer
from ..skp import workbook as skp_workbook
from ..skp.validate import ERROR, Problem, rows_text, validate
from ..store_files import check_digest
from .auth import Admin, archive_of
from .downloads import content_disposition
from .pages import render

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 20 * 1024 * 1024
SUFFIXES = (".xlsx", ".xlsm", ".json")
MIME = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12", ".json": "application/json"}
#: How long a checked SKP file waits for its "Impor" (seconds).
PENDING_TTL = 3600
PENDING_PREFIX = "import_skp_"  # no '-': the store's temp cleanup never takes it for another host's file
MAX_NAME = 120

SKP_KINDS = ((N_("SKP"), "skp"), (N_("pegawai"), "pegawai"), (N_("unit kerja"), "unit"),
             (N_("sasaran"), "sasaran"))
EVALUATION_KINDS = ((N_("evaluasi"), "evaluasi"), (N_("capaian organisasi"), "capaian_organisasi"))


# --------------------------------------------------------------------------- uploads

def clean_name(raw: str | None, default: str) -> str:
    """The upload's own file name, safe to show and to record: no folders, no control
    characters, no leading dots, at most ``MAX_NAME`` characters (the suffix kept)."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c if c.isprintable() else "_" for c in name).strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        suffix = Path(name).suffix[:10]
        name = name[:MAX_NAME - len(suffix)] + suffix
    return name or default


def _save_upload(upload: UploadFile, folder: Path, default: str, hint: str) -> Path:
    """Copy an upload (already spooled by the server) to ``folder`` under its own clean name, size-limited."""
    name = clean_name(upload.filename, default)
    skp_workbook.refuse_other_format(Path(name))  # .xls, .csv ...: "save it as .xlsx"
    if Path(name).suffix.lower() not in SUFFIXES:
        raise UsageError(_("file {name!r}: upload an .xlsx workbook or a .json file").format(name=name),
                         hint=hint)
    target = folder / name
    size = 0
    with open(target, "wb") as fh:
        while chunk := upload.file.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise UsageError(_("the file is larger than {limit} MB").format(limit=MAX_UPLOAD // 1048576))
            fh.write(chunk)
    return target


# --------------------------------------------------------------------------- the uploaded file as evidence

def _store_source(archive: Archive, path: Path) -> tuple[str, int]:
    """Put the uploaded file in the blob store; (sha256, size). Recorded by ``_record_source``."""
    with open(path, "rb") as fh:
        staged = archive.store.stage(fh)
    staged.commit()
    return staged.sha256, staged.size


def _record_source(conn: Any, archive: Archive, user: User, *, sha256: str, size: int, name: str,
                   what: str, changes: dict[str, dict[str, int]]) -> int:
    """The uploaded file's catalog row (once) and an ``imported`` custody event by this admin."""
    now = archive.now()
    suffix = Path(name).suffix.lower()
    if not catalog_core.blob_known(conn, sha256):
        catalog_core.add_blob(conn, sha256, size=size, mime=MIME.get(suffix, "application/octet-stream"),
                              type_name=suffix.lstrip(".") or "bin", at=now)
    return custody.append(conn, "imported", at=now, actor=user.actor, sha256=sha256,
                          detail={"via": "web", "role": user.role, "name": name, "import": what, "changes": changes})


class _Rollback(Exception):
    """Raised inside a transaction to undo it: a dry run counts what an import would change."""


# --------------------------------------------------------------------------- evaluation

def import_evaluation(request: Request, user: User, path: Path, check_only: bool) -> dict[str, Any]:
    archive = archive_of(request)
    src = CatalogSkpSource(archive)
    data = evaluation_importer.read_evaluation_file(path, src.indicators, src.unit_known)
    counts = {"evaluasi": len(data.evaluasi), "capaian_organisasi": len(data.capaian)}
    changes: dict[str, dict[str, int]] = {}
    if check_only:
        try:
            with archive.catalog.begin() as conn:
                changes = evaluation_importer.save(conn, data, at=archive.now(), source=path.name)
                raise _Rollback
        except _Rollback:
            pass
    else:
        sha256, size = _store_source(archive, path)
        with archive.catalog.begin() as conn:
            changes = evaluation_importer.save(conn, data, at=archive.now(), source=path.name)
            _record_source(conn, archive, user, sha256=sha256, size=size, name=path.name, what="evaluasi",
                           changes=changes)
    return {"counts": counts, "imported": not check_only, "name": path.name,
            "changes": [(_(label), changes[key]) for label, key in EVALUATION_KINDS if key in changes],
            "predikat": [(e.nip, e.tahun, e.periode, e.predikat.value) for e in data.evaluasi]}


# --------------------------------------------------------------------------- SKP

def _skp_changes(saved: catalog_skp.SaveReport) -> list[tuple[str, dict[str, int]]]:
    d = saved.as_dict()
    return [(_(label), {"new": d[key]["new"], "changed": d[key]["updated"], "unchanged": d[key]["unchanged"]})
            for label, key in SKP_KINDS]


def _problem_row(p: Problem) -> dict[str, Any]:
    rows = p.rows or ((p.row,) if p.row is not None else ())
    return {"sheet": p.sheet, "rows": rows_text(rows) if rows else "", "column": p.column or "",
            "message": p.message, "error": p.level == ERROR}


def check_skp(archive: Archive, path: Path) -> dict[str, Any]:
    """What importing ``path`` would do, saving nothing: its problems and, without errors, the counts."""
    try:
        tables = skp_importer.read_tables(path)
    except ValidationFailed as exc:  # the sheets' layout: lines, not cells
        return {"problems": [{"sheet": "", "rows": "", "column": "", "message": d, "error": True}
                             for d in exc.details], "errors": len(exc.details), "changes": None, "imported": False}
    with archive.catalog.read() as conn:
        known = catalog_skp.known(conn)
    bundle, problems = validate(tables, known)
    errors = sum(p.level == ERROR for p in problems)
    changes = None
    if not errors:
        if not (bundle.skp or bundle.pegawai or bundle.units or bundle.sasaran):
            raise UsageError(_("{source}: no data found (data starts on row 3 of each sheet)").format(
                source=path.name))
        saved = catalog_skp.SaveReport()
        try:
            with archive.catalog.begin() as conn:
                saved = catalog_skp.save_bundle(conn, bundle, now=archive.now(), source=path.name)
                raise _Rollback
        except _Rollback:
            changes = _skp_changes(saved)
    return {"problems": [_problem_row(p) for p in problems], "errors": errors, "changes": changes,
            "imported": False}


def _pending_dir(archive: Archive) -> Path:
    folder = archive.config.archive.path / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pending_files(folder: Path, sha256: str = "") -> Iterator[Path]:
    yield from folder.glob(f"{PENDING_PREFIX}{sha256}*")


def expire_pending(archive: Archive, older_than_s: float = PENDING_TTL) -> int:
    """Remove checked SKP files nobody imported within ``older_than_s`` seconds."""
    removed = 0
    now = time.time()
    for f in _pending_files(_pending_dir(archive)):
        try:
            if now - f.stat().st_mtime > older_than_s:
                f.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def keep_pending(archive: Archive, path: Path, user: User) -> str:
    """Keep the checked file for its import; returns its SHA-256."""
    folder = _pending_dir(archive)
    sha256 = _sha256_of(path)
    shutil.copyfile(path, folder / f"{PENDING_PREFIX}{sha256}{path.suffix.lower()}")
    note = {"name": path.name, "user": user.name, "at": archive.now()}
    (folder / f"{PENDING_PREFIX}{sha256}.note").write_text(json.dumps(note, ensure_ascii=False), encoding="utf-8")
    return sha256


def take_pending(archive: Archive, sha256: str, user: User, folder: Path) -> Path:
    """The checked file named by ``sha256``, copied to ``folder`` under its own name (and checked
    to still hash to ``sha256``). Only the admin who checked it may import it."""
    check_digest(sha256)
    pending = _pending_dir(archive)
    gone = UsageError(_("the checked file is no longer waiting (it is kept for an hour, or was imported "
                        "already); upload it and check it again"))
    try:
        note = json.loads((pending / f"{PENDING_PREFIX}{sha256}.note").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise gone from None
    data = [f for f in _pending_files(pending, sha256) if f.suffix.lower() in SUFFIXES]
    if not data or note.get("user") != user.name:
        raise gone
    target = folder / clean_name(str(note.get("name") or ""), "skp" + data[0].suffix.lower())
    shutil.copyfile(data[0], target)
    if _sha256_of(target) != sha256:
        raise gone
    return target


def drop_pending(archive: Archive, sha256: str) -> None:
    for f in _pending_files(_pending_dir(archive), sha256):
        f.unlink(missing_ok=True)


def import_skp(archive: Archive, user: User, path: Path) -> dict[str, Any]:
    """Import ``path`` (the library's import: validate, save, relink) and record it as evidence."""
    sha256, size = _store_source(archive, path)
    report = skp_importer.import_file(archive, path)
    saved = report.saved.as_dict()
    changes = {key: {"new": saved[key]["new"], "changed": saved[key]["updated"], "unchanged": saved[key]["unchanged"]}
               for _label, key in SKP_KINDS}
    with archive.catalog.begin() as conn:
        _record_source(conn, archive, user, sha256=sha256, size=size, name=path.name, what="skp", changes=changes)
    return {"name": path.name, "sha256": sha256, "changes": _skp_changes(report.saved),
            "problems": [_problem_row(p) for p in report.warnings], "errors": 0,
            "unlinked": report.links.get("unlinked", 0), "restored": report.links.get("restored", 0),
            "imported": True}


# --------------------------------------------------------------------------- routes

def _without_folder(exc: ArchiverError, folder: str) -> ArchiverError:
    """``exc`` naming the uploaded file by its name, not by the server's temporary folder."""
    prefix = str(Path(folder)) + os.sep
    exc.message = exc.message.replace(prefix, "")
    exc.details = [d.replace(prefix, "") for d in exc.details]
    return exc


def _page(request: Request, session: Admin, *, status: int = 200, **context: Any) -> Response:
    base: dict[str, Any] = {"result": None, "error": None, "skp": None, "skp_error": None}
    return render(request, "import.html", session, status_code=status, **{**base, **context})


@router.get("/impor")
async def import_form(request: Request, session: Admin) -> Response:
    return _page(request, session)


@router.get("/impor/templat/{kind}")
async def import_template(request: Request, kind: str, session: Admin) -> Response:
    """The empty workbook, the same one `archiver skp template` / `archiver eval template` write."""
    if kind not in ("skp", "evaluasi"):
        raise NotFound(_("no such template"))

    def make() -> bytes:
        with tempfile.TemporaryDirectory(prefix="archiver-template-") as tmp:
            path = Path(tmp) / "templat.xlsx"
            if kind == "skp":
                skp_workbook.write_template(path)
            else:
                evaluation_importer.write_template(path)
            return path.read_bytes()

    data = await run_in_threadpool(make)
    name = f"templat-skp-{dt.date.today().year}.xlsx" if kind == "skp" else "templat-evaluasi.xlsx"
    return Response(data, media_type=MIME[".xlsx"], headers={
        "Content-Disposition": content_disposition(name), "Cache-Control": "private, no-store"})


@router.post("/impor/skp/periksa")
async def import_skp_check(request: Request, session: Admin, berkas: Annotated[UploadFile, File()]) -> Response:
    archive = archive_of(request)
    skp: dict[str, Any] | None = None
    error: ArchiverError | None = None
    with tempfile.TemporaryDirectory(prefix="archiver-import-") as tmp:
        try:
            path = await run_in_threadpool(_save_upload, berkas, Path(tmp), "skp.xlsx",
                                           _("download the SKP template on this page, fill it from row 3 and "
                                             "upload it"))
            skp = await run_in_threadpool(check_skp, archive, path)
            skp["name"] = path.name
            if not skp["errors"]:
                await run_in_threadpool(expire_pending, archive)
                skp["sha256"] = await run_in_threadpool(keep_pending, archive, path, session.user)
        except ArchiverError as exc:
            error = _without_folder(exc, tmp)
    status = error.http_status if error else 422 if skp and skp["errors"] else 200
    return _page(request, session, status=status, skp=skp, skp_error=error)


@router.post("/impor/skp")
async def import_skp_upload(request: Request, session: Admin, sha256: Annotated[str, Form()]) -> Response:
    archive = archive_of(request)
    skp: dict[str, Any] | None = None
    error: ArchiverError | None = None
    with tempfile.TemporaryDirectory(prefix="archiver-import-") as tmp:
        try:
            path = await run_in_threadpool(take_pending, archive, sha256, session.user, Path(tmp))
            skp = await run_in_threadpool(import_skp, archive, session.user, path)
            await run_in_threadpool(drop_pending, archive, sha256)
        except ArchiverError as exc:
            error = _without_folder(exc, tmp)
    return _page(request, session, status=error.http_status if error else 200, skp=skp, skp_error=error)


@router.post("/impor/evaluasi")
async def import_evaluation_upload(request: Request, session: Admin, berkas: Annotated[UploadFile, File()],
                                   periksa: Annotated[str, Form()] = "") -> Response:
    result: dict[str, Any] | None = None
    error: ArchiverError | None = None
    with tempfile.TemporaryDirectory(prefix="archiver-import-") as tmp:
        try:
            path = await run_in_threadpool(_save_upload, berkas, Path(tmp), "evaluasi.xlsx",
                                           _("start from the evaluation workbook template the admin hands out"))
            result = await run_in_threadpool(import_evaluation, request, session.user, path, bool(periksa))
        except ArchiverError as exc:
            error = _without_folder(exc, tmp)
    return _page(request, session, status=error.http_status if error else 200, result=result, error=error)
