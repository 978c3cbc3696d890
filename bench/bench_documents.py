#!/usr/bin/env python3
"""Document throughput: DOCX/s for a batch of pegawai, and PDF/s through one converter.

    python bench/bench_documents.py            # 500 pegawai (evaluasi TW1, kuantitatif)
    python bench/bench_documents.py --n 50     # smaller

The SKPs are real: imported with the SKP importer (``archiver skp import``'s code) and read
back through the catalog source that ``archiver generate`` uses. Measures (0) the import,
(1) planning (SKP + evaluation reads, contexts), (2) rendering alone (docxtpl with the cached
renderer), (3) the whole generate pipeline (context, render, write, store, custody, catalog),
(4) PDF conversion of the batch through one LibreOffice process. Targets: >= 20 DOCX/s, >= 4 PDF/s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_documents_data import (  # type: ignore[import-not-found]  # noqa: E402 - tests/ is on sys.path now
    BIDANG,
    UNIT,
    bulk_tables,
)

from archiver.archive import Archive  # noqa: E402
from archiver.catalog import evaluation as catalog_evaluation  # noqa: E402
from archiver.config import load_config, write_workspace  # noqa: E402
from archiver.documents.converter import PdfConverter  # noqa: E402
from archiver.documents.generate import plan, run  # noqa: E402
from archiver.documents.render import Renderer  # noqa: E402
from archiver.documents.skp_adapter import catalog_source  # noqa: E402
from archiver.evaluation.model import CapaianOrganisasi, Evaluasi, Realisasi, UmpanBalikPerilaku  # noqa: E402
from archiver.evaluation.rules import OrgPredikat, Rating  # noqa: E402
from archiver.skp.importer import import_obj  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=500, help="pegawai in the batch (default 500)")
    ap.add_argument("--pdf-n", type=int, help="documents to convert to PDF (default: all)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    archive = Archive.open(load_config(write_workspace(tmp / "ws")))
    data, nips = bulk_tables(args.n, n_rhk=4)
    t0 = time.perf_counter()
    import_obj(archive, data, "bench")
    t_import = time.perf_counter() - t0
    source = catalog_source(archive)
    with archive.catalog.begin() as conn:
        evals = [Evaluasi(n, 2026, "TW1", Rating.SESUAI, Rating.DI_ATAS if i % 3 else Rating.SESUAI,
                          realisasi=tuple(Realisasi(f"RHK-{r:02d}", f"IKI-{2 * (r - 1) + k:02d}", f"{r + k} modul",
                                                    "Baik") for r in range(1, 5) for k in (1, 2)),
                          perilaku=tuple(UmpanBalikPerilaku(v, "Sesuai ekspektasi") for v in range(1, 8)))
                 for i, n in enumerate(nips)]
        catalog_evaluation.save_import(conn, evals, [CapaianOrganisasi(UNIT, 2026, "TW1", OrgPredikat.BAIK)],
                                       at=archive.now(), source="bench")

    t0 = time.perf_counter()
    jobs = plan(archive, source, "evaluasi", unit=BIDANG, tahun=2026, periode="TW1")
    batch = set(nips)
    jobs = [j for j in jobs if j.subject in batch]  # the batch, without the Kepala Bidang
    t_plan = time.perf_counter() - t0
    renderer = Renderer()
    template = jobs[0].template
    assert template is not None
    t0 = time.perf_counter()
    for job in jobs:
        renderer.render(template, job.context or {}, subject=job.label)
    t_render = time.perf_counter() - t0
    t0 = time.perf_counter()
    outdir = tmp / "out"
    results = list(run(archive, jobs, outdir, renderer=renderer))
    t_pipeline = time.perf_counter() - t0
    assert all(g.error is None for g in results), [g.error for g in results if g.error][:3]

    docx = [g.docx for g in results if g.docx][: args.pdf_n or len(results)]
    t0 = time.perf_counter()
    with PdfConverter() as conv:
        pdfs = list(conv.convert(docx, tmp / "pdf"))
        processes = conv.processes_started
    t_pdf = time.perf_counter() - t0
    ok = sum(1 for c in pdfs if c.ok)
    report = {
        "pegawai": args.n, "pages_per_evaluasi": "3 (landscape, 4 RHK x 2 IKI, 7 perilaku)",
        "skp_import_s": round(t_import, 2), "plan_s": round(t_plan, 2),
        "render_only_docx_per_s": round(args.n / t_render, 1),
        "pipeline_docx_per_s": round(args.n / t_pipeline, 1),
        "pdf": ok, "pdf_failed": len(pdfs) - ok, "pdf_s": round(t_pdf, 1),
        "pdf_per_s": round(ok / t_pdf, 2), "soffice_processes": processes,
    }
    if args.json:
        print(json.dumps(report))
    else:
        for k, v in report.items():
            print(f"{k:>24}: {v}")
        print(f"{'targets':>24}: >= 20 DOCX/s, >= 4 PDF/s")
    archive.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
