"""Everything a person reads is Bahasa Indonesia by default and English by setting (issue 17).

Not a lint of the code but the product itself: a real workspace (an SKP, evidence, a quarantined
program, an unlinked file), the real CLI and the real web app, and their output read for words of
the other language. The words checked are function words that never occur in the other language
(English "the", "was", "cannot" ...; Indonesian "yang", "tidak", "dengan" ...), on text with the
user's own data taken out: paths, hashes, JSON keys, and the names and RHK texts of the SKP.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import Workspace, make_docx, make_exe, make_pdf, make_png
from fastapi.testclient import TestClient
from lxml import html as lxml_html  # type: ignore[import-untyped]
from skp_sample import STAFF, TAHUN, tables

from archiver import i18n
from archiver.accounts import add_user
from archiver.extract.formats import extract_docx, extract_xlsx
from archiver.extract.model import ExtractLimits
from archiver.web.app import create_app

#: English words that Indonesian text never holds.
ENGLISH = re.compile(r"\b(the|is|are|was|were|cannot|could|should|which|with|from|this|that|there|found|"
                     r"missing|does|must|already|invalid|unknown)\b", re.IGNORECASE)
#: Indonesian words that English text never holds.
INDONESIAN = re.compile(r"\b(yang|tidak|dengan|untuk|berkas|belum|sudah|adalah|bukan|harus|kiriman)\b",
                        re.IGNORECASE)
PASSWORD = "kata-sandi-yang-panjang"
T = f"{STAFF}/{TAHUN}"


def _data_words() -> set[str]:
    """The user's own words: every text value of the sample SKP (names, jabatan, RHK, indicators)."""
    words: set[str] = set()
    for rows in tables().values():
        for row in rows:
            for v in row.values():
                if isinstance(v, str):
                    words.add(v)
    return {w for w in words if " " in w or len(w) > 3}


DATA = sorted(_data_words(), key=len, reverse=True)


def _clean(text: str) -> str:
    """``text`` without the user's data and the machine's words: paths, hashes, URLs, JSON keys,
    quoted values, and the SKP's own texts."""
    for d in DATA:
        text = text.replace(d, " ")
    text = re.sub(r"\"[\w-]+\":", " ", text)                      # JSON keys
    text = re.sub(r"'[^'\n]*'", " ", text)                         # quoted values ('RHK-09', names)
    text = re.sub(r"\S*[/\\]\S*", " ", text)                       # paths, URLs, dates with /
    text = re.sub(r"\b[0-9a-f]{12,64}\b", " ", text)               # hashes
    return text


def _offending(text: str, words: re.Pattern[str]) -> list[str]:
    return [line.strip() for line in text.splitlines() if words.search(_clean(line))]


def _make_docx_without_body() -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/styles.xml", "<styles/>")
    return buf.getvalue()


@pytest.fixture
def office(ws: Workspace, tmp_path: Path) -> dict[str, Any]:
    """An SKP, archived evidence, an unlinked file, a quarantined program and the web users."""
    skp = tmp_path / "skp.json"
    skp.write_text(json.dumps(tables()), encoding="utf-8")
    assert ws.cli("skp", "import", str(skp)).exit_code == 0
    ws.put(f"{T}/TW1/RHK-01/undangan rapat modul.pdf", make_pdf("Undangan rapat modul perizinan"))
    ws.put(f"{T}/TW1/RHK-01/notulen rapat.docx", make_docx("Notulen rapat modul perizinan"))
    ws.put(f"{T}/TW1/RHK-01/foto kegiatan.png", make_png())
    ws.put(f"{T}/TW1/RHK-09/laporan.pdf", make_pdf("Laporan kegiatan"))          # unlinked: no RHK-09
    ws.put(f"{STAFF}/Scan KTP.pdf", make_pdf("Kartu tanda penduduk"))           # unlinked: no folders
    ws.put(f"{T}/TW1/RHK-01/faktur.pdf.exe", make_exe())                         # quarantined
    assert ws.cli("ingest").exit_code == 1  # the program was quarantined
    rows = ws.cli_json("list")
    with ws.open() as archive:
        for name, role, nip in (("admin", "admin", None), ("pegawai", "pegawai", STAFF)):
            add_user(archive.catalog, name, role, PASSWORD, nip=nip, now=archive.now())
    return {"rows": rows, "tmp": tmp_path}


