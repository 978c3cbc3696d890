"""`archiver demo DIR`: a ready workspace where every SKP feature has something to show."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from archiver.cli import main
from archiver.filetypes import detect
from archiver.nip import parse_nip
from archiver.skp.demo import KADIS, PRAKOM, demo_files, demo_tables


def test_demo_builds_a_ready_workspace(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["--quiet", "demo", str(tmp_path / "demo"), "--tahun", "2026"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "9 SKP imported, 13 evidence files ingested (11 archived, 2 unlinked)" in res.stdout
    cfg = str(tmp_path / "demo" / "watch_config.toml")

    def cli(*args: str) -> list[dict]:
        out = runner.invoke(main, ["--config", cfg, "--quiet", *args, "--json"], catch_exceptions=False)
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    skps = cli("skp", "list")
    assert {s["jenis_jabatan"] for s in skps} == {"JPT", "ADMINISTRATOR", "PENGAWAS", "FUNGSIONAL", "PELAKSANA"}
    tree = cli("skp", "tree", "--tahun", "2026")[0]
    assert [n["kode"] for n in tree["tree"][:3]] == ["SS-01", "SS-02", "SS-03"]
    assert tree["tree"][0]["children"][0]["nip"] == KADIS
    rows = {(r["nip"], r["iki"], r["periode"]): r for r in cli("coverage", "--tahun", "2026")}
    assert rows[(PRAKOM, "IKI-01", "TW1")]["missing"] == ["Notulen (0/1)"]
    assert rows[(PRAKOM, "IKI-03", "TW1")]["status"] == "lengkap"  # daftar hadir (xlsx) + foto (jpg)
    unlinked = cli("list", "--status", "unlinked")
    assert {Path(u["path"]).name for u in unlinked} == {"Notulen rapat.docx", "Scan KTP.jpg"}


def test_demo_data_is_valid_and_files_are_real() -> None:
    t = demo_tables(2026)
    for p in t["pegawai"]:
        parse_nip(p["nip"], p["jenis_pegawai"])
    kinds = {}
    for rel, data in demo_files(2026).items():
        kinds[rel.rsplit(".", 1)[1]] = data
    assert set(kinds) == {"pdf", "docx", "xlsx", "jpg", "png"}
    tmp = Path(__import__("tempfile").mkdtemp())
    for ext, data in kinds.items():
        (tmp / f"f.{ext}").write_bytes(data)
        assert detect(tmp / f"f.{ext}").name == {"jpg": "jpeg"}.get(ext, ext)
