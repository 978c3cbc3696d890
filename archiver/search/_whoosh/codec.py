"""The index's posting format: Whoosh's W3 codec, with blocks the fast path reads cheaply."""

from __future__ import annotations

import pickle
import zlib
from array import array
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3PostingsWriter  # type: ignore[import-untyped]
from whoosh.util.numeric import length_to_byte  # type: ignore[import-untyped]
from whoosh.util.numlists import delta_encode  # type: ignore[import-untyped]

#: Posting blocks of 512 documents (Whoosh's default is 128): a quarter of the per-block
#: overhead when a query reads a whole list; measured at 20,000 documents, queries 25-45%
#: faster and the index 6% smaller. Segments written with other sizes stay readable.
POSTING_BLOCK = 512


class PostingsWriter(W3PostingsWriter):  # type: ignore[misc]  # whoosh is untyped
    """Whoosh's block writer, with a block's ids and weights as arrays pickled with protocol
    4 (Whoosh: tuples, protocol 2). Whoosh's reader takes them as they are (it indexes and
    iterates both); unpickling a 512-posting block drops from ~25 to ~7 us, and the fast
    path maps the arrays without a copy. Blocks of either kind read the same."""

    def _mini_ids(self) -> Any:
        if self._byteids:
            return super()._mini_ids()
        return array("I", delta_encode(self._ids))

    def _mini_weights(self) -> Any:
        w = super()._mini_weights()
        return array("f", w) if isinstance(w, tuple) else w

    def _write_block(self, last: bool = False) -> None:  # Whoosh 2.7.5's, with protocol 4 for the data
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        databytes = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 4)
        comp = self._compression
        if comp:
            databytes = zlib.compress(databytes, comp)
        ids = self._ids
        infobytes = pickle.dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                                  length_to_byte(self._maxlength)), 2)
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class Codec(W3Codec):  # type: ignore[misc]
    """Pickled by reference into every segment of the index's table of contents."""

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        return PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                              compression=self._compression, inlinelimit=self._inlinelimit)


def codec() -> Any:
    return Codec(blocklimit=POSTING_BLOCK, compression=3)
