"""Operations commands: backup and restore; the web server's log settings (JSON like the watcher's)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from ..i18n import N_, _
from .common import AppContext, emit_json, pass_app
from .group import main
from .watch import JsonLogFormatter


class JsonAccessFormatter(JsonLogFormatter):
    """The watcher's JSON lines, plus the fields of a uvicorn access line (client, method, path, status)."""

    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            client, method, path, http_version, status = args
            fields = {"client": client, "method": method, "path": path, "http": http_version, "status": status}
            setattr(record, "decision", fields)  # noqa: B010 - LogRecord takes extra attributes
        return super().format(record)


def uvicorn_log_config(json_log: bool, quiet: bool) -> dict[str, Any] | None:
    """uvicorn's logging (``log_config``) for ``serve``/``run``: one JSON object per line with
    --json-log, in every worker process too; None keeps uvicorn's plain text."""
    if not json_log:
        return None
    level = "WARNING" if quiet else "INFO"
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "archiver.cli.ops.JsonAccessFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
                    "uvicorn.error": {"level": level},
                    "uvicorn.access": {"handlers": ["stderr"], "level": level, "propagate": False}},
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


@main.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--link", is_flag=True,
              help=N_("Hard-link blobs instead of copying them (DEST on the same file system: fast, no extra space; "
                   "protects against mistakes, not against a failing disk)."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: counts, bytes copied, manifest hash."))
@pass_app
def backup_cmd(app: AppContext, dest: Path, link: bool, as_json: bool) -> None:
    """Back up the archive to DEST while it keeps running.

    DEST is a new or empty folder, or an earlier backup of this archive (then only new blobs
    are copied). It receives a consistent snapshot of the catalog (SQLite's online backup),
    every blob that snapshot names, the configuration, the workspace's templates/ and
    anchors/ folders, and manifest-sha256.txt with the SHA-256 of every file. A PostgreSQL
    catalog is backed up with pg_dump instead (the command says how, exit 2).

    \b
    Example:
      archiver backup /mnt/cadangan/arsip-harian
      archiver backup /mnt/usb/arsip-$(date +%Y-%m) --json
    """
    from ..backup import backup, require_sqlite

    require_sqlite(app.config)  # before the catalog is opened: PostgreSQL is dumped with pg_dump
    archive = app.archive
    with app.progress(unit="B", unit_scale=True, desc=_("backing up")) as bar:
        report = backup(archive, dest, link=link, progress=bar.update)
    if as_json:
        emit_json(report.as_dict())
        return
    click.echo(_("Backup finished in {dest}: {blobs} blobs ({new} new, {bytes} bytes copied), {submissions} "
                 "submissions, {events} custody events; {files} files in the manifest.").format(
        dest=report.dest, blobs=report.blobs, new=report.blobs_copied, bytes=report.bytes_copied,
        submissions=report.counts.get("submissions", 0), events=report.counts.get("events", 0), files=report.files))
    click.echo(_("SHA-256 of manifest-sha256.txt: {sha256} (write it down outside the backup)").format(
        sha256=report.manifest_sha256))


@main.command("restore")
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
@click.argument("workspace", type=click.Path(file_okay=False, path_type=Path))
@click.option("--link", is_flag=True, help=N_("Hard-link blobs from SRC instead of copying them (same file system)."))
@click.option("--no-reindex", is_flag=True, help=N_("Do not rebuild the search index (run `archiver reindex` later)."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: files checked, blobs, counts."))
@pass_app
def restore_cmd(app: AppContext, src: Path, workspace: Path, link: bool, no_reindex: bool, as_json: bool) -> None:
    """Restore the backup SRC into WORKSPACE, a new or empty folder.

    Every file is checked against the backup's manifest first; a damaged or unfinished
    backup is refused and nothing is written. WORKSPACE receives watch_config.toml, the
    catalog and the blobs (at the paths that configuration names, which must be empty),
    templates/ and anchors/; the search index is rebuilt. The shares' own files are not
    in a backup: put them back before starting the watcher, or it records every file
    that is missing from a share as removed. Check the result with `archiver verify`.

    \b
    Example:
      archiver restore /mnt/cadangan/arsip-harian /srv/arsip
      archiver --config /srv/arsip/watch_config.toml verify
    """
    from ..backup import restore

    with app.progress(unit="B", unit_scale=True, desc=_("checking the backup")) as bar:
        report = restore(src, workspace, link=link, reindex=not no_reindex, progress=bar.update)
    if as_json:
        emit_json(report.as_dict())
        return
    click.echo(_("Restored to {workspace}: {files} files match the manifest, {blobs} blobs, {submissions} "
                 "submissions, {events} custody events.").format(
        workspace=report.workspace, files=report.files_checked, blobs=report.blobs,
        submissions=report.counts.get("submissions", 0), events=report.counts.get("events", 0)))
    if report.indexed is not None:
        click.echo(_("Search index rebuilt: {n} documents.").format(n=report.indexed))
    if report.shares:
        click.echo(_("Share folders created empty: {shares}. Put the shares' files back before starting the "
                     "watcher (archiver watch/run).").format(shares=", ".join(report.shares)))
    click.echo(_("Check the result: {command}").format(command=f"archiver --config {report.config} verify"))
