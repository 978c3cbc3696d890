"""Which files a pass looks at: walking a share, ignore rules, command-line targets."""

from __future__ import annotations

import fnmatch
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..archive import Archive
from ..errors import UsageError
from ..i18n import _

log = logging.getLogger(__name__)


def is_ignored(archive: Archive, relpath: str) -> bool:
    patterns = archive.config.limits.ignore
    return any(fnmatch.fnmatchcase(part, pat) or fnmatch.fnmatch(part.lower(), pat.lower())
               for part in relpath.split("/") for pat in patterns)


def walk_share(root: Path, on_error: Callable[[Path, OSError], None] | None = None) -> Iterator[str]:
    """Every entry below ``root`` that is not a directory, as a POSIX relpath. Never follows links.

    A folder that cannot be listed is logged (and passed to ``on_error``) and skipped.
    """
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            log.warning("cannot list folder %s: %s", folder, exc)
            if on_error is not None:
                on_error(folder, exc)
            continue
        subdirs = []
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                subdirs.append(Path(e.path))
            else:
                yield Path(e.path).relative_to(root).as_posix()
        stack.extend(reversed(subdirs))


def resolve_targets(archive: Archive, paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[str, str]]:
    """(share, relpath) for each file under the given files or folders; refuses paths outside shares."""
    for raw in paths:
        p = Path(os.path.abspath(raw))  # no symlink resolution: the path as the user named it
        where = archive.config.share_for(p)
        if where is None:
            roots = ", ".join(f"{n} ({s.path})" for n, s in archive.config.shares.items())
            raise UsageError(_("{path} is not inside a configured share").format(path=raw),
                             hint=_("shares: {shares}").format(shares=roots))
        share, rel = where
        if any(part == ".." for part in rel.split("/")):
            raise UsageError(_("{path}: '..' is not allowed in a path").format(path=raw))
        if p.is_dir() and not p.is_symlink():
            for sub in walk_share(p):
                yield share, (sub if rel == "." else f"{rel}/{sub}")
        elif os.path.lexists(p):
            yield share, rel
        else:
            raise UsageError(_("{path} does not exist").format(path=raw))


