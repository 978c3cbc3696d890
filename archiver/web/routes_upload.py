"""Uploading evidence from the browser (a phone's camera too), and a pegawai's own problem files.

``/unggah``: a pegawai (or atasan) uploads for their own NIP, an admin for any pegawai with an SKP.
Tahun, periode and RHK/IKI are chosen from the pegawai's SKP (no free text). The body is read
as it arrives (``StreamedForm``): each file goes to a temporary file outside the shares, a file
over ``[limits] max_file_size_mb`` is refused as soon as it passes the limit (nothing is kept),
and the CSRF token must come before the first file. Each accepted file is then copied into the
first share at the place its folder pattern gives (``NIP/TAHUN/PERIODE/RHK/name``, never
overwriting) and ingested at once by the same pipeline as a dropped file, with the uploader as
the custody actor (``archiver.upload``).

``/berkas-saya``: the pegawai's own unlinked and quarantined files with their reasons; an
unlinked one can be filed under one of their own RHK (custody: ``relinked`` by them).
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from .. import upload
from ..accounts import Session, Visible
from ..archive import Archive
from ..catalog import evidence as catalog_evidence
from ..catalog.skp import load_skp
from ..errors import ArchiverError, PermissionDenied, UsageError
from ..evidence import EvidenceKey
from ..i18n import _
from ..periode import ALL as PERIODES
from ..periode import quarter_of
from .auth import CsrfFailed, archive_of, require
from .evidence import PROBLEM_STATUSES
from .pages import render
from .routes_review import answering, record_answers, with_answer
from .texts import web_text

router = APIRouter(include_in_schema=False)

#: Who may upload: a pegawai or atasan for their own NIP, an admin for anyone's.
UPLOADERS = ("pegawai", "atasan", "admin")
#: Who has a "my files" page: the roles with a NIP of their own.
OWNERS = ("pegawai", "atasan")
Uploader = Annotated[Session, Depends(require(*UPLOADERS))]
#: The upload itself: the token is checked by ``StreamedForm`` as the body arrives.
StreamingUploader = Annotated[Session, Depends(require(*UPLOADERS, csrf=False))]
Owner = Annotated[Session, Depends(require(*OWNERS))]
MAX_FILES = 20
MAX_FIELD = 2000
#: Temporary files of uploads that died with their process are removed after this long.
STALE_S = 24 * 3600


# --------------------------------------------------------------------------- reading the body as it arrives

@dataclass
class Received:
    name: str  # the name to write (cleaned)
    path: Path | None  # the temporary copy; None when refused
    size: int = 0
    refused: str | None = None  # why it was not accepted (already in the reader's language)


@dataclass
class StreamedForm:
    """A multipart body parsed chunk by chunk: fields in memory (small), files to temporary files."""

    csrf: str
    header_token: str | None
    tmpdir: Path
    max_bytes: int
    limit_text: str  # the limit as configured, in MB
    fields: dict[str, str] = field(default_factory=dict)
    files: list[Received] = field(default_factory=list)
    _verified: bool = False
    _name: str = ""
    _header: bytes = b""
    _value: bytes = b""
    _disposition: bytes = b""
    _data: bytearray = field(default_factory=bytearray)
    _file: IO[bytes] | None = None
    _current: Received | None = None
    _skip: bool = False

    def __post_init__(self) -> None:
        self._verified = bool(self.header_token) and secrets.compare_digest(
            (self.header_token or "").encode(), self.csrf.encode())

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self._begin, "on_part_data": self._part_data, "on_part_end": self._end,
                "on_header_field": self._header_field, "on_header_value": self._header_value,
                "on_header_end": self._header_end, "on_headers_finished": self._headers_done}

    def _begin(self) -> None:
        self._name, self._disposition, self._data, self._current, self._skip = "", b"", bytearray(), None, False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = self._value
        self._header, self._value = b"", b""

    def _headers_done(self) -> None:
        _kind, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            return
        raw = options[b"filename"].decode("utf-8", "replace")
        if not raw:
            self._skip = True  # a file input left empty
            return
        self._check_token()
        if len(self.files) >= MAX_FILES:
            raise UsageError(_("at most {n} files at a time").format(n=MAX_FILES))
        fd, tmp = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=self.tmpdir)
        self._file = os.fdopen(fd, "wb")
        self._current = Received(upload.safe_name(raw), Path(tmp))
        self.files.append(self._current)

    def _check_token(self) -> None:
        sent = self.fields.get("csrf_token", "")
        if not self._verified and not (sent and secrets.compare_digest(sent.encode(), self.csrf.encode())):
            raise CsrfFailed(_("the form has expired or is not valid (CSRF token); reload the page and try again"))
        self._verified = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._skip:
            return
        chunk = data[start:end]
        got = self._current
        if got is None:
            if len(self._data) + len(chunk) > MAX_FIELD:
                raise UsageError(_("the form field {field} is too long").format(field=self._name))
            self._data.extend(chunk)
            return
        if got.refused:
            return  # the rest of a refused file is read and dropped
        got.size += len(chunk)
        if got.size > self.max_bytes:
            self._drop(got, _("{name}: the file is larger than the {limit} MB limit; it was not uploaded").format(
                name=got.name, limit=self.limit_text))
            return
        assert self._file is not None
        self._file.write(chunk)

    def _drop(self, got: Received, why: str) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if got.path is not None:
            got.path.unlink(missing_ok=True)
        got.path, got.refused = None, why

    def _end(self) -> None:
        if self._current is None and not self._skip:
            self.fields.setdefault(self._name, self._data.decode("utf-8", "replace"))
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._current is not None and self._current.size == 0 and not self._current.refused:
            self._drop(self._current, _("{name}: the file is empty (0 bytes); it was not uploaded").format(
                name=self._current.name))

    def finish(self) -> None:
        self._check_token()

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
        for f in self.files:
            if f.path is not None:
                f.path.unlink(missing_ok=True)


def _upload_tmpdir(archive: Archive) -> Path:
    """Temporary files of uploads: in the archive folder (never a share, never RAM), stale ones removed."""
    folder = archive.config.archive.path / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("upload-*.part"):
        try:
            if now - old.stat().st_mtime > STALE_S:
                old.unlink()
        except OSError:
            pass
    return folder


async def read_upload(request: Request, session: Session) -> StreamedForm:
    """The upload's fields and files, refusing what is over the limits while it arrives."""
    archive = archive_of(request)
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise UsageError(_("send the form as a file upload (multipart/form-data)"))
    max_bytes = int(archive.config.limits.max_file_size_mb * 1024 * 1024)
    cap = MAX_FILES * (max_bytes + 64 * 1024) + 1024 * 1024
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise UsageError(_("the upload is too large: at most {n} files of {limit} MB each").format(
            n=MAX_FILES, limit=format(archive.config.limits.max_file_size_mb, "g")))
    tmpdir = await run_in_threadpool(_upload_tmpdir, archive)
    form = StreamedForm(session.csrf, request.headers.get("x-csrf-token"), tmpdir, max_bytes,
                        format(archive.config.limits.max_file_size_mb, "g"))
    parser = MultipartParser(params[b"boundary"], form.callbacks())  # type: ignore[arg-type]
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > cap:
                raise UsageError(_("the upload is too large: at most {n} files of {limit} MB each").format(
                    n=MAX_FILES, limit=format(archive.config.limits.max_file_size_mb, "g")))
            await run_in_threadpool(parser.write, chunk)  # files are written off the event loop
        parser.finalize()
        form.finish()
    except BaseException:
        form.discard()
        raise
    return form


