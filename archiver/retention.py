"""Retention, legal hold and disposition: nothing leaves the archive without two admins and a record.

    retention.status(archive)                          what is due when, what is held or protected
    retention.set_hold(archive, nip=..., reason=..., reference=..., actor=...)   an auditor's legal hold
    retention.release_hold(archive, hold_id, note=..., actor=...)
    retention.propose(archive, user, note=...)         admin A: the eligible submissions, frozen
    retention.approve(archive, disposition_id, user)   admin B (another account): executes it
    retention.blockers(archive, submission_ids)        what keeps each submission (holds, links, findings...)

**Retention** (``[retention]`` in the configuration, docs/retention.md): evidence is kept
``evidence_years`` after the end of its tahun (a file without a tahun: after it was received);
0 keeps it permanently. The custody log is never disposed of.

**Legal hold**: an auditor or admin holds every submission of a pegawai (NIP), a unit, a tahun
and/or a periode (all the criteria given must match) with a reason and a reference (the nomor
surat tugas); released by an auditor or admin with a note. Custody events ``hold_set`` and
``hold_released``. A held submission is never eligible for disposition.

**Disposition** needs two admin accounts. Admin A proposes: the submissions whose retention
ended, not held, not in a valid share link, not evidence of an open finding, and whose blob no
other submission still kept needs (nor a generated document) are frozen into the proposal
(``disposition_proposed``). Admin B, a different account, approves: each item is checked again
(a hold set since keeps it), the kept ones are recorded as such, the others become ``disposed``
(one ``disposed`` event each, with the SHA-256, size and rule), their extracted text and index
entries are deleted, and only then are their blobs removed from the store. A store that refuses
(an Object-Locked S3 object) is reported and recorded; the run goes on. ``archiver verify``
expects a disposed blob to be missing. Nothing is ever removed automatically.

Accounts: on the web the logged-in admin; on the command line ``--as USER`` names a web admin
account and its password is asked for, so that the two admins are two people, not one shell.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .accounts import User
from .catalog import custody
from .catalog import retention as rows
from .errors import NotFound, PermissionDenied, UsageError
from .evidence import Filters
from .i18n import _, pgettext

if TYPE_CHECKING:
    from .archive import Archive

log = logging.getLogger(__name__)

#: A disposition's life: proposed (admin A) -> approved (admin B; being executed) -> executed; or
#: proposed -> cancelled (by any admin, with the reason; nothing is removed).
DISPOSITION_STATES = ("proposed", "approved", "executed", "cancelled")
#: Who may set and release a legal hold; who proposes and approves a disposition.
HOLDERS = ("auditor", "admin")
DISPOSERS = ("admin",)
MAX_TEXT = 2000


def state_label(state: str) -> str:
    labels = {"proposed": pgettext("disposition", "proposed"), "approved": pgettext("disposition", "approved"),
              "executed": pgettext("disposition", "executed"), "cancelled": pgettext("disposition", "cancelled")}
    return labels.get(state, state)


def _today(archive: Archive) -> dt.date:
    return archive.clock().astimezone(dt.UTC).date()


def due_date(row: dict[str, Any], years: int) -> dt.date | None:
    """When a submission's retention ends (None: kept permanently): the end of its tahun plus ``years``,
    or its reception date plus ``years`` when it has no tahun."""
    if years <= 0:
        return None
    if row.get("tahun"):
        return dt.date(int(row["tahun"]) + years + 1, 1, 1)
    received = dt.date.fromisoformat(str(row["received_at"])[:10])
    try:
        return received.replace(year=received.year + years)
    except ValueError:  # 29 February
        return received.replace(year=received.year + years, day=28)


def rule_of(archive: Archive) -> dict[str, Any]:
    years = archive.config.retention.evidence_years
    return {"kind": "evidence", "years": years, "counted_from": "end of tahun, else reception",
            "setting": "[retention] evidence_years"}


# --------------------------------------------------------------------------- eligibility


@dataclass
class Eligibility:
    today: dt.date
    eligible: list[dict[str, Any]] = field(default_factory=list)
    held: dict[int, list[int]] = field(default_factory=dict)         # submission -> holds
    protected: dict[int, list[str]] = field(default_factory=dict)    # submission -> share:ID / finding:ID
    waiting: dict[int, list[str]] = field(default_factory=dict)      # submission -> why its blob is still needed
    by_year: dict[int, int] = field(default_factory=dict)            # year retention ends -> submissions
    permanent: int = 0


def _eligibility(archive: Archive, conn: Any) -> Eligibility:
    years = archive.config.retention.evidence_years
    today = _today(archive)
    result = Eligibility(today)
    due: dict[int, dict[str, Any]] = {}
    for row in rows.stored_submissions(conn):
        d = due_date(row, years)
        if d is None:
            result.permanent += 1
            continue
        if d > today:
            result.by_year[d.year] = result.by_year.get(d.year, 0) + 1
            continue
        due[int(row["id"])] = {**row, "due": d.isoformat()}
    if not due:
        return result
    result.held = dict(rows.held_ids(conn, rows.holds(conn, active_only=True), due))
    result.protected = dict(rows.protected_submissions(conn, list(due), now=archive.now()))
    candidates = {sid: r for sid, r in due.items() if sid not in result.held and sid not in result.protected}
    groups: dict[str, list[int]] = defaultdict(list)
    for sid, r in candidates.items():
        groups[r["sha256"]].append(sid)
    holders = rows.live_holders(conn, list(groups))
    documents = rows.document_blobs(conn, list(groups))
    for sha, sids in groups.items():
        others = [o for o in holders.get(sha, []) if o not in candidates]
        if others or sha in documents:
            why = [f"submission:{o}" for o in others] + (["document"] if sha in documents else [])
            for sid in sids:
                result.waiting[sid] = why
            continue
        result.eligible.extend(candidates[sid] for sid in sids)
    result.eligible.sort(key=lambda r: int(r["id"]))
    return result


def blockers(archive: Archive, submission_ids: list[int]) -> dict[int, list[str]]:
    """What keeps each of these submissions now: ``retention`` (not due), ``hold:ID``, ``share:ID``,
    ``finding:ID``, ``submission:ID`` (another kept submission of the same blob), ``document``.
    A submission with no entry may be disposed of."""
    with archive.catalog.read() as conn:
        e = _eligibility(archive, conn)
    eligible = {int(r["id"]) for r in e.eligible}
    out: dict[int, list[str]] = {}
    for sid in submission_ids:
        if sid in eligible:
            continue
        why = [f"hold:{h}" for h in e.held.get(sid, [])] + e.protected.get(sid, []) + e.waiting.get(sid, [])
        out[sid] = why or ["retention"]
    return out


def status(archive: Archive) -> dict[str, Any]:
    """What is due when: evidence by the year its retention ends, what is due now and what keeps it."""
    cfg = archive.config.retention
    with archive.catalog.read() as conn:
        e = _eligibility(archive, conn)
        active = rows.holds(conn, active_only=True)
        pending = [d for d in rows.list_dispositions(conn) if d["state"] != "executed"]
        quarantined = rows.quarantined_received(conn)
    q_due = 0
    if cfg.quarantined_years:
        q_due = sum(1 for at in quarantined
                    if (d := due_date({"received_at": at}, cfg.quarantined_years)) is not None and d <= e.today)
    return {
        "today": e.today.isoformat(),
        "rules": {"evidence_years": cfg.evidence_years, "workbooks_years": cfg.workbooks_years,
                  "documents_years": cfg.documents_years, "quarantined_years": cfg.quarantined_years},
        "eligible": len(e.eligible), "eligible_bytes": sum(int(r["size"]) for r in e.eligible),
        "held": len(e.held), "protected": len(e.protected), "waiting": len(e.waiting),
        "permanent": e.permanent, "by_year": dict(sorted(e.by_year.items())),
        "active_holds": len(active), "pending_dispositions": [int(d["id"]) for d in pending],
        "quarantined_due": q_due,
    }


# --------------------------------------------------------------------------- legal holds


def _text(value: str | None, what: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise UsageError(_("{what} is required").format(what=what))
    if len(text) > MAX_TEXT:
        raise UsageError(_("{what} is too long (at most {n} characters)").format(what=what, n=MAX_TEXT))
    return text


def set_hold(archive: Archive, *, nip: str | None = None, unit: str | None = None, tahun: int | None = None,
             periode: str | None = None, reason: str, reference: str, actor: str) -> dict[str, Any]:
    """Hold every submission matching all the given criteria (at least one); a ``hold_set`` event."""
    f = Filters(nip=nip or None, unit=(unit or "").strip() or None, tahun=tahun or None,
                periode=periode or None).normalized()
    if not (f.nip or f.unit or f.tahun or f.periode):
        raise UsageError(_("a legal hold needs a NIP, a unit, a tahun or a periode"))
    values = {"nip": f.nip, "unit": f.unit, "tahun": f.tahun, "periode": f.periode,
              "reason": _text(reason, _("the reason"), required=True),
              "reference": _text(reference, _("the reference (nomor surat tugas)"), required=True)}
    at = archive.now()
    with archive.catalog.begin() as conn:
        hid = rows.add_hold(conn, **values, set_by=actor, set_at=at)
        custody.append(conn, "hold_set", at=at, actor=actor, detail={"hold": hid, **values})
        held = rows.hold(conn, hid)
        assert held is not None
        held["submissions"] = rows.held_count(conn, held)
    return held


def release_hold(archive: Archive, hold_id: int, *, note: str, actor: str) -> dict[str, Any]:
    """Release an active hold with a note; a ``hold_released`` event."""
    text = _text(note, _("the note"), required=True)
    at = archive.now()
    with archive.catalog.begin() as conn:
        held = rows.hold(conn, hold_id)
        if held is None:
            raise NotFound(_("legal hold {id} does not exist").format(id=hold_id))
        if not rows.release_hold(conn, hold_id, by=actor, at=at, note=text):
            raise UsageError(_("legal hold {id} was already released").format(id=hold_id))
        custody.append(conn, "hold_released", at=at, actor=actor, detail={"hold": hold_id, "note": text})
        released = rows.hold(conn, hold_id)
    assert released is not None
    return released


def holds(archive: Archive, *, active_only: bool = False) -> list[dict[str, Any]]:
    with archive.catalog.read() as conn:
        out = rows.holds(conn, active_only=active_only)
        for h in out:
            h["submissions"] = rows.held_count(conn, h) if h["released_at"] is None else None
    return out


def hold_scope(h: dict[str, Any]) -> str:
    """A hold's criteria for people: "NIP 1985…, tahun 2026, TW1"."""
    parts = []
    if h["nip"]:
        parts.append(_("NIP {nip}").format(nip=h["nip"]))
    if h["unit"]:
        parts.append(_("unit {unit}").format(unit=h["unit"]))
    if h["tahun"]:
        parts.append(_("tahun {tahun}").format(tahun=h["tahun"]))
    if h["periode"]:
        parts.append(str(h["periode"]))
    return ", ".join(parts)


