"""The layout of SKP input, shared by the workbook, the JSON form and validation.

Each sheet is a flat table; its rows name their SKP by (NIP, Tahun). JSON input uses the
same tables with the field keys: ``{"pegawai": [{"nip": "...", ...}], "rhk": [...]}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .master import BERAKHLAK_NAMES, GOLONGAN_PNS, GOLONGAN_PPPK, JENIS_BUKTI
from .model import ASPEK, JENIS_JABATAN, JENIS_PEGAWAI, LAMPIRAN, PENDEKATAN, PERSPEKTIF

#: Named lists offered as drop-downs in the workbook (the "Daftar" sheet) and checked on import.
LISTS: dict[str, tuple[str, ...]] = {
    "jenis_pegawai": JENIS_PEGAWAI,
    "jenis_jabatan": JENIS_JABATAN,
    "golongan": GOLONGAN_PNS + GOLONGAN_PPPK,
    "pendekatan": PENDEKATAN,
    "skema_periode": ("TRIWULAN", "BULANAN", "TAHUNAN"),
    "jenis_rhk": ("UTAMA", "TAMBAHAN"),
    "aspek": ASPEK,
    "perspektif": PERSPEKTIF,
    "periode": ("TW1", "TW2", "TW3", "TW4", "TAHUNAN") + tuple(f"{m:02d}" for m in range(1, 13)),
    "jenis_bukti": tuple(JENIS_BUKTI),
    "berakhlak": BERAKHLAK_NAMES,
    "lampiran": LAMPIRAN,
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    hint: str = ""
    choices: str | None = None  # a key of LISTS
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    key: str  # JSON key
    title: str  # sheet name in the workbook
    columns: tuple[Column, ...]
    example: tuple[tuple[object, ...], ...]  # example rows, in column order

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def letter(self, key: str) -> str:
        i = [c.key for c in self.columns].index(key)
        return _letter(i + 1)


def _letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


_NIP = Column("nip", "NIP Pegawai", True, "18 digit tanpa spasi, tulis sebagai teks", width=21)
_TAHUN = Column("tahun", "Tahun", True, "tahun SKP, mis. 2026", width=8)
EX_NIP = "198503152010011002"
EX_NIP_KADIS = "197204101998031005"

UNIT = Sheet("unit", "Unit Kerja", (
    Column("kode", "Kode Unit", True, "singkat dan tetap, mis. DISKOMINFO-APTIKA", width=22),
    Column("nama", "Nama Unit", True, "nama lengkap unit kerja", width=40),
    Column("induk", "Kode Unit Induk", False, "kosong untuk OPD (unit tertinggi)", width=18),
    Column("instansi", "Instansi", False, "mis. Pemerintah Kabupaten Sleman", width=32),
), (("DISKOMINFO", "Dinas Komunikasi dan Informatika", "", "Pemerintah Kabupaten Contoh"),))

PEGAWAI = Sheet("pegawai", "Pegawai", (
    Column("nip", "NIP", True, "18 digit tanpa spasi (NIP PNS atau NI PPPK)", width=21),
    Column("nama", "Nama", True, "nama lengkap dengan gelar", width=32),
    Column("jenis_pegawai", "Jenis Pegawai", True, "PNS atau PPPK", "jenis_pegawai", 12),
    Column("golongan", "Golongan", False, "PNS: III/a ... IV/e; PPPK: I ... XVII", "golongan", 10),
    Column("jabatan", "Jabatan", True, "nama jabatan, mis. Kepala Seksi Aplikasi", width=36),
    Column("jenis_jabatan", "Jenis Jabatan", True, "JPT, ADMINISTRATOR, PENGAWAS, PELAKSANA, FUNGSIONAL",
           "jenis_jabatan", 16),
    Column("unit", "Kode Unit", True, "kode dari lembar Unit Kerja", width=22),
), ((EX_NIP, "Budi Santoso, S.Kom.", "PNS", "III/c", "Pranata Komputer Ahli Muda", "FUNGSIONAL", "DISKOMINFO"),))

SASARAN = Sheet("sasaran", "Sasaran Organisasi", (
    Column("unit", "Kode Unit", True, "unit pemilik sasaran (Renstra/Perjanjian Kinerja)", width=18),
    Column("tahun", "Tahun", True, width=8),
    Column("kode", "Kode Sasaran", True, "mis. SS-01; ditulis di RHK JPT sebagai RHK yang diintervensi", width=14),
    Column("teks", "Sasaran Strategis", True, width=48),
    Column("indikator", "Indikator Kinerja Utama", False, width=40),
    Column("target", "Target", False, width=12),
), (("DISKOMINFO", 2026, "SS-01", "Meningkatnya kualitas layanan pemerintahan berbasis elektronik",
     "Indeks SPBE", "3,5"),))

SKP = Sheet("skp", "SKP", (
    _NIP, _TAHUN,
    Column("pendekatan", "Pendekatan", True, "KUANTITATIF atau KUALITATIF", "pendekatan", 14),
    Column("awal", "Awal Periode", False, "tanggal mulai penilaian (kosong = 1 Januari)", width=13),
    Column("akhir", "Akhir Periode", False, "tanggal akhir penilaian (kosong = 31 Desember)", width=13),
    Column("skema", "Periode Evaluasi", False, "TRIWULAN (bawaan), BULANAN atau TAHUNAN", "skema_periode", 14),
    Column("penilai_nip", "NIP Pejabat Penilai", False, "boleh kosong bila penilai tidak ber-NIP (Bupati)", width=21),
    Column("penilai_nama", "Nama Pejabat Penilai", True, "kosong: diambil dari lembar Pegawai menurut NIP", width=30),
    Column("penilai_pangkat", "Pangkat/Gol Pejabat Penilai", False, width=22),
    Column("penilai_jabatan", "Jabatan Pejabat Penilai", False, width=28),
    Column("penilai_unit", "Unit Kerja Pejabat Penilai", False, "untuk penilai JPT: nama instansi", width=28),
    Column("atasan_nip", "NIP Atasan Pejabat Penilai", False, width=21),
    Column("atasan_nama", "Nama Atasan Pejabat Penilai", False, width=30),
    Column("atasan_pangkat", "Pangkat/Gol Atasan Penilai", False, width=22),
    Column("atasan_jabatan", "Jabatan Atasan Penilai", False, width=28),
    Column("atasan_unit", "Unit Kerja Atasan Penilai", False, width=28),
    Column("instansi", "Instansi", False, "kosong: dari lembar Unit Kerja", width=30),
    Column("tempat", "Tempat Penetapan", False, width=16),
    Column("tanggal", "Tanggal Penetapan", False, width=14),
), ((EX_NIP, 2026, "KUANTITATIF", "2026-01-02", "2026-12-31", "TRIWULAN", EX_NIP_KADIS, "", "", "", "",
     "", "", "", "", "", "", "Contoh", "2026-01-02"),))

RHK = Sheet("rhk", "RHK", (
    _NIP, _TAHUN,
    Column("kode", "Kode RHK", True, "RHK-01, RHK-02 ... (nama folder bukti dukung)", width=10),
    Column("jenis", "Jenis RHK", True, "UTAMA atau TAMBAHAN", "jenis_rhk", 11),
    Column("teks", "Rencana Hasil Kerja", True, width=50),
    Column("rhk_pimpinan", "Kode RHK Pimpinan yang Diintervensi", False,
           "kode RHK di SKP pejabat penilai; untuk JPT: kode Sasaran Organisasi", width=18),
    Column("penugasan_dari", "Penugasan dari", False, "mis. Kepala Dinas", width=20),
), ((EX_NIP, 2026, "RHK-01", "UTAMA", "Tersedianya aplikasi layanan publik yang andal", "RHK-02",
     "Kepala Bidang Aplikasi Informatika"),))

INDIKATOR = Sheet("indikator", "Indikator", (
    _NIP, _TAHUN,
    Column("rhk", "Kode RHK", True, width=10),
    Column("kode", "Kode IKI", True, "IKI-01, IKI-02 ... unik dalam satu SKP", width=10),
    Column("teks", "Indikator Kinerja Individu", True, "ukuran yang dapat dihitung, mis. Jumlah aplikasi ...",
           width=50),
    Column("aspek", "Aspek", False, "wajib untuk JA/JF kuantitatif", "aspek", 11),
    Column("perspektif", "Perspektif", False, "wajib untuk JPT", "perspektif", 18),
    Column("target", "Target", True, "angka atau rentang: 12, 90-100", width=10),
    Column("satuan", "Satuan", False, "dokumen, %, aplikasi, hari ...", width=12),
), ((EX_NIP, 2026, "RHK-01", "IKI-01", "Jumlah aplikasi layanan publik yang dimutakhirkan", "Kuantitas", "",
     "4", "aplikasi"),))

RENCANA = Sheet("rencana", "Rencana Bukti", (
    _NIP, _TAHUN,
    Column("iki", "Kode IKI", True, width=10),
    Column("periode", "Periode", True, "TW1-TW4, bulan 01-12, atau TAHUNAN", "periode", 10),
    Column("rencana_aksi", "Rencana Aksi", False, width=44),
    Column("jenis_bukti", "Jenis Bukti Dukung", False, "pilih dari daftar; satu jenis per baris", "jenis_bukti", 18),
    Column("jumlah", "Jumlah Minimal", False, "berkas per jenis (bawaan 1)", width=9),
), ((EX_NIP, 2026, "IKI-01", "TW1", "Rapat kebutuhan pemutakhiran aplikasi", "Notulen", 1),))

PERILAKU = Sheet("perilaku", "Perilaku Kerja", (
    _NIP, _TAHUN,
    Column("nilai", "Nilai BerAKHLAK", True, "pilih dari daftar", "berakhlak", 22),
    Column("ekspektasi", "Ekspektasi Khusus Pimpinan", False, width=60),
), ((EX_NIP, 2026, "Berorientasi Pelayanan", "Menanggapi aduan aplikasi paling lambat 1 hari kerja"),))

LAMPIRAN_SHEET = Sheet("lampiran", "Lampiran", (
    _NIP, _TAHUN,
    Column("jenis", "Bagian", True, "DUKUNGAN SUMBER DAYA, SKEMA PERTANGGUNGJAWABAN, KONSEKUENSI", "lampiran", 28),
    Column("uraian", "Uraian", True, width=60),
), ((EX_NIP, 2026, "DUKUNGAN SUMBER DAYA", "Server dan jaringan internet kantor"),))

SHEETS: tuple[Sheet, ...] = (UNIT, PEGAWAI, SASARAN, SKP, RHK, INDIKATOR, RENCANA, PERILAKU, LAMPIRAN_SHEET)
BY_KEY = {s.key: s for s in SHEETS}
