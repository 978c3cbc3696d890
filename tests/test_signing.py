"""Signing generated documents: PKCS#12 signers in sequence (incremental updates), visible
and invisible, an RFC 3161 timestamp from a TSA on loopback, a stand-in remote signing
service (BSrE-style API) on loopback, and `archiver generate --pdf --sign` end to end.

PKCS#11 tokens (a real SoftHSM2 token) are tested in tests/test_signing_pkcs11.py."""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Workspace, make_pdf, require_program
from signing_pki import Ca, Identity, sign_bytes

from archiver.config import Config, load_config
from archiver.errors import ConfigError
from archiver.signing.check import check_file
from archiver.signing.remote import RemoteSigningError
from archiver.signing.sign import SigningFailed, sign_pdf

PASS = "rahasia-tte"


@pytest.fixture(scope="module")
def ca() -> Ca:
    return Ca()


def _config(tmp_path: Path, ca: Ca, signers: dict[str, Any], **sign: Any) -> Config:
    return Config.model_validate({"shares": {"d": {"path": str(tmp_path)}},
                                  "sign": {"trust_roots": [str(ca.pem(tmp_path / "root.pem"))], **sign},
                                  "signers": signers})


def _p12(tmp_path: Path, who: Identity, name: str, label: str) -> dict[str, Any]:
    return {"pkcs12": str(who.pkcs12(tmp_path / f"{name}.p12", PASS)), "passphrase_env": "ARCHIVER_TEST_TTE",
            "label": label}


