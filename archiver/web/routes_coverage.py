"""Coverage: the page ``/cakupan`` and ``/api/coverage``, over ``archiver.skp.coverage`` (the
same rows as `archiver coverage`). Rows are cut to the user's scope: a pegawai sees their
own, an atasan their subordinates', auditors and admins everyone."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..accounts import Scope, Session, may_see
from ..errors import ArchiverError
from ..periode import normalize_periode
from ..skp import coverage as cov
from . import choices
from .auth import AnyUser, archive_of, scope_of
from .pages import render
from .routes_api import ERRORS

router = APIRouter()
QUARTERS = ("TW1", "TW2", "TW3", "TW4")
Unit = Annotated[str | None, Query(max_length=200)]
Tahun = Annotated[int | None, Query(ge=2000, le=2100)]
Periode = Annotated[str | None, Query(max_length=20)]


class CoverageRowOut(BaseModel):
    nip: str
    nama: str
    unit: str
    tahun: int
    periode: str
    rhk: str
    rhk_teks: str
    iki: str
    iki_teks: str
    expected: dict[str, int]
    jumlah: int
    found: int
    missing: list[str]
    status: str
    evidence_sha256: list[str]
    menunggu: int = 0  # of the files counted, how many await review
    ditolak: int = 0  # files filed here but rejected (not counted)


class CoverageOut(BaseModel):
    tahun: int
    unit: str | None
    periode: str | None
    summary: dict[str, int]
    rows: list[CoverageRowOut]


def _this_year(request: Request) -> int:
    return dt.datetime.now(ZoneInfo(archive_of(request).config.archive.timezone)).year


def scoped_rows(request: Request, session: Session, unit: str | None, tahun: int,
                periode: str | None) -> list[cov.CoverageRow]:
    scope: Scope = scope_of(request, session)
    rows = cov.coverage(archive_of(request), unit=unit or None, tahun=tahun, periode=periode)
    return [r for r in rows if may_see(scope, r.nip, r.tahun)]


def _periode(value: str | None) -> str | None:
    return normalize_periode(value) if value else None


def _grid(rows: list[cov.CoverageRow]) -> list[dict[str, Any]]:
    """Pegawai -> indicator lines -> one cell per quarter (TAHUNAN plans fill every quarter's column)."""
    people: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for r in rows:
        person = people.setdefault(r.nip, {"nip": r.nip, "nama": r.nama, "unit": r.unit, "lines": OrderedDict()})
        line = person["lines"].setdefault((r.rhk, r.iki), {"rhk": r.rhk, "rhk_teks": r.rhk_teks, "iki": r.iki,
                                                            "iki_teks": r.iki_teks, "cells": {}})
        line["cells"][r.periode] = r
    out = []
    for p in people.values():
        p["lines"] = list(p["lines"].values())
        out.append(p)
    return out


@router.get("/cakupan")
async def coverage_page(request: Request, session: AnyUser, unit: Unit = None, tahun: Tahun = None,
                        periode: Periode = None) -> Response:
    year = tahun or _this_year(request)
    per = _periode(periode)
    error = None
    status = 200
    units = await run_in_threadpool(choices.unit_choices, archive_of(request), scope_of(request, session))
    try:
        if unit and units:  # a unit no picker offers: 400 naming the field
            try:
                unit = choices.check_unit(unit, units)
            except ArchiverError:
                status = 400
                raise
        rows = await run_in_threadpool(scoped_rows, request, session, unit, year, per)
    except ArchiverError as exc:  # an unknown unit is the user's typo: say so on the page
        rows, error = [], exc
    columns = [per] if per else \
        sorted({r.periode for r in rows}, key=lambda p: (p not in QUARTERS, p)) or list(QUARTERS)
    return render(request, "coverage.html", session, status_code=status, units=units, grid=_grid(rows),
                  columns=columns,
                  summary=cov.summary(rows), awaiting=cov.awaiting(rows),
                  form={"unit": unit or "", "tahun": year, "periode": per or ""},
                  error=error)


@router.get("/api/coverage", response_model=CoverageOut, responses=ERRORS, tags=["coverage"])
async def coverage_api(request: Request, session: AnyUser, unit: Unit = None, tahun: Tahun = None,
                       periode: Periode = None) -> CoverageOut:
    """Evidence per pegawai x RHK/indicator x periode against the evidence plan, within your scope."""
    year = tahun or _this_year(request)
    per = _periode(periode)
    rows = await run_in_threadpool(scoped_rows, request, session, unit, year, per)
    return CoverageOut(tahun=year, unit=unit, periode=per, summary=cov.summary(rows), rows=[
        CoverageRowOut(nip=r.nip, nama=r.nama, unit=r.unit, tahun=r.tahun, periode=r.periode, rhk=r.rhk,
                       rhk_teks=r.rhk_teks, iki=r.iki, iki_teks=r.iki_teks, expected=r.expected, jumlah=r.jumlah,
                       found=r.found, missing=r.missing, status=r.status,
                       evidence_sha256=[e.sha256 for e in r.evidence], menunggu=r.menunggu,
                       ditolak=r.ditolak) for r in rows])
