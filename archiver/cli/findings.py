"""Findings (temuan) on the command line: `archiver findings list`, `show` and `export` (the audit
file's worksheet, XLSX or PDF), and the steps a person takes, each as the web account named by
``--as`` (its password asked for), under the same rules as on the web: `open`, `recommend`,
`add-evidence`, `close`, `reopen` (an auditor) and `answer` (the unit in the finding's scope)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .. import findings as lib
from ..findings import STATUS_LABELS, list_findings
from ..findings.worksheet import FORMATS, export
from ..i18n import N_, _, ngettext
from .common import AppContext, emit_json, emit_table, pass_app, web_account
from .group import main

_COLUMNS = [("id", N_("No"), 5), ("status", N_("Status"), 16), ("due", N_("Due"), 11), ("scope", N_("Scope"), 40),
            ("judul", N_("Title"), 0)]


@main.group("findings")
def findings_group() -> None:
    """Audit findings (temuan) and their follow-up (tindak lanjut).

    \b
    Example:
      archiver findings list --unit APTIKA --status terbuka
      archiver findings open --as auditor1 --unit APTIKA --tahun 2026 --judul "..." --kondisi "..." \\
        --kriteria "..." --sebab "..." --akibat "..." --bukti 42
      archiver findings answer 3 --as ani --text "Daftar hadir dilampirkan" --bukti 57
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


_Bukti = click.option("--bukti", "evidence", type=int, multiple=True, metavar="ID",
                      help=N_("An archived submission (its id in `archiver list`); repeat for more."))
_As = click.option("--as", "as_user", required=True, help=N_("The web account taking this step."))
_Json = click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: the finding after this step."))


def _show(app: AppContext, finding_id: int, as_json: bool, done: str) -> None:
    f = lib.load(app.archive, finding_id)
    if as_json:
        emit_json(f.as_dict())
        return
    click.echo(done.format(id=f.id))
    _describe(f)


def _describe(f: lib.Finding) -> None:
    click.echo(_("Finding #{id}: {judul} ({status}); scope {scope}; due {due}.").format(
        id=f.id, judul=f.judul, status=_(STATUS_LABELS[f.status]) + (" !" if f.overdue else ""), scope=f.scope_text,
        due=f.due or "-"))
    for e in f.evidence:
        click.echo(f"  {e.submission_id:>6}  {e.role:<9} {e.sha256[:16]}  {e.name}")


@findings_group.command("show")
@click.argument("finding_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: the finding, its evidence and steps."))
@pass_app
def findings_show(app: AppContext, finding_id: int, as_json: bool) -> None:
    """Show one finding: its scope, status, due date and evidence.

    \b
    Example:
      archiver findings show 3 --json
    """
    f = lib.load(app.archive, finding_id)
    if as_json:
        emit_json(f.as_dict())
        return
    _describe(f)


@findings_group.command("open")
@_As
@click.option("--judul", required=True, help=N_("The finding's title."))
@click.option("--kondisi", required=True, help=N_("What was found (condition)."))
@click.option("--kriteria", required=True, help=N_("The rule it is measured against (criteria)."))
@click.option("--sebab", required=True, help=N_("Why it happened (cause)."))
@click.option("--akibat", required=True, help=N_("What it leads to (effect)."))
@click.option("--unit", help=N_("Scope: a unit kerja code."))
@click.option("--nip", help=N_("Scope: a pegawai's NIP."))
@click.option("--tahun", type=click.IntRange(2000, 2100), help=N_("Scope: a year."))
@click.option("--periode", help=N_("Scope: TW1-TW4, a month 01-12 or TAHUNAN."))
@click.option("--rhk", help=N_("Scope: an RHK code of the pegawai."))
@click.option("--iki", help=N_("Scope: an indicator code of the pegawai."))
@click.option("--rekomendasi", help=N_("The recommendation (it can be written later)."))
@click.option("--jatuh-tempo", "due", type=click.DateTime(["%Y-%m-%d"]), help=N_("Due date (YYYY-MM-DD)."))
@_Bukti
@_Json
@pass_app
def findings_open(app: AppContext, as_user: str, judul: str, kondisi: str, kriteria: str, sebab: str, akibat: str,
                  unit: str | None, nip: str | None, tahun: int | None, periode: str | None, rhk: str | None,
                  iki: str | None, rekomendasi: str | None, due: dt.datetime | None, evidence: tuple[int, ...],
                  as_json: bool) -> None:
    """Open a finding (an auditor): its scope, kondisi, kriteria, sebab, akibat and the evidence it rests on.

    \b
    Example:
      archiver findings open --as auditor1 --unit APTIKA --tahun 2026 --judul "Daftar hadir tidak ada" \\
        --kondisi "..." --kriteria "..." --sebab "..." --akibat "..." --bukti 42 --jatuh-tempo 2026-03-31
    """
    draft = lib.Draft(judul=judul, kondisi=kondisi, kriteria=kriteria, sebab=sebab, akibat=akibat, unit=unit, nip=nip,
                      tahun=tahun, periode=periode, rhk=rhk, iki=iki, rekomendasi=rekomendasi,
                      due=due.date() if due else None, evidence=evidence)
    fid = lib.open_finding(app.archive, web_account(app, as_user), draft)
    _show(app, fid, as_json, _("Finding #{id} opened."))


