"""Resolving evidence to the real RHK and indicator of its pegawai's SKP.

A submission carries nip, tahun, periode, rhk and iki parsed from its folders
(archiver.pathpattern). Here that link meets the SKP:

* the SKP of (nip, tahun) is imported and the codes exist -> resolved (nothing to change);
* the SKP is not imported yet (January) -> pending: the parsed link is kept and judged
  when the SKP arrives (``resolve_for`` runs after every import);
* a code does not exist in that SKP, an IKI belongs to another RHK, or the periode is
  outside the SKP's periode penilaian -> the submission goes to the unlinked list with the
  reason (status ``unlinked``, reason code ``skp_unknown_code``, custody event ``unlinked``).
  A later import that adds the code brings it back (custody event ``relinked``).

The reason is stored as an ``i18n.deferred`` message (English source text and its values):
``i18n.render(reason)`` shows it in the reader's language.

``relink`` fixes a link by hand and records a ``relinked`` custody event in the same
transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..catalog import STORED, custody
from ..catalog import core as subs
from ..catalog import skp as q
from ..errors import NotFound, UsageError, ValidationFailed
from ..evidence import EvidenceKey, is_iki_code, normalize_iki, normalize_rhk
from ..i18n import _, deferred, render
from ..labels import status_label
from ..nip import NipError, parse_nip
from ..periode import normalize_periode, overlaps, span
from ..search import reindex_changed
from .model import Skp

if TYPE_CHECKING:
    from ..archive import Archive

log = logging.getLogger(__name__)

REASON_CODE = "skp_unknown_code"
RESOLVED, PENDING, UNKNOWN, NONE = "resolved", "pending", "unknown", "none"


@dataclass(frozen=True)
class Resolution:
    state: str  # resolved | pending (no SKP yet) | unknown (reason) | none (no rhk/iki in the link)
    rhk: str | None = None
    iki: str | None = None
    reason: str | None = None  # an i18n.deferred message: show it with i18n.render


def resolve(skp: Skp | None, rhk: str | None, iki: str | None, periode: str | None) -> Resolution:
    """Where a link (rhk and/or iki codes) points in ``skp``; pure."""
    if not rhk and not iki:
        return Resolution(NONE)
    if skp is None:
        return Resolution(PENDING, rhk, iki)
    who = {"tahun": skp.tahun, "nip": skp.nip}
    codes = ", ".join(r.kode for r in skp.rhk) or deferred("(none)")
    r = skp.find_rhk(rhk) if rhk else None
    if rhk and r is None:
        return Resolution(UNKNOWN, rhk, iki, deferred(
            "{rhk} does not exist in the {tahun} SKP of NIP {nip} (its RHK: {codes})", rhk=rhk, codes=codes, **who))
    if iki:
        found = skp.find_iki(iki)
        if found is None:
            own = ", ".join(i.kode for i in (r.indikator if r else [i for _x, i in skp.indikator()])) \
                or deferred("(none)")
            if rhk:
                return Resolution(UNKNOWN, rhk, iki, deferred(
                    "{iki} does not exist in the {tahun} SKP of NIP {nip} under {rhk} (indicators: {codes})",
                    iki=iki, rhk=rhk, codes=own, **who))
            return Resolution(UNKNOWN, rhk, iki, deferred(
                "{iki} does not exist in the {tahun} SKP of NIP {nip} (indicators: {codes})", iki=iki, codes=own,
                **who))
        if r is not None and found[0].kode != r.kode:
            return Resolution(UNKNOWN, rhk, iki, deferred(
                "{iki} belongs to {owner}, not {rhk}, in the {tahun} SKP of NIP {nip}", iki=iki,
                owner=found[0].kode, rhk=rhk, **who))
        r = found[0]
    if periode and periode != "TAHUNAN" and not overlaps(span(periode, skp.tahun), skp.start, skp.end):
        return Resolution(UNKNOWN, r.kode if r else rhk, iki, deferred(
            "periode {periode} is outside the periode penilaian of the {tahun} SKP of NIP {nip} ({start} to {end})",
            periode=periode, start=skp.start.isoformat(), end=skp.end.isoformat(), **who))
    return Resolution(RESOLVED, r.kode if r else rhk, iki)


def link_codes(row: Any) -> tuple[str | None, str | None]:
    """(rhk, iki) a submission is filed under. A folder in the RHK place that is an indicator
    code (``IKI-02``) names the indicator; with no {iki} in the pattern, one ``IKI-nn`` folder
    anywhere in the path names it too (``RHK-01/IKI-02/file.pdf``)."""
    key = EvidenceKey.of(row)
    rhk, iki = key.rhk, key.iki
    if rhk and is_iki_code(rhk):
        iki = iki or normalize_iki(rhk)
        rhk = None
    relpath = row.get("relpath") if isinstance(row, Mapping) else getattr(row, "relpath", None)
    if iki is None and relpath:
        found = {normalize_iki(f) for f in relpath.split("/")[:-1] if is_iki_code(f)}
        if len(found) == 1:
            iki = found.pop()
    return rhk, iki


def _restored_status(conn: Any, row: Any) -> str:
    return "duplicate" if q.stored_before(conn, row.sha256, row.id) else "archived"


def _apply(archive: Archive, conn: Any, row: Any, res: Resolution) -> str | None:
    """Bring one submission's status in line with its resolution; returns the change made."""
    now = archive.now()
    base = {"share": row.share, "path": row.relpath, "link": EvidenceKey.of(row).as_dict()}
    if res.state == UNKNOWN and row.status in ("archived", "duplicate"):
        q.set_unlinked(conn, row.id, REASON_CODE, res.reason)
        custody.append(conn, "unlinked", at=now, actor=archive.actor, submission_id=row.id, sha256=row.sha256,
                       detail={**base, "reason": res.reason})
        return "unlinked"
    if res.state in (RESOLVED, PENDING) and row.status == "unlinked" and row.reason_code == REASON_CODE:
        status = _restored_status(conn, row)
        q.set_link(conn, row.id, None, status=status, reason_code=None, reason=None)
        custody.append(conn, "relinked", at=now, actor=archive.actor, submission_id=row.id, sha256=row.sha256,
                       detail={**base, "from": base["link"], "to": base["link"], "status": status,
                               "reason": deferred("the SKP now holds the code this file is filed under")})
        return "restored"
    if (res.state == UNKNOWN and row.status == "unlinked" and row.reason_code == REASON_CODE
            and row.reason != res.reason):
        q.set_link_reason(conn, row.id, res.reason)
    return None


