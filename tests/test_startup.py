"""The fixed cost of every command (issue 15): a command imports only what it uses.

``main`` imports a command's module when that command is asked for (``COMMAND_MODULES``), and a
catalog already at every head is recognised without Alembic; ``archiver ingest`` with nothing
new loads neither the spreadsheet library, Alembic, numpy nor the search index's Whoosh.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import click
from conftest import NIP_A, Workspace

import archiver.cli
from archiver.cli import main
from archiver.cli.group import COMMAND_MODULES


def test_the_lazy_map_names_every_command_and_its_module() -> None:
    """A command added to a module (or a new command module) without its line in the map fails here."""
    for info in pkgutil.iter_modules(archiver.cli.__path__):
        importlib.import_module(f"archiver.cli.{info.name}")
    registered = {name: cmd.callback.__module__.rpartition(".")[2]
                  for name, cmd in main.commands.items() if cmd.callback is not None}
    assert set(registered) == set(main.commands), "a command without a callback: map it by hand"
    assert registered == COMMAND_MODULES
    assert main.list_commands(click.Context(main)) == sorted(COMMAND_MODULES)


_RUN_AND_LIST_MODULES = """
import sys
from archiver.cli import main
try:
    main(sys.argv[1:], prog_name="archiver")
except SystemExit as exc:
    if exc.code:
        raise
print("\\n".join(sorted(sys.modules)))
"""


def test_ingest_with_nothing_new_loads_only_what_it_uses(ws: Workspace) -> None:
    folder = ws.drop / NIP_A / "2026" / "TW1" / "RHK-01"
    folder.mkdir(parents=True)
    (folder / "notulen.txt").write_text("notulen rapat koordinasi kinerja " * 40, encoding="utf-8")
    args = ["--config", str(ws.config_path), "--quiet", "ingest"]
    first = subprocess.run([sys.executable, "-c", _RUN_AND_LIST_MODULES, *args],
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "alembic" in first.stdout.split(), "a fresh catalog is created by Alembic"
    assert ws.cli_json("list")[0]["status"] == "archived"
    again = subprocess.run([sys.executable, "-c", _RUN_AND_LIST_MODULES, *args],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    roots = {name.partition(".")[0] for name in again.stdout.split()}
    assert roots & {"openpyxl", "alembic", "numpy", "difflib", "whoosh"} == set(), sorted(roots)
    loaded = set(again.stdout.split())
    unused = {f"archiver.cli.{m}" for m in set(COMMAND_MODULES.values()) - {"core"}}
    assert loaded & unused == set(), sorted(loaded & unused)
