"""SKP commands: skp template/import/list/tree, relink, coverage, demo.

The commands that read or write workbooks (template, import, coverage, demo) import their
modules when they run: openpyxl, python-docx and Pillow would otherwise slow down every
``archiver`` command.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .. import i18n
from ..errors import UsageError
from ..i18n import N_, _, ngettext
from ..labels import status_label
from ..periode import normalize_periode
from ..skp.relevance import suspicious as find_suspicious
from ..skp.resolution import relink as do_relink
from ..skp.selection import load_scope
from ..skp.tree import performance_tree, render
from .common import AppContext, emit_json, emit_table, pass_app
from .group import main


def _this_year() -> int:
    return dt.date.today().year


@main.group()
def skp() -> None:
    """SKP (Sasaran Kinerja Pegawai): the workbook, import, list and performance tree.

    \b
    Example:
      archiver skp template skp-2026.xlsx && archiver skp import skp-2026.xlsx
    """


@skp.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tahun", type=click.IntRange(2000, 2100),
              help=N_("Year shown in the example rows (default: this year)."))
@click.option("--force", is_flag=True, help=N_("Overwrite FILE when it exists."))
def template(file: Path, tahun: int | None, force: bool) -> None:
    """Write the SKP workbook administrators fill (FILE.xlsx).

    Sheets Unit Kerja, Pegawai, Sasaran Organisasi, SKP, RHK, Indikator, Rencana Bukti,
    Perilaku Kerja and Lampiran, with Indonesian headers, an example row (row 2, never
    imported) and drop-down lists for the enumerations.

    \b
    Example:
      archiver skp template skp-2026.xlsx
    """
    from ..skp.workbook import write_template

    if file.exists() and not force:
        raise UsageError(_("{path} already exists").format(path=file), hint=_("pass --force to overwrite it"))
    write_template(file, tahun=tahun)
    click.echo(_("Wrote {path}: fill it from row 3 of each sheet, then run `{command}`").format(
        path=file, command=f"archiver skp import {file}"))


@skp.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the report as JSON."))
@pass_app
def import_(app: AppContext, file: Path, as_json: bool) -> None:
    """Import SKPs from a workbook (.xlsx) or JSON file.

    Every problem is reported at once with sheet, row and column; nothing is imported
    while there is an error. Warnings (normative indicators, a leader SKP not imported)
    are printed and the import goes on. Importing the same file twice changes nothing.
    Evidence already filed for these SKPs is linked (or listed as unlinked) afterwards.

    \b
    Example:
      archiver skp import skp-2026.xlsx
    """
    from ..skp.importer import import_file

    report = import_file(app.archive, file)
    if as_json:
        emit_json(report.as_dict())
        return
    for w in report.warnings:
        click.echo(click.style(_("WARNING") + " ", fg="yellow") + w.describe(level=False), err=True)
    click.echo(report.summary())  # new / changed / unchanged per kind
    if report.links.get("unlinked") or report.links.get("restored"):
        click.echo(_("Evidence: {unlinked} moved to the unlinked list (code not in the SKP), {restored} linked "
                     "again.").format(unlinked=report.links.get("unlinked", 0),
                                      restored=report.links.get("restored", 0)))


@skp.command("list")
@click.option("--unit", help=N_("Only this unit kerja (kode or name) and its sub-units."))
@click.option("--tahun", type=click.IntRange(2000, 2100), help=N_("Only this year."))
@click.option("--nip", help=N_("Only this pegawai."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines, one SKP per line."))
@pass_app
def list_(app: AppContext, unit: str | None, tahun: int | None, nip: str | None, as_json: bool) -> None:
    """List imported SKPs: NIP, name, year, unit, jabatan, penilai, RHK and indicator counts.

    \b
    Example:
      archiver skp list --unit DISKOMINFO --tahun 2026
    """
    rows = [{"nip": s.nip, "nama": s.pegawai.nama, "tahun": s.tahun, "unit": s.unit,
             "unit_nama": s.pegawai.unit_kerja, "jabatan": s.pegawai.jabatan, "jenis_jabatan": s.jenis_jabatan,
             "pendekatan": s.pendekatan, "penilai_nip": s.penilai.nip, "penilai": s.penilai.nama,
             "rhk": len(s.rhk), "iki": len(s.indikator())}
            for s in load_scope(app.archive, unit=unit, nip=nip, tahun=tahun)]
    if as_json:
        for r in rows:
            emit_json(r)
        return
    n = emit_table(rows, [("nip", "NIP", 18), ("nama", N_("NAME"), 28), ("tahun", N_("YEAR"), 5),
                          ("unit", "UNIT", 18), ("jenis_jabatan", N_("TYPE"), 13), ("rhk", "RHK", 3),
                          ("iki", "IKI", 3), ("jabatan", N_("POSITION"), 0)])
    if not n:
        click.echo(_("No SKP imported for this selection.") if unit or tahun or nip else _("No SKP imported."),
                   err=True)


@skp.command()
@click.option("--unit", help=N_("Only branches reaching this unit kerja (kode or name)."))
@click.option("--tahun", type=click.IntRange(2000, 2100), default=_this_year, show_default=N_("this year"))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON: the tree and the RHK that support nothing."))
@pass_app
def tree(app: AppContext, unit: str | None, tahun: int, as_json: bool) -> None:
    """Print the performance tree: organisation sasaran -> leader RHK -> staff RHK.

    Then list the RHK that support nothing (no intervened leader RHK, or one that does
    not exist). Exit status 1 when there are such RHK.

    \b
    Example:
      archiver skp tree --unit DISKOMINFO --tahun 2026
    """
    t = performance_tree(app.archive, tahun=tahun, unit=unit)
    if as_json:
        emit_json({"tahun": t.tahun, "tree": [n.as_dict() for n in t.roots],
                   "unsupported": [o.as_dict() for o in t.orphans]})
    else:
        if not t.roots:
            click.echo((_("No SKP or sasaran for {tahun} in {unit}.") if unit
                        else _("No SKP or sasaran for {tahun}.")).format(tahun=tahun, unit=unit), err=True)
        for line in render(t):
            click.echo(line)
        if t.orphans:
            click.echo("")
            click.echo(click.style(_("RHK that support nothing ({n}):").format(n=len(t.orphans)), fg="yellow",
                                   bold=True))
            for o in t.orphans:
                click.echo(f"  {o.nip} {o.nama} {o.rhk} {o.teks} — {i18n.render(o.reason)}")
    if t.orphans:
        raise SystemExit(1)


@main.command()
@click.argument("submission", type=int)
@click.option("--rhk", help=N_("RHK code to file the evidence under (RHK-01)."))
@click.option("--iki", help=N_("Indicator code (IKI-02)."))
@click.option("--nip", help=N_("Another pegawai (18-digit NIP)."))
@click.option("--tahun", type=click.IntRange(2000, 2100), help=N_("Another year."))
@click.option("--periode", help=N_("Another periode (TW1-TW4, 01-12, TAHUNAN)."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the custody detail as JSON."))
@pass_app
def relink(app: AppContext, submission: int, rhk: str | None, iki: str | None, nip: str | None, tahun: int | None,
           periode: str | None, as_json: bool) -> None:
    """Fix the link of a submission (from `archiver list`), recording a `relinked` custody event.

    The code must exist in that pegawai's SKP when it is imported; before the SKP is
    imported the link is kept and checked on import.

    \b
    Example:
      archiver relink 42 --rhk RHK-02 --iki IKI-03
    """
    out = do_relink(app.archive, submission, rhk=rhk, iki=iki, nip=nip, tahun=tahun, periode=periode)
    if as_json:
        emit_json(out)
        return
    to = out["to"]
    click.echo(_("Submission {id} ({path}) now linked to {link} [{status}; custody event {event}]").format(
        id=submission, path=out["path"], link=" ".join(str(to[k]) for k in ("nip", "tahun", "periode", "rhk", "iki")
                                                       if k in to),
        status=status_label(out["status"]), event=out["event"]))


@main.command("coverage")
@click.option("--unit", help=N_("Only this unit kerja (kode or name) and its sub-units."))
@click.option("--nip", help=N_("Only this pegawai."))
@click.option("--tahun", type=click.IntRange(2000, 2100), default=_this_year, show_default=N_("this year"))
@click.option("--periode", help=N_("Only this periode (TW1-TW4, 01-12, TAHUNAN)."))
@click.option("--missing", "only_missing", is_flag=True, help=N_("Only rows with evidence missing."))
@click.option("--suspicious", is_flag=True, help=N_("Instead: evidence whose text looks unrelated to its indicator."))
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Also write the table to FILE.xlsx."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines, one row per pegawai x indicator x periode."))
@pass_app
def coverage_cmd(app: AppContext, unit: str | None, nip: str | None, tahun: int, periode: str | None,
                 only_missing: bool, suspicious: bool, xlsx: Path | None, as_json: bool) -> None:
    """Evidence per pegawai x RHK/indicator x periode against the evidence plan, and what is missing.

    \b
    Example:
      archiver coverage --unit DISKOMINFO --periode TW1 --xlsx cakupan-tw1.xlsx
      archiver coverage --suspicious
    """
    if periode:
        p = normalize_periode(periode)
        if p is None:
            raise UsageError(_("--periode {periode!r} is not a periode; write TW1-TW4, a month 01-12 or "
                               "TAHUNAN").format(periode=periode))
        periode = p
    if suspicious:
        _suspicious(app, unit, nip, tahun, periode, as_json)
        return
    from ..skp.coverage import KOSONG, KURANG, LENGKAP, awaiting, coverage, summary, write_xlsx

    rows = coverage(app.archive, unit=unit, nip=nip, tahun=tahun, periode=periode)
    if only_missing:
        rows = [r for r in rows if r.status != LENGKAP]
    if xlsx:
        write_xlsx(rows, xlsx)
    if as_json:
        for r in rows:
            emit_json(r.as_dict())
        return
    table = [{"nip": r.nip, "nama": r.nama, "periode": r.periode, "kode": f"{r.rhk}/{r.iki}", "n": r.found,
              "status": r.status, "wait": r.menunggu,
              "missing": ", ".join(r.missing) or "-"} for r in rows]
    emit_table(table, [("nip", "NIP", 18), ("nama", N_("NAME"), 22), ("periode", "PERIODE", 7),
                       ("kode", "RHK/IKI", 13), ("n", "N", 3), ("status", N_("STATUS"), 8),
                       ("wait", N_("AWAITING"), 8), ("missing", N_("MISSING"), 0)])
    s = summary(rows)
    click.echo(_("{n} row(s): {lengkap} lengkap, {kurang} kurang, {kosong} kosong.").format(
        n=len(rows), lengkap=s[LENGKAP], kurang=s[KURANG], kosong=s[KOSONG])
               + " " + _("{n} file(s) awaiting review; rejected evidence is not counted.").format(n=awaiting(rows))
               + (" " + _("Written to {path}.").format(path=xlsx) if xlsx else ""), err=True)


def _suspicious(app: AppContext, unit: str | None, nip: str | None, tahun: int, periode: str | None,
                as_json: bool) -> None:
    items = find_suspicious(app.archive, unit=unit, nip=nip, tahun=tahun, periode=periode)
    if as_json:
        for it in items:
            emit_json(it.as_dict())
        return
    label = click.style(_("SUSPICIOUS"), fg="yellow")
    for it in items:
        click.echo(f"{label} #{it.submission_id} {it.path}  "
                   + _("score {score} for {code}: {reason}").format(score=f"{it.score:.2f}",
                                                                    code=f"{it.rhk}/{it.iki or '-'}",
                                                                    reason=i18n.render(it.reason)))
    n = len(items)
    click.echo(ngettext("{n} suspicious item.", "{n} suspicious items.", n).format(n=n), err=True)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--tahun", type=click.IntRange(2000, 2100), default=_this_year, show_default=N_("this year"))
@click.option("--force", is_flag=True, help=N_("Overwrite an existing watch_config.toml."))
def demo(directory: Path, tahun: int, force: bool) -> None:
    """Create a ready workspace with a realistic example Dinas: SKPs, evidence, web accounts.

    One Dinas Komunikasi dan Informatika with its Kepala (JPT), administrators,
    pengawas and staff, cascading SKPs, and evidence files (PDF, DOCX, XLSX, JPG/PNG) in
    the share, some misfiled or unrelated on purpose. One web account per role (admin,
    auditor, kabid = an atasan with staff, pegawai) gets a random password, shown once
    here and kept in DIR/demo-accounts.txt (readable only by you). Run it again and it
    says the demo is in place and changes nothing.

    \b
    Example:
      archiver demo demo && archiver --config demo/watch_config.toml run
    """
    from ..skp.demo import build_demo

    out = build_demo(directory, tahun=tahun, force=force)
    if out.existed:
        click.echo(_("Demo already in place at {path}: nothing added.").format(path=out.config))
    else:
        click.echo(_("Created {path}").format(path=out.config))
        click.echo("  " + _("{skp} SKP imported, {files} evidence files ingested ({summary})").format(
            skp=out.skp, files=out.files, summary=out.summary))
    if out.new_accounts:
        click.echo(_("Web accounts (shown once; also kept in {path}, readable only by you):").format(
            path=out.accounts))
        for name, role, password in out.new_accounts:
            click.echo("  " + _("user {name} role {role} password {password}").format(
                name=f"{name:<8}", role=f"{role:<8}", password=password))
    elif out.accounts is not None and out.accounts.exists():
        click.echo(_("Web accounts and their passwords: {path}").format(path=out.accounts))
    click.echo(_("Try:"))
    for line in ("archiver run", "archiver skp list", "archiver skp tree", "archiver coverage --missing",
                 "archiver coverage --suspicious", "archiver list --status unlinked"):
        command = f"archiver --config {out.config} {line.removeprefix('archiver ')}"
        click.echo(f"  {command}")
