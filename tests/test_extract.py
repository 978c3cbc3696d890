"""Text extraction on real files, including hostile ones, through the real worker process."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import (
    NIP_A,
    NIP_B,
    Workspace,
    make_docx,
    make_pdf,
    make_xlsx,
    require_program,
)

from archiver import extract as ex_mod
from archiver.extract import ExtractLimits, extract, formats, ocr
from archiver.filetypes import detect
from archiver.i18n import render, use_language

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"



def _en(reason: str | None) -> str:
    """A stored reason as an English reader sees it (the source text the assertions name)."""
    with use_language("en"):
        return render(reason)

def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def text_image(lines: list[str], fmt: str = "PNG", exif_date: str | None = None) -> bytes:
    """A photo of a document: text only as pixels."""
    from PIL import Image, ImageDraw, ImageFont

    try:
        font = ImageFont.truetype(FONT, 40)
    except OSError:
        font = ImageFont.load_default(size=40)
    img = Image.new("RGB", (1500, 120 + 80 * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((60, 50 + 80 * i), line, fill="black", font=font)
    buf = io.BytesIO()
    if exif_date:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[36867] = exif_date
        img.save(buf, fmt, exif=exif)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def slow_pdf(n_ops: int) -> bytes:
    """A 30 KB PDF whose one page holds n_ops text operators: pypdf needs ~30 us each."""
    body = ("BT /F1 12 Tf 72 720 Td " + "(ab) Tj 1 0 Td " * n_ops + "ET").encode()
    comp = zlib.compress(body, 9)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
             b"/Resources << /Font << /F1 5 0 R >> >> >>"),
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(comp) + comp + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + o + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for o in offsets:
        out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def zip_bomb_docx(inflated_mb: int) -> bytes:
    """A DOCX whose word/document.xml inflates to inflated_mb of spaces (a few hundred KB on disk)."""
    base = zipfile.ZipFile(io.BytesIO(make_docx("isi")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for info in base.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, base.read(info))
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b" " * (1 << 20)
            for _ in range(inflated_mb):
                f.write(block)
    return out.getvalue()


def scanned_pdf(lines: list[str]) -> bytes:
    """A scan: one page that is only an image of text (no text layer)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(text_image(lines))).save(buf, "PDF", resolution=150)
    return buf.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    import pypdf

    w = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf("Surat keputusan rahasia")))
    w.encrypt(user_password=user_password, owner_password="pemilik", algorithm="AES-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- formats

def test_pdf_every_page_and_metadata(tmp_path: Path) -> None:
    import pypdf

    w = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf("Laporan pelaksanaan kegiatan", pages=3)))
    w.add_metadata({"/Title": "Laporan Triwulan I", "/Author": "Subbagian Umum",
                    "/CreationDate": "D:20260301101500+07'00'"})
    buf = io.BytesIO()
    w.write(buf)
    ex = extract(write(tmp_path, "lap.pdf", buf.getvalue()), "pdf")
    assert ex.status == "ok", ex.reason
    assert ex.pages == 3
    assert all(f"halaman {i}" in ex.text for i in (1, 2, 3))
    assert ex.meta["title"] == "Laporan Triwulan I" and ex.meta["author"] == "Subbagian Umum"
    assert ex.meta["created"].startswith("2026-03-01T10:15:00")


