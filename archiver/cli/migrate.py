"""`archiver migrate`: upgrade the catalog's schema on purpose (a deployment of several servers)."""

from __future__ import annotations

import click

from ..archive import Archive
from ..i18n import N_, _, ngettext
from .common import AppContext, emit_json, pass_app
from .group import main


@main.command("migrate")
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: revisions before, after, and those run."))
@pass_app
def migrate_cmd(app: AppContext, as_json: bool) -> None:
    """Upgrade the catalog to this version's schema (every feature's newest revision).

    Safe to run from several servers at once: on PostgreSQL the upgrade holds a database
    lock (an advisory lock) and the others wait, then find it done. A catalog migrated by
    a newer archiver is refused with exit 2 and left unchanged. By default every command
    migrates the catalog when it opens it; a deployment of several servers sets
    `[archive] migrate_on_open = false` and, during an upgrade, runs this once before
    restarting the nodes.

    \b
    Example:
      archiver --config /srv/arsip/watch_config.toml migrate
      archiver migrate --json
    """
    with Archive.open(app.config, migrate=False) as archive:
        report = archive.catalog.migrate()
    if as_json:
        emit_json(report.as_dict())
        return
    now = ", ".join(report.after) or "-"
    if report.applied:
        n = len(report.applied)
        click.echo(ngettext("Catalog migrated: {n} revision run ({revisions}).",
                            "Catalog migrated: {n} revisions run ({revisions}).", n).format(
            n=n, revisions=", ".join(report.applied)))
        click.echo(_("Catalog revision now: {revisions}.").format(revisions=now))
    else:
        click.echo(_("The catalog is up to date (revision: {revisions}); no migration was run.").format(revisions=now))