@pytest.fixture
def three(tmp_path: Path, ca: Ca, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("ARCHIVER_TEST_TTE", PASS)
    return {"pegawai": _p12(tmp_path, ca.issue("Ani Pegawai"), "pegawai", "Pegawai yang dinilai"),
            "pejabat": _p12(tmp_path, ca.issue("Budi Pejabat"), "pejabat", "Pejabat Penilai Kinerja"),
            "atasan": _p12(tmp_path, ca.issue("Citra Atasan"), "atasan", "Atasan Pejabat Penilai")}


def _check(tmp_path: Path, data: bytes, cfg: Config) -> Any:
    p = tmp_path / f"{hashlib.sha256(data).hexdigest()[:8]}.pdf"
    p.write_bytes(data)
    return check_file(p, roots=cfg.sign.trust_roots)


def test_three_signers_in_sequence_each_an_incremental_update(tmp_path: Path, ca: Ca, three: dict[str, Any]) -> None:
    cfg = _config(tmp_path, ca, three)
    plain = make_pdf("Evaluasi kinerja")
    one = sign_pdf(cfg, plain, ["pegawai"])
    signed = sign_pdf(cfg, one, ["pejabat", "atasan"])
    assert one.startswith(plain) and signed.startswith(one)  # earlier revisions are kept byte for byte
    check = _check(tmp_path, signed, cfg)
    assert check.state == "valid", check
    assert [s["signer"] for s in check.signatures] == ["Ani Pegawai", "Budi Pejabat", "Citra Atasan"]
    assert [s["field"] for s in check.signatures] == ["TTE_pegawai", "TTE_pejabat", "TTE_atasan"]
    assert b"Pejabat Penilai Kinerja" in signed  # the visible box names the role
    from pyhanko.pdf_utils.reader import PdfFileReader

    rects = [[float(x) for x in s.sig_field["/Rect"]] for s in PdfFileReader(io.BytesIO(signed)).embedded_signatures]
    assert all(r[2] - r[0] > 100 for r in rects) and len({(r[0], r[1]) for r in rects}) == 3  # no box on another


def test_invisible_signature_has_no_box(tmp_path: Path, ca: Ca, three: dict[str, Any]) -> None:
    cfg = _config(tmp_path, ca, three, visible=False)
    signed = sign_pdf(cfg, make_pdf("Tanpa kotak"), ["pegawai"])
    from pyhanko.pdf_utils.reader import PdfFileReader

    [sig] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert [float(x) for x in sig.sig_field["/Rect"]] == [0, 0, 0, 0]
    assert _check(tmp_path, signed, cfg).state == "valid"


def test_passphrase_problems_are_clear(tmp_path: Path, ca: Ca, three: dict[str, Any],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _config(tmp_path, ca, three)
    with pytest.raises(ConfigError, match="penanda tangan tidak dikenal"):
        sign_pdf(cfg, make_pdf(), ["kepala"])
    monkeypatch.setenv("ARCHIVER_TEST_TTE", "salah")
    with pytest.raises(SigningFailed, match="tidak dapat dibuka"):
        sign_pdf(cfg, make_pdf(), ["pegawai"])
    monkeypatch.delenv("ARCHIVER_TEST_TTE")
    with pytest.raises(ConfigError, match="ARCHIVER_TEST_TTE tidak diisi"):
        sign_pdf(cfg, make_pdf(), ["pegawai"])
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n")
    cfg = _config(tmp_path, ca, {"pegawai": {**three["pegawai"], "passphrase_env": "", "passphrase_file": str(secret)}})
    assert _check(tmp_path, sign_pdf(cfg, make_pdf(), ["pegawai"]), cfg).state == "valid"


def test_a_signer_needs_exactly_one_key_source(tmp_path: Path) -> None:
    (tmp_path / "drop").mkdir()
    cfg = tmp_path / "watch_config.toml"
    cfg.write_text('[shares.drop]\npath = "drop"\n[signers.pegawai]\npkcs12 = "a.p12"\nremote_url = "http://x"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    assert "tepat satu dari pkcs12" in str(exc.value.details)


# --------------------------------------------------------------------------- servers on loopback

@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(handler: type[http.server.BaseHTTPRequestHandler]) -> str:
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def _tsa_handler(tsa: Identity) -> type[http.server.BaseHTTPRequestHandler]:
    """An RFC 3161 time-stamping authority (pyHanko's reference responder behind HTTP)."""
    from asn1crypto import keys as akeys  # type: ignore[import-untyped]
    from asn1crypto import tsp
    from asn1crypto import x509 as ax
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.timestamps import DummyTimeStamper

    der = serialization.Encoding.DER
    stamper = DummyTimeStamper(
        tsa_cert=ax.Certificate.load(tsa.cert.public_bytes(der)),
        tsa_key=akeys.PrivateKeyInfo.load(tsa.key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                                                 serialization.NoEncryption())))

    class Handler(http.server.BaseHTTPRequestHandler):
        requests = 0

        def do_POST(self) -> None:
            assert self.headers["Content-Type"] == "application/timestamp-query"
            req = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(req).dump()
            type(self).requests += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def test_rfc3161_timestamp_from_a_tsa_on_loopback(tmp_path: Path, ca: Ca, three: dict[str, Any], serve: Any) -> None:
    handler = _tsa_handler(ca.issue("Test TSA", tsa=True))
    cfg = _config(tmp_path, ca, three, tsa_url=serve(handler) + "/tsa")
    signed = sign_pdf(cfg, make_pdf("Bertanda waktu"), ["pegawai", "pejabat"])
    check = _check(tmp_path, signed, cfg)
    assert check.state == "valid" and handler.requests >= 2  # type: ignore[attr-defined]
    assert all(s["timestamp_time"] for s in check.signatures), check.signatures


def _bsre_handler(signer: Identity, nik: str, passphrase: str, tamper: bool = False
                  ) -> type[http.server.BaseHTTPRequestHandler]:
    """A stand-in for BSrE's POST /api/sign/pdf: multipart (file, nik, passphrase, tampilan) -> signed PDF."""

    class Handler(http.server.BaseHTTPRequestHandler):
        seen: list[dict[str, str]] = []

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + raw)
            parts = {p.get_param("name", header="content-disposition"): p.get_payload(decode=True)
                     for p in msg.iter_parts()}
            fields = {k: v.decode() for k, v in parts.items() if k != "file"}
            type(self).seen.append(fields)
            if self.path != "/api/sign/pdf" or fields.get("nik") != nik or fields.get("passphrase") != passphrase:
                body, status, ctype = json.dumps({"error": "Passphrase salah"}).encode(), 401, "application/json"
            else:
                pdf = parts["file"]
                body = sign_bytes(make_pdf("diganti") if tamper else pdf, signer, field="TTE_BSrE")
                status, ctype = 200, "application/pdf"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _remote(url: str) -> dict[str, Any]:
    return {"remote_url": url + "/api/sign/pdf", "remote_user": "3201010101010001",
            "passphrase_env": "ARCHIVER_TEST_TTE", "label": "Atasan Pejabat Penilai"}


def test_remote_signing_service_adapter(tmp_path: Path, ca: Ca, three: dict[str, Any], serve: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    handler = _bsre_handler(ca.issue("Kepala Dinas (BSrE)"), "3201010101010001", PASS)
    cfg = _config(tmp_path, ca, {**three, "bsre": _remote(serve(handler))})
    signed = sign_pdf(cfg, make_pdf("Rekap"), ["pegawai", "bsre"])
    check = _check(tmp_path, signed, cfg)
    assert check.state == "valid" and [s["signer"] for s in check.signatures] == ["Ani Pegawai", "Kepala Dinas (BSrE)"]
    assert handler.seen[-1]["tampilan"] == "visible" and handler.seen[-1]["nik"] == "3201010101010001"  # type: ignore[attr-defined]
    monkeypatch.setenv("ARCHIVER_TEST_TTE", "salah")
    with pytest.raises(RemoteSigningError, match="HTTP 401.*Passphrase salah"):
        sign_pdf(cfg, make_pdf("Rekap"), ["bsre"])
    monkeypatch.setenv("ARCHIVER_TEST_TTE", PASS)
    liar = _bsre_handler(ca.issue("Pemalsu"), "3201010101010001", PASS, tamper=True)
    cfg = _config(tmp_path, ca, {"bsre": _remote(serve(liar))})
    with pytest.raises(SigningFailed, match="mengubah isi dokumen"):
        sign_pdf(cfg, make_pdf("Rekap"), ["bsre"])


# --------------------------------------------------------------------------- generate --sign

def test_generate_signs_archives_and_records(ws: Workspace, tmp_path: Path, ca: Ca, three: dict[str, Any],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    require_program("soffice")
    from skp_sample import STAFF as NIP_PEGAWAI
    from test_documents_data import import_skps

    import_skps(ws)
    text = ws.config_path.read_text(encoding="utf-8")
    for name, s in three.items():
        text += f"\n[signers.{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in s.items())
    ws.config_path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    res = ws.cli("generate", "skp", "--nip", NIP_PEGAWAI, "--tahun", "2026", "--pdf", "--sign", "pegawai",
                 "--sign", "pejabat", "-o", str(out), "--json")
    assert res.exit_code == 0, res.output
    [g] = [json.loads(line) for line in res.stdout.splitlines()]
    signed = Path(g["signed_pdf"])
    assert signed.name.endswith("_ttd.pdf") and hashlib.sha256(signed.read_bytes()).hexdigest() == g["signed_sha256"]
    assert signed.read_bytes().startswith(Path(g["pdf"]).read_bytes())
    proof = ws.cli_json("generated", str(signed))
    assert proof[0]["generated"] and proof[0]["records"][0]["source_sha256"] == g["pdf_sha256"]
    assert ws.cli("verify").exit_code == 0
    bad = ws.cli("generate", "skp", "--nip", NIP_PEGAWAI, "--tahun", "2026", "--sign", "pegawai", "-o", str(out))
    assert bad.exit_code == 2 and "--pdf" in bad.output