def test_docx_paragraphs_tables_headers_footers_and_text_boxes(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("Notulen rapat koordinasi pengelolaan arsip")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Peserta", "Jumlah"
    t.cell(1, 0).text = "Bidang Aplikasi Informatika"
    inner = t.cell(1, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "tujuh belas orang"
    d.sections[0].header.paragraphs[0].text = "KOP DINAS KOMINFO SUKAMAJU"
    d.sections[0].footer.paragraphs[0].text = "Halaman rahasia terbatas"
    d.settings.odd_and_even_pages_header_footer = True
    d.sections[0].even_page_footer.paragraphs[0].text = "Paraf sekretaris dinas"
    d.add_paragraph()._p.append(parse_xml(  # a text box (VML shape), as letterheads often are
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox><w:txbxContent>'
        "<w:p><w:r><w:t>Nomor: 005/123/Diskominfo</w:t></w:r></w:p>"
        "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"))
    buf = io.BytesIO()
    d.save(buf)
    ex = extract(write(tmp_path, "notulen.docx", buf.getvalue()), "docx")
    assert ex.status == "ok", ex.reason
    for want in ("Notulen rapat koordinasi", "Bidang Aplikasi Informatika", "tujuh belas orang",
                 "KOP DINAS KOMINFO SUKAMAJU", "Halaman rahasia terbatas", "Paraf sekretaris dinas",
                 "Nomor: 005/123/Diskominfo"):
        assert want in ex.text
    assert ex.text.count("Nomor: 005/123/Diskominfo") == 1


def test_xlsx_every_sheet(tmp_path: Path) -> None:
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Januari"
    wb.active.append(["Tiket", "Perangkat Daerah", "Tanggal"])
    wb.active.append([1, "Dinas Kesehatan", dt.datetime(2026, 1, 5)])
    wb.create_sheet("Februari").append(["Kecamatan Sukamaju", "akses point rusak"])
    buf = io.BytesIO()
    wb.save(buf)
    ex = extract(write(tmp_path, "rekap.xlsx", buf.getvalue()), "xlsx")
    assert ex.status == "ok", ex.reason
    assert ex.meta["sheets"] == ["Januari", "Februari"]
    assert "Dinas Kesehatan" in ex.text and "2026-01-05" in ex.text and "akses point rusak" in ex.text


def test_csv_in_windows_encoding(tmp_path: Path) -> None:
    data = "Nama;Keterangan\nAndré;rapat sosialisasi\n".encode("cp1252")
    ex = extract(write(tmp_path, "daftar.csv", data), "csv")
    assert ex.status == "ok" and "André" in ex.text and ex.meta["encoding"] == "cp1252"


def test_photo_exif_thumbnail_and_ocr(tmp_path: Path) -> None:
    require_program("tesseract")
    data = text_image(["LAPORAN PELAKSANAAN KEGIATAN", "Sosialisasi keamanan informasi"], "JPEG",
                      exif_date="2026:02:14 09:30:00")
    ex = extract(write(tmp_path, "foto.jpg", data), "jpeg")
    assert ex.status == "ok", ex.reason
    assert "PELAKSANAAN" in ex.text.upper() and "SOSIALISASI" in ex.text.upper()
    assert ex.meta["exif_datetime"] == "2026-02-14T09:30:00"
    assert ex.meta["width"] == 1500
    from PIL import Image

    thumb = Image.open(io.BytesIO(ex.thumbnail or b""))
    assert thumb.format == "JPEG" and max(thumb.size) <= 320


def test_iphone_heic_photo_is_read_like_any_image(tmp_path: Path) -> None:
    require_program("tesseract")
    import pillow_heif

    pillow_heif.register_heif_opener()
    data = text_image(["NOTULEN RAPAT KOORDINASI", "Pengaduan masyarakat"], "HEIF", exif_date="2026:03:02 14:05:00")
    path = write(tmp_path, "IMG_0412.HEIC", data)
    assert detect(path).name == "heic"
    ex = extract(path, "heic")
    assert ex.status == "ok", ex.reason
    assert "NOTULEN" in ex.text.upper() and "PENGADUAN" in ex.text.upper()
    assert ex.meta["format"] == "HEIF" and ex.meta["exif_datetime"] == "2026-03-02T14:05:00" and ex.thumbnail


def test_scanned_pdf_is_read_by_ocr(tmp_path: Path) -> None:
    require_program("tesseract")
    require_program("pdftoppm")
    ex = extract(write(tmp_path, "scan.pdf", scanned_pdf(["BERITA ACARA SERAH TERIMA", "barang milik daerah"])),
                 "pdf")
    assert ex.status == "ok", ex.reason
    assert "SERAH TERIMA" in ex.text.upper() and ex.meta["ocr_pages"] == 1
    assert "tesseract" in (ex.extractor or "")


def test_without_pdftoppm_ocr_reads_the_images_in_the_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_program("tesseract")
    monkeypatch.setattr(ocr, "PDFTOPPM", "pdftoppm-not-installed")
    path = write(tmp_path, "scan.pdf", scanned_pdf(["SURAT PERINTAH TUGAS", "monitoring jaringan"]))
    ex = formats.extract_in_process(path, "pdf", ExtractLimits())  # in-process: the patch must apply
    assert ex.status == "ok", ex.reason
    assert "PERINTAH TUGAS" in ex.text.upper() and ex.meta["ocr_method"] == "embedded images"


def test_pdf_with_text_and_scanned_pages_waits_for_ocr_but_its_text_is_kept(tmp_path: Path) -> None:
    import pypdf

    w = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf("Surat pengantar dinas")))
    w.append(pypdf.PdfReader(io.BytesIO(scanned_pdf(["LAMPIRAN DAFTAR HADIR"]))))
    buf = io.BytesIO()
    w.write(buf)
    ex = extract(write(tmp_path, "campur.pdf", buf.getvalue()), "pdf", ExtractLimits(ocr=False))
    assert ex.status == "pending_ocr" and ex.pages == 2
    assert "Surat pengantar dinas" in ex.text and "LAMPIRAN" not in ex.text.upper()
    assert _en(ex.reason).startswith("text pending: OCR not run now for 1 of 2 page(s)")


