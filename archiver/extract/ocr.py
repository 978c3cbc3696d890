"""OCR with the Tesseract command (never its Python bindings) and PDF page rendering with pdftoppm.

Both run as child processes with a time limit and address-space and CPU limits, so a
hostile image cannot hang or exhaust the extraction worker. Without pdftoppm, the images
embedded in a PDF page are read instead.
"""

from __future__ import annotations

import functools
import math
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import deferred

#: The poppler-utils renderer (a name, so tests can pretend it is missing).
PDFTOPPM = "pdftoppm"
#: Larger images are scaled down before OCR: text stays readable, Tesseract's memory and time do not explode.
OCR_MAX_PIXELS = 25_000_000


class OcrError(Exception):
    """OCR could not read the file (message says why)."""


@functools.lru_cache(maxsize=8)
def languages() -> frozenset[str]:
    """Tesseract's installed language data (empty when Tesseract is missing)."""
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


def _limit(memory_mb: int, cpu_s: float) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
        cpu = math.ceil(cpu_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _run(cmd: list[str], timeout_s: float, memory_mb: int) -> subprocess.CompletedProcess[bytes]:
    signal.setitimer(signal.ITIMER_REAL, 0)  # parsing is over: OCR runs under its own time limit
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False, env=env,
                              preexec_fn=_limit(memory_mb, timeout_s))
    except subprocess.TimeoutExpired as exc:
        raise OcrError(deferred("{program} timed out after {seconds} s", program=Path(cmd[0]).name,
                                seconds=format(timeout_s, ".0f"))) from exc
    except OSError as exc:
        raise OcrError(deferred("{program} could not run: {error}", program=Path(cmd[0]).name, error=str(exc))) from exc


def _failed(name: str, out: subprocess.CompletedProcess[bytes]) -> OcrError:
    if out.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return OcrError(deferred("{program} used up its CPU time", program=name))
    return OcrError(deferred("{program} failed: {error}", program=name,
                             error=out.stderr.decode("utf-8", "replace").strip()[-300:]))


def ocr_image(image: Path, langs: str, timeout_s: float, memory_mb: int) -> str:
    """Text Tesseract reads in one image file (PNG, JPEG, TIFF...)."""
    out = _run(["tesseract", str(image), "stdout", "-l", langs, "--psm", "3"], timeout_s, memory_mb)
    if out.returncode != 0:
        raise _failed("tesseract", out)
    return out.stdout.decode("utf-8", "replace")


def ocr_picture(img: Any, folder: Path, langs: str, timeout_s: float, memory_mb: int) -> str:
    """OCR of a Pillow image: grey, scaled down past OCR_MAX_PIXELS, saved as PNG for Tesseract."""
    gray = img.convert("L")
    w, h = gray.size
    if w * h > OCR_MAX_PIXELS:
        k = math.sqrt(OCR_MAX_PIXELS / (w * h))
        gray = gray.resize((max(1, int(w * k)), max(1, int(h * k))))
    png = folder / "ocr.png"
    gray.save(png)
    try:
        return ocr_image(png, langs, timeout_s, memory_mb)
    finally:
        png.unlink(missing_ok=True)


@dataclass
class PagesRead:
    texts: dict[int, str] = field(default_factory=dict)  # 1-based page -> text
    method: str = "pdftoppm"
    problem: str | None = None  # why some pages were not read


def render_dpi(size_pt: tuple[float, float] | None, dpi: int = 200) -> int:
    """``dpi``, lowered for huge pages so that a rendering stays within OCR_MAX_PIXELS."""
    if not size_pt or min(size_pt) <= 0:
        return dpi
    inches = size_pt[0] / 72 * size_pt[1] / 72
    return max(10, min(dpi, int(math.sqrt(OCR_MAX_PIXELS / inches))))


def ocr_pdf_pages(pdf: Path, pages: list[int], langs: str, timeout_s: float, memory_mb: int, *,
                  sizes: Mapping[int, tuple[float, float] | None] | None = None,
                  embedded: Callable[[int], list[Any]] | None = None) -> PagesRead:
    """OCR text of the given 1-based pages of a PDF, within ``timeout_s`` for all of them.

    Pages are rendered with pdftoppm at 200 dpi (less for pages whose ``sizes``, in points,
    are huge); without pdftoppm, ``embedded(n)`` gives page n's images (Pillow) to read.
    """
    renderer = shutil.which(PDFTOPPM)
    if renderer is None and embedded is None:
        return PagesRead(method="none", problem=deferred("pdftoppm (poppler-utils) is not installed"))
    got = PagesRead(method="pdftoppm" if renderer else "embedded images")
    deadline = time.monotonic() + timeout_s
    with tempfile.TemporaryDirectory(prefix="archiver-ocr-") as d:
        for n in pages:
            left = deadline - time.monotonic()
            if left < 1:
                got.problem = deferred("OCR time limit ({seconds} s) reached after {n} page(s)",
                                       seconds=format(timeout_s, ".0f"), n=len(got.texts))
                break
            try:
                if renderer:
                    dpi = render_dpi((sizes or {}).get(n))
                    got.texts[n] = _render_and_read(renderer, pdf, n, Path(d), dpi, langs, left, memory_mb, deadline)
                else:
                    assert embedded is not None
                    got.texts[n] = "\n".join(ocr_picture(img, Path(d), langs, max(1.0, deadline - time.monotonic()),
                                                         memory_mb) for img in embedded(n))
            except OcrError as exc:
                got.problem = deferred("page {n}: {error}", n=n, error=str(exc))
                break
    return got


def _render_and_read(renderer: str, pdf: Path, n: int, folder: Path, dpi: int, langs: str, left: float,
                     memory_mb: int, deadline: float) -> str:
    base = folder / f"p{n}"
    r = _run([renderer, "-r", str(dpi), "-gray", "-png", "-f", str(n), "-l", str(n), "-singlefile",
              str(pdf), str(base)], left, memory_mb)
    png = base.with_suffix(".png")
    if r.returncode != 0 or not png.exists():
        raise _failed("pdftoppm", r)
    try:
        return ocr_image(png, langs, max(1.0, deadline - time.monotonic()), memory_mb)
    finally:
        png.unlink(missing_ok=True)
