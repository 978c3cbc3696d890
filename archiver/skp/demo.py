"""``archiver demo DIR``: a ready workspace with a realistic example Dinas, its SKPs and evidence.

Dinas Komunikasi dan Informatika Kabupaten Sukamaju (fictional): a Kepala Dinas (JPT),
a Sekretaris and two Kepala Bidang (administrator), a Kepala Subbagian (pengawas), two
fungsional and two pelaksana (one PPPK). Their SKPs cascade from the organisation's
sasaran. Evidence for triwulan I lies in the share as real PDF, DOCX, XLSX, JPG and PNG
files; a few are misfiled or unrelated on purpose, so coverage, the unlinked list and
the suspicious list all have something to show.
"""

from __future__ import annotations

import io
import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image, ImageDraw

from ..accounts import add_user, list_users
from ..archive import Archive
from ..catalog import core as subs
from ..catalog import skp as q
from ..config import CONFIG_NAME, load_config, write_workspace
from ..errors import UsageError
from ..ingest import scan
from ..samplefiles import text_pdf
from .importer import import_obj

INSTANSI = "Pemerintah Kabupaten Sukamaju"
KADIS, SEKDIN = "197204101998031005", "197809232003122004"
KABID_APT, KABID_IKP = "198011052006041003", "198306172009022002"
KASUBAG, PRAKOM, HUMAS = "198702142011012001", "198503152010011002", "199311082019032005"
OPERATOR, PENGADM = "199205172022211001", "199607302020121002"


#: Web accounts of the demo: (user name, role, NIP). The atasan is a Kepala Bidang with staff.
DEMO_ACCOUNTS = (("admin", "admin", None), ("auditor", "auditor", None),
                 ("kabid", "atasan", KABID_APT), ("pegawai", "pegawai", PRAKOM))
ACCOUNTS_FILE = "demo-accounts.txt"
MARKER = ".archiver-demo"  # in the workspace folder: this command made it


@dataclass
class DemoResult:
    config: Path
    skp: int
    files: int
    summary: str
    accounts: Path | None = None  # the 0600 file that keeps the demo's web passwords
    new_accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (user, role, password) made now
    existed: bool = False


def _p(nip: str, nama: str, gol: str, jabatan: str, jj: str, unit: str, jenis: str = "PNS") -> dict[str, Any]:
    return {"nip": nip, "nama": nama, "jenis_pegawai": jenis, "golongan": gol, "jabatan": jabatan,
            "jenis_jabatan": jj, "unit": unit}


