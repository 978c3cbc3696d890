"""Audit packages: `archiver export` (a BagIt zip) and `archiver verify-bag` (check one offline)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from ..bags import BagInfo, ExportCriteria, export_bag, verify_bag
from ..errors import UsageError
from ..findings.bag import criteria_of
from ..i18n import N_, _, ngettext
from ..nip import NipError, parse_nip
from ..periode import normalize_periode
from ..skp.selection import nips_of_unit
from .common import AppContext, emit_json, pass_app
from .group import main

_PHASES = {"salin": N_("copying"), "zip": N_("zipping"), "periksa": N_("checking")}


class _Bars:
    """One tqdm bar per phase of the library's progress callback."""

    def __init__(self, app: AppContext) -> None:
        self.app = app
        self.bars: dict[str, tqdm[Any]] = {}

    def __call__(self, phase: str, n: int, total: int) -> None:
        bar = self.bars.get(phase)
        if bar is None:
            bar = self.bars[phase] = self.app.progress(total=total or None, unit="B", unit_scale=True,
                                                       desc=_(_PHASES[phase]) if phase in _PHASES else phase)
        bar.update(n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _nips_of_unit(app: AppContext, unit: str) -> tuple[str, ...]:
    """The NIPs of a unit kerja (code or name, with its sub-units), from the imported SKP data."""
    nips = tuple(nips_of_unit(app.archive, unit))
    if not nips:
        raise UsageError(_("unit {unit!r} has no pegawai in the SKP data").format(unit=unit))
    return nips


@main.command("export")
@click.option("--nip", help=N_("The pegawai (18-digit NIP)."))
@click.option("--unit", help=N_("Every pegawai of this unit kerja (needs the SKP data)."))
@click.option("--finding", type=int, help=N_("Instead of --nip/--unit: the evidence of this finding "
                                             "(basis and follow-up), with the finding in findings.csv."))
@click.option("--tahun", type=click.IntRange(2000, 2100), help=N_("Year of the evidence."))
@click.option("--periode", help=N_("Only this periode (TW1-TW4, 01-12, TAHUNAN); default all."))
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help=N_("The package to write (FILE.zip), outside every share."))
@click.option("--all-versions", is_flag=True, help=N_("Every stored version of each file, not only the latest."))
@click.option("--include-removed", is_flag=True, help=N_("Also files that were removed from the share."))
@click.option("--organization", help=N_("Source-Organization in bag-info.txt (the instansi)."))
@click.option("--contact", help=N_("Contact-Name in bag-info.txt."))
@click.option("--contact-email", help=N_("Contact-Email in bag-info.txt."))
@click.option("--description", help=N_("External-Description in bag-info.txt."))
@click.option("--force", is_flag=True, help=N_("Replace FILE.zip when it exists."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object describing the package."))
@pass_app
def export_cmd(app: AppContext, nip: str | None, unit: str | None, finding: int | None, tahun: int | None,
               periode: str | None,
               output: Path, all_versions: bool, include_removed: bool, organization: str | None,
               contact: str | None, contact_email: str | None, description: str | None, force: bool,
               as_json: bool) -> None:
    """Write an audit package: the evidence of a pegawai (or a unit) for a year as a
    BagIt bag (RFC 8493) in one zip, checkable without archiver.

    The bag holds the original files under data/NIP/PERIODE/RHK/, SHA-256 and SHA-512
    manifests, bag-info.txt, the custody events of the files (custody.jsonl) and a list
    in Bahasa Indonesia (index.html, daftar-bukti.csv). Names are made safe for Windows.
    The export itself is recorded as an `exported` custody event with the zip's SHA-256.

    \b
    Example:
      archiver export --nip 198503152010011002 --tahun 2026 --periode TW1 -o /srv/audit/budi-tw1.zip
    """
    info = BagInfo(organization=organization, contact_name=contact, contact_email=contact_email,
                   description=description)
    if finding is not None:
        if nip or unit or tahun or periode:
            raise UsageError(_("--finding takes no --nip, --unit, --tahun or --periode"))
        _write(app, criteria_of(app.archive, finding), output, info, force, as_json)
        return
    if bool(nip) == bool(unit):
        raise UsageError(_("give either --nip or --unit"))
    if tahun is None:
        raise UsageError(_("give --tahun"))
    if periode is not None:
        canonical = normalize_periode(periode)
        if canonical is None:
            raise UsageError(_("--periode {periode!r} is not a periode (TW1-TW4, 01-12, TAHUNAN)").format(
                periode=periode))
        periode = canonical
    if nip:
        try:
            nips: tuple[str, ...] = (parse_nip(nip).nip,)
        except NipError as exc:
            raise UsageError(str(exc)) from None
    else:
        assert unit is not None
        nips = _nips_of_unit(app, unit)
    criteria = ExportCriteria(tahun=tahun, nips=nips, unit=unit, periode=periode, all_versions=all_versions,
                              include_removed=include_removed)
    _write(app, criteria, output, info, force, as_json)


def _write(app: AppContext, criteria: ExportCriteria, output: Path, info: BagInfo, force: bool, as_json: bool) -> None:
    bars = _Bars(app)
    try:
        report = export_bag(app.archive, criteria, output, bars, info=info, overwrite=force)
    finally:
        bars.close()
    if as_json:
        emit_json(report.as_dict())
        return
    click.echo(ngettext("Exported {n} file, {mb} MB, to {path}", "Exported {n} files, {mb} MB, to {path}",
                        report.items).format(n=report.items, mb=f"{report.payload_bytes / 1048576:.1f}",
                                             path=report.path))
    click.echo(_("SHA-256 of the package: {sha256}  (custody event {seq})").format(sha256=report.sha256,
                                                                                   seq=report.event_seq))
    if report.anchor and report.anchor.get("tsa_error"):
        click.echo(click.style(_("WARNING") + " ", fg="yellow")
                   + _("export anchor without a TSA timestamp: {error}").format(error=report.anchor["tsa_error"]),
                   err=True)


@main.command("verify-bag")
@click.argument("bag", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object with every problem."))
@click.option("--tsa-ca", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("PEM root certificate(s) of the TSA to check the bag's timestamp tokens against "
                   "(default: the copy inside the bag)."))
@pass_app
def verify_bag_cmd(app: AppContext, bag: Path, as_json: bool, tsa_ca: Path | None) -> None:
    """Check an audit package offline (a BagIt .zip, or an unpacked bag folder):
    every file against the manifests, nothing missing, nothing added. Needs no archive
    and no configuration. Exit 0 when valid, 1 when any problem is found (all listed).

    \b
    Example:
      archiver verify-bag budi-tw1.zip
    """
    logging.getLogger("bagit").setLevel(logging.ERROR)  # its warnings repeat what the report says
    bars = _Bars(app)
    try:
        report = verify_bag(bag, bars, tsa_ca=tsa_ca)
    finally:
        bars.close()
    if as_json:
        emit_json(report.as_dict())
    else:
        _print_report(report.as_dict())
    if not report.ok:
        raise SystemExit(1)


def _print_report(r: dict[str, Any]) -> None:
    for p in r["problems"]:
        where = f"{p['path']}: " if p["path"] and p["path"] not in p["message"] else ""
        click.echo(click.style(_("PROBLEM") + " ", fg="red") + f"[{p['kind']}] {where}{p['message']}")
    if r["ok"]:
        click.echo(ngettext("Bag valid: {n} file, {mb} MB, checksums {algorithms}.",
                            "Bag valid: {n} files, {mb} MB, checksums {algorithms}.", r["files"]).format(
            n=r["files"], mb=f"{r['bytes'] / 1048576:.1f}", algorithms=", ".join(r["algorithms"])))
    else:
        n = len(r["problems"])
        click.echo(ngettext("Bag INVALID: {n} problem.", "Bag INVALID: {n} problems.", n).format(n=n))
