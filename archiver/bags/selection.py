"""What goes into a bag: the selection (criteria, descriptive fields) and the items, each with its place in the bag."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..archive import Archive
from ..catalog import bags as catalog_bags
from ..evidence import EvidenceKey, Filters
from .safenames import NameAllocator


@dataclass(frozen=True)
class ExportCriteria:
    tahun: int | None
    nips: tuple[str, ...]
    unit: str | None = None  # a label only: the caller resolved the unit to its NIPs
    periode: str | None = None  # canonical; a triwulan takes in its months (as Filters does)
    all_versions: bool = False
    include_removed: bool = False
    #: A frozen selection (a finding's evidence): exactly these submissions, whatever the fields above.
    submission_ids: tuple[int, ...] = ()
    finding: int | None = None  # a label only: the finding whose evidence this is

    def filters(self) -> Filters:
        """The evidence these criteria select (the same meaning as every list and search)."""
        return Filters(tahun=self.tahun, periode=self.periode, within_nips=frozenset(self.nips))

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"tahun": self.tahun, "nip": list(self.nips)}
        if self.finding is not None:
            d["finding"] = self.finding
        if self.submission_ids:
            d["submission_ids"] = list(self.submission_ids)
        if self.unit:
            d["unit"] = self.unit
        if self.periode:
            d["periode"] = self.periode
        if self.all_versions:
            d["all_versions"] = True
        if self.include_removed:
            d["include_removed"] = True
        return d

    def describe(self) -> str:
        """``NIP 1985..., tahun 2026, periode TW1`` (messages and the bag's description)."""
        if self.finding is not None:
            return f"temuan nomor {self.finding}"
        who = f"unit {self.unit}" if self.unit else "NIP " + ", ".join(self.nips)
        return f"{who}, tahun {self.tahun}" + (f", periode {self.periode}" if self.periode else "")


@dataclass(frozen=True)
class BagInfo:
    """Descriptive bag-info.txt fields chosen by the exporter."""

    organization: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    description: str | None = None


@dataclass
class Item:
    """One exported submission."""

    id: int
    share: str
    relpath: str
    name: str
    key: EvidenceKey
    version: int
    status: str
    sha256: str
    size: int
    type: str | None
    received_at: str
    removed_at: str | None
    bag_path: str = ""  # data/...
    sha512: str = ""

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Item:
        """The item of a ``submissions`` row."""
        return cls(id=row["id"], share=row["share"], relpath=row["relpath"], name=row["name"],
                   key=EvidenceKey.of(row), version=row["version"], status=row["status"], sha256=row["sha256"],
                   size=row["size"], type=row["type"], received_at=row["received_at"], removed_at=row["removed_at"])


def select_items(archive: Archive, criteria: ExportCriteria) -> list[Item]:
    """The submissions to export, in a stable order (nip, periode, rhk, path, version)."""
    if criteria.submission_ids:
        rows = catalog_bags.rows_of(archive.catalog, criteria.submission_ids)
    else:
        rows = catalog_bags.export_rows(archive.catalog, criteria.filters(), all_versions=criteria.all_versions,
                                        include_removed=criteria.include_removed)
    return [Item.of(r) for r in rows]


def name_items(archive: Archive, items: list[Item], bag_name: str) -> None:
    """Give each item its place: data/<nip>/<periode>/<RHK>/[sub-folders/]<name>."""
    names = NameAllocator(f"{bag_name}/data", also="%")
    versions: dict[tuple[str, str], int] = {}
    for it in items:
        versions[(it.share, it.relpath)] = versions.get((it.share, it.relpath), 0) + 1
    for it in items:
        key = it.key
        folders = [key.nip or "TANPA-NIP", key.periode or "TANPA-PERIODE", key.rhk or "TANPA-RHK"]
        share = archive.config.shares.get(it.share)
        parts = it.relpath.split("/")
        if share is not None and key.periode and key.rhk:
            folders += parts[len(share.path_pattern.segments):-1]  # sub-folders below the pattern
        name = it.name
        if versions[(it.share, it.relpath)] > 1:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem} (versi {it.version}).{ext}" if dot and stem else f"{name} (versi {it.version})"
        it.bag_path = "data/" + names.allocate(folders, name)


def nips_of(items: Iterable[Item]) -> list[str]:
    """The NIPs of the items, sorted, each once."""
    return sorted({it.key.nip for it in items if it.key.nip})


def id_ranges(ids: Iterable[int]) -> str:
    """[1, 2, 3, 7, 9, 10] -> '1-3,7,9-10' (the exported submissions, compactly)."""
    out: list[str] = []
    start = prev = None
    for i in sorted(set(ids)):
        if prev is not None and i == prev + 1:
            prev = i
            continue
        if start is not None:
            out.append(f"{start}-{prev}" if start != prev else str(start))
        start = prev = i
    if start is not None:
        out.append(f"{start}-{prev}" if start != prev else str(start))
    return ",".join(out)
