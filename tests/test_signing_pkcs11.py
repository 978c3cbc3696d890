"""Signing with a PKCS#11 token, for real: a SoftHSM2 token in a temp folder holding a key and
certificate issued by a test CA, a ``[signers.NAME]`` with ``pkcs11_module``/``pkcs11_token``/
``pkcs11_key_label`` and the PIN from an environment variable, and `archiver generate --pdf
--sign` end to end, the signature validated and its certificate compared with the token's.

Every use of the token runs in a child process with its own ``SOFTHSM2_CONF``: a PKCS#11
library reads its configuration once per process (at C_Initialize), so each test's token
stays its own and the test process never loads the module."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import IN_CI, Workspace, make_pdf, require_program
from cryptography.hazmat.primitives import serialization
from signing_pki import Ca, Identity

from archiver.signing.check import check_file

PIN = "1234"
SO_PIN = "87654321"
TOKEN = "tte-pejabat"
KEY_LABEL = "pejabat"
PASS = "rahasia-tte"
MODULE_PLACES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                 "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so")

# Runs in a child process: put a private key (DER, OpenSSL's EC form) and its certificate (DER;
# "-": none) on the token under one label, as a CA's enrolment tool would.
_IMPORT = """
import sys
import pkcs11
from pkcs11 import Attribute, CertificateType, ObjectClass
from pkcs11.util.ec import decode_ec_private_key
from asn1crypto import x509

module, token_label, pin, label, key_path, cert_path = sys.argv[1:7]
token = pkcs11.lib(module).get_token(token_label=token_label)
with token.open(rw=True, user_pin=pin) as session:
    key = decode_ec_private_key(open(key_path, "rb").read())
    key.update({Attribute.LABEL: label, Attribute.ID: b"\\x01", Attribute.TOKEN: True, Attribute.PRIVATE: True,
                Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.SIGN: True})
    session.create_object(key)
    if cert_path == "-":
        sys.exit(0)
    cert_der = open(cert_path, "rb").read()
    cert = x509.Certificate.load(cert_der)
    session.create_object({Attribute.CLASS: ObjectClass.CERTIFICATE,
                           Attribute.CERTIFICATE_TYPE: CertificateType.X_509, Attribute.TOKEN: True,
                           Attribute.LABEL: label, Attribute.ID: b"\\x01", Attribute.VALUE: cert_der,
                           Attribute.SUBJECT: cert.subject.dump(), Attribute.ISSUER: cert.issuer.dump(),
                           Attribute.SERIAL_NUMBER: cert["tbs_certificate"]["serial_number"].dump()})
"""

# Runs in a child process: sign a PDF with the signers named, through the library's sign_pdf.
_SIGN = """
import sys
from pathlib import Path
from archiver.config import load_config
from archiver.errors import ArchiverError
from archiver.signing.sign import sign_pdf

config_path, pdf_in, pdf_out, *names = sys.argv[1:]
try:
    Path(pdf_out).write_bytes(sign_pdf(load_config(Path(config_path)), Path(pdf_in).read_bytes(), names))
except ArchiverError as exc:
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
"""


def softhsm_module() -> str:
    """The SoftHSM2 PKCS#11 library (apt package softhsm2, installed by scripts/install.sh)."""
    require_program("softhsm2-util")
    for place in MODULE_PLACES:
        if Path(place).is_file():
            return place
    message = f"softhsm2-util is installed but libsofthsm2.so is in none of {MODULE_PLACES}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


class Token:
    """A SoftHSM2 token in its own folder, initialised with a user PIN and holding one identity."""

    def __init__(self, root: Path, who: Identity, *, with_cert: bool = True) -> None:
        self.module = softhsm_module()
        self.who = who
        tokens = root / "tokens"
        tokens.mkdir(parents=True)
        self.conf = root / "softhsm2.conf"
        self.conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
                             encoding="utf-8")
        self.env = {**os.environ, "SOFTHSM2_CONF": str(self.conf)}
        self._run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--so-pin", SO_PIN, "--pin", PIN])
        key = root / "key.der"
        der, openssl = serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL
        key.write_bytes(who.key.private_bytes(der, openssl, serialization.NoEncryption()))
        cert = root / "cert.der"
        cert.write_bytes(who.cert.public_bytes(serialization.Encoding.DER))
        self._run([sys.executable, "-c", _IMPORT, self.module, TOKEN, PIN, KEY_LABEL, str(key),
                   str(cert) if with_cert else "-"])
        key.unlink()  # from now on the key exists only on the token

    def _run(self, args: list[str]) -> None:
        res = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, (args[0], res.stdout, res.stderr)

    def signer_toml(self, name: str, label: str, **over: str) -> str:
        s = {"label": label, "pkcs11_module": self.module, "pkcs11_token": TOKEN, "pkcs11_key_label": KEY_LABEL,
             "passphrase_env": "ARCHIVER_TEST_PIN", **over}
        return f"\n[signers.{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in s.items())


@pytest.fixture(scope="module")
def ca() -> Ca:
    return Ca()


@pytest.fixture
def token(tmp_path: Path, ca: Ca) -> Token:
    return Token(tmp_path / "hsm", ca.issue("Budi Pejabat (token)"))


