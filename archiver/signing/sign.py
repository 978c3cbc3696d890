"""Sign PDFs (PAdES, pyHanko) with the signers of ``[signers.NAME]``, one after another.

    signed = sign_pdf(config, pdf_bytes, ["pegawai", "pejabat", "atasan"])

Each signer adds one signature as an incremental update, so earlier signatures stay valid
(``archiver.signing.check`` sees each one intact, the later ones as form filling). The key
comes from a PKCS#12 file, a PKCS#11 token or a remote signing service (``remote``); the
passphrase or PIN from ``passphrase_env`` or ``passphrase_file``, never from the config. With
``[sign] visible`` each signature gets a box on the last page (side by side, in the order
given); with ``[sign] tsa_url`` each carries an RFC 3161 timestamp from that authority.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..config import Config
from ..config_sections import SignerSettings
from ..errors import ArchiverError, ConfigError
from ..i18n import _, render
from .remote import service_for

BOX_W, BOX_H, MARGIN = 170, 62, 36
STAMP_TEXT = "Ditandatangani secara elektronik\n%(signer)s\n%(label)s\n%(ts)s"


class SigningFailed(ArchiverError):
    """A signature could not be made (key, passphrase, token, service or TSA)."""


def signer_settings(config: Config, name: str) -> SignerSettings:
    try:
        return config.signers[name]
    except KeyError:
        known = ", ".join(config.signers) or _("(none yet)")
        raise ConfigError(_("--sign {name!r}: unknown signer; configured: {known}").format(name=name, known=known),
                          hint=_("add a table [signers.{name}] to watch_config.toml (docs/signing.md)")
                          .format(name=name)) from None


def passphrase(name: str, s: SignerSettings) -> str | None:
    """The signer's passphrase/PIN from its environment variable or file (None when neither is set)."""
    if s.passphrase_env:
        value = os.environ.get(s.passphrase_env)
        if value is None:
            raise ConfigError(_("[signers.{name}] passphrase_env: the environment variable {env} is not set")
                              .format(name=name, env=s.passphrase_env),
                              hint=_("export {env}=... before running the command").format(env=s.passphrase_env))
        return value
    if s.passphrase_file:
        try:
            return s.passphrase_file.read_text(encoding="utf-8").splitlines()[0] if s.passphrase_file.stat().st_size \
                else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(_("[signers.{name}] passphrase_file: {file} cannot be read ({error})")
                              .format(name=name, file=s.passphrase_file, error=exc)) from None
    return None


@contextmanager
def _local_signer(name: str, s: SignerSettings) -> Iterator[Any]:
    """A pyHanko signer for a PKCS#12 file or a PKCS#11 token (the token session closes afterwards)."""
    from pyhanko.sign import signers

    secret = passphrase(name, s)
    if s.pkcs12 is not None:
        if not s.pkcs12.is_file():
            raise ConfigError(_("[signers.{name}] pkcs12: the file {file} does not exist").format(
                name=name, file=s.pkcs12))
        signer = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
            str(s.pkcs12), passphrase=secret.encode() if secret else None)
        if signer is None:
            raise SigningFailed(_("[signers.{name}] pkcs12: {file} cannot be opened").format(name=name, file=s.pkcs12),
                                hint=_("check the passphrase (passphrase_env / passphrase_file) and the file"))
        yield signer
        return
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11

    assert s.pkcs11_module is not None
    try:
        session = pkcs11.open_pkcs11_session(str(s.pkcs11_module), token_criteria=TokenCriteria(label=s.pkcs11_token),
                                             user_pin=secret)
    except Exception as exc:  # noqa: BLE001 - python-pkcs11 raises many kinds
        raise SigningFailed(_("[signers.{name}] PKCS#11 token {token!r} cannot be opened: {error}").format(
            name=name, token=s.pkcs11_token, error=f"{type(exc).__name__} {exc}"),
            hint=_("check pkcs11_module, pkcs11_token and the PIN")) from None
    try:
        yield pkcs11.PKCS11Signer(session, key_label=s.pkcs11_key_label, cert_label=s.pkcs11_key_label,
                                  use_raw_mechanism=_check_token(name, s, session))
    finally:
        session.close()


