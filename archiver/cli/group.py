"""The ``archiver`` command group: global options, and library errors turned into exit codes.

Each feature's command module (``core``, ``watch``, ``search`` ...) imports ``main`` from here
and attaches its commands to it. ``main`` imports a module only when one of its commands is
asked for (``COMMAND_MODULES``; the help page imports them all): every command pays only for
the libraries it uses, not for the spreadsheet, export, web ... of the others.
"""

from __future__ import annotations

import contextvars
import importlib
import inspect
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

from .. import i18n
from ..errors import DISK_FULL_ERRNOS, ArchiverError, disk_full
from ..i18n import N_, _
from .common import AppContext

i18n.install_click()

#: Each top-level command of ``main`` -> the module of this package that registers it when imported.
#: tests/test_startup.py checks it against the commands the modules really register.
COMMAND_MODULES: dict[str, str] = {
    "anchor": "integrity", "fixity": "integrity",
    "backup": "ops", "restore": "ops",
    "coverage": "skp", "demo": "skp", "relink": "skp", "skp": "skp",
    "dispose": "retention", "hold": "retention", "retention": "retention",
    "eval": "documents", "generate": "documents", "generated": "documents", "templates": "documents",
    "export": "export", "verify-bag": "export",
    "findings": "findings",
    "flags": "flags",
    "ingest": "core", "init": "core", "list": "core", "release": "core", "status": "core",
    "types": "core", "verify": "core",
    "migrate": "migrate",
    "reindex": "search", "search": "search",
    "review": "review",
    "run": "web", "serve": "web", "user": "web",
    "share": "share",
    "watch": "watch",
    "work": "work",
}


def restrict_umask() -> None:
    """Files this process creates (catalog, blobs, index, documents) are at most 0640, folders 0750.

    The catalog holds password and session hashes, the blobs personal evidence: nobody outside
    the service's user and group reads them. A stricter umask (e.g. 077) is kept.
    """
    os.umask(os.umask(0o027) | 0o027)


@contextmanager
def _translated_help(params: list[click.Parameter]) -> Iterator[None]:
    """Option help (and a ``show_default`` text) is marked with N_() at import time, before the
    language is known: show it translated while the help page is written."""
    saved = [(p, getattr(p, "help", None), getattr(p, "show_default", None)) for p in params]
    try:
        for p, text, default in saved:
            if text:
                p.help = _(text)  # type: ignore[attr-defined]
            if isinstance(default, str):
                p.show_default = _(default)  # type: ignore[attr-defined]
        yield
    finally:
        for p, text, default in saved:
            p.help = text  # type: ignore[attr-defined]
            if isinstance(default, str):
                p.show_default = default  # type: ignore[attr-defined]


def _help_text(cmd: click.Command) -> str:
    """The command's docstring as Click shows it, translated (the catalog's msgid is exactly that)."""
    return _(inspect.cleandoc(cmd.help).partition("\f")[0]) if cmd.help else ""


class ArchiverCommand(click.Command):
    """A command whose help (docstring, option help) is shown in the reader's language."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = _help_text(self)
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def get_short_help_str(self, limit: int = 45) -> str:
        if self.short_help:
            return _(inspect.cleandoc(self.short_help)).strip()
        return click.utils.make_default_short_help(_help_text(self), limit).strip() if self.help else ""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_help(self.get_params(ctx)):
            super().format_options(ctx, formatter)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        # Click writes its help text in the language of the moment the option is made (before
        # --lang is read): keep the msgid, shown translated like every option's help
        fresh = self._help_option is None
        option = super().get_help_option(ctx)
        if option is not None and fresh:
            option.help = N_("Show this message and exit.")
        return option


class ArchiverGroup(ArchiverCommand, click.Group):
    """A group whose commands may live in modules imported on demand (``lazy_commands``: name ->
    module of this package that registers it): Click's "lazy loading subcommands" pattern."""

    command_class = ArchiverCommand
    group_class = type  # subgroups are ArchiverGroups too

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.lazy_commands.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"{__package__}.{module}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_commands()
        return super().list_commands(ctx)

    def load_commands(self) -> None:
        """Import every module of ``lazy_commands``: ``commands`` then holds them all."""
        for module in sorted(set(self.lazy_commands.values())):
            importlib.import_module(f"{__package__}.{module}")

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # the language chosen for this run does not outlive it (tests invoke the CLI in-process)
        return contextvars.copy_context().run(self._main, *args, **kwargs)

    def _main(self, *args: Any, **kwargs: Any) -> Any:
        # $ARCHIVER_LANG before any option: Click handles an eager --help typed on the command
        # line before the value --lang takes from the environment
        language = i18n.normalize_language(os.environ.get("ARCHIVER_LANG") or "")
        if language is not None:
            i18n.set_language(language)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArchiverError as exc:
            click.echo(_("Error: {message}").format(message=exc), err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            if exc.errno not in DISK_FULL_ERRNOS:
                raise
            full = disk_full(f"{exc.filename}" if exc.filename else _("data"))
            click.echo(_("Error: {message}").format(message=full), err=True)
            ctx.exit(full.exit_code)
        except KeyboardInterrupt:
            click.echo(_("Interrupted."), err=True)
            ctx.exit(130)


def _set_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """--lang / ARCHIVER_LANG, applied as soon as it is parsed (it is eager: `--lang en --help` works)."""
    if value:
        language = i18n.normalize_language(value)
        if language is None:
            raise click.BadParameter(_("write one of: {choices}").format(choices=", ".join(i18n.LANGUAGES)))
        i18n.set_language(language)
    return value


@click.group(cls=ArchiverGroup, lazy_commands=COMMAND_MODULES,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--lang", "language", metavar="id|en", envvar="ARCHIVER_LANG", is_eager=True, expose_value=True,
              callback=_set_language,
              help=N_("Language of messages: id (Bahasa Indonesia, the default) or en; default from "
                      "[archive] language, or $ARCHIVER_LANG."))
@click.option("--config", "config_path", metavar="PATH", envvar="ARCHIVER_CONFIG",
              help=N_("Configuration file (default ./watch_config.toml, or $ARCHIVER_CONFIG)."))
@click.option("-q", "--quiet", is_flag=True, help=N_("No progress bars; only errors on stderr."))
@click.option("-v", "--verbose", count=True, help=N_("More log output (-vv for debug)."))
@click.version_option(package_name="archiver", help=N_("Show the version and exit."))
@click.pass_context
def main(ctx: click.Context, language: str | None, config_path: str | None, quiet: bool, verbose: int) -> None:
    """archiver: a trustworthy archive of ASN performance evidence (bukti dukung kinerja).

    Staff drop files into shared folders; archiver stores each one write-once under its
    SHA-256, links it to pegawai, periode and RHK from its folder, records its custody,
    and lets auditors search and verify it.

    \b
    Example:
      archiver init kantor && cd kantor && archiver ingest && archiver status
    """
    level = logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    ctx.obj = AppContext(config_path=config_path, quiet=quiet, language_fixed=bool(language))
    if not language:
        ctx.obj.apply_configured_language()
    ctx.call_on_close(ctx.obj.close)


def run() -> None:
    """The ``archiver`` command (and ``python -m archiver``): the CLI under the service's umask.

    The umask is set here, not in the group, so code that invokes the group inside another
    process (tests, the web's own calls) does not change that process's umask."""
    restrict_umask()
    main(prog_name="archiver")

