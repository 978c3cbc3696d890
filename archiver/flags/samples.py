"""A labelled set of evidence files for the red flags' tests and benchmark (no extra dependency):
Indonesian-like reports and template letters as real PDFs, re-saved and lightly edited copies,
scans (text drawn on a noisy page) and re-scans, photos cropped and rotated, EXIF capture dates.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from ..samplefiles import text_pdf

_VOCAB = (
    "laporan kegiatan sosialisasi anggaran desa rapat koordinasi evaluasi kinerja pegawai pelayanan publik "
    "aplikasi jaringan server data informasi statistik survei kepuasan masyarakat pelatihan peserta narasumber "
    "materi daftar hadir notulen undangan surat tugas perjalanan dinas monitoring pengadaan barang jasa kontrak "
    "pembayaran realisasi target capaian indikator program subkegiatan bidang seksi kepala sekretariat arsip "
    "dokumentasi foto rekapitulasi tindak lanjut rekomendasi pemeriksaan inspektorat keuangan aset persediaan "
    "pemeliharaan perangkat komputer jaringan internet website konten berita media sosial publikasi humas "
    "kecamatan kelurahan puskesmas sekolah jalan jembatan irigasi pertanian peternakan perikanan pasar usaha "
    "mikro kecil menengah koperasi investasi perizinan penduduk kependudukan catatan sipil bantuan sosial "
    "kesehatan pendidikan lingkungan sampah air bersih sanitasi bencana kebakaran ketertiban keamanan "
    "pengawasan pembinaan penyuluhan pendampingan verifikasi validasi pemutakhiran penyusunan penetapan "
    "peraturan keputusan pedoman standar prosedur operasional sistem pemerintahan berbasis elektronik indeks "
    "nilai hasil analisis kajian rencana strategis kerja tahunan perjanjian pengukuran pelaporan akuntabilitas"
).split()
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
TEMPLATE_HEAD = ("PEMERINTAH KABUPATEN CONTOH DINAS KOMUNIKASI DAN INFORMATIKA Jalan Merdeka Nomor 1 Telepon "
                 "0211234567 Sehubungan dengan pelaksanaan program kerja tahun anggaran berjalan dan dalam rangka "
                 "meningkatkan kualitas penyelenggaraan pemerintahan yang baik bersama ini kami sampaikan hal hal "
                 "sebagai berikut")
TEMPLATE_TAIL = ("Demikian surat ini kami sampaikan atas perhatian dan kerja sama Saudara kami ucapkan terima "
                 "kasih Kepala Dinas Komunikasi dan Informatika Kabupaten Contoh Pembina Utama Muda tembusan "
                 "disampaikan kepada Yth Bupati Contoh sebagai laporan dan arsip")


class Clock:
    """A settable clock for ``Archive.open(clock=...)`` (importable, so the index writer process
    can unpickle it): files "received" at chosen times, as upload bursts need."""

    def __init__(self, t: dt.datetime) -> None:
        self.t = t

    def __call__(self) -> dt.datetime:
        return self.t


def words(seed: int, n: int = 220) -> list[str]:
    rnd = random.Random(seed)
    return [rnd.choice(_VOCAB) for _ in range(n)]


def dated(day: int, month: int, year: int) -> str:
    return f"{day} {MONTHS[month - 1]} {year}"


def report(seed: int, *, n: int = 220, place_date: str | None = None, extra: str = "") -> str:
    """A report's text: random sentences of the vocabulary, an optional "Jakarta, <date>" line."""
    body = " ".join(words(seed, n))
    return body + (f" {extra}" if extra else "") + (f"\nJakarta, {place_date}" if place_date else "")


_OFF_TOPIC = ("resep rendang daging sapi bumbu santan kelapa cabai bawang lengkuas serai pertandingan sepak bola "
              "gol babak pertama pelatih klub liga stadion penonton wisata pantai pasir ombak hotel kuliner "
              "festival musik panggung penyanyi lagu konser tiket").split()