# --------------------------------------------------------------------------- dispositions


def _require_admin(user: User) -> None:
    if user.role not in DISPOSERS or user.disabled:
        raise PermissionDenied(_("{name} is not an administrator: only admin accounts propose and approve "
                                 "dispositions").format(name=user.name))


def propose(archive: Archive, user: User, *, note: str = "", via: str = "web") -> dict[str, Any]:
    """Admin A: freeze the submissions eligible now into a proposal (``disposition_proposed``)."""
    _require_admin(user)
    text = _text(note, _("the note"), required=False)
    rule = rule_of(archive)
    at = archive.now()
    with archive.catalog.begin() as conn:
        e = _eligibility(archive, conn)
        if not e.eligible:
            raise UsageError(_("no submission is eligible for disposition now"),
                             hint=_("retention has not ended, or what is due is held or still needed"))
        did = rows.add_disposition(conn, rule=json.dumps(rule), note=text, by=user.name, at=at, items=e.eligible)
        custody.append(conn, "disposition_proposed", at=at, actor=user.actor, detail={
            "disposition": did, "via": via, "rule": rule, "note": text, "items": len(e.eligible),
            "bytes": sum(int(r["size"]) for r in e.eligible),
            "submissions": [int(r["id"]) for r in e.eligible]})
    return show(archive, did)


