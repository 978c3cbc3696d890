"""Findings and follow-up as an Inspektorat works (APIP standard): temuan -> rekomendasi -> tindak lanjut.

An auditor opens a finding on a scope (a unit kerja, a pegawai, an indicator of a pegawai's
SKP, a tahun and periode; any may be left out) with its kondisi, kriteria, sebab and akibat,
links the evidence it rests on ("basis") and writes a recommendation with a due date. The
unit answers (tindak lanjut: a text and follow-up evidence it may see); the auditor closes
the finding or reopens it with a note. Status: ``terbuka`` (open), ``ditindaklanjuti``
(answered), ``selesai`` (closed); "overdue" is computed: the due date has passed and the
finding is not closed.

Who sees a finding: auditors and admins every one; a pegawai or atasan the findings of a
pegawai they may see (``accounts.may_see`` in the finding's tahun) and of a unit in which
they are pegawai, pejabat penilai or atasan in the finding's tahun (the SKP rows). Others get
NotFound (404), as for evidence outside their scope. Who answers: those who see it (not
auditors: they judge the answer) and admins. Every step is a ``finding`` custody event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from ..accounts import User, may_see, visible_nips
from ..archive import Archive
from ..catalog import custody
from ..catalog import findings as rows
from ..errors import NotFound, PermissionDenied, UsageError
from ..evidence import Filters, normalize_iki, normalize_rhk
from ..i18n import N_, _
from ..nip import normalize_nip
from ..periode import normalize_periode

STATUSES = ("terbuka", "ditindaklanjuti", "selesai")
STATUS_LABELS = {"terbuka": N_("open"), "ditindaklanjuti": N_("answered"), "selesai": N_("closed")}
#: The documents' (always Indonesian) words for the statuses.
STATUS_ID = {"terbuka": "Terbuka", "ditindaklanjuti": "Ditindaklanjuti", "selesai": "Selesai"}
OVERDUE_ID = "Lewat jatuh tempo"
STEPS = ("opened", "recommended", "evidence_added", "answered", "closed", "reopened")
STEP_LABELS = {"opened": N_("finding opened"), "recommended": N_("recommendation written"),
               "evidence_added": N_("basis evidence added"), "answered": N_("follow-up submitted"),
               "closed": N_("finding closed"), "reopened": N_("finding reopened")}
AUDITORS = ("auditor",)
MAX_TEXT = 5000


@dataclass
class Evidence:
    """One submission linked to a finding."""

    submission_id: int
    role: str  # basis | followup
    name: str
    sha256: str
    nip: str | None
    tahun: int | None
    periode: str | None
    rhk: str | None

    @property
    def short(self) -> str:
        return self.sha256[:12]


@dataclass
class Finding:
    id: int
    unit: str | None
    nip: str | None
    tahun: int | None
    periode: str | None
    rhk: str | None
    iki: str | None
    judul: str
    kondisi: str
    kriteria: str
    sebab: str
    akibat: str
    rekomendasi: str | None
    due: str | None
    status: str
    created_by: str
    created_at: str
    updated_at: str
    overdue: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scope_text(self) -> str:
        """``unit APTIKA, NIP 1985..., RHK-01/IKI-01, tahun 2026, periode TW1`` (Indonesian: documents too)."""
        parts = []
        if self.unit:
            parts.append(f"unit {self.unit}")
        if self.nip:
            parts.append(f"NIP {self.nip}")
        if self.rhk:
            parts.append(self.rhk + (f"/{self.iki}" if self.iki else ""))
        if self.tahun:
            parts.append(f"tahun {self.tahun}")
        if self.periode:
            parts.append(f"periode {self.periode}")
        return ", ".join(parts) or "-"

    @property
    def answers(self) -> list[dict[str, Any]]:
        return [s for s in self.steps if s["step"] == "answered"]

    def as_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in ("id", "unit", "nip", "tahun", "periode", "rhk", "iki", "judul", "kondisi",
                                           "kriteria", "sebab", "akibat", "rekomendasi", "due", "status", "overdue",
                                           "created_by", "created_at", "updated_at")}
        d["evidence"] = [{"submission_id": e.submission_id, "role": e.role, "name": e.name, "sha256": e.sha256}
                         for e in self.evidence]
        d["tindak_lanjut"] = [{"text": s["text"], "actor": s["actor"], "at": s["at"]} for s in self.answers]
        return d


def status_label(status: str) -> str:
    """A status in the reader's language."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def step_label(step: str) -> str:
    return _(STEP_LABELS[step]) if step in STEP_LABELS else step


