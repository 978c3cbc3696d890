"""Response models of the JSON API (they are what /openapi.json describes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .. import i18n


class ErrorOut(BaseModel):
    error: str
    hint: str | None = None
    details: list[str] = Field(default_factory=list)


class UserOut(BaseModel):
    name: str
    role: str
    nip: str | None = None
    visible_nips: list[str] | None = Field(None, description="NIPs whose evidence this user may see (an atasan: "
                                                         "for the years they are above them in the SKP tree); "
                                                         "null = all")


class SubmissionOut(BaseModel):
    id: int
    name: str
    path: str
    version: int
    status: str
    received_at: str
    sha256: str | None = None
    type: str | None = None
    size: int
    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    iki: str | None = None
    reason: str | None = None
    permalink: str | None = None
    review: str | None = Field(None, description="The current judgement of stored evidence: menunggu (awaiting "
                                                 "review), diterima, perlu_perbaikan or ditolak")

    @classmethod
    def of(cls, row: dict[str, Any], review: str | None = None) -> SubmissionOut:
        return cls(id=row["id"], name=row["name"], path=f"{row['share']}/{row['relpath']}", version=row["version"],
                   status=row["status"], received_at=row["received_at"], sha256=row["sha256"], type=row["type"],
                   size=row["size"], nip=row["nip"], tahun=row["tahun"], periode=row["periode"], rhk=row["rhk"],
                   iki=row["iki"], reason=i18n.render(row["reason"]) if row["reason"] else None,
                   permalink=f"/e/{row['sha256']}" if row["sha256"] else None, review=review)


class SubmissionList(BaseModel):
    total: int
    items: list[SubmissionOut]


class EventOut(BaseModel):
    seq: int
    at: str
    kind: str
    actor: str
    submission_id: int | None = None
    detail: dict[str, Any]


class EvidenceOut(BaseModel):
    sha256: str
    size: int
    mime: str
    type: str
    stored_at: str
    permalink: str
    download: str
    submissions: list[SubmissionOut]
    events: list[EventOut]


class FindingEvidenceOut(BaseModel):
    submission_id: int
    role: str = Field(description="basis (what the finding rests on) or followup (sent with a follow-up)")
    name: str
    sha256: str
    permalink: str


class FollowUpOut(BaseModel):
    text: str
    actor: str
    at: str


class FindingOut(BaseModel):
    id: int
    judul: str
    unit: str | None = None
    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    iki: str | None = None
    kondisi: str
    kriteria: str
    sebab: str
    akibat: str
    rekomendasi: str | None = None
    due: str | None = Field(None, description="Due date of the recommendation (YYYY-MM-DD)")
    status: str = Field(description="terbuka, ditindaklanjuti or selesai")
    overdue: bool
    created_by: str
    created_at: str
    updated_at: str
    permalink: str
    evidence: list[FindingEvidenceOut]
    tindak_lanjut: list[FollowUpOut]

    @classmethod
    def of(cls, finding: Any) -> FindingOut:
        d = finding.as_dict()
        d["evidence"] = [FindingEvidenceOut(**e, permalink=f"/e/{e['sha256']}") for e in d["evidence"]]
        d["tindak_lanjut"] = [FollowUpOut(**s) for s in d["tindak_lanjut"]]
        return cls(**d, permalink=f"/temuan/{finding.id}")


class FindingList(BaseModel):
    total: int
    items: list[FindingOut]


class FlagEvidenceOut(BaseModel):
    submission_id: int
    sha256: str
    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    path: str
    received_at: str
    link: str


class FlagOut(BaseModel):
    kind: str = Field(description="same_bytes, near_duplicate, similar_image, date_outside, off_topic or burst")
    label: str
    score: float = Field(description="Kind weight x strength: the list is ranked by it")
    strength: float
    reason: str
    evidence: list[FlagEvidenceOut]


class FlagList(BaseModel):
    total: int
    items: list[FlagOut]
