"""Configuration: init, the documented default, resolution of paths, clear errors for bad files."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.config import Config, ShareSettings, load_config, render_default_config
from archiver.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def test_init_writes_working_workspace(tmp_path: Path) -> None:
    from click.testing import CliRunner

    res = CliRunner().invoke(main, ["init", str(tmp_path / "kantor")])
    assert res.exit_code == 0, res.output
    root = tmp_path / "kantor"
    for sub in ("drop", "archive", "index"):
        assert (root / sub).is_dir()
    cfg = load_config(root / "watch_config.toml")
    assert cfg.shares["drop"].path == root / "drop"
    assert cfg.archive.path == root / "archive"
    assert cfg.index.path == root / "index"
    assert cfg.shares["drop"].pattern == "{nip}/{tahun}/{periode}/{rhk}/..."
    assert "polling = false" in (root / "watch_config.toml").read_text()
    again = CliRunner().invoke(main, ["init", str(root)])
    assert again.exit_code == 2 and "sudah ada" in again.output


def test_repository_default_config_is_the_rendered_one() -> None:
    """The top-level watch_config.toml is generated from the declarations: it cannot drift."""
    assert (REPO / "watch_config.toml").read_text(encoding="utf-8") == render_default_config()


def test_every_setting_is_documented_in_the_default_file() -> None:
    text = render_default_config()
    data = tomllib.loads(text)
    for section in ("archive", "index", "limits", "watch"):
        model = Config.model_fields[section].annotation
        assert set(data[section]) == set(model.model_fields), section  # type: ignore[union-attr]
        for name, f in model.model_fields.items():  # type: ignore[union-attr]
            assert f.description and len(f.description) > 20, f"{section}.{name} lacks help"
    assert set(data["shares"]["drop"]) == set(ShareSettings.model_fields)
    # every key is preceded by a comment line
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if " = " in line and not line.startswith("#") and not line.startswith(" "):
            assert lines[i - 1].startswith("#"), line


def test_relative_paths_resolve_against_config_folder(ws, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # somewhere else entirely
    cfg = load_config(ws.config_path)
    assert cfg.archive.path == ws.root / "archive"


def test_config_from_environment(ws, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ARCHIVER_CONFIG", str(ws.config_path))
    monkeypatch.chdir(tmp_path)
    from click.testing import CliRunner

    res = CliRunner().invoke(main, ["status", "--json"])
    assert res.exit_code == 0, res.output
    assert '"counts"' in res.output


def _write(ws, old: str, new: str) -> None:
    text = ws.config_path.read_text()
    assert old in text
    ws.config_path.write_text(text.replace(old, new))


def _error(ws) -> str:
    res = ws.cli("status")
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert str(ws.config_path) in res.output
    return res.output


def test_unknown_key_names_file_key_and_suggestion(ws) -> None:
    _write(ws, "polling = false", "poling = false")
    out = _error(ws)
    assert "[shares.drop]" in out and "'poling'" in out and "maksudnya 'polling'" in out


def test_wrong_type_says_what_to_write(ws) -> None:
    _write(ws, "polling = false", 'polling = "yes"')
    out = _error(ws)
    assert "[shares.drop] polling" in out and "tulis true atau false" in out


def test_missing_share_folder(ws) -> None:
    _write(ws, 'path = "drop"', 'path = "nowhere"')
    out = _error(ws)
    assert "[shares.drop] path" in out and "tidak ada; buat foldernya" in out


def test_malformed_pattern(ws) -> None:
    _write(ws, 'pattern = "{nip}/{tahun}/{periode}/{rhk}/..."', 'pattern = "{nip}/{year}/..."')
    out = _error(ws)
    assert "[shares.drop] pattern" in out and "kolom {year} dalam pola" in out


def test_invalid_toml(ws) -> None:
    ws.config_path.write_text(ws.config_path.read_text() + "\nthis is not toml\n")
    out = _error(ws)
    assert "bukan TOML yang sah" in out


def test_several_problems_reported_at_once(ws) -> None:
    _write(ws, "polling = false", 'polling = "yes"')
    _write(ws, "settle_seconds = 2.0", "settle_seconds = -1")
    _write(ws, 'timezone = "Asia/Jakarta"', 'timezone = "Mars/Olympus"')
    out = _error(ws)
    assert "3 masalah dalam konfigurasi" in out and "settle_seconds" in out and "Mars/Olympus" in out


def test_unknown_type_in_allowed_types(ws) -> None:
    _write(ws, '    "pdf",\n', '    "pdff",\n')
    out = _error(ws)
    assert "'pdff'" in out and "jenis yang dikenal" in out


def test_archive_inside_share_is_refused(ws) -> None:
    _write(ws, 'path = "archive"', 'path = "drop/archive"')
    out = _error(ws)
    assert "di dalam share 'drop'" in out


def test_missing_config_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    with pytest.raises(ConfigError, match="archiver init"):
        load_config(None)
