"""The demo's evidence files, generated (no binary fixture in the repository) and seeded.

About 300 files in the share, one folder per NIP/tahun/triwulan/RHK/IKI, of every type the
archive accepts: text PDFs and scans (a page that is only an image, read by OCR), DOCX, XLSX,
PPTX, OpenDocument, legacy Office (a minimal compound file holding a WordDocument, Workbook or
PowerPoint stream), RTF, text, CSV, phone photos (JPEG with EXIF capture date and camera model),
HEIC, PNG, WebP, GIF, TIFF, BMP and an MP4 clip. A few are misfiled, some lie in a bad folder
(unlinked) and some must be quarantined: a video over the demo's size limit, a program disguised
as a PDF, a zip archive. The contents are Indonesian: they are the office's documents.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import zipfile
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image, ImageDraw, ImageFont

from ..samplefiles import text_pdf
from .demo_data import BY_NIP, HUMAS, OPERATOR, PEGAWAI, PERIODES, PRAKOM, SEED, SEKDIN, Indicator, iki_codes

#: The demo workspace quarantines files above this size (the default limit is far larger).
DEMO_MAX_FILE_MB = 8
_BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
_CAMERAS = (("samsung", "SM-A546E"), ("Xiaomi", "Redmi Note 12"), ("OPPO", "CPH2477"), ("vivo", "V2207"))


# --------------------------------------------------------------------------- file makers

def pdf(lines: list[str]) -> bytes:
    """A small real PDF with a text layer (one page)."""
    return text_pdf([lines])


def docx(lines: list[str]) -> bytes:
    doc = Document()
    doc.add_heading(lines[0], 1)
    for line in lines[1:]:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(members: list[tuple[str, str]], first_stored: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i, (name, text) in enumerate(members):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if first_stored and i == 0 else zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return buf.getvalue()


_ODF = {"odt": ("text", "text"), "ods": ("spreadsheet", "spreadsheet"), "odp": ("presentation", "presentation")}


def odf(kind: str, lines: list[str]) -> bytes:
    """A minimal OpenDocument text, spreadsheet or presentation."""
    sub, body = _ODF[kind]
    mime = f"application/vnd.oasis.opendocument.{sub}"
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"')
    paras = "".join(f"<text:p>{escape(x)}</text:p>" for x in lines)
    if kind == "ods":
        paras = '<table:table table:name="Data">' + "".join(
            f"<table:table-row><table:table-cell><text:p>{escape(x)}</text:p></table:table-cell></table:table-row>"
            for x in lines) + "</table:table>"
    elif kind == "odp":
        paras = f'<draw:page draw:name="1"><draw:frame><draw:text-box>{paras}</draw:text-box></draw:frame></draw:page>'
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               f"<office:body><office:{body}>{paras}</office:{body}></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    return _zip([("mimetype", mime), ("META-INF/manifest.xml", manifest), ("content.xml", content)], first_stored=True)


def pptx(lines: list[str]) -> bytes:
    """A minimal PowerPoint presentation: one slide holding the lines."""
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types '
             'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/ppt/presentation.xml" ContentType="application/'
             'vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>'
             '<Override PartName="/ppt/slides/slide1.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{r}/officeDocument" Target="ppt/presentation.xml"/></Relationships>')
    pres = (f'<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="{p}" xmlns:r="{r}">'
            '<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>')
    pres_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
                 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 f'<Relationship Id="rId2" Type="{r}/slide" Target="slides/slide1.xml"/></Relationships>')
    paras = "".join(f"<a:p><a:r><a:t>{escape(x)}</a:t></a:r></a:p>" for x in lines)
    slide = (f'<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:p="{p}" xmlns:a="{a}"><p:cSld><p:spTree>'
             f"<p:sp><p:txBody>{paras}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
    return _zip([("[Content_Types].xml", types), ("_rels/.rels", rels), ("ppt/presentation.xml", pres),
                 ("ppt/_rels/presentation.xml.rels", pres_rels), ("ppt/slides/slide1.xml", slide)])


_CFB_STREAM = {"doc": "WordDocument", "xls": "Workbook", "ppt": "PowerPoint"}


def legacy_office(kind: str, lines: list[str]) -> bytes:
    """A minimal OLE2 compound file (.doc/.xls/.ppt) holding one stream with the text.

    Enough for the type to be recognised by content, as files saved by old Office versions are;
    it is not a full Word/Excel/PowerPoint binary document."""
    sec = 512
    payload = "\r".join(lines).encode("cp1252", "replace")
    data = payload.ljust(max(4096, -(-len(payload) // sec) * sec), b"\0")
    n = len(data) // sec
    fat = [0xFFFFFFFD, 0xFFFFFFFE, *(3 + i for i in range(n - 1)), 0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + b"\xff" * (4 * 108))

    def entry(name: str, typ: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), typ, 1)
                + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child) + bytes(36)
                + struct.pack("<III", start, size, 0))

    directory = (entry("Root Entry", 5, 1, 0xFFFFFFFE, 0) + entry(_CFB_STREAM[kind], 2, 0xFFFFFFFF, 2, len(payload)))
    return header + struct.pack("<128I", *fat) + directory.ljust(sec, b"\0") + data


def rtf(lines: list[str]) -> bytes:
    body = "\\par ".join(x.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}") for x in lines)
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs24 " + body + "\\par}").encode("cp1252")


def csv(rows: list[list[Any]]) -> bytes:
    """A CSV table: a header row, then rows of the same width (what libmagic recognises as CSV)."""
    import csv as csvmod

    buf = io.StringIO()
    csvmod.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode()


def mp4(size: int = 4096, seed: int = 0) -> bytes:
    """An MP4 container (ftyp box, then the media data); ``size`` bytes in all."""
    head = struct.pack(">I", 24) + b"ftypmp42" + struct.pack(">I", 0) + b"mp42isom"
    body = random.Random(seed).randbytes(max(0, size - len(head) - 8))
    return head + struct.pack(">I", len(body) + 8) + b"mdat" + body


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError):  # Pillow built without FreeType
        return ImageFont.load_default()


def photo(caption: str, rng: random.Random, fmt: str = "JPEG", *, taken: dt.datetime | None = None,
          camera: tuple[str, str] | None = None, size: tuple[int, int] = (800, 600)) -> bytes:
    """A 'photo' of an activity: a room with people and a banner reading ``caption``.

    As a phone photo (JPEG with ``taken``/``camera``) it carries EXIF DateTimeOriginal, Make and Model."""
    w, h = size
    base = tuple(rng.randrange(40, 140) for _ in range(3))
    img = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(img)
    # Every activity happens somewhere else: the floor, the banner and the people differ in place,
    # size and colour (the red flags compare photos by their look: one scene must not match another).
    floor = int(h * rng.uniform(0.55, 0.85))
    draw.rectangle((0, floor, w, h), fill=tuple(rng.randrange(60, 200) for _ in range(3)))  # floor
    for _ in range(rng.randrange(2, 5)):  # windows, doors, a screen
        x0, y0 = rng.randrange(0, w - 120), rng.randrange(0, max(1, floor - 120))
        draw.rectangle((x0, y0, x0 + rng.randrange(60, 260), y0 + rng.randrange(60, 200)),
                       fill=tuple(rng.randrange(0, 255) for _ in range(3)))
    top = rng.randrange(10, max(11, floor - 160))
    left = int(w * rng.uniform(0.02, 0.3))
    draw.rectangle((left, top, left + int(w * 0.6), top + 100), fill=(245, 245, 235))  # banner
    draw.text((left + 10, top + 15), caption[:46], fill=(20, 20, 20), font=_font(30))
    draw.text((left + 10, top + 60), "Diskominfo Kabupaten Sukamaju", fill=(120, 20, 20), font=_font(22))
    scale = rng.uniform(0.6, 1.6)
    for _ in range(rng.randrange(3, 12)):
        x = rng.randrange(0, w - 60)
        y = floor - int(rng.randrange(60, 140) * scale)
        r = int(20 * scale)
        draw.ellipse((x, y, x + 2 * r, y + 2 * r), fill=(230, 190, 150))
        draw.rectangle((x - 5, y + 2 * r + 2, x + 2 * r + 5, y + 2 * r + int(80 * scale)),
                       fill=tuple(rng.randrange(0, 255) for _ in range(3)))
    buf = io.BytesIO()
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    if fmt == "JPEG" and taken is not None:
        exif = Image.Exif()
        if camera:
            exif[0x010F], exif[0x0110] = camera  # Make, Model
        exif[0x0132] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTime
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
        img.save(buf, "JPEG", quality=80, exif=exif.tobytes())
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def scan(lines: list[str], rng: random.Random) -> bytes:
    """A scanned letter: a PDF page that is only an image (no text layer; OCR reads it)."""
    img = Image.new("L", (827, 1169), 250 - rng.randrange(0, 12))  # A4 at 100 dpi
    draw = ImageDraw.Draw(img)
    font = _font(20)
    y = 80
    for line in lines:
        draw.text((70, y), line, fill=25, font=font)
        y += 34
    draw.ellipse((540, y + 40, 680, y + 130), outline=90, width=3)  # the stamp
    buf = io.BytesIO()
    fixed = dt.datetime(2020, 1, 1).timetuple()  # no time of generation inside: the same bytes every run
    img.convert("RGB").save(buf, "PDF", resolution=100, creationDate=fixed, modDate=fixed)
    return buf.getvalue()


# --------------------------------------------------------------------------- contents

def _letter(nomor: str, perihal: str, body: list[str]) -> list[str]:
    return ["PEMERINTAH KABUPATEN SUKAMAJU", "DINAS KOMUNIKASI DAN INFORMATIKA", "Jalan Merdeka No. 12 Sukamaju",
            f"Nomor: {nomor}", f"Perihal: {perihal}", "", *body]


def _day(tahun: int, periode: str, rng: random.Random) -> dt.datetime:
    month = PERIODES.index(periode) * 3 + 1 + rng.randrange(3)
    return dt.datetime(tahun, month, rng.randrange(2, 28), rng.randrange(8, 16), rng.randrange(60), rng.randrange(60))


Maker = Callable[[], bytes]


class _Turns:
    """Formats taken in turn per kind of evidence, so every format appears whatever the year."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def choice(self, key: str, options: tuple[Any, ...]) -> Any:
        i = self.n.get(key, 0)
        self.n[key] = i + 1
        return options[i % len(options)]