def approve(archive: Archive, did: int, user: User, *, via: str = "web") -> dict[str, Any]:
    """Admin B (not the proposer): check each item again and execute the disposition."""
    _require_admin(user)
    at = archive.now()
    with archive.catalog.begin() as conn:
        d = rows.disposition(conn, did)
        if d is None:
            raise NotFound(_("disposition {id} does not exist").format(id=did))
        if d["state"] != "proposed":
            raise UsageError(_("disposition {id} is already {state}").format(id=did, state=state_label(d["state"])))
        if d["proposed_by"] == user.name:
            raise PermissionDenied(_("{name} proposed disposition {id}: another admin must approve it").format(
                name=user.name, id=did))
        items = rows.items_of(conn, did)
        now_ok = {int(r["id"]) for r in _eligibility(archive, conn).eligible}
        go = [i for i in items if int(i["submission_id"]) in now_ok]
        rows.approve(conn, did, by=user.name, at=at)
        custody.append(conn, "disposition_approved", at=at, actor=user.actor, detail={
            "disposition": did, "via": via, "proposed_by": d["proposed_by"], "items": len(items),
            "disposed": len(go), "kept": len(items) - len(go)})
        rule = json.loads(d["rule"])
        for i in items:
            sid = int(i["submission_id"])
            rows.set_outcome(conn, did, sid, "disposed" if sid in now_ok else "kept")
        rows.dispose_submissions(conn, [int(i["submission_id"]) for i in go])
        for i in go:
            custody.append(conn, "disposed", at=at, actor=user.actor, submission_id=int(i["submission_id"]),
                           sha256=i["sha256"], detail={"disposition": did, "size": int(i["size"]), "due": i["due"],
                                                       "rule": rule, "status": "disposed"})
        for sha in sorted({i["sha256"] for i in go}):
            rows.dispose_blob(conn, sha, did=did, at=at)
    _remove_blobs(archive, did, sorted({i["sha256"] for i in go}))
    _unindex(archive, [int(i["submission_id"]) for i in go])
    with archive.catalog.begin() as conn:
        rows.set_state(conn, did, "executed", executed_at=archive.now())
    return show(archive, did)


