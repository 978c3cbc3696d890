"""Validate the signatures of one PDF with pyHanko, in this process.

Only the signature worker (``worker.py``, a child process under limits) and tests call this:
a hostile PDF may make pyHanko slow or hungry, and that must not cost the ingest.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..i18n import deferred
from .model import SignatureCheck, overall_state, summarize

# AdES indications that mean the certificate was not usable when the document was signed
# (expired, not yet valid, revoked): the signature is not valid, whoever the root is.
_CERT_TIME = ("OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "NOT_YET_VALID", "EXPIRED", "REVOKED",
              "REVOKED_NO_POE", "REVOKED_CA_NO_POE")


def load_roots(paths: list[str]) -> list[Any]:
    """asn1crypto certificates from PEM (or DER) files; each file may hold several."""
    from asn1crypto import pem  # type: ignore[import-untyped]
    from asn1crypto import x509 as ax

    out: list[Any] = []
    for p in paths:
        data = Path(p).read_bytes()
        if pem.detect(data):
            out.extend(ax.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
        else:
            out.append(ax.Certificate.load(data))
    return out


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _name(name: Any) -> str:
    """The common name of an X.509 name, else the whole name."""
    cn = name.native.get("common_name") if isinstance(name.native, dict) else None
    return str(cn) if cn else str(name.human_friendly)


def _one(embedded: Any, roots: list[Any]) -> dict[str, Any]:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    st = validate_pdf_signature(embedded, vc)
    cert = st.signing_cert
    indic = getattr(st.trust_problem_indic, "name", None)
    modification = getattr(st.modification_level, "name", None)
    coverage = getattr(st.coverage, "name", None)
    ts = st.timestamp_validity
    out: dict[str, Any] = {
        "field": embedded.field_name,
        "signer": _name(cert.subject) if cert is not None else None,
        "subject": cert.subject.human_friendly if cert is not None else None,
        "issuer": _name(cert.issuer) if cert is not None else None,
        "serial": format(cert.serial_number, "x") if cert is not None else None,
        "not_after": _iso(cert["tbs_certificate"]["validity"]["not_after"].native) if cert is not None else None,
        "signing_time": _iso(st.signer_reported_dt),
        "timestamp_time": _iso(ts.timestamp) if ts is not None else None,
        "intact": bool(st.intact and st.valid),
        "trusted": bool(st.trusted),
        "coverage": coverage.lower() if coverage else None,
        "modification": modification.lower() if modification else None,
        "indication": indic,
        "problem": None,
    }
    if not out["intact"]:
        out["state"], out["problem"] = "invalid", deferred("the signed content has changed (broken signature)")
    elif modification == "OTHER" or st.docmdp_ok is False:
        out["state"], out["problem"] = "invalid", deferred("the document was changed after it was signed")
    elif coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        out["state"], out["problem"] = "invalid", deferred("the signature does not cover the whole document")
    elif not st.trusted and indic in _CERT_TIME:
        out["state"] = "invalid"
        out["problem"] = deferred("the signer's certificate was not valid when checked (valid until {not_after}; "
                                  "{indication})", not_after=out["not_after"], indication=indic)
    elif not st.trusted:
        out["state"] = "untrusted"
        out["problem"] = deferred("the signer does not come from a trusted root ([sign] trust_roots)")
    else:
        out["state"] = "valid"
    return out


def validate_file(path: Path, root_files: list[str]) -> SignatureCheck:
    """The check of the PDF at ``path`` against the root certificates in ``root_files``."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # path-building failures are results here
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    roots = load_roots(root_files)
    with open(path, "rb") as fh:
        reader = PdfFileReader(fh, strict=False)
        results = []
        for embedded in reader.embedded_signatures:
            try:
                results.append(_one(embedded, roots))
            except Exception as exc:  # noqa: BLE001 - one malformed signature is a result, not a crash
                results.append({"field": getattr(embedded, "field_name", None), "signer": None, "intact": False,
                                "trusted": False, "state": "invalid",
                                "problem": deferred("the signature cannot be read ({error})",
                                                    error=(type(exc).__name__ + ": " + str(exc))[:300])})
    state = overall_state([r["state"] for r in results])
    return SignatureCheck(state, summarize(state, results), results)