_KEGIATAN = (
    "Rapat koordinasi dengan perangkat daerah membahas jadwal dan pembagian tugas.",
    "Data awal dikumpulkan dari bidang teknis dan diverifikasi bersama operator.",
    "Uji coba dilakukan pada dua kecamatan sebelum diterapkan di seluruh wilayah.",
    "Masukan dari masyarakat melalui kanal pengaduan dicatat dan ditindaklanjuti.",
    "Anggaran kegiatan terserap sesuai rencana kas triwulan berjalan.",
    "Sosialisasi kepada aparatur kelurahan diikuti oleh peserta dari berbagai unit.",
    "Pendampingan teknis diberikan kepada admin perangkat daerah yang baru ditunjuk.",
    "Dokumen pendukung diarsipkan dan salinannya disampaikan kepada pimpinan.",
    "Evaluasi pelaksanaan menunjukkan beberapa langkah perlu dipercepat.",
    "Koordinasi dengan pihak ketiga dilakukan untuk penyediaan perangkat pendukung.",
    "Hasil pemantauan disajikan dalam rapat pimpinan akhir bulan.",
    "Kendala jaringan di lokasi terpencil diatasi dengan jadwal kunjungan ulang.",
    "Petunjuk teknis disusun ulang agar mudah dipahami oleh pengguna layanan.",
    "Rekapitulasi capaian dibandingkan dengan target yang ditetapkan dalam rencana aksi.",
    "Narasumber dari instansi vertikal memberikan penjelasan tentang ketentuan terbaru.",
    "Tindak lanjut rapat sebelumnya telah diselesaikan oleh masing-masing penanggung jawab.",
)


