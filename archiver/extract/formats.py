"""One extractor per family: PDF (pypdf), DOCX (python-docx), XLSX (openpyxl), OpenDocument and
PPTX (their XML), plain text and CSV, images (Pillow). Run inside the extraction worker.

Each returns an ``Extraction``; bad input becomes a status and a reason, never an exception
(the worker still catches whatever slips through).
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
import tempfile
import time
import warnings
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from ..i18n import deferred, render
from . import ocr
from .model import Extraction, ExtractLimits
from .zipguard import ZipBomb, check_zip

if TYPE_CHECKING:
    from pypdf import DocumentInformation

IMAGE_TYPES = frozenset({"jpeg", "png", "gif", "tiff", "webp", "bmp", "heic"})
TEXT_TYPES = frozenset({"text", "csv", "html", "xml"})
ZIP_TYPES = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp"})
THUMB = (320, 320)


def _clip(text: str, limits: ExtractLimits, meta: dict[str, Any]) -> str:
    if len(text) > limits.max_text_chars:
        meta["truncated_at_chars"] = limits.max_text_chars
        return text[: limits.max_text_chars]
    return text


def _done(text: str, limits: ExtractLimits, extractor: str, meta: dict[str, Any], **kw: Any) -> Extraction:
    empty_reason = kw.pop("empty_reason", None) or deferred("no text: the file holds no text")
    text = _clip(text.strip(), limits, meta)
    if not text:
        return Extraction("no_text", "", reason=empty_reason, meta=meta, extractor=extractor, **kw)
    return Extraction("ok", text, meta=meta, extractor=extractor, **kw)


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value) if value else None


# --------------------------------------------------------------------------- PDF

def extract_pdf(path: Path, limits: ExtractLimits) -> Extraction:
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    name = f"pypdf {pypdf.__version__}"
    try:
        reader = pypdf.PdfReader(path, strict=False)
        meta: dict[str, Any] = {}
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (NotImplementedError, PdfReadError) as exc:
                return Extraction("encrypted", "", reason=deferred(
                    "encrypted PDF: archived but not searchable ({error})", error=str(exc)[:300]), extractor=name)
            if not opened:
                return Extraction("encrypted", "",
                                  reason=deferred("encrypted PDF (password protected): archived but not searchable"),
                                  extractor=name)
            meta["encrypted"] = "empty user password"
        info: DocumentInformation | dict[str, Any] = reader.metadata or {}
        for key, field in (("title", "/Title"), ("author", "/Author"), ("subject", "/Subject"),
                           ("producer", "/Producer")):
            if info.get(field):
                meta[key] = str(info.get(field))[:500]
        for key, attr in (("created", "creation_date"), ("modified", "modification_date")):
            try:
                meta[key] = _iso(getattr(info, attr, None))
            except (ValueError, TypeError):
                pass
        texts: list[str] = []
        blank: list[int] = []
        size = 0
        for n, page in enumerate(reader.pages, 1):
            t = (page.extract_text() or "").strip()
            texts.append(t)
            size += len(t)
            if len(t) < 3:
                blank.append(n)
            if size > limits.max_text_chars:
                meta["truncated_at_page"] = n
                break
        pages = len(reader.pages)
    except FileNotDecryptedError:
        return Extraction("encrypted", "", reason=deferred("encrypted PDF: archived but not searchable"),
                          extractor=name)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, AssertionError, zipfile.BadZipFile) as exc:
        return Extraction("failed", "", reason=deferred("corrupt or truncated PDF: {error}",
                                                        error=(type(exc).__name__ + ": " + str(exc))[:450]),
                          extractor=name)
    meta = {k: v for k, v in meta.items() if v}
    if not blank:
        return _done("\n\n".join(texts), limits, name, meta, pages=pages)
    if not _can_ocr(limits):  # keep the text layer's words searchable; `reindex --ocr` reads the rest
        meta["pages_without_text"] = len(blank)
        text = _clip("\n\n".join(t for t in texts if t), limits, meta)
        return Extraction("pending_ocr", text, reason=_pending_reason(limits, len(blank), pages), pages=pages,
                          meta=meta, extractor=name)
    todo = blank[: limits.max_ocr_pages]
    if len(blank) > len(todo):
        meta["ocr_skipped_pages"] = len(blank) - len(todo)
    sizes = {n: _page_size(reader.pages[n - 1]) for n in todo}
    got = ocr.ocr_pdf_pages(path, todo, limits.ocr_languages, limits.ocr_timeout_s, limits.memory_mb,
                            sizes=sizes, embedded=lambda n: _page_images(reader, n))
    for n, t in got.texts.items():
        texts[n - 1] = t.strip()
    meta["ocr_pages"] = len(got.texts)
    if got.method != "pdftoppm":
        meta["ocr_method"] = got.method
    empty = deferred("no text: the PDF holds no text, and OCR found none in its pages")
    if got.problem:
        meta["ocr_error"] = render(got.problem)
        empty = deferred("no text: OCR failed ({error})", error=got.problem)
    return _done("\n\n".join(t for t in texts if t), limits, f"{name} + {ocr.version()}", meta, pages=pages,
                 empty_reason=empty)


def _page_size(page: Any) -> tuple[float, float] | None:
    try:
        box = page.mediabox
        return abs(float(box.width)), abs(float(box.height))
    except Exception:  # a broken box only means the default resolution
        return None


def _page_images(reader: Any, n: int) -> list[Any]:
    """Pillow images embedded in page n (1-based): what OCR reads when pdftoppm is missing."""
    out = []
    try:
        for img in reader.pages[n - 1].images:
            try:
                out.append(img.image)
            except Exception:  # an undecodable image is skipped, the others are read
                continue
    except Exception:  # a broken resource dictionary: no images to read
        pass
    return out


def _can_ocr(limits: ExtractLimits) -> bool:
    return limits.ocr and ocr.ocr_available(limits.ocr_languages)


def _pending_reason(limits: ExtractLimits, blank: int = 0, pages: int = 0) -> str:
    if blank and pages > 1:
        if not limits.ocr:
            return deferred("text pending: OCR not run now for {blank} of {pages} page(s) without a text layer "
                            "(run `archiver reindex --ocr`)", blank=blank, pages=pages)
        return deferred("text pending: OCR unavailable for {blank} of {pages} page(s) without a text layer "
                        "(Tesseract with {languages} is not installed)", blank=blank, pages=pages,
                        languages=limits.ocr_languages)
    if not limits.ocr:
        return deferred("text pending: OCR not run now (run `archiver reindex --ocr`)")
    return deferred("text pending: OCR unavailable (Tesseract with {languages} is not installed)",
                    languages=limits.ocr_languages)


# --------------------------------------------------------------------------- Office (zip based)

def _error_text(exc: BaseException, limit: int = 450) -> str:
    """A caught exception as the ``{error}`` of a stored reason: a message of ours (a ``deferred``
    text, translated when shown) as it is, a file that is no ZIP container in words, anything else
    as the library words it."""
    arg = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else None
    if arg is not None and arg.startswith('{"'):
        return arg
    if isinstance(exc, zipfile.BadZipFile):
        if str(exc) == "File is not a zip file":
            return deferred("the file is not a ZIP container")
        return deferred("the file is not a whole ZIP container ({error})", error=str(exc)[:limit])
    return (type(exc).__name__ + ": " + str(exc))[:limit]


def _zip_checked(path: Path, limits: ExtractLimits, what: str) -> Extraction | None:
    try:
        inflated = check_zip(path, limits.max_unzipped_mb)
    except ZipBomb as exc:
        return Extraction("no_text", "", reason=deferred("no text: {error}", error=str(exc)), extractor="zipguard")
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        return Extraction("failed", "", reason=deferred("corrupt or truncated {type} file: {error}", type=what,
                                                        error=_error_text(exc)), extractor="zipguard")
    del inflated
    return None


def extract_docx(path: Path, limits: ExtractLimits) -> Extraction:
    """Word: the text parts read straight from the XML (``docx_text``), each inflated under the cap."""
    from lxml import etree  # type: ignore[import-untyped]

    from .docx_text import docx_text

    try:
        text, meta = docx_text(path, limits.max_unzipped_mb)
    except ZipBomb as exc:
        return Extraction("no_text", "", reason=deferred("no text: {error}", error=str(exc)), extractor="zipguard")
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, KeyError, ValueError,
            etree.XMLSyntaxError) as exc:
        return Extraction("failed", "", reason=deferred("corrupt Word file: {error}", error=_error_text(exc)),
                          extractor="docx-xml")
    return _done(text, limits, "docx-xml", dict(meta))


def extract_xlsx(path: Path, limits: ExtractLimits) -> Extraction:
    """Excel: every worksheet's rows read straight from the XML (``xlsx_text``), each part inflated under the cap."""
    from lxml import etree

    from .xlsx_text import xlsx_text

    try:
        lines, meta = xlsx_text(path, limits.max_unzipped_mb, limits.max_text_chars)
    except ZipBomb as exc:
        return Extraction("no_text", "", reason=deferred("no text: {error}", error=str(exc)), extractor="zipguard")
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, KeyError, ValueError, IndexError,
            etree.XMLSyntaxError) as exc:
        return Extraction("failed", "", reason=deferred("corrupt Excel file: {error}", error=_error_text(exc)),
                          extractor="xlsx-xml")
    return _done("\n".join(lines), limits, "xlsx-xml", meta, pages=len(meta.get("sheets", [])))


