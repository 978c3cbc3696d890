"""Findings (temuan) on the command line: `archiver findings list` and `archiver findings export`
(the audit file's worksheet, XLSX or PDF). Opening and answering findings is done on the web."""

from __future__ import annotations

from pathlib import Path

import click

from ..findings import STATUS_LABELS, list_findings
from ..findings.worksheet import FORMATS, export
from ..i18n import N_, _, ngettext
from .common import AppContext, emit_json, emit_table, pass_app
from .group import main

_COLUMNS = [("id", N_("No"), 5), ("status", N_("Status"), 16), ("due", N_("Due"), 11), ("scope", N_("Scope"), 40),
            ("judul", N_("Title"), 0)]


@main.group("findings")
def findings_group() -> None:
    """Audit findings (temuan) and their follow-up (tindak lanjut).

    \b
    Example:
      archiver findings list --unit APTIKA --status terbuka
      archiver findings export --unit APTIKA --format xlsx -o kertas-kerja.xlsx
    """


@findings_group.command("list")
@click.option("--unit", help=N_("Only the findings of this unit kerja (code or name) and its pegawai."))
@click.option("--status", type=click.Choice(["terbuka", "ditindaklanjuti", "selesai", "lewat"]),
              help=N_("Only this status (lewat: overdue)."))
@click.option("--tahun", type=click.IntRange(2000, 2100), help=N_("Only findings of this year."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object per finding."))
@pass_app
def findings_list(app: AppContext, unit: str | None, status: str | None, tahun: int | None, as_json: bool) -> None:
    """List the findings with their status; overdue ones are marked.

    \b
    Example:
      archiver findings list --status lewat
      archiver findings list --tahun 2026 --json
    """
    found = list_findings(app.archive, unit=unit, status=status, tahun=tahun, with_details=as_json)
    if as_json:
        for f in found:
            emit_json(f.as_dict())
        return
    rows = [{"id": f.id, "status": _(STATUS_LABELS[f.status]) + (" !" if f.overdue else ""), "due": f.due or "-",
             "scope": f.scope_text, "judul": f.judul} for f in found]
    n = emit_table(rows, _COLUMNS)
    overdue = sum(f.overdue for f in found)
    click.echo(ngettext("{n} finding", "{n} findings", n).format(n=n)
               + (", " + _("{n} overdue (!)").format(n=overdue) if overdue else ""))


@findings_group.command("export")
@click.option("--unit", help=N_("Only the findings of this unit kerja (code or name) and its pegawai."))
@click.option("--status", type=click.Choice(["terbuka", "ditindaklanjuti", "selesai", "lewat"]),
              help=N_("Only this status (lewat: overdue)."))
@click.option("--tahun", type=click.IntRange(2000, 2100), help=N_("Only findings of this year."))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xlsx", show_default=True,
              help=N_("The worksheet's format."))
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help=N_("The file to write."))
@click.option("--base-url", default="", help=N_("The web app's address, for the evidence links (default: [web] "
                                                "base_url, else paths only)."))
@pass_app
def findings_export(app: AppContext, unit: str | None, status: str | None, tahun: int | None, fmt: str,
                    output: Path, base_url: str) -> None:
    """Write the worksheet "Kertas Kerja — Daftar Temuan dan Tindak Lanjut" (XLSX or PDF) for the
    audit file: each finding's scope, kondisi, kriteria, sebab, akibat, rekomendasi, due date,
    tindak lanjut, status and evidence (name, SHA-256, link). PDF needs LibreOffice.

    \b
    Example:
      archiver findings export --unit APTIKA --format pdf -o temuan-aptika.pdf
    """
    found = list_findings(app.archive, unit=unit, status=status, tahun=tahun, with_details=True)
    path = export(app.archive, found, output, fmt, unit=unit, base_url=base_url or app.config.web.base_url)
    click.echo(ngettext("{n} finding written to {path}", "{n} findings written to {path}", len(found)).format(
        n=len(found), path=path))
