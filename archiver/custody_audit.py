"""The catalog against the custody log: every submission must be what its events made it.

The custody chain proves that events were not edited; this module proves that the catalog rows
were not edited behind the events' back. It replays every event that creates or changes a
submission, in chain order, and compares the result with the ``submissions`` table:

* ``received`` + the outcome (archived, duplicate, unlinked, quarantined, ignored) create it:
  share, path, blob (the event's sha256), version, status and link (``detail.link``);
* ``moved`` moves every live submission at ``from`` to ``to`` with the new link (as
  ``catalog.core.follow_move`` does) and sets the moved one's status;
* ``removed`` marks every live submission at that path removed;
* ``relinked`` (by hand or after an SKP import) sets the link to ``detail.to`` and the status;
* ``released`` (an admin accepts a quarantined file) and ``unlinked`` (the SKP does not hold
  the code) set the status; ``disposed`` (a disposition two admins approved) makes it disposed.

A submission whose blob differs from its events was re-pointed at other bytes; one whose NIP
differs was given to another pegawai: both are named. Events written before the link was always
recorded (an empty or partial link left out) leave those fields unchecked rather than guessed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .catalog import audit
from .catalog.schema import STATUSES
from .evidence import KEY_FIELDS
from .i18n import _


@dataclass
class _Expected:
    share: str
    path: str
    sha256: str | None
    seq: int  # the received event
    version: int | None = None
    status: str | None = None
    link: dict[str, Any] = field(default_factory=dict)  # field -> value; a field not present is unchecked
    removed: bool = False


@dataclass(frozen=True)
class CustodyMismatch:
    kind: str  # evidence_repointed, evidence_reassigned, link_changed, version_changed, status_changed,
    #            path_changed, removal_changed, submission_unrecorded, submission_deleted
    subject: str  # the submission id
    message: str


def _full_link(recorded: dict[str, Any]) -> dict[str, Any]:
    """A link as an event records it (the fields that are set) -> every field, None where unset."""
    return {f: recorded.get(f) for f in KEY_FIELDS}


def _legacy_link() -> dict[str, Any]:
    """Outcome events before the link was always recorded left it out only when nip, periode and rhk
    were all unset; tahun and iki may have been set: not checked."""
    return {"nip": None, "periode": None, "rhk": None}


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class _Replay:
    def __init__(self) -> None:
        self.subs: dict[int, _Expected] = {}
        self.at_path: dict[tuple[str, str], set[int]] = defaultdict(set)

    def apply(self, ev: dict[str, Any]) -> None:
        kind, sid, d = ev["kind"], int(ev["submission_id"]), _detail(ev["detail"])
        exp = self.subs.get(sid)
        if kind == "received":
            if exp is None:
                exp = _Expected(str(d.get("share")), str(d.get("path")), ev["sha256"], ev["seq"])
                self.subs[sid] = exp
                self.at_path[(exp.share, exp.path)].add(sid)
            return
        if exp is None:
            return  # an event without its received event: the chain check names what is wrong
        if kind == "disposed":  # an approved disposition (archiver.retention)
            exp.status = "disposed"
        elif kind in STATUSES and exp.status is None:  # the outcome, right after received
            exp.status = kind
            exp.version = d.get("version")
            exp.link = _full_link(d["link"]) if isinstance(d.get("link"), dict) else _legacy_link()
        elif kind == "moved":
            src, dst = (str(d.get("share")), str(d.get("from"))), (str(d.get("share")), str(d.get("to")))
            link = _full_link(d["link"]) if isinstance(d.get("link"), dict) else {}
            for other in [i for i in self.at_path.get(src, ()) if not self.subs[i].removed]:
                moving = self.subs[other]
                self.at_path[src].discard(other)
                moving.path = dst[1]
                moving.link = dict(link)
                self.at_path[dst].add(other)
            if "status" in d:
                exp.status = d["status"]
        elif kind == "removed":
            for other in self.at_path.get((str(d.get("share")), str(d.get("path"))), ()):
                self.subs[other].removed = True
        elif kind == "relinked":
            if isinstance(d.get("to"), dict):
                exp.link = _full_link(d["to"])
            if "status" in d:
                exp.status = d["status"]
        elif kind == "released":
            if "status" in d:
                exp.status = d["status"]
        elif kind == "unlinked":
            exp.status = "unlinked"


def _label(row: dict[str, Any]) -> str:
    return _("submission {id} ({share}/{path})").format(id=row["id"], share=row["share"], path=row["relpath"])


def _compare(row: dict[str, Any], exp: _Expected) -> Iterator[CustodyMismatch]:
    sid, label = str(row["id"]), _label(row)
    if row["sha256"] != exp.sha256:
        yield CustodyMismatch("evidence_repointed", sid,
                              _("{label} now points to blob {sha256}, but the custody log (since event {seq}) "
                                "records blob {expected}: the evidence was redirected to other content").format(
                                  label=label, sha256=row["sha256"], seq=exp.seq, expected=exp.sha256))
    want_nip = exp.link.get("nip", row["nip"])
    if "nip" in exp.link and row["nip"] != want_nip:
        yield CustodyMismatch("evidence_reassigned", sid,
                              _("{label} is recorded under NIP {nip}, but the custody log gave it to NIP {expected}: "
                                "the evidence was moved to another pegawai").format(
                                  label=label, nip=row["nip"], expected=want_nip))
    changed = [_("{field} {value} (custody log: {expected})").format(
                   field=f, value=repr(row[f]), expected=repr(exp.link[f])) for f in KEY_FIELDS
               if f != "nip" and f in exp.link and row[f] != exp.link[f]]
    if changed:
        yield CustodyMismatch("link_changed", sid, _("{label} has links the custody log did not record: {links}")
                              .format(label=label, links=", ".join(changed)))
    if exp.version is not None and row["version"] != exp.version:
        yield CustodyMismatch("version_changed", sid, _(
            "{label} has version {version}, but the custody log records version {expected}").format(
                label=label, version=row["version"], expected=exp.version))
    if exp.status is not None and row["status"] != exp.status:
        yield CustodyMismatch("status_changed", sid, _(
            "{label} has status {status}, but the custody log made it {expected}").format(
                label=label, status=row["status"], expected=exp.status))
    if (row["share"], row["relpath"]) != (exp.share, exp.path):
        yield CustodyMismatch("path_changed", sid, _("{label}: the custody log places it at {share}/{path}").format(
            label=label, share=exp.share, path=exp.path))
    if bool(row["removed_at"]) != exp.removed:
        yield CustodyMismatch("removal_changed", sid, (
            _("{label} is marked as removed from the shared folder without a removed event") if row["removed_at"] else
            _("{label} is marked as still in the shared folder, but a removed event records it gone")
        ).format(label=label))


def audit_catalog(catalog: Any) -> list[CustodyMismatch]:
    """Every difference between the submissions table and what the custody events made of it."""
    replay = _Replay()
    problems: list[CustodyMismatch] = []
    seen: set[int] = set()
    with catalog.read() as conn:  # one snapshot: events and submissions as of the same moment
        for ev in audit.changing_events(conn):
            replay.apply(ev)
        for row in audit.audited_submissions(conn):
            sid = int(row["id"])
            seen.add(sid)
            exp = replay.subs.get(sid)
            if exp is None:
                problems.append(CustodyMismatch("submission_unrecorded", str(sid),
                                                _("{label} has no received event in the custody log: added "
                                                  "to the catalog outside archiver").format(label=_label(row))))
                continue
            problems.extend(_compare(row, exp))
    for sid in sorted(set(replay.subs) - seen):
        exp = replay.subs[sid]
        problems.append(CustodyMismatch("submission_deleted", str(sid),
                                        _("submission {id} ({share}/{path}, received in event {seq}) is in the "
                                          "custody log but missing from the catalog: the submission was deleted")
                                        .format(id=sid, share=exp.share, path=exp.path, seq=exp.seq)))
    return problems