_XML_TEXT = {"pptx": ("ppt/slides/", "}t"), "odt": ("content.xml", "}"), "ods": ("content.xml", "}"),
             "odp": ("content.xml", "}")}


def extract_xml_office(path: Path, type_name: str, limits: ExtractLimits) -> Extraction:
    """PPTX slides (<a:t> runs) and OpenDocument content.xml: the text of every element."""
    bad = _zip_checked(path, limits, type_name.upper())
    if bad:
        return bad
    prefix, suffix = _XML_TEXT[type_name]
    texts: list[str] = []
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted((n for n in zf.namelist() if n.startswith(prefix) and n.endswith(".xml")),
                           key=lambda n: (len(n), n))
            for n in names:
                with zf.open(n) as f:
                    for _, el in ElementTree.iterparse(f):
                        if el.tag.endswith(suffix) and (el.text or "").strip():
                            texts.append(el.text.strip())  # type: ignore[union-attr]
                        el.clear()
    except (ElementTree.ParseError, zipfile.BadZipFile, KeyError, OSError) as exc:
        return Extraction("failed", "", reason=deferred("corrupt {type} file: {error}", type=type_name.upper(),
                                                        error=_error_text(exc)), extractor="xml")
    return _done("\n".join(texts), limits, "xml", {})


