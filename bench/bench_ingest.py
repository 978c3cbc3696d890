"""Benchmark of ingest end to end: mixed documents with the after-ingest steps, the cost of
the pending-index bookkeeping as the archive grows, and `archiver ingest` of one large file.

Prints figures, never asserts. Every workspace is fresh, made under one temporary folder
that is removed at the end; `[extract] ocr = false` (the documents have text layers).

1. mixed      N small documents (1-3 page PDFs, DOCX, XLSX), the same bytes in three fresh
              workspaces: `ingest.scan(archive, steps=())` (the core: store, catalog,
              custody), `ingest.scan(archive)` (+ SKP resolution, extraction, indexing) and
              the real CLI `archiver ingest` as a subprocess. files/s, the ratio steps on /
              steps off, CPU (self + children) / wall / cores, and what was left pending;
              --mixed-rounds interleaved rounds, the best of each mode kept.
              Targets (2 cores): >= 50 files/s end to end, >= 0.7x the steps-off rate.
2. growth     ms per file for a batch of new small PDFs ingested with the steps on into an
              archive of ~--small and then ~--large submissions (grown with steps=() and one
              `archiver reindex --procs 2`, so nothing is pending). Each batch follows an
              untimed warm-up batch in the same session (workers started, index open);
              the timer stops when the pass's generator is exhausted (its index batch
              written). Measured --repeats times each way, best kept: `ingest_paths` of
              the batch's folder (the batch alone) and `scan` (which also stats every known
              file). Target: flat, large / small ~= 1.
3. big        `archiver ingest` (subprocess) of one --big-mb file (an MP4 by its content) in
              a fresh workspace, against the same file through `hashlib.file_digest` and a
              plain copy + one fdatasync (and, for reference, the copy flushed every 16 MiB
              as the store does: copy16), each a subprocess timed from outside; --rounds
              interleaved rounds, best of each. The file is read once before the rounds, so
              every measurement reads it from the page cache. Peak RSS of the ingest process
              and its children (wait4). Targets: >= 0.8x min(hash, copy), < 150 MB.

    python3 bench/bench_ingest.py [--files 2000] [--small 1000] [--large 20000] [--batch 100]
                                  [--repeats 3] [--big-mb 1024] [--rounds 3] [--skip-mixed]
                                  [--skip-growth] [--skip-big] [--quick]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import NIP_A, NIP_B, make_docx, make_xlsx  # type: ignore[import-not-found]  # noqa: E402

from archiver import ingest  # noqa: E402
from archiver.archive import Archive  # noqa: E402
from archiver.config import load_config, write_workspace  # noqa: E402
from archiver.samplefiles import text_pdf  # noqa: E402

CORES = os.cpu_count() or 1
WORDS = ("laporan kegiatan sosialisasi pelaksanaan anggaran pengadaan barang jasa rapat koordinasi "
         "monitoring evaluasi kinerja pegawai pelayanan publik pengaduan masyarakat dokumen "
         "perencanaan strategis capaian target realisasi triwulan bidang sekretariat keuangan "
         "kepegawaian arsip surat keputusan notulen undangan peserta narasumber materi").split()

CHILD = r"""
import hashlib, os, sys
mode, path, out = sys.argv[1:4]
with open(path, "rb") as f:
    if mode == "read":
        while f.read(1 << 20):
            pass
    elif mode == "hash":
        hashlib.file_digest(f, "sha256")
    else:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        buf, done = bytearray(4 << 20), 0
        while n := f.readinto(buf):
            os.write(fd, memoryview(buf)[:n])
            done += n
            if mode == "copy16" and done % (16 << 20) == 0:
                os.fdatasync(fd)  # flushed as it goes, like the store
        os.fdatasync(fd)
        os.close(fd)
"""


# ----------------------------------------------------------------------------- helpers

def _busy_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy, busy + v[3] + v[4]


def _live_children_cpu() -> float:
    """CPU seconds of this process's children that are still running (not yet in os.times)."""
    total, me = 0, str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class Meter:
    """Wall time, the CPU of this process and its children (reaped or alive), and the whole machine's."""

    def __enter__(self) -> Meter:
        self.live0 = _live_children_cpu()
        self.t0, self.os0, self.m0 = time.perf_counter(), os.times(), _busy_jiffies()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        t, m = os.times(), _busy_jiffies()
        self.cpu = sum(t[i] - self.os0[i] for i in range(4)) + _live_children_cpu() - self.live0
        total = max(1, m[1] - self.m0[1])
        self.machine = (m[0] - self.m0[0]) / total  # busy share of all cores

    def load(self) -> str:
        ours = self.cpu / self.wall / CORES
        return (f"CPU {100 * ours:.0f}% of {CORES} cores (self + children); machine busy "
                f"{100 * self.machine:.0f}%, others ~{100 * max(0.0, self.machine - ours):.0f}%")


