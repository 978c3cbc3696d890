"""Web search under load: a real `archiver serve` on 127.0.0.1, logged-in clients over HTTP,
files arriving (and being indexed) during the run. Prints figures, never asserts.

    (a) one client          --single searches, one after another
    (b) --clients clients   --searches searches each, all at once

Each client has its own session (pegawai, auditor and admin accounts in turn); a search is
1-3 words of the generated vocabulary, a third of them with filters (periode, tahun, type,
NIP), alternately the page /cari and /api/search. During both phases a background thread
drops --drop-files new text files into the share every --drop-every seconds and runs
`archiver ingest`, so the index changes under the searches. Printed: throughput (req/s) and
p50/p95 latency for (a) and (b), the ratio (b)/(a) of throughput, the server's CPU use,
the load average, and whether the last dropped file is found through the web.

    python bench/bench_web.py [--docs 3000] [--clients 20] [--single 200] [--searches 40]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_search import Corpus  # noqa: E402

from archiver.config import write_workspace  # noqa: E402
from archiver.nip import parse_nip  # noqa: E402
from archiver.samplefiles import text_pdf  # noqa: E402

PASSWORD = "kata-sandi-bench-panjang"
PERIODES = ["TW1", "TW2", "TW3", "TW4"]
RHKS = ["RHK-01", "RHK-02", "RHK-03"]


def nips(n: int, rng: random.Random) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        nip = (f"19{rng.randint(70, 89)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
               f"20{rng.randint(10, 20)}{rng.randint(1, 12):02d}{rng.randint(1, 2)}{rng.randint(1, 999):03d}")
        parse_nip(nip)
        if nip not in out:
            out.append(nip)
    return out


def archiver(cfg: Path, *args: str, stdin: str | None = None, timeout: float = 900) -> str:
    res = subprocess.run([sys.executable, "-m", "archiver", "--config", str(cfg), "--quiet", *args], input=stdin,
                         capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if res.returncode != 0:
        raise SystemExit(f"archiver {' '.join(args)} failed: {res.stderr.strip()}")
    return res.stdout


def make_workspace(base: Path, n_docs: int, corpus: Corpus, staff: list[str]) -> Path:
    cfg = write_workspace(base)
    drop = base / "drop"
    rng = random.Random(3)
    for i in range(n_docs):
        folder = drop / rng.choice(staff) / "2026" / rng.choice(PERIODES) / rng.choice(RHKS)
        folder.mkdir(parents=True, exist_ok=True)
        if i % 4 == 0:
            (folder / f"laporan_{i}.pdf").write_bytes(text_pdf([corpus.text().split(". ")[:8]]))
        else:
            (folder / f"catatan_{i}.txt").write_text(corpus.text(), encoding="utf-8")
    t = time.perf_counter()
    archiver(cfg, "ingest")
    print(f"workspace: {n_docs} documents ({n_docs // 4} PDF, the rest text) ingested and indexed "
          f"in {time.perf_counter() - t:.1f} s", flush=True)
    return cfg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dropper(threading.Thread):
    """Drops new files into the share and ingests them, until stopped or ``limit`` rounds."""

    def __init__(self, cfg: Path, corpus: Corpus, staff: list[str], every: float, files: int,
                 limit: int = 200) -> None:
        super().__init__(daemon=True)
        self.cfg, self.corpus, self.staff, self.every, self.files, self.limit = cfg, corpus, staff, every, files, limit
        self.stop = threading.Event()
        self.dropped = 0
        self.rounds = 0
        self.last_word = ""

    def run(self) -> None:
        drop = self.cfg.parent / "drop"
        while not self.stop.wait(self.every) and self.rounds < self.limit:
            for _ in range(self.files):
                self.dropped += 1
                word = f"berkasbaru{self.dropped}x"
                folder = drop / self.staff[self.dropped % len(self.staff)] / "2026" / "TW2" / "RHK-01"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"baru_{self.dropped}.txt").write_text(f"{word} {self.corpus.text()}", encoding="utf-8")
            archiver(self.cfg, "ingest")
            self.last_word = word
            self.rounds += 1


class Client:
    def __init__(self, base: str, user: str, nip: str | None, corpus: Corpus, seed: int) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.nip = nip
        self.rng = random.Random(seed)
        self.corpus = corpus
        page = self.http.get("/login").text
        m = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert m, "no CSRF field on the login page"
        r = self.http.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": m.group(1),
                                           "next": "/"})
        if r.status_code not in (200, 303) or "arsip_sesi" not in self.http.cookies:
            raise SystemExit(f"login of {user} failed: {r.status_code}")
        self.n = 0

    def query(self) -> tuple[str, dict[str, str]]:
        r = self.rng
        words = " ".join(r.sample(self.corpus.vocab[5:120], r.choice((1, 2, 2, 3))))
        params = {"q": words}
        if r.random() < 1 / 3:
            key = r.choice(("periode", "tahun", "type", "nip"))
            if key == "periode":
                params["periode"] = r.choice(PERIODES)
            elif key == "tahun":
                params["tahun"] = "2026"
            elif key == "type":
                params["type"] = r.choice(("pdf", "text"))
            elif self.nip:
                params["nip"] = self.nip
        return words, params

    def search(self) -> float:
        _, params = self.query()
        self.n += 1
        t = time.perf_counter()
        if self.n % 2:
            r = self.http.get("/api/search", params=params)
        else:
            if "type" in params:
                params["jenis"] = params.pop("type")
            r = self.http.get("/cari", params=params)
        dt = time.perf_counter() - t
        if r.status_code != 200:
            raise RuntimeError(f"search {params} answered {r.status_code}: {r.text[:200]}")
        return dt


def cpu_seconds(pid: int) -> float:
    """CPU time of the server and its worker processes (``serve --workers``)."""
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def phase(label: str, clients: list[Client], per_client: int, server_pid: int, deadline: float) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(c: Client) -> None:
        for _ in range(per_client):
            if time.monotonic() > deadline:
                return
            try:
                d = c.search()
            except Exception as exc:  # noqa: BLE001 - counted and shown
                with lock:
                    errors.append(repr(exc))
                continue
            with lock:
                latencies.append(d)

    cpu0, t0 = cpu_seconds(server_pid), time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = cpu_seconds(server_pid) - cpu0
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    out = {"n": len(latencies), "rps": len(latencies) / wall, "p50": q[49] * 1000, "p95": q[94] * 1000,
           "cpu": cpu / wall * 100, "errors": len(errors)}
    print(f"{label:<22} {out['n']:>5} searches in {wall:5.1f} s  {out['rps']:6.1f} req/s  "
          f"p50 {out['p50']:7.1f} ms  p95 {out['p95']:7.1f} ms  server CPU {out['cpu']:4.0f}% of a core"
          f"  errors {len(errors)}", flush=True)
    for e in errors[:3]:
        print(f"    {e}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=3000, help="documents ingested before the run")
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients in phase (b)")
    ap.add_argument("--single", type=int, default=200, help="searches of the single client (a)")
    ap.add_argument("--searches", type=int, default=40, help="searches of each client in (b)")
    ap.add_argument("--drop-every", type=float, default=2.0, help="seconds between drops of new files")
    ap.add_argument("--drop-files", type=int, default=5, help="files per drop")
    ap.add_argument("--max-seconds", type=float, default=300, help="time limit of each phase")
    ap.add_argument("--workers", type=int, default=1, help="server processes (`archiver serve --workers`)")
    args = ap.parse_args()
    corpus = Corpus(seed=11, words=150)
    staff = nips(40, random.Random(5))
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_web_") as tmp:
        cfg = make_workspace(Path(tmp), args.docs, corpus, staff)
        users: list[tuple[str, str | None]] = []
        for i in range(args.clients):
            role = ("pegawai", "auditor", "pegawai", "admin")[i % 4]
            nip = staff[i % len(staff)] if role == "pegawai" else None
            name = f"{role}{i}"
            archiver(cfg, "user", "add", name, "--role", role, *(["--nip", nip] if nip else []), "--password-stdin",
                     stdin=PASSWORD + "\n")
            users.append((name, nip))
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(cfg), "--quiet", "serve",
                                   "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)],
                                  cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        dropper: Dropper | None = None
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None:
                    raise SystemExit(f"the server stopped: {server.stderr.read() if server.stderr else ''}")
                time.sleep(0.1)
            clients = [Client(base, name, nip, corpus, seed=i) for i, (name, nip) in enumerate(users)]
            for c in clients:  # warm-up: every session once, every worker thread's searcher
                c.search()
            dropper = Dropper(cfg, corpus, staff, args.drop_every, args.drop_files)
            dropper.start()
            print(f"server pid {server.pid} on {base}; files arriving: {args.drop_files} every "
                  f"{args.drop_every:g} s, each drop ingested by `archiver ingest`", flush=True)
            a = phase("(a) 1 client", clients[1:2], args.single, server.pid, time.monotonic() + args.max_seconds)
            b = phase(f"(b) {len(clients)} clients", clients, args.searches, server.pid,
                      time.monotonic() + args.max_seconds)
            dropper.stop.set()
            dropper.join(timeout=120)
            print(f"throughput (b)/(a): {b['rps'] / a['rps']:.2f}x; p95 (b) {b['p95']:.0f} ms")
            found = "-"
            if dropper.last_word:
                r = clients[1].http.get("/api/search", params={"q": dropper.last_word})
                found = "yes" if r.status_code == 200 and r.json()["results"] else "NO"
            print(f"files dropped during the run: {dropper.dropped} in {dropper.rounds} ingests; "
                  f"the last one found through the web: {found}")
            print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")
        finally:
            if dropper is not None:
                dropper.stop.set()
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    main()
