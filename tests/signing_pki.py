"""A test PKI made with `cryptography`: a root CA, signers under it, PKCS#12 files, and PDFs
signed with pyHanko. Shared by tests/test_signing.py and tests/test_signature_checks.py."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as akeys  # type: ignore[import-untyped]
from asn1crypto import x509 as ax
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.UTC)
DER = serialization.Encoding.DER


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=not ca, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


@dataclass
class Identity:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate
    ca: Ca

    def pkcs12(self, path: Path, passphrase: str) -> Path:
        path.write_bytes(pkcs12.serialize_key_and_certificates(
            b"signer", self.key, self.cert, [self.ca.cert], serialization.BestAvailableEncryption(passphrase.encode())))
        return path

    def pyhanko_signer(self):  # type: ignore[no-untyped-def]
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key = self.key.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return signers.SimpleSigner(signing_cert=ax.Certificate.load(self.cert.public_bytes(DER)),
                                    signing_key=akeys.PrivateKeyInfo.load(key),
                                    cert_registry=SimpleCertificateStore.from_certs([self.ca.asn1]))


class Ca:
    def __init__(self, cn: str = "Test Root CA") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(NOW - dt.timedelta(days=800)).not_valid_after(NOW + dt.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(_usage(True), critical=True)
                     .sign(self.key, hashes.SHA256()))

    @property
    def asn1(self) -> ax.Certificate:
        return ax.Certificate.load(self.cert.public_bytes(DER))

    def pem(self, path: Path) -> Path:
        path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        return path

    def issue(self, cn: str, *, days_before: int = 1, days_after: int = 365, tsa: bool = False) -> Identity:
        # a TSA key is RSA: pyHanko's reference responder signs with RSA only
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048) if tsa
            else ec.generate_private_key(ec.SECP256R1()))
        b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.cert.subject)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(NOW - dt.timedelta(days=days_before))
             .not_valid_after(NOW + dt.timedelta(days=days_after))
             .add_extension(_usage(False), critical=True))
        if tsa:
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        return Identity(key, b.sign(self.key, hashes.SHA256()), self)


def sign_bytes(pdf: bytes, who: Identity, field: str = "TTE") -> bytes:
    """``pdf`` with one more signature by ``who`` (an incremental update), made directly with pyHanko."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.PdfSigner(signers.PdfSignatureMetadata(field_name=field), who.pyhanko_signer()).sign_pdf(w)
    data: bytes = out.getvalue()
    return data


def modify_after_signing(signed: bytes) -> bytes:
    """An incremental update that replaces the first page's content: what a forger would append."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = w.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = w.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (PALSU) Tj ET"))
    w.update_container(page)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()