def test_ocr_off_leaves_text_pending(tmp_path: Path) -> None:
    ex = extract(write(tmp_path, "foto.png", text_image(["Dokumentasi kegiatan"])), "png", ExtractLimits(ocr=False))
    assert ex.status == "pending_ocr" and _en(ex.reason).startswith("text pending")
    assert ex.thumbnail


def test_unknown_type_has_a_reason(tmp_path: Path) -> None:
    ex = extract(write(tmp_path, "video.mp4", b"\x00" * 100), "mp4")
    assert ex.status == "no_text" and "no extractor for type mp4" in _en(ex.reason)
    assert render(ex.reason) == "tidak ada teks: tidak ada pengekstrak untuk jenis mp4"  # stored, shown in Indonesian
    missing = extract(tmp_path / "gone.pdf", "pdf")
    assert missing.status == "failed" and "the file is missing" in _en(missing.reason)


def test_a_type_without_extractor_starts_no_worker(tmp_path: Path) -> None:
    ex_mod.shutdown()
    video = write(tmp_path, "video.mp4", b"\x00" * 100)
    assert extract(video, "mp4") == formats.extract_in_process(video, "mp4", ExtractLimits())
    assert ex_mod.worker_pids() == []  # a 1 GB video is stored without starting a process to say "no text"
    assert extract(write(tmp_path, "a.txt", b"teks biasa"), "text").text == "teks biasa"
    assert len(ex_mod.worker_pids()) == 1


def test_utf16_text_and_long_text_is_cut(tmp_path: Path) -> None:
    ex = extract(write(tmp_path, "catatan.txt", "Catatan rapat: anggaran disetujui".encode("utf-16")), "text")
    assert ex.status == "ok" and ex.text == "Catatan rapat: anggaran disetujui" and ex.meta["encoding"] == "utf-16"
    long = extract(write(tmp_path, "panjang.txt", b"kata " * 10_000), "text", ExtractLimits(max_text_chars=10_000))
    assert len(long.text) == 10_000 and long.meta["truncated_at_chars"] == 10_000


def test_html_gives_its_visible_text_not_its_markup(tmp_path: Path) -> None:
    page = ("<!DOCTYPE html><html><head><title>Notulen Rapat &amp; Sosialisasi</title>"
            "<style>.kop { font-weight: bold }</style><script>var sembunyi = 'jangan';</script></head>"
            "<body><div class='kop'>Dinas Kominfo</div><p>Rapat koordinasi&nbsp;pengaduan <b>masyarakat</b></p>"
            "<table><tr><td>Anggaran</td><td>Rp 5.000.000</td></tr></table></body></html>")
    path = write(tmp_path, "notulen.html", page.encode("utf-8"))
    ex = extract(path, detect(path).name)
    assert ex.status == "ok", ex.reason
    assert "Rapat koordinasi pengaduan masyarakat" in ex.text and "Anggaran" in ex.text and "Dinas Kominfo" in ex.text
    assert "<" not in ex.text and "kop" not in ex.text and "sembunyi" not in ex.text
    assert ex.meta["title"] == "Notulen Rapat & Sosialisasi"


# --------------------------------------------------------------------------- broken and hostile files

def test_password_protected_pdf_is_flagged_not_searchable(tmp_path: Path) -> None:
    ex = extract(write(tmp_path, "sk.pdf", encrypted_pdf("rahasia")), "pdf")
    assert ex.status == "encrypted" and "not searchable" in _en(ex.reason)
    open_ = extract(write(tmp_path, "sk-open.pdf", encrypted_pdf("")), "pdf")  # empty user password: readable
    assert open_.status == "ok" and "Surat keputusan rahasia" in open_.text