def judge_new_submission(archive: Archive, submission_id: int, *, nip: str | None = None,
                         tahun: int | None = None) -> Resolution | None:
    """Judge a newly archived submission against its pegawai's SKP, if imported.

    Returns the resolution it was judged by (state ``unknown``: the submission is now
    unlinked, with the reason), or None when there was nothing to judge (no link codes,
    not stored as linked evidence, or no SKP yet: kept as parsed, judged at import).
    ``nip`` and ``tahun`` (what ingest parsed from the folders) let a file whose pegawai has
    no SKP that year cost one small query (the usual case before the SKPs are imported).
    """
    if nip is not None and tahun is not None:
        with archive.catalog.read() as conn:
            if not q.has_skp(conn, nip=nip, tahun=tahun):
                return None
    def judged(conn: Any) -> tuple[Any, Any] | None:
        row = subs.get(conn, submission_id)
        if row is None or row.status not in ("archived", "duplicate"):
            return None
        if not (row.nip and row.tahun and (row.rhk or row.iki)):
            return None
        skps = q.load_skps(conn, nip=row.nip, tahun=row.tahun)
        if not skps:
            return None  # pending: kept as parsed, judged when the SKP is imported
        return row, skps[0]

    with archive.catalog.read() as conn:  # most files have nothing to judge: no write lock for them
        if judged(conn) is None:
            return None
    with archive.catalog.begin() as conn:
        found = judged(conn)  # again under the write lock: an import may have come in between
        if found is None:
            return None
        row, skp = found
        res = resolve(skp, *link_codes(row), row.periode)
        _apply(archive, conn, row, res)
        return res


