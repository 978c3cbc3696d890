"""Shared fixtures: real workspaces on the real file system, real SQLite, the real CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from archiver.archive import Archive
from archiver.cli import main
from archiver.config import Config, load_config, write_workspace
from archiver.samplefiles import text_pdf

NIP_A = "198503152010011002"  # PNS, born 1985-03-15, TMT 2010-01, male
NIP_B = "199001012015032001"  # PNS, born 1990-01-01, TMT 2015-03, female
IN_CI = os.environ.get("CI") == "true"


def require_program(name: str) -> str:
    """Path of a system program; in CI (where .ci/run installs it) a missing one fails, never skips."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed, but .ci/run installs it")
        pytest.skip(f"{name} not installed (run .ci/run to install it)")
    return path


class FixedClock:
    """An injectable clock: tests move time instead of sleeping."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.t = start or dt.datetime(2026, 3, 2, 1, 0, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += dt.timedelta(seconds=seconds)


@dataclass
class Workspace:
    root: Path
    config_path: Path
    runner: CliRunner = field(default_factory=CliRunner)

    @property
    def drop(self) -> Path:
        return self.root / "drop"

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    def open(self, **kw: Any) -> Archive:
        return Archive.open(self.config, **kw)

    def put(self, relpath: str, data: bytes | str, share: Path | None = None) -> Path:
        """Drop a file into the share (creating folders), as a staff member would."""
        p = (share or self.drop) / relpath
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        return p

    def cli(self, *args: str, input: str | None = None) -> Result:
        """Run the real CLI in-process against this workspace."""
        return self.runner.invoke(main, ["--config", str(self.config_path), "--quiet", *args], input=input,
                                  catch_exceptions=False)

    def cli_json(self, *args: str) -> list[dict[str, Any]]:
        res = self.cli(*args, "--json")
        return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]

    def run(self, *args: str, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
        """Run the CLI as a separate process (for signals, kills, real exit codes)."""
        return subprocess.run([sys.executable, "-m", "archiver", "--config", str(self.config_path), *args],
                              capture_output=True, text=True, timeout=timeout, **kw)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh workspace made by `archiver init` (drop/, archive/, index/, watch_config.toml)."""
    cfg = write_workspace(tmp_path / "ws")
    return Workspace(cfg.parent, cfg)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


# ----------------------------------------------------------------- real sample files

def make_pdf(text: str = "Laporan kegiatan", pages: int = 1) -> bytes:
    """A small but real PDF with a text layer, one line per page ("TEXT halaman N")."""
    return text_pdf([[f"{text} halaman {i + 1}"] for i in range(pages)])


def make_docx(*paragraphs: str) -> bytes:
    from docx import Document

    doc = Document()
    for p in paragraphs or ("Notulen rapat koordinasi",):
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def make_xlsx(rows: list[list[Any]] | None = None) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows or [["Kegiatan", "Jumlah"], ["Sosialisasi", 3]]:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def make_png(size: tuple[int, int] = (64, 48), color: str = "navy") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def make_exe() -> bytes:
    """The start of a Windows program (MZ + PE header): what libmagic calls an executable."""
    return b"MZ\x90\x00" + b"\x00" * 56 + (64).to_bytes(4, "little") + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 300


def wait_for(pred: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """The first true value of ``pred()``, polled every 50 ms; AssertionError naming ``what`` after ``timeout`` s."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
