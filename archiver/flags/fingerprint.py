"""Fingerprints of one blob, computed once when its text is extracted (pure functions).

- **MinHash** of the text's word 3-shingles (120 hashes of 32 bits): the share of equal hashes
  estimates the Jaccard similarity of two texts; 20 LSH bands of 6 hashes give the keys
  (``t<band>:<hex>``) under which near-duplicates meet in one indexed join.
- **pHash** (DCT of a 32x32 grey image, 8x8 low frequencies against their median) of the
  image's thumbnail made by the extractor (no second decoding of the file), in its four
  rotations; pairs of each rotation's bytes are keys (``i<i><j>:<hex>``), so a photo turned
  by 90 degrees or slightly cropped meets its original. Text pages (mostly white, no colour) get no
  image keys: pages on one template look alike whatever they say; their OCR text is compared.
  ``dhash`` is the cheaper gradient hash, kept for comparison.
- **Dates**: the PDF's creation and modification dates, the photo's EXIF capture date, and the
  dates written in the text ("12 Januari 2025", "12-01-2025", "12/01/2025"); a text date is
  *strong* when it follows "tanggal"/"tgl" or ends a place-date line ("Jakarta, 12 Januari 2025").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

#: Bump when the computation changes: older rows are recomputed by ``archiver flags --rebuild``.
VERSION = 1
PERMS = 120
BANDS = 20
ROWS = PERMS // BANDS  # 6: texts alike at 0.75 meet in a band with p 0.98, template letters (0.33) with p 0.03
SHINGLE = 3
#: Texts with fewer words are not compared (a short caption matches too many others).
MIN_WORDS = 30
_PRIME = 4294967311  # > 2**32
_rng = np.random.default_rng(18)
_A = _rng.integers(1, 2**31 - 1, size=PERMS, dtype=np.uint64)
_B = _rng.integers(0, 2**31 - 1, size=PERMS, dtype=np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)

_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "maret": 3, "mar": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8, "agt": 8, "agu": 8, "ags": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11,
    "nop": 11, "desember": 12, "des": 12, "dec": 12, "january": 1, "february": 2, "march": 3, "may": 5,
    "june": 6, "july": 7, "august": 8, "october": 10, "december": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_WORDS = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RE})\.?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_DATE_NUM = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.]((?:19|20)\d\d)\b")
_STRONG_BEFORE = re.compile(r"(tanggal|tgl\.?|tertanggal|ditetapkan|dikeluarkan)\s*:?\s*$", re.IGNORECASE)
_PLACE_LINE = re.compile(r"(?:^|\n)[ \t]*[A-Z][A-Za-z .'-]{1,40},[ \t]*$")
MAX_TEXT_DATES = 50


@dataclass
class Fingerprint:
    sha256: str
    words: int = 0
    minhash: bytes | None = None
    phash: str | None = None  # 4 x 16 hex: rotations 0, 90, 180, 270
    dates: list[dict[str, Any]] = field(default_factory=list)
    bands: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- text

def words_of(text: str) -> list[str]:
    return _WORD.findall((text or "").casefold())


def minhash(words: list[str]) -> npt.NDArray[np.uint32] | None:
    """The MinHash signature of the word shingles (None for texts under MIN_WORDS words)."""
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    x = np.fromiter((zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles))
    h = (np.outer(x, _A) + _B) % np.uint64(_PRIME)  # (shingles, PERMS): a*x < 2**63
    sig: npt.NDArray[np.uint32] = (h.min(axis=0) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return sig


def text_bands(sig: npt.NDArray[np.uint32]) -> list[str]:
    out = []
    for b in range(BANDS):
        chunk = sig[b * ROWS:(b + 1) * ROWS].astype("<u4").tobytes()
        out.append(f"t{b}:{hashlib.blake2b(chunk, digest_size=8).hexdigest()}")
    return out


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two texts from their stored MinHash signatures."""
    sa_, sb = np.frombuffer(a, dtype="<u4"), np.frombuffer(b, dtype="<u4")
    return float(np.mean(sa_ == sb)) if len(sa_) == len(sb) and len(sa_) else 0.0


# --------------------------------------------------------------------------- images

def _dct_matrix(n: int) -> npt.NDArray[np.float64]:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
    m[0] /= np.sqrt(2)
    out: npt.NDArray[np.float64] = m.astype(np.float64)
    return out


_DCT = _dct_matrix(32)


def _bits_hex(bits: npt.NDArray[np.bool_]) -> str:
    v = 0
    for bit in bits.ravel():
        v = (v << 1) | int(bit)
    return f"{v:016x}"


def _grey(image: Any, size: tuple[int, int]) -> npt.NDArray[np.float64]:
    from PIL import Image

    return np.asarray(image.convert("L").resize(size, Image.Resampling.LANCZOS), dtype=np.float64)


