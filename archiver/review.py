"""Review of evidence: an atasan or an auditor judges each stored submission, and the pegawai answers.

    review.judge(archive, submission_id, state="perlu_perbaikan", reason="...", page="3", actor=..., role=...)
    review.check_reviewer(user, scope, submission)   who may judge what (NotFound outside it)
    review.states(archive, ids)                      the current state of each submission
    review.record_answer(archive, new_id, answers=old_id, ...)   a new version answers a judgement

States (``REVIEW_STATES``, the codes ``--review`` and the database speak): ``diterima``
(accepted), ``perlu_perbaikan`` (needs revision: a reason is required), ``ditolak`` (rejected:
a reason is required). A submission without a judgement is ``menunggu`` (awaiting review);
a new version sent as an answer starts without one, so it awaits review too. History is
kept: the current judgement is the latest; every judgement is a ``reviewed`` custody event
(the submission and its SHA-256; detail: state, reason, page, role).

Who: an auditor judges any submission; an atasan judges the evidence of their subordinates
(in their scope, ``accounts.visible_nips``), never their own. Anyone else, and anything outside
the scope, is told "not found" (as if it did not exist). The CLI (``archiver review``) acts
with the archive's own rights, as the auditors who use it do; its actor is ``cli:<user>``.

Coverage (``archiver.skp.coverage``) counts only evidence that is not rejected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .accounts import Scope, User, may_see
from .catalog import STORED
from .catalog import reviews as rows
from .errors import NotFound, PermissionDenied, UsageError
from .evidence import REVIEW_FILTER_STATES
from .i18n import _, pgettext

if TYPE_CHECKING:
    from .archive import Archive

REVIEW_STATES = ("diterima", "perlu_perbaikan", "ditolak")
AWAITING = rows.AWAITING
#: The values of the ``--review`` filter: awaiting review, or a judgement.
FILTER_STATES = REVIEW_FILTER_STATES
#: The roles that judge evidence (an atasan only their subordinates').
REVIEWERS = ("atasan", "auditor")
#: Judgements that ask the pegawai for a new version.
ANSWERABLE = ("perlu_perbaikan", "ditolak")
MAX_REASON = 2000
MAX_PAGE = 100


def state_label(state: str | None) -> str:
    """A review state in the reader's language ("diterima", "perlu perbaikan", "ditolak", "menunggu")."""
    labels = {AWAITING: pgettext("review", "awaiting review"), "diterima": pgettext("review", "accepted"),
              "perlu_perbaikan": pgettext("review", "needs revision"), "ditolak": pgettext("review", "rejected")}
    return labels.get(state or AWAITING, state or "")


def check_state(state: str | None, *, option: str = "--review") -> str | None:
    """A filter value (empty: None), or UsageError naming the values it takes."""
    value = (state or "").strip().lower()
    if not value:
        return None
    if value not in FILTER_STATES:
        raise UsageError(_("{option} {value}: unknown review state").format(option=option, value=repr(state)),
                         hint=_("write one of: {values}").format(values=", ".join(FILTER_STATES)))
    return value


def may_review(user: User, scope: Scope, submission: dict[str, Any]) -> bool:
    """Whether ``user`` may judge ``submission``: an auditor any; an atasan a subordinate's in scope."""
    if user.role == "auditor":
        return True
    if user.role != "atasan" or not user.nip or submission.get("nip") == user.nip:
        return False
    return scope is not None and may_see(scope, submission.get("nip"), submission.get("tahun"))


def check_reviewer(user: User, scope: Scope, submission: dict[str, Any]) -> None:
    """NotFound when the user may not see the submission; PermissionDenied when they see but may not judge it."""
    if not may_see(scope, submission.get("nip"), submission.get("tahun")):
        raise NotFound(_("evidence not found"))
    if not may_review(user, scope, submission):
        if user.role == "atasan" and submission.get("nip") == user.nip:
            raise NotFound(_("evidence not found"))  # one's own evidence is judged by one's atasan
        raise PermissionDenied(_("your role may not review evidence"))


