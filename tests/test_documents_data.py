"""SKP data for document tests and the benchmark: three pegawai of one unit (JA/JF kuantitatif,
kualitatif, JPT), with names and texts that need escaping."""

from __future__ import annotations

import datetime as dt

from archiver.documents.skpdata import Indikator, PerilakuSkp, Person, Rhk, SkpData
from archiver.evaluation.model import BERAKHLAK

UNIT = "Dinas Komunikasi & Informatika"
INSTANSI = "Pemerintah Kabupaten Contoh"
NIP_A = "198503152010011002"
NIP_B = "199001012015032001"
NIP_J = "197002021995031001"
NAME_A = "Raden Ayu Siti Nurhaliza Kusumawardhani Prawirodirdjo, S.Kom., M.T."
RHK_A1 = 'Terbangunnya aplikasi "SiPerizinan" & <portal> layanan'
PENILAI = Person("Ir. Bambang Sutrisno, M.Si.", NIP_J, "Pembina, IV/a", "Kepala Dinas", UNIT)
ATASAN = Person("Drs. H. Sekda Kabupaten", "196805101990032002", "Pembina Utama Madya, IV/d", "Sekretaris Daerah",
                "Sekretariat Daerah")
PERILAKU = tuple(PerilakuSkp(i, n, (f"panduan {i}.1", f"panduan {i}.2", f"panduan {i}.3"),
                             "Respons < 2 hari" if i == 1 else "") for i, n in enumerate(BERAKHLAK, 1))


def skp_for(nip: str, nama: str, *, pendekatan: str = "KUANTITATIF", jpt: bool = False, n_rhk: int = 2) -> SkpData:
    rhk = []
    for r in range(1, n_rhk + 1):
        teks = RHK_A1 if r == 1 else f"RHK nomor {r} untuk {nama.split(',')[0]}"
        rhk.append(Rhk(f"RHK-{r:02d}", teks, "TAMBAHAN" if r == n_rhk and n_rhk > 1 else "UTAMA",
                       pimpinan="Meningkatnya layanan publik elektronik", penugasan="Kepala Dinas",
                       indikator=(Indikator("IKI-01", f"Jumlah aplikasi {r}", f"{r + 3} aplikasi", "Kuantitas",
                                            "Penerima Layanan"),
                                  Indikator("IKI-02", f"Persentase lolos uji {r}", "100 %", "Kualitas",
                                            "Proses Bisnis"))))
    return SkpData(instansi=INSTANSI, unit=UNIT, tahun=2026,
                   pegawai=Person(nama, nip, "Penata Tingkat I, III/d", "Pranata Komputer Ahli Muda", UNIT),
                   penilai=ATASAN if jpt else PENILAI, atasan_penilai=ATASAN, pendekatan=pendekatan, jpt=jpt,
                   awal=dt.date(2026, 1, 1), akhir=dt.date(2026, 12, 31), rhk=tuple(rhk), perilaku=PERILAKU,
                   lampiran={"dukungan_sumber_daya": ("Server & jaringan",),
                             "skema_pertanggungjawaban": ("Laporan triwulanan",),
                             "konsekuensi": ("Sesuai ketentuan",)},
                   tempat="Contoh", tanggal=dt.date(2026, 1, 2))


def unit_skps() -> list[SkpData]:
    return [skp_for(NIP_A, NAME_A), skp_for(NIP_B, "Dewi Lestari, S.E.", pendekatan="KUALITATIF"),
            skp_for(NIP_J, "Ir. Bambang Sutrisno, M.Si.", jpt=True)]
