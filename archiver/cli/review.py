"""Review command: judge a stored submission (diterima, perlu_perbaikan, ditolak), or show its judgements."""

from __future__ import annotations

import click

from .. import review as reviewing
from ..i18n import N_, _
from .common import AppContext, emit_json, pass_app
from .group import main


@main.command("review")
@click.argument("ref", metavar="SHA256|ID")
@click.option("--state", type=click.Choice(reviewing.REVIEW_STATES),
              help=N_("The judgement: diterima, perlu_perbaikan or ditolak. Without it: show the judgements."))
@click.option("--reason", help=N_("Why (required for perlu_perbaikan and ditolak); the pegawai reads it."))
@click.option("--page", help=N_("Where in the file, e.g. 3 or 2-4 (optional)."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines: one object per judgement."))
@pass_app
def review_cmd(app: AppContext, ref: str, state: str | None, reason: str | None, page: str | None,
               as_json: bool) -> None:
    """Judge a stored submission as an auditor, or show its judgements.

    SHA256|ID names the submission: its id (see `archiver list`) or the SHA-256 of its file
    (the newest stored submission of those bytes). The judgement is recorded in the custody
    log with you as the actor (cli:USER); the pegawai sees it on the web and can answer with
    a new version. An atasan judges their staff's evidence on the web.

    \b
    Example:
      archiver review 42 --state perlu_perbaikan --reason "tanda tangan belum ada" --page 3
      archiver review 42 --state diterima
      archiver review 42 --json
    """
    archive = app.archive
    sub = reviewing.target(archive, ref)
    if state is not None:
        reviewing.judge(archive, sub["id"], state=state, reason=reason, page=page, actor=archive.actor, role="cli")
        if not app.quiet and not as_json:
            click.echo(_("Submission {id} ({name}): {state}.").format(
                id=sub["id"], name=sub["name"], state=reviewing.state_label(state)), err=True)
    elif reason or page:
        raise click.UsageError(_("--reason and --page go with --state"))
    judgements = reviewing.history(archive, [sub["id"]])[sub["id"]]
    if as_json:
        for j in judgements:
            emit_json(j)
        return
    if state is not None:
        return
    for j in judgements:
        line = f"{j['at']}  {reviewing.state_label(j['state'])}  {j['actor']}"
        if j["reason"]:
            line += "  — " + j["reason"]
        if j["page"]:
            line += "  " + _("(page {page})").format(page=j["page"])
        click.echo(line)
        for a in j["answered_by"]:
            click.echo("    " + _("answered by version {version}: {name} (submission {id})").format(
                version=a["number"], name=a["name"], id=a["id"]))
    if not judgements:
        click.echo(_("Submission {id} ({name}) awaits review.").format(id=sub["id"], name=sub["name"]))
