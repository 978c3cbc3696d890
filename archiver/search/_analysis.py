"""Indonesian text analysis: how text becomes index terms, the same for every backend.

words -> lowercase -> accents folded -> Indonesian stop words dropped -> PySastrawi stem
(``_stemming.stem``), so ``melaksanakan`` finds ``pelaksanaan``. Index writes analyse text
once here (``index_terms``); the Whoosh backend builds the same chain from Whoosh's filters
for its query parser, and a test checks that both make the same terms.
"""

from __future__ import annotations

import re
from collections import Counter

from ._accents import ACCENT_MAP
from ._stemming import stem

INDONESIAN_STOP_WORDS = frozenset("""
yang dan di ke dari untuk dengan pada ini itu dalam atau adalah oleh sebagai akan juga tidak ada
telah sudah karena bahwa para secara serta agar dapat tersebut kepada bagi hal maka namun jika kami
kita saya ia dia mereka nya pun lah the of and to in for on
""".split())

#: A word: what the tokenizer splits on.
WORD = re.compile(r"\w+")


def term_of(word: str) -> str | None:
    """What the analyzer makes of one word (None for a stop word)."""
    w = word.lower()
    if not w.isascii():
        w = w.translate(ACCENT_MAP)
    if len(w) < 2 or w in INDONESIAN_STOP_WORDS:
        return None
    return stem(w)


def index_terms(text: str) -> list[str]:
    """The analyzer's terms for ``text``, in order (repeats kept): what every index write uses."""
    return [t for t in map(term_of, WORD.findall(text)) if t is not None]


def content_of(name: str, text: str) -> str:
    """Searchable text: the file name's words (``laporan_kegiatan-2026.pdf``) then the content."""
    words = re.sub(r"[_\-.]+", " ", name)
    return f"{words}\n{text}" if text else words


def cap_text(text: str, *, max_chars: int, max_words: int) -> str:
    """What one document gives the index: at most ``max_chars`` of its text, holding at most
    ``max_words`` distinct words. Beyond that the rarest words are left out (words seen once
    first: random strings, encoded data, OCR noise), so one file of many distinct words cannot
    make the index many times its size. The text itself stays whole in the catalog."""
    if len(text) > max_chars:
        text = text[:max_chars]
    words = WORD.findall(text)
    counts = Counter(w.lower() for w in words)
    if len(counts) <= max_words:
        return text
    keep = {w for w, _ in counts.most_common(max_words)}  # equal counts: the first seen stay
    return " ".join(w for w in words if w.lower() in keep)
