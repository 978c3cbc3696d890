"""Share links for external auditors (BPK/BPKP): create, list, revoke (``archiver.share_links``)."""

from __future__ import annotations

import click

from .. import share_links
from ..errors import UsageError
from ..evidence import Filters
from ..i18n import N_, _
from .common import AppContext, emit_json, emit_table, pass_app
from .group import main


@main.group()
def share() -> None:
    """Read-only share links for external auditors (BPK/BPKP), valid for a limited time.

    \b
    Example:
      archiver share create --nip 198503152010011002 --tahun 2026 --periode TW1 --days 14 --note "Pemeriksaan BPK"
    """


@share.command("create")
@click.option("--nip", help=N_("The pegawai whose evidence to share (18-digit NIP)."))
@click.option("--unit", help=N_("The work unit (code of the SKP data) whose evidence to share."))
@click.option("--tahun", type=int, required=True, help=N_("The year."))
@click.option("--periode", help=N_("Only this periode (TW1-TW4, 01-12, TAHUNAN)."))
@click.option("--days", type=int, default=None, help=N_("Days the link stays valid (default: [share_links] "
                                                        "default_days; at most max_days)."))
@click.option("--note", default="", help=N_("For whom and why, added to the link's description."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: id, url, expires_at, items."))
@pass_app
def share_create(app: AppContext, nip: str | None, unit: str | None, tahun: int, periode: str | None,
                 days: int | None, note: str, as_json: bool) -> None:
    """Create a share link to a pegawai's or a unit's period and print its address (shown only once).

    \b
    Example:
      archiver share create --unit BID-1 --tahun 2026 --days 30 --note "BPKP"
    """
    archive = app.archive
    filters = Filters(nip=nip, unit=unit, tahun=tahun, periode=periode).normalized()
    if not (filters.nip or filters.unit):
        raise UsageError(_("give --nip or --unit"), hint=_("example: {example}").format(
            example="--nip 198503152010011002 --tahun 2026"))
    ids = share_links.select(archive, filters)
    link, token = share_links.create(
        archive, submission_ids=ids, description=share_links.describe(archive, filters, note),
        expires_at=share_links.expiry(archive, days), actor=archive.actor, criteria=share_links.criteria_of(filters))
    base = app.config.web.base_url
    url = f"{base}/s/{token}" if base else f"/s/{token}"
    if as_json:
        emit_json({"id": link.id, "url": url, "expires_at": link.expires_at, "items": link.items,
                   "description": link.description})
        return
    click.echo(_("Share link #{id}: {n} files, valid until {until}.").format(
        id=link.id, n=link.items, until=link.expires_at))
    click.echo(url)
    if not base:
        click.echo(_("(set [web] base_url to print the full address)"), err=True)
    click.echo(_("The address is shown only this once; revoke the link with `archiver share revoke {id}`.").format(
        id=link.id), err=True)


@share.command("list")
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines: id, description, state, expires_at, items, "
                                                         "access_count ..."))
@pass_app
def share_list(app: AppContext, as_json: bool) -> None:
    """List share links with their state (active, expired, revoked) and how often they were opened.

    \b
    Example:
      archiver share list --json
    """
    archive = app.archive
    now = archive.clock()
    links = share_links.list_links(archive)
    if as_json:
        for link in links:
            emit_json(link.as_dict(now))
        return
    emit_table(({**link.as_dict(now), "state": share_links.state_label(link.state(now)),
                 "expires_at": link.expires_at[:16].replace("T", " ")} for link in links),
               [("id", "ID", 5), ("state", N_("STATE"), 10), ("expires_at", N_("VALID UNTIL"), 17),
                ("items", N_("FILES"), 6), ("access_count", N_("OPENED"), 7), ("description", N_("DESCRIPTION"), 0)])


@share.command("revoke")
@click.argument("link_id", metavar="ID", type=int)
@pass_app
def share_revoke(app: AppContext, link_id: int) -> None:
    """Revoke a share link now; it no longer opens.

    \b
    Example:
      archiver share revoke 3
    """
    archive = app.archive
    share_links.revoke(archive, link_id, actor=archive.actor)
    click.echo(_("Share link #{id} revoked.").format(id=link_id))
