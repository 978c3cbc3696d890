"""``archiver demo DIR``: a ready workspace showing the whole cycle on a realistic example Dinas.

Dinas Komunikasi dan Informatika Kabupaten Sukamaju (fictional, ``demo_data``): 30 pegawai in
four units (JPT, administrator, pengawas, fungsional, pelaksana; PNS and PPPK; kuantitatif and
kualitatif SKPs), a year of SKPs cascading from the organisation's sasaran, evaluations of
TW1-TW4 with a realistic predikat spread (one unit breaks the pola distribusi), and about 300
evidence files of every accepted type (``demo_files``), some misfiled, some in a bad folder
(unlinked) and some quarantined. The evaluations are written to the workbook an admin fills
(``evaluasi-demo-TAHUN.xlsx`` in the workspace) and imported the way ``archiver eval import``
does, so ``generate evaluasi``, ``generate skp``, ``generate bukti``, coverage and search
all have something real to show; the auditor's workspace has judgements, findings and a legal
hold made by the demo accounts (``demo_audit``). Everything is seeded: the same year gives the same demo.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..accounts import add_user, list_users
from ..archive import Archive
from ..catalog import core as subs
from ..catalog import evaluation as catalog_evaluation
from ..catalog import skp as q
from ..config import CONFIG_NAME, load_config, write_workspace
from ..documents.skp_adapter import CatalogSkpSource
from ..errors import UsageError
from ..i18n import N_, _
from ..ingest import scan
from .demo_audit import seed_audit
from .demo_data import (
    HUMAS,
    KABID_APT,
    KABID_IKP,
    KABID_SANDI,
    KADIS,
    OPERATOR,
    PRAKOM,
    SEKDIN,
    demo_tables,
    evaluation_rows,
)
from .demo_files import DEMO_MAX_FILE_MB, demo_files
from .importer import import_obj

__all__ = ["HUMAS", "KABID_APT", "KABID_IKP", "KABID_SANDI", "KADIS", "OPERATOR", "PRAKOM", "SEKDIN", "build_demo",
           "demo_files", "demo_tables"]


#: Web accounts of the demo: (user name, role, NIP). The atasan is a Kepala Bidang with staff.
DEMO_ACCOUNTS = (("admin", "admin", None), ("auditor", "auditor", None),
                 ("kabid", "atasan", KABID_APT), ("pegawai", "pegawai", PRAKOM))
ACCOUNTS_FILE = "demo-accounts.txt"
MARKER = ".archiver-demo"  # in the workspace folder: this command made it
#: How the ingest outcome of the demo's files is summed up (file status -> text).
_STATUS = {"archived": N_("{n} archived"), "unlinked": N_("{n} unlinked"), "quarantined": N_("{n} quarantined"),
           "duplicate": N_("{n} duplicate"), "ignored": N_("{n} ignored")}


@dataclass
class DemoResult:
    config: Path
    skp: int
    files: int
    summary: str
    accounts: Path | None = None  # the 0600 file that keeps the demo's web passwords
    new_accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (user, role, password) made now
    existed: bool = False


def build_demo(directory: Path, *, tahun: int, force: bool = False) -> DemoResult:
    """Write the workspace, drop the evidence, import the SKPs, ingest everything, add web accounts.

    Idempotent: a demo workspace whose archive already holds evidence is left as it is (only
    missing web accounts are added). A workspace that is not a demo is never touched.
    """
    directory = directory.expanduser().resolve()
    existing = directory / CONFIG_NAME
    if existing.exists() and not force:
        config = load_config(existing)
        with Archive.open(config, actor="demo") as archive:
            if not _is_demo(directory, archive):
                raise UsageError(_("{path} is a workspace, not a demo: the demo leaves it alone").format(
                    path=existing), hint=_("choose a new folder for the demo, e.g. `archiver demo demo`"))
            if subs.counts_by_status(archive.catalog):
                created = demo_accounts(archive, directory / ACCOUNTS_FILE)
                return DemoResult(existing, 0, 0, _("already in place"), directory / ACCOUNTS_FILE, created,
                                  existed=True)
        config_path = existing
    else:
        config_path = write_workspace(directory, force=force)
        _demo_limits(config_path)
        (directory / MARKER).write_text("archiver demo workspace (example data only)\n", encoding="utf-8")
    config = load_config(config_path)
    drop = config.share("drop").path
    files = demo_files(tahun)
    for rel, data in files.items():
        target = drop / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    with Archive.open(config, actor="demo") as archive:
        report = import_obj(archive, demo_tables(tahun), "demo")
        _import_evaluations(archive, write_evaluation_workbook(directory / f"evaluasi-demo-{tahun}.xlsx", tahun))
        counts = Counter(r.status for r in scan(archive))
        created = demo_accounts(archive, directory / ACCOUNTS_FILE)
        seed_audit(archive, tahun)
    summary = ", ".join(_(_STATUS.get(s, "{n} " + s)).format(n=n) for s, n in sorted(counts.items()))
    return DemoResult(config_path, report.saved.skp["new"] + report.saved.skp["updated"], sum(counts.values()),
                      summary, directory / ACCOUNTS_FILE, created)


def _demo_limits(config_path: Path) -> None:
    """The demo quarantines files above a few MB (the default limit is 200 MB), to show it."""
    text = config_path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("max_file_size_mb ="))
    config_path.write_text(text.replace(line, f"max_file_size_mb = {float(DEMO_MAX_FILE_MB)}", 1), encoding="utf-8")


def write_evaluation_workbook(path: Path, tahun: int) -> Path:
    """The evaluation workbook of the year, filled in as an admin would (sheets of `archiver eval template`)."""
    wb = Workbook()
    first = wb.active
    assert isinstance(first, Worksheet)
    wb.remove(first)
    for name, rows in evaluation_rows(tahun).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cell in ws["A"]:
            cell.number_format = "@"  # the NIP stays text
    wb.save(path)
    return path


def _import_evaluations(archive: Archive, path: Path) -> None:
    """Import the workbook through the same validation as `archiver eval import`."""
    from ..evaluation.importer import read_evaluation_file

    skps = CatalogSkpSource(archive)
    data = read_evaluation_file(path, skps.indicators, skps.unit_known)
    with archive.catalog.begin() as conn:
        catalog_evaluation.save_import(conn, data.evaluasi, data.capaian, at=archive.now(), source=path.name)


def _is_demo(directory: Path, archive: Archive) -> bool:
    """A workspace this command made: its marker, its accounts file, or SKPs imported by it."""
    if (directory / MARKER).exists() or (directory / ACCOUNTS_FILE).exists():
        return True
    return q.has_skp_from(archive.catalog, "demo")


def demo_accounts(archive: Archive, out: Path) -> list[tuple[str, str, str]]:
    """Add the demo's web accounts that do not exist yet, one per role, with random passwords.

    Returns the new (user, role, password); they are appended to ``out``, which only its
    owner may read (0600). Passwords are never stored anywhere else in clear.
    """
    have = {u.name for u in list_users(archive.catalog)}
    created = []
    for name, role, nip in DEMO_ACCOUNTS:
        if name in have:
            continue
        password = secrets.token_urlsafe(12)
        add_user(archive.catalog, name, role, password, nip=nip, now=archive.now())
        created.append((name, role, password))
    if created:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)
            if os.fstat(f.fileno()).st_size == 0:
                f.write("# Demo web accounts (user, role, password). Change or disable them before real use.\n")
            f.writelines(f"{name}\t{role}\t{password}\n" for name, role, password in created)
    return created
