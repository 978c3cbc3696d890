"""Red flags on the web (``/tanda``): the same ranked list as `archiver flags`, each with its reason
and links to its evidence. Auditors and admins see every flag; an atasan only the flags whose
evidence all lies within their subordinates' (and their own) files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..accounts import Session
from ..flags.detect import KINDS, LABELS, Flag, flags
from ..flags.indexing import backfill
from ..i18n import _
from .auth import archive_of, require, scope_of
from .pages import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Session, Depends(require("auditor", "admin", "atasan"))]
Tahun = Annotated[int | None, Query(ge=2000, le=2100)]
Unit = Annotated[str | None, Query(max_length=200)]
Kind = Annotated[str | None, Query(max_length=40)]
LIMIT = 500


def find_flags(request: Request, session: Session, tahun: int | None, unit: str | None,
               kind: str | None) -> list[Flag]:
    """The flags this session may see (the page and ``/api/flags``)."""
    archive = archive_of(request)
    backfill(archive)  # blobs extracted before fingerprints existed (nothing to do once done)
    return flags(archive, tahun=tahun, unit=unit or None, kinds=[kind] if kind else None,
                 scope=scope_of(request, session))


@router.get("/tanda")
async def flags_page(request: Request, session: Viewer, tahun: Tahun = None, unit: Unit = None,
                     jenis: Kind = None) -> Response:
    kind = jenis if jenis in KINDS else None
    found = await run_in_threadpool(find_flags, request, session, tahun, unit, kind)
    kinds = [(k, _(LABELS[k])) for k in KINDS]
    return render(request, "flags.html", session, flags=found[:LIMIT], total=len(found), limit=LIMIT, kinds=kinds,
                  form={"tahun": tahun or "", "unit": unit or "", "jenis": kind or ""})
