"""Benchmark of audit packages (issue 8): `export_bag` against plain baselines, same files, same run.

Prints figures, never asserts. Each measurement runs in a fresh child process so its peak
RSS (VmHWM) is its own. For each data set (many small PDFs; one large file):
    plain copy   - shutil.copyfile of every blob into a folder (what `cp -r` costs)
    plain zip    - the blobs streamed into a ZIP64 file, stored (no hashing, no bag)
    export link  - export_bag, blobs hard-linked into the bag folder (same file system)
    export copy  - export_bag with hardlinks=False (the cross-file-system path)
    verify-bag   - verify_bag on the exported zip (streamed, nothing extracted)

    python bench/bench_export.py [--files 2000] [--size-mb 500]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NIP_SMALL = "198503152010011002"
NIP_LARGE = "199001012015032001"

CHILD = r"""
import json, os, shutil, sys, time, zipfile
from pathlib import Path
from archiver.archive import Archive
from archiver.config import load_config
from archiver.bags import ExportCriteria, export_bag, select_items, verify_bag
mode, cfg, nip, out = sys.argv[1:5]
with Archive.open(load_config(cfg)) as archive:
    criteria = ExportCriteria(tahun=2026, nips=(nip,))
    items = select_items(archive, criteria)
    t = time.perf_counter()
    if mode == "copy":
        os.mkdir(out)
        for i, it in enumerate(items):
            with archive.store.local_path(it.sha256) as b:
                shutil.copyfile(b, os.path.join(out, str(i)))
    elif mode == "zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for i, it in enumerate(items):
                with archive.store.local_path(it.sha256) as b:
                    zf.write(b, str(i))
    elif mode in ("link", "nolink"):
        export_bag(archive, criteria, Path(out), hardlinks=mode == "link")
    elif mode == "verify":
        assert verify_bag(Path(out)).ok
    dt = time.perf_counter() - t
size = sum(it.size for it in items)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": dt, "rss_mb": hwm / 1024, "files": len(items), "bytes": size}))
"""


def measure(mode: str, cfg: Path, nip: str, out: Path) -> dict[str, float]:
    res = subprocess.run([sys.executable, "-c", CHILD, mode, str(cfg), nip, str(out)], capture_output=True, check=False,
                         text=True)
    if res.returncode:
        raise SystemExit(res.stderr)
    return json.loads(res.stdout)


def make_workspace(tmp: Path, n_files: int, size_mb: int) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from conftest import make_pdf  # the same real PDFs the tests use

    from archiver import ingest
    from archiver.archive import Archive
    from archiver.config import load_config, write_workspace

    cfg = write_workspace(tmp / "ws")
    cfg.write_text(cfg.read_text().replace("max_file_size_mb = 200.0", f"max_file_size_mb = {size_mb + 10}.0"))
    drop = cfg.parent / "drop"
    for i in range(n_files):
        p = drop / f"{NIP_SMALL}/2026/TW{i % 4 + 1}/RHK-0{i % 5 + 1}/dokumen-{i:05d}.pdf"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(make_pdf(f"Laporan kegiatan nomor {i} " + "uraian " * (i % 50)))
    big = drop / f"{NIP_LARGE}/2026/TAHUNAN/RHK-01/video-kegiatan.pdf"
    big.parent.mkdir(parents=True)
    block = os.urandom(1 << 20)
    with open(big, "wb") as f:
        f.write(b"%PDF-1.4\n")
        for i in range(size_mb):
            f.write(block[i % 256:] + block[: i % 256])
    with Archive.open(load_config(cfg)) as archive:
        results = list(ingest.scan(archive, steps=()))  # the benchmark is about export: no text, no index
    assert sum(r.status == "archived" for r in results) == n_files + 1, [r.reason for r in results][:3]
    return cfg


def bench(tmp: Path, cfg: Path, nip: str, title: str) -> None:
    out = tmp / f"out-{nip}"
    out.mkdir(exist_ok=True)
    measure("copy", cfg, nip, out / f"warm-{nip}")  # warm the page cache: every mode reads cached blobs
    rows = {}
    for mode in ("copy", "zip", "link", "nolink"):
        target = out / f"{mode}.zip" if mode != "copy" else out / "copy"
        rows[mode] = measure(mode, cfg, nip, target)
        if mode == "link":
            rows["verify"] = measure("verify", cfg, nip, target)
    first = rows["copy"]
    print(f"\n== {title}: {first['files']} file(s), {first['bytes'] / 1048576:.0f} MB ==")
    labels = {"copy": "plain copy", "zip": "plain zip", "link": "export link", "nolink": "export copy",
              "verify": "verify-bag"}
    for mode, r in rows.items():
        mb_s = r["bytes"] / 1048576 / r["seconds"]
        print(f"  {labels[mode]:<12} {mb_s:8.0f} MB/s {r['files'] / r['seconds']:9.0f} files/s "
              f"{r['seconds']:7.2f} s   peak RSS {r['rss_mb']:6.1f} MB")
    print(f"  export link / plain copy = {rows['copy']['seconds'] / rows['link']['seconds']:.2f}x speed")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--size-mb", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as d:
        t = time.perf_counter()
        cfg = make_workspace(Path(d), args.files, args.size_mb)
        print(f"(workspace ingested in {time.perf_counter() - t:.1f} s)")
        bench(Path(d), cfg, NIP_SMALL, "many small PDFs")
        bench(Path(d), cfg, NIP_LARGE, "one large file")


if __name__ == "__main__":
    main()