# --------------------------------------------------------------------------- text

def extract_text(path: Path, limits: ExtractLimits) -> Extraction:
    """Plain text and CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252, else Latin-1."""
    cap = limits.max_text_chars * 4
    with open(path, "rb") as f:
        raw = f.read(cap)
    text, enc = None, "latin-1"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Notepad's "Unicode"
        return _done(raw.decode("utf-16", "replace"), limits, "text", {"encoding": "utf-16"})
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError as exc:
            if enc == "utf-8-sig" and len(raw) == cap and exc.start >= len(raw) - 4:  # cut inside a character
                text = raw[: exc.start].decode(enc)
                break
    if text is None:
        text, enc = raw.decode("latin-1"), "latin-1"
    return _done(text, limits, "text", {"encoding": enc.removesuffix("-sig")})


class _HtmlText(HTMLParser):
    """Visible text of an HTML page: tags dropped, script/style skipped, blocks on new lines."""

    SKIP = frozenset({"script", "style", "template", "noscript"})
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
                        "article", "title", "td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        self._in_title = tag == "title"
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if not self.skipping:
            self.parts.append(data)


def extract_html(path: Path, limits: ExtractLimits) -> Extraction:
    """HTML (a saved web page, an e-mail body): the visible text, not the markup."""
    ex = extract_text(path, limits)
    parser = _HtmlText()
    try:
        parser.feed(ex.text)
        parser.close()
    except (AssertionError, ValueError):  # html.parser copes with nearly anything; keep the raw text if not
        return ex
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(line for line in lines if line)
    meta = {**ex.meta, **({"title": " ".join(parser.title.split())} if parser.title.strip() else {})}
    return _done(text, limits, "html", meta)


# --------------------------------------------------------------------------- images