def cancel(archive: Archive, did: int, user: User, *, note: str, via: str = "web") -> dict[str, Any]:
    """Any admin (the proposer too) withdraws a proposal before it is approved, saying why
    (``disposition_cancelled``). Nothing is removed; its files may be proposed again."""
    _require_admin(user)
    text = _text(note, _("the reason"), required=True)
    at = archive.now()
    with archive.catalog.begin() as conn:
        d = rows.disposition(conn, did)
        if d is None:
            raise NotFound(_("disposition {id} does not exist").format(id=did))
        if not rows.cancel(conn, did, by=user.name, at=at, note=text):
            raise UsageError(_("disposition {id} is already {state}").format(id=did, state=state_label(d["state"])))
        custody.append(conn, "disposition_cancelled", at=at, actor=user.actor, detail={
            "disposition": did, "via": via, "proposed_by": d["proposed_by"], "note": text})
    return show(archive, did)


def _remove_blobs(archive: Archive, did: int, shas: list[str]) -> None:
    """After the catalog says disposed: remove each blob; a refusal is recorded, never raised."""
    for sha in shas:
        problem = archive.store.remove(sha)
        if problem:
            log.warning("disposition %s: blob %s kept: %s", did, sha, problem)
        with archive.catalog.begin() as conn:
            rows.blob_removed(conn, sha, problem)


