"""Review of evidence on the web: the judgements shown on the evidence page (``/e/<sha256>``),
the form an atasan (for their staff) or an auditor judges with, and the pegawai's answer link.

The rules (who may judge what, required reasons) are in ``archiver.review``; the page only
asks. An atasan's own evidence, and anything outside their scope, is "not found" (404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from .. import review
from ..accounts import Scope, Session, User, visible_nips
from ..archive import Archive
from ..catalog import STORED
from ..errors import NotFound, UsageError
from ..i18n import _
from .auth import archive_of, require, scope_of
from .evidence import Evidence

if TYPE_CHECKING:
    from ..upload import Outcome

router = APIRouter(include_in_schema=False)

Reviewer = Annotated[Session, Depends(require(*review.REVIEWERS))]
#: The roles that send a new version (as the upload page does).
ANSWERERS = ("pegawai", "atasan", "admin")


def review_context(archive: Archive, user: User, scope: Scope, item: Evidence) -> dict[str, Any]:
    """What the evidence page shows of the reviews of the submissions the user sees: per submission its
    judgements (each with the versions that answer it), its current state, what it answers, whether
    the user may judge it and whether they may answer it with a new version."""
    ids = [s["id"] for s in item.submissions]
    history = review.history(archive, ids)
    out = []
    for s in item.submissions:
        judgements = history.get(s["id"], [])
        current = judgements[-1] if judgements else None
        own = user.role == "admin" or (user.nip is not None and s["nip"] == user.nip)
        out.append({
            "submission": s, "judgements": judgements,
            "state": current["state"] if current else review.AWAITING,
            "answers": review.answer_of(archive, s["id"]),
            "may_review": s["status"] in ("archived", "duplicate", "unlinked") and review.may_review(user, scope, s),
            "may_answer": bool(current and current["state"] in review.ANSWERABLE and own
                               and user.role in ANSWERERS),
        })
    return {"reviews": out, "review_states": review.REVIEW_STATES}


def _judge(archive: Archive, user: User, scope: Scope, sha256: str, form: dict[str, str]) -> dict[str, Any]:
    raw = form.get("submission_id", "").strip()
    if not raw.isdigit():
        raise NotFound(_("evidence not found"))
    sub = review.stored_submission(archive, int(raw))
    if sub["sha256"] != sha256:
        raise NotFound(_("evidence not found"))
    review.check_reviewer(user, scope, sub)
    review.judge(archive, sub["id"], state=form.get("state", ""), reason=form.get("reason"), page=form.get("page"),
                 actor=user.actor, role=user.role)
    return sub


@router.post("/e/{sha256}/tinjau")
async def evidence_review(request: Request, sha256: str, session: Reviewer) -> Response:
    """Record a judgement on one submission of this file, then back to its page."""
    archive = archive_of(request)
    got = await request.form()
    form = {k: v for k, v in got.items() if isinstance(v, str)}
    if any(len(v) > review.MAX_REASON + 100 for v in form.values()):
        raise UsageError(_("the reason is too long (at most {n} characters)").format(n=review.MAX_REASON))
    sub = await run_in_threadpool(_judge, archive, session.user, scope_of(request, session), sha256.lower(), form)
    return RedirectResponse(f"/e/{sub['sha256']}?{urlencode({'dinilai': sub['id']})}#tinjauan", status_code=303)


# --------------------------------------------------------------------------- answering with a new version (/unggah)

def answering(archive: Archive, session: Session, raw: str | None) -> dict[str, Any] | None:
    """The submission an upload answers (field ``menjawab``): None when empty; NotFound when it is not
    the user's own or has no judgement asking for a new version."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise NotFound(_("evidence not found"))
    return review.answerable(archive, session.user, visible_nips(archive, session.user), int(raw))


def with_answer(context: dict[str, Any], answered: dict[str, Any] | None) -> dict[str, Any]:
    """The upload form's values preset to the periode and RHK/IKI of the submission answered."""
    if answered is None:
        return context
    chosen = str(answered["rhk"] or "") + (f"/{answered['iki']}" if answered["iki"] else "")
    out = context | {"answering": answered}
    if any(c.value == chosen for c in context["choices"]):
        out["chosen"] = chosen
    if answered["periode"] in context["periodes"]:
        out["periode"] = answered["periode"]
    return out


def record_answers(archive: Archive, session: Session, answered: dict[str, Any], results: list[Outcome]) -> None:
    """Each stored upload answers the judgement (the old judgement then shows "answered by version N")."""
    for r in results:
        if r.submission_id and r.status in STORED:
            review.record_answer(archive, r.submission_id, answers=answered, actor=session.user.actor)