def status_text(f: Finding) -> str:
    """The status in the documents' words (Indonesian), with "lewat jatuh tempo" when overdue."""
    text = STATUS_ID.get(f.status, f.status)
    return f"{text} ({OVERDUE_ID.lower()})" if f.overdue else text


def today(archive: Archive) -> dt.date:
    return archive.clock().astimezone(ZoneInfo(archive.config.archive.timezone)).date()


def _finding(row: dict[str, Any], today_: dt.date) -> Finding:
    f = Finding(**{k: row[k] for k in Finding.__dataclass_fields__ if k in row and k not in ("evidence", "steps",
                                                                                                "overdue")})
    f.overdue = bool(f.due and f.status != "selesai" and dt.date.fromisoformat(f.due) < today_)
    return f


def _evidence(r: dict[str, Any]) -> Evidence:
    return Evidence(r["id"], r["role"], r["name"], r["sha256"], r["nip"], r["tahun"], r["periode"], r["rhk"])


# --------------------------------------------------------------------------- who sees what

class _Seer:
    """Who may see which findings, for one user (the scope and unit members are looked up once)."""

    def __init__(self, archive: Archive, user: User) -> None:
        self.archive, self.user = archive, user
        self.scope = None if user.role in ("auditor", "admin") else visible_nips(archive, user)
        self.units: dict[tuple[str, int | None], set[str]] = {}

    def __call__(self, f: Finding | dict[str, Any]) -> bool:
        get = f.get if isinstance(f, dict) else lambda k: getattr(f, k)
        if self.user.role in ("auditor", "admin"):
            return True
        if not self.user.nip:
            return False
        nip, tahun, unit = get("nip"), get("tahun"), get("unit")
        if nip and may_see(self.scope, nip, tahun):
            return True
        if not unit:
            return False
        key = (str(unit), tahun)
        if key not in self.units:
            self.units[key] = rows.unit_people(self.archive.catalog, str(unit), tahun)
        return self.user.nip in self.units[key]


def may_see_finding(archive: Archive, user: User, f: Finding | dict[str, Any]) -> bool:
    return _Seer(archive, user)(f)


def may_answer(archive: Archive, user: User, f: Finding) -> bool:
    return user.role == "admin" or (user.role in ("pegawai", "atasan") and may_see_finding(archive, user, f))


def load(archive: Archive, finding_id: int, user: User | None = None) -> Finding:
    """One finding with its evidence and steps; NotFound when it does not exist or ``user`` may not see it."""
    row = rows.get(archive.catalog, finding_id)
    if row is None or (user is not None and not may_see_finding(archive, user, row)):
        raise NotFound(_("finding {id} not found").format(id=finding_id))
    f = _finding(row, today(archive))
    f.evidence = [_evidence(r) for r in rows.evidence(archive.catalog, [finding_id])]
    f.steps = rows.steps(archive.catalog, finding_id)
    return f


def list_findings(archive: Archive, user: User | None = None, *, unit: str | None = None,
                  status: str | None = None, tahun: int | None = None, overdue: bool = False,
                  with_details: bool = False) -> list[Finding]:
    """The findings (of ``unit`` with its sub-units and its pegawai), those ``user`` may see."""
    wanted = None if status in (None, "", "lewat") else status
    if wanted and wanted not in STATUSES:
        raise UsageError(_("unknown status {status!r}").format(status=status),
                         hint=_("write one of: {values}").format(values=", ".join((*STATUSES, "lewat"))))
    units = rows.unit_codes(archive.catalog, unit) if unit else None
    found = rows.list_rows(archive.catalog, units=units, status=wanted, tahun=tahun)
    if user is not None:
        seer = _Seer(archive, user)
        found = [r for r in found if seer(r)]
    day = today(archive)
    out = [_finding(r, day) for r in found]
    if overdue or status == "lewat":
        out = [f for f in out if f.overdue]
    if with_details:
        _add_details(archive, out)
    return out


def _add_details(archive: Archive, found: list[Finding]) -> None:
    """Load each finding's evidence and steps."""
    by_id = {f.id: f for f in found}
    if not by_id:
        return
    for r in rows.evidence(archive.catalog, by_id):
        by_id[r["finding_id"]].evidence.append(_evidence(r))
    for f in found:
        f.steps = rows.steps(archive.catalog, f.id)


def evidence_choices(archive: Archive, user: User, f: Finding | None = None, *, nip: str | None = None,
                     unit: str | None = None, tahun: int | None = None, periode: str | None = None,
                     rhk: str | None = None) -> list[dict[str, Any]]:
    """Stored submissions ``user`` may link: of the finding's (or the given) pegawai or unit."""
    if f is not None:
        nip, unit, tahun = f.nip, f.unit, f.tahun
        periode = rhk = None  # a follow-up may be filed under another periode or RHK
    flt = Filters(nip=nip or None, unit=None if nip else unit or None, tahun=tahun, periode=periode,
                  rhk=rhk or None)
    return rows.candidates(archive.catalog, visible_nips(archive, user), flt.normalized())


