"""`archiver demo DIR`: a ready workspace where every SKP feature has something to show."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from docx import Document
from PIL import Image
from pypdf import PdfReader

from archiver.cli import main
from archiver.config import DEFAULT_TYPES
from archiver.filetypes import detect
from archiver.nip import parse_nip
from archiver.skp.demo import KADIS, PRAKOM, demo_files, demo_tables
from archiver.skp.demo_data import ANALIS_SDM, HUMAS_MUDA, predikat_plan


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    where = tmp_path_factory.mktemp("demo") / "demo"
    res = CliRunner().invoke(main, ["--quiet", "demo", str(where), "--tahun", "2026"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return where, res.stdout


def _cli(ws: Path, *args: str) -> list[dict[str, Any]]:
    out = CliRunner().invoke(main, ["--config", str(ws / "watch_config.toml"), "--quiet", *args, "--json"],
                             catch_exceptions=False)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip().startswith("{")]


def test_demo_builds_the_whole_cycle(demo_ws: tuple[Path, str]) -> None:
    ws, stdout = demo_ws
    files = demo_files(2026)
    assert re.search(rf"30 SKP \S+, {len(files)} ", stdout), stdout
    skps = _cli(ws, "skp", "list")
    assert len(skps) >= 28
    assert {s["jenis_jabatan"] for s in skps} == {"JPT", "ADMINISTRATOR", "PENGAWAS", "FUNGSIONAL", "PELAKSANA"}
    tables = demo_tables(2026)
    units = {p["unit"] for p in tables["pegawai"]} - {"DISKOMINFO"}
    assert len(units) == 4
    assert any(p["jenis_pegawai"] == "PPPK" for p in tables["pegawai"])
    assert {s["pendekatan"] for s in tables["skp"]} == {"KUANTITATIF", "KUALITATIF"}
    tree = _cli(ws, "skp", "tree", "--tahun", "2026")[0]
    assert [n["kode"] for n in tree["tree"][:3]] == ["SS-01", "SS-02", "SS-03"]
    assert tree["tree"][0]["children"][0]["nip"] == KADIS
    rows = {(r["nip"], r["iki"], r["periode"]): r for r in _cli(ws, "coverage", "--tahun", "2026")}
    assert rows[(PRAKOM, "IKI-01", "TW1")]["missing"] == ["Notulen (0/1)"]
    assert rows[(PRAKOM, "IKI-03", "TW1")]["status"] == "lengkap"  # daftar hadir (xlsx) + foto (jpg)
    assert {r["periode"] for r in rows.values()} == {"TW1", "TW2", "TW3", "TW4"}

    # after ingest: some unlinked (bad folders), some quarantined (too large, a program, a zip)
    unlinked = {Path(u["path"]).name for u in _cli(ws, "list", "--status", "unlinked")}
    assert {"Notulen rapat.docx", "Scan KTP.jpg", "Laporan uji modul perizinan.pdf"} <= unlinked
    quarantined = {Path(u["path"]).name for u in _cli(ws, "list", "--status", "quarantined")}
    assert {"Video dokumentasi perbaikan jaringan.mp4", "Laporan modul perizinan.pdf.exe",
            "Kumpulan foto publikasi.zip"} <= quarantined
    archived = _cli(ws, "list", "--status", "archived")
    assert len(archived) >= 250
    assert set(DEFAULT_TYPES) <= {a["type"] for a in archived}  # every accepted type, judged by content

    # search finds text from a scan (OCR of an image-only PDF page) and from a photo banner
    hits = _cli(ws, "search", "Surat Tugas")
    assert any(h["path"].endswith(".pdf") and "Surat tugas" in h["path"] for h in hits), hits[:3]


def test_demo_has_the_auditors_workspace(demo_ws: tuple[Path, str]) -> None:
    """Judgements, findings (one overdue, one answered), a legal hold and a few red flags, not a flood."""
    ws, _stdout = demo_ws
    assert len(_cli(ws, "list", "--review", "perlu_perbaikan")) == 1
    assert len(_cli(ws, "list", "--review", "ditolak")) == 1
    assert len(_cli(ws, "list", "--review", "diterima")) >= 2
    found = {f["id"]: f for f in _cli(ws, "findings", "list")}
    assert [(f["status"], f["overdue"]) for f in found.values()] == [("terbuka", True), ("ditindaklanjuti", False)]
    assert [e["role"] for e in found[2]["evidence"]] == ["basis", "followup"]
    holds = _cli(ws, "hold", "list")
    assert [(h["unit"], h["tahun"]) for h in holds] == [("IKP", 2026)] and holds[0]["submissions"] > 0
    flags = _cli(ws, "flags")
    kinds = {f["kind"] for f in flags}
    assert "off_topic" in kinds and len([f for f in flags if f["kind"] in ("near_duplicate", "similar_image")]) < 20


def test_demo_evaluations_spread_and_deviating_unit(demo_ws: tuple[Path, str]) -> None:
    ws, _ = demo_ws
    assert (ws / "evaluasi-demo-2026.xlsx").is_file()  # the workbook an admin would fill, imported as such
    plan = predikat_plan(2026)
    assert {periode for _, periode in plan} == {"TW1", "TW2", "TW3", "TW4"}
    assert len(set(plan.values())) >= 3
    runner = CliRunner()
    cfg = str(ws / "watch_config.toml")
    for unit, fits in (("APTIKA", True), ("SEKRETARIAT", True), ("SANDI", True), ("IKP", False)):
        for periode in ("TW1", "TW4"):
            res = runner.invoke(main, ["--config", cfg, "eval", "distribusi", "--unit", unit, "--tahun", "2026",
                                       "--periode", periode, "--json"], catch_exceptions=False)
            out = json.loads(res.stdout)
            assert out["sesuai_pola"] is fits and out["jumlah_dinilai"] >= 7, (unit, out)
            assert res.exit_code == (0 if fits else 1)


def test_generate_evaluasi_skp_bukti_on_the_demo(demo_ws: tuple[Path, str], tmp_path: Path) -> None:
    ws, _ = demo_ws
    cfg = str(ws / "watch_config.toml")
    runner = CliRunner()
    for args in (["evaluasi", "--nip", PRAKOM, "--periode", "TW2"], ["evaluasi", "--nip", ANALIS_SDM, "--periode",
                                                                      "TW4"],
                 ["evaluasi", "--nip", KADIS, "--periode", "TW1"], ["skp", "--nip", HUMAS_MUDA],
                 ["skp", "--nip", KADIS], ["bukti", "--nip", PRAKOM, "--periode", "TW1"]):
        res = runner.invoke(main, ["--config", cfg, "--quiet", "generate", *args, "--tahun", "2026", "-o",
                                   str(tmp_path), "-j", "1", "--json"], catch_exceptions=False)
        assert res.exit_code == 0, (args, res.output)
        docs = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
        assert docs and all(d["docx"] and not d["error"] for d in docs), docs
    text = "\n".join(p.text for p in Document(str(tmp_path / f"evaluasi_{PRAKOM}_2026_TW2.docx")).paragraphs)
    tables = "\n".join(c.text for t in Document(str(tmp_path / f"evaluasi_{PRAKOM}_2026_TW2.docx")).tables
                       for r in t.rows for c in r.cells)
    assert "kumulatif s.d. TW2" in tables and "EKSPEKTASI" in (text + tables)


def test_demo_data_is_valid_and_files_are_real(tmp_path: Path) -> None:
    t = demo_tables(2026)
    for p in t["pegawai"]:
        parse_nip(p["nip"], p["jenis_pegawai"])
    files = demo_files(2026)
    again = demo_files(2026)  # seeded: the same demo every run (zip members of DOCX/XLSX carry the time)
    assert again.keys() == files.keys()
    assert all(again[k] == v for k, v in files.items() if not k.endswith((".docx", ".xlsx")))
    assert 270 <= len(files) <= 340
    by_ext: dict[str, bytes] = {}
    for rel, data in files.items():
        by_ext.setdefault(rel.rsplit(".", 1)[1], data)
    expect = {"jpg": "jpeg", "tif": "tiff", "txt": "text", "exe": "executable"}
    for ext, data in by_ext.items():
        (tmp_path / f"f.{ext}").write_bytes(data)
        assert detect(tmp_path / f"f.{ext}").name == expect.get(ext, ext), ext
    # phone photos: EXIF capture date and camera model
    phone = next(d for r, d in files.items() if Path(r).name.startswith("IMG_") and r.endswith(".jpg"))
    with Image.open(io.BytesIO(phone)) as img:
        exif = img.getexif()
        assert exif.get(0x0110) and exif.get_ifd(0x8769).get(0x9003, "").startswith("2026:")
    # scans: PDF pages without a text layer
    scans = [d for r, d in files.items() if r.endswith(".pdf") and ("(scan)" in r or "Surat tugas" in r)]
    assert scans and all(not PdfReader(io.BytesIO(d)).pages[0].extract_text().strip() for d in scans)


def test_demo_accounts_log_in_and_a_second_run_changes_nothing(demo_ws: tuple[Path, str]) -> None:
    import stat

    from fastapi.testclient import TestClient
    from test_web import login

    from archiver.config import load_config
    from archiver.web.app import create_app

    runner = CliRunner()
    where, first_stdout = demo_ws
    accounts = re.findall(r"pengguna (\S+)\s+peran (\S+)\s+kata sandi (\S+)", first_stdout)
    assert {(u, r) for u, r, _ in accounts} == {("admin", "admin"), ("auditor", "auditor"), ("kabid", "atasan"),
                                                ("pegawai", "pegawai")}
    kept = where / "demo-accounts.txt"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert all(f"{u}\t{r}\t{p}" in kept.read_text(encoding="utf-8") for u, r, p in accounts)
    config = where / "watch_config.toml"
    passwords = {u: p for u, _, p in accounts}

    # The printed passwords work; the atasan (a Kepala Bidang) sees their staff's evidence.
    app = create_app(load_config(config))
    for user, password in passwords.items():
        c = TestClient(app)
        assert login(c, user, password).status_code == 303, user  # type: ignore[attr-defined]
    kabid = TestClient(app)
    login(kabid, "kabid", passwords["kabid"])
    assert PRAKOM in {r["nip"] for r in kabid.get("/api/evidence").json()["items"]}

    def count() -> int:
        res = runner.invoke(main, ["--config", str(config), "--quiet", "list", "--json"], catch_exceptions=False)
        return len(res.stdout.splitlines())

    before, kept_text = count(), kept.read_text(encoding="utf-8")
    again = runner.invoke(main, ["--quiet", "demo", str(where), "--tahun", "2026"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "Demo sudah tersedia" in again.stdout
    assert not any(p in again.stdout for p in passwords.values())  # shown once, at creation
    assert str(kept) in again.stdout  # where the passwords are
    assert count() == before and kept.read_text(encoding="utf-8") == kept_text


def test_demo_leaves_a_real_workspace_alone(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "kantor")]).exit_code == 0
    res = runner.invoke(main, ["demo", str(tmp_path / "kantor")])
    assert res.exit_code == 2 and "bukan demo" in res.output
    assert not any((tmp_path / "kantor" / "drop").iterdir())
