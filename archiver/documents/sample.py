"""A complete example context for every document kind.

These are the schema that templates are checked against (``archiver templates check``
resolves every ``{{ a.b }}`` against them) and what ``tools/build_templates.py`` renders
for a preview. Every list holds at least one element so loop variables can be resolved.
Contexts built from real data (``context.py``) have exactly these keys; a test holds them
to it.
"""

from __future__ import annotations

import copy
from typing import Any

from ..evaluation.rules import OrgPredikat, Predikat, Rating

PERSON_KEYS = ("nama", "nip", "pangkat", "jabatan", "unit_kerja")

_PEGAWAI = {"nama": "Raden Ayu Siti Nurhaliza Kusumawardhani, S.Kom., M.T.", "nip": "198503152010011002",
            "pangkat": "Penata Tingkat I, III/d", "jabatan": "Pranata Komputer Ahli Muda",
            "unit_kerja": "Bidang Aplikasi & Informatika (\"Aptika\")"}
_PENILAI = {"nama": "Ir. Bambang Sutrisno, M.Si.", "nip": "197002021995031001", "pangkat": "Pembina, IV/a",
            "jabatan": "Kepala Bidang Aplikasi dan Informatika", "unit_kerja": "Dinas Komunikasi dan Informatika"}
_ATASAN = {"nama": "Dr. Hj. Kartini Wulandari, M.M.", "nip": "196805101990032002",
           "pangkat": "Pembina Utama Muda, IV/c", "jabatan": "Kepala Dinas Komunikasi dan Informatika",
           "unit_kerja": "Dinas Komunikasi dan Informatika"}

_PERILAKU = [
    {"no": 1, "nama": "Berorientasi Pelayanan",
     "panduan": ["Memahami dan memenuhi kebutuhan masyarakat", "Ramah, cekatan, solutif, dan dapat diandalkan",
                 "Melakukan perbaikan tiada henti"],
     "ekspektasi": "Menanggapi permintaan layanan < 2 hari kerja", "umpan_balik": "Layanan cepat & ramah"},
]


def _rhk(no: int, teks: str) -> dict[str, Any]:
    return {
        "no": no, "teks": teks, "penugasan": "Kepala Bidang Aplikasi dan Informatika",
        "pimpinan": "Meningkatnya layanan publik berbasis elektronik",
        "umpan_balik": "Pertahankan kualitas dokumentasi",
        "indikator": [
            {"no": 1, "aspek": "Kuantitas", "teks": "Jumlah aplikasi yang dikembangkan", "target": "4 aplikasi",
             "perspektif": "Penerima Layanan", "realisasi": "2 aplikasi (Triwulan I)",
             "umpan_balik": "Sesuai rencana; lanjutkan uji coba"},
            {"no": 2, "aspek": "Kualitas", "teks": "Persentase aplikasi lolos uji keamanan", "target": "100%",
             "perspektif": "Proses Bisnis", "realisasi": "100%", "umpan_balik": "Baik"},
        ],
    }


def _skp_base() -> dict[str, Any]:
    return {
        "instansi": "Pemerintah Kabupaten Contoh",
        "tahun": 2026,
        "periode_penilaian": "1 JANUARI SD 31 DESEMBER TAHUN 2026",
        "pendekatan": "KUANTITATIF",
        "bagi": "BAGI PEJABAT ADMINISTRASI DAN PEJABAT FUNGSIONAL",
        "label_unit_penilai": "UNIT KERJA",
        "pegawai": dict(_PEGAWAI),
        "penilai": dict(_PENILAI),
        "hasil_kerja": {"utama": [_rhk(1, "Terbangunnya aplikasi layanan perizinan daring")],
                        "tambahan": [_rhk(1, "Terlaksananya pendampingan admin OPD")]},
        "perilaku": copy.deepcopy(_PERILAKU),
        "tempat": "Contoh",
        "tanggal": "2 Januari 2026",
    }


def _pilihan(options: list[str], chosen: str) -> list[dict[str, Any]]:
    return [{"teks": o, "dipilih": o == chosen} for o in options]


def _ratings(capaian: str, hasil: str, perilaku: str, predikat: str) -> dict[str, Any]:
    ratings = [r.value for r in Rating]
    return {"capaian_organisasi": capaian, "rating_hasil_kerja": hasil, "rating_perilaku": perilaku,
            "predikat": predikat,
            "pilihan": {"capaian_organisasi": _pilihan([o.value for o in OrgPredikat], capaian),
                        "rating_hasil_kerja": _pilihan(ratings, hasil), "rating_perilaku": _pilihan(ratings, perilaku),
                        "predikat": _pilihan([p.value for p in reversed(list(Predikat))], predikat)}}