def _kegiatan(rng: random.Random, n: int = 3) -> list[str]:
    """A few sentences of what happened: reports of different periods say different things."""
    return rng.sample(_KEGIATAN, n)


def _evidence(jenis: str, ind: Indicator, nama: str, tahun: int, periode: str, rng: random.Random,
              seq: int, turns: _Turns) -> tuple[str, Maker]:
    """(file name, maker) of one piece of evidence of kind ``jenis`` for an indicator."""
    teks = ind[0]
    topic = teks[0].lower() + teks[1:]
    when = _day(tahun, periode, rng)
    tanggal = f"{when.day} {_BULAN[when.month - 1]} {tahun}"
    nomor = f"{rng.randrange(1, 900):03d}/{rng.randrange(10, 400)}/Diskominfo/{tahun}"
    pick = rng.random()
    if jenis == "Undangan":
        lines = _letter(nomor, f"Undangan rapat {topic}",
                        ["Dengan hormat, mengharap kehadiran Bapak/Ibu pada rapat pembahasan", f"{topic},",
                         f"hari/tanggal {tanggal}, pukul 09.00 WIB, Ruang Rapat Diskominfo.",
                         "Agenda:", *_kegiatan(rng, 2)])
        if pick < 0.25:
            return f"Undangan rapat {periode} (scan).pdf", lambda: scan(lines, rng)
        return f"Undangan rapat {periode} no {seq}.pdf", lambda: pdf(lines)
    if jenis == "Surat Tugas":
        lines = _letter(nomor, "Surat Tugas", [f"Menugaskan kepada: {nama}", f"Untuk: {topic}",
                                               f"Tanggal: {tanggal}", "Kepala Dinas Komunikasi dan Informatika"])
        return f"Surat tugas {tanggal}.pdf", lambda: scan(lines, rng)
    if jenis == "Daftar Hadir":
        rows: list[list[Any]] = [[f"Daftar Hadir {topic}"], [f"Tanggal {tanggal}"], ["No", "Nama", "Unit", "Paraf"]]
        rows += [[i + 1, p.nama, p.unit, "hadir"] for i, p in enumerate(rng.sample(PEGAWAI, 6))]
        ext = turns.choice(jenis, ("xlsx", "xls", "ods", "csv", "xlsx", "pdf"))
        makers: dict[str, Maker] = {
            "xlsx": lambda: xlsx(rows), "ods": lambda: odf("ods", [" ".join(map(str, r)) for r in rows]),
            "csv": lambda: csv(rows[2:]), "xls": lambda: legacy_office("xls", [" ".join(map(str, r)) for r in rows]),
            "pdf": lambda: pdf([" ".join(map(str, r)) for r in rows])}
        return f"Daftar hadir {periode} no {seq}.{ext}", makers[ext]
    if jenis == "Notulen":
        lines = [f"Notulen rapat {topic}", f"Tanggal: {tanggal}", f"Pimpinan rapat: {nama}",
                 *_kegiatan(rng), "Kesimpulan: pelaksanaan sesuai jadwal; tindak lanjut dibahas pada rapat berikutnya."]
        ext = turns.choice(jenis, ("docx", "docx", "odt", "rtf", "txt", "doc"))
        makers = {"docx": lambda: docx(lines), "odt": lambda: odf("odt", lines),
                                    "rtf": lambda: rtf(lines), "txt": lambda: "\n".join(lines).encode(),
                                    "doc": lambda: legacy_office("doc", lines)}
        return f"Notulen rapat {periode} no {seq}.{ext}", makers[ext]
    if jenis == "Laporan":
        lines = [f"LAPORAN {periode} {tahun}", f"{teks}", f"Disusun oleh: {nama}",
                 f"Kegiatan dilaksanakan sampai dengan {tanggal} sesuai rencana aksi.", *_kegiatan(rng, 4),
                 "Kendala: keterbatasan waktu; solusi: koordinasi dengan perangkat daerah terkait."]
        ext = turns.choice(jenis, ("pdf", "pdf", "docx", "odt", "pptx", "ppt"))
        makers = {"pdf": lambda: pdf(lines), "docx": lambda: docx(lines), "odt": lambda: odf("odt", lines),
                  "pptx": lambda: pptx(lines), "ppt": lambda: legacy_office("ppt", lines)}
        name = "Laporan paparan" if ext in ("pptx", "ppt") else "Laporan"
        return f"{name} {periode} no {seq}.{ext}", makers[ext]
    if jenis == "Foto Kegiatan":
        caption = teks[:40]
        fmt, ext = turns.choice(jenis, (("JPEG", "jpg"), ("JPEG", "jpg"), ("HEIF", "heic"), ("JPEG", "jpg"),
                                        ("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif"), ("TIFF", "tif"),
                                        ("BMP", "bmp")))
        cam = rng.choice(_CAMERAS)
        stamp = when.strftime("%Y%m%d_%H%M%S")
        label = f"IMG_{stamp}" if ext == "jpg" else f"Foto kegiatan {periode} no {seq}"
        return f"{label}.{ext}", lambda: photo(caption, rng, fmt, taken=when, camera=cam,
                                               size=(640, 480) if ext != "jpg" else (800, 600))
    if jenis == "Dokumen Output":
        lines = [f"Rancangan {topic}", f"Versi {periode} {tahun}", f"Penyusun: {nama}",
                 "Bab I Pendahuluan; Bab II Analisis; Bab III Rencana Tindak Lanjut.", *_kegiatan(rng, 2)]
        ext = turns.choice(jenis, ("docx", "docx", "pdf", "odp", "pptx", "xlsx"))
        makers = {"docx": lambda: docx(lines), "pdf": lambda: pdf(lines), "odp": lambda: odf("odp", lines),
                  "pptx": lambda: pptx(lines), "xlsx": lambda: xlsx([[x] for x in lines])}
        return f"Dokumen rancangan {periode} no {seq}.{ext}", makers[ext]
    if jenis == "Tangkapan Layar":
        return f"Tangkapan layar {periode} no {seq}.png", lambda: photo(f"Aplikasi: {teks[:34]}", rng, "PNG",
                                                                        size=(640, 400))
    if jenis == "Berita Acara":
        lines = _letter(nomor, "Berita Acara", [f"Pada hari ini, {tanggal}, telah dilaksanakan {topic}.",
                                                *_kegiatan(rng, 3),
                                                "Demikian berita acara ini dibuat untuk dipergunakan seperlunya."])
        return f"Berita acara {periode} no {seq}.pdf", lambda: pdf(lines)
    if jenis == "Nota Dinas":
        lines = _letter(nomor, f"Nota dinas {topic}", [f"Kepada Yth. pimpinan, bersama ini kami laporkan {topic}.",
                                                       *_kegiatan(rng, 3), f"Dibuat di Sukamaju, {tanggal}"])
        return f"Nota dinas {periode} no {seq}.pdf", lambda: pdf(lines)
    # Data
    data: list[list[Any]] = [[f"Rekap {topic}", f"{periode} {tahun}"], ["No", "Uraian", "Jumlah"]]
    data += [[i, f"Data {_BULAN[(PERIODES.index(periode) * 3 + i - 1) % 12]}", rng.randrange(5, 120)]
             for i in range(1, 4)]
    ext = turns.choice(jenis, ("xlsx", "xlsx", "csv", "ods"))
    makers = {"xlsx": lambda: xlsx(data), "csv": lambda: csv(data[1:]),
              "ods": lambda: odf("ods", [" ".join(map(str, r)) for r in data])}
    return f"Rekap data {periode} no {seq}.{ext}", makers[ext]


