"""OCR with the Tesseract command (never its Python bindings) and PDF page rendering with pdftoppm.

Both run as child processes with a time limit and an address-space limit, so a hostile
image cannot hang or exhaust the extraction worker.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path


class OcrError(Exception):
    """OCR could not read the file (message says why)."""


@functools.lru_cache(maxsize=8)
def languages() -> frozenset[str]:
    """Tesseract's installed language data ('' when Tesseract is missing)."""
    exe = shutil.which("tesseract")
    if exe is None:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in (out.stdout + out.stderr).splitlines()[1:] if line.strip())


@functools.lru_cache(maxsize=1)
def version() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        return "tesseract (missing)"
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "tesseract"
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else "tesseract"


def ocr_available(langs: str = "ind+eng") -> bool:
    """Tesseract is installed and has every language asked for (``ind+eng``)."""
    have = languages()
    return bool(have) and all(lang in have for lang in langs.split("+"))


def _limit(memory_mb: int):  # noqa: ANN202 - a preexec function
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
    return apply


def _run(cmd: list[str], timeout_s: float, memory_mb: int) -> subprocess.CompletedProcess[bytes]:
    signal.setitimer(signal.ITIMER_REAL, 0)  # parsing is over: OCR runs under its own time limit
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False, env=env,
                              preexec_fn=_limit(memory_mb))
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"{Path(cmd[0]).name} timed out after {timeout_s:.0f} s") from exc


def ocr_image(image: Path, langs: str, timeout_s: float, memory_mb: int) -> str:
    """Text Tesseract reads in one image file (PNG, JPEG, TIFF...)."""
    out = _run(["tesseract", str(image), "stdout", "-l", langs, "--psm", "3"], timeout_s, memory_mb)
    if out.returncode != 0:
        raise OcrError(f"tesseract failed: {out.stderr.decode('utf-8', 'replace').strip()[-300:]}")
    return out.stdout.decode("utf-8", "replace")


def ocr_pdf_pages(pdf: Path, pages: list[int], langs: str, timeout_s: float, memory_mb: int,
                  dpi: int = 200) -> dict[int, str]:
    """OCR text of the given 1-based pages of a PDF, rendered with pdftoppm."""
    if shutil.which("pdftoppm") is None:
        raise OcrError("pdftoppm (poppler-utils) is not installed")
    texts: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="archiver-ocr-") as d:
        for n in pages:
            base = Path(d) / f"p{n}"
            r = _run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(n), "-l", str(n), "-singlefile",
                      str(pdf), str(base)], timeout_s, memory_mb)
            png = base.with_suffix(".png")
            if r.returncode != 0 or not png.exists():
                raise OcrError(f"pdftoppm could not render page {n}: "
                               f"{r.stderr.decode('utf-8', 'replace').strip()[-200:]}")
            texts[n] = ocr_image(png, langs, timeout_s, memory_mb)
            png.unlink()
    return texts