def _unindex(archive: Archive, ids: list[int]) -> None:
    """Remove them from this node's search index now (search also skips disposed submissions)."""
    if not ids:
        return
    from .search import IndexError_, backend_of

    try:
        with backend_of(archive).writer(timeout=5.0, merge=False) as w:
            for sid in ids:
                w.delete(str(sid))
    except (IndexError_, OSError) as exc:
        log.info("search index: disposed submissions %s not removed now (%s)", ids, exc)


def dispositions(archive: Archive) -> list[dict[str, Any]]:
    with archive.catalog.read() as conn:
        return rows.list_dispositions(conn)


def show(archive: Archive, did: int) -> dict[str, Any]:
    """A disposition with its rule and items (submission, SHA-256, size, due date, outcome)."""
    with archive.catalog.read() as conn:
        d = rows.disposition(conn, did)
        if d is None:
            raise NotFound(_("disposition {id} does not exist").format(id=did))
        d["rule"] = json.loads(d["rule"])
        d["items"] = rows.items_of(conn, did)
        kept = {str(r["sha256"]): r for r in rows.disposed_blob_rows(conn, did)}
    d["bytes"] = sum(int(i["size"]) for i in d["items"])
    d["blobs_kept"] = [{"sha256": sha, "problem": r["problem"]} for sha, r in kept.items() if not r["removed"]]
    return d



def event_sentence(kind: str, d: dict[str, Any]) -> tuple[str, set[str]]:
    """The custody events of this module as a sentence (``web.texts.describe_event``)."""
    if kind == "hold_set":
        scope = hold_scope({k: d.get(k) for k in ("nip", "unit", "tahun", "periode")})
        return (_("legal hold #{hold} set on {scope}: {reason} (reference {reference})").format(
            hold=d.get("hold", "-"), scope=scope or "-", reason=d.get("reason", ""), reference=d.get("reference", "")),
            {"hold", "nip", "unit", "tahun", "periode", "reason", "reference"})
    if kind == "hold_released":
        return (_("legal hold #{hold} released: {note}").format(hold=d.get("hold", "-"), note=d.get("note", "")),
                {"hold", "note"})
    if kind == "disposition_proposed":
        return (_("disposition #{id} proposed: {n} files whose retention ended").format(
            id=d.get("disposition", "-"), n=d.get("items", 0)),
            {"disposition", "items", "bytes", "submissions", "rule", "via", "note"})
    if kind == "disposition_cancelled":
        return (_("disposition #{id} (proposed by {by}) cancelled: {note}").format(
            id=d.get("disposition", "-"), by=d.get("proposed_by", "-"), note=d.get("note", "")),
            {"disposition", "proposed_by", "note", "via"})
    if kind == "disposition_approved":
        return (_("disposition #{id} (proposed by {by}) approved: {n} files disposed of, {kept} kept").format(
            id=d.get("disposition", "-"), by=d.get("proposed_by", "-"), n=d.get("disposed", 0),
            kept=d.get("kept", 0)), {"disposition", "proposed_by", "items", "disposed", "kept", "via"})
    rule: dict[str, Any] = d["rule"] if isinstance(d.get("rule"), dict) else {}
    return (_("disposed of by disposition #{id}: retention of {years} years ended on {due}").format(
        id=d.get("disposition", "-"), years=rule.get("years", "-"), due=d.get("due", "-")),
        {"disposition", "size", "due", "rule", "status"})