def demo_tables(tahun: int) -> dict[str, list[dict[str, Any]]]:
    t = tahun
    rhk: list[dict[str, Any]] = []
    iki: list[dict[str, Any]] = []

    def add(nip: str, kode: str, teks: str, pimpinan: str, indicators: list[tuple[str, str, str, str, str]],
            jenis: str = "UTAMA", penugasan: str = "") -> None:
        rhk.append({"nip": nip, "tahun": t, "kode": kode, "jenis": jenis, "teks": teks, "rhk_pimpinan": pimpinan,
                    "penugasan_dari": penugasan})
        for code, text, aspek_or_persp, target, satuan in indicators:
            key = "perspektif" if nip == KADIS else "aspek"
            iki.append({"nip": nip, "tahun": t, "rhk": kode, "kode": code, "teks": text, key: aspek_or_persp,
                        "target": target, "satuan": satuan})

    add(KADIS, "RHK-01", "Meningkatnya kualitas layanan pemerintahan berbasis elektronik", "SS-01",
        [("IKI-01", "Indeks SPBE Kabupaten Sukamaju", "Penerima Layanan", "3,2", "indeks")], penugasan="Bupati")
    add(KADIS, "RHK-02", "Meningkatnya keterbukaan informasi publik", "SS-02",
        [("IKI-02", "Persentase permohonan informasi publik yang diselesaikan tepat waktu", "Proses Bisnis", "95",
          "%")], penugasan="Bupati")
    add(KADIS, "RHK-03", "Terwujudnya tata kelola perangkat daerah yang akuntabel", "SS-03",
        [("IKI-03", "Nilai SAKIP Dinas Komunikasi dan Informatika", "Penguatan Internal", "75", "nilai")],
        penugasan="Bupati")
    add(KABID_APT, "RHK-01", "Tersedianya aplikasi layanan publik yang terintegrasi", "RHK-01",
        [("IKI-01", "Jumlah aplikasi layanan publik yang terintegrasi", "Kuantitas", "6", "aplikasi"),
         ("IKI-02", "Persentase ketersediaan layanan pusat data", "Kualitas", "99", "%")])
    add(KABID_IKP, "RHK-01", "Terkelolanya layanan informasi publik", "RHK-02",
        [("IKI-01", "Jumlah konten informasi publik yang dipublikasikan", "Kuantitas", "120", "konten")])
    add(SEKDIN, "RHK-01", "Tersusunnya dokumen perencanaan dan pelaporan kinerja dinas", "RHK-03",
        [("IKI-01", "Jumlah dokumen perencanaan dan laporan kinerja yang disusun tepat waktu", "Kuantitas", "5",
          "dokumen")])
    add(KASUBAG, "RHK-01", "Terkelolanya administrasi umum dan kepegawaian", "RHK-01",
        [("IKI-01", "Persentase surat masuk yang diagendakan pada hari yang sama", "Waktu", "100", "%")])
    add(PRAKOM, "RHK-01", "Pemutakhiran aplikasi perizinan daring", "RHK-01",
        [("IKI-01", "Jumlah modul aplikasi perizinan yang dimutakhirkan", "Kuantitas", "4", "modul"),
         ("IKI-02", "Persentase uji fungsi modul perizinan tanpa galat", "Kualitas", "90-100", "%")])
    add(PRAKOM, "RHK-02", "Sosialisasi keamanan informasi bagi pegawai", "",
        [("IKI-03", "Terlaksananya sosialisasi keamanan informasi", "Kuantitas", "2", "kali")], jenis="TAMBAHAN")
    add(OPERATOR, "RHK-01", "Penanganan gangguan jaringan perangkat daerah", "RHK-01",
        [("IKI-01", "Jumlah tiket gangguan jaringan yang diselesaikan", "Kuantitas", "60", "tiket")])
    add(HUMAS, "RHK-01", "Publikasi kegiatan pemerintah daerah di media sosial", "RHK-01",
        [("IKI-01", "Jumlah unggahan publikasi kegiatan pemerintah daerah", "Kuantitas", "100", "unggahan")])
    add(PENGADM, "RHK-01", "Pengagendaan surat masuk dan keluar", "RHK-01",
        [("IKI-01", "Jumlah surat yang diagendakan", "Kuantitas", "1200", "surat")])

    def skp(nip: str, penilai: str, atasan: str = "") -> dict[str, Any]:
        return {"nip": nip, "tahun": t, "pendekatan": "KUANTITATIF", "skema": "TRIWULAN", "penilai_nip": penilai,
                "atasan_nip": atasan, "tempat": "Sukamaju", "tanggal": f"{t}-01-05"}

    plan = []
    for jenis in ("Undangan", "Daftar Hadir", "Notulen"):
        plan.append({"nip": PRAKOM, "tahun": t, "iki": "IKI-01", "periode": "TW1", "jenis_bukti": jenis,
                     "rencana_aksi": "Rapat analisis kebutuhan pemutakhiran modul perizinan"})
    plan.append({"nip": PRAKOM, "tahun": t, "iki": "IKI-01", "periode": "TW2", "jenis_bukti": "Laporan",
                 "rencana_aksi": "Laporan pemutakhiran modul"})
    plan += [{"nip": PRAKOM, "tahun": t, "iki": "IKI-03", "periode": "TW1", "jenis_bukti": j,
              "rencana_aksi": "Sosialisasi keamanan informasi tahap I"} for j in ("Daftar Hadir", "Foto Kegiatan")]
    plan += [{"nip": HUMAS, "tahun": t, "iki": "IKI-01", "periode": "TW1", "jenis_bukti": j, "jumlah": 1,
              "rencana_aksi": "Publikasi kegiatan triwulan I"} for j in ("Laporan", "Foto Kegiatan")]
    plan += [{"nip": SEKDIN, "tahun": t, "iki": "IKI-01", "periode": "TW1", "jenis_bukti": "Dokumen Output",
              "rencana_aksi": "Penyusunan Renja dan LKjIP"}]
    return {
        "unit": [
            {"kode": "DISKOMINFO", "nama": "Dinas Komunikasi dan Informatika Kabupaten Sukamaju", "instansi": INSTANSI},
            {"kode": "SEKRETARIAT", "nama": "Sekretariat", "induk": "DISKOMINFO"},
            {"kode": "APTIKA", "nama": "Bidang Aplikasi Informatika", "induk": "DISKOMINFO"},
            {"kode": "IKP", "nama": "Bidang Informasi dan Komunikasi Publik", "induk": "DISKOMINFO"},
        ],
        "pegawai": [
            _p(KADIS, "Ir. Hendra Wijaya, M.T.", "IV/c", "Kepala Dinas Komunikasi dan Informatika", "JPT",
               "DISKOMINFO"),
            _p(SEKDIN, "Dra. Endang Purwaningsih, M.Si.", "IV/b", "Sekretaris Dinas", "ADMINISTRATOR", "SEKRETARIAT"),
            _p(KABID_APT, "Agung Prasetyo, S.T., M.Kom.", "IV/a", "Kepala Bidang Aplikasi Informatika", "ADMINISTRATOR",
               "APTIKA"),
            _p(KABID_IKP, "Dewi Lestari, S.Sos., M.A.P.", "IV/a", "Kepala Bidang Informasi dan Komunikasi Publik",
               "ADMINISTRATOR", "IKP"),
            _p(KASUBAG, "Siti Nurhaliza, S.E.", "III/d", "Kepala Subbagian Umum dan Kepegawaian", "PENGAWAS",
               "SEKRETARIAT"),
            _p(PRAKOM, "Budi Santoso, S.Kom.", "III/c", "Pranata Komputer Ahli Muda", "FUNGSIONAL", "APTIKA"),
            _p(HUMAS, "Rina Kartika Sari, S.I.Kom.", "III/b", "Pranata Hubungan Masyarakat Ahli Pertama", "FUNGSIONAL",
               "IKP"),
            _p(OPERATOR, "Agus Salim, A.Md.", "VII", "Operator Layanan Operasional", "PELAKSANA", "APTIKA", "PPPK"),
            _p(PENGADM, "Yusuf Maulana", "II/c", "Pengadministrasi Perkantoran", "PELAKSANA", "SEKRETARIAT"),
        ],
        "sasaran": [
            {"unit": "DISKOMINFO", "tahun": t, "kode": "SS-01", "teks": "Meningkatnya kualitas penyelenggaraan SPBE",
             "indikator": "Indeks SPBE", "target": "3,2"},
            {"unit": "DISKOMINFO", "tahun": t, "kode": "SS-02", "teks": "Meningkatnya keterbukaan informasi publik",
             "indikator": "Indeks Keterbukaan Informasi Publik", "target": "85"},
            {"unit": "DISKOMINFO", "tahun": t, "kode": "SS-03", "teks": "Meningkatnya akuntabilitas kinerja dinas",
             "indikator": "Nilai SAKIP", "target": "75"},
        ],
        "skp": [
            {**skp(KADIS, ""), "penilai_nama": "H. Bambang Sutrisno, S.H., M.Si.", "penilai_jabatan": "Bupati Sukamaju",
             "penilai_unit": INSTANSI},
            skp(SEKDIN, KADIS), skp(KABID_APT, KADIS), skp(KABID_IKP, KADIS), skp(KASUBAG, SEKDIN, KADIS),
            skp(PRAKOM, KABID_APT, KADIS), skp(OPERATOR, KABID_APT, KADIS), skp(HUMAS, KABID_IKP, KADIS),
            skp(PENGADM, KASUBAG, SEKDIN),
        ],
        "rhk": rhk,
        "indikator": iki,
        "rencana": plan,
        "perilaku": [{"nip": n, "tahun": t, "nilai": "Berorientasi Pelayanan",
                      "ekspektasi": "Menindaklanjuti permintaan layanan paling lambat satu hari kerja"}
                     for n in (PRAKOM, OPERATOR, HUMAS)]
        + [{"nip": PRAKOM, "tahun": t, "nilai": "Adaptif", "ekspektasi": "Aktif mempelajari kerangka kerja baru"}],
        "lampiran": [{"nip": n, "tahun": t, "jenis": j, "uraian": u} for n in (PRAKOM, HUMAS) for j, u in (
            ("DUKUNGAN SUMBER DAYA", "Anggaran kegiatan pada DPA Dinas Kominfo"),
            ("SKEMA PERTANGGUNGJAWABAN", "Laporan capaian kinerja setiap triwulan kepada pejabat penilai"),
            ("KONSEKUENSI", "Capaian kinerja menjadi dasar pemberian TPP sesuai Peraturan Bupati"))],
    }


