"""Master data: BerAKHLAK guidance, pangkat/golongan, jenis bukti, and the normaliser helpers.

The BerAKHLAK panduan perilaku are the three guidance lines per core value printed on
SKP forms (SE MenPANRB 20/2021, as used by PermenPANRB 6/2022 forms and e-Kinerja).
Documents print them from here, so they are written once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CoreValue:
    nilai: int
    nama: str
    panduan: tuple[str, str, str]


BERAKHLAK: tuple[CoreValue, ...] = (
    CoreValue(1, "Berorientasi Pelayanan", (
        "Memahami dan memenuhi kebutuhan masyarakat",
        "Ramah, cekatan, solutif, dan dapat diandalkan",
        "Melakukan perbaikan tiada henti")),
    CoreValue(2, "Akuntabel", (
        "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin, dan berintegritas tinggi",
        "Menggunakan kekayaan dan barang milik negara secara bertanggung jawab, efektif, dan efisien",
        "Tidak menyalahgunakan kewenangan jabatan")),
    CoreValue(3, "Kompeten", (
        "Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah",
        "Membantu orang lain belajar",
        "Melaksanakan tugas dengan kualitas terbaik")),
    CoreValue(4, "Harmonis", (
        "Menghargai setiap orang apa pun latar belakangnya",
        "Suka menolong orang lain",
        "Membangun lingkungan kerja yang kondusif")),
    CoreValue(5, "Loyal", (
        "Memegang teguh ideologi Pancasila, Undang-Undang Dasar Negara Republik Indonesia Tahun 1945, "
        "setia kepada Negara Kesatuan Republik Indonesia serta pemerintahan yang sah",
        "Menjaga nama baik sesama ASN, pimpinan, instansi, dan negara",
        "Menjaga rahasia jabatan dan negara")),
    CoreValue(6, "Adaptif", (
        "Cepat menyesuaikan diri menghadapi perubahan",
        "Terus berinovasi dan mengembangkan kreativitas",
        "Bertindak proaktif")),
    CoreValue(7, "Kolaboratif", (
        "Memberi kesempatan kepada berbagai pihak untuk berkontribusi",
        "Terbuka dalam bekerja sama untuk menghasilkan nilai tambah",
        "Menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama")),
)
BERAKHLAK_NAMES = tuple(v.nama for v in BERAKHLAK)


def core_value(key: int | str) -> CoreValue | None:
    """By number (1..7) or name (case and spaces ignored)."""
    if isinstance(key, int) or str(key).strip().isdigit():
        n = int(key)
        return BERAKHLAK[n - 1] if 1 <= n <= 7 else None
    k = re.sub(r"\s+", " ", str(key)).strip().casefold()
    return next((v for v in BERAKHLAK if v.nama.casefold() == k), None)


# --------------------------------------------------------------------------- pangkat / golongan

_ROOMS = "abcde"
PANGKAT: dict[str, str] = {}
for _gol, _names in (
    ("I", ("Juru Muda", "Juru Muda Tingkat I", "Juru", "Juru Tingkat I")),
    ("II", ("Pengatur Muda", "Pengatur Muda Tingkat I", "Pengatur", "Pengatur Tingkat I")),
    ("III", ("Penata Muda", "Penata Muda Tingkat I", "Penata", "Penata Tingkat I")),
    ("IV", ("Pembina", "Pembina Tingkat I", "Pembina Utama Muda", "Pembina Utama Madya", "Pembina Utama")),
):
    for _i, _name in enumerate(_names):
        PANGKAT[f"{_gol}/{_ROOMS[_i]}"] = _name
GOLONGAN_PNS = tuple(PANGKAT)
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII")
GOLONGAN_PPPK = _ROMAN

_GOL = re.compile(r"(?<![A-Z])(IV|III|II|I)\s*[/.\-\s]?\s*([A-E])(?![A-Z])", re.IGNORECASE)


def normalize_golongan(raw: str, jenis_pegawai: str = "PNS") -> str | None:
    """``III/a``, ``III.a``, ``IIIa``, ``iii - a``, ``Penata Muda Tk. I (III/b)`` -> ``III/b``;
    PPPK ``IX`` / ``9`` -> ``IX``. None when nothing recognisable is written."""
    s = (raw or "").strip()
    if not s:
        return None
    if jenis_pegawai == "PPPK":
        t = s.upper().removeprefix("GOLONGAN").strip()
        if t.isdigit() and 1 <= int(t) <= 17:
            return _ROMAN[int(t) - 1]
        return t if t in _ROMAN else None
    m = _GOL.search(s)
    if m:
        gol = f"{m.group(1).upper()}/{m.group(2).lower()}"
        return gol if gol in PANGKAT else None
    by_name = _pangkat_lookup(s)
    return by_name


def _pangkat_lookup(s: str) -> str | None:
    k = re.sub(r"\btk\.?\s*", "tingkat ", s.casefold())
    k = re.sub(r"\s+", " ", k).strip(" ,")
    for gol, name in PANGKAT.items():
        if name.casefold() == k:
            return gol
    return None


def pangkat_of(golongan: str) -> str:
    return PANGKAT.get(golongan, "")


# --------------------------------------------------------------------------- evidence kinds

#: Kinds of evidence an indicator may expect (practice, not an official list; skp-reference §6),
#: each with the words that identify it in a file name or text.
JENIS_BUKTI: dict[str, tuple[str, ...]] = {
    "Surat Tugas": ("surat tugas", "spt", "surat perintah"),
    "SK": ("surat keputusan", "sk ", "keputusan kepala"),
    "Undangan": ("undangan",),
    "Daftar Hadir": ("daftar hadir", "absensi", "presensi"),
    "Notulen": ("notulen", "notula", "risalah"),
    "Laporan": ("laporan",),
    "Foto Kegiatan": ("foto", "dokumentasi"),
    "Nota Dinas": ("nota dinas",),
    "Dokumen Output": ("draft", "rancangan", "modul", "pedoman", "manual", "panduan", "dokumen"),
    "Tangkapan Layar": ("tangkapan layar", "screenshot", "capture"),
    "Berita Acara": ("berita acara", "bast", "serah terima"),
    "Sertifikat": ("sertifikat", "piagam"),
    "Data": ("rekap", "data ", "tabel"),
    "Lainnya": (),
}

#: File types that are photos: a photo is "Foto Kegiatan" unless its name says otherwise.
PHOTO_TYPES = ("jpeg", "png", "gif", "tiff", "webp", "heic", "bmp")


def jenis_bukti_of(name: str, type_name: str | None = None) -> str:
    """The kind of evidence a file most likely is, from its name (and type for photos)."""
    s = " " + re.sub(r"[_\-.]+", " ", name.casefold()) + " "
    for jenis, words in JENIS_BUKTI.items():
        if any(w in s for w in words):
            return jenis
    if type_name in PHOTO_TYPES:
        return "Foto Kegiatan"
    return "Lainnya"


def normalize_jenis_bukti(raw: str) -> str | None:
    k = raw.strip().casefold()
    return next((j for j in JENIS_BUKTI if j.casefold() == k), None)


# --------------------------------------------------------------------------- normative indicators

#: Nominalised "ter-...-nya" / "me-...-nya" openings: the indicator states that something
#: happens, not how much (the most common defect in real SKPs).
_NORMATIVE = re.compile(r"^\s*(ter|me|ber)[a-z]+nya\b", re.IGNORECASE)


def is_normative(indikator: str) -> bool:
    """True for ``Terlaksananya kegiatan sosialisasi``-style indicators with no measure in them."""
    if not _NORMATIVE.match(indikator or ""):
        return False
    rest = _NORMATIVE.sub("", indikator, count=1)
    return not re.search(r"\d|%|\b(persen|persentase|jumlah|rasio|indeks|nilai|rata-rata)\b", rest, re.IGNORECASE)