def _commands(ws: Workspace, tmp: Path, rows: list[dict[str, Any]]) -> list[list[str]]:
    unlinked = next(r["id"] for r in rows if r["status"] == "unlinked")
    quarantined = next(r["id"] for r in rows if r["status"] == "quarantined")
    archived = next(r["id"] for r in rows if r["status"] == "archived")
    bad_config = tmp / "bad.toml"
    text = ws.config_path.read_text(encoding="utf-8")
    bad_config.write_text(text.replace("[archive]", "[archive]\npaht = 3\nmigrate_on_open = \"ya\"", 1)
                          .replace("batch_size = 200", "batch_size = -5", 1), encoding="utf-8")
    garbage = tmp / "rusak.xlsx"
    garbage.write_bytes(b"bukan buku kerja")
    return [
        ["status"], ["list"], ["list", "--status", "unlinked"], ["list", "--status", "quarantined"],
        ["search", "rapat"], ["search", "zzzqqq"], ["coverage", "--tahun", str(TAHUN)],
        ["coverage", "--tahun", str(TAHUN), "--suspicious"], ["verify"], ["fixity"], ["types"], ["migrate"],
        ["relink", str(unlinked), "--rhk", "RHK-77"], ["release", str(archived), "--note", "x"],
        ["release", str(quarantined)], ["relink", "99999", "--rhk", "RHK-01"],
        ["list", "--nip", "123"], ["list", "--periode", "TW9"], ["coverage", "--unit", "TIDAKADA"],
        ["skp", "import", str(tmp / "tidak-ada.xlsx")], ["skp", "import", str(garbage)],
        ["eval", "import", str(garbage)], ["verify-bag", str(tmp / "tidak-ada.zip")],
        ["generated", str(tmp / "tidak-ada.pdf")], ["user", "disable", "siapa"],
        ["--config", str(bad_config), "status"], ["list", "--bogus"], ["perintah-tidak-ada"],
        ["review", str(archived)], ["review", str(archived), "--state", "ditolak"], ["list", "--review", "entah"],
        ["findings", "list"], ["flags"], ["hold", "list"], ["hold", "set", "--reason", "x", "--reference", "y"],
        ["retention", "status"], ["dispose", "list"], ["share", "list"], ["share", "revoke", "99"],
    ]


def _run_all(ws: Workspace, commands: list[list[str]], lang: list[str]) -> dict[str, str]:
    out = {}
    for args in commands:
        res = ws.runner.invoke(_main(), [*lang, "--config", str(ws.config_path), "--quiet", *args])
        assert res.exception is None or isinstance(res.exception, SystemExit), (args, res.exception)
        out[" ".join(args)] = res.output
    return out


def _main() -> Any:
    from archiver.cli import main

    return main


def _pages(ws: Workspace, sha_quarantined: str, headers: dict[str, str]) -> dict[str, str]:
    app = create_app(ws.config)
    out: dict[str, str] = {}
    for user, pages in (("admin", ["/", "/bukti", "/masalah", "/pengguna", "/impor", "/cakupan",
                                   f"/e/{sha_quarantined}", "/cari?q=rapat", "/e/" + "0" * 64,
                                   "/temuan", "/tanda", "/bagikan", "/penahanan", "/retensi",
                                   "/bukti?tinjauan=entah", "/s/" + "x" * 43]),
                        ("pegawai", ["/", "/unggah", "/berkas-saya", "/api/evidence/" + "1" * 64,
                                     "/api/evidence?limit=abc", "/pengguna"])):
        c = TestClient(app, headers=headers)
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        r = c.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token.group(1),
                                   "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        for url in pages:
            r = c.get(url)
            if "html" in r.headers.get("content-type", ""):
                doc = lxml_html.fromstring(r.text)
                for el in doc.xpath("//script|//style"):
                    el.drop_tree()
                # A picker's option that shows its own value is a code the URL carries (a file type
                # name such as pdf or xlsx, as `archiver types` lists them), not a sentence.
                for el in doc.xpath("//option[@value]"):
                    if el.get("value") == (el.text or "").strip():
                        el.text = ""
                shown = list(doc.xpath("//text()"))
                shown += [v for el in doc.xpath("//*[@title or @placeholder or @aria-label]")
                          for v in (el.get("title"), el.get("placeholder"), el.get("aria-label")) if v]
                out[f"{user} {url}"] = "\n".join(" ".join(t.split()) for t in shown if t.strip())
            else:
                body = r.json()
                out[f"{user} {url}"] = "\n".join(str(body.get(k) or "") for k in ("error", "hint")) + "\n" + \
                    "\n".join(str(d) for d in body.get("details", []))
    return out


