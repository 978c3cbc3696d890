"""Document contexts: SKP, evaluation and archive data shaped exactly like ``sample.sample_context``.

Pure functions of their inputs (no clock, no database): the same data gives the same
context, so its canonical JSON hash identifies the data a document was generated from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import ValidationFailed
from ..evaluation.distribution import PATTERNS, check_distribution, describe_pattern, pattern_rows
from ..evaluation.model import BERAKHLAK, CapaianOrganisasi, Evaluasi
from ..evaluation.rules import OrgPredikat, Predikat, Rating
from ..i18n import _, ngettext
from ..periode import span
from ..skp.master import GOLONGAN_PPPK, PANGKAT, normalize_golongan
from . import chart
from .skpdata import Person, SkpData

BULAN = ("JANUARI", "FEBRUARI", "MARET", "APRIL", "MEI", "JUNI", "JULI", "AGUSTUS", "SEPTEMBER", "OKTOBER",
         "NOVEMBER", "DESEMBER")
_ROMAN = {"TW1": "I", "TW2": "II", "TW3": "III", "TW4": "IV-AKHIR"}
_TZ_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
BAGI_JPT = "BAGI PEJABAT PIMPINAN TINGGI DAN PIMPINAN UNIT KERJA MANDIRI"
BAGI_JA_JF = "BAGI PEJABAT ADMINISTRASI DAN PEJABAT FUNGSIONAL"
NOT_RATED = "BELUM DINILAI"
NOT_FILLED = "belum diisi"  # a realisasi nothing was imported for, in a draft (--draft)
KURVA_JUDUL = "KURVA DISTRIBUSI PREDIKAT KINERJA PEGAWAI DENGAN CAPAIAN KINERJA ORGANISASI"


def periode_label(periode: str) -> str:
    """TW1 -> TRIWULAN I, TW4 -> TRIWULAN IV-AKHIR, 03 -> BULAN MARET, TAHUNAN -> TAHUNAN."""
    if periode in _ROMAN:
        return f"TRIWULAN {_ROMAN[periode]}"
    if periode.isdigit():
        return f"BULAN {BULAN[int(periode) - 1]}"
    return periode


def tanggal(d: dt.date | None) -> str:
    """5 Januari 2027 (empty for no date)."""
    return f"{d.day} {BULAN[d.month - 1].title()} {d.year}" if d else ""


def waktu(iso_utc: str | None, tz: str) -> str:
    """A stored UTC timestamp in the office's zone: 2 Maret 2026 08.00 WIB."""
    if not iso_utc:
        return ""
    t = dt.datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(ZoneInfo(tz))
    return f"{tanggal(t.date())} {t:%H.%M} {_TZ_NAMES.get(tz, tz)}"


_PPPK_GOL = re.compile(r"^(?:GOL(?:ONGAN)?\.?\s*)?(?P<g>[IVX]+|\d{1,2})$")


def pangkat(raw: str) -> str:
    """One way of writing PANGKAT/GOL RUANG: PNS ``Pembina, IV/a`` (from ``Pembina (IV/a)``, ``IV.a``,
    ``Pembina``...), PPPK ``Golongan IX`` (a golongan without ruang is a PPPK's: I-XVII, no pangkat).
    Anything unrecognised is printed as written."""
    s = re.sub(r"\s+", " ", raw or "").strip()
    if not s:
        return ""
    m = _PPPK_GOL.match(s.upper())
    if m:
        g = m.group("g")
        roman = GOLONGAN_PPPK[int(g) - 1] if g.isdigit() and 1 <= int(g) <= len(GOLONGAN_PPPK) else g
        if roman in GOLONGAN_PPPK:
            return f"Golongan {roman}"
    gol = normalize_golongan(s)
    return f"{PANGKAT[gol]}, {gol}" if gol else s


def persen(text: str) -> str:
    """``100 %`` -> ``100%`` (Indonesian writes the percent sign against the number)."""
    return re.sub(r"(\d)\s+%", r"\1%", text or "")


def _person(p: Person | None) -> dict[str, str]:
    p = p or Person(nama="")
    return {"nama": p.nama, "nip": p.nip, "pangkat": pangkat(p.pangkat), "jabatan": p.jabatan,
            "unit_kerja": p.unit_kerja}


def _require(skp: SkpData, checks: Iterable[tuple[str, Any]]) -> None:
    nama = skp.pegawai.nama or _("no name")
    missing = [_("NIP {nip} ({nama}): {field} is empty in the SKP {tahun}").format(
        nip=skp.pegawai.nip, nama=nama, field=field, tahun=skp.tahun) for field, value in checks if not value]
    if missing:
        raise ValidationFailed(_("the SKP of NIP {nip} lacks data the document needs").format(nip=skp.pegawai.nip),
                               details=missing, hint=_("complete the SKP and import it again"))


