"""Zip bombs: inflate every member of an Office/OpenDocument file with a cap before any parser sees it.

Declared sizes in a zip can lie, so members are really inflated (streamed, nothing kept)
and the bytes counted; the first member that passes the limit names the file's problem.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

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
            raise ZipBomb(f"zip holds {len(infos):,} members (limit {max_members:,})")
        declared = sum(i.file_size for i in infos)
        if declared > limit:
            big = max(infos, key=lambda i: i.file_size)
            raise ZipBomb(f"zip member {big.filename} inflates beyond {max_unzipped_mb} MB "
                          f"(declared {declared / 1048576:,.0f} MB in all)")
        for info in infos:
            with zf.open(info) as member:
                while block := member.read(BLOCK):
                    total += len(block)
                    if total > limit:
                        raise ZipBomb(f"zip member {info.filename} inflates beyond {max_unzipped_mb} MB")
    return total