# --------------------------------------------------------------------------- the upload page

def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _current_periode(archive: Archive) -> str | None:
    today = archive.clock().astimezone(ZoneInfo(archive.config.archive.timezone)).date()
    return quarter_of(f"{today.month:02d}")


def upload_context(archive: Archive, session: Session, nip: str | None, tahun: int | None) -> dict[str, Any]:
    """What the form offers: (admin) the pegawai, the tahun, and that SKP's periodes and RHK/IKI."""
    user = session.user
    admin = user.role == "admin"
    years = upload.skp_years(archive, None if admin else user.nip) if admin or user.nip else []
    tahun = tahun if tahun in years else (years[0] if years else None)
    people = upload.skp_people(archive, tahun) if admin and tahun else []
    if admin:
        nip = nip if any(n == nip for n, _m in people) else None
    else:
        nip = user.nip
    skp = load_skp(archive.catalog, nip, tahun) if nip and tahun else None
    periodes = upload.periode_choices(skp) if skp else []
    current = _current_periode(archive)
    return {"admin": admin, "years": years, "tahun": tahun, "people": people, "nip": nip or "", "skp": skp,
            "choices": upload.skp_choices(skp) if skp else [], "periodes": periodes,
            "periode": current if current in periodes else (periodes[0] if periodes else ""),
            "chosen": "", "accept": _accept(archive), "limit_mb": format(archive.config.limits.max_file_size_mb, "g"),
            "max_files": MAX_FILES, "results": [], "error": None, "answering": None}


