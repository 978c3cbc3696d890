"""What the forms' pickers offer, cut to the user's scope, and the check of what comes back.

* pegawai: "Nama — NIP" for every NIP the user may see (the SKP master data and the NIPs
  evidence is filed under; a pegawai sees only themself, an atasan themself and their
  subordinates, auditors and admins everyone);
* units kerja: of the SKP tables (for a restricted scope, only the units of its pegawai);
* RHK and IKI: of the chosen pegawai's SKP (of the chosen tahun, or of every year);
* file types: ``archiver.filetypes.KNOWN_TYPES``.

The data comes from ``archiver.catalog.choices`` (one query per kind, whatever the page
size). A submitted value the pickers could not have offered is a UsageError (HTTP 400) that
names the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..accounts import Scope
from ..archive import Archive
from ..catalog import choices as q
from ..errors import UsageError
from ..evidence import normalize_iki, normalize_rhk
from ..filetypes import KNOWN_TYPES
from ..i18n import _
from ..nip import normalize_nip

#: Up to this many pegawai a plain <select>; more: a text field with a <datalist> of them.
SELECT_MAX = 40
TYPES = tuple(sorted(KNOWN_TYPES | {"unknown"}))
SORTS = tuple(q.SORT_COLUMNS)
DIRECTIONS = ("asc", "desc")


@dataclass
class Choices:
    pegawai: list[tuple[str, str]] = field(default_factory=list)  # (NIP, "Nama — NIP")
    units: list[tuple[str, str]] = field(default_factory=list)  # (kode, "Nama (KODE)")
    rhk: list[tuple[str, str]] = field(default_factory=list)  # (code, "RHK-01 — text")
    iki: list[tuple[str, str]] = field(default_factory=list)
    types: tuple[str, ...] = TYPES

    @property
    def pegawai_as_select(self) -> bool:
        return len(self.pegawai) <= SELECT_MAX


def person_label(nip: str, names: dict[str, str]) -> str:
    nama = names.get(nip)
    return f"{nama} — {nip}" if nama else nip


def names_for(archive: Archive, nips: Iterable[str | None]) -> dict[str, str]:
    """NIP -> name for the NIPs of one page (one catalog lookup)."""
    return q.names_of(archive.catalog, nips)


def pegawai_choices(archive: Archive, scope: Scope) -> list[tuple[str, str]]:
    if scope is None:
        names = q.names_of(archive.catalog)
        nips = set(names) | q.evidence_nips(archive.catalog, None)
    else:
        nips = set(scope.nips)
        names = q.names_of(archive.catalog, nips)
    # by name; NIPs without a name (evidence of someone not in the SKP data) after them
    ordered = sorted(nips, key=lambda n: (n not in names, names.get(n, "").casefold(), n))
    return [(n, person_label(n, names)) for n in ordered]


def unit_choices(archive: Archive, scope: Scope) -> list[tuple[str, str]]:
    found = q.units(archive.catalog, None if scope is None else scope.nips)
    return [(kode, nama if nama == kode else f"{nama} ({kode})") for kode, nama in found]


def indicator_choices(archive: Archive, nip: str, tahun: int | None) -> tuple[list[tuple[str, str]],
                                                                             list[tuple[str, str]]]:
    """(RHK choices, IKI choices) of the pegawai's SKP; the first text of each code wins (newest year)."""
    rhk: dict[str, str] = {}
    iki: dict[str, str] = {}
    for rhk_code, rhk_teks, iki_code, iki_teks in q.indicators(archive.catalog, nip, tahun):
        rhk.setdefault(rhk_code, f"{rhk_code} — {rhk_teks}")
        if iki_code:
            iki.setdefault(iki_code, f"{iki_code} — {iki_teks}")
    return list(rhk.items()), list(iki.items())


def pickers(archive: Archive, scope: Scope, *, nip: str | None = None, tahun: int | None = None,
            units: bool = False) -> Choices:
    """The pickers of a filter form; RHK/IKI only when a pegawai (within the scope) is chosen."""
    out = Choices(pegawai=pegawai_choices(archive, scope))
    if units:
        out.units = unit_choices(archive, scope)
    if nip and (scope is None or nip in scope.nips):
        out.rhk, out.iki = indicator_choices(archive, nip, tahun)
    return out


# --------------------------------------------------------------------------- checking submitted values

def _bad(name: str, value: str, hint: str) -> UsageError:
    return UsageError(_("{field} {value!r}: not a valid choice").format(field=name, value=value), hint=hint)


def check_nip(value: str | None, name: str = "nip") -> str:
    """A NIP as submitted (separators allowed) -> its 18 digits; empty -> ""."""
    raw = (value or "").strip()
    if not raw:
        return ""
    nip = normalize_nip(raw)
    if len(nip) != 18 or not nip.isdigit():
        raise _bad(name, raw, _("choose a pegawai from the list (a NIP has 18 digits)"))
    return nip


def check_tahun(value: str | None, name: str = "tahun") -> int | None:
    raw = (value or "").strip()
    if not raw:
        return None
    if not (raw.isdigit() and 2000 <= int(raw) <= 2100):
        raise _bad(name, raw, _("enter the tahun as four digits, e.g. 2026"))
    return int(raw)


def check_type(value: str | None, name: str = "jenis") -> str:
    raw = (value or "").strip().lower()
    if raw and raw not in TYPES:
        raise _bad(name, raw, _("choose a file type from the list"))
    return raw


def check_code(value: str | None, offered: list[tuple[str, str]], name: str) -> str:
    """An RHK or IKI code: normalised; when the pegawai's SKP offers codes, it must be one of them."""
    raw = (value or "").strip()
    if not raw:
        return ""
    code = normalize_iki(raw) if name == "iki" else normalize_rhk(raw)
    if offered and code not in {c for c, _label in offered}:
        raise _bad(name, raw, _("choose one of the codes of this pegawai's SKP"))
    return code


def check_unit(value: str | None, offered: list[tuple[str, str]], name: str = "unit") -> str:
    raw = (value or "").strip()
    if not raw:
        return ""
    for kode, label in offered:
        if raw.casefold() in (kode.casefold(), label.casefold(), label.removesuffix(f" ({kode})").casefold()):
            return kode
    raise _bad(name, raw, _("choose a work unit from the list"))


def check_sort(sort: str | None, direction: str | None, allowed: tuple[str, ...] = SORTS) -> tuple[str, str]:
    """The list's order: ("", "") for the default; an unknown column or direction is a 400."""
    s = (sort or "").strip().lower()
    d = (direction or "").strip().lower()
    if s and s not in allowed:
        raise _bad("sort", s, _("sort by one of: {columns}").format(columns=", ".join(allowed)))
    if d and d not in DIRECTIONS:
        raise _bad("dir", d, _("write asc or desc"))
    return s, (d or "asc") if s else ""
