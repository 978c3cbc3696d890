"""The demo Dinas as data: its units, 30 pegawai, their SKPs and a year of evaluations.

Dinas Komunikasi dan Informatika Kabupaten Sukamaju (fictional): the Kepala Dinas (JPT) and
four units (Sekretariat, Bidang Aplikasi Informatika, Bidang Informasi dan Komunikasi Publik,
Bidang Persandian dan Statistik) with administrators, pengawas, fungsional and pelaksana,
PNS and PPPK, SKPs with the kuantitatif and the kualitatif approach. Everything is derived
from the year and a fixed seed: two runs give the same tables.

The evaluations of TW1-TW4 follow the pola distribusi of a unit whose capaian kinerja
organisasi is Baik, except in the Bidang IKP, where a lenient pejabat penilai rated almost
everyone Baik: that unit breaks the pattern, so the distribution check has something to say.
Texts are Indonesian: they are the content of official documents.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from ..evaluation.model import BERAKHLAK
from ..evaluation.rules import OrgPredikat, Predikat, Rating

INSTANSI = "Pemerintah Kabupaten Sukamaju"
PERIODES = ("TW1", "TW2", "TW3", "TW4")
SEED = "diskominfo-sukamaju"

# The pegawai other modules and tests name.
KADIS, SEKDIN = "197204101998031005", "197809232003122004"
KABID_APT, KABID_IKP = "198011052006041003", "198306172009022002"
KASUBAG, PRAKOM, HUMAS = "198702142011012001", "198503152010011002", "199311082019032005"
OPERATOR, PENGADM = "199205172022211001", "199607302020121002"
KABID_SANDI, KASUBAG_KEU = "197911182005011004", "198907212014022003"
ANALIS_SDM, HUMAS_MUDA = "199404122019032007", "198804242011012002"

#: Units below the Dinas, in the order they are shown; IKP is the one that breaks the pattern.
UNITS = ("SEKRETARIAT", "APTIKA", "IKP", "SANDI")
DEVIANT_UNIT = "IKP"

Indicator = tuple[str, str, str, str, tuple[str, ...]]  # teks, aspek/perspektif, target, satuan, jenis bukti


@dataclass(frozen=True)
class Rhk:
    teks: str
    pimpinan: str  # code of the intervened RHK of the pejabat penilai (JPT: the sasaran strategis)
    indicators: tuple[Indicator, ...]
    jenis: str = "UTAMA"
    penugasan: str = ""


@dataclass(frozen=True)
class Pegawai:
    nip: str
    nama: str
    gol: str
    jabatan: str
    jenis_jabatan: str
    unit: str
    penilai: str  # NIP, "" for the Kepala Dinas (appraised by the Bupati)
    rhk: tuple[Rhk, ...] = field(default=())
    jenis_pegawai: str = "PNS"
    pendekatan: str = "KUANTITATIF"


UND, DH, NOT, LAP, FOTO, OUT = "Undangan", "Daftar Hadir", "Notulen", "Laporan", "Foto Kegiatan", "Dokumen Output"
DATA, SS, ST, BA, ND = "Data", "Tangkapan Layar", "Surat Tugas", "Berita Acara", "Nota Dinas"


def _r(teks: str, pimpinan: str, *indicators: Indicator, jenis: str = "UTAMA", penugasan: str = "") -> Rhk:
    return Rhk(teks, pimpinan, indicators, jenis, penugasan)


PEGAWAI: tuple[Pegawai, ...] = (
    Pegawai(KADIS, "Ir. Hendra Wijaya, M.T.", "IV/c", "Kepala Dinas Komunikasi dan Informatika", "JPT",
            "DISKOMINFO", "", (
                _r("Meningkatnya kualitas layanan pemerintahan berbasis elektronik", "SS-01",
                   ("Indeks SPBE Kabupaten Sukamaju", "Penerima Layanan", "3,2", "indeks", (LAP,)),
                   penugasan="Bupati"),
                _r("Meningkatnya keterbukaan informasi publik", "SS-02",
                   ("Persentase permohonan informasi publik yang diselesaikan tepat waktu", "Proses Bisnis", "95",
                    "%", (LAP,)), penugasan="Bupati"),
                _r("Terwujudnya tata kelola perangkat daerah yang akuntabel", "SS-03",
                   ("Nilai SAKIP Dinas Komunikasi dan Informatika", "Penguatan Internal", "75", "nilai", (ND,)),
                   penugasan="Bupati"))),
    # ------------------------------------------------------------------ Sekretariat
    Pegawai(SEKDIN, "Dra. Endang Purwaningsih, M.Si.", "IV/b", "Sekretaris Dinas", "ADMINISTRATOR", "SEKRETARIAT",
            KADIS, (_r("Tersusunnya dokumen perencanaan dan pelaporan kinerja dinas", "RHK-03",
                       ("Jumlah dokumen perencanaan dan laporan kinerja yang disusun tepat waktu", "Kuantitas", "5",
                        "dokumen", (OUT,))),)),
    Pegawai(KASUBAG, "Siti Nurhaliza, S.E.", "III/d", "Kepala Subbagian Umum dan Kepegawaian", "PENGAWAS",
            "SEKRETARIAT", SEKDIN, (_r("Terkelolanya administrasi umum dan kepegawaian", "RHK-01",
                                       ("Persentase surat masuk yang diagendakan pada hari yang sama", "Waktu", "100",
                                        "%", (DATA,))),)),
    Pegawai(KASUBAG_KEU, "Fitri Handayani, S.E., M.Ak.", "III/d", "Kepala Subbagian Perencanaan dan Keuangan",
            "PENGAWAS", "SEKRETARIAT", SEKDIN, (
                _r("Terkelolanya administrasi keuangan dinas yang tertib", "RHK-01",
                   ("Jumlah laporan realisasi anggaran yang disampaikan tepat waktu", "Kuantitas", "12", "laporan",
                    (LAP,)),
                   ("Persentase SPJ yang lengkap pada pemeriksaan pertama", "Kualitas", "95", "%", (BA,))),)),
    Pegawai(PENGADM, "Yusuf Maulana", "II/c", "Pengadministrasi Perkantoran", "PELAKSANA", "SEKRETARIAT", KASUBAG,
            (_r("Pengagendaan surat masuk dan keluar", "RHK-01",
                ("Jumlah surat yang diagendakan", "Kuantitas", "1200", "surat", (DATA,))),)),
    Pegawai(ANALIS_SDM, "Nadia Putri Ramadhani, S.Psi.", "III/b", "Analis Sumber Daya Manusia Aparatur Ahli Pertama",
            "FUNGSIONAL", "SEKRETARIAT", SEKDIN, (
                _r("Tersusunnya analisis kebutuhan pengembangan kompetensi pegawai", "RHK-01",
                   ("Dokumen analisis kebutuhan pengembangan kompetensi diterima Sekretaris Dinas",
                    "", "Dokumen disetujui tanpa revisi mayor", "", (OUT, NOT))),),
            pendekatan="KUALITATIF"),
    Pegawai("199008262015031004", "Hendro Saputro, A.Md.", "III/a", "Arsiparis Terampil", "FUNGSIONAL",
            "SEKRETARIAT", KASUBAG, (_r("Penataan arsip inaktif dinas", "RHK-01",
                                        ("Jumlah berkas arsip inaktif yang ditata", "Kuantitas", "400", "berkas",
                                         (BA, FOTO))),)),
    Pegawai("199512032023212003", "Lina Marlina, S.Ak.", "IX", "Penata Layanan Operasional", "PELAKSANA",
            "SEKRETARIAT", KASUBAG_KEU, (_r("Penyiapan dokumen pertanggungjawaban keuangan", "RHK-01",
                                            ("Jumlah berkas SPJ yang diverifikasi", "Kuantitas", "240", "berkas",
                                             (DATA,))),), jenis_pegawai="PPPK"),
    # ------------------------------------------------------------------ Bidang Aplikasi Informatika
    Pegawai(KABID_APT, "Agung Prasetyo, S.T., M.Kom.", "IV/a", "Kepala Bidang Aplikasi Informatika",
            "ADMINISTRATOR", "APTIKA", KADIS, (_r("Tersedianya aplikasi layanan publik yang terintegrasi", "RHK-01",
                                                 ("Jumlah aplikasi layanan publik yang terintegrasi", "Kuantitas", "6",
                                                  "aplikasi", (LAP,)),
                                                 ("Persentase ketersediaan layanan pusat data", "Kualitas", "99", "%",
                                                  (DATA,))),)),
    Pegawai(PRAKOM, "Budi Santoso, S.Kom.", "III/c", "Pranata Komputer Ahli Muda", "FUNGSIONAL", "APTIKA", KABID_APT, (
        _r("Pemutakhiran aplikasi perizinan daring", "RHK-01",
           ("Jumlah modul aplikasi perizinan yang dimutakhirkan", "Kuantitas", "4", "modul", (UND, DH, NOT)),
           ("Persentase uji fungsi modul perizinan tanpa galat", "Kualitas", "90-100", "%", (LAP,))),
        _r("Sosialisasi keamanan informasi bagi pegawai", "",
           ("Terlaksananya sosialisasi keamanan informasi", "Kuantitas", "2", "kali", (DH, FOTO)), jenis="TAMBAHAN"))),
    Pegawai(OPERATOR, "Agus Salim, A.Md.", "VII", "Operator Layanan Operasional", "PELAKSANA", "APTIKA", KABID_APT,
            (_r("Penanganan gangguan jaringan perangkat daerah", "RHK-01",
                ("Jumlah tiket gangguan jaringan yang diselesaikan", "Kuantitas", "60", "tiket", (DATA, FOTO))),),
            jenis_pegawai="PPPK"),
    Pegawai("199602182020121005", "Rizky Aditya Pratama, S.Kom.", "III/a", "Pranata Komputer Ahli Pertama",
            "FUNGSIONAL", "APTIKA", KABID_APT, (_r("Pengembangan aplikasi antrean pelayanan terpadu", "RHK-01",
                                                  ("Jumlah fitur aplikasi antrean yang selesai diuji", "Kuantitas",
                                                   "8", "fitur", (OUT, SS))),)),
    Pegawai("199709092022032004", "Annisa Fitriani, S.T.", "III/a", "Pranata Komputer Ahli Pertama", "FUNGSIONAL",
            "APTIKA", KABID_APT, (_r("Pengelolaan layanan pusat data pemerintah daerah", "RHK-01",
                                     ("Persentase waktu layanan pusat data tersedia", "Kualitas", "99", "%",
                                      (DATA, LAP))),)),
    Pegawai("199101302014031002", "Dedi Kurniawan, A.Md.Kom.", "II/d", "Pranata Komputer Terampil", "FUNGSIONAL",
            "APTIKA", KABID_APT, (_r("Pemeliharaan perangkat komputer dinas", "RHK-01",
                                     ("Jumlah perangkat komputer yang dipelihara", "Kuantitas", "80", "unit",
                                      (BA, FOTO))),)),
    Pegawai("199403112024211002", "Fajar Nugroho, S.Kom.", "IX", "Pranata Komputer Ahli Pertama", "FUNGSIONAL",
            "APTIKA", KABID_APT, (_r("Integrasi data layanan kependudukan dengan aplikasi perizinan", "RHK-01",
                                     ("Jumlah layanan yang terintegrasi melalui API", "Kuantitas", "3", "layanan",
                                      (UND, NOT, LAP))),), jenis_pegawai="PPPK"),
    Pegawai("199810052021021001", "Muhammad Iqbal", "II/c", "Penata Kelola Sistem dan Teknologi Informasi",
            "PELAKSANA", "APTIKA", KABID_APT, (_r("Pengelolaan akun surel dinas", "RHK-01",
                                                 ("Jumlah permintaan akun surel yang diselesaikan", "Kuantitas",
                                                  "150", "permintaan", (DATA,))),)),
    # ------------------------------------------------------------------ Bidang IKP
    Pegawai(KABID_IKP, "Dewi Lestari, S.Sos., M.A.P.", "IV/a", "Kepala Bidang Informasi dan Komunikasi Publik",
            "ADMINISTRATOR", "IKP", KADIS, (_r("Terkelolanya layanan informasi publik", "RHK-02",
                                              ("Jumlah konten informasi publik yang dipublikasikan", "Kuantitas",
                                               "120", "konten", (LAP,))),)),
    Pegawai(HUMAS, "Rina Kartika Sari, S.I.Kom.", "III/b", "Pranata Hubungan Masyarakat Ahli Pertama", "FUNGSIONAL",
            "IKP", KABID_IKP, (_r("Publikasi kegiatan pemerintah daerah di media sosial", "RHK-01",
                                  ("Jumlah unggahan publikasi kegiatan pemerintah daerah", "Kuantitas", "100",
                                   "unggahan", (LAP, FOTO))),)),
    Pegawai(HUMAS_MUDA, "Sri Wahyuni, S.Sos.", "III/c", "Pranata Hubungan Masyarakat Ahli Muda", "FUNGSIONAL", "IKP",
            KABID_IKP, (_r("Tersusunnya strategi komunikasi publik pemerintah daerah", "RHK-01",
                           ("Strategi komunikasi publik ditetapkan Kepala Dinas dan dipakai semua bidang", "",
                            "Ditetapkan sebelum akhir triwulan II", "", (OUT, UND, NOT))),), pendekatan="KUALITATIF"),
    Pegawai("199207142015032001", "Maya Anggraini, A.Md.", "II/d", "Pranata Hubungan Masyarakat Terampil",
            "FUNGSIONAL", "IKP", KABID_IKP, (_r("Peliputan kegiatan pimpinan daerah", "RHK-01",
                                               ("Jumlah kegiatan pimpinan yang diliput", "Kuantitas", "48",
                                                "kegiatan", (ST, FOTO))),)),
    Pegawai("199911212023211001", "Bayu Setiawan, S.I.Kom.", "IX", "Pengelola Layanan Informasi Publik", "PELAKSANA",
            "IKP", KABID_IKP, (_r("Pelayanan permohonan informasi publik", "RHK-01",
                                  ("Jumlah permohonan informasi yang dilayani", "Kuantitas", "80", "permohonan",
                                   (DATA, ND))),), jenis_pegawai="PPPK"),
    Pegawai("199305262020121003", "Andi Firmansyah", "II/c", "Pengolah Data dan Informasi", "PELAKSANA", "IKP",
            KABID_IKP, (_r("Pengolahan data statistik sektoral bidang komunikasi", "RHK-01",
                           ("Jumlah tabel data sektoral yang dimutakhirkan", "Kuantitas", "24", "tabel", (DATA,))),)),
    Pegawai("199712302022032002", "Dian Permata Sari, A.Md.", "II/c", "Operator Layanan Operasional", "PELAKSANA",
            "IKP", KABID_IKP, (_r("Pengelolaan kanal pengaduan masyarakat", "RHK-01",
                                  ("Jumlah aduan yang diteruskan ke perangkat daerah", "Kuantitas", "200", "aduan",
                                   (DATA, SS))),)),
    # ------------------------------------------------------------------ Bidang Persandian dan Statistik
    Pegawai(KABID_SANDI, "Drs. Wahyu Hidayat, M.Si.", "IV/a", "Kepala Bidang Persandian dan Statistik",
            "ADMINISTRATOR", "SANDI", KADIS, (_r("Terselenggaranya keamanan informasi dan statistik sektoral",
                                                "RHK-01",
                                                ("Tata kelola keamanan informasi dinilai memadai oleh BSSN", "",
                                                 "Hasil penilaian indeks KAMI minimal kategori Baik", "",
                                                 (LAP, BA))),), pendekatan="KUALITATIF"),
    Pegawai("198606092010011003", "Eko Prasetyo, S.ST.", "III/c", "Sandiman Ahli Muda", "FUNGSIONAL", "SANDI",
            KABID_SANDI, (_r("Pengamanan informasi berklasifikasi", "RHK-01",
                             ("Jumlah sertifikat elektronik yang diterbitkan", "Kuantitas", "120", "sertifikat",
                              (DATA, UND, DH))),)),
    Pegawai("199010192015022001", "Ratna Dewi, S.Si.", "III/b", "Statistisi Ahli Pertama", "FUNGSIONAL", "SANDI",
            KABID_SANDI, (_r("Penyusunan data statistik sektoral", "RHK-01",
                             ("Jumlah set data yang dipublikasikan di portal Satu Data", "Kuantitas", "30", "set data",
                              (DATA, SS))),)),
    Pegawai("198512282009012004", "Yuni Astuti, S.Stat.", "III/d", "Statistisi Ahli Muda", "FUNGSIONAL", "SANDI",
            KABID_SANDI, (_r("Penyusunan publikasi Kabupaten Sukamaju dalam Angka sektor komunikasi", "RHK-01",
                             ("Jumlah publikasi statistik yang terbit", "Kuantitas", "2", "publikasi",
                              (OUT, UND, NOT))),)),
    Pegawai("199508082023211003", "Irfan Maulana, S.Kom.", "IX", "Sandiman Ahli Pertama", "FUNGSIONAL", "SANDI",
            KABID_SANDI, (_r("Pemantauan insiden keamanan siber", "RHK-01",
                             ("Jumlah laporan pemantauan insiden siber", "Kuantitas", "12", "laporan", (LAP, SS))),),
            jenis_pegawai="PPPK"),
    Pegawai("199402022019031006", "Rudi Hartono", "II/b", "Pengolah Data dan Informasi", "PELAKSANA", "SANDI",
            KABID_SANDI, (_r("Pengumpulan data statistik sektoral perangkat daerah", "RHK-01",
                             ("Jumlah perangkat daerah yang menyerahkan data", "Kuantitas", "35", "perangkat daerah",
                              (DATA, ND))),)),
    Pegawai("198910102014031003", "Teguh Santoso, A.Md.", "II/d", "Penata Kelola Persandian", "PELAKSANA", "SANDI",
            KABID_SANDI, (_r("Pengelolaan jaring komunikasi sandi", "RHK-01",
                             ("Jumlah pemeriksaan perangkat sandi", "Kuantitas", "12", "pemeriksaan", (BA, FOTO))),)),
)
BY_NIP = {p.nip: p for p in PEGAWAI}


def iki_codes(p: Pegawai) -> list[tuple[str, str, Indicator]]:
    """(RHK code, IKI code, indicator) of a pegawai, numbered as in the SKP."""
    out = []
    n = 0
    for i, rhk in enumerate(p.rhk, 1):
        for ind in rhk.indicators:
            n += 1
            out.append((f"RHK-{i:02d}", f"IKI-{n:02d}", ind))
    return out


def _atasan(p: Pegawai) -> str:
    penilai = BY_NIP.get(p.penilai)
    return penilai.penilai if penilai else ""


def demo_tables(tahun: int) -> dict[str, list[dict[str, Any]]]:
    """The SKP import object (the sheets of the SKP workbook as lists of rows)."""
    t = tahun
    rhk_rows: list[dict[str, Any]] = []
    iki_rows: list[dict[str, Any]] = []
    plan: list[dict[str, Any]] = []
    for p in PEGAWAI:
        for i, rhk in enumerate(p.rhk, 1):
            rhk_rows.append({"nip": p.nip, "tahun": t, "kode": f"RHK-{i:02d}", "jenis": rhk.jenis, "teks": rhk.teks,
                             "rhk_pimpinan": rhk.pimpinan, "penugasan_dari": rhk.penugasan})
        for rk, code, (teks, aspek, target, satuan, jenis_bukti) in iki_codes(p):
            key = "perspektif" if p.jenis_jabatan == "JPT" else "aspek"
            iki_rows.append({"nip": p.nip, "tahun": t, "rhk": rk, "kode": code, "teks": teks, key: aspek,
                             "target": target, "satuan": satuan})
            for periode in PERIODES:
                plan += [{"nip": p.nip, "tahun": t, "iki": code, "periode": periode, "jenis_bukti": j,
                          "rencana_aksi": _rencana_aksi(teks, periode)} for j in jenis_bukti]

    def skp(p: Pegawai) -> dict[str, Any]:
        row = {"nip": p.nip, "tahun": t, "pendekatan": p.pendekatan, "skema": "TRIWULAN", "penilai_nip": p.penilai,
               "atasan_nip": _atasan(p), "tempat": "Sukamaju", "tanggal": f"{t}-01-05"}
        if not p.penilai:
            row |= {"penilai_nama": "H. Bambang Sutrisno, S.H., M.Si.", "penilai_jabatan": "Bupati Sukamaju",
                    "penilai_unit": INSTANSI}
        return row

    return {
        "unit": [
            {"kode": "DISKOMINFO", "nama": "Dinas Komunikasi dan Informatika Kabupaten Sukamaju", "instansi": INSTANSI},
            {"kode": "SEKRETARIAT", "nama": "Sekretariat", "induk": "DISKOMINFO"},
            {"kode": "APTIKA", "nama": "Bidang Aplikasi Informatika", "induk": "DISKOMINFO"},
            {"kode": "IKP", "nama": "Bidang Informasi dan Komunikasi Publik", "induk": "DISKOMINFO"},
            {"kode": "SANDI", "nama": "Bidang Persandian dan Statistik", "induk": "DISKOMINFO"},
        ],
        "pegawai": [{"nip": p.nip, "nama": p.nama, "jenis_pegawai": p.jenis_pegawai, "golongan": p.gol,
                     "jabatan": p.jabatan, "jenis_jabatan": p.jenis_jabatan, "unit": p.unit} for p in PEGAWAI],
        "sasaran": [
            {"unit": "DISKOMINFO", "tahun": t, "kode": "SS-01", "teks": "Meningkatnya kualitas penyelenggaraan SPBE",
             "indikator": "Indeks SPBE", "target": "3,2"},
            {"unit": "DISKOMINFO", "tahun": t, "kode": "SS-02", "teks": "Meningkatnya keterbukaan informasi publik",
             "indikator": "Indeks Keterbukaan Informasi Publik", "target": "85"},
            {"unit": "DISKOMINFO", "tahun": t, "kode": "SS-03", "teks": "Meningkatnya akuntabilitas kinerja dinas",
             "indikator": "Nilai SAKIP", "target": "75"},
        ],
        "skp": [skp(p) for p in PEGAWAI],
        "rhk": rhk_rows,
        "indikator": iki_rows,
        "rencana": plan,
        "perilaku": [{"nip": p.nip, "tahun": t, "nilai": "Berorientasi Pelayanan",
                      "ekspektasi": "Menindaklanjuti permintaan layanan paling lambat satu hari kerja"}
                     for p in PEGAWAI if p.jenis_jabatan in ("FUNGSIONAL", "PELAKSANA")]
        + [{"nip": PRAKOM, "tahun": t, "nilai": "Adaptif", "ekspektasi": "Aktif mempelajari kerangka kerja baru"}],
        "lampiran": [{"nip": p.nip, "tahun": t, "jenis": j, "uraian": u} for p in PEGAWAI for j, u in (
            ("DUKUNGAN SUMBER DAYA", "Anggaran kegiatan pada DPA Dinas Kominfo"),
            ("SKEMA PERTANGGUNGJAWABAN", "Laporan capaian kinerja setiap triwulan kepada pejabat penilai"),
            ("KONSEKUENSI", "Capaian kinerja menjadi dasar pemberian TPP sesuai Peraturan Bupati"))],
    }


_AKSI = {"TW1": "Persiapan dan perencanaan", "TW2": "Pelaksanaan tahap I", "TW3": "Pelaksanaan tahap II",
         "TW4": "Penyelesaian dan pelaporan"}


def _rencana_aksi(teks: str, periode: str) -> str:
    return f"{_AKSI[periode]}: {teks[0].lower()}{teks[1:]}"


# --------------------------------------------------------------------------- evaluations

_RATINGS: dict[Predikat, tuple[Rating, Rating]] = {  # predikat -> (hasil kerja, perilaku), the 3x3 matrix
    Predikat.SANGAT_BAIK: (Rating.DI_ATAS, Rating.DI_ATAS),
    Predikat.BAIK: (Rating.SESUAI, Rating.SESUAI),
    Predikat.BUTUH_PERBAIKAN: (Rating.DI_BAWAH, Rating.SESUAI),
    Predikat.KURANG: (Rating.SESUAI, Rating.DI_BAWAH),
    Predikat.SANGAT_KURANG: (Rating.DI_BAWAH, Rating.DI_BAWAH),
}
SB, B, BP, K = Predikat.SANGAT_BAIK, Predikat.BAIK, Predikat.BUTUH_PERBAIKAN, Predikat.KURANG
#: The predikat handed out per unit and triwulan (shuffled over its pegawai): within the pattern
#: for Baik (Baik the largest, at most 70 %, some Butuh Perbaikan or Kurang), except IKP.
_SPREAD: dict[str, tuple[Predikat, ...]] = {
    "SEKRETARIAT": (SB, SB, B, B, B, B, BP),
    "APTIKA": (SB, SB, B, B, B, B, B, BP),
    "IKP": (SB, B, B, B, B, B, B),
    "SANDI": (SB, B, B, B, B, BP, K),
}
_UMPAN_HASIL = {
    SB: "Capaian melampaui target triwulan; bukti dukung lengkap dan rapi. Pertahankan.",
    B: "Capaian sesuai target triwulan berdasarkan bukti dukung yang diunggah.",
    BP: "Capaian di bawah target triwulan; lengkapi bukti dukung dan susun rencana percepatan.",
    K: "Hasil kerja tercapai, namun perlu perbaikan sikap kerja sesuai arahan pimpinan.",
}
_UMPAN_PERILAKU = {
    SB: "Menjadi teladan bagi rekan kerja dan aktif berbagi pengetahuan.",
    B: "Menunjukkan perilaku kerja sesuai ekspektasi.",
    BP: "Perilaku kerja sesuai ekspektasi; tingkatkan inisiatif.",
    K: "Beberapa kali terlambat menindaklanjuti arahan; perlu pembinaan.",
}


def predikat_plan(tahun: int) -> dict[tuple[str, str], Predikat]:
    """(NIP, periode) -> the predikat the demo gives; seeded, so the same every run."""
    rng = random.Random(f"{SEED}-{tahun}")
    out: dict[tuple[str, str], Predikat] = {}
    for periode in PERIODES:
        out[(KADIS, periode)] = SB if periode in ("TW2", "TW4") else B
        for unit in UNITS:
            members = [p.nip for p in PEGAWAI if p.unit == unit]
            spread = list(_SPREAD[unit])
            assert len(spread) == len(members), unit
            rng.shuffle(spread)
            out.update({(nip, periode): pk for nip, pk in zip(members, spread, strict=True)})
    return out


def _number(target: str) -> float | None:
    s = target.split("-")[-1].replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def _realisasi(ind: Indicator, periode: str, pk: Predikat) -> str:
    teks, _aspek, target, satuan, _ = ind
    n = _number(target)
    q = PERIODES.index(periode) + 1
    if n is None:  # kualitatif: what was achieved against the ukuran keberhasilan
        state = {1: "Tahap persiapan selesai", 2: "Draf tersusun dan dibahas bersama pimpinan",
                 3: "Dokumen difinalisasi", 4: "Dokumen ditetapkan dan dimanfaatkan"}[q]
        return f"{state} ({teks[0].lower()}{teks[1:]})" if pk != BP else f"{state}, namun terlambat dari jadwal"
    factor = {SB: 1.1, B: 1.0, BP: 0.7, K: 0.95}[pk]
    if satuan in ("%", "indeks", "nilai"):
        value = n * min(factor, 1.05) if satuan != "%" else min(100.0, n * min(factor, 1.02))
        shown = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    else:
        shown = str(max(1, round(n * q / 4 * factor)))
    return f"{shown} {satuan}".strip() + f" (kumulatif s.d. {periode})"


def evaluation_rows(tahun: int) -> dict[str, list[list[Any]]]:
    """The sheets of the evaluation workbook an admin would fill, as rows (headers included)."""
    plan = predikat_plan(tahun)
    ev: list[list[Any]] = [["NIP", "TAHUN", "PERIODE", "RATING HASIL KERJA", "RATING PERILAKU KERJA", "CATATAN"]]
    real: list[list[Any]] = [["NIP", "TAHUN", "PERIODE", "RHK", "IKI", "REALISASI", "UMPAN BALIK"]]
    per: list[list[Any]] = [["NIP", "TAHUN", "PERIODE", "PERILAKU KERJA", "UMPAN BALIK"]]
    for periode in PERIODES:
        for p in PEGAWAI:
            pk = plan[(p.nip, periode)]
            hasil, perilaku = _RATINGS[pk]
            catatan = "" if pk in (B, SB) else "Dialog kinerja dijadwalkan pada awal triwulan berikutnya."
            ev.append([p.nip, tahun, periode, hasil.value, perilaku.value, catatan])
            for rk, code, ind in iki_codes(p):
                real.append([p.nip, tahun, periode, rk, code, _realisasi(ind, periode, pk), _UMPAN_HASIL.get(
                    pk, _UMPAN_HASIL[B])])
            for nilai in (BERAKHLAK[0], BERAKHLAK[1], BERAKHLAK[5]):
                per.append([p.nip, tahun, periode, nilai, _UMPAN_PERILAKU.get(pk, _UMPAN_PERILAKU[B])])
    cap: list[list[Any]] = [["UNIT KERJA", "TAHUN", "PERIODE", "CAPAIAN KINERJA ORGANISASI", "DASAR PENETAPAN",
                             "DITETAPKAN OLEH", "NIP PENETAP", "JABATAN PENETAP"]]
    kadis = BY_NIP[KADIS]
    for periode in PERIODES:
        cap.append(["DISKOMINFO", tahun, periode, OrgPredikat.BAIK.value,
                    "Capaian rencana aksi Perjanjian Kinerja triwulan", "H. Bambang Sutrisno, S.H., M.Si.", "",
                    "Bupati Sukamaju"])
        for unit in UNITS:
            cap.append([unit, tahun, periode, OrgPredikat.BAIK.value, "Capaian rencana aksi bidang/sekretariat",
                        kadis.nama, kadis.nip, kadis.jabatan])
    return {"Evaluasi": ev, "Realisasi": real, "Perilaku": per, "Capaian Organisasi": cap}