def _periode_penilaian(skp: SkpData, periode: str | None = None) -> str:
    """The SKP's dates; for an evaluation, the days of its periode within them (TW1: 1 Januari-31 Maret)."""
    awal = skp.awal or dt.date(skp.tahun, 1, 1)
    akhir = skp.akhir or dt.date(skp.tahun, 12, 31)
    if periode is not None:
        first, last = span(periode, skp.tahun)
        if first <= akhir and last >= awal:  # the periode overlaps the SKP: its own days within the SKP's
            awal, akhir = max(awal, first), min(akhir, last)
    return f"{awal.day} {BULAN[awal.month - 1]} SD {akhir.day} {BULAN[akhir.month - 1]} TAHUN {akhir.year}"


def _missing_realisasi(skp: SkpData, ev: Evaluasi) -> None:
    real = {(r.rhk.upper(), r.iki.upper()) for r in ev.realisasi if r.realisasi.strip()}
    missing = [f"{rhk.kode}/{iki.kode} {iki.teks}" for rhk in skp.rhk for iki in rhk.indikator
               if (rhk.kode.upper(), iki.kode.upper()) not in real]
    if missing:
        raise ValidationFailed(
            ngettext("{nama} (NIP {nip}), {periode} {tahun}: {n} indicator has no realisasi",
                     "{nama} (NIP {nip}), {periode} {tahun}: {n} indicators have no realisasi",
                     len(missing)).format(
                nama=skp.pegawai.nama or _("no name"), nip=skp.pegawai.nip, periode=ev.periode, tahun=skp.tahun,
                n=len(missing)),
            details=missing,
            hint=_("fill the Realisasi sheet of the evaluation workbook for these indicators and import it "
                   "again; `archiver eval import FILE`, or `archiver generate evaluasi ... --draft` for a draft in "
                   "which the empty realisasi read \"belum diisi\""))


def _pilihan(options: Iterable[str], chosen: str | None) -> list[dict[str, Any]]:
    """Every option of a rating/predikat line; the form strikes out those not chosen."""
    return [{"teks": o, "dipilih": o == chosen} for o in options]


def _skp_common(skp: SkpData, ev: Evaluasi | None = None, draft: bool = False) -> dict[str, Any]:
    _require(skp, [("pegawai.nama", skp.pegawai.nama), ("pegawai.jabatan", skp.pegawai.jabatan),
                   ("penilai.nama", skp.penilai.nama), ("RHK", skp.rhk)])
    if ev is not None and not draft:
        _missing_realisasi(skp, ev)
    real = {(r.rhk.upper(), r.iki.upper()): r for r in (ev.realisasi if ev else ())}
    hasil: dict[str, list[dict[str, Any]]] = {"utama": [], "tambahan": []}
    for rhk in skp.rhk:
        group = hasil["tambahan" if rhk.jenis.upper() == "TAMBAHAN" else "utama"]
        indikator = []
        for i, iki in enumerate(rhk.indikator, 1):
            r = real.get((rhk.kode.upper(), iki.kode.upper()))
            realisasi = persen(r.realisasi.strip()) if r else ""
            if ev is not None and not realisasi:
                realisasi = NOT_FILLED
            indikator.append({"no": i, "aspek": iki.aspek, "teks": iki.teks, "target": persen(iki.target),
                              "perspektif": iki.perspektif, "realisasi": realisasi,
                              "umpan_balik": r.umpan_balik if r else ""})
        if not indikator:  # keeps the RHK's row in the table (docxtpl loops over indicators)
            indikator.append({"no": 1, "aspek": "", "teks": "", "target": "", "perspektif": "", "realisasi": "",
                              "umpan_balik": ""})
        group.append({"no": len(group) + 1, "teks": rhk.teks, "penugasan": rhk.penugasan, "pimpinan": rhk.pimpinan,
                      "umpan_balik": "", "indikator": indikator})
    feedback = {p.nilai: p.umpan_balik for p in (ev.perilaku if ev else ())}
    perilaku = [{"no": p.nilai, "nama": p.nama, "panduan": list(p.panduan), "ekspektasi": p.ekspektasi,
                 "umpan_balik": feedback.get(p.nilai, "")} for p in sorted(skp.perilaku, key=lambda p: p.nilai)]
    if not perilaku:
        perilaku = [{"no": i, "nama": n, "panduan": [], "ekspektasi": "", "umpan_balik": feedback.get(i, "")}
                    for i, n in enumerate(BERAKHLAK, 1)]
    penilai = _person(skp.penilai)
    if skp.jpt and not penilai["unit_kerja"]:
        penilai["unit_kerja"] = skp.instansi
    return {
        "instansi": skp.instansi, "tahun": skp.tahun, "periode_penilaian": _periode_penilaian(skp),
        "pendekatan": skp.pendekatan.upper(), "bagi": BAGI_JPT if skp.jpt else BAGI_JA_JF,
        "label_unit_penilai": "INSTANSI" if skp.jpt else "UNIT KERJA",
        "pegawai": _person(skp.pegawai), "penilai": penilai, "hasil_kerja": hasil, "perilaku": perilaku,
        "tempat": skp.tempat, "tanggal": tanggal(skp.tanggal),
    }