def phash_pixels(px: npt.NDArray[np.float64]) -> str:
    """pHash of a 32x32 grey array: 8x8 low DCT frequencies against their median (DC left out)."""
    d = (_DCT @ px @ _DCT.T)[:8, :8]
    med = np.median(d.ravel()[1:])
    return _bits_hex(d > med)


def phash(image: Any) -> list[str]:
    """pHash of a Pillow image in its four rotations (0, 90, 180, 270 degrees)."""
    px = _grey(image, (32, 32))
    return [phash_pixels(np.rot90(px, k)) for k in range(4)]


def dhash(image: Any) -> str:
    """Difference hash (9x8 grey, each pixel brighter than its right neighbour)."""
    px = _grey(image, (9, 8))
    return _bits_hex(px[:, 1:] > px[:, :-1])


def image_bands(hashes: list[str]) -> list[str]:
    """Keys of each rotation's hash cut in 8 bytes: one key per pair of bytes (28), so two images
    meet when two bytes agree (any two images within 6 bits always do; a 5% crop nearly always)."""
    out = set()
    for h in hashes:
        for i, j in itertools.combinations(range(8), 2):
            out.add(f"i{i}{j}:{h[2 * i:2 * i + 2]}{h[2 * j:2 * j + 2]}")
    return sorted(out)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def image_distance(a: str, b: str) -> int:
    """Smallest Hamming distance between image ``b`` and any rotation of image ``a`` (stored 4 x 16 hex)."""
    b0 = b[:16]
    return min(hamming(a[i:i + 16], b0) for i in range(0, len(a), 16))


def looks_like_page(image: Any) -> bool:
    """A scanned or photographed text page: mostly white, hardly any colour. Pages on one template
    have near-equal perceptual hashes whatever they say, so pages are compared by their (OCR) text."""
    small = image.convert("RGB").resize((64, 64))
    grey = np.asarray(small.convert("L"), dtype=np.float64)
    sat = np.asarray(small.convert("HSV"), dtype=np.float64)[:, :, 1]
    return bool(np.mean(grey > 190) > 0.6 and np.mean(sat) < 40)


def thumbnail_hashes(thumbnail: bytes | None) -> tuple[list[str], bool] | None:
    """(pHash in 4 rotations, whether it looks like a text page) of the extractor's thumbnail."""
    if not thumbnail:
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(thumbnail)) as img:
            if min(img.size) < 16:
                return None
            return phash(img), looks_like_page(img)
    except (OSError, ValueError, SyntaxError):
        return None


# --------------------------------------------------------------------------- dates

def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def text_dates(text: str) -> list[dict[str, Any]]:
    """Dates written in the text, each {"date", "source": "text", "strong", "quote"}."""
    found: list[tuple[int, dt.date, int]] = []
    for m in _DATE_WORDS.finditer(text):
        d = _date(int(m.group(3)), _MONTHS[m.group(2).casefold()], int(m.group(1)))
        if d:
            found.append((m.start(), d, m.end()))
    for m in _DATE_NUM.finditer(text):
        d = _date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if d:
            found.append((m.start(), d, m.end()))
    out: list[dict[str, Any]] = []
    for start, d, end in sorted(found, key=lambda t: t[0])[:MAX_TEXT_DATES]:
        before = text[max(0, start - 60):start]
        strong = bool(_STRONG_BEFORE.search(before) or _PLACE_LINE.search(before))
        out.append({"date": d.isoformat(), "source": "text", "strong": strong,
                    "quote": " ".join(text[max(0, start - 30):end].split())[-80:]})
    return out


def meta_dates(meta: dict[str, Any], extractor: str | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    pdf = (extractor or "").startswith("pypdf")
    for key, source in (("created", "pdf_created"), ("modified", "pdf_modified"), ("exif_datetime", "exif")):
        value = meta.get(key)
        if not isinstance(value, str) or len(value) < 10 or (source != "exif" and not pdf):
            continue
        try:
            d = dt.date.fromisoformat(value[:10])
        except ValueError:
            continue
        out.append({"date": d.isoformat(), "source": source, "strong": source == "exif"})
    return out


# --------------------------------------------------------------------------- all of it

def compute(sha256: str, text: str, meta: dict[str, Any] | None, extractor: str | None,
            thumbnail: bytes | None) -> Fingerprint:
    words = words_of(text)
    fp = Fingerprint(sha256, words=len(words))
    sig = minhash(words)
    if sig is not None:
        fp.minhash = sig.astype("<u4").tobytes()
        fp.bands.extend(text_bands(sig))
    got = thumbnail_hashes(thumbnail)
    if got:
        hashes, page = got
        fp.phash = "".join(hashes)
        if not page:
            fp.bands.extend(image_bands(hashes))
    fp.dates = meta_dates(meta or {}, extractor) + text_dates(text or "")
    return fp
