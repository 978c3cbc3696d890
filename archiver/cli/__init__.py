"""Command line: thin commands over the library.

Each feature's commands live in their own module (``core``, ``watch``, ``search`` ...)
and attach themselves to ``main`` (``group``). Errors from the library are translated there:
``Error: <message>`` on stderr, exit 1 (problems found) or 2 (usage/configuration).
"""

from __future__ import annotations

# The command modules register themselves on main when imported.
from . import (  # noqa: F401
    core,
    documents,
    export,
    findings,
    flags,
    integrity,
    migrate,
    ops,
    retention,
    review,
    search,
    share,
    skp,
    watch,
    web,
    work,
)
from .group import ArchiverGroup, main, run

__all__ = ["ArchiverGroup", "main", "run"]