def _handmade(t: int) -> dict[str, bytes]:
    """The first files of the demo, written by hand: the TW1 evidence of a few pegawai."""
    p = f"{PRAKOM}/{t}/TW1"
    h = f"{HUMAS}/{t}/TW1"
    o = f"{OPERATOR}/{t}/TW1"
    s = f"{SEKDIN}/{t}/TW1"
    rng = random.Random(f"{SEED}-{t}-handmade")
    return {
        f"{p}/RHK-01/IKI-01/Undangan rapat kebutuhan modul perizinan.pdf": pdf(_letter(
            f"005/041/Diskominfo/{t}", "Undangan Rapat Analisis Kebutuhan Pemutakhiran Modul Aplikasi Perizinan",
            ["Dengan hormat, mengharap kehadiran Bapak/Ibu pada rapat analisis kebutuhan pemutakhiran",
             "modul aplikasi perizinan daring yang akan dilaksanakan pada:",
             f"Hari/tanggal: Selasa, 14 Januari {t}, pukul 09.00 WIB, Ruang Rapat Diskominfo.",
             "Acara: pembahasan modul pendaftaran, modul verifikasi dan modul penerbitan izin."])),
        f"{p}/RHK-01/IKI-01/Daftar hadir rapat modul perizinan.pdf": pdf([
            "DAFTAR HADIR", "Rapat Analisis Kebutuhan Pemutakhiran Modul Aplikasi Perizinan Daring",
            f"Selasa, 14 Januari {t}", "1. Agung Prasetyo, S.T., M.Kom. - Bidang Aplikasi Informatika",
            "2. Budi Santoso, S.Kom. - Pranata Komputer", "3. Perwakilan DPMPTSP - Bidang Perizinan"]),
        f"{p}/RHK-01/IKI-02/Laporan uji fungsi modul pendaftaran.docx": docx([
            "Laporan Uji Fungsi Modul Pendaftaran Aplikasi Perizinan",
            "Uji fungsi modul pendaftaran aplikasi perizinan daring dilaksanakan terhadap 40 skenario.",
            "Hasil: 38 skenario berhasil tanpa galat (95 persen); 2 galat telah diperbaiki pada modul.",
            "Rekomendasi: modul perizinan siap dipakai pemohon izin."]),
        f"{p}/RHK-02/Daftar hadir sosialisasi keamanan informasi.xlsx": xlsx([
            ["Daftar Hadir Sosialisasi Keamanan Informasi bagi Pegawai"],
            ["No", "Nama", "Unit", "Tanda tangan"],
            [1, "Yusuf Maulana", "Sekretariat", "hadir"], [2, "Rina Kartika Sari", "Bidang IKP", "hadir"],
            [3, "Agus Salim", "Bidang Aplikasi Informatika", "hadir"]]),
        f"{p}/RHK-02/Foto sosialisasi keamanan informasi.jpg": photo(
            "Sosialisasi keamanan informasi", rng, taken=dt.datetime(t, 2, 20, 10, 15, 3),
            camera=("samsung", "SM-A546E")),
        # misfiled: a receipt for office supplies under the perizinan indicator
        f"{p}/RHK-01/IKI-01/Kwitansi pembelian ATK.pdf": pdf([
            "KWITANSI", "Telah terima dari Bendahara Pengeluaran", "Uang sejumlah Rp 1.250.000",
            "Untuk pembayaran: pembelian kertas HVS, map, tinta printer dan alat tulis kantor bulan Februari.",
            "Toko Sinar Jaya, Sukamaju"]),
        # misfiled: sosialisasi material under the perizinan RHK
        f"{p}/RHK-01/Materi sosialisasi keamanan informasi.docx": docx([
            "Materi Sosialisasi Keamanan Informasi",
            "Keamanan informasi bagi pegawai: kata sandi yang kuat, waspada phishing, sosialisasi",
            "pencadangan data dan pelaporan insiden keamanan informasi kepada tim CSIRT."]),
        # a code that does not exist in the SKP: goes to the unlinked list
        f"{p}/RHK-05/Notulen rapat.docx": docx(["Notulen Rapat", "Rapat koordinasi internal bidang."]),
        f"{h}/RHK-01/Laporan publikasi kegiatan Januari.pdf": pdf([
            "LAPORAN PUBLIKASI KEGIATAN PEMERINTAH DAERAH", f"Bulan Januari {t}",
            "Jumlah unggahan publikasi kegiatan di media sosial resmi: 34 unggahan.",
            "Kegiatan yang dipublikasikan: kunjungan kerja Bupati, pelayanan kependudukan keliling, rapat paripurna."]),
        f"{h}/RHK-01/Foto publikasi kunjungan kerja Bupati.png": photo("Kunjungan kerja Bupati", rng, "PNG",
                                                                       size=(640, 400)),
        f"{o}/RHK-01/Rekap tiket gangguan jaringan Januari.xlsx": xlsx([
            ["Rekap Tiket Gangguan Jaringan Perangkat Daerah", f"Januari {t}"],
            ["No", "Perangkat Daerah", "Gangguan", "Status"],
            [1, "Dinas Kesehatan", "Jaringan internet terputus", "Selesai"],
            [2, "Kecamatan Sukamaju", "Akses point rusak", "Selesai"], [3, "BPKAD", "Switch mati", "Selesai"]]),
        f"{s}/RHK-01/Rancangan Renja Diskominfo.docx": docx([
            f"Rancangan Rencana Kerja Dinas Komunikasi dan Informatika Tahun {t + 1}",
            "Dokumen perencanaan kinerja dinas: program, kegiatan, indikator kinerja dan pagu indikatif.",
            "Disusun tepat waktu sebagai bahan forum perangkat daerah."]),
        # not deep enough in the folders: unlinked with the reason
        f"{PRAKOM}/Scan KTP.jpg": photo("Dokumen pribadi", rng, size=(640, 400)),
    }


