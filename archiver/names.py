"""File names that are not valid UTF-8 (old Windows tools, zip extractors): kept exactly, shown readably.

Python hands such a name over with its bad bytes as lone surrogates (``os.fsdecode``,
surrogateescape), which neither SQLite, JSON files nor a terminal accept. Inside the
library a relpath is the file system's name; at every edge (catalog, custody detail,
logs, output) it becomes ``readable(relpath)``, where each bad byte is written as
``\\xNN``, and the catalog keeps the original bytes in ``relpath_hex`` so that the next
pass finds the same file again (``from_catalog``).
"""

from __future__ import annotations

import os


def is_clean(relpath: str) -> bool:
    """Whether the name is valid Unicode text (no escaped bytes)."""
    try:
        relpath.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable(relpath: str) -> str:
    """The name as text any edge accepts: bad bytes as ``\\xNN`` (``bad\\xff\\xfe.txt``)."""
    if is_clean(relpath):
        return relpath
    return os.fsencode(relpath).decode("utf-8", "backslashreplace")


def raw_hex(relpath: str) -> str | None:
    """The original bytes in hex when the name is not valid UTF-8, else None."""
    return None if is_clean(relpath) else os.fsencode(relpath).hex()


def from_catalog(text: str, hex_bytes: str | None) -> str:
    """The file system's name of a catalog path (``relpath`` and ``relpath_hex``)."""
    return os.fsdecode(bytes.fromhex(hex_bytes)) if hex_bytes else text
