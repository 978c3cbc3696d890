"""Work spread over nodes (issue 16, item 5): does adding a node add throughput?

One PostgreSQL catalog (a throwaway cluster, ``tests/pgcluster.py``), ``[work] mode = "queue"``
and ``[index] backend = "postgres"`` (the shared index every node writes). Each round archives
the same files with `archiver ingest` (which only queues a job per file), then starts K real
`archiver work --once --workers 1` processes at once, as K nodes would, and times until the
queue is drained. Rounds with 1 and 2 nodes are interleaved and the best of each kept; the
ratio is printed against one node in the same run. Not part of the test suite.

    python bench/bench_work_queue.py                 # 600 PDFs of 3 pages, 2 rounds
    python bench/bench_work_queue.py --files 200 --nodes 1,2,4

Each process is timed from its start, imports included (~1 s), as an operator starting a
node would see it; the figure without start-up is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from pgcluster import Cluster, _bin_dir  # noqa: E402

from archiver.archive import Archive  # noqa: E402
from archiver.catalog import jobs  # noqa: E402
from archiver.config import load_config, write_workspace  # noqa: E402
from archiver.samplefiles import text_pdf  # noqa: E402

NIPS = ("198503152010011002", "199001012015032001")


def workspace(root: Path, url: str, files: int) -> Path:
    cfg = write_workspace(root)
    text = cfg.read_text()
    for old, new in (('catalog_url = ""', f'catalog_url = "{url}"'), ('mode = "inline"', 'mode = "queue"'),
                     ('backend = "whoosh"', 'backend = "postgres"'), ("ocr = true", "ocr = false")):
        assert old in text, old
        text = text.replace(old, new, 1)
    cfg.write_text(text)
    for i in range(files):
        p = root / "drop" / NIPS[i % 2] / "2026" / "TW1" / f"RHK-0{i % 3 + 1}" / f"laporan-{i:04d}.pdf"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text_pdf([[f"Laporan kegiatan pelaksanaan nomor {i} halaman {k}",
                                 "Kegiatan rapat koordinasi evaluasi kinerja pegawai"] for k in range(3)]))
    return cfg


def archiver(cfg: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(cfg), "--quiet", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def drain(cfg: Path, nodes: int, files: int) -> tuple[float, float]:
    """(seconds until every node stopped, seconds from the first job done to the last)."""
    t0 = time.perf_counter()
    procs = [archiver(cfg, "work", "--once", "--workers", "1") for _ in range(nodes)]
    for p in procs:
        _, err = p.communicate(timeout=1800)
        if p.returncode != 0:
            raise SystemExit(f"archiver work failed ({p.returncode}): {err.decode()[-2000:]}")
    wall = time.perf_counter() - t0
    with Archive.open(load_config(cfg)) as archive:
        rows = jobs.jobs_of(archive.catalog)
    done = [r for r in rows if r["state"] == "done"]
    if len(done) != files:
        raise SystemExit(f"{len(done)} of {files} jobs done: {sorted({r['state'] for r in rows})}")
    times = sorted(str(r["updated_at"]) for r in done)
    from datetime import datetime
    span = (datetime.fromisoformat(times[-1]) - datetime.fromisoformat(times[0])).total_seconds()
    return wall, span


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=600)
    ap.add_argument("--nodes", default="1,2")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    counts = [int(n) for n in args.nodes.split(",")]
    bindir = _bin_dir()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
    work = Path(tempfile.mkdtemp(prefix="bench-work-"))
    work.chmod(0o755)  # the cluster runs as the postgres user under root
    (work / "pg").mkdir()
    cluster = Cluster(bindir, work / "pg")
    print(f"{args.files} PDFs of 3 pages, queue mode, shared PostgreSQL index; {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")
    best: dict[int, tuple[float, float]] = {}
    try:
        for rnd in range(args.rounds):
            for k in counts:
                name = f"r{rnd}_n{k}"
                cfg = workspace(work / name, cluster.new_database(name), args.files)
                p = archiver(cfg, "ingest")
                _, err = p.communicate(timeout=1800)
                if p.returncode != 0:
                    raise SystemExit(f"archiver ingest failed: {err.decode()[-2000:]}")
                wall, span = drain(cfg, k, args.files)
                print(f"  round {rnd + 1}, {k} node(s): {args.files / wall:6.1f} jobs/s end to end "
                      f"({wall:5.1f} s), {args.files / span:6.1f} jobs/s first to last job")
                if k not in best or wall < best[k][0]:
                    best[k] = (wall, span)
                shutil.rmtree(work / name, ignore_errors=True)
        base_wall, base_span = best[counts[0]]
        print(f"best of {args.rounds} (ratio to {counts[0]} node(s) in this run):")
        for k in counts:
            wall, span = best[k]
            print(f"  {k} node(s): {args.files / wall:6.1f} jobs/s ({base_wall / wall:.2f}x), "
                  f"without start-up {args.files / span:6.1f} jobs/s ({base_span / span:.2f}x)")
        print(f"load after: {os.getloadavg()[0]:.1f}")
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
