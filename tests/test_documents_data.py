"""SKP input for the document tests and the benchmark, imported with the real `archiver skp import`.

A Dinas (JPT head, whose penilai is the Bupati without NIP), a Kepala Bidang, and two fungsional
in the bidang (kuantitatif and kualitatif), with names and texts that need escaping.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

UNIT = "DISKOMINFO"
UNIT_NAME = "Dinas Komunikasi & Informatika"
BIDANG = "APTIKA"
BIDANG_NAME = "Bidang Aplikasi & Informatika"
INSTANSI = "Pemerintah Kabupaten Contoh"
TAHUN = 2026

NIP_J = "197002021995031001"  # Kepala Dinas (JPT)
NIP_K = "198811222014022003"  # Kepala Bidang (administrator)
NIP_A = "198503152010011002"  # fungsional, kuantitatif (conftest NIP_A)
NIP_B = "199001012015032001"  # fungsional, kualitatif (conftest NIP_B)
NAME_J = "Ir. Bambang Sutrisno, M.Si."
NAME_K = "Sri Rahayu, S.Kom., M.M."
NAME_A = "Raden Ayu Siti Nurhaliza Kusumawardhani Prawirodirdjo, S.Kom., M.T."
NAME_B = "Dewi Lestari, S.E."
BUPATI = "Drs. H. Bupati Contoh"

RHK_J1 = "Meningkatnya layanan publik berbasis elektronik"
RHK_K1 = "Tersedianya aplikasi layanan publik yang andal"
RHK_A1 = 'Terbangunnya aplikasi "SiPerizinan" & <portal> layanan'
RHK_A2 = "Sosialisasi keamanan informasi kepada pegawai"
RHK_B1 = "Tersusunnya kajian kebutuhan aplikasi layanan"
IKI_A1 = "Jumlah modul aplikasi perizinan yang dimutakhirkan"
IKI_A2 = "Persentase uji fungsi modul tanpa galat"
IKI_A3 = "Terlaksananya sosialisasi keamanan informasi"


def tables(tahun: int = TAHUN) -> dict[str, list[dict[str, Any]]]:
    t = tahun

    def iki(nip: str, rhk: str, kode: str, teks: str, target: str, satuan: str, aspek: str = "",
            perspektif: str = "") -> dict[str, Any]:
        return {"nip": nip, "tahun": t, "rhk": rhk, "kode": kode, "teks": teks, "aspek": aspek,
                "perspektif": perspektif, "target": target, "satuan": satuan}

    return copy.deepcopy({
        "unit": [{"kode": UNIT, "nama": UNIT_NAME, "instansi": INSTANSI},
                 {"kode": BIDANG, "nama": BIDANG_NAME, "induk": UNIT}],
        "pegawai": [
            {"nip": NIP_J, "nama": NAME_J, "jenis_pegawai": "PNS", "golongan": "IV/c", "jabatan": "Kepala Dinas",
             "jenis_jabatan": "JPT", "unit": UNIT},
            {"nip": NIP_K, "nama": NAME_K, "jenis_pegawai": "PNS", "golongan": "IV/a",
             "jabatan": "Kepala Bidang Aplikasi Informatika", "jenis_jabatan": "ADMINISTRATOR", "unit": BIDANG},
            {"nip": NIP_A, "nama": NAME_A, "jenis_pegawai": "PNS", "golongan": "III/d",
             "jabatan": "Pranata Komputer Ahli Muda", "jenis_jabatan": "FUNGSIONAL", "unit": BIDANG},
            {"nip": NIP_B, "nama": NAME_B, "jenis_pegawai": "PNS", "golongan": "III/b",
             "jabatan": "Analis Sistem Informasi", "jenis_jabatan": "FUNGSIONAL", "unit": BIDANG},
        ],
        "sasaran": [{"unit": UNIT, "tahun": t, "kode": "SS-01", "teks": "Meningkatnya kualitas SPBE",
                     "indikator": "Indeks SPBE", "target": "3,5"}],
        "skp": [
            {"nip": NIP_J, "tahun": t, "pendekatan": "KUANTITATIF", "penilai_nama": BUPATI,
             "penilai_jabatan": "Bupati Contoh", "penilai_unit": INSTANSI, "tempat": "Contoh",
             "tanggal": f"{t}-01-02"},
            {"nip": NIP_K, "tahun": t, "pendekatan": "KUANTITATIF", "penilai_nip": NIP_J, "atasan_nama": BUPATI,
             "atasan_jabatan": "Bupati Contoh", "tempat": "Contoh", "tanggal": f"{t}-01-02"},
            {"nip": NIP_A, "tahun": t, "pendekatan": "KUANTITATIF", "penilai_nip": NIP_K, "atasan_nip": NIP_J,
             "tempat": "Contoh", "tanggal": f"{t}-01-02"},
            {"nip": NIP_B, "tahun": t, "pendekatan": "KUALITATIF", "penilai_nip": NIP_K, "atasan_nip": NIP_J,
             "tempat": "Contoh", "tanggal": f"{t}-01-02"},
        ],
        "rhk": [
            {"nip": NIP_J, "tahun": t, "kode": "RHK-01", "jenis": "UTAMA", "teks": RHK_J1, "rhk_pimpinan": "SS-01",
             "penugasan_dari": "Bupati"},
            {"nip": NIP_K, "tahun": t, "kode": "RHK-01", "jenis": "UTAMA", "teks": RHK_K1, "rhk_pimpinan": "RHK-01"},
            {"nip": NIP_A, "tahun": t, "kode": "RHK-01", "jenis": "UTAMA", "teks": RHK_A1, "rhk_pimpinan": "RHK-01"},
            {"nip": NIP_A, "tahun": t, "kode": "RHK-02", "jenis": "TAMBAHAN", "teks": RHK_A2},
            {"nip": NIP_B, "tahun": t, "kode": "RHK-01", "jenis": "UTAMA", "teks": RHK_B1, "rhk_pimpinan": "RHK-01",
             "penugasan_dari": "Kepala Bidang Aplikasi Informatika"},
            {"nip": NIP_B, "tahun": t, "kode": "RHK-02", "jenis": "TAMBAHAN",
             "teks": "Pendampingan admin aplikasi OPD"},
        ],
        "indikator": [
            iki(NIP_J, "RHK-01", "IKI-01", "Indeks SPBE Kabupaten", "3,5", "indeks", perspektif="Penerima Layanan"),
            iki(NIP_K, "RHK-01", "IKI-01", "Jumlah aplikasi layanan publik yang beroperasi", "5", "aplikasi",
                aspek="Kuantitas"),
            iki(NIP_A, "RHK-01", "IKI-01", IKI_A1, "4", "modul", aspek="Kuantitas"),
            iki(NIP_A, "RHK-01", "IKI-02", IKI_A2, "90-100", "%", aspek="Kualitas"),
            iki(NIP_A, "RHK-02", "IKI-03", IKI_A3, "2", "kali", aspek="Kuantitas"),
            iki(NIP_B, "RHK-01", "IKI-01", "Dokumen kajian kebutuhan yang diterima pimpinan", "1", "dokumen"),
            iki(NIP_B, "RHK-02", "IKI-02", "Jumlah OPD yang didampingi", "5", "OPD"),
        ],
        "perilaku": [{"nip": NIP_A, "tahun": t, "nilai": "Berorientasi Pelayanan", "ekspektasi": "Respons < 2 hari"},
                     {"nip": NIP_A, "tahun": t, "nilai": "Adaptif", "ekspektasi": "Menguasai kerangka kerja baru"}],
        "lampiran": [
            {"nip": NIP_A, "tahun": t, "jenis": "DUKUNGAN SUMBER DAYA", "uraian": "Server & jaringan"},
            {"nip": NIP_A, "tahun": t, "jenis": "SKEMA PERTANGGUNGJAWABAN", "uraian": "Laporan triwulanan"},
            {"nip": NIP_A, "tahun": t, "jenis": "KONSEKUENSI", "uraian": "Sesuai ketentuan TPP"},
        ],
    })


def import_skps(ws: Any, data: dict[str, list[dict[str, Any]]] | None = None) -> Path:
    """Import the SKPs with the real CLI, as an administrator would."""
    path = Path(ws.root) / "skp.json"
    path.write_text(json.dumps(data or tables(), ensure_ascii=False), encoding="utf-8")
    res = ws.cli("skp", "import", str(path))
    assert res.exit_code == 0, res.output
    return path


def bulk_tables(n: int, n_rhk: int = 4, tahun: int = TAHUN) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """``n`` fungsional of the bidang, each with ``n_rhk`` RHK of two indicators (the benchmark's batch),
    below the Dinas of ``tables``. Returns the tables and the staff NIPs."""
    data = tables(tahun)
    keep = {NIP_J, NIP_K}
    for key in ("pegawai", "skp", "rhk", "indikator", "perilaku", "lampiran"):
        data[key] = [r for r in data[key] if r["nip"] in keep]
    nips = [f"198503152010011{i:03d}" if i < 999 else f"198503152010012{i - 998:03d}" for i in range(1, n + 1)]
    for i, nip in enumerate(nips):
        data["pegawai"].append({"nip": nip, "nama": f"Pegawai Nomor {i} Dengan Nama Panjang Sekali, S.Kom., M.T.",
                                "jenis_pegawai": "PNS", "golongan": "III/c", "jabatan": "Pranata Komputer Ahli Muda",
                                "jenis_jabatan": "FUNGSIONAL", "unit": BIDANG})
        data["skp"].append({"nip": nip, "tahun": tahun, "pendekatan": "KUANTITATIF", "penilai_nip": NIP_K,
                            "atasan_nip": NIP_J, "tempat": "Contoh", "tanggal": f"{tahun}-01-02"})
        for r in range(1, n_rhk + 1):
            data["rhk"].append({"nip": nip, "tahun": tahun, "kode": f"RHK-{r:02d}", "jenis": "UTAMA",
                                "teks": f"Tersedianya layanan aplikasi nomor {r} yang andal", "rhk_pimpinan": "RHK-01"})
            for k, aspek in ((1, "Kuantitas"), (2, "Kualitas")):
                data["indikator"].append({"nip": nip, "tahun": tahun, "rhk": f"RHK-{r:02d}",
                                          "kode": f"IKI-{2 * (r - 1) + k:02d}",
                                          "teks": f"Jumlah modul aplikasi nomor {r}.{k} yang selesai diuji",
                                          "aspek": aspek, "target": str(r + k), "satuan": "modul"})
    return data, nips
