"""Signature checks on incoming evidence: PDFs signed in the test by a test CA, dropped into a
real share and ingested; the check runs in a child process; list, search and the evidence page
show the result; the archived bytes are the dropped bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import NIP_A, Workspace, make_pdf, set_config_value
from signing_pki import Ca, modify_after_signing, sign_bytes

from archiver.accounts import add_user
from archiver.i18n import render, use_language
from archiver.signing.check import check_file, has_signature_marker


@pytest.fixture(scope="module")
def pki() -> dict[str, object]:
    ca, other = Ca(), Ca("Unknown Root CA")
    return {"ca": ca, "budi": ca.issue("Budi Santoso"), "stranger": other.issue("Orang Lain"),
            "expired": ca.issue("Sertifikat Lama", days_before=400, days_after=-30)}


@pytest.fixture(scope="module")
def pdfs(pki: dict[str, object]) -> dict[str, bytes]:
    plain = make_pdf("Laporan kegiatan bertanda tangan")
    valid = sign_bytes(plain, pki["budi"])  # type: ignore[arg-type]
    i = valid.find(b"/MediaBox")
    flipped = valid[:i + 2] + bytes([valid[i + 2] ^ 1]) + valid[i + 3:]
    return {"plain": plain, "valid": valid, "modified": modify_after_signing(valid), "flipped": flipped,
            "untrusted": sign_bytes(plain, pki["stranger"]),  # type: ignore[arg-type]
            "expired": sign_bytes(plain, pki["expired"])}  # type: ignore[arg-type]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / f"{name}.pdf"
    p.write_bytes(data)
    return p


def test_each_case_gets_its_state(tmp_path: Path, pki: dict[str, object], pdfs: dict[str, bytes]) -> None:
    roots = [pki["ca"].pem(tmp_path / "root.pem")]  # type: ignore[attr-defined]
    got = {name: check_file(_write(tmp_path, name, data), roots=roots) for name, data in pdfs.items()}
    assert {n: c.state for n, c in got.items()} == {
        "plain": "none", "valid": "valid", "modified": "invalid", "flipped": "invalid",
        "untrusted": "untrusted", "expired": "invalid"}
    [sig] = got["valid"].signatures
    assert sig["signer"] == "Budi Santoso" and sig["issuer"] == "Test Root CA"
    assert sig["intact"] and sig["trusted"] and sig["signing_time"] and sig["coverage"] == "entire_file"
    # summaries are stored messages, read in the reader's language (Indonesian by default)
    assert render(got["valid"].summary) == "sah: 1 tanda tangan (Budi Santoso)"
    assert "diubah setelah ditandatangani" in render(got["modified"].summary)
    assert "telah berubah" in render(got["flipped"].summary)
    assert "akar terpercaya" in render(got["untrusted"].summary)
    assert "tidak berlaku" in render(got["expired"].summary) and got["expired"].signatures[0]["intact"]
    with use_language("en"):
        assert render(got["modified"].summary).startswith("invalid: 1 signature(s) (")
        assert "the document was changed after it was signed" in render(got["modified"].summary)


def test_without_trust_roots_a_good_signature_is_untrusted(tmp_path: Path, pdfs: dict[str, bytes]) -> None:
    assert check_file(_write(tmp_path, "valid", pdfs["valid"])).state == "untrusted"


def test_a_hostile_file_costs_an_error_state_not_the_caller(tmp_path: Path) -> None:
    junk = _write(tmp_path, "junk", b"%PDF-1.7\n" + b"/ByteRange [0 1 2 3] " * 1000 + b"\x00\xff" * 500)
    assert has_signature_marker(junk)
    check = check_file(junk)
    assert check.state == "error" and "tidak terbaca" in render(check.summary), check
    slow = check_file(junk, timeout_s=0.01)  # the child cannot even start in time: it is stopped
    assert slow.state == "error" and "batas waktu" in render(slow.summary)


def _configure_roots(ws: Workspace, root: Path) -> None:
    text = ws.config_path.read_text(encoding="utf-8")
    assert "trust_roots = []" in text
    ws.config_path.write_text(text.replace("trust_roots = []", f"trust_roots = [{json.dumps(str(root))}]"),
                              encoding="utf-8")


def test_ingest_checks_records_and_filters(ws: Workspace, tmp_path: Path, pki: dict[str, object],
                                           pdfs: dict[str, bytes]) -> None:
    _configure_roots(ws, pki["ca"].pem(tmp_path / "bsre-root.pem"))  # type: ignore[attr-defined]
    folder = f"{NIP_A}/2026/TW1/RHK-01"
    for name, data in pdfs.items():
        ws.put(f"{folder}/{name}.pdf", data)
    ws.put(f"{folder}/catatan.txt", "bukan PDF")
    res = ws.cli("ingest", "--json")
    assert res.exit_code == 0, res.output
    for name, data in pdfs.items():  # the original stays untouched: the archived blob is the dropped bytes
        assert (ws.drop / folder / f"{name}.pdf").read_bytes() == data
        with ws.open() as archive, archive.store.open(hashlib.sha256(data).hexdigest()) as fh:
            assert fh.read() == data

    def names(*args: str) -> set[str]:
        return {r["name"].removesuffix(".pdf") for r in ws.cli_json("list", *args)}

    assert names("--signature", "valid") == {"valid"}
    assert names("--signature", "invalid") == {"modified", "flipped", "expired"}
    assert names("--signature", "untrusted") == {"untrusted"}
    assert names("--signature", "none") == {"plain", "catatan.txt"}
    assert names("--signature", "error") == set()
    hits = ws.cli_json("search", "", "--signature", "invalid")
    assert {h["name"] for h in hits} == {"modified.pdf", "flipped.pdf", "expired.pdf"}
    assert {h["name"] for h in ws.cli_json("search", "laporan", "--signature", "valid")} == {"valid.pdf"}
    bad = ws.cli("list", "--signature", "sah")
    assert bad.exit_code == 2 and "valid" in bad.output


def test_a_burst_is_checked_by_its_index_batches(ws: Workspace, tmp_path: Path, pki: dict[str, object],
                                                pdfs: dict[str, bytes]) -> None:
    """Inside an index batch the checks are the batch writer's: from the first full batch on, a
    process of its own. Every PDF of the burst still gets its state, the signed ones theirs."""
    from archiver import ingest
    from archiver.catalog import signatures as csig
    from archiver.search import batched

    _configure_roots(ws, pki["ca"].pem(tmp_path / "bsre-root.pem"))  # type: ignore[attr-defined]
    text = ws.config_path.read_text(encoding="utf-8")
    ws.config_path.write_text(set_config_value(text, "index", "batch_size", "4"), encoding="utf-8")
    folder = f"{NIP_A}/2026/TW2/RHK-02"
    for i in range(11):
        ws.put(f"{folder}/biasa {i:02d}.pdf", make_pdf(f"Laporan biasa nomor{i}"))
    ws.put(f"{folder}/sah.pdf", pdfs["valid"])
    ws.put(f"{folder}/asing.pdf", pdfs["untrusted"])
    with ws.open() as archive:
        with batched(archive) as batch:
            results = list(ingest.scan(archive))
        assert batch.processes == 1 and batch.written == 13
        assert csig.unchecked_pdfs(archive.catalog, [r.submission_id for r in results if r.submission_id]) == []
    assert {r["name"] for r in ws.cli_json("list", "--signature", "valid")} == {"sah.pdf"}
    assert {r["name"] for r in ws.cli_json("list", "--signature", "untrusted")} == {"asing.pdf"}
    assert {r["name"] for r in ws.cli_json("list", "--signature", "none")} == {f"biasa {i:02d}.pdf" for i in range(11)}


def test_evidence_page_shows_the_check(ws: Workspace, tmp_path: Path, pki: dict[str, object],
                                       pdfs: dict[str, bytes]) -> None:
    from fastapi.testclient import TestClient
    from test_web import PASSWORD, login

    from archiver.web.app import create_app

    _configure_roots(ws, pki["ca"].pem(tmp_path / "root.pem"))  # type: ignore[attr-defined]
    ws.put(f"{NIP_A}/2026/TW1/RHK-01/sah.pdf", pdfs["valid"])
    ws.put(f"{NIP_A}/2026/TW1/RHK-01/palsu.pdf", pdfs["modified"])
    assert ws.cli("ingest").exit_code == 0
    with ws.open() as archive:
        add_user(archive.catalog, "auditor", "auditor", PASSWORD, now=archive.now())
    c = TestClient(create_app(ws.config))
    assert login(c, "auditor").status_code == 303  # type: ignore[attr-defined]
    page = c.get(f"/e/{hashlib.sha256(pdfs['valid']).hexdigest()}").text
    assert "Tanda tangan elektronik" in page and "Budi Santoso" in page and "sig-valid" in page
    page = c.get(f"/e/{hashlib.sha256(pdfs['modified']).hexdigest()}").text
    assert "tidak sah" in page and "diubah setelah ditandatangani" in page
    anon = TestClient(create_app(ws.config)).get(f"/e/{hashlib.sha256(pdfs['valid']).hexdigest()}",
                                                 follow_redirects=False)
    assert anon.status_code in (303, 401) and "Budi" not in anon.text
