"""File types judged by content (libmagic), never by the name's extension."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import magic

#: type name -> MIME types libmagic reports for it
_TYPES: dict[str, tuple[str, ...]] = {
    "pdf": ("application/pdf",),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
    "doc": ("application/msword",),
    "xls": ("application/vnd.ms-excel",),
    "ppt": ("application/vnd.ms-powerpoint",),
    "odt": ("application/vnd.oasis.opendocument.text",),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet",),
    "odp": ("application/vnd.oasis.opendocument.presentation",),
    "rtf": ("text/rtf", "application/rtf"),
    "text": ("text/plain",),
    "csv": ("text/csv",),
    "jpeg": ("image/jpeg",),
    "png": ("image/png",),
    "gif": ("image/gif",),
    "tiff": ("image/tiff",),
    "webp": ("image/webp",),
    "heic": ("image/heic", "image/heif"),
    "bmp": ("image/bmp", "image/x-ms-bmp"),
    "mp4": ("video/mp4",),
    "zip": ("application/zip",),
    "html": ("text/html",),
    "xml": ("text/xml", "application/xml"),
}
_EXECUTABLE = {
    "application/x-dosexec", "application/x-executable", "application/x-pie-executable",
    "application/x-sharedlib", "application/x-mach-binary", "application/x-msi",
    "application/vnd.microsoft.portable-executable", "text/x-shellscript", "application/x-elf",
    "text/x-msdos-batch", "application/x-bat",
}
KNOWN_TYPES = frozenset(_TYPES) | {"executable"}
_BY_MIME = {mime: name for name, mimes in _TYPES.items() for mime in mimes}
_OOXML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_CDF = {"Microsoft Word": "doc", "Microsoft Excel": "xls", "Microsoft PowerPoint": "ppt"}


@dataclass(frozen=True)
class FileType:
    name: str  # a key of KNOWN_TYPES, or "unknown"
    mime: str
    description: str

    @property
    def is_executable(self) -> bool:
        return self.name == "executable"


def detect(path: Path) -> FileType:
    """What the bytes of ``path`` are. Reads only as much of the file as libmagic needs."""
    mime = magic.from_file(str(path), mime=True)
    desc = magic.from_file(str(path))
    if mime in _EXECUTABLE or desc.startswith(("PE32", "ELF", "MS-DOS executable")):
        return FileType("executable", mime, desc)
    name = _BY_MIME.get(mime)
    if name == "zip" or mime in ("application/octet-stream", "application/x-zip-compressed"):
        name = _refine_zip(path) or name
    if mime in ("application/CDFV2", "application/x-ole-storage", "application/vnd.ms-office"):
        name = next((t for k, t in _CDF.items() if k in desc), None)
    return FileType(name or "unknown", mime, desc)


def _refine_zip(path: Path) -> str | None:
    """Office files are zips; libmagic sometimes calls them plain zip. Look at the members."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()[:200]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" in names:
        for prefix, kind in _OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return kind
    return None
