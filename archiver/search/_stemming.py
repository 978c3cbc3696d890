"""Indonesian stemming: PySastrawi (dictionary-based, Nazief-Adriani + ECS), cached.

    stem("melaksanakan") == stem("pelaksanaan") == "laksana"
    stem("pengaduan") == stem("mengadukan") == "adu"

Why PySastrawi 1.2.1: on 62 words with known roots it finds 60 exact roots, the Snowball
Indonesian stemmer 48 (it breaks roots starting with k/t/p/n: ``pengelolaan -> elola``,
``penilaian -> ilai``); the old ``Sastrawi`` package is ~500x slower. Each new word costs
~0.3-1 ms, so results are cached: a corpus repeats its vocabulary, and indexing spends
its time on words seen for the first time (``bench/bench_search.py`` measures both).

``stem`` is a module-level function on purpose: Whoosh pickles the analyzer (with its stem
function) into the index; a bound method would pickle the whole dictionary into every commit.
It is pickled by name (``archiver.search._stemming.stem``): renaming it needs a stand-in
for old indexes, as ``_whoosh.index`` keeps for ``archiver.stemming.stem``.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary  # type: ignore[import-untyped]
from Sastrawi.Stemmer.Stemmer import Stemmer  # type: ignore[import-untyped]
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

CACHE_SIZE = 200_000
_stemmer: Any = None

#: Compound roots written as one word once affixed (``ditindaklanjuti``, ``pertanggungjawaban``),
#: which the dictionary stemmer leaves whole; their affixed forms are reduced to the joined root.
COMPOUND_ROOTS = ("tindaklanjut", "tanggungjawab", "kerjasama", "sebarluas", "serahterima", "beritahu",
                  "ujicoba", "tandatangan", "alihfungsi", "dayaguna", "hasilguna", "salahguna", "lipatganda")
_COMPOUND = re.compile(r"^(?:mem|men|meng|meny|me|di|pen|peng|pem|per|pe|ber|be|ter|ke)?(?:per|pe|ke)?("
                       + "|".join(COMPOUND_ROOTS) + r")(?:i|kan|an)?(?:nya)?$")


def _get_stemmer() -> Any:
    global _stemmer
    if _stemmer is None:
        # The plain stemmer, not the factory's CachedStemmer (whose cache never forgets).
        _stemmer = Stemmer(ArrayDictionary(StemmerFactory().get_words()))
    return _stemmer


@functools.lru_cache(maxsize=CACHE_SIZE)
def stem(word: str) -> str:
    """The root of one lowercase Indonesian word; the word itself when no root is known.

    Words with digits (NIP, codes like ``rhk01``) and short words are returned unchanged.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    try:
        root = _get_stemmer().stem_word(word)
    except Exception:
        log.debug("stemmer failed on %r", word, exc_info=True)
        return word
    if root == word and len(word) >= 10:
        # meN-/peN- drop a root's first t: menindaklanjuti = meN + tindaklanjut + i
        for candidate in (word, "t" + word[3:]) if word.startswith(("men", "pen")) else (word,):
            m = _COMPOUND.match(candidate)
            if m:
                return m.group(1)
    return root or word


def cache_info() -> Any:
    return stem.cache_info()
