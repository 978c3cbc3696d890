"""The JSON API (read-only): who am I, evidence lists and items, findings (temuan) and red flags.
Same roles and scope as the pages; views of evidence through the API are recorded in the custody
log like views of a page."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from .. import findings
from ..catalog import STORED
from ..errors import UsageError
from ..flags.detect import KINDS
from ..i18n import _
from ..review import check_state
from ..review import states as review_states
from .auth import AnyUser, archive_of, scope_of
from .evidence import get_evidence, list_submissions, parse_signature, record_access
from .routes_evidence import parse_filters
from .routes_flags import Viewer, find_flags
from .schemas import (
    ErrorOut,
    EventOut,
    EvidenceOut,
    FindingList,
    FindingOut,
    FlagList,
    FlagOut,
    SubmissionList,
    SubmissionOut,
    UserOut,
)

ERRORS: dict[int | str, dict[str, object]] = {401: {"model": ErrorOut, "description": "not logged in"},
                                              403: {"model": ErrorOut, "description": "role not allowed"},
                                              404: {"model": ErrorOut, "description": "not found or not visible"}}
router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)
UNIT_HELP = "A unit kerja code: its sub-units and its pegawai are included."
STATUS_HELP = "terbuka, ditindaklanjuti, selesai, or lewat (open past its due date); empty: any."
KIND_HELP = "same_bytes, near_duplicate, similar_image, date_outside, off_topic or burst; empty: every kind."
REVIEW_HELP = "The current judgement: menunggu, diterima, perlu_perbaikan or ditolak; empty: any."
SIGNATURE_HELP = ("The file's electronic signature check: valid, invalid, untrusted, none (no signature, "
                  "PDF or not) or error; empty: any. Another value answers 400.")


@router.get("/me", response_model=UserOut, summary="The logged-in user and what they may see")
async def me(request: Request, session: AnyUser) -> UserOut:
    scope = scope_of(request, session)
    u = session.user
    return UserOut(name=u.name, role=u.role, nip=u.nip, visible_nips=None if scope is None else sorted(scope.nips))


@router.get("/evidence", response_model=SubmissionList, summary="Stored submissions the user may see, newest first")
async def evidence_list(request: Request, session: AnyUser, nip: str | None = None, tahun: int | None = None,
                        periode: Annotated[str | None, Query(description="TW1..TW4 (with the months they hold), "
                                                                         "01..12 or TAHUNAN")] = None,
                        rhk: str | None = None, type: Annotated[str | None, Query(max_length=20)] = None,
                        date_from: str | None = None, date_to: str | None = None,
                        signature: Annotated[str | None, Query(max_length=20, description=SIGNATURE_HELP)] = None,
                        review: Annotated[str | None, Query(max_length=20, description=REVIEW_HELP)] = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        offset: Annotated[int, Query(ge=0)] = 0) -> SubmissionList:
    filters = parse_filters(nip, str(tahun) if tahun else None, periode, rhk, type, date_from, date_to,
                            signature=parse_signature(signature, "signature"))
    filters = dataclasses.replace(filters, review=check_state(review, option="review"))
    archive = archive_of(request)
    rows, total = await run_in_threadpool(list_submissions, archive, scope_of(request, session),
                                          filters, limit=limit, offset=offset)
    judged = await run_in_threadpool(review_states, archive, [r["id"] for r in rows if r["status"] in STORED])
    return SubmissionList(total=total, items=[SubmissionOut.of(r, judged.get(r["id"])) for r in rows])


@router.get("/evidence/{sha256}", response_model=EvidenceOut, summary="One item by content hash, with its history")
async def evidence_item(request: Request, sha256: str, session: AnyUser) -> EvidenceOut:
    archive = archive_of(request)
    item = await run_in_threadpool(get_evidence, archive, sha256, scope_of(request, session))
    await run_in_threadpool(record_access, archive, session.user, "viewed", item, detail={"via": "api"})
    judged = await run_in_threadpool(review_states, archive,
                                     [s["id"] for s in item.submissions if s["status"] in STORED])
    b = item.blob
    return EvidenceOut(sha256=item.sha256, size=b["size"], mime=b["mime"], type=b["type"], stored_at=b["stored_at"],
                       permalink=f"/e/{item.sha256}", download=f"/e/{item.sha256}/unduh",
                       submissions=[SubmissionOut.of(s, judged.get(s["id"])) for s in item.submissions],
                       events=[EventOut(seq=e["seq"], at=e["at"], kind=e["kind"], actor=e["actor"],
                                        submission_id=e["submission_id"], detail=e["detail"]) for e in item.events])


@router.get("/findings", response_model=FindingList,
            summary="Findings (temuan) the user may see, newest first, with their evidence and follow-ups")
async def findings_list(request: Request, session: AnyUser,
                        unit: Annotated[str | None, Query(max_length=200, description=UNIT_HELP)] = None,
                        status: Annotated[str | None, Query(max_length=20, description=STATUS_HELP)] = None,
                        tahun: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> FindingList:
    found = await run_in_threadpool(findings.list_findings, archive_of(request), session.user, unit=unit or None,
                                    status=status or None, tahun=tahun, with_details=True)
    return FindingList(total=len(found), items=[FindingOut.of(f) for f in found])


@router.get("/findings/{finding_id}", response_model=FindingOut, summary="One finding with its evidence and steps")
async def finding_item(request: Request, finding_id: int, session: AnyUser) -> FindingOut:
    return FindingOut.of(await run_in_threadpool(findings.load, archive_of(request), finding_id, session.user))


@router.get("/flags", response_model=FlagList,
            summary="Red flags, ranked (auditor, admin; an atasan: those within their subordinates' evidence)")
async def flags_list(request: Request, session: Viewer, tahun: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                     unit: Annotated[str | None, Query(max_length=200, description=UNIT_HELP)] = None,
                     kind: Annotated[str | None, Query(max_length=40, description=KIND_HELP)] = None,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                     offset: Annotated[int, Query(ge=0)] = 0) -> FlagList:
    if kind and kind not in KINDS:
        raise UsageError(_("unknown kind {kind!r}").format(kind=kind),
                         hint=_("write one of: {values}").format(values=", ".join(KINDS)))
    found = await run_in_threadpool(find_flags, request, session, tahun, unit, kind or None)
    return FlagList(total=len(found), items=[FlagOut(**f.as_dict()) for f in found[offset:offset + limit]])