def _configure(ws: Workspace, tmp_path: Path, ca: Ca, token: Token, **over: str) -> Path:
    """The workspace's config with [sign] trust_roots, a PKCS#12 pegawai and the token's pejabat."""
    base = ws.root / "watch_config.base.toml"  # each call starts again from the workspace's own config
    if not base.exists():
        base.write_text(ws.config_path.read_text(encoding="utf-8"), encoding="utf-8")
    text = base.read_text(encoding="utf-8")
    root = ca.pem(tmp_path / "root.pem")
    p12 = ca.issue("Ani Pegawai").pkcs12(tmp_path / "pegawai.p12", PASS)
    assert text.count("\ntrust_roots = []\n") == 1, "the default config's [sign] table changed"
    text = text.replace("\ntrust_roots = []\n", f"\ntrust_roots = [{json.dumps(str(root))}]\n")
    text += (f"\n[signers.pegawai]\nlabel = \"Pegawai yang dinilai\"\npkcs12 = {json.dumps(str(p12))}\n"
             "passphrase_env = \"ARCHIVER_TEST_TTE\"\n")
    text += token.signer_toml("pejabat", "Pejabat Penilai Kinerja", **over)
    ws.config_path.write_text(text, encoding="utf-8")
    return ws.config_path


def _sign_in_child(ws: Workspace, tmp_path: Path, token: Token, names: list[str], pin: str = PIN
                   ) -> tuple[subprocess.CompletedProcess[str], Path]:
    src, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    src.write_bytes(make_pdf("Evaluasi kinerja"))
    env = {**token.env, "ARCHIVER_TEST_PIN": pin, "ARCHIVER_TEST_TTE": PASS}
    res = subprocess.run([sys.executable, "-c", _SIGN, str(ws.config_path), str(src), str(out), *names],
                         env=env, capture_output=True, text=True, timeout=120)
    return res, out


def _signed_by_token(check: Any, token: Token) -> None:
    """The check's last signature was made by the token's certificate (serial, issuer, subject)."""
    sig = check.signatures[-1]
    assert sig["signer"] == "Budi Pejabat (token)", sig
    assert int(sig["serial"], 16) == token.who.cert.serial_number, (sig["serial"], token.who.cert.serial_number)


def test_pkcs11_token_signs_after_a_pkcs12_signer(ws: Workspace, tmp_path: Path, ca: Ca, token: Token) -> None:
    _configure(ws, tmp_path, ca, token)
    res, out = _sign_in_child(ws, tmp_path, token, ["pegawai", "pejabat"])
    assert res.returncode == 0, res.stdout + res.stderr
    check = check_file(out, roots=ws.config.sign.trust_roots)
    assert check.state == "valid", check
    assert [s["signer"] for s in check.signatures] == ["Ani Pegawai", "Budi Pejabat (token)"]
    assert [s["field"] for s in check.signatures] == ["TTE_pegawai", "TTE_pejabat"]
    _signed_by_token(check, token)
    from pyhanko.pdf_utils.reader import PdfFileReader

    with out.open("rb") as f:
        embedded = PdfFileReader(f).embedded_signatures[-1].signer_cert.dump()
    assert embedded == token.who.cert.public_bytes(serialization.Encoding.DER)  # the token's certificate, byte for byte


def test_pkcs11_problems_are_clear(ws: Workspace, tmp_path: Path, ca: Ca, token: Token) -> None:
    _configure(ws, tmp_path, ca, token)
    res, out = _sign_in_child(ws, tmp_path, token, ["pejabat"], pin="0000")
    assert res.returncode == 1 and "token PKCS#11 'tte-pejabat' tidak dapat dibuka" in res.stdout, res
    assert "Traceback" not in res.stderr and not out.exists()
    _configure(ws, tmp_path, ca, token, pkcs11_token="tidak-ada")
    res, out = _sign_in_child(ws, tmp_path, token, ["pejabat"])
    assert res.returncode == 1 and "'tidak-ada' tidak dapat dibuka" in res.stdout, res
    _configure(ws, tmp_path, ca, token, pkcs11_key_label="lain")
    res, out = _sign_in_child(ws, tmp_path, token, ["pejabat"])
    assert res.returncode == 1 and "kunci 'lain' tidak ada pada token 'tte-pejabat'" in res.stdout, res
    assert "Traceback" not in res.stderr
    keyonly = Token(tmp_path / "hsm-keyonly", token.who, with_cert=False)
    _configure(ws, tmp_path, ca, keyonly)
    res, out = _sign_in_child(ws, tmp_path, keyonly, ["pejabat"])
    assert res.returncode == 1 and "sertifikat 'pejabat' tidak ada pada token" in res.stdout, res
    assert "Traceback" not in res.stderr and not out.exists()


def test_generate_signs_with_a_pkcs11_token_end_to_end(ws: Workspace, tmp_path: Path, ca: Ca, token: Token) -> None:
    require_program("soffice")
    from skp_sample import STAFF as NIP_PEGAWAI
    from test_documents_data import import_skps

    import_skps(ws)
    _configure(ws, tmp_path, ca, token)
    out = tmp_path / "out"
    env = {**token.env, "ARCHIVER_TEST_PIN": PIN, "ARCHIVER_TEST_TTE": PASS}
    res = ws.run("generate", "skp", "--nip", NIP_PEGAWAI, "--tahun", "2026", "--pdf", "--sign", "pegawai",
                 "--sign", "pejabat", "-o", str(out), "--json", timeout=300, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    [g] = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    signed = Path(g["signed_pdf"])
    assert hashlib.sha256(signed.read_bytes()).hexdigest() == g["signed_sha256"]
    assert signed.read_bytes().startswith(Path(g["pdf"]).read_bytes())
    check = check_file(signed, roots=ws.config.sign.trust_roots)
    assert check.state == "valid", check
    assert [s["signer"] for s in check.signatures] == ["Ani Pegawai", "Budi Pejabat (token)"]
    _signed_by_token(check, token)
    proof = ws.cli_json("generated", str(signed))
    assert proof[0]["generated"] and proof[0]["records"][0]["source_sha256"] == g["pdf_sha256"]
    assert ws.cli("verify").exit_code == 0
