"""Pola distribusi: the allowed spread of employee predikat for an organisational predikat.

skp-reference §4.5 (SE MenPANRB 3/2023, from secondary summaries: the wording must be
verified before it is enforced). This is a *warning* validator per unit, never an
auto-assigner: ``check_distribution`` returns what is outside the pattern and names the
limit, and the caller decides what to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from .rules import OrgPredikat, Predikat

RuleKind = Literal["largest", "max", "min", "present", "none"]

P = Predikat


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    predikat: tuple[Predikat, ...]
    percent: int = 0

    @property
    def names(self) -> str:
        return " dan/atau ".join(p.label for p in self.predikat)

    def describe(self) -> str:
        """The rule in Indonesian, as printed under POLA DISTRIBUSI."""
        return {
            "largest": f"{self.names} terbanyak (mayoritas)",
            "max": f"{self.names} paling banyak {self.percent}%",
            "min": f"{self.names} paling sedikit {self.percent}%",
            "present": f"harus ada {self.names}",
            "none": f"tidak boleh ada {self.names}",
        }[self.kind]


#: The pattern for each organisational predikat (§4.5).
PATTERNS: dict[OrgPredikat, tuple[Rule, ...]] = {
    OrgPredikat.ISTIMEWA: (Rule("largest", (P.SANGAT_BAIK,)), Rule("max", (P.SANGAT_BAIK,), 70)),
    OrgPredikat.BAIK: (Rule("largest", (P.BAIK,)), Rule("max", (P.BAIK,), 70),
                       Rule("present", (P.BUTUH_PERBAIKAN, P.KURANG))),
    OrgPredikat.BUTUH_PERBAIKAN: (Rule("min", (P.BUTUH_PERBAIKAN,), 60), Rule("max", (P.SANGAT_BAIK,), 10)),
    OrgPredikat.KURANG: (Rule("min", (P.KURANG,), 60), Rule("min", (P.BUTUH_PERBAIKAN,), 10),
                         Rule("max", (P.SANGAT_BAIK,), 10)),
    OrgPredikat.SANGAT_KURANG: (Rule("min", (P.SANGAT_KURANG,), 60),
                                Rule("min", (P.KURANG, P.BUTUH_PERBAIKAN), 10),
                                Rule("none", (P.SANGAT_BAIK,))),
}


@dataclass(frozen=True)
class DistributionWarning:
    rule: Rule
    org: OrgPredikat
    count: int
    total: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule.kind, "predikat": [p.value for p in self.rule.predikat],
                "limit_percent": self.rule.percent, "count": self.count, "total": self.total,
                "percent": round(100 * self.count / self.total, 1) if self.total else 0.0,
                "message": self.message}


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}".replace(".", ",") + "%"


def check_distribution(org: OrgPredikat, predikats: Iterable[Predikat]) -> list[DistributionWarning]:
    """Every rule of the pattern for ``org`` that the unit's predikat spread breaks (empty = fits)."""
    counts = Counter(predikats)
    total = sum(counts.values())
    if total == 0:
        return []
    out = []
    for rule in PATTERNS[org]:
        n = sum(counts[p] for p in rule.predikat)
        share = Fraction(n, total)
        where = f"untuk capaian kinerja organisasi {org.value}"
        got = f"{rule.names} {_pct(n, total)} ({n} dari {total} pegawai)"
        msg = None
        if rule.kind == "max" and share > Fraction(rule.percent, 100):
            msg = f"{got} melebihi batas paling banyak {rule.percent}% {where}"
        elif rule.kind == "min" and share < Fraction(rule.percent, 100):
            msg = f"{got} kurang dari batas paling sedikit {rule.percent}% {where}"
        elif rule.kind == "present" and n == 0:
            msg = f"tidak ada pegawai dengan predikat {rule.names}, padahal pola {where} mengharuskannya"
        elif rule.kind == "none" and n > 0:
            msg = f"{got}, padahal pola {where} tidak membolehkan {rule.names}"
        elif rule.kind == "largest":
            top = rule.predikat[0]
            bigger = [p for p in Predikat if p is not top and counts[p] > counts[top]]
            if bigger:
                others = ", ".join(f"{p.label} {counts[p]}" for p in bigger)
                msg = (f"{top.label} ({counts[top]} dari {total} pegawai) bukan predikat terbanyak "
                       f"({others}) {where}")
        if msg:
            out.append(DistributionWarning(rule, org, n, total, msg))
    return out


def pattern_rows(org: OrgPredikat) -> list[dict[str, str]]:
    """One row per predikat (high -> low) with the pattern's conditions on it, for documents."""
    rows = []
    for p in reversed(list(Predikat)):
        rules = [r.describe() for r in PATTERNS[org] if p in r.predikat]
        rows.append({"predikat": p.label, "ketentuan": "; ".join(rules) or "sisanya (boleh)"})
    return rows


def describe_pattern(org: OrgPredikat) -> str:
    return "; ".join(r.describe() for r in PATTERNS[org])