def _evaluasi() -> dict[str, Any]:
    from .context import kurva  # context imports this module's neighbours; imported late to stay light

    ctx = _skp_base()
    ctx.update({
        "periode": {"kode": "TW1", "label": "TRIWULAN I"},
        "periode_penilaian": "1 JANUARI SD 31 MARET TAHUN 2026",
        **_ratings("BAIK", "DI ATAS EKSPEKTASI", "SESUAI EKSPEKTASI", "BAIK"),
        "kurva": kurva(OrgPredikat.BAIK,
                       [Predikat.BAIK, Predikat.BAIK, Predikat.SANGAT_BAIK, Predikat.BUTUH_PERBAIKAN]),
        "atasan_penilai": dict(_ATASAN),
        "tanggal": "5 April 2026",
    })
    return ctx


def sample_context(kind: str) -> dict[str, Any]:
    """A fresh example context for ``kind`` (see templates.KINDS)."""
    if kind == "skp":
        ctx = _skp_base()
        ctx["lampiran"] = {"dukungan_sumber_daya": ["Anggaran pengembangan aplikasi & server"],
                           "skema_pertanggungjawaban": ["Laporan bulanan kepada Kepala Bidang"],
                           "konsekuensi": ["Sesuai ketentuan peraturan perundang-undangan"]}
        return ctx
    if kind == "evaluasi":
        return _evaluasi()
    if kind == "dokumen-evaluasi":
        return {
            "instansi": "Pemerintah Kabupaten Contoh", "tahun": 2026,
            "periode": {"kode": "TW4", "label": "TRIWULAN IV-AKHIR"},
            "periode_penilaian": "1 OKTOBER SD 31 DESEMBER TAHUN 2026",
            "pegawai": dict(_PEGAWAI), "penilai": dict(_PENILAI), "atasan_penilai": dict(_ATASAN),
            **_ratings("BAIK", "SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI", "BAIK"),
            "catatan": "Tingkatkan dokumentasi kegiatan", "rekomendasi": "Dipertahankan.",
            "tempat": "Contoh", "tanggal": "5 Januari 2027",
        }
    if kind == "bukti":
        return {
            "instansi": "Pemerintah Kabupaten Contoh", "tahun": 2026,
            "periode": {"kode": "TW1", "label": "TRIWULAN I"},
            "pegawai": dict(_PEGAWAI),
            "bukti": [{"no": 1, "rhk": "RHK-01 Terbangunnya aplikasi layanan perizinan daring",
                       "iki": "IKI-01 Jumlah aplikasi yang dikembangkan",
                       "periode": "TW1", "nama": "laporan & notulen.pdf", "jenis": "pdf", "ukuran": "12 KB",
                       "diarsipkan": "2 Maret 2026 08.00 WIB", "sha256": "0" * 64, "versi": 1,
                       "status": "archived", "tautan": "/e/" + "0" * 64, "mencurigakan": True,
                       "alasan": "isinya hanya memuat 5% kata IKI"}],
            "jumlah": 1, "jumlah_mencurigakan": 1, "dicetak": "2 Maret 2026 08.00 WIB",
        }
    if kind == "rekap":
        return {
            "instansi": "Pemerintah Kabupaten Contoh", "unit": "Dinas Komunikasi dan Informatika",
            "tahun": 2026, "periode": {"kode": "TW1", "label": "TRIWULAN I"},
            "capaian_organisasi": "BAIK",
            "pegawai": [{"no": 1, "nama": _PEGAWAI["nama"], "nip": _PEGAWAI["nip"], "jabatan": _PEGAWAI["jabatan"],
                         "rating_hasil_kerja": "SESUAI EKSPEKTASI", "rating_perilaku": "SESUAI EKSPEKTASI",
                         "predikat": "BAIK"}],
            "sebaran": [{"predikat": "Baik", "jumlah": 1, "persen": "100,0%", "ketentuan": "Baik paling banyak 70%"}],
            "jumlah_dinilai": 1, "jumlah_belum": 0,
            "peringatan": ["Baik 100,0% (1 dari 1 pegawai) melebihi batas paling banyak 70%"],
            "sesuai_pola": False,
            "penandatangan": {"nama": _ATASAN["nama"], "nip": _ATASAN["nip"], "jabatan": _ATASAN["jabatan"]},
            "tempat": "Contoh", "tanggal": "5 April 2026",
        }
    raise KeyError(kind)