def topical(seed: int, topic: str, *, n: int = 160) -> str:
    """A report about ``topic``: its words woven into the office's vocabulary."""
    rnd = random.Random(seed)
    key = topic.split()
    return " ".join(rnd.choice(key) if rnd.random() < 0.3 else rnd.choice(_VOCAB) for _ in range(n))


def off_topic(seed: int, *, n: int = 160) -> str:
    """A text about nothing an office's indicator measures (recipes, football, holidays)."""
    rnd = random.Random(seed)
    return " ".join(rnd.choice(_OFF_TOPIC) for _ in range(n))


def letter(seed: int, *, n: int = 90) -> str:
    """A letter on the office's template: the same head and tail, its own body."""
    return f"{TEMPLATE_HEAD} {' '.join(words(seed, n))} {TEMPLATE_TAIL}"


def edit(text: str, changes: int, seed: int) -> str:
    """The text with ``changes`` words replaced (a light edit)."""
    rnd = random.Random(seed)
    ws = text.split(" ")
    for i in rnd.sample(range(len(ws)), changes):
        ws[i] = rnd.choice(_VOCAB)
    return " ".join(ws)


def pdf(text: str, *, created: str | None = None, modified: str | None = None, producer: str | None = None) -> bytes:
    """A real PDF with the text (12 words a line, 45 lines a page) and optional metadata
    (PDF dates such as ``D:20250112093000+07'00'``)."""
    lines: list[str] = []
    for para in text.split("\n"):
        ws = para.split()
        lines.extend(" ".join(ws[i:i + 12]) for i in range(0, len(ws), 12))
    data = text_pdf([lines[i:i + 45] for i in range(0, len(lines), 45)] or [[""]])
    if created is None and modified is None and producer is None:
        return data
    return resave(data, created=created, modified=modified, producer=producer)


def resave(data: bytes, *, created: str | None = None, modified: str | None = None,
           producer: str | None = "Microsoft Print to PDF") -> bytes:
    """The same PDF written again by another program (other bytes, the same text)."""
    import pypdf

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    meta = {"/Producer": producer or "pypdf"}
    if created:
        meta["/CreationDate"] = created
    if modified:
        meta["/ModDate"] = modified
    w.add_metadata(meta)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def scene(seed: int, size: tuple[int, int] = (800, 600)) -> object:
    """A photo-like picture: blurred coloured shapes on a background."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    img = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))
    d = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        w, h = rnd.randrange(40, 300), rnd.randrange(40, 300)
        d.ellipse([x, y, x + w, y + h], fill=tuple(rnd.randrange(256) for _ in range(3)))
    return img.filter(ImageFilter.GaussianBlur(3))


def scanned(text: str, noise_seed: int, *, shift: int = 0) -> object:
    """A scanned page: the text drawn on an A4-like page, grey noise, shifted by ``shift`` pixels."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1240, 1754), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=24)
    ws = text.split()
    for row, i in enumerate(range(0, min(len(ws), 500), 9)):
        d.text((80 + shift, 80 + shift + row * 32), " ".join(ws[i:i + 9]), fill=0, font=font)
    rng = np.random.default_rng(noise_seed)
    px = np.asarray(img, dtype=np.float64) + rng.normal(0, 12, (img.height, img.width))
    return Image.fromarray(np.clip(px, 0, 255).astype(np.uint8)).convert("RGB")


def image_bytes(img: object, fmt: str = "JPEG", *, taken: str | None = None) -> bytes:
    """The picture as a file; ``taken`` ("2024:05:01 10:00:00") becomes its EXIF capture date."""
    from PIL import Image

    assert isinstance(img, Image.Image)
    buf = io.BytesIO()
    if taken:
        exif = Image.Exif()
        exif[306] = taken
        exif.get_ifd(0x8769)[36867] = taken
        img.save(buf, fmt, exif=exif, quality=90)
    else:
        img.save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()
