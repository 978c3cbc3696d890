"""File names that are safe everywhere a package or document may land (Windows included).

Names dropped into a share come from people: they may hold characters Windows refuses,
device names, control characters, bidi tricks, or be longer than a zip extractor on
Windows can create. ``safe_component`` makes one name safe; ``NameAllocator`` builds
whole relative paths under a length budget and keeps them collision-free (case- and
Unicode-insensitively, as on Windows and macOS), appending `` (2)``, `` (3)`` ...
deterministically in the order names are requested.

    >>> safe_component('a:b?.pdf'), safe_component('CON.pdf'), safe_component('laporan. ')
    ('a_b_.pdf', 'CON_.pdf', 'laporan')
"""

from __future__ import annotations

import re
import unicodedata

#: Longest single name (characters) and whole relative path (characters) we produce.
MAX_COMPONENT = 120
MAX_PATH = 240
#: Most file systems (ext4, APFS) allow 255 *bytes* per name; stay below in UTF-8 too.
_MAX_COMPONENT_BYTES = 250
_MIN_STEM = 8

_FORBIDDEN = frozenset('<>:"/\\|?*')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"]
    + [f"{p}{n}" for p in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³", "0"]]
)
_SPACES = re.compile(r"\s+")


def _safe_char(ch: str, also: str = "") -> str:
    if ch in _FORBIDDEN or ch in also:
        return "_"
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Zl", "Zp"):  # controls, bidi/format tricks, lone surrogates, line breaks
        return "_"
    return ch


def _split_ext(name: str) -> tuple[str, str]:
    """('laporan.final', '.pdf'); an extension is short and has no spaces."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16 or " " in ext:
        return name, ""
    return stem, "." + ext


def _fits(name: str, max_chars: int) -> bool:
    return len(name) <= max_chars and len(name.encode("utf-8")) <= _MAX_COMPONENT_BYTES


def truncate(name: str, max_chars: int) -> str:
    """Shorten a name to ``max_chars`` (and the byte limit), keeping its extension."""
    if _fits(name, max_chars):
        return name
    stem, ext = _split_ext(name)
    if len(ext) >= max_chars - 1:
        stem, ext = name, ""
    while stem and not _fits(stem + ext, max_chars):
        stem = stem[:-1]
    stem = stem.rstrip(". ") or "_"
    return stem + ext


def safe_component(name: str, max_chars: int = MAX_COMPONENT, *, also: str = "") -> str:
    """One file or folder name made safe on Windows, macOS and Linux; never empty, never '.' or '..'.

    ``also``: further characters to replace by '_' (a BagIt package avoids '%', which RFC 8493
    percent-encodes in manifests but bagit-python does not decode).
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join(_safe_char(c, also) for c in text)
    text = _SPACES.sub(" ", text).strip(" ")
    text = text.rstrip(". ")  # Windows drops trailing dots and spaces silently
    if not text or set(text) <= {"."}:
        text = "_"
    stem, ext = _split_ext(text)
    if stem.split(".")[0].rstrip(" ").upper() in _RESERVED:
        first, rest = stem.split(".", 1)[0], stem[len(stem.split(".", 1)[0]):]
        text = f"{first}_{rest}{ext}"
    return truncate(text, max_chars)


def with_suffix_number(name: str, n: int, max_chars: int = MAX_COMPONENT) -> str:
    """'laporan.pdf', 2 -> 'laporan (2).pdf' (still within ``max_chars``)."""
    stem, ext = _split_ext(name)
    suffix = f" ({n})"
    room = max_chars - len(suffix) - len(ext)
    stem = truncate(stem, max(room, 1))
    return f"{stem}{suffix}{ext}"


def collision_key(path: str) -> str:
    """Two paths with the same key would land on the same file on Windows or macOS."""
    return unicodedata.normalize("NFC", path).casefold()


def fit_path(parts: list[str], limit: int = MAX_PATH) -> list[str]:
    """Shorten the longest components until ``'/'.join(parts)`` is at most ``limit`` characters."""
    parts = list(parts)
    while len("/".join(parts)) > limit:
        excess = len("/".join(parts)) - limit
        i = max(range(len(parts)), key=lambda k: (len(parts[k]), k))
        if len(parts[i]) <= _MIN_STEM + 4:
            raise ValueError(f"cannot fit {'/'.join(parts)!r} into {limit} characters")
        parts[i] = truncate(parts[i], max(len(parts[i]) - excess, _MIN_STEM + 4))
    return parts


class NameAllocator:
    """Hands out unique, safe relative paths below a fixed prefix (e.g. ``bag/data``).

    The prefix counts towards the path limit but is not sanitised (the caller owns it).
    A name that collides with an earlier one (or with an earlier folder) gets `` (2)``...
    """

    def __init__(self, prefix: str = "", limit: int = MAX_PATH, *, also: str = "") -> None:
        self.prefix = prefix.strip("/")
        self.also = also
        self.limit = limit
        self._files: set[str] = set()
        self._dirs: set[str] = set()

    def allocate(self, folders: list[str], name: str) -> str:
        """A unique path for ``folders/name`` (raw names from outside), relative to the prefix."""
        head = [self.prefix] if self.prefix else []
        fitted = fit_path([*head, *(safe_component(f, also=self.also) for f in folders),
                           safe_component(name, also=self.also)], self.limit)
        dirs, base = fitted[len(head):-1], fitted[-1]
        room = min(MAX_COMPONENT, self.limit - len("/".join([*head, *dirs, ""])))
        n = 1
        while True:
            parts = [*dirs, base if n == 1 else with_suffix_number(base, n, room)]
            if self._free(parts):
                self._claim(parts)
                return "/".join(parts)
            n += 1

    def _free(self, parts: list[str]) -> bool:
        key = collision_key("/".join(parts))
        if key in self._files or key in self._dirs:
            return False
        # a folder on the way must not be a file already handed out
        return not any(collision_key("/".join(parts[:i])) in self._files for i in range(1, len(parts)))

    def _claim(self, parts: list[str]) -> None:
        self._files.add(collision_key("/".join(parts)))
        for i in range(1, len(parts)):
            self._dirs.add(collision_key("/".join(parts[:i])))
