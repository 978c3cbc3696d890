"""Import SKPs from a workbook (.xlsx) or JSON file: read, validate everything, save, relink.

Nothing is written when any error is found; the ValidationFailed lists every problem
(sheet, row, column, what to write). Warnings are returned with the report, and the
report says what the import changed: new, changed and unchanged records per kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..catalog import skp as q
from ..errors import UsageError, ValidationFailed
from ..i18n import N_, _, ngettext
from . import resolution
from .jsonio import read_json, tables_from_obj
from .validate import ERROR, Problem, Tables, validate
from .workbook import read_workbook, refuse_other_format

if TYPE_CHECKING:
    from ..archive import Archive


@dataclass
class ImportReport:
    source: str
    saved: q.SaveReport
    warnings: list[Problem] = field(default_factory=list)
    links: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, **self.saved.as_dict(), "links": self.links,
                "warnings": [w.as_dict() for w in self.warnings]}

    def summary(self) -> str:
        """``Imported skp.xlsx: SKP: 1 new, 2 changed, 1 unchanged; pegawai: ...`` (or nothing changed)."""
        s = self.saved
        parts = [counts_text(_(name), d) for name, d in (
            (N_("SKP"), s.skp), (N_("pegawai"), s.pegawai), (N_("unit kerja"), s.units),
            (N_("sasaran"), s.sasaran)) if any(d.values())]
        text = _("Imported {source}: {counts}").format(source=self.source, counts="; ".join(parts))
        return text if s.changed else _("{text} (nothing changed)").format(text=text)


def counts_text(name: str, d: dict[str, int]) -> str:
    """``SKP: 1 new, 2 changed, 1 unchanged``."""
    return _("{name}: {new} new, {changed} changed, {unchanged} unchanged").format(
        name=name, new=d.get("new", 0), changed=d.get("updated", d.get("changed", 0)),
        unchanged=d.get("unchanged", 0))


def read_tables(path: Path) -> Tables:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UsageError(_("{path} does not exist").format(path=path))
    refuse_other_format(path)
    if suffix in (".xlsx", ".xlsm"):
        return read_workbook(path)
    if suffix == ".json":
        return read_json(path)
    raise UsageError(_("{path}: import reads .xlsx workbooks and .json files").format(path=path),
                     hint=_("start from `archiver skp template FILE.xlsx`"))


def import_tables(archive: Archive, tables: Tables, source: str) -> ImportReport:
    with archive.catalog.read() as conn:
        known = q.known(conn)
    bundle, problems = validate(tables, known)
    errors = [p for p in problems if p.level == ERROR]
    if errors:
        raise ValidationFailed(ngettext("{source}: {n} error; nothing was imported",
                                        "{source}: {n} errors; nothing was imported", len(errors)).format(
                                   source=source, n=len(errors)),
                               details=[str(p) for p in problems],
                               hint=_("fix the cells named above and import the file again"))
    if not bundle.skp and not bundle.pegawai and not bundle.units and not bundle.sasaran:
        raise UsageError(_("{source}: no data found (data starts on row 3 of each sheet)").format(source=source))
    with archive.catalog.begin() as conn:
        saved = q.save_bundle(conn, bundle, now=archive.now(), source=source)
    links = resolution.resolve_for(archive, saved.changed_skp) if saved.changed_skp else {}
    return ImportReport(source, saved, [p for p in problems if p.level != ERROR], links)


def import_file(archive: Archive, path: Path) -> ImportReport:
    return import_tables(archive, read_tables(path), path.name)


def import_obj(archive: Archive, data: Any, source: str = "JSON") -> ImportReport:
    return import_tables(archive, tables_from_obj(data, source), source)
