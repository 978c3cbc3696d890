"""The performance tree (pohon kinerja / cascading): organisation sasaran -> leader RHK -> staff RHK.

A JPT RHK hangs under the organisation sasaran it names; any other RHK hangs under the RHK
of its pejabat penilai's SKP (same year) it intervenes. RHK that hang under nothing are
listed apart with the reason: they support nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..catalog import skp as q
from ..i18n import _
from .model import Sasaran, Skp

if TYPE_CHECKING:
    from ..archive import Archive


@dataclass
class Node:
    kind: str  # "sasaran" | "rhk"
    kode: str
    teks: str
    nip: str = ""
    nama: str = ""
    jabatan: str = ""
    unit: str = ""
    jenis: str = ""
    children: list[Node] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "kode": self.kode, "teks": self.teks, "nip": self.nip, "nama": self.nama,
                "jabatan": self.jabatan, "unit": self.unit, "jenis": self.jenis,
                "children": [c.as_dict() for c in self.children]}


@dataclass
class Orphan:
    nip: str
    nama: str
    jabatan: str
    rhk: str
    teks: str
    jenis: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Tree:
    tahun: int
    roots: list[Node]
    orphans: list[Orphan]


def build_tree(sasaran: list[Sasaran], skps: list[Skp], tahun: int) -> Tree:
    """Pure: link every RHK of ``skps`` of ``tahun`` to its parent."""
    skps = [s for s in skps if s.tahun == tahun]
    roots = [Node("sasaran", x.kode, x.teks, unit=x.unit) for x in sasaran if x.tahun == tahun]
    by_sasaran = {n.kode.upper(): n for n in roots}
    nodes: dict[tuple[str, str], Node] = {}
    for s in skps:
        for r in s.rhk:
            nodes[(s.nip, r.kode)] = Node("rhk", r.kode, r.teks, s.nip, s.pegawai.nama, s.pegawai.jabatan, s.unit,
                                          r.jenis)
    by_nip = {s.nip: s for s in skps}
    orphans: list[Orphan] = []
    for s in skps:
        for r in s.rhk:
            node = nodes[(s.nip, r.kode)]
            parent: Node | None = None
            reason = ""
            key = r.rhk_pimpinan.upper()
            if not key:
                reason = _("intervenes no leader RHK") if not s.jpt else _("names no organisation sasaran")
            else:
                leader = by_nip.get(s.penilai.nip) if s.penilai.nip else None
                parent = nodes.get((leader.nip, key)) if leader else None
                if parent is None and key in by_sasaran:
                    parent = by_sasaran[key]
                if parent is None:
                    if leader is None and key not in by_sasaran:
                        reason = _("intervenes {rhk}, but the SKP of the pejabat penilai ({nama}) is not "
                                   "imported").format(rhk=key, nama=s.penilai.nama or _("unknown"))
                    else:
                        reason = _("intervenes {rhk}, which does not exist in the leader's SKP").format(rhk=key)
            if parent is None:
                orphans.append(Orphan(s.nip, s.pegawai.nama, s.pegawai.jabatan, r.kode, r.teks, r.jenis, reason))
                roots.append(node)  # shown at the top with its own subtree, and listed as supporting nothing
            else:
                parent.children.append(node)
    return Tree(tahun, roots, orphans)


def performance_tree(archive: Archive, *, tahun: int, unit: str | None = None) -> Tree:
    with archive.catalog.read() as conn:
        skps = q.load_skps(conn, tahun=tahun)
        sas = q.sasaran(conn, tahun)
        units = q.resolve_units(conn, unit) if unit else None
    tree = build_tree(sas, skps, tahun)
    if units is not None:
        tree.roots = [n for n in (_prune(r, set(units)) for r in tree.roots) if n is not None]
        nips = {s.nip for s in skps if s.unit in units}
        tree.orphans = [o for o in tree.orphans if o.nip in nips]
    return tree


def _prune(node: Node, units: set[str]) -> Node | None:
    """Keep the branches that reach into the units (with the path leading there)."""
    kids = [k for k in (_prune(c, units) for c in node.children) if k is not None]
    if node.unit in units or kids:
        return Node(node.kind, node.kode, node.teks, node.nip, node.nama, node.jabatan, node.unit, node.jenis, kids)
    return None


def render(tree: Tree) -> list[str]:
    lines: list[str] = []

    def walk(n: Node, depth: int) -> None:
        pad = "    " * depth + ("└─ " if depth else "")
        if n.kind == "sasaran":
            lines.append(f"{pad}[{n.kode}] {n.teks}  ({n.unit})")
        else:
            who = f"{n.nama}, {n.jabatan}" if n.nama else n.nip
            tag = " (tambahan)" if n.jenis == "TAMBAHAN" else ""
            lines.append(f"{pad}{n.kode} {n.teks}{tag}  — {who}")
        for c in n.children:
            walk(c, depth + 1)

    for r in tree.roots:
        walk(r, 0)
    return lines


def subordinates(archive: Archive, nip: str, *, tahun: int | None = None) -> set[str]:
    """Every NIP appraised by ``nip``, directly or further down: in the SKPs of ``tahun``,
    or of any year when None (each year's tree on its own, then united)."""
    by_year = subordinates_by_year(archive, nip)
    if tahun is not None:
        return by_year.get(tahun, set())
    return set().union(*by_year.values()) if by_year else set()


def subordinates_by_year(archive: Archive, nip: str) -> dict[int, set[str]]:
    """tahun -> every NIP below ``nip`` in that year's SKPs (pejabat penilai, transitively).

    Each year's tree is followed on its own: someone ``nip`` appraised in 2025 who moved to
    another bidang in 2026 is below ``nip`` in 2025 only. Every year that has SKPs is a key
    (an empty set where ``nip`` appraises nobody): the web's atasan scope."""
    below: dict[int, dict[str, set[str]]] = {}
    for tahun, boss, staff in q.penilai_links(archive.catalog):
        year = below.setdefault(tahun, {})
        if boss:
            year.setdefault(boss, set()).add(staff)
    out: dict[int, set[str]] = {}
    for tahun, year in below.items():
        found: set[str] = set()
        stack = [nip]
        while stack:
            for s in year.get(stack.pop(), ()):
                if s not in found and s != nip:
                    found.add(s)
                    stack.append(s)
        out[tahun] = found
    return out


def newest_skp_years(archive: Archive, nips: set[str]) -> dict[str, int]:
    """NIP -> the newest year it has an SKP for (NIPs without any SKP are left out)."""
    if not nips:
        return {}
    return q.newest_skp_years(archive.catalog, nips)
