"""A small cascading SKP set (Kepala -> Kabid -> staff) as input tables, for the SKP tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

KADIS = "197204101998031005"  # JPT, born 1972-04-10
KABID = "198811222014022003"  # administrator, female
STAFF = "198503152010011002"  # fungsional (NIP_A of conftest)
PPPK = "199205172022211001"  # PPPK pelaksana: digits 13-14 = 21, not a month

TAHUN = 2026


def tables(tahun: int = TAHUN) -> dict[str, list[dict[str, Any]]]:
    t = tahun
    return copy.deepcopy({
        "unit": [
            {"kode": "DISKOMINFO", "nama": "Dinas Komunikasi dan Informatika",
             "instansi": "Pemerintah Kabupaten Contoh"},
            {"kode": "APTIKA", "nama": "Bidang Aplikasi Informatika", "induk": "DISKOMINFO"},
        ],
        "pegawai": [
            {"nip": KADIS, "nama": "Ir. Hendra Wijaya, M.T.", "jenis_pegawai": "PNS", "golongan": "IV.c",
             "jabatan": "Kepala Dinas", "jenis_jabatan": "JPT", "unit": "DISKOMINFO"},
            {"nip": KABID, "nama": "Sri Rahayu, S.Kom., M.M.", "jenis_pegawai": "PNS", "golongan": "IVa",
             "jabatan": "Kepala Bidang Aplikasi Informatika", "jenis_jabatan": "ADMINISTRATOR", "unit": "APTIKA"},
            {"nip": STAFF, "nama": "Budi Santoso, S.Kom.", "jenis_pegawai": "PNS", "golongan": "III/c",
             "jabatan": "Pranata Komputer Ahli Muda", "jenis_jabatan": "FUNGSIONAL", "unit": "APTIKA"},
            {"nip": PPPK, "nama": "Agus Salim", "jenis_pegawai": "PPPK", "golongan": "IX",
             "jabatan": "Operator Layanan Operasional", "jenis_jabatan": "PELAKSANA", "unit": "APTIKA"},
        ],
        "sasaran": [
            {"unit": "DISKOMINFO", "tahun": t, "kode": "SS-01",
             "teks": "Meningkatnya kualitas layanan pemerintahan berbasis elektronik", "indikator": "Indeks SPBE",
             "target": "3,5"},
        ],
        "skp": [
            {"nip": KADIS, "tahun": t, "pendekatan": "KUANTITATIF", "penilai_nama": "Drs. Bambang Sutrisno",
             "penilai_jabatan": "Bupati Contoh", "penilai_unit": "Pemerintah Kabupaten Contoh"},
            {"nip": KABID, "tahun": t, "pendekatan": "KUANTITATIF", "penilai_nip": KADIS,
             "awal": f"{t}-01-02", "akhir": f"{t}-12-31"},
            {"nip": STAFF, "tahun": t, "pendekatan": "KUANTITATIF", "penilai_nip": KABID, "atasan_nip": KADIS},
            {"nip": PPPK, "tahun": t, "pendekatan": "KUANTITATIF", "penilai_nip": KABID, "atasan_nip": KADIS},
        ],
        "rhk": [
            {"nip": KADIS, "tahun": t, "kode": "RHK-01", "jenis": "UTAMA", "rhk_pimpinan": "SS-01",
             "teks": "Terwujudnya layanan aplikasi pemerintahan yang terpadu", "penugasan_dari": "Bupati"},
            {"nip": KABID, "tahun": t, "kode": "RHK-01", "jenis": "UTAMA", "rhk_pimpinan": "RHK-01",
             "teks": "Tersedianya aplikasi layanan publik yang andal"},
            {"nip": STAFF, "tahun": t, "kode": "RHK-01", "jenis": "UTAMA", "rhk_pimpinan": "RHK-01",
             "teks": "Pemutakhiran aplikasi layanan perizinan daring"},
            {"nip": STAFF, "tahun": t, "kode": "RHK-02", "jenis": "TAMBAHAN",
             "teks": "Sosialisasi keamanan informasi kepada pegawai"},
            {"nip": PPPK, "tahun": t, "kode": "RHK-01", "jenis": "UTAMA", "rhk_pimpinan": "RHK-01",
             "teks": "Penanganan aduan gangguan jaringan"},
        ],
        "indikator": [
            {"nip": KADIS, "tahun": t, "rhk": "RHK-01", "kode": "IKI-01", "teks": "Indeks SPBE Kabupaten",
             "perspektif": "Penerima Layanan", "target": "3,5", "satuan": "indeks"},
            {"nip": KABID, "tahun": t, "rhk": "RHK-01", "kode": "IKI-01",
             "teks": "Jumlah aplikasi layanan publik yang beroperasi", "aspek": "Kuantitas", "target": "5",
             "satuan": "aplikasi"},
            {"nip": STAFF, "tahun": t, "rhk": "RHK-01", "kode": "IKI-01",
             "teks": "Jumlah modul aplikasi perizinan yang dimutakhirkan", "aspek": "Kuantitas", "target": "4",
             "satuan": "modul"},
            {"nip": STAFF, "tahun": t, "rhk": "RHK-01", "kode": "IKI-02",
             "teks": "Persentase uji fungsi modul perizinan tanpa galat", "aspek": "Kualitas", "target": "90-100",
             "satuan": "%"},
            {"nip": STAFF, "tahun": t, "rhk": "RHK-02", "kode": "IKI-03",
             "teks": "Terlaksananya sosialisasi keamanan informasi", "aspek": "Kuantitas", "target": "2",
             "satuan": "kali"},
            {"nip": PPPK, "tahun": t, "rhk": "RHK-01", "kode": "IKI-01",
             "teks": "Jumlah aduan jaringan yang diselesaikan", "aspek": "Kuantitas", "target": "40",
             "satuan": "aduan"},
        ],
        "rencana": [
            {"nip": STAFF, "tahun": t, "iki": "IKI-01", "periode": "TW1", "rencana_aksi": "Rapat kebutuhan modul",
             "jenis_bukti": "Undangan"},
            {"nip": STAFF, "tahun": t, "iki": "IKI-01", "periode": "TW1", "jenis_bukti": "Daftar Hadir"},
            {"nip": STAFF, "tahun": t, "iki": "IKI-01", "periode": "TW1", "jenis_bukti": "Notulen"},
            {"nip": STAFF, "tahun": t, "iki": "IKI-01", "periode": "TW2", "jenis_bukti": "Laporan", "jumlah": 2},
        ],
        "perilaku": [
            {"nip": STAFF, "tahun": t, "nilai": "Berorientasi Pelayanan",
             "ekspektasi": "Menanggapi aduan aplikasi paling lambat satu hari kerja"},
        ],
        "lampiran": [
            {"nip": STAFF, "tahun": t, "jenis": "DUKUNGAN SUMBER DAYA", "uraian": "Server pengembangan"},
            {"nip": STAFF, "tahun": t, "jenis": "SKEMA PERTANGGUNGJAWABAN", "uraian": "Laporan triwulanan"},
            {"nip": STAFF, "tahun": t, "jenis": "KONSEKUENSI", "uraian": "Sesuai ketentuan TPP"},
        ],
    })


def write_workbook(path: Any, data: dict[str, list[dict[str, Any]]], template: bytes | None = None) -> Any:
    """Fill the real template (archiver skp template, or the ``template`` bytes, e.g. the web's
    download) with ``data``, as an administrator would."""
    import openpyxl

    from archiver.skp.sheets import BY_KEY
    from archiver.skp.workbook import FIRST_DATA_ROW, write_template

    if template is None:
        write_template(path, tahun=TAHUN)
    else:
        Path(path).write_bytes(template)
    wb = openpyxl.load_workbook(path)
    for key, rows in data.items():
        sheet = BY_KEY[key]
        ws = wb[sheet.title]
        for n, row in enumerate(rows):
            for j, col in enumerate(sheet.columns, 1):
                v = row.get(col.key)
                ws.cell(FIRST_DATA_ROW + n, j, v if v not in ("",) else None)
    wb.save(path)
    return path
