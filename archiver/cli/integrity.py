"""Integrity commands: `archiver anchor` (timestamp the custody chain now) and `archiver fixity`
(re-hash today's share of the archive now, as the watcher does each day)."""

from __future__ import annotations

import click

from ..i18n import N_, _, ngettext
from .common import AppContext, emit_json, pass_app
from .group import main


@main.command("anchor")
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object describing the anchor."))
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
            click.echo(_("The custody chain is still empty: nothing to anchor yet."))
        return
    if as_json:
        emit_json({"anchored": True, **result.as_dict()})
    else:
        click.echo(_("Head of the custody chain anchored: event {seq}, hash {hash}.").format(seq=result.seq,
                                                                                           hash=result.hash))
        if result.timestamped:
            click.echo(_("TSA timestamp ({url}): {time}").format(url=result.tsa_url, time=result.gen_time))
        click.echo(_("Anchor log: {path}").format(path=app.config.anchor.log_path))
        if result.tsa_error:
            click.echo(click.style(_("PROBLEM") + " ", fg="red")
                       + _("no TSA timestamp: {error}").format(error=result.tsa_error))
    if result.tsa_error:
        raise SystemExit(1)


@main.command("fixity")
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object with what was checked."))
@pass_app
def fixity_cmd(app: AppContext, as_json: bool) -> None:
    """Re-hash what is left of today's share of the blobs ([fixity] period_days, daily_percent),
    oldest check first, as `archiver watch` does each day. Exit 1 when a blob failed.

    \b
    Example:
      archiver fixity
    """
    from ..fixity import run_fixity

    with app.progress(unit="B", unit_scale=True, desc=_("checking fixity")) as bar:
        report = run_fixity(app.archive, progress=bar.update)
    if as_json:
        emit_json(report.as_dict())
    else:
        click.echo(ngettext("Checked {n} blob ({mb} MB); today {done} of {quota}.",
                            "Checked {n} blobs ({mb} MB); today {done} of {quota}.", report.checked).format(
            n=report.checked, mb=f"{report.bytes / 1048576:.1f}", done=report.done_today, quota=report.quota))
        for sha in report.failed:
            click.echo(click.style(_("PROBLEM") + " ", fg="red")
                       + _("blob {sha256} is no longer intact (its content changed or is missing)").format(sha256=sha))
    if report.failed:
        raise SystemExit(1)
