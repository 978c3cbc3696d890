"""Anchored custody chain: RFC 3161 tokens from a real TSA on loopback (`openssl ts -reply` behind a
small HTTP responder, with a CA and a TSA certificate made here) and the anchor log outside the
catalog. Cutting or recomputing the chain before the last anchor is detected by `verify` and,
for an audit package, by `verify-bag`."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import NIP_A, CatalogRows, Workspace, make_docx, make_pdf, require_program

from archiver.catalog.custody import event_hash
from archiver.upkeep import Upkeep

RHK1 = f"{NIP_A}/2026/TW1/RHK-01"

TSA_CONF = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _ssl(openssl: str, *args: str, cwd: Path) -> None:
    subprocess.run([openssl, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_ca(openssl: str, d: Path, name: str) -> None:
    _ssl(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
         "-subj", f"/CN={name}", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)


@dataclass
class Tsa:
    url: str
    ca: Path
    requests: list[bytes]


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[Tsa]:
    openssl = require_program("openssl")
    d = tmp_path / "tsa"
    d.mkdir()
    _make_ca(openssl, d, "Root CA Uji")
    _ssl(openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
         "-subj", "/CN=TSA Uji", cwd=d)
    (d / "ext.cnf").write_text("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                               "extendedKeyUsage=critical,timeStamping\n")
    _ssl(openssl, "x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "tsa.crt", "-days", "30", "-extfile", "ext.cnf", cwd=d)
    (d / "tsaserial").write_text("01\n")
    (d / "tsa.cnf").write_text(TSA_CONF.format(dir=d))
    seen: list[bytes] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(body)
            with lock, tempfile.TemporaryDirectory() as t:
                (Path(t) / "q.tsq").write_bytes(body)
                subprocess.run([openssl, "ts", "-reply", "-config", str(d / "tsa.cnf"), "-queryfile", "q.tsq",
                                "-out", "r.tsr"], cwd=t, check=True, capture_output=True, timeout=60)
                reply = (Path(t) / "r.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Tsa(f"http://127.0.0.1:{server.server_address[1]}/tsa", d / "ca.crt", seen)
    finally:
        server.shutdown()
        server.server_close()


def _configure(ws: Workspace, url: str, ca: Path) -> None:
    text = ws.config_path.read_text(encoding="utf-8")
    text = text.replace('tsa_url = ""', f'tsa_url = "{url}"', 1).replace('tsa_ca_file = ""', f'tsa_ca_file = "{ca}"', 1)
    ws.config_path.write_text(text, encoding="utf-8")
    assert ws.config.anchor.tsa_url == url


def _db(ws: Workspace) -> AbstractContextManager[CatalogRows]:
    return ws.db()


def _ingest(ws: Workspace) -> list[dict]:
    ws.put(f"{RHK1}/a.pdf", make_pdf("satu"))
    ws.put(f"{RHK1}/b.pdf", make_pdf("dua"))
    ws.put(f"{RHK1}/c.docx", make_docx("tiga"))
    return ws.cli_json("ingest")


def _verify(ws: Workspace) -> tuple[int, dict]:
    res = ws.cli("verify", "--json")
    return res.exit_code, json.loads(res.stdout)


def _anchor(ws: Workspace) -> dict:
    res = ws.cli("anchor", "--json")
    out: dict = json.loads(res.stdout)
    out["exit_code"] = res.exit_code
    return out


def _messages(rep: dict, kind: str) -> list[str]:
    return [p["message"] for p in rep["problems"] if p["kind"] == kind]


# --------------------------------------------------------------------------- without a TSA: the anchor log

def test_without_a_tsa_the_head_goes_to_the_anchor_log_and_cutting_the_chain_is_caught(ws: Workspace) -> None:
    _ingest(ws)
    a = _anchor(ws)
    assert a["anchored"] and a["exit_code"] == 0 and a["gen_time"] is None and a["tsa_url"] is None
    log = ws.root / "anchors" / "anchors.log"
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(lines) == 1 and (lines[0]["seq"], lines[0]["hash"]) == (a["seq"], a["hash"])
    assert _verify(ws)[0] == 0
    # What the issue did: delete the last events and point custody_head at the new end.
    with _db(ws) as db:
        db.execute("delete from events where seq > ?", (a["seq"] - 2,))
        seq, h = db.execute("select seq, hash from events order by seq desc limit 1").fetchone()
        db.execute("update custody_head set seq = ?, hash = ?", (seq, h))
    code, rep = _verify(ws)
    assert code == 1
    assert not _messages(rep, "chain")  # the chain alone looks whole
    assert any("dipotong" in m for m in _messages(rep, "anchor"))


def test_recomputing_the_whole_chain_after_an_edit_is_caught(ws: Workspace) -> None:
    _ingest(ws)
    a = _anchor(ws)
    with _db(ws) as db:
        db.execute("update events set detail = replace(detail, 'a.pdf', 'x.pdf') where seq = 2")
        prev = "0" * 64
        for row in db.execute("select seq, at, kind, actor, submission_id, sha256, detail from events "
                              "order by seq").fetchall():
            h = event_hash(*row, prev)
            db.execute("update events set prev_hash = ?, hash = ? where seq = ?", (prev, h, row[0]))
            prev = h
        db.execute("update custody_head set hash = ?", (prev,))
    code, rep = _verify(ws)
    assert code == 1 and not _messages(rep, "chain")
    assert any(f"peristiwa {a['seq']}" in m and "ditulis ulang" in m for m in _messages(rep, "anchor"))
    # Deleting the anchor rows as well does not hide it: the anchor log outside the catalog still has it.
    with _db(ws) as db:
        db.execute("delete from custody_anchors")
    code, rep = _verify(ws)
    assert code == 1
    msgs = _messages(rep, "anchor")
    assert any("dihapus dari katalog" in m for m in msgs) and any("ditulis ulang" in m for m in msgs)


def test_an_edited_anchor_log_is_caught(ws: Workspace) -> None:
    _ingest(ws)
    _anchor(ws)
    ws.put(f"{RHK1}/d.pdf", make_pdf("empat"))
    ws.cli("ingest")
    _anchor(ws)
    log = ws.root / "anchors" / "anchors.log"
    lines = log.read_text().splitlines()
    first = json.loads(lines[0])
    first["seq"] = 1
    log.write_text(json.dumps(first, sort_keys=True) + "\n" + lines[1] + "\n")
    code, rep = _verify(ws)
    assert code == 1 and _messages(rep, "anchor_log")


# --------------------------------------------------------------------------- with a TSA on loopback

def test_tsa_token_is_kept_checked_and_a_forged_statement_is_caught(ws: Workspace, tsa: Tsa) -> None:
    _configure(ws, tsa.url, tsa.ca)
    _ingest(ws)
    a = _anchor(ws)
    assert a["exit_code"] == 0 and a["gen_time"] and a["tsa_url"] == tsa.url and len(tsa.requests) == 1
    with _db(ws) as db:
        statement, token = db.execute("select statement, token from custody_anchors").fetchone()
    assert json.loads(statement)["seq"] == a["seq"] and len(token) > 500
    assert _verify(ws)[0] == 0
    # A rewrite that also rewrites the anchor row's statement cannot re-sign the token.
    with _db(ws) as db:
        db.execute("update custody_anchors set statement = replace(statement, ?, ?)",
                   (f'"seq":{a["seq"]}', f'"seq":{a["seq"] - 1}'))
    code, rep = _verify(ws)
    assert code == 1 and any("token tidak mencap" in m for m in _messages(rep, "anchor"))


def test_a_tsa_that_is_down_leaves_the_head_in_the_log_and_exits_1(ws: Workspace, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    _configure(ws, f"http://127.0.0.1:{port}/tsa", ca)
    _ingest(ws)
    res = ws.cli("anchor")
    assert res.exit_code == 1 and "tidak dapat dihubungi" in res.output
    assert len((ws.root / "anchors" / "anchors.log").read_text().splitlines()) == 1


def test_export_carries_the_tokens_and_verify_bag_checks_them(ws: Workspace, tsa: Tsa, tmp_path: Path) -> None:
    _configure(ws, tsa.url, tsa.ca)
    _ingest(ws)
    _anchor(ws)
    bag = tmp_path / "audit.zip"
    res = ws.cli("export", "--nip", NIP_A, "--tahun", "2026", "-o", str(bag), "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["anchor"]["gen_time"] and report["anchor"]["reason"] == "export"
    with zipfile.ZipFile(bag) as zf:
        root = zf.namelist()[0].split("/", 1)[0]
        anchors = [json.loads(x) for x in zf.read(f"{root}/anchors.jsonl").decode().splitlines()]
        assert zf.read(f"{root}/tsa-ca.pem") == tsa.ca.read_bytes()
    assert [x["reason"] for x in anchors] == ["manual", "export"] and all(x["token"] for x in anchors)
    ok = json.loads(ws.cli("verify-bag", str(bag), "--json").stdout)
    assert ok["ok"] and ok["anchor"]["timestamped"] and ok["anchor"]["anchors"] == 2, ok["problems"]
    ok = json.loads(ws.cli("verify-bag", str(bag), "--json", "--tsa-ca", str(tsa.ca)).stdout)
    assert ok["ok"]
    # Checked against another root, the tokens are not trusted.
    other = tmp_path / "other"
    other.mkdir()
    _make_ca(shutil.which("openssl") or "openssl", other, "Root CA Lain")
    res = ws.cli("verify-bag", str(bag), "--json", "--tsa-ca", str(other / "ca.crt"))
    assert res.exit_code == 1 and any("tanda tangan TSA tidak sah" in p["message"]
                                      for p in json.loads(res.stdout)["problems"])
    # A forger drops an event from custody.jsonl and recomputes the tag manifests: the export anchor says no.
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(bag) as zf:
        zf.extractall(folder)
    b = folder / root
    lines = (b / "custody.jsonl").read_text().splitlines()
    (b / "custody.jsonl").write_text("\n".join(lines[1:]) + "\n")
    for alg in ("sha256", "sha512"):
        names = sorted(p.name for p in b.iterdir() if p.is_file() and not p.name.startswith("tagmanifest-"))
        (b / f"tagmanifest-{alg}.txt").write_text(
            "".join(f"{hashlib.new(alg, (b / n).read_bytes()).hexdigest()}  {n}\n" for n in names))
    res = ws.cli("verify-bag", str(b), "--json")
    rep = json.loads(res.stdout)
    assert res.exit_code == 1 and any("custody.jsonl diubah" in p["message"] for p in rep["problems"])
    assert not any(p["kind"] == "checksum" for p in rep["problems"])  # the manifests themselves agree


def test_a_bag_from_a_cut_chain_names_the_cut(ws: Workspace, tsa: Tsa, tmp_path: Path) -> None:
    _configure(ws, tsa.url, tsa.ca)
    _ingest(ws)
    a = _anchor(ws)
    with _db(ws) as db:  # cut the chain back before the anchor (and keep it well-formed)
        db.execute("delete from events where seq > ?", (a["seq"] - 3,))
        seq, h = db.execute("select seq, hash from events order by seq desc limit 1").fetchone()
        db.execute("update custody_head set seq = ?, hash = ?", (seq, h))
    bag = tmp_path / "audit.zip"
    assert ws.cli("export", "--nip", NIP_A, "--tahun", "2026", "-o", str(bag)).exit_code == 0
    res = ws.cli("verify-bag", str(bag), "--json")
    rep = json.loads(res.stdout)
    assert res.exit_code == 1 and any("dipotong sebelum ekspor" in p["message"] for p in rep["problems"])


def test_the_watcher_anchors_on_its_schedule_only_when_the_chain_moved(ws: Workspace) -> None:
    _ingest(ws)
    t = [0.0]
    log = ws.root / "anchors" / "anchors.log"
    with ws.open() as archive:
        upkeep = Upkeep(archive, clock=lambda: t[0])
        upkeep.tick()  # anchors, then checks today's fixity share (a verified event: the chain moves)
        first = upkeep.last_anchor
        assert first is not None and first["reason"] == "schedule"
        t[0] += 30 * 60  # before [anchor] interval_minutes (60): nothing
        upkeep.tick()
        assert len(log.read_text().splitlines()) == 1
        t[0] += 31 * 60
        upkeep.tick()  # the chain moved since: anchored again
        t[0] += 61 * 60
        upkeep.tick()  # the chain has not moved: no new anchor
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(lines) == 2 and lines[0]["seq"] == first["seq"] and lines[1]["seq"] > first["seq"]
    assert all(x["token_sha256"] is None for x in lines)  # no TSA configured
