"""The command line as a whole: help is part of the interface."""

from __future__ import annotations

import click
from click.testing import CliRunner

from archiver.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # imports the modules of lazily loaded commands
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        out.append(((*prefix, name), cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


def test_every_command_has_help_with_an_example() -> None:
    """In both languages: the Indonesian help (the default) is the English one translated."""
    runner = CliRunner()
    missing = []
    for path, _cmd in _commands(main):
        for lang, word in (("id", "Contoh:"), ("en", "Example:")):
            res = runner.invoke(main, ["--lang", lang, *path, "--help"])
            assert res.exit_code == 0, (path, res.output)
            if word not in res.output:
                missing.append(f"{' '.join(path)} ({lang})")
    assert missing == [], f"commands without an example in --help: {missing}"


def test_core_commands_exist() -> None:
    names = set(main.list_commands(click.Context(main)))
    assert {"init", "ingest", "list", "status", "verify"} <= names


def test_usage_error_exits_2() -> None:
    res = CliRunner().invoke(main, ["list", "--status", "nonsense"])
    assert res.exit_code == 2


def test_version() -> None:
    res = CliRunner().invoke(main, ["--version"])
    assert res.exit_code == 0 and "0.1.0" in res.output
