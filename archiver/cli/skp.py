"""SKP commands: skp template/import/list/tree, relink, coverage, demo.

The commands that read or write workbooks (template, import, coverage, demo) import their
modules when they run: openpyxl, python-docx and Pillow would otherwise slow down every
``archiver`` command.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import UsageError
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
@click.option("--tahun", type=click.IntRange(2000, 2100), help="Year shown in the example rows (default: this year).")
@click.option("--force", is_flag=True, help="Overwrite FILE when it exists.")
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
        raise UsageError(f"{file} already exists", hint="pass --force to overwrite it")
    write_template(file, tahun=tahun)
    click.echo(f"Wrote {file}: fill it from row 3 of each sheet, then run `archiver skp import {file}`")


@skp.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
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
        click.echo(click.style("WARNING ", fg="yellow") + str(w).removeprefix("WARNING "), err=True)
    s = report.saved
    parts = [f"{name}: {d['new']} new, {d['updated']} updated, {d['unchanged']} unchanged"
             for name, d in (("SKP", s.skp), ("pegawai", s.pegawai), ("unit", s.units), ("sasaran", s.sasaran))
             if any(d.values())]
    click.echo(f"Imported {file.name}: " + "; ".join(parts) + ("" if s.changed else " (nothing changed)"))
    if report.links.get("unlinked") or report.links.get("restored"):
        click.echo(f"Evidence: {report.links.get('unlinked', 0)} moved to the unlinked list (code not in the SKP), "
                   f"{report.links.get('restored', 0)} linked again.")


@skp.command("list")
@click.option("--unit", help="Only this unit kerja (kode or name) and its sub-units.")
@click.option("--tahun", type=click.IntRange(2000, 2100), help="Only this year.")
@click.option("--nip", help="Only this pegawai.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one SKP per line.")
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
    n = emit_table(rows, [("nip", "NIP", 18), ("nama", "NAMA", 28), ("tahun", "TAHUN", 5), ("unit", "UNIT", 18),
                          ("jenis_jabatan", "JENIS", 13), ("rhk", "RHK", 3), ("iki", "IKI", 3),
                          ("jabatan", "JABATAN", 0)])
    if not n:
        click.echo("No SKP imported" + (" for this selection" if unit or tahun or nip else "") + ".", err=True)


@skp.command()
@click.option("--unit", help="Only branches reaching this unit kerja (kode or name).")
@click.option("--tahun", type=click.IntRange(2000, 2100), default=_this_year, show_default="this year")
@click.option("--json", "as_json", is_flag=True, help="JSON: the tree and the RHK that support nothing.")
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
            click.echo(f"No SKP or sasaran for {tahun}" + (f" in {unit}" if unit else "") + ".", err=True)
        for line in render(t):
            click.echo(line)
        if t.orphans:
            click.echo(click.style(f"\nRHK that support nothing ({len(t.orphans)}):", fg="yellow", bold=True))
            for o in t.orphans:
                click.echo(f"  {o.nip} {o.nama} {o.rhk} {o.teks} — {o.reason}")
    if t.orphans:
        raise SystemExit(1)


@main.command()
@click.argument("submission", type=int)
@click.option("--rhk", help="RHK code to file the evidence under (RHK-01).")
@click.option("--iki", help="Indicator code (IKI-02).")
@click.option("--nip", help="Another pegawai (18-digit NIP).")
@click.option("--tahun", type=click.IntRange(2000, 2100), help="Another year.")
@click.option("--periode", help="Another periode (TW1-TW4, 01-12, TAHUNAN).")
@click.option("--json", "as_json", is_flag=True, help="Print the custody detail as JSON.")
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
    click.echo(f"Submission {submission} ({out['path']}) now linked to "
               + " ".join(str(to[k]) for k in ("nip", "tahun", "periode", "rhk", "iki") if k in to)
               + f" [{out['status']}; custody event {out['event']}]")


@main.command("coverage")
@click.option("--unit", help="Only this unit kerja (kode or name) and its sub-units.")
@click.option("--nip", help="Only this pegawai.")
@click.option("--tahun", type=click.IntRange(2000, 2100), default=_this_year, show_default="this year")
@click.option("--periode", help="Only this periode (TW1-TW4, 01-12, TAHUNAN).")
@click.option("--missing", "only_missing", is_flag=True, help="Only rows with evidence missing.")
@click.option("--suspicious", is_flag=True, help="Instead: evidence whose text looks unrelated to its indicator.")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the table to FILE.xlsx.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one row per pegawai x indicator x periode.")
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
            raise UsageError(f"--periode {periode!r} is not a periode; write TW1-TW4, a month 01-12 or TAHUNAN")
        periode = p
    if suspicious:
        _suspicious(app, unit, nip, tahun, periode, as_json)
        return
    from ..skp.coverage import KOSONG, KURANG, LENGKAP, coverage, summary, write_xlsx

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
              "status": r.status,
              "missing": ", ".join(r.missing) or "-"} for r in rows]
    emit_table(table, [("nip", "NIP", 18), ("nama", "NAMA", 22), ("periode", "PERIODE", 7), ("kode", "RHK/IKI", 13),
                       ("n", "N", 3), ("status", "STATUS", 8), ("missing", "KURANG", 0)])
    s = summary(rows)
    click.echo(f"{len(rows)} row(s): {s[LENGKAP]} lengkap, {s[KURANG]} kurang, {s[KOSONG]} kosong."
               + (f" Written to {xlsx}." if xlsx else ""), err=True)


def _suspicious(app: AppContext, unit: str | None, nip: str | None, tahun: int, periode: str | None,
                as_json: bool) -> None:
    items = find_suspicious(app.archive, unit=unit, nip=nip, tahun=tahun, periode=periode)
    if as_json:
        for it in items:
            emit_json(it.as_dict())
        return
    for it in items:
        click.echo(f"{click.style('SUSPICIOUS', fg='yellow')} #{it.submission_id} {it.path}  "
                   f"score {it.score:.2f} for {it.rhk}/{it.iki or '-'}: {it.reason}")
    click.echo(f"{len(items)} suspicious item(s).", err=True)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--tahun", type=click.IntRange(2000, 2100), default=_this_year, show_default="this year")
@click.option("--force", is_flag=True, help="Overwrite an existing watch_config.toml.")
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
        click.echo(f"Demo already in place at {out.config}: nothing added.")
    else:
        click.echo(f"Created {out.config}")
        click.echo(f"  {out.skp} SKP imported, {out.files} evidence files ingested ({out.summary})")
    if out.new_accounts:
        click.echo(f"Web accounts (shown once; also kept in {out.accounts}, readable only by you):")
        for name, role, password in out.new_accounts:
            click.echo(f"  user {name:<8} role {role:<8} password {password}")
    elif out.accounts is not None and out.accounts.exists():
        click.echo(f"Web accounts and their passwords: {out.accounts}")
    click.echo("Try:")
    for line in ("archiver run", "archiver skp list", "archiver skp tree", "archiver coverage --missing",
                 "archiver coverage --suspicious", "archiver list --status unlinked"):
        click.echo(f"  archiver --config {out.config} {line.removeprefix('archiver ')}")
