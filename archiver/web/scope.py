"""What a user may see: the one function every query of the web layer goes through.

``visible_nips(archive, user)`` is None for roles that see everything (auditor, admin),
else a ``Visible``: the (NIP, tahun) pairs whose evidence the user may see. A pegawai
sees their own evidence of every year. An atasan sees their own, and a subordinate's
evidence of each year in which the atasan is above them in that year's SKP tree
(pejabat penilai, transitively; ``archiver.skp.tree.subordinates_by_year``): a staff
member who moved to another bidang in 2026 is seen by the old Kepala Bidang for 2025
and by the new one from 2026. Years after a subordinate's newest imported SKP follow
that SKP (evidence of a new year shows before its SKPs are imported).
Evidence outside the scope does not exist for that user (404, never 403).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..archive import Archive
from ..skp.tree import newest_skp_years, subordinates_by_year
from .users import User

SEE_ALL = ("auditor", "admin")


@dataclass(frozen=True)
class Visible:
    """A restricted scope: the user's own NIP (every year) and subordinates per year."""

    own: str | None = None
    years: Mapping[str, frozenset[int]] = field(default_factory=dict)  # NIP -> years it is visible in
    from_year: Mapping[str, int] = field(default_factory=dict)  # NIP -> visible in every year from this one on

    @property
    def nips(self) -> frozenset[str]:
        """Every NIP visible in at least one year."""
        return frozenset({*([self.own] if self.own else []), *self.years, *self.from_year})

    def allows(self, nip: str | None, tahun: int | None) -> bool:
        if nip is None:
            return False
        if nip == self.own:
            return True
        if tahun is None:
            return False
        start = self.from_year.get(nip)
        return tahun in self.years.get(nip, ()) or (start is not None and tahun >= start)

    def where(self, nip_col: Any, tahun_col: Any) -> Any:
        """The SQL condition over (NIP, tahun) columns; NIPs with the same years share one term."""
        groups: dict[tuple[frozenset[int], int | None], list[str]] = defaultdict(list)
        for nip in self.nips - {self.own}:
            groups[(self.years.get(nip, frozenset()), self.from_year.get(nip))].append(nip)
        terms = [nip_col == self.own] if self.own else []
        for (years, start), nips in sorted(groups.items(), key=lambda g: sorted(g[1])):
            when = [tahun_col.in_(sorted(years))] if years else []
            if start is not None:
                when.append(tahun_col >= start)
            terms.append(sa.and_(nip_col.in_(sorted(nips)), sa.or_(*when)))
        return sa.or_(*terms) if terms else sa.false()


Scope = Visible | None


def visible_nips(archive: Archive, user: User) -> Scope:
    if user.role in SEE_ALL:
        return None
    if not user.nip:
        return Visible()
    if user.role != "atasan":
        return Visible(own=user.nip)
    by_year = subordinates_by_year(archive, user.nip)
    years: dict[str, set[int]] = defaultdict(set)
    for tahun, nips in by_year.items():
        for nip in nips:
            years[nip].add(tahun)
    newest = newest_skp_years(archive, set(years))
    from_year = {nip: t + 1 for nip, t in newest.items() if t in years[nip]}
    return Visible(own=user.nip, years={n: frozenset(y) for n, y in years.items()}, from_year=from_year)


def may_see(scope: Scope, nip: str | None, tahun: int | None) -> bool:
    return scope is None or scope.allows(nip, tahun)