def workspace(base: Path, *, share: Path | None = None, max_mb: int | None = None) -> Path:
    """A fresh workspace (`archiver init`) with OCR off, its catalog created before any timing."""
    cfg = write_workspace(base)
    text = re.sub(r"^ocr = .*$", "ocr = false", cfg.read_text(), flags=re.MULTILINE)
    if max_mb is not None:
        text = re.sub(r"^max_file_size_mb = .*$", f"max_file_size_mb = {max_mb}.0", text, flags=re.MULTILINE)
    if share is not None:
        text = text.replace('path = "drop"', f'path = "{share}"')
    cfg.write_text(text)
    Archive.open(load_config(cfg)).close()
    return cfg


def cli(cfg: Path, *args: str) -> tuple[int, Any, float, str]:
    """Run `archiver --config CFG ARGS` as a process: (exit code, its rusage, wall seconds, stdout).

    Exit code 1 (something quarantined or a problem found) is returned; anything else stops the bench.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(cfg), *args], stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code not in (0, 1):
            raise SystemExit(f"archiver {' '.join(args)} failed ({code}):\n{err.read()}")
        return code, usage, wall, out.read()


def counts(cfg: Path) -> str:
    import json

    c = json.loads(cli(cfg, "status", "--json")[3])["counts"]
    return ", ".join(f"{v} {k}" for k, v in sorted(c.items()) if v)


def left_pending(cfg: Path) -> str:
    """Submissions the pass left for the next indexing pass (indexed now by `reindex --pending`)."""
    import json

    out = cli(cfg, "--quiet", "reindex", "--pending", "--json")[3]
    try:
        return str(json.loads(out)["indexed"])
    except ValueError:
        return "? (reindex --pending failed)"


def stop_workers() -> None:
    """Reap the extraction workers so their CPU time counts in os.times (children)."""
    from archiver import extract

    getattr(extract, "shutdown", lambda: None)()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def mixed_doc(i: int) -> tuple[str, bytes]:
    """Document i: half 1-3 page PDFs, a quarter DOCX, a quarter XLSX; distinct bytes each."""
    rng = random.Random(i)
    folder = f"{(NIP_A, NIP_B)[i % 2]}/2026/TW{i % 4 + 1}/RHK-0{i % 5 + 1}"
    kind = i % 4
    if kind < 2:
        pages = [[f"Dokumen {i}", *(sentence(rng, 12) for _ in range(20))] for _ in range(1 + i % 3)]
        return f"{folder}/laporan-{i:05d}.pdf", text_pdf(pages)
    if kind == 2:
        return f"{folder}/notulen-{i:05d}.docx", make_docx(f"Notulen {i}", *(sentence(rng, 25) for _ in range(8)))
    rows: list[list[Any]] = [["Kegiatan", "Uraian", "Jumlah"]]
    rows += [[f"Kegiatan {i}-{r}", sentence(rng, 6), rng.randint(1, 500)] for r in range(20)]
    return f"{folder}/rekap-{i:05d}.xlsx", make_xlsx(rows)


def small_pdf(i: int) -> bytes:
    rng = random.Random(-i)
    return text_pdf([[f"Laporan harian nomor {i}", sentence(rng, 12), sentence(rng, 12)]])


def write_pdfs(drop: Path, prefix: str, start: int, stop: int) -> Path:
    """Small PDFs start..stop-1 under drop/NIP/2026/PREFIX-.../ (a few hundred per folder)."""
    for i in range(start, stop):
        p = drop / f"{(NIP_A, NIP_B)[i % 2]}/2026/TW{i % 4 + 1}/RHK-0{i % 5 + 1}/{prefix}-{i // 500:03d}/d-{i:06d}.pdf"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(small_pdf(i))
    return drop


def header() -> None:
    head = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h"], capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--short", "archiver"], capture_output=True,
                           text=True).stdout.splitlines()
    print(f"tree {head.strip()} + {len(dirty)} changed file(s) under archiver/; {CORES} cores; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at start")
    # An installed package has its bytecode (pip compiles it; scripts/install.sh --dev too); a source
    # tree edited since, under PYTHONDONTWRITEBYTECODE, would recompile its modules in every command.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "archiver")], check=True,
                   stdout=subprocess.DEVNULL)


# ----------------------------------------------------------------------------- 1. mixed

def bench_mixed(tmp: Path, n: int, rounds: int = 2) -> None:
    src = tmp / "mixed-src"
    t = time.perf_counter()
    with multiprocessing.Pool(CORES) as pool:
        for rel, data in pool.imap(mixed_doc, range(n), chunksize=25):
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes(data)
    mb = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 1e6
    print(f"\n== 1. ingest of {n} mixed documents ({mb:.1f} MB; made in {time.perf_counter() - t:.0f} s) ==")
    rates: dict[str, float] = {}
    for rnd in range(rounds):  # interleaved rounds, best of each: the disk changes speed during a run
        for mode in ("steps off", "steps on", "CLI"):
            cfg = workspace(tmp / f"mixed-{mode.replace(' ', '-')}")
            shutil.copytree(src, cfg.parent / "drop", dirs_exist_ok=True)
            os.sync()  # the copy's dirty pages are not the ingest's to write
            rss = ""
            with Meter() as m:
                if mode == "CLI":
                    _, usage, _, _ = cli(cfg, "--quiet", "ingest")
                    rss = f"; peak RSS {usage.ru_maxrss / 1024:.0f} MB"
                else:
                    with Archive.open(load_config(cfg)) as archive:
                        got = sum(1 for _ in ingest.scan(archive,
                                                         steps=() if mode == "steps off" else ingest.AFTER_INGEST))
                    stop_workers()
                    assert got == n, f"{got} results for {n} files"
            rates[mode] = max(rates.get(mode, 0.0), n / m.wall)
            pend = "" if mode == "steps off" else f"; left pending {left_pending(cfg)}"
            print(f"  {mode:<10} {n / m.wall:7.1f} files/s  ({m.wall:6.1f} s)  round {rnd + 1}  {m.load()}{rss}")
            print(f"             {counts(cfg)}{pend}")
            shutil.rmtree(cfg.parent)
    print(f"  best of {rounds}: " + ", ".join(f"{mode} {rate:.1f} files/s" for mode, rate in rates.items()))
    print(f"  steps on / steps off = {rates['steps on'] / rates['steps off']:.2f}x   CLI / steps off = "
          f"{rates['CLI'] / rates['steps off']:.2f}x   (targets >= 50 files/s, >= 0.70x)")
    shutil.rmtree(src)


# ----------------------------------------------------------------------------- 2. growth

def bench_growth(tmp: Path, small: int, large: int, batch: int, repeats: int) -> None:
    print(f"\n== 2. a batch of {batch} new small PDFs (steps on) into a growing archive "
          f"(best of {repeats} batches each way) ==")
    cfg = workspace(tmp / "growth")
    drop = cfg.parent / "drop"
    have, k = 0, 0
    best: dict[tuple[int, str], float] = {}

    def new_batch(n: int) -> Path:
        nonlocal k
        folder = drop / f"{NIP_A}/2026/TW1/RHK-01/batch-{k:03d}"
        folder.mkdir(parents=True)
        for i in range(n):
            (folder / f"b-{i:04d}.pdf").write_bytes(small_pdf(10_000_000 + 1000 * k + i))
        k += 1
        os.sync()
        return folder

    for size in (small, large):
        write_pdfs(drop, "base", have, max(have, size))
        os.sync()
        with Meter() as m, Archive.open(load_config(cfg)) as archive:
            added = sum(1 for _ in ingest.scan(archive, steps=()))
        _, _, rwall, _ = cli(cfg, "--quiet", "reindex", "--procs", "2")
        have += added
        print(f"  grown to {have} submissions: {added} with steps=() at {added / m.wall:.0f} files/s, "
              f"then `archiver reindex --procs 2` in {rwall:.0f} s")
        with Archive.open(load_config(cfg)) as archive:
            have += sum(1 for _ in ingest.ingest_paths(archive, [new_batch(max(1, batch // 10))]))  # warm-up
            start = have
            runs: dict[str, list[tuple[float, str]]] = {"ingest_paths": [], "scan": []}
            for _ in range(repeats):
                for how, rows in runs.items():
                    folder = new_batch(batch)
                    with Meter() as m:  # a pass ends when its generator is exhausted (the index batch written)
                        if how == "scan":
                            got = sum(1 for _ in ingest.scan(archive))
                        else:
                            got = sum(1 for _ in ingest.ingest_paths(archive, [folder]))
                    assert got == batch, f"{got} results for a batch of {batch}"
                    have += got
                    rows.append((1000 * m.wall / batch, m.load()))
        stop_workers()
        for how, rows in runs.items():
            ms, load = min(rows)
            best[size, how] = ms
            print(f"    {how:<12} into {start}-{have} submissions: {ms:6.1f} ms/file  (runs: "
                  f"{', '.join(f'{r[0]:.1f}' for r in rows)}; best run's {load})")
        print(f"    left pending after the batches: {left_pending(cfg)}")
    for how in ("ingest_paths", "scan"):
        print(f"  {how:<12} ms/file at ~{large} / at ~{small} = {best[large, how] / best[small, how]:.2f}x"
              "   (target ~1)")
    shutil.rmtree(cfg.parent)


# ----------------------------------------------------------------------------- 3. big

def child(mode: str, path: Path, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(out)], check=True)
    return time.perf_counter() - t


def bench_big(tmp: Path, size_mb: int, rounds: int) -> None:
    share = tmp / "big-share"
    src = share / f"{NIP_A}/2026/TW1/RHK-01/video-kegiatan.mp4"
    src.parent.mkdir(parents=True)
    block = os.urandom(1 << 20)
    with open(src, "wb") as f:  # an MP4 by its content (ftyp box), distinct 1 MiB blocks after it
        f.write(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41")
        for i in range(size_mb):
            f.write(block[i % 256:] + block[: i % 256])
    os.sync()
    child("read", src, tmp)  # warm: every measurement below reads the file from the page cache
    cached = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(src)],
                            capture_output=True, text=True).stdout.strip() if shutil.which("fincore") else ""
    runs: dict[str, list[float]] = {"hash": [], "copy": [], "copy16": [], "ingest": []}
    rss: list[float] = []
    fixed: list[float] = []
    for r in range(rounds):
        os.sync()
        runs["hash"].append(child("hash", src, tmp))
        for mode in ("copy", "copy16"):
            runs[mode].append(child(mode, src, tmp / "copy.bin"))
            (tmp / "copy.bin").unlink()
            os.sync()
        cfg = workspace(tmp / f"big-{r}", share=share, max_mb=2 * size_mb + 1)
        os.sync()
        code, usage, wall, _ = cli(cfg, "--quiet", "ingest")
        runs["ingest"].append(wall)
        rss.append(usage.ru_maxrss / 1024)
        fixed.append(cli(cfg, "--quiet", "ingest")[2])  # the same command with nothing new: its fixed cost
        status = counts(cfg)
        shutil.rmtree(cfg.parent)
        if code or "1 archived" not in status:
            raise SystemExit(f"the big file was not archived: {status}")
    best = {k: min(v) for k, v in runs.items()}
    rate = {k: size_mb / v for k, v in best.items()}
    base = min(rate["hash"], rate["copy"])
    print(f"\n== 3. `archiver ingest` of one {size_mb} MB file (best of {rounds} interleaved rounds; in the "
          f"page cache for every measurement{f': fincore {int(cached) >> 20} MB resident' if cached else ''}) ==")
    for k in runs:
        spread = ", ".join(f"{size_mb / s:.0f}" for s in runs[k])
        print(f"  {k:<7} {rate[k]:7.0f} MB/s   (runs: {spread})")
    net = size_mb / max(1e-9, best["ingest"] - min(fixed))
    print(f"  ingest / copy16 (the copy flushed every 16 MiB, as the store flushes) = "
          f"{rate['ingest'] / rate['copy16']:.2f}x")
    print(f"  ingest / min(hash, copy) = {rate['ingest'] / base:.2f}x   (target >= 0.80x); without the fixed "
          f"cost of the command ({min(fixed):.2f} s: start, imports, a pass with nothing new) {net / base:.2f}x")
    print(f"  peak RSS of `archiver ingest` (with its children) = {max(rss):.0f} MB   (target < 150 MB)")
    shutil.rmtree(share)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000, help="mixed documents in part 1")
    ap.add_argument("--small", type=int, default=1000, help="submissions in the small archive of part 2")
    ap.add_argument("--large", type=int, default=20000, help="submissions in the large archive of part 2")
    ap.add_argument("--batch", type=int, default=100, help="files in each timed batch of part 2")
    ap.add_argument("--repeats", type=int, default=3, help="timed batches of each kind and size in part 2")
    ap.add_argument("--big-mb", type=int, default=1024, help="size of the large file of part 3")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds in part 3")
    ap.add_argument("--mixed-rounds", type=int, default=2, help="interleaved rounds of part 1 (best of each mode)")
    ap.add_argument("--skip-mixed", action="store_true")
    ap.add_argument("--skip-growth", action="store_true")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--quick", action="store_true", help="a smoke run: small sizes, one round")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # figures before any log line
    if args.quick:
        args.files, args.small, args.large, args.batch = 100, 100, 400, 20
        args.big_mb, args.rounds, args.repeats, args.mixed_rounds = 64, 1, 2, 1
    header()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-", dir=os.environ.get("BENCH_TMP")) as d:
        tmp = Path(d)
        if not args.skip_mixed:
            bench_mixed(tmp, args.files, args.mixed_rounds)
        if not args.skip_growth:
            bench_growth(tmp, args.small, args.large, args.batch, args.repeats)
        if not args.skip_big:
            bench_big(tmp, args.big_mb, args.rounds)
    print(f"\nload average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
