"""Search commands: search, reindex."""

from __future__ import annotations

import datetime as dt
import html
import re

import click

from .. import search as searching
from ..evidence import REVIEW_FILTER_STATES, SIGNATURE_STATES, Filters
from ..i18n import N_, _, ngettext
from .common import AppContext, emit_json, pass_app
from .group import main


def _bold(snippet: str) -> str:
    """<b>word</b> (HTML-escaped) -> the word in bold on a terminal."""
    parts = re.split(r"(<b>.*?</b>)", snippet)
    return "".join(click.style(html.unescape(p[3:-4]), bold=True) if p.startswith("<b>") else html.unescape(p)
                   for p in parts)


@main.command()
@click.argument("query", default="")
@click.option("--nip", help=N_("Only this pegawai (18-digit NIP)."))
@click.option("--tahun", type=int, help=N_("Only this year."))
@click.option("--periode", help=N_("Only this periode (TW1-TW4, 01-12, TAHUNAN)."))
@click.option("--rhk", help=N_("Only this RHK (as in the folder name, e.g. RHK-01)."))
@click.option("--type", "type_", metavar="TYPE",
              help=N_("Only this file type (pdf, docx, jpeg ...; see `archiver types`)."))
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]),
              help=N_("Archived on or after this date (YYYY-MM-DD)."))
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]),
              help=N_("Archived on or before this date (YYYY-MM-DD)."))
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help=N_("At most this many results."))
@click.option("--signature", type=click.Choice(SIGNATURE_STATES),
              help=N_("Only files whose signature check is: valid, invalid, untrusted, none or error."))
@click.option("--review", type=click.Choice(REVIEW_FILTER_STATES),
              help=N_("Only submissions whose review is: menunggu (awaiting), diterima, perlu_perbaikan or ditolak."))
@click.option("--json", "as_json", is_flag=True,
              help=N_("JSON Lines: sha256, path, name, nip, tahun, periode, rhk, type, score, snippet "
                   "(HTML, <b> marks) ..."))
@pass_app
def search(app: AppContext, query: str, nip: str | None, tahun: int | None, periode: str | None, rhk: str | None,
           type_: str | None, date_from: dt.datetime | None, date_to: dt.datetime | None, limit: int,
           signature: str | None, review: str | None, as_json: bool) -> None:
    """Search the text of archived evidence, best matches first.

    Every word must match; Indonesian word forms match each other (melaksanakan finds
    pelaksanaan, pengaduan finds mengadukan); case and accents are ignored. Also:
    "a phrase", OR, NOT, (groups), prefix*, name:FILE.pdf. An empty QUERY lists the newest
    evidence matching the filters. Text in photos and scans is read with Tesseract at
    ingest; where OCR was off or missing, after `archiver reindex --ocr`.

    \b
    Example:
      archiver search "laporan pelaksanaan sosialisasi"
      archiver search pengaduan --nip 198503152010011002 --tahun 2026 --periode TW1 --json
    """
    filters = Filters(nip=nip, tahun=tahun, periode=periode, rhk=rhk, type=type_,
                      date_from=date_from.date() if date_from else None,
                      date_to=date_to.date() if date_to else None, signature=signature,
                      review=review)
    res = searching.search(app.archive, query, filters, limit=limit)
    if as_json:
        for r in res.results:
            emit_json(r)
        return
    for r in res.results:
        link = " ".join(str(x) for x in (r["nip"], r["tahun"], r["periode"], r["rhk"]) if x) or r["status"]
        click.echo(click.style(f"{r['score']:7.2f}  ", fg="cyan") + click.style(r["path"], bold=True)
                   + f"  [{link}]  {r['sha256'][:12]}")
        if r["snippet"]:
            click.echo("         " + _bold(r["snippet"]))
    if not app.quiet:
        n = len(res.results)
        if res.total is not None and res.total > n:
            click.echo(ngettext("{n} of {total} result", "{n} of {total} results", res.total).format(
                n=n, total=res.total), err=True)
        else:
            click.echo(ngettext("{n} result", "{n} results", n).format(n=n), err=True)


@main.command()
@click.option("--ocr", is_flag=True,
              help=N_("Also read text from scanned images and PDFs without a text layer (slow)."))
@click.option("--fresh", is_flag=True, help=N_("Extract the text of every blob again (after an extractor upgrade)."))
@click.option("--pending", is_flag=True,
              help=N_("Do not rebuild: recover a broken index and add only what is pending (what the watcher does)."))
@click.option("--procs", type=click.IntRange(1, 16), default=1, show_default=True,
              help=N_("Writer processes for the rebuild (2 is ~1.8x faster on a large archive)."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object with the counts."))
@pass_app
def reindex(app: AppContext, ocr: bool, fresh: bool, pending: bool, procs: int, as_json: bool) -> None:
    """Rebuild the search index from the catalog and the blobs alone.

    The index is derived data: deleting it loses nothing. Searches keep working on the old
    index until the new one is complete. Extracted text cached in the catalog is reused.

    \b
    Example:
      archiver reindex
      archiver reindex --ocr --procs 2
    """
    archive = app.archive
    if pending:
        with app.progress(desc=_("indexing")) as bar:
            rep = searching.index_pending(archive, ocr=ocr, progress=bar.update)
        out = {"indexed": rep.indexed, "extracted": rep.extracted, "rebuilt": rep.rebuilt, "moved_to": rep.moved_to}
        if as_json:
            emit_json(out)
        else:
            done = ngettext("Indexed {n} pending submission.", "Indexed {n} pending submissions.",
                            rep.indexed).format(n=rep.indexed)
            if rep.rebuilt and rep.moved_to:
                done += " " + _("The index was rebuilt; the broken one is in {path}.").format(path=rep.moved_to)
            elif rep.rebuilt:
                done += " " + _("The index was rebuilt.")
            click.echo(done)
        return
    total = searching.indexable_count(archive)
    with app.progress(total=total, desc=_("reindexing")) as bar:
        report = searching.reindex(archive, ocr=ocr, fresh=fresh, procs=procs, progress=bar.update)
    if as_json:
        emit_json({"documents": report.documents, "extracted": report.extracted, "generation": report.generation,
                   "caught_up": report.caught_up})
    else:
        click.echo(_("Reindexed {documents} submission(s); extracted text of {extracted} blob(s).").format(
            documents=report.documents, extracted=report.extracted))
