"""Integrity commands: `archiver anchor` (timestamp the custody chain now) and `archiver fixity`
(re-hash today's share of the archive now, as the watcher does each day)."""

from __future__ import annotations

import click

from .common import AppContext, emit_json, pass_app
from .group import main


@main.command("anchor")
@click.option("--json", "as_json", is_flag=True, help="One JSON object describing the anchor.")
@pass_app
def anchor_cmd(app: AppContext, as_json: bool) -> None:
    """Anchor the custody chain now: the head (last event and its hash) is timestamped by the
    TSA of [anchor] tsa_url (when set) and written to the anchor log ([anchor] log_path).
    `archiver verify` then detects any later rewrite or cut of the chain before this point.
    Exit 1 when the TSA could not give a timestamp (the anchor log still has the head).

    \b
    Example:
      archiver anchor --json
    """
    from ..anchor import anchor_now

    result = anchor_now(app.archive, "manual")
    if result is None:
        if as_json:
            emit_json({"anchored": False})
        else:
            click.echo("Rantai lacak masih kosong: belum ada yang perlu dijangkarkan.")
        return
    if as_json:
        emit_json({"anchored": True, **result.as_dict()})
    else:
        click.echo(f"Kepala rantai lacak dijangkarkan: peristiwa {result.seq}, hash {result.hash}.")
        if result.timestamped:
            click.echo(f"Cap waktu TSA ({result.tsa_url}): {result.gen_time}")
        click.echo(f"Log jangkar: {app.config.anchor.log_path}")
        if result.tsa_error:
            click.echo(click.style("MASALAH ", fg="red") + f"tanpa cap waktu TSA: {result.tsa_error}")
    if result.tsa_error:
        raise SystemExit(1)


@main.command("fixity")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with what was checked.")
@pass_app
def fixity_cmd(app: AppContext, as_json: bool) -> None:
    """Re-hash what is left of today's share of the blobs ([fixity] period_days, daily_percent),
    oldest check first, as `archiver watch` does each day. Exit 1 when a blob failed.

    \b
    Example:
      archiver fixity
    """
    from ..fixity import run_fixity

    report = run_fixity(app.archive)
    if as_json:
        emit_json(report.as_dict())
    else:
        click.echo(f"Diperiksa {report.checked} blob ({report.bytes / 1048576:.1f} MB); "
                   f"hari ini {report.done_today} dari {report.quota}.")
        for sha in report.failed:
            click.echo(click.style("MASALAH ", fg="red") + f"blob {sha} tidak utuh lagi (isinya berubah atau hilang)")
    if report.failed:
        raise SystemExit(1)