def _problems(t: int) -> dict[str, bytes]:
    """Files that are not evidence as they lie: unlinked (bad folder) or quarantined."""
    rng = random.Random(f"{SEED}-{t}-problems")
    wrong_nip = "19850315201001100"  # 17 digits: a typo in the folder name
    return {
        # unlinked: the NIP folder has a typo, the triwulan folder is unknown, the year is missing
        f"{wrong_nip}/{t}/TW2/RHK-01/Laporan uji modul perizinan.pdf": pdf(
            ["Laporan uji modul perizinan", "Salah folder: NIP kurang satu digit."]),
        f"{HUMAS}/{t}/Triwulan 5/RHK-01/Laporan publikasi.pdf": pdf(["Laporan publikasi", "Periode tidak dikenal."]),
        f"Kiriman WhatsApp/IMG-{t}0312-WA0007.jpg": photo("Kiriman grup WhatsApp", rng, size=(640, 480)),
        # quarantined: a video over the demo's size limit, a program disguised as a PDF, a zip archive
        f"{OPERATOR}/{t}/TW2/RHK-01/Video dokumentasi perbaikan jaringan.mp4": mp4(
            (DEMO_MAX_FILE_MB + 1) * 1024 * 1024, seed=t),
        f"{PRAKOM}/{t}/TW2/RHK-01/IKI-01/Laporan modul perizinan.pdf.exe": (
            b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 64) + b"PE\x00\x00\x4c\x01" + bytes(200)),
        f"{HUMAS}/{t}/TW3/RHK-01/Kumpulan foto publikasi.zip": _zip(
            [("foto1.txt", "foto publikasi"), ("foto2.txt", "foto publikasi")]),
        # a short clip under the limit is evidence like any photo
        f"{HUMAS}/{t}/TW2/RHK-01/Video dokumentasi publikasi.mp4": mp4(64 * 1024, seed=t + 1),
    }


