"""Command line: thin commands over the library.

Each feature's commands live in their own module (``core``, ``watch``, ``search`` ...)
and attach themselves to ``main`` (``group``) when imported; ``main`` imports a command's module
only when that command is run (``group.COMMAND_MODULES``), so ``archiver ingest`` does not pay
for the spreadsheet, export or web libraries. Errors from the library are translated there:
``Error: <message>`` on stderr, exit 1 (problems found) or 2 (usage/configuration).
"""

from __future__ import annotations

import gc

# Starting up creates a few hundred thousand objects that live as long as the process (modules,
# classes, the catalog's tables, the configuration's models). Python's cyclic collector would walk
# them all, twice, during the imports: ~50 ms of every command. They are imported with it paused,
# then frozen: never walked again (garbage is still freed by reference counting, and the collector
# runs as usual for everything the command creates).
_collecting = gc.isenabled()
gc.disable()
try:
    from .group import ArchiverGroup, main, run
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

__all__ = ["ArchiverGroup", "main", "run"]
