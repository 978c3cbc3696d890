"""Text of a Word (DOCX) file read straight from its XML parts.

python-docx builds the whole document model to give the text: it inflates and parses
every part (styles, numbering, theme, settings, fonts), ~10 ms for a one-page letter,
most of it for parts that hold no text. Here only the parts with text are read: the body
(``word/document.xml``), the headers and footers its sections refer to, and the core
properties, each inflated with a cap (the parts not read are never inflated, so a bomb
hidden in one of them costs nothing) and parsed without entities or network access.

What is read, in this order (as with python-docx before):
  body        paragraphs and tables (nested tables too) in document order; a table row is
              its cells' text joined by " | "; content controls (``w:sdt``) are entered
  text boxes  paragraphs inside text boxes and shapes, each distinct line once (Word
              writes each box twice: DrawingML and a VML fallback)
  sections    each section's headers and footers (default, first page, even pages)
A run's text is its ``w:t`` with tabs as "\\t", breaks as "\\n" and non-breaking
hyphens as "-"; deleted text (``w:delText``) is left out, inserted text is kept.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..i18n import deferred
from .zipguard import CappedZip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"

_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT, _R, _HYPERLINK = (
    W + "p", W + "tbl", W + "tr", W + "tc", W + "sdt", W + "sdtContent", W + "r", W + "hyperlink")
_TXBX = W + "txbxContent"
_RUN_TEXT = {W + "t": None, W + "tab": "\t", W + "ptab": "\t", W + "br": "\n", W + "cr": "\n",
             W + "noBreakHyphen": "-"}
#: Containers inside a paragraph whose runs are part of its text (not text boxes: those are read apart).
_INLINE = {_HYPERLINK, W + "ins", W + "smartTag", W + "fldSimple", _SDT, _SDT_CONTENT, W + "customXml",
           W + "moveTo"}
_KINDS = (("headerReference", "default"), ("headerReference", "first"), ("headerReference", "even"),
          ("footerReference", "default"), ("footerReference", "first"), ("footerReference", "even"))

def _run_text(run: Any) -> str:
    out: list[str] = []
    for child in run:
        tag = child.tag
        if tag in _RUN_TEXT:
            out.append(child.text or "" if tag == W + "t" else _RUN_TEXT[tag] or "")
    return "".join(out)


def _para_text(p: Any) -> str:
    out: list[str] = []

    def walk(el: Any) -> None:
        for child in el:
            tag = child.tag
            if tag == _R:
                out.append(_run_text(child))
            elif tag in _INLINE:
                walk(child)

    walk(p)
    return "".join(out)


def _blocks(container: Any) -> Iterator[str]:
    """Paragraphs and table rows of a body, cell, header or footer, in document order."""
    for el in container:
        tag = el.tag
        if tag == _P:
            text = _para_text(el)
            if text.strip():
                yield text
        elif tag == _TBL:
            for row in el.iter(_TR):
                if row.getparent() is not el:
                    continue  # a nested table's rows: read inside its cell
                cells = [" ".join(_blocks(tc)) for tc in row if tc.tag == _TC]
                line = " | ".join(c for c in cells if c.strip())
                if line:
                    yield line
        elif tag in (_SDT, _SDT_CONTENT):
            yield from _blocks(el)


def _text_boxes(root: Any) -> list[str]:
    seen: dict[str, None] = {}
    for box in root.iter(_TXBX):
        for para in box.iter(_P):
            line = "".join(t.text or "" for t in para.iter(W + "t")).strip()
            if line:
                seen.setdefault(line)
    return list(seen)


def _iso(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value.strip()
    return t.isoformat()


def _core(parts: CappedZip) -> dict[str, str]:
    root = parts.xml("docProps/core.xml")
    if root is None:
        return {}
    found = {"title": root.findtext(_DC + "title"), "author": root.findtext(_DC + "creator"),
             "created": _iso(root.findtext(_DCTERMS + "created")),
             "modified": _iso(root.findtext(_DCTERMS + "modified"))}
    return {k: v for k, v in found.items() if v}


def _related(parts: CappedZip) -> dict[str, str]:
    """Relationship id -> member name, for the main document's headers and footers."""
    rels = parts.xml("word/_rels/document.xml.rels")
    if rels is None:
        return {}
    out: dict[str, str] = {}
    for rel in rels.iter(REL):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("word", target))
        out[rel.get("Id") or ""] = name
    return out


def docx_text(path: Path, max_unzipped_mb: int) -> tuple[str, dict[str, str]]:
    """(text, metadata) of a DOCX file. Raises ZipBomb, zipfile.BadZipFile, KeyError (no document
    part), etree.XMLSyntaxError and OSError for files that are not (whole) Word documents."""
    with zipfile.ZipFile(path) as zf:
        parts = CappedZip(zf, max_unzipped_mb)
        doc = parts.xml("word/document.xml")
        if doc is None:
            raise KeyError(deferred("the file has no {part} part", part="word/document.xml"))
        body = doc.find(W + "body")
        if body is None:
            raise KeyError(deferred("{part} has no body", part="word/document.xml"))
        text = list(_blocks(body)) + _text_boxes(body)
        related = _related(parts)
        for sect in doc.iter(W + "sectPr"):
            for element, kind in _KINDS:
                ref = next((r for r in sect.iter(W + element) if (r.get(W + "type") or "default") == kind), None)
                name = related.get(ref.get(R_ID) or "") if ref is not None else None
                if name:
                    part = parts.xml(name)
                    if part is not None:
                        text.extend(_blocks(part))
                        text.extend(_text_boxes(part))
        return "\n".join(text), _core(parts)