_EXTENSIONS = {"jpeg": ".jpg,.jpeg", "text": ".txt", "tiff": ".tif,.tiff", "heic": ".heic,.heif", "html": ".html,.htm",
               "mp4": ".mp4"}


def _accept(archive: Archive) -> str:
    """The file chooser's hint (the type is still judged by content at ingest)."""
    return ",".join(_EXTENSIONS.get(t, f".{t}") for t in archive.config.limits.allowed_types if t != "executable")


@router.get("/unggah")
async def upload_page(request: Request, session: Uploader, nip: Annotated[str | None, Query(max_length=40)] = None,
                      tahun: Annotated[str | None, Query(max_length=4)] = None,
                      menjawab: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    archive = archive_of(request)
    answered = await run_in_threadpool(answering, archive, session, menjawab)  # a judgement's "send a new version"
    if answered is not None:
        nip, tahun = answered["nip"], str(answered["tahun"])
    context = await run_in_threadpool(upload_context, archive, session, nip, _int(tahun))
    return render(request, "upload.html", session, **with_answer(context, answered))


@router.post("/unggah")
async def upload_files(request: Request, session: StreamingUploader) -> Response:
    """Receive the files, then place and ingest each (custody actor: the uploader)."""
    archive = archive_of(request)
    form = await read_upload(request, session)
    try:
        f = form.fields
        if session.user.role != "admin" and f.get("nip") and f["nip"] != session.user.nip:
            raise PermissionDenied(_("you may upload only your own evidence"))
        answered = await run_in_threadpool(answering, archive, session, f.get("menjawab"))
        context = await run_in_threadpool(upload_context, archive, session, f.get("nip"), _int(f.get("tahun")))
        context.update(periode=f.get("periode", ""), chosen=f.get("rhk", ""), answering=answered)
        try:
            results = await run_in_threadpool(_store_all, archive, session, context, form)
            if answered is not None:
                await run_in_threadpool(record_answers, archive, session, answered, results)
        except UsageError as exc:
            return render(request, "upload.html", session, status_code=exc.http_status, **{**context, "error": exc})
    finally:
        form.discard()
    refused = all(r.status == "refused" for r in results)
    return render(request, "upload.html", session, status_code=413 if refused else 200,
                  **{**context, "results": results})


def _store_all(archive: Archive, session: Session, context: dict[str, Any], form: StreamedForm
               ) -> list[upload.Outcome]:
    skp = context["skp"]
    if skp is None or str(skp.tahun) != form.fields.get("tahun") or skp.nip != (form.fields.get("nip") or skp.nip):
        raise UsageError(_("choose the pegawai and tahun again: the form no longer matches an SKP"))
    picked = upload.find_choice(skp, form.fields.get("rhk", ""))
    if picked is None:
        raise UsageError(_("choose one of the RHK of the SKP for {tahun}").format(tahun=skp.tahun))
    periode = form.fields.get("periode", "")
    if periode not in context["periodes"]:
        raise UsageError(_("choose a periode of the SKP for {tahun}").format(tahun=skp.tahun))
    if not form.files:
        raise UsageError(_("choose at least one file"))
    share = upload.upload_share(archive)
    key = EvidenceKey(skp.nip, skp.tahun, periode, picked.rhk, picked.iki)
    folders = upload.folders_for(archive.config.share(share).path_pattern, key, nama=skp.pegawai.nama)
    out = []
    for got in form.files:
        if got.path is None:
            out.append(upload.Outcome(got.name, "", "refused", got.refused))
            continue
        relpath = upload.place(archive.config.share(share).path, folders, got.name, got.path)
        out.append(upload.ingest_placed(archive, share, relpath, actor=session.user.actor, name=got.name))
    return out


# --------------------------------------------------------------------------- a pegawai's own problem files

def _own_rows(archive: Archive, nip: str | None) -> list[dict[str, Any]]:
    if not nip:
        return []
    return catalog_evidence.problem_rows(archive.catalog, Visible(own=nip), PROBLEM_STATUSES, limit=500)


def _own_choices(archive: Archive, nip: str | None) -> list[tuple[int, list[upload.Choice], list[str]]]:
    """(tahun, RHK/IKI choices, periodes) of each SKP of ``nip``, newest first."""
    out = []
    for tahun in upload.skp_years(archive, nip) if nip else []:
        skp = load_skp(archive.catalog, nip or "", tahun)
        if skp is not None:
            out.append((tahun, upload.skp_choices(skp), upload.periode_choices(skp)))
    return out


async def _my_files(request: Request, session: Session, *, status_code: int = 200, message: str = "",
                    error: str = "") -> Response:
    archive = archive_of(request)
    rows = await run_in_threadpool(_own_rows, archive, session.user.nip)
    skps = await run_in_threadpool(_own_choices, archive, session.user.nip)
    return render(request, "my_files.html", session, status_code=status_code, rows=rows, skps=skps,
                  all_periodes=PERIODES, message=message, error=error)


@router.get("/berkas-saya")
async def my_files(request: Request, session: Owner,
                   tertaut: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    message = _("File {id} is now filed under your RHK.").format(id=tertaut) if tertaut and tertaut.isdigit() else ""
    return await _my_files(request, session, message=message)


@router.post("/berkas-saya/{submission_id}/tautkan")
async def my_file_relink(request: Request, submission_id: int, session: Owner,
                         pilihan: Annotated[str, Form(max_length=80)] = "",
                         periode: Annotated[str, Form(max_length=20)] = "") -> Response:
    """A pegawai files their own unlinked file under one of their RHK (custody: relinked by them)."""
    archive = archive_of(request)
    tahun_text, _sep, choice = pilihan.partition(":")
    nip = session.user.nip or ""
    await run_in_threadpool(upload.own_problem, archive, submission_id, nip)  # 404 for anyone else's file
    tahun = _int(tahun_text)
    if tahun is None:
        return await _my_files(request, session, status_code=400, error=_("File {id}: {problem}").format(
            id=submission_id, problem=_("choose an RHK of your SKP from the list")))
    try:
        await run_in_threadpool(lambda: upload.reassign(
            archive, submission_id, nip=nip, tahun=tahun, choice=choice, periode=periode,
            actor=session.user.actor))
    except ArchiverError as exc:
        if exc.http_status == 404:
            raise
        return await _my_files(request, session, status_code=exc.http_status, error=_("File {id}: {problem}").format(
            id=submission_id, problem=web_text(exc.message)))
    return RedirectResponse(f"/berkas-saya?tertaut={submission_id}", status_code=303)

