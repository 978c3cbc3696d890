"""The ``archiver`` command group: global options, and library errors turned into exit codes.

Each feature's command module (``core``, ``watch``, ``search`` ...) imports ``main`` from here
and attaches its commands to it; ``archiver.cli`` imports them all.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from ..errors import DISK_FULL_ERRNOS, ArchiverError, disk_full
from .common import AppContext


def restrict_umask() -> None:
    """Files this process creates (catalog, blobs, index, documents) are at most 0640, folders 0750.

    The catalog holds password and session hashes, the blobs personal evidence: nobody outside
    the service's user and group reads them. A stricter umask (e.g. 077) is kept.
    """
    os.umask(os.umask(0o027) | 0o027)


class ArchiverGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArchiverError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            if exc.errno not in DISK_FULL_ERRNOS:
                raise
            full = disk_full(f"{exc.filename}" if exc.filename else "data")
            click.echo(f"Error: {full}", err=True)
            ctx.exit(full.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


@click.group(cls=ArchiverGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH", envvar="ARCHIVER_CONFIG",
              help="Configuration file (default ./watch_config.toml, or $ARCHIVER_CONFIG).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars; only errors on stderr.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="archiver")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, quiet: bool, verbose: int) -> None:
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
    ctx.obj = AppContext(config_path=config_path, quiet=quiet)
    ctx.call_on_close(ctx.obj.close)


def run() -> None:
    """The ``archiver`` command (and ``python -m archiver``): the CLI under the service's umask.

    The umask is set here, not in the group, so code that invokes the group inside another
    process (tests, the web's own calls) does not change that process's umask."""
    restrict_umask()
    main(prog_name="archiver")