def resolve_for(archive: Archive, keys: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Judge every stored submission of these (nip, tahun) again (after an SKP import)."""
    counts = {"unlinked": 0, "restored": 0, "resolved": 0}
    changed: list[int] = []
    for nip, tahun in sorted(set(keys)):
        with archive.catalog.begin() as conn:
            skps = q.load_skps(conn, nip=nip, tahun=tahun)
            for row in q.linked_submissions(conn, nip, tahun):
                res = resolve(skps[0] if skps else None, *link_codes(row), row.periode)
                change = _apply(archive, conn, row, res)
                if change:
                    counts[change] += 1
                    changed.append(row.id)
                elif res.state == RESOLVED:
                    counts["resolved"] += 1
    if changed:  # the index carries each file's status for its filters
        reindex_changed(archive, changed)
    return counts


# --------------------------------------------------------------------------- relink by hand

def relink(archive: Archive, submission_id: int, *, rhk: str | None, iki: str | None = None,
           nip: str | None = None, tahun: int | None = None, periode: str | None = None,
           actor: str | None = None) -> dict[str, Any]:
    """Set a submission's link (the rest of the link is kept) and record ``relinked`` by ``actor``."""
    if not rhk and not iki:
        raise UsageError(_("give --rhk (and/or --iki): the code to file this evidence under"))
    new_rhk = normalize_rhk(rhk) if rhk else None
    new_iki = normalize_iki(iki) if iki else None
    new_periode = None
    if periode:
        new_periode = normalize_periode(periode)
        if new_periode is None:
            raise UsageError(_("--periode {periode!r} is not a periode; write TW1-TW4, a month 01-12 or TAHUNAN")
                             .format(periode=periode))
    if nip:
        try:
            nip = parse_nip(nip).nip
        except NipError as exc:
            raise UsageError(_("--nip: {error}").format(error=exc)) from None
    with archive.catalog.begin() as conn:
        row = subs.get(conn, submission_id)
        if row is None:
            raise NotFound(_("no submission {id}").format(id=submission_id),
                           hint=_("see `archiver list --status unlinked`"))
        if row.status not in STORED:
            raise UsageError(_("submission {id} is {status}: its bytes are not evidence, so it cannot be linked")
                             .format(id=submission_id, status=status_label(row.status)),
                             hint=_("fix the file and drop it again"))
        to = EvidenceKey(nip or row.nip, tahun or row.tahun, new_periode or row.periode, new_rhk, new_iki)
        missing = [k for k in ("nip", "tahun", "periode") if not getattr(to, k)]
        if missing or to.nip is None or to.tahun is None:
            raise UsageError(_("submission {id} has no {fields} from its folders; give {options}").format(
                id=submission_id, fields=", ".join(missing), options=" ".join(f"--{k}" for k in missing)))
        skps = q.load_skps(conn, nip=to.nip, tahun=to.tahun)
        res = resolve(skps[0] if skps else None, new_rhk, new_iki, to.periode)
        if res.state == UNKNOWN:
            raise ValidationFailed(_("cannot relink submission {id}: {reason}").format(
                id=submission_id, reason=render(res.reason)))
        to = to.replace(rhk=res.rhk)
        status = row.status if row.status != "unlinked" else _restored_status(conn, row)
        frm = EvidenceKey.of(row).as_dict()
        q.set_link(conn, submission_id, to, status=status,
                   reason_code=None if status != "unlinked" else row.reason_code,
                   reason=None if status != "unlinked" else row.reason)
        detail = {"share": row.share, "path": row.relpath, "from": frm, "to": to.as_dict(), "status": status,
                  "skp": "pending" if res.state == PENDING else "resolved"}
        seq = custody.append(conn, "relinked", at=archive.now(), actor=actor or archive.actor,
                             submission_id=submission_id, sha256=row.sha256, detail=detail)
    reindex_changed(archive, [submission_id])  # the search index carries the link for its filters
    return {"submission_id": submission_id, "event": seq, **detail}


def current_submissions(conn: Any, *, nips: Iterable[str] | None = None, tahun: int | None = None) -> list[Any]:
    """The live, stored submission of every file in the shares (latest version, not removed)."""
    return list(q.current_submissions(conn, nips=nips, tahun=tahun))