def test_truncated_pdf_gets_a_clear_reason(tmp_path: Path) -> None:
    data = make_pdf("Laporan kegiatan", pages=2)
    ex = extract(write(tmp_path, "cut.pdf", data[: len(data) // 3]), "pdf")
    assert ex.status == "failed"
    assert _en(ex.reason).startswith("corrupt or truncated PDF: ")


def test_corrupt_docx_and_image(tmp_path: Path) -> None:
    docx_ = extract(write(tmp_path, "rusak.docx", make_docx("isi")[:300]), "docx")
    assert docx_.status == "failed" and "corrupt" in _en(docx_.reason)
    png = extract(write(tmp_path, "rusak.png", text_image(["x"])[:200]), "png")
    assert png.status == "failed" and "corrupt or truncated image" in _en(png.reason)


def test_decompression_bomb_png_is_refused_quickly(tmp_path: Path) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buf, "PNG")  # 400 million pixels, ~60 KB on disk
    t = time.monotonic()
    ex = extract(write(tmp_path, "bomb.png", buf.getvalue()), "png")
    assert ex.status == "no_text" and "image too large" in _en(ex.reason)
    assert time.monotonic() - t < 10


def test_zip_bomb_docx_is_refused_quickly(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.docx", zip_bomb_docx(1024))  # document.xml inflates to 1 GB
    assert path.stat().st_size < 5_000_000
    t = time.monotonic()
    ex = extract(path, "docx")
    assert ex.status == "no_text" and "word/document.xml inflates beyond 300 MB" in _en(ex.reason)
    assert time.monotonic() - t < 10


def test_parser_that_runs_too_long_is_stopped_and_the_next_file_works(tmp_path: Path) -> None:
    slow = write(tmp_path, "slow.pdf", slow_pdf(300_000))  # ~9 s of pypdf
    t = time.monotonic()
    ex = extract(slow, "pdf", ExtractLimits(timeout_s=1.0, ocr=False))
    assert ex.status == "failed" and "timed out after 1 s" in _en(ex.reason)
    assert time.monotonic() - t < 5
    ok = extract(write(tmp_path, "ok.pdf", make_pdf("masih berjalan")), "pdf")
    assert ok.status == "ok" and "masih berjalan" in ok.text


def test_a_killed_worker_is_replaced(tmp_path: Path) -> None:
    pdf = write(tmp_path, "a.pdf", make_pdf("pertama"))
    assert extract(pdf, "pdf").status == "ok"
    killed = ex_mod.worker_pids()
    assert killed
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    again = extract(write(tmp_path, "b.pdf", make_pdf("kedua")), "pdf")
    assert again.status == "ok" and "kedua" in again.text
    assert ex_mod.worker_pids() and not set(ex_mod.worker_pids()) & set(killed)


def test_a_worker_killed_mid_call_is_replaced_and_the_file_retried(tmp_path: Path) -> None:
    ex_mod.shutdown()  # no idle worker but the one the next call starts
    assert extract(write(tmp_path, "a.pdf", make_pdf("pertama")), "pdf").status == "ok"
    (worker_pid,) = ex_mod.worker_pids()
    slow = write(tmp_path, "slow.pdf", slow_pdf(60_000))  # ~2 s of pypdf
    got: list[ex_mod.Extraction] = []
    call = threading.Thread(target=lambda: got.append(extract(slow, "pdf", ExtractLimits(ocr=False))))
    call.start()
    time.sleep(0.5)
    os.kill(worker_pid, signal.SIGKILL)  # e.g. the kernel's OOM killer
    call.join(30)
    assert got and got[0].status == "ok" and "ab" in got[0].text  # retried once in a new worker
    assert ex_mod.worker_pids() and worker_pid not in ex_mod.worker_pids()
    assert extract(write(tmp_path, "b.pdf", make_pdf("kedua")), "pdf").status == "ok"


def test_parse_stuck_in_c_code_is_stopped_by_the_cpu_limit(tmp_path: Path) -> None:
    """RLIMIT_CPU stops the worker with SIGXCPU; sent by hand here, as the kernel would."""
    ex_mod.shutdown()  # no idle worker but the one the next call starts
    assert extract(write(tmp_path, "a.pdf", make_pdf("pertama")), "pdf").status == "ok"
    (worker_pid,) = ex_mod.worker_pids()
    slow = write(tmp_path, "slow.pdf", slow_pdf(60_000))
    threading.Timer(0.5, os.kill, (worker_pid, signal.SIGXCPU)).start()
    t = time.monotonic()
    ex = extract(slow, "pdf", ExtractLimits(timeout_s=20, ocr=False))
    assert ex.status == "failed" and _en(ex.reason) == "no text: extraction timed out after 20 s"
    assert time.monotonic() - t < 5  # not retried
    assert extract(write(tmp_path, "b.pdf", make_pdf("kedua")), "pdf").status == "ok"


def test_memory_limit_stops_a_greedy_file(tmp_path: Path) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (7000, 7000), "white").save(buf, "PNG")  # 49 Mpx: ~150 MB decoded as RGB, more as copies
    ex = extract(write(tmp_path, "besar.png", buf.getvalue()), "png", ExtractLimits(memory_mb=256, ocr=False))
    assert ex.status == "failed" and "memory" in _en(ex.reason)
    ok = extract(write(tmp_path, "ok.pdf", make_pdf("sesudahnya")), "pdf")
    assert ok.status == "ok"


# --------------------------------------------------------------------------- through the archive

def test_ingest_goes_on_past_hostile_files_and_ocr_text_is_searchable(ws: Workspace) -> None:
    require_program("tesseract")
    cfg = ws.config_path.read_text(encoding="utf-8").replace("timeout_seconds = 60.0", "timeout_seconds = 1.0")
    ws.config_path.write_text(cfg, encoding="utf-8")
    base = f"{NIP_A}/2026/TW1/RHK-01"
    ws.put(f"{base}/bomb.docx", zip_bomb_docx(400))
    ws.put(f"{base}/lambat.pdf", slow_pdf(300_000))
    ws.put(f"{base}/sk.pdf", encrypted_pdf("rahasia"))
    ws.put(f"{base}/rusak.pdf", make_pdf("x")[:150])
    ws.put(f"{base}/foto_kegiatan.png", text_image(["DAFTAR HADIR SOSIALISASI", "pengelolaan kinerja pegawai"]))
    ws.put(f"{NIP_B}/2026/TW1/RHK-01/rekap.xlsx", make_xlsx([["Pelayanan", "Jumlah"], ["aduan", 3]]))
    res = ws.cli("ingest")
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in ws.cli_json("list")}
    hostile = ("bomb.docx", "lambat.pdf", "sk.pdf", "rusak.pdf")
    assert {rows[n]["status"] for n in (*hostile, "foto_kegiatan.png", "rekap.xlsx")} == {"archived"}
    from archiver.catalog import text as textstore

    with ws.open() as archive:
        text = {n: textstore.get_text(archive.catalog, rows[n]["sha256"]) for n in hostile}
    assert {n: t.status for n, t in text.items() if t} == {
        "bomb.docx": "no_text", "lambat.pdf": "failed", "sk.pdf": "encrypted", "rusak.pdf": "failed"}
    assert text["lambat.pdf"] and _en(text["lambat.pdf"].reason) == "no text: extraction timed out after 1 s"
    hits = ws.cli_json("search", "hadir sosialisasi")
    assert [h["name"] for h in hits] == ["foto_kegiatan.png"]
    assert [h["name"] for h in ws.cli_json("search", "mengelola", "--nip", NIP_A)] == ["foto_kegiatan.png"]
    assert ws.cli_json("search", "rahasia") == []  # encrypted: archived, not searchable


def test_without_ocr_text_waits_for_reindex_ocr(ws: Workspace) -> None:
    require_program("tesseract")
    cfg = ws.config_path.read_text(encoding="utf-8").replace("ocr = true", "ocr = false")
    ws.config_path.write_text(cfg, encoding="utf-8")
    ws.put(f"{NIP_A}/2026/TW2/RHK-02/undangan.png", text_image(["UNDANGAN RAPAT EVALUASI", "anggaran triwulan"]))
    assert ws.cli("ingest").exit_code == 0
    assert ws.cli_json("search", "evaluasi anggaran") == []  # words only in the pixels
    res = ws.cli("reindex", "--pending", "--ocr")
    assert res.exit_code == 0, res.output
    assert [h["name"] for h in ws.cli_json("search", "evaluasi anggaran")] == ["undangan.png"]


@pytest.fixture(autouse=True, scope="module")
def _stop_worker() -> object:
    yield None
    ex_mod.shutdown()