# --------------------------------------------------------------------------- the steps

@dataclass(frozen=True)
class Draft:
    """What an auditor writes when opening a finding."""

    judul: str
    kondisi: str
    kriteria: str
    sebab: str
    akibat: str
    unit: str | None = None
    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    iki: str | None = None
    rekomendasi: str | None = None
    due: dt.date | None = None
    evidence: tuple[int, ...] = ()


def _text(value: str | None, name: str, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise UsageError(_("{field}: write something").format(field=name))
        return None
    if len(text) > MAX_TEXT:
        raise UsageError(_("{field}: at most {n} characters").format(field=name, n=MAX_TEXT))
    return text


def _scope(d: Draft) -> dict[str, Any]:
    nip = normalize_nip(d.nip) if d.nip else None
    if nip is not None and (len(nip) != 18 or not nip.isdigit()):
        raise UsageError(_("NIP {nip!r}: a NIP has 18 digits").format(nip=d.nip))
    periode = normalize_periode(d.periode) if d.periode else None
    if d.periode and periode is None:
        raise UsageError(_("{periode!r} is not a periode").format(periode=d.periode),
                         hint=_("write TW1-TW4, a month 01-12 or TAHUNAN"))
    if (d.rhk or d.iki) and not nip:
        raise UsageError(_("an indicator (RHK/IKI) belongs to a pegawai: choose the pegawai too"))
    if not (d.unit or nip or d.tahun):
        raise UsageError(_("a finding needs a scope: a unit, a pegawai or a tahun"))
    return {"unit": (d.unit or "").strip() or None, "nip": nip, "tahun": d.tahun, "periode": periode,
            "rhk": normalize_rhk(d.rhk) if d.rhk else None, "iki": normalize_iki(d.iki) if d.iki else None}


def _check_evidence(archive: Archive, user: User, ids: tuple[int, ...]) -> list[int]:
    if not ids:
        return []
    ok = {r["id"] for r in rows.stored(archive.catalog, ids, visible_nips(archive, user))}
    missing = sorted(set(ids) - ok)
    if missing:
        raise UsageError(_("evidence {ids} cannot be linked: not stored or not within your scope").format(
            ids=", ".join(map(str, missing))))
    return sorted(ok)


def _event(conn: Any, archive: Archive, user: User, at: str, detail: dict[str, Any]) -> None:
    custody.append(conn, "finding", at=at, actor=user.actor, detail=detail)


def open_finding(archive: Archive, user: User, draft: Draft) -> int:
    """An auditor opens a finding (with its basis evidence, and the recommendation if written)."""
    if user.role not in AUDITORS:
        raise PermissionDenied(_("only an auditor opens findings"))
    values = _scope(draft)
    texts = {k: _text(getattr(draft, k), k) for k in ("judul", "kondisi", "kriteria", "sebab", "akibat")}
    rekomendasi = _text(draft.rekomendasi, "rekomendasi", required=False)
    basis = _check_evidence(archive, user, draft.evidence)
    at = archive.now()
    with archive.catalog.begin() as conn:
        fid = rows.insert(conn, {**values, **texts, "rekomendasi": rekomendasi,
                                 "due": draft.due.isoformat() if draft.due else None, "status": "terbuka",
                                 "created_by": user.actor, "created_at": at, "updated_at": at})
        step = rows.add_step(conn, fid, "opened", texts["kondisi"], actor=user.actor, role=user.role, at=at)
        rows.link(conn, fid, basis, "basis", step)
        _event(conn, archive, user, at, {"step": "opened", "finding": fid, "judul": texts["judul"],
                                         **{k: v for k, v in values.items() if v}, "submissions": basis})
        if rekomendasi:
            rows.add_step(conn, fid, "recommended", rekomendasi, actor=user.actor, role=user.role, at=at)
            _event(conn, archive, user, at, {"step": "recommended", "finding": fid,
                                             "due": draft.due.isoformat() if draft.due else None})
    return fid


def recommend(archive: Archive, user: User, finding_id: int, rekomendasi: str, due: dt.date | None) -> None:
    """An auditor writes (or rewrites) the recommendation and its due date."""
    if user.role not in AUDITORS:
        raise PermissionDenied(_("only an auditor writes recommendations"))
    text = _text(rekomendasi, "rekomendasi")
    with archive.catalog.begin() as conn:
        f = _current(conn, finding_id)
        if f["status"] == "selesai":
            raise UsageError(_("finding {id} is closed: reopen it first").format(id=finding_id))
        at = archive.now()
        rows.update(conn, finding_id, {"rekomendasi": text, "due": due.isoformat() if due else None,
                                       "updated_at": at})
        rows.add_step(conn, finding_id, "recommended", text, actor=user.actor, role=user.role, at=at)
        _event(conn, archive, user, at, {"step": "recommended", "finding": finding_id,
                                         "due": due.isoformat() if due else None})


def add_basis(archive: Archive, user: User, finding_id: int, evidence: tuple[int, ...],
              note: str | None = None) -> list[int]:
    """An auditor adds basis evidence (found later in the audit) to a finding that is not closed.
    Returns the submissions newly linked."""
    if user.role not in AUDITORS:
        raise PermissionDenied(_("only an auditor adds basis evidence"))
    if not evidence:
        raise UsageError(_("choose the evidence to add"))
    text = _text(note, "catatan", required=False)
    linked = _check_evidence(archive, user, evidence)
    with archive.catalog.begin() as conn:
        row = _current(conn, finding_id)
        if row["status"] == "selesai":
            raise UsageError(_("finding {id} is closed: reopen it first").format(id=finding_id))
        at = archive.now()
        step = rows.add_step(conn, finding_id, "evidence_added", text, actor=user.actor, role=user.role, at=at)
        new = rows.link(conn, finding_id, linked, "basis", step)
        if not new:
            raise UsageError(_("the chosen evidence is already the basis of finding {id}").format(id=finding_id))
        rows.update(conn, finding_id, {"updated_at": at})
        _event(conn, archive, user, at, {"step": "evidence_added", "finding": finding_id, "submissions": new,
                                         **({"note": text} if text else {})})
    return new


def answer(archive: Archive, user: User, finding_id: int, text: str, evidence: tuple[int, ...] = ()) -> None:
    """The unit's tindak lanjut: a text and follow-up evidence the user may see."""
    f = load(archive, finding_id, user)
    if not may_answer(archive, user, f):
        raise PermissionDenied(_("only the unit in the finding's scope (or an admin) answers a finding"))
    body = _text(text, "tindak lanjut")
    linked = _check_evidence(archive, user, evidence)
    with archive.catalog.begin() as conn:
        row = _current(conn, finding_id)
        if row["status"] == "selesai":
            raise UsageError(_("finding {id} is closed: it takes no more answers").format(id=finding_id))
        at = archive.now()
        step = rows.add_step(conn, finding_id, "answered", body, actor=user.actor, role=user.role, at=at)
        rows.link(conn, finding_id, linked, "followup", step)
        rows.update(conn, finding_id, {"status": "ditindaklanjuti", "updated_at": at})
        _event(conn, archive, user, at, {"step": "answered", "finding": finding_id, "submissions": linked})


def close(archive: Archive, user: User, finding_id: int, note: str | None = None) -> None:
    _judge(archive, user, finding_id, "closed", note)


def reopen(archive: Archive, user: User, finding_id: int, note: str) -> None:
    _judge(archive, user, finding_id, "reopened", note)


def _judge(archive: Archive, user: User, finding_id: int, step: str, note: str | None) -> None:
    if user.role not in AUDITORS:
        raise PermissionDenied(_("only an auditor closes or reopens a finding"))
    text = _text(note, "catatan", required=step == "reopened")
    with archive.catalog.begin() as conn:
        row = _current(conn, finding_id)
        if step == "closed" and row["status"] == "selesai":
            raise UsageError(_("finding {id} is already closed").format(id=finding_id))
        if step == "reopened" and row["status"] == "terbuka":
            raise UsageError(_("finding {id} is already open").format(id=finding_id))
        at = archive.now()
        rows.add_step(conn, finding_id, step, text, actor=user.actor, role=user.role, at=at)
        rows.update(conn, finding_id, {"status": "selesai" if step == "closed" else "terbuka", "updated_at": at})
        _event(conn, archive, user, at, {"step": step, "finding": finding_id, **({"note": text} if text else {})})


def _current(conn: Any, finding_id: int) -> dict[str, Any]:
    row = rows.get_for_update(conn, finding_id)
    if row is None:
        raise NotFound(_("finding {id} not found").format(id=finding_id))
    return row


def touching(archive: Archive, submission_ids: list[int]) -> list[Finding]:
    """The findings (with evidence and steps) any of these submissions is linked to (audit packages)."""
    ids = rows.touching(archive.catalog, submission_ids)
    if not ids:
        return []
    day = today(archive)
    out = [_finding(r, day) for r in rows.list_rows(archive.catalog, ids=ids)]
    _add_details(archive, out)
    return out
