"""The two values every part of archiver shares about evidence: where it belongs, and how to pick it.

``EvidenceKey`` is the place a file is filed under in the SKP: (nip, tahun, periode, rhk,
iki). Ingest parses it from the folders, the SKP resolution checks it, the catalog stores
it as columns of ``submissions``, the index carries it for its filters, and bags and
documents print it.

``Filters`` is one selection of evidence, used alike by ``archiver list``, ``archiver
search``, the web lists and the web search. Its meaning is fixed here, once:

* ``periode`` is canonical (``TW1``, ``03``, ``TAHUNAN``) and a triwulan takes in the
  months it holds: ``TW1`` selects files under ``TW1``, ``01``, ``02`` and ``03`` (as
  coverage counts them);
* ``nip`` selects one pegawai; ``within_nips`` (a user's scope) selects any of a set, and
  both together select the NIP only when it is in the set;
* ``date_from``/``date_to`` are inclusive UTC dates of archiving;
* ``signature`` selects by the signature check of the file (``SIGNATURE_STATES``):
  ``none`` takes in every file without a signature, PDF or not;
* ``review`` selects by the current judgement of each submission (``REVIEW_FILTER_STATES``):
  ``menunggu`` takes in every submission without one (a new version answering a
  judgement too), the others the submissions whose latest judgement is that state.

Both values are pure: no SQL, no index. ``archiver.catalog`` turns a ``Filters`` into SQL
and ``archiver.search`` into index terms.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import UsageError
from .i18n import _
from .nip import normalize_nip
from .periode import MONTHS, normalize_periode, quarter_of

KEY_FIELDS = ("nip", "tahun", "periode", "rhk", "iki")
#: Results of a signature check (``archiver.signing``): every signature intact and trusted; one
#: broken, the document changed after signing or a certificate expired; a signer not under a
#: configured root; no signature; the check itself failed (timeout, crash).
SIGNATURE_STATES = ("valid", "invalid", "untrusted", "none", "error")
#: Values of the review filter (``archiver.review``): awaiting review, accepted, needs revision, rejected.
REVIEW_FILTER_STATES = ("menunggu", "diterima", "perlu_perbaikan", "ditolak")

_RHK = re.compile(r"^rhk[\s_\-.]*0*(\d{1,3})$", re.IGNORECASE)
_IKI = re.compile(r"^(?:iki|ind|indikator)[\s_\-.]*0*(\d{1,3})$", re.IGNORECASE)


def _normalize_code(raw: str, regex: re.Pattern[str], prefix: str) -> str:
    m = regex.match(raw.strip())
    if m:
        return f"{prefix}-{int(m.group(1)):02d}"
    return re.sub(r"\s+", " ", raw.strip()).upper()


def normalize_rhk(raw: str) -> str:
    """``rhk 1``, ``RHK_01``, ``Rhk-1`` -> ``RHK-01``; other codes are kept, upper-cased."""
    return _normalize_code(raw, _RHK, "RHK")


def normalize_iki(raw: str) -> str:
    """``iki 2``, ``Indikator-02`` -> ``IKI-02``; other codes are kept, upper-cased."""
    return _normalize_code(raw, _IKI, "IKI")


def is_iki_code(raw: str) -> bool:
    """Whether a folder name is an indicator code (``IKI-02``, ``indikator 2``)."""
    return _IKI.match(raw.strip()) is not None



@dataclass(frozen=True)
class EvidenceKey:
    """Where a piece of evidence is filed: pegawai, year, period, RHK and indicator (each may be unknown)."""

    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    iki: str | None = None

    @classmethod
    def of(cls, row: Any) -> EvidenceKey:
        """The key of anything with these five fields: a mapping (a catalog row) or an object."""
        if isinstance(row, Mapping):
            return cls(*(row.get(f) for f in KEY_FIELDS))
        return cls(*(getattr(row, f, None) for f in KEY_FIELDS))

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set (as custody events record a link)."""
        return {f: v for f, v in self.columns().items() if v is not None}

    def columns(self) -> dict[str, Any]:
        """All five fields, for a catalog row."""
        return {f: getattr(self, f) for f in KEY_FIELDS}

    def replace(self, **changes: Any) -> EvidenceKey:
        return dataclasses.replace(self, **changes)

    @property
    def empty(self) -> bool:
        return not any(self.columns().values())

    def label(self) -> str:
        """``198503152010011002 2026 TW1 RHK-01`` (the fields that are set, in order)."""
        return " ".join(str(v) for v in self.columns().values() if v not in (None, ""))


def periode_set(periode: str) -> tuple[str, ...]:
    """The periodes a filter on ``periode`` selects: a triwulan with its months, anything else alone."""
    return (periode, *(m for m in MONTHS if quarter_of(m) == periode)) if periode.startswith("TW") else (periode,)


@dataclass(frozen=True)
class Filters:
    """One selection of evidence (see the module docstring for what each field means)."""

    nip: str | None = None
    tahun: int | None = None
    periode: str | None = None
    rhk: str | None = None
    iki: str | None = None
    type: str | None = None
    unit: str | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    within_nips: frozenset[str] | None = None
    signature: str | None = None
    review: str | None = None

    def normalized(self) -> Filters:
        """Canonical values (NIP without separators, periode canonical, codes upper-case); raises UsageError."""
        nip = normalize_nip(self.nip) if self.nip else None
        if nip is not None and (len(nip) != 18 or not nip.isdigit()):
            raise UsageError(_("--nip {nip}: a NIP has 18 digits").format(nip=repr(self.nip)),
                             hint=_("example: {example}").format(example="--nip 198503152010011002"))
        periode = None
        if self.periode:
            periode = normalize_periode(self.periode)
            if periode is None:
                raise UsageError(_("--periode {periode} is not a periode").format(periode=repr(self.periode)),
                                 hint=_("write TW1-TW4, a month 01-12 or TAHUNAN"))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UsageError(_("--from {start} is after --to {end}").format(start=self.date_from, end=self.date_to))
        if self.signature and self.signature not in SIGNATURE_STATES:
            raise UsageError(_("--signature {value}: unknown").format(value=repr(self.signature)),
                             hint=_("write one of: {values}").format(values=", ".join(SIGNATURE_STATES)))
        if self.review and self.review not in REVIEW_FILTER_STATES:
            raise UsageError(_("--review {value}: unknown").format(value=repr(self.review)),
                             hint=_("write one of: {values}").format(values=", ".join(REVIEW_FILTER_STATES)))
        return dataclasses.replace(
            self, nip=nip, periode=periode,
            rhk=normalize_rhk(self.rhk) if self.rhk else None, iki=normalize_iki(self.iki) if self.iki else None,
            type=self.type or None, unit=self.unit or None, status=self.status or None,
            signature=self.signature or None, review=self.review or None)

    def periodes(self) -> tuple[str, ...] | None:
        """The periode values selected (``TW1`` -> TW1, 01, 02, 03), or None for any."""
        return periode_set(self.periode) if self.periode else None

    def nips(self) -> tuple[str, ...] | None:
        """The NIPs selected, or None for any (an empty tuple selects nothing)."""
        if self.within_nips is None:
            return (self.nip,) if self.nip else None
        if self.nip:
            return (self.nip,) if self.nip in self.within_nips else ()
        return tuple(sorted(self.within_nips))

    def with_scope(self, nips: frozenset[str] | None) -> Filters:
        """These filters cut to a user's scope (None: no limit)."""
        if nips is None:
            return self
        within = nips if self.within_nips is None else self.within_nips & nips
        return dataclasses.replace(self, within_nips=frozenset(within))