@findings_group.command("recommend")
@click.argument("finding_id", metavar="ID", type=int)
@_As
@click.option("--text", "text", required=True, help=N_("The recommendation."))
@click.option("--jatuh-tempo", "due", type=click.DateTime(["%Y-%m-%d"]), help=N_("Due date (YYYY-MM-DD)."))
@_Json
@pass_app
def findings_recommend(app: AppContext, finding_id: int, as_user: str, text: str, due: dt.datetime | None,
                       as_json: bool) -> None:
    """Write (or rewrite) a finding's recommendation and due date (an auditor).

    \b
    Example:
      archiver findings recommend 3 --as auditor1 --text "Lengkapi daftar hadir" --jatuh-tempo 2026-04-30
    """
    lib.recommend(app.archive, web_account(app, as_user), finding_id, text, due.date() if due else None)
    _show(app, finding_id, as_json, _("The recommendation of finding #{id} was saved."))


@findings_group.command("add-evidence")
@click.argument("finding_id", metavar="ID", type=int)
@_As
@_Bukti
@click.option("--note", default="", help=N_("Where it was found (kept in the history)."))
@_Json
@pass_app
def findings_add_evidence(app: AppContext, finding_id: int, as_user: str, evidence: tuple[int, ...], note: str,
                          as_json: bool) -> None:
    """Add basis evidence found later in the audit to a finding that is not closed (an auditor).

    \b
    Example:
      archiver findings add-evidence 3 --as auditor1 --bukti 61 --note "uji petik"
    """
    lib.add_basis(app.archive, web_account(app, as_user), finding_id, evidence, note or None)
    _show(app, finding_id, as_json, _("Evidence added to finding #{id}."))


@findings_group.command("answer")
@click.argument("finding_id", metavar="ID", type=int)
@_As
@click.option("--text", "text", required=True, help=N_("What was done (tindak lanjut)."))
@_Bukti
@_Json
@pass_app
def findings_answer(app: AppContext, finding_id: int, as_user: str, text: str, evidence: tuple[int, ...],
                    as_json: bool) -> None:
    """Answer a finding with its follow-up and follow-up evidence (the pegawai or atasan in its scope).

    \b
    Example:
      archiver findings answer 3 --as ani --text "Daftar hadir dilampirkan" --bukti 57
    """
    lib.answer(app.archive, web_account(app, as_user), finding_id, text, evidence)
    _show(app, finding_id, as_json, _("The follow-up of finding #{id} was recorded."))


@findings_group.command("close")
@click.argument("finding_id", metavar="ID", type=int)
@_As
@click.option("--note", default="", help=N_("A note (kept in the history)."))
@_Json
@pass_app
def findings_close(app: AppContext, finding_id: int, as_user: str, note: str, as_json: bool) -> None:
    """Close a finding (an auditor).

    \b
    Example:
      archiver findings close 3 --as auditor1 --note "Tindak lanjut memadai"
    """
    lib.close(app.archive, web_account(app, as_user), finding_id, note or None)
    _show(app, finding_id, as_json, _("Finding #{id} closed."))


@findings_group.command("reopen")
@click.argument("finding_id", metavar="ID", type=int)
@_As
@click.option("--note", required=True, help=N_("Why it is reopened (kept in the history)."))
@_Json
@pass_app
def findings_reopen(app: AppContext, finding_id: int, as_user: str, note: str, as_json: bool) -> None:
    """Reopen a closed or answered finding (an auditor), saying why.

    \b
    Example:
      archiver findings reopen 3 --as auditor1 --note "Daftar hadir tidak sah"
    """
    lib.reopen(app.archive, web_account(app, as_user), finding_id, note)
    _show(app, finding_id, as_json, _("Finding #{id} reopened."))
