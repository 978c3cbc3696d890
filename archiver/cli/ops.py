"""Operations commands: backup and restore; the web server's log settings (JSON like the watcher's)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

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
              help="Hard-link blobs instead of copying them (DEST on the same file system: fast, no extra space; "
                   "protects against mistakes, not against a failing disk).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: counts, bytes copied, manifest hash.")
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
    with app.progress(unit="B", unit_scale=True, desc="backup") as bar:
        report = backup(archive, dest, link=link, progress=bar.update)
    if as_json:
        emit_json(report.as_dict())
        return
    click.echo(f"Cadangan selesai di {report.dest}: {report.blobs} blob ({report.blobs_copied} baru, "
               f"{report.bytes_copied} byte disalin), {report.counts.get('submissions', 0)} kiriman, "
               f"{report.counts.get('events', 0)} peristiwa custody; {report.files} berkas di manifest.")
    click.echo(f"SHA-256 manifest-sha256.txt: {report.manifest_sha256} (catat di luar cadangan)")


@main.command("restore")
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
@click.argument("workspace", type=click.Path(file_okay=False, path_type=Path))
@click.option("--link", is_flag=True, help="Hard-link blobs from SRC instead of copying them (same file system).")
@click.option("--no-reindex", is_flag=True, help="Do not rebuild the search index (run `archiver reindex` later).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: files checked, blobs, counts.")
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

    with app.progress(unit="B", unit_scale=True, desc="memeriksa cadangan") as bar:
        report = restore(src, workspace, link=link, reindex=not no_reindex, progress=bar.update)
    if as_json:
        emit_json(report.as_dict())
        return
    click.echo(f"Dipulihkan ke {report.workspace}: {report.files_checked} berkas cocok dengan manifest, "
               f"{report.blobs} blob, {report.counts.get('submissions', 0)} kiriman, "
               f"{report.counts.get('events', 0)} peristiwa custody.")
    if report.indexed is not None:
        click.echo(f"Indeks pencarian dibangun ulang: {report.indexed} dokumen.")
    if report.shares:
        click.echo(f"Folder share dibuat kosong: {', '.join(report.shares)}. Kembalikan isi share sebelum "
                   "menjalankan pemantau (archiver watch/run).")
    click.echo(f"Periksa hasilnya: archiver --config {report.config} verify")
