"""Benchmark of the archive core: ingest throughput and the cost of storing one large file.

Prints figures, never asserts. Baselines are measured in the same run on the same file:
    plain read      - reading the file in 1 MiB chunks, nothing else
    hash only       - hashlib.file_digest(f, "sha256")
    disk write      - copying the file in 4 MiB chunks, flushed every 16 MiB, no hashing
    store           - LocalBlobStore.stage + commit (hash + copy + fsync + rename)
Targets (issue 2): store >= 0.8x the hash-only rate; peak RSS < 150 MB for the 1 GB file.

    python bench/bench_store.py [--size-mb 1024] [--files 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import hashlib, json, os, resource, sys, time
from pathlib import Path
mode, path, root = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.perf_counter()
with open(path, "rb") as f:
    if mode == "read":
        while f.read(1 << 20):
            pass
    elif mode == "hash":
        hashlib.file_digest(f, "sha256").hexdigest()
    elif mode == "write":  # the disk's limit: copy + fsync, no hashing
        os.makedirs(root, exist_ok=True)
        out = os.open(os.path.join(root, "copy.tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        buf = bytearray(4 << 20)
        done = 0
        while n := f.readinto(buf):
            os.write(out, memoryview(buf)[:n])
            done += n
            if done % (16 << 20) == 0:
                os.fdatasync(out)  # flushed as it goes, like the store
        os.fsync(out)
        os.close(out)
    else:
        from archiver.store import LocalBlobStore
        staged = LocalBlobStore(Path(root)).stage(f)
        staged.commit()
dt = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))  # reset by exec
print(json.dumps({"seconds": dt, "rss_mb": hwm / 1024}))
"""


def measure(mode: str, path: Path, root: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(root)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def big_file(path: Path, size_mb: int) -> None:
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for i in range(size_mb):
            f.write(block[i % 256:] + block[: i % 256])  # distinct 1 MiB blocks, cheap to make


def bench_large(tmp: Path, size_mb: int) -> None:
    src = tmp / "big.bin"
    big_file(src, size_mb)
    measure("read", src, tmp)  # warm the page cache
    modes = ("read", "hash", "write", "store")
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    for _ in range(3):  # interleaved rounds: a disk that speeds up or slows down affects every mode alike
        for mode in modes:
            root = tmp / f"archive-{mode}"
            runs[mode].append(measure(mode, src, root))
            shutil.rmtree(root, ignore_errors=True)
    res = {m: min(r, key=lambda x: x["seconds"]) for m, r in runs.items()}
    rate = {m: size_mb / r["seconds"] for m, r in res.items()}
    print(f"\n== storing one {size_mb} MB file (best of 3 interleaved rounds) ==")
    for m in modes:
        spread = ", ".join(f"{size_mb / r['seconds']:.0f}" for r in runs[m])
        print(f"  {m:<6} {rate[m]:8.0f} MB/s   peak RSS {res[m]['rss_mb']:6.1f} MB   (runs: {spread})")
    print(f"  store / hash-only  = {rate['store'] / rate['hash']:.2f}x   (target >= 0.80x)")
    print(f"  store / disk write = {rate['store'] / rate['write']:.2f}x   (the same copy without hashing)")
    print(f"  store / plain read = {rate['store'] / rate['read']:.2f}x")
    print(f"  store peak RSS     = {res['store']['rss_mb']:.1f} MB   (target < 150 MB)")
    src.unlink()


def bench_small(tmp: Path, n: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from conftest import make_pdf  # the same real PDFs the tests use

    from archiver import ingest
    from archiver.archive import Archive
    from archiver.config import load_config, write_workspace

    cfg = write_workspace(tmp / "ws")
    drop = cfg.parent / "drop"
    for i in range(n):
        p = drop / f"198503152010011002/2026/TW{i % 4 + 1}/RHK-0{i % 5 + 1}/dokumen-{i:05d}.pdf"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(make_pdf(f"Laporan kegiatan nomor {i} " + "uraian " * (i % 50)))
    with Archive.open(load_config(cfg)) as archive:
        t = time.perf_counter()
        results = list(ingest.scan(archive))
        dt = time.perf_counter() - t
        t = time.perf_counter()
        again = list(ingest.scan(archive))
        rescan = time.perf_counter() - t
    assert len(results) == n and not again
    print(f"\n== ingest of {n} small PDFs ==")
    print(f"  first pass   {n / dt:8.1f} files/s   ({dt:.2f} s)")
    print(f"  rescan       {n / rescan:8.0f} files/s   ({rescan:.3f} s, nothing new: stat only)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--files", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as d:
        bench_small(Path(d), args.files)
        bench_large(Path(d), args.size_mb)
    print(f"\n(bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