_EXTRA = ("Laporan", "Nota Dinas", "Foto Kegiatan", "Notulen", "Dokumen Output")


def demo_files(tahun: int) -> dict[str, bytes]:
    """Every file the demo drops in the share (relative path -> bytes); the same for the same year."""
    t = tahun
    files = _handmade(t)
    done = {tuple(k.split("/")[:3]) for k in files}
    rng = random.Random(f"{SEED}-{t}-files")
    turns = _Turns()
    seq = 0
    for p in PEGAWAI:
        for rk, code, ind in iki_codes(p):
            for periode in PERIODES:
                if (p.nip, str(t), periode) in done:
                    continue
                for jenis in ind[4]:
                    if rng.random() < 0.05:  # not uploaded (yet): coverage shows the gap
                        continue
                    seq += 1
                    name, make = _evidence(jenis, ind, BY_NIP[p.nip].nama, t, periode, rng, seq, turns)
                    files[f"{p.nip}/{t}/{periode}/{rk}/{code}/{name}"] = make()
                # more than the plan asks, now and then: a second photo, a nota dinas, a laporan
                extra = turns.choice("extra", _EXTRA)
                if rng.random() < 0.4:
                    seq += 1
                    name, make = _evidence(extra, ind, p.nama, t, periode, rng, seq, turns)
                    files[f"{p.nip}/{t}/{periode}/{rk}/{code}/{name}"] = make()
    files.update(_problems(t))
    return files
