"""The auditor's workspace in the demo: judgements, two findings and a legal hold on the demo's
evidence, made by the demo's own accounts through the same library calls as the web pages.

* the Kepala Bidang Aplikasi Informatika (``kabid``) judges a subordinate's TW1 evidence: most
  accepted, one sent back for revision (so the pegawai sees a judgement to answer);
* the auditor rejects one file of another pegawai (coverage stops counting it);
* the auditor opens a finding on the APTIKA unit with a recommendation already overdue, and one
  on a pegawai that the pegawai has answered with follow-up evidence;
* the auditor puts the IKP unit's year on legal hold (an examination in progress).

The texts are the demo's data (Indonesian, like the SKPs), not interface text. Runs once, right
after the demo's first ingest; a demo in place is left as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import retention, review
from ..accounts import User, list_users
from ..archive import Archive
from ..catalog import core as subs
from ..evidence import Filters
from ..findings.model import Draft, answer, open_finding
from .demo_data import OPERATOR, PRAKOM

#: The demo's own words (data, like its SKPs and files: Indonesian whatever the interface speaks).
REASONS = {
    "revise": "Daftar hadir belum ditandatangani oleh pimpinan rapat; lampirkan yang sudah ditandatangani.",
    "reject": "Foto tidak menunjukkan kegiatan pemeliharaan yang diklaim pada indikator ini.",
    "hold": "Pemeriksaan kinerja oleh Inspektorat",
}


def _stored(archive: Archive, nip: str, tahun: int, periode: str) -> list[dict[str, Any]]:
    f = Filters(nip=nip, tahun=tahun, periode=periode, status="archived").normalized()
    return [r for r in subs.list_submissions(archive.catalog, f) if r["periode"] == periode]


def seed_audit(archive: Archive, tahun: int) -> None:
    """Judgements, findings and a hold made by the demo accounts ``kabid`` and ``auditor``."""
    users: dict[str, User] = {u.name: u for u in list_users(archive.catalog)}
    kabid, auditor, pegawai = users.get("kabid"), users.get("auditor"), users.get("pegawai")
    if kabid is None or auditor is None or pegawai is None:
        return
    prakom = _stored(archive, PRAKOM, tahun, "TW1")
    operator = _stored(archive, OPERATOR, tahun, "TW1")
    if len(prakom) < 3 or not operator:
        return
    # the daftar hadir goes back for a signature; the rest is accepted
    revise = next((r for r in prakom if str(r["name"]).lower().startswith("daftar hadir")), prakom[-1])
    accepted = [r for r in prakom if r["id"] != revise["id"]]
    for row in accepted:
        review.judge(archive, row["id"], state="diterima", reason=None, page=None, actor=kabid.actor,
                     role=kabid.role)
    review.judge(archive, revise["id"], state="perlu_perbaikan",
                 reason=REASONS["revise"],
                 page="hal. 2", actor=kabid.actor, role=kabid.role)
    rejected = operator[0]
    review.judge(archive, rejected["id"], state="ditolak",
                 reason=REASONS["reject"],
                 page=None, actor=auditor.actor, role=auditor.role)
    open_finding(archive, auditor, Draft(
        judul="Bukti dukung TW1 Bidang Aplikasi Informatika belum memadai",
        kondisi="Sebagian bukti dukung TW1 tidak menunjukkan kegiatan yang diklaim atau belum ditandatangani.",
        kriteria="PermenPANRB 6/2022: setiap capaian indikator didukung bukti dukung yang relevan dan sah.",
        sebab="Unggahan dilakukan menjelang batas waktu tanpa pemeriksaan oleh atasan langsung.",
        akibat="Capaian kinerja TW1 berisiko dinilai lebih tinggi dari yang sebenarnya.",
        unit="APTIKA", tahun=tahun, periode="TW1",
        rekomendasi="Kepala Bidang memeriksa bukti dukung sebelum batas waktu dan melengkapi yang kurang.",
        due=dt.date(tahun, 6, 30), evidence=(rejected["id"], revise["id"]),
    ))
    second = open_finding(archive, auditor, Draft(
        judul="Daftar hadir rapat koordinasi belum ditandatangani",
        kondisi="Daftar hadir pada laporan rapat koordinasi TW1 belum ditandatangani pimpinan rapat.",
        kriteria="Bukti dukung kegiatan rapat memuat daftar hadir yang sah.",
        sebab="Daftar hadir dipindai sebelum ditandatangani.",
        akibat="Keabsahan bukti dukung kegiatan diragukan.",
        nip=PRAKOM, tahun=tahun, periode="TW1",
        rekomendasi="Unggah daftar hadir yang telah ditandatangani.",
        due=dt.date(tahun, 12, 31), evidence=(revise["id"],),
    ))
    answer(archive, pegawai, second, "Daftar hadir yang telah ditandatangani sudah diunggah sebagai versi baru.",
           (accepted[0]["id"],))
    retention.set_hold(archive, unit="IKP", tahun=tahun, reason=REASONS["hold"],
                       reference=f"700/45/ITKAB/{tahun}", actor=auditor.actor)
