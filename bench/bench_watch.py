"""Benchmark of the live watcher: drop-to-archived latency, burst throughput, CPU use.

Prints figures, never asserts. Runs the real Watcher (real observers, real SQLite) in a
thread of this process against a fresh temporary workspace, once with native events
and once with polling.

    latency     files dropped one by one; latency = catalog received_at - moment the
                writer closed the file; p50 / p95 per mode
    burst       N files dropped at once; files/s from first drop to last commit
    cpu         process CPU time / wall time, while the burst runs and while idle
                over the burst's files (what polling costs at rest)

Targets (issue 3): p95 <= settle + 1 s (native), <= poll interval + settle + 1 s (polling).
After-archive hooks (text extraction, indexing) are off unless --hooks: they have their own bench.

    python bench/bench_watch.py [--settle 1.0] [--poll 1.0] [--drops 30] [--burst 1000] [--hooks]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.archive import Archive
from archiver.config import load_config, write_workspace
from archiver.ingest import AFTER_INGEST
from archiver.watcher import Watcher

NIP = "198503152010011002"


def workspace(base: Path, *, polling: bool, settle: float, poll: float) -> Path:
    cfg = write_workspace(base)
    text = cfg.read_text()
    for key, value in (("polling", "true" if polling else "false"), ("settle_seconds", repr(settle)),
                       ("poll_interval_seconds", repr(poll)), ("reconcile_interval_seconds", "300.0")):
        text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
    cfg.write_text(text)
    return cfg


def received(cfg: Path) -> dict[str, float]:
    conn = sqlite3.connect(cfg.parent / "archive" / "catalog.sqlite", timeout=30)
    try:
        rows = conn.execute("select relpath, received_at from submissions").fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()
    return {r: dt.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC).timestamp() for r, t in rows}


def wait_all(cfg: Path, names: list[str], timeout: float) -> dict[str, float]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = received(cfg)
        if all(n in got for n in names):
            return got
        time.sleep(0.1)
    raise SystemExit(f"timed out: {sum(n in received(cfg) for n in names)} of {len(names)} archived")


def put(drop: Path, rel: str, data: bytes) -> float:
    p = drop / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return time.time()


def run_mode(base: Path, args: argparse.Namespace, polling: bool) -> dict[str, float]:
    cfg = workspace(base, polling=polling, settle=args.settle, poll=args.poll)
    drop = cfg.parent / "drop"
    archive = Archive.open(load_config(cfg))
    stop = threading.Event()
    watcher = Watcher(archive, check_writers=True, steps=AFTER_INGEST if args.hooks else ())
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(0.5)
    out: dict[str, float] = {}
    try:
        dropped = {}
        for i in range(args.drops):
            rel = f"{NIP}/2026/TW1/RHK-01/lat-{i:03d}.txt"
            dropped[rel] = put(drop, rel, f"latency probe {i} ".encode() * 200)
            time.sleep(args.gap)
        got = wait_all(cfg, list(dropped), timeout=60 + args.settle + args.poll)
        lat = sorted(got[r] - t for r, t in dropped.items())
        out["p50"] = statistics.median(lat)
        out["p95"] = lat[max(0, round(0.95 * len(lat)) - 1)]

        cpu0, wall0 = time.process_time(), time.monotonic()
        t_first = time.time()
        names = []
        for i in range(args.burst):
            rel = f"{NIP}/2026/TW{i % 4 + 1}/RHK-0{i % 3 + 1}/burst-{i:05d}.txt"
            put(drop, rel, f"burst file {i} ".encode() * 50)
            names.append(rel)
        got = wait_all(cfg, names, timeout=600)
        out["burst_files_per_s"] = args.burst / (max(got[n] for n in names) - t_first)
        out["burst_cpu"] = (time.process_time() - cpu0) / (time.monotonic() - wall0)

        cpu0, wall0 = time.process_time(), time.monotonic()
        time.sleep(args.idle)
        out["idle_cpu"] = (time.process_time() - cpu0) / (time.monotonic() - wall0)
        out["files"] = len(received(cfg))
    finally:
        stop.set()
        thread.join(30)
        archive.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--settle", type=float, default=1.0, help="settle_seconds (default 1.0)")
    ap.add_argument("--poll", type=float, default=1.0, help="poll_interval_seconds for polling mode (default 1.0)")
    ap.add_argument("--drops", type=int, default=30, help="files dropped one by one for latency")
    ap.add_argument("--gap", type=float, default=0.2, help="seconds between latency drops")
    ap.add_argument("--burst", type=int, default=1000, help="files in the burst")
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement")
    ap.add_argument("--hooks", action="store_true", help="run after-archive hooks (extraction, indexing) too")
    args = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="watchdog")
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    print(f"settle {args.settle:g} s, poll {args.poll:g} s, {args.drops} latency drops, burst {args.burst} files, "
          f"hooks {'on' if args.hooks else 'off'}")
    for polling in (False, True):
        mode = "polling" if polling else "native"
        target = args.settle + 1 + (args.poll if polling else 0)
        with tempfile.TemporaryDirectory(prefix=f"bench-watch-{mode}-") as tmp:
            r = run_mode(Path(tmp) / "ws", args, polling)
        ok = "ok" if r["p95"] <= target else "MISSED"
        print(f"{mode:8} latency p50 {r['p50']:.2f} s  p95 {r['p95']:.2f} s  (target <= {target:.1f} s: {ok})  "
              f"burst {r['burst_files_per_s']:.0f} files/s  cpu: burst {100 * r['burst_cpu']:.0f}% of a core, "
              f"idle over {r['files']:.0f} files {100 * r['idle_cpu']:.1f}%")


if __name__ == "__main__":
    main()
