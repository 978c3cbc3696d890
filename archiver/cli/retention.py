"""Retention, legal hold and disposition (``archiver.retention``): ``hold``, ``retention``, ``dispose``."""

from __future__ import annotations

from typing import Any

import click

from .. import retention
from ..i18n import N_, _
from .common import AppContext, emit_json, emit_table, pass_app, web_account
from .group import main


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n} B"


@main.group()
def hold() -> None:
    """Legal holds: evidence of a pegawai, unit, tahun or periode that must not be disposed of.

    \b
    Example:
      archiver hold set --nip 198503152010011002 --tahun 2026 --reason "Pemeriksaan kinerja" --reference 700/12/2026
      archiver hold list
      archiver hold release 3 --note "Pemeriksaan selesai"
    """


@hold.command("set")
@click.option("--nip", help=N_("Hold this pegawai's evidence (18-digit NIP)."))
@click.option("--unit", help=N_("Hold the evidence of this work unit (code of the SKP data)."))
@click.option("--tahun", type=int, help=N_("Hold this year's evidence."))
@click.option("--periode", help=N_("Hold this periode's evidence (TW1-TW4, 01-12, TAHUNAN)."))
@click.option("--reason", required=True, help=N_("Why: the examination the evidence is held for."))
@click.option("--reference", required=True, help=N_("The reference, e.g. the nomor surat tugas."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: the hold."))
@pass_app
def hold_set(app: AppContext, nip: str | None, unit: str | None, tahun: int | None, periode: str | None,
             reason: str, reference: str, as_json: bool) -> None:
    """Set a legal hold: every submission matching all the criteria given is kept until it is released.

    The hold is recorded in the custody log (hold_set) with you as the actor (cli:USER).

    \b
    Example:
      archiver hold set --unit BID-1 --tahun 2026 --reason "Audit BPK" --reference ST-01/2026
    """
    archive = app.archive
    h = retention.set_hold(archive, nip=nip, unit=unit, tahun=tahun, periode=periode, reason=reason,
                           reference=reference, actor=archive.actor)
    if as_json:
        emit_json(h)
        return
    click.echo(_("Legal hold #{id} set on {scope}: {n} files held.").format(
        id=h["id"], scope=retention.hold_scope(h), n=h["submissions"]))


@hold.command("release")
@click.argument("hold_id", metavar="ID", type=int)
@click.option("--note", required=True, help=N_("Why the hold ends (e.g. the examination is closed)."))
@pass_app
def hold_release(app: AppContext, hold_id: int, note: str) -> None:
    """Release a legal hold (recorded in the custody log as hold_released).

    \b
    Example:
      archiver hold release 3 --note "Pemeriksaan selesai"
    """
    archive = app.archive
    retention.release_hold(archive, hold_id, note=note, actor=archive.actor)
    if not app.quiet:
        click.echo(_("Legal hold #{id} released.").format(id=hold_id), err=True)


@hold.command("list")
@click.option("--all", "show_all", is_flag=True, help=N_("Released holds too."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines: one object per hold."))
@pass_app
def hold_list(app: AppContext, show_all: bool, as_json: bool) -> None:
    """List the legal holds (active ones unless --all).

    \b
    Example:
      archiver hold list --all
    """
    found = retention.holds(app.archive, active_only=not show_all)
    if as_json:
        for h in found:
            emit_json(h)
        return
    table: list[dict[str, Any]] = [{
        "id": h["id"], "scope": retention.hold_scope(h), "files": h["submissions"] if h["submissions"] is not None
        else "-", "reason": f"{h['reason']} ({h['reference']})", "set": f"{h['set_at'][:10]} {h['set_by']}",
        "released": f"{h['released_at'][:10]} {h['released_by']}" if h["released_at"] else ""} for h in found]
    if not emit_table(table, [("id", N_("ID"), 4), ("scope", N_("Held"), 30), ("files", N_("Files"), 6),
                              ("reason", N_("Reason"), 40), ("set", N_("Set"), 24), ("released", N_("Released"), 24)]):
        click.echo(_("No legal holds."), err=True)


@main.group("retention")
def retention_group() -> None:
    """Retention periods ([retention] in the configuration) and what is due when.

    \b
    Example:
      archiver retention status
    """


@retention_group.command("status")
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object."))
@pass_app
def retention_status(app: AppContext, as_json: bool) -> None:
    """Show what is due when: evidence by the year its retention ends, and what keeps the evidence due now.

    Nothing is ever removed automatically: `archiver dispose propose` and a second admin's
    `archiver dispose approve` do it.

    \b
    Example:
      archiver retention status --json
    """
    st = retention.status(app.archive)
    if as_json:
        emit_json(st)
        return
    r = st["rules"]
    click.echo(_("Retention: evidence {e} years after its tahun; workbooks {w}; generated documents {d}; "
                 "quarantined files {q} (0: permanently). The custody log is kept permanently.").format(
        e=r["evidence_years"], w=r["workbooks_years"], d=r["documents_years"], q=r["quarantined_years"]))
    click.echo(_("Due now: {n} files ({size}) may be proposed for disposition.").format(
        n=st["eligible"], size=_size(st["eligible_bytes"])))
    click.echo(_("Kept although due: {held} held, {protected} in a share link or an open finding, {waiting} sharing "
                 "their bytes with kept files.").format(held=st["held"], protected=st["protected"],
                                                         waiting=st["waiting"]))
    for year, n in st["by_year"].items():
        click.echo("  " + _("retention ends in {year}: {n} files").format(year=year, n=n))
    if st["permanent"]:
        click.echo("  " + _("kept permanently: {n} files").format(n=st["permanent"]))
    if st["pending_dispositions"]:
        click.echo(_("Awaiting approval: disposition {ids}.").format(
            ids=", ".join(f"#{i}" for i in st["pending_dispositions"])))


@main.group()
def dispose() -> None:
    """Disposition of evidence whose retention ended: one admin proposes, another approves.

    Each step names a web admin account with --as; its password is asked for. The approver
    must be another account than the proposer. Every step is in the custody log.

    \b
    Example:
      archiver dispose propose --as admin1 --note "JRA 2026"
      archiver dispose show 1
      archiver dispose approve 1 --as admin2
    """


def _print(d: dict[str, Any]) -> None:
    click.echo(_("Disposition #{id}: {state}; {n} files, {size}; proposed by {by} on {at}.").format(
        id=d["id"], state=retention.state_label(d["state"]), n=len(d["items"]), size=_size(d["bytes"]),
        by=d["proposed_by"], at=d["proposed_at"][:10]))
    if d["approved_by"]:
        click.echo(_("Approved by {by} on {at}.").format(by=d["approved_by"], at=d["approved_at"][:10]))
    for i in d["items"]:
        outcome = i["outcome"] or ""
        click.echo(f"  {i['submission_id']:>6}  {i['sha256'][:16]}  {i['due']}  {i['share']}/{i['relpath']}  {outcome}")
    for b in d["blobs_kept"]:
        click.echo(_("  blob {sha256} was not removed: {problem}").format(sha256=b["sha256"], problem=b["problem"]))


@dispose.command("propose")
@click.option("--as", "as_user", required=True, help=N_("The admin account proposing (a web account)."))
@click.option("--note", default="", help=N_("A note for the approver and the record."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: the disposition and its items."))
@pass_app
def dispose_propose(app: AppContext, as_user: str, note: str, as_json: bool) -> None:
    """Propose disposing of every file whose retention ended and that nothing keeps (holds, share links,
    open findings, other files with the same bytes). Nothing is removed until another admin approves.

    \b
    Example:
      archiver dispose propose --as admin1 --note "JRA kepegawaian, butir 12"
    """
    d = retention.propose(app.archive, web_account(app, as_user), note=note, via="cli")
    if as_json:
        emit_json(d)
        return
    _print(d)


@dispose.command("approve")
@click.argument("disposition_id", metavar="ID", type=int)
@click.option("--as", "as_user", required=True, help=N_("The admin account approving (not the proposer)."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: the disposition and its items."))
@pass_app
def dispose_approve(app: AppContext, disposition_id: int, as_user: str, as_json: bool) -> None:
    """Approve a proposed disposition and execute it: files still eligible are disposed of, their blobs removed.

    \b
    Example:
      archiver dispose approve 1 --as admin2
    """
    d = retention.approve(app.archive, disposition_id, web_account(app, as_user), via="cli")
    if as_json:
        emit_json(d)
        return
    _print(d)


@dispose.command("cancel")
@click.argument("disposition_id", metavar="ID", type=int)
@click.option("--as", "as_user", required=True, help=N_("The admin account cancelling (a web account)."))
@click.option("--note", required=True, help=N_("Why the proposal is cancelled (kept in the record)."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: the disposition and its items."))
@pass_app
def dispose_cancel(app: AppContext, disposition_id: int, as_user: str, note: str, as_json: bool) -> None:
    """Cancel a proposed disposition before it is approved: nothing is removed.

    \b
    Example:
      archiver dispose cancel 1 --as admin1 --note "daftar JRA belum disahkan"
    """
    d = retention.cancel(app.archive, disposition_id, web_account(app, as_user), note=note, via="cli")
    if as_json:
        emit_json(d)
        return
    _print(d)


@dispose.command("list")
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines: one object per disposition."))
@pass_app
def dispose_list(app: AppContext, as_json: bool) -> None:
    """List the dispositions, newest first.

    \b
    Example:
      archiver dispose list
    """
    found = retention.dispositions(app.archive)
    if as_json:
        for d in found:
            emit_json(d)
        return
    table = [{"id": d["id"], "state": retention.state_label(d["state"]), "files": d["items"],
              "size": _size(int(d["bytes"])), "proposed": f"{d['proposed_at'][:10]} {d['proposed_by']}",
              "approved": f"{d['approved_at'][:10]} {d['approved_by']}" if d["approved_by"] else ""} for d in found]
    if not emit_table(table, [("id", N_("ID"), 4), ("state", N_("State"), 10), ("files", N_("Files"), 6),
                              ("size", N_("Size"), 10), ("proposed", N_("Proposed"), 24),
                              ("approved", N_("Approved"), 24)]):
        click.echo(_("No dispositions."), err=True)


@dispose.command("show")
@click.argument("disposition_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: the disposition and its items."))
@pass_app
def dispose_show(app: AppContext, disposition_id: int, as_json: bool) -> None:
    """Show a disposition: its rule, who proposed and approved it, and each file with its SHA-256.

    \b
    Example:
      archiver dispose show 1 --json
    """
    d = retention.show(app.archive, disposition_id)
    if as_json:
        emit_json(d)
        return
    _print(d)