def skp_variant(skp: SkpData) -> str:
    """Template variant: jpt, kualitatif or kuantitatif."""
    if skp.jpt:
        return "jpt"
    return "kualitatif" if skp.pendekatan.upper() == "KUALITATIF" else "kuantitatif"


def skp_context(skp: SkpData) -> dict[str, Any]:
    ctx = _skp_common(skp)
    ctx["lampiran"] = {k: list(skp.lampiran.get(k, ())) for k in
                       ("dukungan_sumber_daya", "skema_pertanggungjawaban", "konsekuensi")}
    return ctx


def _org_label(capaian: CapaianOrganisasi | None) -> str:
    return capaian.predikat.value if capaian else "BELUM DITETAPKAN"


def _ratings(ev: Evaluasi, capaian: CapaianOrganisasi | None) -> dict[str, Any]:
    """The chosen values and every option of the form's lines (§5.2: "*" strike what does not apply)."""
    return {
        "capaian_organisasi": _org_label(capaian), "rating_hasil_kerja": ev.rating_hasil_kerja.value,
        "rating_perilaku": ev.rating_perilaku.value, "predikat": ev.predikat.value,
        "pilihan": {
            "capaian_organisasi": _pilihan([o.value for o in OrgPredikat], capaian.predikat.value if capaian else None),
            "rating_hasil_kerja": _pilihan([r.value for r in Rating], ev.rating_hasil_kerja.value),
            "rating_perilaku": _pilihan([r.value for r in Rating], ev.rating_perilaku.value),
            "predikat": _pilihan([p.value for p in reversed(list(Predikat))], ev.predikat.value),
        },
    }


def kurva(org: OrgPredikat | None, predikats: Iterable[Predikat]) -> dict[str, Any]:
    """The distribution curve's data: the unit's pegawai per predikat and the expected pattern for the
    capaian kinerja organisasi ``org``. ``gambar`` is filled with the picture when the document is rendered."""
    return {"judul": f"{KURVA_JUDUL} {org.value if org else 'BELUM DITETAPKAN'}",
            "seri": chart.series(org, Counter(predikats)),
            "ketentuan": describe_pattern(org) if org else "", "gambar": ""}


def evaluasi_context(skp: SkpData, ev: Evaluasi, capaian: CapaianOrganisasi | None,
                     signed: dt.date | None = None, unit_predikat: Sequence[Predikat] | None = None,
                     draft: bool = False) -> dict[str, Any]:
    """``unit_predikat``: the predikat of every pegawai rated in the unit for the periode (the curve's
    bars; default: this pegawai's alone). ``draft``: realisasi nothing was imported for print
    "belum diisi" instead of stopping the document."""
    ctx = _skp_common(skp, ev, draft)
    ctx.update({
        "periode": {"kode": ev.periode, "label": periode_label(ev.periode)},
        "periode_penilaian": _periode_penilaian(skp, ev.periode),
        **_ratings(ev, capaian),
        "kurva": kurva(capaian.predikat if capaian else None,
                       unit_predikat if unit_predikat is not None else [ev.predikat]),
        "atasan_penilai": _person(skp.atasan_penilai),
        "tanggal": tanggal(signed) if signed else ctx["tanggal"],
    })
    return ctx


def dokumen_evaluasi_context(skp: SkpData, ev: Evaluasi, capaian: CapaianOrganisasi | None,
                             tindak_lanjut: dict[Predikat, str], signed: dt.date | None = None) -> dict[str, Any]:
    _require(skp, [("pegawai.nama", skp.pegawai.nama), ("penilai.nama", skp.penilai.nama)])
    return {
        "instansi": skp.instansi, "tahun": skp.tahun,
        "periode": {"kode": ev.periode, "label": periode_label(ev.periode)},
        "periode_penilaian": _periode_penilaian(skp, ev.periode),
        "pegawai": _person(skp.pegawai), "penilai": _person(skp.penilai),
        "atasan_penilai": _person(skp.atasan_penilai), **_ratings(ev, capaian),
        "catatan": ev.catatan, "rekomendasi": tindak_lanjut[ev.predikat],
        "tempat": skp.tempat, "tanggal": tanggal(signed or skp.tanggal),
    }


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else (f"{n / 1024:.0f} KB" if n < 1048576 else f"{n / 1048576:.1f} MB")


