"""Evaluation and document commands: eval (template, import, distribusi, tindak-lanjut), generate,
templates (check, list), generated (prove a document).

The commands that read workbooks or render documents import ``archiver.evaluation.importer``
and ``archiver.documents`` when they run: openpyxl and docxtpl would otherwise slow down
every ``archiver`` command.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..documents.skp_adapter import CatalogSkpSource, catalog_source
from ..errors import UsageError
from ..evaluation.tindak_lanjut import FILE_NAME, load_tindak_lanjut, render_default_file
from ..i18n import N_, _
from .common import AppContext, emit_json, pass_app
from .group import main


def _workspace(app: AppContext) -> Path | None:
    src = app.config.source
    return src.parent if src else None


# ----------------------------------------------------------------------------- eval

@main.group("eval")
def eval_group() -> None:
    """Evaluation data: ratings, realisasi, umpan balik, capaian kinerja organisasi.

    \b
    Example:
      archiver eval template evaluasi-2026.xlsx
      archiver eval import evaluasi-2026.xlsx
    """


@eval_group.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help=N_("Overwrite an existing file."))
def eval_template(file: Path, force: bool) -> None:
    """Write the empty evaluation workbook to FILE (.xlsx), with instructions and drop-down lists.

    \b
    Example:
      archiver eval template evaluasi-TW1.xlsx
    """
    from ..evaluation.importer import write_template

    if file.exists() and not force:
        raise UsageError(_("{path} already exists").format(path=file), hint=_("pass --force to overwrite it"))
    if file.suffix.lower() != ".xlsx":
        raise UsageError(_("{path}: the template is an Excel workbook; name it *.xlsx").format(path=file))
    write_template(file)
    click.echo(_("Wrote {path}. Fill it in, then run: {command}").format(path=file,
                                                                         command=f"archiver eval import {file}"))


@eval_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help=N_("Only validate; import nothing."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: counts and predikat per pegawai."))
@pass_app
def eval_import(app: AppContext, file: Path, check: bool, as_json: bool) -> None:
    """Import evaluations from a workbook (.xlsx) or JSON file.

    Every problem is reported at once (sheet, row, column, what to write) and nothing is
    imported until there are none. Each pegawai needs an imported SKP for the year, each
    realisasi one of its RHK/IKI codes, each capaian organisasi a unit kerja of the SKPs
    (code or name). The predikat is computed from the two ratings.

    \b
    Example:
      archiver eval import evaluasi-TW1.xlsx
      archiver eval import evaluasi.json --check
    """
    from ..evaluation.importer import read_evaluation_file, save, summary

    archive = app.archive
    skps = CatalogSkpSource(archive)  # NIPs, indicator codes and units are checked against the SKPs
    data = read_evaluation_file(file, skps.indicators, skps.unit_known)
    counts = {"evaluasi": len(data.evaluasi), "capaian_organisasi": len(data.capaian)}
    changes: dict[str, dict[str, int]] = {}
    if not check:
        with archive.catalog.begin() as conn:
            changes = save(conn, data, at=archive.now(), source=file.name)  # new / changed / unchanged
    if as_json:
        emit_json({"file": str(file), "imported": not check, **counts, "changes": changes,
                   "predikat": [{"nip": e.nip, "tahun": e.tahun, "periode": e.periode, "predikat": e.predikat.value}
                                for e in data.evaluasi]})
        return
    if check:
        click.echo(_("Checked {evaluations} evaluation(s) and {capaian} capaian organisasi record(s) from "
                     "{path}.").format(evaluations=counts["evaluasi"], capaian=counts["capaian_organisasi"],
                                       path=file))
    else:
        click.echo(summary(changes, file.name))
    for e in data.evaluasi:
        click.echo(f"  {e.nip} {e.tahun} {e.periode}: {e.predikat.value}")


@eval_group.command("distribusi")
@click.option("--unit", required=True, help=N_("Unit kerja (as in the SKP)."))
@click.option("--tahun", type=int, required=True, help=N_("Year."))
@click.option("--periode", required=True, help=N_("TW1-TW4 or TAHUNAN."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object with counts and warnings."))
@pass_app
def eval_distribusi(app: AppContext, unit: str, tahun: int, periode: str, as_json: bool) -> None:
    """Check a unit's predikat spread against the pola distribusi of its capaian kinerja organisasi.

    Warnings name the limit exceeded; exit 1 when there is any.

    \b
    Example:
      archiver eval distribusi --unit "Dinas Kominfo" --tahun 2026 --periode TW4
    """
    from ..documents.generate import plan

    jobs = plan(app.archive, catalog_source(app.archive), "rekap", unit=unit, tahun=tahun, periode=periode)
    ctx = jobs[0].context
    if ctx is None:
        raise UsageError(jobs[0].error or _("no data"))
    if as_json:
        emit_json({k: ctx[k] for k in ("unit", "tahun", "periode", "capaian_organisasi", "sebaran", "jumlah_dinilai",
                                       "jumlah_belum", "peringatan", "sesuai_pola")})
    else:
        click.echo(_("{unit} {periode} {tahun}: capaian kinerja organisasi {capaian}").format(
            unit=ctx["unit"], periode=periode, tahun=tahun, capaian=ctx["capaian_organisasi"]))
        for s in ctx["sebaran"]:
            click.echo(f"  {s['predikat']:<18} {s['jumlah']:>4}  {s['persen']:>7}  {s['ketentuan']}")
        for w in ctx["peringatan"]:
            click.echo(click.style(_("WARNING") + " ", fg="yellow") + w)
        if ctx["sesuai_pola"]:
            click.echo(_("The spread of predikat follows the pola distribusi."))
    if not ctx["sesuai_pola"]:
        raise SystemExit(1)


@eval_group.command("tindak-lanjut")
@click.option("--write", is_flag=True, help=N_("Write tindak_lanjut.toml with the default texts next to the config."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object: predikat -> text."))
@pass_app
def eval_tindak_lanjut(app: AppContext, write: bool, as_json: bool) -> None:
    """Show the tindak lanjut (follow-up) text per predikat, or write the editable file.

    \b
    Example:
      archiver eval tindak-lanjut --write && nano tindak_lanjut.toml
    """
    ws = _workspace(app)
    if write:
        target = (ws or Path.cwd()) / FILE_NAME
        if target.exists():
            raise UsageError(_("{path} already exists; edit it").format(path=target))
        target.write_text(render_default_file(), encoding="utf-8")
        click.echo(_("Wrote {path}").format(path=target))
        return
    texts = load_tindak_lanjut(ws)
    if as_json:
        emit_json({p.value: t for p, t in texts.items()})
    else:
        for p, t in texts.items():
            click.echo(f"{p.value}: {t}")


# ----------------------------------------------------------------------------- generate

@main.command("generate")
@click.argument("kind", type=click.Choice(["skp", "evaluasi", "dokumen-evaluasi", "bukti", "rekap"]))
@click.option("--nip", help=N_("One pegawai (18-digit NIP)."))
@click.option("--unit", help=N_("Every pegawai of this unit kerja (for rekap: the unit)."))
@click.option("--tahun", type=int, required=True, help=N_("Year of the SKP."))
@click.option("--periode", help=N_("TW1-TW4 (TW4 = IV-AKHIR) or TAHUNAN; skp is always TAHUNAN, bukti defaults to it."))
@click.option("--pdf", is_flag=True, help=N_("Also convert to PDF (LibreOffice, one process per core for the batch)."))
@click.option("-o", "--out", "outdir", type=click.Path(file_okay=False, path_type=Path), default=Path("dokumen"),
              show_default=True, help=N_("Output folder."))
@click.option("--tanggal", type=click.DateTime(formats=["%Y-%m-%d"]),
              help=N_("Date printed at the signatures of evaluasi, dokumen-evaluasi and rekap, YYYY-MM-DD "
                   "(default: today; an SKP prints its own date)."))
@click.option("--timeout", type=float, default=60.0, show_default=True, help=N_("Seconds allowed per PDF."))
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help=N_("Processes that render DOCX, and LibreOffice processes that make PDF, at once "
                   "(default: one per CPU core)."))
@click.option("--sign", "signers", multiple=True, metavar="NAME",
              help=N_("Sign each PDF as signer NAME ([signers.NAME] in the config); repeat for several signers in "
                   "order (e.g. --sign pegawai --sign pejabat). Needs --pdf; writes KIND_..._ttd.pdf."))
@click.option("--draft", is_flag=True,
              help=N_("Draft: print \"belum diisi\" where an indicator has no realisasi yet, instead of refusing "
                      "the evaluasi."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines: one object per document with paths and hashes."))
@pass_app
def generate_cmd(app: AppContext, kind: str, nip: str | None, unit: str | None, tahun: int, periode: str | None,
                 pdf: bool, outdir: Path, tanggal: dt.datetime | None, timeout: float, jobs: int | None,
                 signers: tuple[str, ...], draft: bool, as_json: bool) -> None:
    """Generate documents from the templates: one pegawai (--nip) or a whole unit (--unit).

    The SKP data comes from `archiver skp import`, evaluations from `archiver eval import`;
    --unit takes the unit's code or name and includes its sub-units. Files are named
    KIND_NIP_TAHUN_PERIODE.docx (and .pdf; a rekap: rekap_UNIT_...). Every document is stored in the
    archive with the hashes of its template, data and output (custody event 'generated').
    A batch is rendered in one process per CPU core (--jobs). Exit 1 when any document could
    not be made (the others are still made).

    \b
    Example:
      archiver generate evaluasi --unit "Dinas Kominfo" --tahun 2026 --periode TW1 --pdf -o out/
      archiver generate skp --nip 198503152010011002 --tahun 2026
      archiver generate evaluasi --nip 198503152010011002 --tahun 2026 --periode TW1 --pdf --sign pegawai --sign pejabat
    """
    from ..documents.generate import plan, run

    archive = app.archive
    planned = plan(archive, catalog_source(archive), kind, nip=nip, unit=unit, tahun=tahun, periode=periode,
                   signed=tanggal.date() if tanggal else None, draft=draft)
    failed = 0
    with app.progress(total=len(planned), unit="doc", desc=_("generating {kind}").format(kind=kind)) as bar:
        for g in run(archive, planned, outdir, pdf=pdf, per_document_timeout=timeout, workers=jobs, converters=jobs,
                     sign=signers):
            bar.update(1)
            if g.error:
                failed += 1
            if as_json:
                emit_json(g.as_dict())
            elif g.error:
                bar.write(click.style(_("FAILED") + " ", fg="red") + f"{g.job.label}: {g.error}",
                          file=click.get_text_stream("stderr"))
            else:
                bar.write(str(g.signed_pdf or g.pdf or g.docx), file=click.get_text_stream("stdout"))
    if failed:
        raise SystemExit(1)


@main.command("generated")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object."))
@pass_app
def generated_cmd(app: AppContext, file: Path, as_json: bool) -> None:
    """Prove whether FILE is a document archiver generated: its hash, template and data records.

    Exit 1 when it is not (or its template/data are no longer intact).

    \b
    Example:
      archiver generated dokumen/evaluasi_198503152010011002_2026_TW1.pdf
    """
    from ..documents.generate import prove

    res = prove(app.archive, file)
    if as_json:
        emit_json(res)
    elif not res["generated"]:
        click.echo(_("{path}: SHA-256 {sha256} was not generated by this archive.").format(path=file,
                                                                                         sha256=res["sha256"]))
    else:
        for r in res["records"]:
            click.echo(_("{path}: generated {at} as {kind} {subject} {tahun} {periode} ({format}) from template "
                         "{template} [{template_sha256}], data [{data_sha256}]").format(
                path=file, at=r["generated_at"], kind=r["kind"], subject=r["subject"], tahun=r["tahun"],
                periode=r["periode"], format=r["format"], template=r["template"],
                template_sha256=r["template_sha256"][:12], data_sha256=r["data_sha256"][:12])
                       + ("" if r["intact"] else " — " + _("TEMPLATE OR DATA BLOB NOT INTACT")))
    if not res["generated"] or not all(r["intact"] for r in res["records"]):
        raise SystemExit(1)


# ----------------------------------------------------------------------------- templates

@main.group("templates")
def templates_group() -> None:
    """Word templates (docxtpl) for the documents.

    \b
    Example:
      archiver templates check
    """


@templates_group.command("check")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(["skp", "evaluasi", "dokumen-evaluasi", "bukti", "rekap"]),
              help=N_("Document kind of FILE when its name does not tell."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines: one object per problem."))
@pass_app
def templates_check(app: AppContext, file: Path | None, kind: str | None, as_json: bool) -> None:
    """Check templates (all in use, or FILE): Jinja syntax, unknown variables, fields and filters.

    Exit 1 when any problem is found.

    \b
    Example:
      archiver templates check templates/evaluasi_kuantitatif.docx
    """
    from ..documents.templates import all_templates, check_template

    paths = [file] if file else all_templates(_workspace(app))
    problems = []
    for p in paths:
        found = check_template(p, kind)
        problems.extend(found)
        if not as_json:
            click.echo(f"{'OK' if not found else _('PROBLEM'):<7} {p}")
    for pr in problems:
        if as_json:
            emit_json({"template": pr.template, "kind": pr.kind, "message": pr.message})
        else:
            click.echo(f"  {pr}")
    if problems:
        raise SystemExit(1)


@templates_group.command("list")
@pass_app
def templates_list(app: AppContext) -> None:
    """List the templates in use (workspace copies override the shipped ones).

    \b
    Example:
      archiver templates list
    """
    from ..documents.templates import all_templates

    for p in all_templates(_workspace(app)):
        click.echo(str(p))