def stored_submission(archive: Archive, submission_id: int) -> dict[str, Any]:
    sub = rows.submission(archive.catalog, submission_id)
    if sub is None or sub["sha256"] is None or sub["status"] not in STORED:
        raise NotFound(_("submission {id} not found (or not stored)").format(id=submission_id))
    return sub


def target(archive: Archive, ref: str) -> dict[str, Any]:
    """The submission a reference names: its id, or a SHA-256 (the newest stored submission of those bytes)."""
    ref = ref.strip().lower()
    if ref.isdigit():
        return stored_submission(archive, int(ref))
    if len(ref) == 64 and all(c in "0123456789abcdef" for c in ref):
        subs = [s for s in rows.submissions_of_blob(archive.catalog, ref) if s["status"] in STORED]
        if subs:
            return subs[-1]
        raise NotFound(_("no stored submission has SHA-256 {sha}").format(sha=ref))
    raise UsageError(_("{ref}: give a submission id or a SHA-256").format(ref=repr(ref)))


def judge(archive: Archive, submission_id: int, *, state: str, reason: str | None, page: str | None, actor: str,
          role: str) -> int:
    """Record a judgement (and its ``reviewed`` custody event). Returns its id; UsageError for a bad value."""
    if state not in REVIEW_STATES:
        raise UsageError(_("review state {state}: unknown").format(state=repr(state)),
                         hint=_("write one of: {values}").format(values=", ".join(REVIEW_STATES)))
    reason = (reason or "").strip() or None
    page = (page or "").strip() or None
    if state != "diterima" and not reason:
        raise UsageError(_("give the reason for \"{state}\": the pegawai needs it to make it right").format(
            state=state_label(state)))
    if reason and len(reason) > MAX_REASON:
        raise UsageError(_("the reason is too long (at most {n} characters)").format(n=MAX_REASON))
    if page and len(page) > MAX_PAGE:
        raise UsageError(_("the page reference is too long (at most {n} characters)").format(n=MAX_PAGE))
    sub = stored_submission(archive, submission_id)
    return rows.record(archive.catalog, submission_id=sub["id"], sha256=sub["sha256"], state=state, reason=reason,
                       page=page, actor=actor, role=role, at=archive.now())


def states(archive: Archive, submission_ids: list[int]) -> dict[int, str]:
    """submission id -> its current state (``menunggu`` when it has no judgement)."""
    current = rows.current(archive.catalog, submission_ids)
    return {i: current[i]["state"] if i in current else AWAITING for i in submission_ids}


def history(archive: Archive, submission_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """submission id -> its judgements, oldest first, each with the versions that answer it."""
    return rows.history(archive.catalog, submission_ids)


def answerable(archive: Archive, user: User, scope: Scope, submission_id: int) -> dict[str, Any]:
    """The submission ``user`` may answer with a new version (their own, with a judgement that asks for
    one), with ``review``: that judgement. NotFound otherwise (the same answer for anyone else's)."""
    sub = rows.submission(archive.catalog, submission_id)
    own = sub is not None and (user.role == "admin" or (user.nip is not None and sub["nip"] == user.nip))
    if sub is None or not own or not may_see(scope, sub["nip"], sub["tahun"]):
        raise NotFound(_("evidence not found"))
    current = rows.current(archive.catalog, [submission_id]).get(submission_id)
    if current is None or current["state"] not in ANSWERABLE:
        raise UsageError(_("this evidence has no judgement to answer"))
    return sub | {"review": current}


def record_answer(archive: Archive, submission_id: int, *, answers: dict[str, Any], actor: str) -> bool:
    """Record that the new submission ``submission_id`` answers the judgement of ``answers`` (from
    ``answerable``). False when it already answers one, or is not that pegawai's."""
    new = rows.submission(archive.catalog, submission_id)
    if submission_id == answers["id"] or new is None or new["nip"] != answers["nip"]:
        return False  # an answer is the same pegawai's new version
    return rows.add_answer(archive.catalog, submission_id=submission_id, answers=answers["id"],
                           review_id=answers["review"]["id"], actor=actor, at=archive.now())


def answer_of(archive: Archive, submission_id: int) -> dict[str, Any] | None:
    """What a submission answers (``answers``: the submission judged), or None."""
    return rows.answer_of(archive.catalog, submission_id)
