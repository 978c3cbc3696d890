"""The payload of a bag: every blob linked (or copied) into ``data/``, each read once to hash it.

A blob comes from the store as a read-only local file (``BlobStore.local_path``). When
hard links are allowed it is linked into the bag folder (nothing here opens a payload file
for writing), otherwise its bytes are streamed into a copy. SHA-256 and SHA-512 are
computed in the same read, and the SHA-256 must equal the blob's name: a damaged or missing
blob stops the export, every one listed.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import NotFound, StoreError
from ..i18n import _, ngettext
from ..store import BlobStore
from .common import CHUNK, Progress
from .selection import Item

log = logging.getLogger(__name__)

Advance = Callable[[int], object]


def build_payload(store: BlobStore, bag: Path, items: list[Item], hardlinks: bool,
                  progress: Progress | None) -> tuple[int, int]:
    """Link or copy every blob into bag/data, hashing each once. Returns (linked, copied)."""
    total = sum(it.size for it in items)
    problems: list[str] = []
    known: dict[str, str] = {}  # sha256 -> sha512, for bytes that appear twice
    linked = copied = 0

    def advance(n: int) -> None:
        if progress:
            progress("salin", n, total)

    with ThreadPoolExecutor(1, thread_name_prefix="export-hash") as pool:
        for it in items:
            how = _place_item(store, bag, it, hardlinks, known, pool, problems, advance)
            hardlinks = hardlinks and how != "copy-after-link-failed"
            linked += how.startswith("linked")
            copied += how.startswith("cop")
    if problems:
        raise StoreError(ngettext("{n} blob cannot be exported as it is", "{n} blobs cannot be exported as they are",
                                  len(problems)).format(n=len(problems)), details=problems,
                         hint=_("run `archiver verify`; nothing was exported"))
    return linked, copied


def _place_item(store: BlobStore, bag: Path, it: Item, hardlinks: bool, known: dict[str, str],
                pool: ThreadPoolExecutor, problems: list[str], advance: Advance) -> str:
    """Place one item and check its bytes; returns how it was placed ('' when it failed)."""
    target = bag / it.bag_path
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with store.local_path(it.sha256) as src:
            how, sha256, sha512 = _place(src, target, hardlinks, it.sha256 in known, pool, advance)
    except (NotFound, FileNotFoundError):
        problems.append(_("blob {sha256} of {path} is missing from the archive").format(
            sha256=it.sha256, path=f"{it.share}/{it.relpath}"))
        return ""
    if how == "linked-known":
        sha256, sha512 = it.sha256, known[it.sha256]
    if sha256 != it.sha256:
        problems.append(_("blob {sha256} of {path} was modified: its bytes hash to {actual}").format(
            sha256=it.sha256, path=f"{it.share}/{it.relpath}", actual=sha256))
        target.unlink(missing_ok=True)
        return how
    known[it.sha256] = it.sha512 = sha512
    return how


def _place(src: Path, target: Path, try_link: bool, known: bool, pool: ThreadPoolExecutor,
           advance: Advance) -> tuple[str, str, str]:
    """Hard-link (or copy) ``src`` to ``target``; hash while reading. Returns (how, sha256, sha512)."""
    if try_link:
        try:
            os.link(src, target)
        except OSError as exc:
            log.info("cannot hard-link blobs into %s (%s): copying instead", target.parent, exc)
            return ("copy-after-link-failed", *_copy_hashing(src, target, pool, advance))
        if known:
            advance(target.stat().st_size)
            return "linked-known", "", ""
        return ("linked", *_hash_file(target, pool, advance))
    return ("copied", *_copy_hashing(src, target, pool, advance))


class _Hashers:
    """SHA-256 here and SHA-512 in a helper thread: hashlib releases the GIL, so on two cores
    the pair costs about as much as SHA-512 alone."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.h256, self.h512 = hashlib.sha256(), hashlib.sha512()

    def update(self, chunk: bytes) -> None:
        if len(chunk) < 256 * 1024:  # a thread hand-off costs more than hashing a small file
            self.h256.update(chunk)
            self.h512.update(chunk)
            return
        pending = self.pool.submit(self.h512.update, chunk)
        self.h256.update(chunk)
        pending.result()

    def digests(self) -> tuple[str, str]:
        return self.h256.hexdigest(), self.h512.hexdigest()


def _hash_file(path: Path, pool: ThreadPoolExecutor, advance: Advance) -> tuple[str, str]:
    hashers = _Hashers(pool)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            hashers.update(chunk)
            advance(len(chunk))
    return hashers.digests()


def _copy_hashing(src: Path, target: Path, pool: ThreadPoolExecutor, advance: Advance) -> tuple[str, str]:
    hashers = _Hashers(pool)
    with open(src, "rb") as fin, open(target, "xb") as fout:
        while chunk := fin.read(CHUNK):
            hashers.update(chunk)
            fout.write(chunk)
            advance(len(chunk))
    return hashers.digests()
