"""Zip bombs: inflate every member of an Office/OpenDocument file with a cap before any parser sees it.

Declared sizes in a zip can lie, so members are really inflated (streamed, nothing kept)
and the bytes counted; the first member that passes the limit names the file's problem.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..i18n import deferred

BLOCK = 1024 * 1024


class ZipBomb(Exception):
    """The file inflates beyond the limit (message names the member)."""


def check_zip(path: Path, max_unzipped_mb: int, max_members: int = 20_000) -> int:
    """Inflate every member, counting bytes; return the total. Raises ZipBomb or zipfile.BadZipFile."""
    limit = max_unzipped_mb * 1024 * 1024
    total = 0
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > max_members:
            raise ZipBomb(deferred("zip holds {n} members (limit {limit})", n=format(len(infos), ","),
                                   limit=format(max_members, ",")))
        declared = sum(i.file_size for i in infos)
        if declared > limit:
            big = max(infos, key=lambda i: i.file_size)
            raise ZipBomb(deferred("zip member {name} inflates beyond {limit} MB (declared {declared} MB in all)",
                                   name=big.filename, limit=max_unzipped_mb,
                                   declared=format(declared / 1048576, ",.0f")))
        for info in infos:
            with zf.open(info) as member:
                while block := member.read(BLOCK):
                    total += len(block)
                    if total > limit:
                        raise ZipBomb(deferred("zip member {name} inflates beyond {limit} MB", name=info.filename,
                                               limit=max_unzipped_mb))
    return total


class CappedZip:
    """Members of an Office package read with one inflation budget for all of them: the parts a
    reader asks for are inflated (streamed, counted) and parsed without entities or network
    access; the parts it never asks for are never inflated, so a bomb in one of them costs
    nothing. Raises ZipBomb past ``limit_mb`` in all."""

    def __init__(self, zf: zipfile.ZipFile, limit_mb: int) -> None:
        self.zf = zf
        self.left = limit_mb * 1024 * 1024
        self.limit_mb = limit_mb

    def _info(self, name: str) -> zipfile.ZipInfo | None:
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            return None
        if info.file_size > self.left:
            raise ZipBomb(deferred("zip member {name} inflates beyond {limit} MB", name=name, limit=self.limit_mb))
        return info

    def chunks(self, name: str) -> Iterator[bytes]:
        """The member's inflated bytes, block by block (nothing when it is absent)."""
        info = self._info(name)
        if info is None:
            return
        with self.zf.open(info) as member:
            while block := member.read(BLOCK):
                self.left -= len(block)
                if self.left < 0:
                    raise ZipBomb(deferred("zip member {name} inflates beyond {limit} MB", name=name,
                                           limit=self.limit_mb))
                yield block

    def xml(self, name: str) -> Any:
        """The member parsed whole (lxml element), or None when it is absent."""
        from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

        if self._info(name) is None:
            return None
        return etree.fromstring(b"".join(self.chunks(name)), parser())

    def iterparse(self, name: str, tag: str) -> Iterator[Any]:
        """``tag`` elements of the member as they are parsed (streamed: clear each when done)."""
        from lxml import etree

        if self._info(name) is None:
            return
        feed = etree.XMLPullParser(events=("end",), tag=tag, resolve_entities=False, no_network=True,
                                   huge_tree=False, remove_comments=True)
        for block in self.chunks(name):
            feed.feed(block)
            for _event, el in feed.read_events():
                yield el
        feed.close()
        for _event, el in feed.read_events():
            yield el


def parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)