def bukti_context(skp: SkpData, periode: str, submissions: Sequence[dict[str, Any]], tz: str,
                  printed_at: str, base_url: str = "", suspicious: dict[int, str] | None = None) -> dict[str, Any]:
    """``base_url``: the web app's address, for each file's permalink (``/e/<sha256>`` without it);
    ``suspicious``: submission id -> why its text looks unrelated to its indicator (``coverage --suspicious``)."""
    flagged = suspicious or {}
    rhk_text = {r.kode.upper(): r.teks for r in skp.rhk}
    iki_text = {i.kode.upper(): i.teks for r in skp.rhk for i in r.indikator}
    rows = []
    for i, s in enumerate(submissions, 1):
        rhk, iki = s.get("rhk") or "", s.get("iki") or ""
        rows.append({"no": i, "rhk": f"{rhk} {rhk_text.get(rhk.upper(), '')}".strip(),
                     "iki": f"{iki} {iki_text.get(iki.upper(), '')}".strip(),
                     "periode": s.get("periode") or "", "nama": s["name"], "jenis": s.get("type") or "",
                     "ukuran": _size(int(s["size"])), "diarsipkan": waktu(s["received_at"], tz),
                     "sha256": s["sha256"], "versi": s["version"], "status": s["status"],
                     "tautan": f"{base_url.rstrip('/')}/e/{s['sha256']}",
                     "mencurigakan": s.get("id") in flagged, "alasan": flagged.get(int(s.get("id") or 0), "")})
    n_flagged = sum(1 for r in rows if r["mencurigakan"])
    return {"instansi": skp.instansi, "tahun": skp.tahun, "periode": {"kode": periode, "label": periode_label(periode)},
            "pegawai": _person(skp.pegawai), "bukti": rows, "jumlah": len(rows), "jumlah_mencurigakan": n_flagged,
            "dicetak": waktu(printed_at, tz)}


def rekap_context(unit: str, instansi: str, tahun: int, periode: str,
                  members: Sequence[tuple[SkpData, Evaluasi | None]], capaian: CapaianOrganisasi | None,
                  signed: dt.date | None = None) -> dict[str, Any]:
    rows = []
    rated: list[Predikat] = []
    for i, (skp, ev) in enumerate(sorted(members, key=lambda m: (m[0].pegawai.nama.casefold(), m[0].pegawai.nip)), 1):
        if ev:
            rated.append(ev.predikat)
        rows.append({"no": i, "nama": skp.pegawai.nama, "nip": skp.pegawai.nip, "jabatan": skp.pegawai.jabatan,
                     "rating_hasil_kerja": ev.rating_hasil_kerja.value if ev else "-",
                     "rating_perilaku": ev.rating_perilaku.value if ev else "-",
                     "predikat": ev.predikat.value if ev else NOT_RATED})
    counts = Counter(rated)
    org = capaian.predikat if capaian else None
    rules = {r["predikat"]: r["ketentuan"] for r in pattern_rows(org)} if org else {}
    sebaran = [{"predikat": p.label, "jumlah": counts[p],
                "persen": (f"{100 * counts[p] / len(rated):.1f}".replace(".", ",") + "%") if rated else "-",
                "ketentuan": rules.get(p.label, "-")} for p in reversed(list(Predikat))]
    warnings = [w.message for w in check_distribution(org, rated)] if org else []
    if org is None:
        warnings.append(f"capaian kinerja organisasi unit {unit} untuk {periode_label(periode)} {tahun} belum "
                        "ditetapkan, sehingga pola distribusi tidak dapat diperiksa")
    not_rated = len(members) - len(rated)
    if not_rated:
        warnings.append(f"{not_rated} pegawai belum dinilai pada periode ini")
    signer = {"nama": capaian.penetap_nama, "nip": capaian.penetap_nip, "jabatan": capaian.penetap_jabatan} \
        if capaian else {"nama": "", "nip": "", "jabatan": ""}
    return {"instansi": instansi, "unit": unit, "tahun": tahun,
            "periode": {"kode": periode, "label": periode_label(periode)},
            "capaian_organisasi": org.value if org else "BELUM DITETAPKAN", "pegawai": rows, "sebaran": sebaran,
            "jumlah_dinilai": len(rated), "jumlah_belum": not_rated, "peringatan": warnings,
            "sesuai_pola": not warnings, "penandatangan": signer, "tempat": members[0][0].tempat if members else "",
            "tanggal": tanggal(signed)}


__all__ = ["PATTERNS", "OrgPredikat", "bukti_context", "dokumen_evaluasi_context", "evaluasi_context", "kurva",
           "pangkat", "periode_label", "persen", "rekap_context", "skp_context", "skp_variant"]