# --------------------------------------------------------------------------- evidence files

def _pdf(lines: list[str]) -> bytes:
    """A small real PDF with a text layer (one page)."""
    return text_pdf([lines])


def _docx(lines: list[str]) -> bytes:
    doc = Document()
    doc.add_heading(lines[0], 1)
    for line in lines[1:]:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _image(caption: str, fmt: str, color: tuple[int, int, int]) -> bytes:
    img = Image.new("RGB", (640, 400), color)
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 60, 600, 300), outline=(255, 255, 255), width=4)
    for i, w in enumerate(range(80, 560, 80)):
        draw.ellipse((w, 180 - 10 * (i % 3), w + 40, 220), fill=(240, 200, 160))  # people in a room
    draw.text((40, 330), caption, fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def _letter(nomor: str, perihal: str, body: list[str]) -> list[str]:
    return ["PEMERINTAH KABUPATEN SUKAMAJU", "DINAS KOMUNIKASI DAN INFORMATIKA", "Jalan Merdeka No. 12 Sukamaju",
            f"Nomor: {nomor}", f"Perihal: {perihal}", "", *body]


def demo_files(tahun: int) -> dict[str, bytes]:
    t = tahun
    p = f"{PRAKOM}/{t}/TW1"
    h = f"{HUMAS}/{t}/TW1"
    o = f"{OPERATOR}/{t}/TW1"
    s = f"{SEKDIN}/{t}/TW1"
    files = {
        f"{p}/RHK-01/IKI-01/Undangan rapat kebutuhan modul perizinan.pdf": _pdf(_letter(
            f"005/041/Diskominfo/{t}", "Undangan Rapat Analisis Kebutuhan Pemutakhiran Modul Aplikasi Perizinan",
            ["Dengan hormat, mengharap kehadiran Bapak/Ibu pada rapat analisis kebutuhan pemutakhiran",
             "modul aplikasi perizinan daring yang akan dilaksanakan pada:",
             f"Hari/tanggal: Selasa, 14 Januari {t}, pukul 09.00 WIB, Ruang Rapat Diskominfo.",
             "Acara: pembahasan modul pendaftaran, modul verifikasi dan modul penerbitan izin."])),
        f"{p}/RHK-01/IKI-01/Daftar hadir rapat modul perizinan.pdf": _pdf([
            "DAFTAR HADIR", "Rapat Analisis Kebutuhan Pemutakhiran Modul Aplikasi Perizinan Daring",
            f"Selasa, 14 Januari {t}", "1. Agung Prasetyo, S.T., M.Kom. - Bidang Aplikasi Informatika",
            "2. Budi Santoso, S.Kom. - Pranata Komputer", "3. Perwakilan DPMPTSP - Bidang Perizinan"]),
        f"{p}/RHK-01/IKI-02/Laporan uji fungsi modul pendaftaran.docx": _docx([
            "Laporan Uji Fungsi Modul Pendaftaran Aplikasi Perizinan",
            "Uji fungsi modul pendaftaran aplikasi perizinan daring dilaksanakan terhadap 40 skenario.",
            "Hasil: 38 skenario berhasil tanpa galat (95 persen); 2 galat telah diperbaiki pada modul.",
            "Rekomendasi: modul perizinan siap dipakai pemohon izin."]),
        f"{p}/RHK-02/Daftar hadir sosialisasi keamanan informasi.xlsx": _xlsx([
            ["Daftar Hadir Sosialisasi Keamanan Informasi bagi Pegawai"],
            ["No", "Nama", "Unit", "Tanda tangan"],
            [1, "Yusuf Maulana", "Sekretariat", "hadir"], [2, "Rina Kartika Sari", "Bidang IKP", "hadir"],
            [3, "Agus Salim", "Bidang Aplikasi Informatika", "hadir"]]),
        f"{p}/RHK-02/Foto sosialisasi keamanan informasi.jpg": _image(
            "Sosialisasi keamanan informasi bagi pegawai", "JPEG", (30, 60, 110)),
        # misfiled: a receipt for office supplies under the perizinan indicator
        f"{p}/RHK-01/IKI-01/Kwitansi pembelian ATK.pdf": _pdf([
            "KWITANSI", "Telah terima dari Bendahara Pengeluaran", "Uang sejumlah Rp 1.250.000",
            "Untuk pembayaran: pembelian kertas HVS, map, tinta printer dan alat tulis kantor bulan Februari.",
            "Toko Sinar Jaya, Sukamaju"]),
        # misfiled: sosialisasi material under the perizinan RHK
        f"{p}/RHK-01/Materi sosialisasi keamanan informasi.docx": _docx([
            "Materi Sosialisasi Keamanan Informasi",
            "Keamanan informasi bagi pegawai: kata sandi yang kuat, waspada phishing, sosialisasi",
            "pencadangan data dan pelaporan insiden keamanan informasi kepada tim CSIRT."]),
        # a code that does not exist in the SKP: goes to the unlinked list
        f"{p}/RHK-05/Notulen rapat.docx": _docx(["Notulen Rapat", "Rapat koordinasi internal bidang."]),
        f"{h}/RHK-01/Laporan publikasi kegiatan Januari.pdf": _pdf([
            "LAPORAN PUBLIKASI KEGIATAN PEMERINTAH DAERAH", f"Bulan Januari {t}",
            "Jumlah unggahan publikasi kegiatan di media sosial resmi: 34 unggahan.",
            "Kegiatan yang dipublikasikan: kunjungan kerja Bupati, pelayanan kependudukan keliling, rapat paripurna."]),
        f"{h}/RHK-01/Foto publikasi kunjungan kerja Bupati.png": _image(
            "Dokumentasi kunjungan kerja Bupati", "PNG", (120, 40, 40)),
        f"{o}/RHK-01/Rekap tiket gangguan jaringan Januari.xlsx": _xlsx([
            ["Rekap Tiket Gangguan Jaringan Perangkat Daerah", f"Januari {t}"],
            ["No", "Perangkat Daerah", "Gangguan", "Status"],
            [1, "Dinas Kesehatan", "Jaringan internet terputus", "Selesai"],
            [2, "Kecamatan Sukamaju", "Akses point rusak", "Selesai"], [3, "BPKAD", "Switch mati", "Selesai"]]),
        f"{s}/RHK-01/Rancangan Renja Diskominfo.docx": _docx([
            f"Rancangan Rencana Kerja Dinas Komunikasi dan Informatika Tahun {t + 1}",
            "Dokumen perencanaan kinerja dinas: program, kegiatan, indikator kinerja dan pagu indikatif.",
            "Disusun tepat waktu sebagai bahan forum perangkat daerah."]),
        # not deep enough in the folders: unlinked with the reason
        f"{PRAKOM}/Scan KTP.jpg": _image("Dokumen pribadi", "JPEG", (90, 90, 90)),
    }
    return files


def build_demo(directory: Path, *, tahun: int, force: bool = False) -> DemoResult:
    """Write the workspace, drop the evidence, import the SKPs, ingest everything, add web accounts.

    Idempotent: a demo workspace whose archive already holds evidence is left as it is (only
    missing web accounts are added). A workspace that is not a demo is never touched.
    """
    directory = directory.expanduser().resolve()
    existing = directory / CONFIG_NAME
    if existing.exists() and not force:
        config = load_config(existing)
        with Archive.open(config, actor="demo") as archive:
            if not _is_demo(directory, archive):
                raise UsageError(f"{existing} is a workspace, not a demo: the demo leaves it alone",
                                 hint="choose a new folder for the demo, e.g. `archiver demo demo`")
            if subs.counts_by_status(archive.catalog):
                created = demo_accounts(archive, directory / ACCOUNTS_FILE)
                return DemoResult(existing, 0, 0, "already in place", directory / ACCOUNTS_FILE, created,
                                  existed=True)
        config_path = existing
    else:
        config_path = write_workspace(directory, force=force)
        (directory / MARKER).write_text("archiver demo workspace (example data only)\n", encoding="utf-8")
    config = load_config(config_path)
    drop = config.share("drop").path
    files = demo_files(tahun)
    for rel, data in files.items():
        target = drop / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    with Archive.open(config, actor="demo") as archive:
        report = import_obj(archive, demo_tables(tahun), "demo")
        counts = Counter(r.status for r in scan(archive))
        created = demo_accounts(archive, directory / ACCOUNTS_FILE)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return DemoResult(config_path, report.saved.skp["new"] + report.saved.skp["updated"], sum(counts.values()),
                      summary, directory / ACCOUNTS_FILE, created)


def _is_demo(directory: Path, archive: Archive) -> bool:
    """A workspace this command made: its marker, its accounts file, or SKPs imported by it."""
    if (directory / MARKER).exists() or (directory / ACCOUNTS_FILE).exists():
        return True
    return q.has_skp_from(archive.catalog, "demo")


def demo_accounts(archive: Archive, out: Path) -> list[tuple[str, str, str]]:
    """Add the demo's web accounts that do not exist yet, one per role, with random passwords.

    Returns the new (user, role, password); they are appended to ``out``, which only its
    owner may read (0600). Passwords are never stored anywhere else in clear.
    """
    have = {u.name for u in list_users(archive.catalog)}
    created = []
    for name, role, nip in DEMO_ACCOUNTS:
        if name in have:
            continue
        password = secrets.token_urlsafe(12)
        add_user(archive.catalog, name, role, password, nip=nip, now=archive.now())
        created.append((name, role, password))
    if created:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)
            if os.fstat(f.fileno()).st_size == 0:
                f.write("# Demo web accounts (user, role, password). Change or disable them before real use.\n")
            f.writelines(f"{name}\t{role}\t{password}\n" for name, role, password in created)
    return created
