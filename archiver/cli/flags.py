"""`archiver flags`: red flags, ranked (recycled, near-duplicate, out-of-period, off-topic evidence,
upload bursts), each with its reason and its evidence."""

from __future__ import annotations

import click

from ..flags.detect import KINDS, flags
from ..flags.indexing import backfill
from ..i18n import N_, _, ngettext
from .common import AppContext, emit_json, pass_app
from .group import main


@main.command("flags")
@click.option("--tahun", type=click.IntRange(2000, 2100), help=N_("Only flags with evidence of this year."))
@click.option("--unit", help=N_("Only flags with evidence of the pegawai of this unit."))
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
              help=N_("Only this kind of flag (repeatable)."))
@click.option("--limit", type=click.IntRange(1, None), help=N_("Show at most this many flags."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object per flag."))
@click.option("--rebuild", is_flag=True, help=N_("Compute the fingerprints of every blob again first "
                                                 "(archives ingested before fingerprints existed)."))
@pass_app
def flags_cmd(app: AppContext, tahun: int | None, unit: str | None, kinds: tuple[str, ...], limit: int | None,
              as_json: bool, rebuild: bool) -> None:
    """Red flags, highest score first: the same file claimed twice, near-duplicate documents and
    images, dates outside the claimed period, text that does not match its indicator, and upload
    bursts before a deadline. Blobs without fingerprints get them first.

    \b
    Example:
      archiver flags --tahun 2026 --limit 20
      archiver flags --kind same_bytes --kind near_duplicate --json
    """
    archive = app.archive
    n = backfill(archive, every=rebuild)
    if n and not app.quiet:
        click.echo(ngettext("Fingerprints computed for {n} file.", "Fingerprints computed for {n} files.",
                            n).format(n=n), err=True)
    found = flags(archive, tahun=tahun, unit=unit, kinds=kinds or None)[:limit]
    for f in found:
        if as_json:
            emit_json(f.as_dict())
            continue
        click.echo(click.style(f"{f.score:.2f}  {f.label}", bold=True))
        click.echo(f"      {f.reason}")
        for e in f.evidence:
            click.echo(f"      #{e.submission_id} {e.path}  {e.link}")
    if not as_json:
        click.echo(ngettext("{n} flag.", "{n} flags.", len(found)).format(n=len(found)), err=True)
    elif not found and not app.quiet:
        click.echo(_("No flags."), err=True)
