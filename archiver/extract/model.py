"""What extraction returns, and the limits it runs under."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("ok", "no_text", "pending_ocr", "encrypted", "failed")


@dataclass(frozen=True)
class ExtractLimits:
    timeout_s: float = 60.0          # wall clock per file, parsing (the worker is killed past it)
    memory_mb: int = 1024            # address space of the worker and of its OCR children
    max_pixels: int = 60_000_000     # images larger than this are not decoded
    max_unzipped_mb: int = 300       # inflated size of all zip members of an Office file
    max_text_chars: int = 2_000_000  # text kept per file
    ocr: bool = True                 # run Tesseract now (False: leave such files pending)
    ocr_languages: str = "ind+eng"
    max_ocr_pages: int = 50
    ocr_timeout_s: float = 300.0     # wall clock per file for OCR, all pages together

    @property
    def wall_s(self) -> float:
        """What the parent waits for one file before it kills the worker."""
        return self.timeout_s + (self.ocr_timeout_s if self.ocr else 0.0)

    @classmethod
    def from_settings(cls, settings: Any, *, ocr: bool | None = None) -> ExtractLimits:
        """From the config's [extract] table; ``ocr`` overrides its ``ocr`` key when given."""
        return cls(timeout_s=settings.timeout_seconds, memory_mb=settings.memory_mb, max_pixels=settings.max_pixels,
                   max_unzipped_mb=settings.max_unzipped_mb, max_text_chars=settings.max_text_chars,
                   ocr=settings.ocr if ocr is None else ocr, ocr_languages=settings.ocr_languages,
                   max_ocr_pages=settings.max_ocr_pages, ocr_timeout_s=settings.ocr_timeout_seconds)


@dataclass
class Extraction:
    status: str                       # one of STATUSES
    text: str
    reason: str | None = None         # why there is no (or only some) text, for people
    pages: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # JSON-able: title, author, created, exif_datetime...
    thumbnail: bytes | None = None    # JPEG, for images
    extractor: str | None = None
