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


def test_demo_accounts_log_in_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    import re
    import stat

    from fastapi.testclient import TestClient
    from test_web import login

    from archiver.config import load_config
    from archiver.web.app import create_app

    runner = CliRunner()
    where = tmp_path / "demo"
    first = runner.invoke(main, ["--quiet", "demo", str(where), "--tahun", "2026"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    accounts = re.findall(r"user (\S+)\s+role (\S+)\s+password (\S+)", first.stdout)
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
    assert "already in place" in again.stdout
    assert not any(p in again.stdout for p in passwords.values())  # shown once, at creation
    assert str(kept) in again.stdout  # where the passwords are
    assert count() == before and kept.read_text(encoding="utf-8") == kept_text


def test_demo_leaves_a_real_workspace_alone(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "kantor")]).exit_code == 0
    res = runner.invoke(main, ["demo", str(tmp_path / "kantor")])
    assert res.exit_code == 2 and "not a demo" in res.output
    assert not any((tmp_path / "kantor" / "drop").iterdir())