def test_cli_and_web_speak_indonesian_by_default_and_english_when_asked(ws: Workspace, office: dict[str, Any]
                                                                        ) -> None:
    rows, tmp = office["rows"], office["tmp"]
    commands = _commands(ws, tmp, rows)
    sha_quarantined = next(r["sha256"] for r in rows if r["status"] == "quarantined")

    indonesian = _run_all(ws, commands, [])
    problems = {cmd: bad for cmd, text in indonesian.items() if (bad := _offending(text, ENGLISH))}
    pages = _pages(ws, sha_quarantined, {})
    problems |= {url: bad for url, text in pages.items() if (bad := _offending(text, ENGLISH))}
    assert not problems, "English in the default (Indonesian) output:\n" + json.dumps(problems, indent=1,
                                                                                        ensure_ascii=False)
    # The default really is Indonesian (not an empty output passing the check).
    assert "Galat:" in indonesian["list --nip 123"] and "kiriman" in indonesian["list"]

    english = _run_all(ws, commands, ["--lang", "en"])
    problems = {cmd: bad for cmd, text in english.items() if (bad := _offending(text, INDONESIAN))}
    pages = _pages(ws, sha_quarantined, {"Accept-Language": "en"})
    problems |= {url: bad for url, text in pages.items() if (bad := _offending(text, INDONESIAN))}
    assert not problems, "Indonesian in the English output:\n" + json.dumps(problems, indent=1, ensure_ascii=False)
    assert "Error:" in english["list --nip 123"]


def test_extractor_reasons_for_broken_office_files_are_translated(tmp_path: Path) -> None:
    """"corrupt Word file: {error}": the error inside is ours too, not an English KeyError text."""
    docx, xlsx, junk = tmp_path / "a.docx", tmp_path / "a.xlsx", tmp_path / "b.docx"
    docx.write_bytes(_make_docx_without_body())
    xlsx.write_bytes(_make_docx_without_body())
    junk.write_bytes(b"PK\x03\x04 bukan zip")
    reasons = [extract_docx(docx, ExtractLimits()).reason, extract_xlsx(xlsx, ExtractLimits()).reason,
               extract_docx(junk, ExtractLimits()).reason]
    shown = [i18n.render(r) for r in reasons]
    assert shown[0] == "berkas Word rusak: berkas tidak memiliki bagian word/document.xml"
    assert shown[1] == "berkas Excel rusak: berkas tidak memiliki bagian xl/workbook.xml"
    assert shown[2] == "berkas Word rusak: berkas ini bukan wadah ZIP"
    with i18n.use_language("en"):
        assert i18n.render(reasons[0]) == "corrupt Word file: the file has no word/document.xml part"
        assert i18n.render(reasons[2]) == "corrupt Word file: the file is not a ZIP container"


def test_configuration_errors_are_in_the_readers_language(ws: Workspace, tmp_path: Path) -> None:
    """Pydantic's own messages (wrong type, out of range, not one of the choices) are ours."""
    bad = tmp_path / "bad.toml"  # written out, not from this workspace's file: the stacks differ
    bad.write_text('[archive]\nblob_store = "disket"\n\n[index]\nbatch_size = -5\nfast_path = "ya"\n\n'
                   '[s3]\npart_size_mb = "besar"\n\n[shares.drop]\npath = "drop"\n', encoding="utf-8")
    res = ws.runner.invoke(_main(), ["--config", str(bad), "status"])
    assert res.exit_code == 2
    assert "blob_store = 'disket': harus salah satu dari: local, s3" in res.output
    assert "batch_size = -5: minimal 1" in res.output
    assert "fast_path = 'ya': bukan true atau false" in res.output
    assert "part_size_mb = 'besar': bukan bilangan bulat" in res.output
    assert not _offending(res.output, ENGLISH), res.output
    res = ws.runner.invoke(_main(), ["--lang", "en", "--config", str(bad), "status"])
    assert "batch_size = -5: must be at least 1" in res.output
    assert "blob_store = 'disket': must be one of: local, s3" in res.output