def _register_heif() -> None:
    """HEIC/HEIF (iPhone photos) through pillow-heif's Pillow plugin; without it they fail clearly."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return
    register_heif_opener()


def extract_image(path: Path, limits: ExtractLimits) -> Extraction:
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    _register_heif()
    name = "pillow"
    meta: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                meta.update(width=w, height=h, format=img.format)
                if w * h > limits.max_pixels:
                    return Extraction("no_text", "", meta=meta, extractor=name,
                                      reason=deferred("no text: image too large ({width}x{height} = {pixels} "
                                                      "pixels; limit {limit}): a decompression bomb?", width=w,
                                                      height=h, pixels=format(w * h, ","),
                                                      limit=format(limits.max_pixels, ",")))
                exif = img.getexif()
                taken = exif.get_ifd(0x8769).get(36867) or exif.get(306)
                if taken:
                    meta["exif_datetime"] = _exif_time(str(taken))
                img.seek(0)
                img.load()
                frame = ImageOps.exif_transpose(img).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own message quotes its hard limit (twice max_pixels): say the configured one
        size = re.search(r"\((\d+) pixels\)", str(exc))
        limit = f"{limits.max_pixels:,}"
        reason = deferred("no text: image too large ({pixels} pixels; limit {limit}, [extract] max_pixels): a "
                          "decompression bomb?", pixels=format(int(size.group(1)), ","), limit=limit) if size \
            else deferred("no text: image too large (limit {limit}, [extract] max_pixels): a decompression bomb?",
                          limit=limit)
        return Extraction("no_text", "", meta=meta, extractor=name, reason=reason)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        return Extraction("failed", "", meta=meta, extractor=name,
                          reason=deferred("corrupt or truncated image: {error}", error=str(exc)[:250]))
    thumb = frame.copy()
    thumb.thumbnail(THUMB)
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=80)
    thumbnail = buf.getvalue()
    if min(frame.size) < 24:
        return Extraction("no_text", "", meta=meta, extractor=name, thumbnail=thumbnail,
                          reason=deferred("no text: image too small to read"))
    if not _can_ocr(limits):
        return Extraction("pending_ocr", "", reason=_pending_reason(limits), meta=meta, extractor=name,
                          thumbnail=thumbnail)
    with tempfile.TemporaryDirectory(prefix="archiver-ocr-") as d:
        try:
            text = ocr.ocr_picture(frame, Path(d), limits.ocr_languages, limits.ocr_timeout_s, limits.memory_mb)
        except ocr.OcrError as exc:
            return Extraction("failed", "", reason=deferred("no text: OCR failed: {error}", error=str(exc)), meta=meta,
                              extractor=f"{name} + {ocr.version()}", thumbnail=thumbnail)
    meta["ocr_pages"] = 1
    return _done(text, limits, f"{name} + {ocr.version()}", meta, thumbnail=thumbnail,
                 empty_reason=deferred("no text: OCR found no text in the image"))


def _exif_time(s: str) -> str | None:
    try:
        return dt.datetime.strptime(s.strip()[:19], "%Y:%m:%d %H:%M:%S").isoformat()
    except ValueError:
        return None


def extract_in_process(path: Path, type_name: str, limits: ExtractLimits) -> Extraction:
    """Dispatch on the archive's type name. Runs in the worker (or in-process for benchmarks)."""
    t = time.perf_counter()
    if type_name == "pdf":
        ex = extract_pdf(path, limits)
    elif type_name == "docx":
        ex = extract_docx(path, limits)
    elif type_name == "xlsx":
        ex = extract_xlsx(path, limits)
    elif type_name in _XML_TEXT:
        ex = extract_xml_office(path, type_name, limits)
    elif type_name == "html":
        ex = extract_html(path, limits)
    elif type_name in TEXT_TYPES:
        ex = extract_text(path, limits)
    elif type_name in IMAGE_TYPES:
        ex = extract_image(path, limits)
    else:
        return no_extractor(type_name)
    ex.meta["seconds"] = round(time.perf_counter() - t, 3)
    return ex


def has_extractor(type_name: str) -> bool:
    """Whether ``extract_in_process`` reads text from this type (a video, an archive: no; the caller
    then needs no worker)."""
    return type_name in _EXTRACTED


def no_extractor(type_name: str) -> Extraction:
    return Extraction("no_text", "", reason=deferred("no text: no extractor for type {type}",
                                                     type=type_name or "unknown"), extractor="none")


_EXTRACTED = frozenset({"pdf", "docx", "xlsx", "html", *_XML_TEXT}) | TEXT_TYPES | IMAGE_TYPES