def _check_token(name: str, s: SignerSettings, session: Any) -> bool:
    """Names a missing key or certificate clearly, and says whether to hash here and sign with plain
    CKM_ECDSA: when the key is EC and the token has that mechanism (SoftHSM2 and many smart cards
    have no hash-and-sign ECDSA mechanism; pyHanko would otherwise ask for CKM_ECDSA_SHA256)."""
    from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
    from pkcs11.exceptions import MultipleObjectsReturned, NoSuchKey

    try:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=s.pkcs11_key_label)
    except NoSuchKey:
        raise SigningFailed(_("[signers.{name}] pkcs11_key_label: there is no key {label!r} on the token {token!r}")
                            .format(name=name, label=s.pkcs11_key_label, token=s.pkcs11_token),
                            hint=_("the private key and its certificate must carry the label pkcs11_key_label")) \
            from None
    except MultipleObjectsReturned:
        raise SigningFailed(_("[signers.{name}] pkcs11_key_label: more than one key labelled {label!r} on the "
                              "token {token!r}").format(name=name, label=s.pkcs11_key_label, token=s.pkcs11_token),
                            hint=_("give every key on the token its own label")) from None
    if not list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: s.pkcs11_key_label})):
        raise SigningFailed(_("[signers.{name}] pkcs11_key_label: there is no certificate {label!r} on the "
                              "token {token!r}").format(name=name, label=s.pkcs11_key_label, token=s.pkcs11_token),
                            hint=_("store the signer's certificate on the token with the same label as its key"))
    return bool(key.key_type == KeyType.EC and Mechanism.ECDSA in session.token.slot.get_mechanisms())


def _timestamper(config: Config) -> Any:
    if not config.sign.tsa_url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(config.sign.tsa_url, timeout=30)


def _box(pdf: bytes, index: int) -> tuple[int, int, int, int, int]:
    """(page, x1, y1, x2, y2): the ``index``-th box in a row along the bottom of the last page."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    last = int(reader.root["/Pages"]["/Count"]) - 1
    page = reader.find_page_for_modification(last)[0].get_object()  # type: ignore[no-untyped-call]
    width = float(page["/MediaBox"][2])
    per_row = max(1, int((width - 2 * MARGIN) // (BOX_W + 8)))
    col, row = index % per_row, index // per_row
    x1, y1 = MARGIN + col * (BOX_W + 8), MARGIN + row * (BOX_H + 8)
    return last, int(x1), int(y1), int(x1 + BOX_W), int(y1 + BOX_H)


def _sign_local(config: Config, pdf: bytes, name: str, s: SignerSettings, index: int) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    field = f"TTE_{name}"
    meta = signers.PdfSignatureMetadata(field_name=field, reason=s.label or name, location="Indonesia")
    spec = None
    if config.sign.visible:
        page, x1, y1, x2, y2 = _box(pdf, index)
        spec = fields.SigFieldSpec(field, on_page=page, box=(x1, y1, x2, y2))
    else:
        spec = fields.SigFieldSpec(field)
    with _local_signer(name, s) as signer:
        try:  # the signer reads the token's certificate here already
            pdf_signer = signers.PdfSigner(meta, signer, timestamper=_timestamper(config), new_field_spec=spec,
                                           stamp_style=TextStampStyle(stamp_text=STAMP_TEXT))
            out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
                                      appearance_text_params={"label": s.label or name})
        except Exception as exc:  # noqa: BLE001 - pyHanko, the token and the TSA raise many kinds
            raise SigningFailed(_("the signature of {name} failed: {error}").format(
                name=name, error=f"{type(exc).__name__}: {exc}"[:400]),
                hint=_("check the key, the certificate and [sign] tsa_url")) from None
    data: bytes = out.getvalue()
    return data


def _sign_remote(config: Config, pdf: bytes, name: str, s: SignerSettings) -> bytes:
    from .check import check_file

    secret = passphrase(name, s) or ""
    signed = service_for(s.remote_url).sign_pdf(pdf, user=s.remote_user, passphrase=secret,
                                               visible=config.sign.visible, reason=s.label or name)
    if not signed.startswith(pdf):
        raise SigningFailed(_("the signing service for {name} changed the document's content (not an incremental "
                              "update)").format(name=name))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(signed)
        tmp.flush()
        before_n = _count_signatures(pdf)
        check = check_file(Path(tmp.name), roots=config.sign.trust_roots,
                           timeout_s=config.sign.check_timeout_seconds, memory_mb=config.extract.memory_mb)
    if check.state not in ("valid", "untrusted") or len(check.signatures) != before_n + 1:
        raise SigningFailed(_("the document the signing service returned for {name} failed the check: {summary}")
                            .format(name=name, summary=render(check.summary)))
    return signed


def _count_signatures(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return len(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures) if b"/ByteRange" in pdf else 0


def sign_pdf(config: Config, pdf: bytes, names: Sequence[str]) -> bytes:
    """``pdf`` signed by each named signer in turn (each an incremental update)."""
    settings = [(n, signer_settings(config, n)) for n in names]  # every name is checked before any signing
    if len(set(names)) != len(names):
        raise ConfigError(_("--sign: each signer signs a document only once"))
    start = _count_signatures(pdf)
    for i, (name, s) in enumerate(settings):
        pdf = _sign_remote(config, pdf, name, s) if s.remote_url else _sign_local(config, pdf, name, s, start + i)
    return pdf
