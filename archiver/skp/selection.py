"""Imported SKPs by selection: one pegawai's SKP of a year, the SKPs of a unit kerja (with its
sub-units), and the NIPs of a unit (what ``export --unit`` packs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalog import skp as q
from ..errors import UsageError
from ..i18n import _
from .model import Skp

if TYPE_CHECKING:
    from ..archive import Archive


def load_skp(archive: Archive, nip: str, tahun: int) -> Skp | None:
    """The SKP of (nip, tahun), or None when it is not imported."""
    return q.load_skp(archive.catalog, nip, tahun)


def load_scope(archive: Archive, *, unit: str | None = None, nip: str | None = None,
               tahun: int | None = None) -> list[Skp]:
    """The SKPs of a unit kerja (kode or name, with its sub-units), a pegawai and/or a year."""
    with archive.catalog.read() as conn:
        units = None
        if unit:
            units = q.resolve_units(conn, unit)
            if not units:
                raise UsageError(_("no unit kerja {unit!r}").format(unit=unit),
                                 hint=_("see `archiver skp list` for the units"))
        return q.load_skps(conn, nip=nip, tahun=tahun, units=units)


def nips_of_unit(archive: Archive, unit: str) -> list[str]:
    """NIPs of the pegawai of a unit kerja (kode or name) and its sub-units (used by export --unit)."""
    return q.nips_of_unit(archive.catalog, unit)
