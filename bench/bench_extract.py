"""Extraction benchmark: pages (or files) per second per format, through the worker and in-process.

Prints figures, never asserts. Files are generated (the same builders the tests use). For
each format the same files are extracted twice in the same run:
    in-process  - archiver.extract.formats.extract_in_process (the bare parsers: baseline)
    worker      - archiver.extract.extract (child process, limits, pickled answers)
and the ratio worker / in-process shows what the isolation costs.

    python bench/bench_extract.py [--files 20] [--pages 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def build(tmp: Path, files: int, pages: int) -> dict[str, tuple[str, list[Path], int]]:
    import openpyxl
    from PIL import Image
    from test_extract import text_image

    from archiver.samplefiles import text_pdf

    sets: dict[str, tuple[str, list[Path], int]] = {}

    def put(kind: str, type_name: str, datas: list[bytes], units: int) -> None:
        paths = []
        for i, d in enumerate(datas):
            p = tmp / f"{kind}-{i}"
            p.write_bytes(d)
            paths.append(p)
        sets[kind] = (type_name, paths, units)

    words = "Laporan pelaksanaan kegiatan sosialisasi pengelolaan kinerja pegawai aparatur sipil negara "
    lines = [f"{words[j % 40:]}{words[:j % 40]}" for j in range(45)]  # a full A4 page: 45 lines of ~90 chars
    put("pdf (text)", "pdf", [text_pdf([[*lines, f"halaman {n} dokumen {i}"] for n in range(pages)])
                              for i in range(files)], pages)
    import docx

    def a_docx(i: int) -> bytes:
        d = docx.Document()
        for _ in range(pages * 10):
            d.add_paragraph(words * 3 + str(i))
        t = d.add_table(rows=20, cols=4)
        for r in t.rows:
            for c in r.cells:
                c.text = "Bidang Aplikasi Informatika"
        buf = io.BytesIO()
        d.save(buf)
        return buf.getvalue()

    put("docx", "docx", [a_docx(i) for i in range(files)], 1)

    def an_xlsx(i: int) -> bytes:
        wb = openpyxl.Workbook()
        for s in range(3):
            ws = wb.active if s == 0 else wb.create_sheet(f"Sheet{s}")
            for r in range(500):
                ws.append([r, "Dinas Kesehatan", "Jaringan internet terputus", "Selesai", i])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    put("xlsx (3x500 rows)", "xlsx", [an_xlsx(i) for i in range(files)], 1)
    n_ocr = max(2, files // 5)
    put("image OCR", "png", [text_image([f"BERITA ACARA SERAH TERIMA {i}", "barang milik daerah"])
                             for i in range(n_ocr)], 1)

    def a_scan(i: int) -> bytes:
        page = Image.open(io.BytesIO(text_image([f"SURAT TUGAS NOMOR {i}", "untuk melaksanakan monitoring"])))
        buf = io.BytesIO()
        page.save(buf, "PDF", resolution=150)
        return buf.getvalue()

    put("scanned PDF OCR", "pdf", [a_scan(i) for i in range(n_ocr)], 1)
    return sets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds per format (OCR: 1)")
    args = ap.parse_args()
    from archiver.extract import ExtractLimits, extract, ocr_available, shutdown
    from archiver.extract.formats import extract_in_process

    limits = ExtractLimits()
    print(f"OCR available: {ocr_available()}")

    def run(fn: Callable[..., Any], type_name: str, paths: list[Path]) -> float:
        t = time.perf_counter()
        for p in paths:
            ex = fn(p, type_name, limits)
            assert ex.status == "ok", (p, ex.reason)
        return time.perf_counter() - t

    with tempfile.TemporaryDirectory() as d:
        sets = build(Path(d), args.files, args.pages)
        print(f"\n{'format':<20}{'files':>6}{'in-process':>16}{'worker':>16}{'time ratio':>12}{'overhead':>12}")
        for kind, (type_name, paths, units) in sets.items():
            for fn in (extract_in_process, extract):  # warm up: imports, worker start, caches
                run(fn, type_name, paths[:1])
            best = {extract_in_process: float("inf"), extract: float("inf")}
            for _ in range(1 if "OCR" in kind else args.rounds):  # interleaved rounds, best of each
                for fn, prev in best.items():
                    best[fn] = min(prev, run(fn, type_name, paths))
            t_in, t_w = best[extract_in_process], best[extract]
            n = len(paths) * units
            unit = "pages/s" if units > 1 or "OCR" in kind else "files/s"
            print(f"{kind:<20}{len(paths):>6}{n / t_in:>10.1f} {unit:<6}{n / t_w:>9.1f} {unit:<6}"
                  f"{t_w / t_in:>11.2f}x{(t_w - t_in) / len(paths) * 1000:>+9.1f} ms/file")
        pdf = sets["pdf (text)"][1][0]
        starts = []
        for _ in range(3):
            shutdown()
            t = time.perf_counter()
            extract(pdf, "pdf", limits)
            starts.append(time.perf_counter() - t)
        shutdown()
        print(f"\na new worker for one file (what a process per file would cost): {min(starts) * 1000:.0f} ms")
    print("time ratio = worker time / in-process time (1.00x: isolation costs nothing); "
          "overhead = extra wall time per file through the worker.")

if __name__ == "__main__":
    main()
