"""Red flags over the catalog, ranked: each with its kind, score, reason and evidence.

    flags(archive, tahun=None, unit=None, kinds=None, scope=None) -> list[Flag]   highest score first

Kinds (weight x strength = score):

- ``same_bytes``: one blob (same SHA-256) claimed by different pegawai, RHK or periods;
- ``near_duplicate``: two different blobs whose texts are near-identical (MinHash Jaccard at
  least ``[flags] text_similarity``) claimed by different pegawai, RHK or periods;
- ``similar_image``: two images whose pHash differ in at most ``[flags] image_distance`` bits
  in some rotation, claimed likewise;
- ``date_outside``: every strong date of a file (a text date after "tanggal" or on a place-date
  line, the photo's EXIF capture date) lies outside its claimed period (with the tolerance of
  ``days_before``/``days_after``), or, without strong dates, the PDF was created and last
  modified before the period began;
- ``off_topic``: today's relevance check (``archiver.skp.relevance``) finds the text unrelated
  to its indicator;
- ``burst``: many files by one pegawai received just before a period's deadline.

Fingerprints are stored at extraction (``flags.indexing``). Candidates for near-duplicates are
grouped from the stored signatures by their LSH bands in memory, never by comparing every
pair; a band value shared by more than ``candidates.GROUP_LIMIT`` blobs is a template's
signature and pairs its blobs only when they also meet in another band (``flags.candidates``).

The flags computed from the catalog are kept in memory per catalog state (``cfp.state``: the
custody head, the submissions' and fingerprints' counts) with the settings and the language, so
the page and repeated calls do not recompute them while nothing changed.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..catalog import fingerprints as cfp
from ..i18n import N_, _, current_language
from ..periode import span
from . import candidates as cand
from .candidates import Stats

if TYPE_CHECKING:
    from ..accounts import Scope
    from ..archive import Archive

WEIGHTS = {"same_bytes": 1.0, "near_duplicate": 0.8, "similar_image": 0.7, "date_outside": 0.6,
           "off_topic": 0.4, "burst": 0.3}
KINDS = tuple(WEIGHTS)
LABELS = {"same_bytes": N_("Same file claimed twice"), "near_duplicate": N_("Near-duplicate document"),
          "similar_image": N_("Near-duplicate image"), "date_outside": N_("Date outside the period"),
          "off_topic": N_("Text does not match its indicator"), "burst": N_("Upload burst before the deadline")}
SOURCES = {"text": N_("date in the text"), "pdf_created": N_("PDF created"), "pdf_modified": N_("PDF modified"),
           "exif": N_("photo taken")}


@dataclass
class Evidence:
    submission_id: int
    sha256: str
    nip: str | None
    tahun: int | None
    periode: str | None
    rhk: str | None
    path: str
    received_at: str

    @property
    def link(self) -> str:
        return f"/e/{self.sha256}"

    @classmethod
    def of(cls, row: Any) -> Evidence:
        return cls(row.id, row.sha256, row.nip, row.tahun, row.periode, row.rhk, f"{row.share}/{row.relpath}",
                   row.received_at)


@dataclass
class Flag:
    kind: str
    strength: float
    reason: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(WEIGHTS[self.kind] * max(0.0, min(1.0, self.strength)), 3)

    @property
    def label(self) -> str:
        return _(LABELS[self.kind])

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "score": self.score, "strength": round(self.strength, 3),
                "reason": self.reason,
                "evidence": [{**asdict(e), "link": e.link} for e in self.evidence]}


def _claim(row: Any) -> tuple[Any, ...]:
    return (row.nip, row.tahun, row.periode, row.rhk)


def _who(row: Any) -> str:
    return " ".join(str(v or "-") for v in (row.nip, row.periode, row.tahun, row.rhk))


# --------------------------------------------------------------------------- kinds

def same_bytes(conn: Any) -> list[Flag]:
    digests = cfp.shared_bytes(conn)
    out = []
    for sha, rows in sorted(cfp.claims(conn, digests).items()):
        claims = sorted({_claim(r) for r in rows}, key=str)
        if len(claims) < 2:
            continue
        nips = {r.nip for r in rows if r.nip}
        strength = 1.0 if len(nips) > 1 else 0.8
        reason = _("The same file (SHA-256 {sha}) is claimed {n} times: {claims}.").format(
            sha=sha[:12], n=len(rows), claims="; ".join(_who(r) for r in rows[:10]))
        out.append(Flag("same_bytes", strength, reason, [Evidence.of(r) for r in rows]))
    return out


def _differ(a: list[Any], b: list[Any]) -> bool:
    """Whether two blobs' claims differ in pegawai, RHK or period (a new version of one's own file
    for the same indicator and period is not a flag)."""
    ca, cb = {_claim(r) for r in a}, {_claim(r) for r in b}
    return bool(ca and cb) and (ca != cb or len(ca) > 1)


def near_duplicates(conn: Any, *, text_similarity: float, image_bits: int,
                    stats: dict[str, Stats] | None = None) -> list[Flag]:
    """Near-duplicate texts and images, candidates grouped from the stored signatures
    (``flags.candidates``) and verified at once; ``stats`` receives the counts of each kind."""
    scored: list[tuple[str, str, str, float, str]] = []
    st_text, st_image = Stats(), Stats()
    texts = cfp.text_signatures(conn)
    for i, j, sim in cand.similar_texts(cand.signatures([m for _s, m in texts]), text_similarity, st_text):
        scored.append(("near_duplicate", texts[i][0], texts[j][0], sim,
                       _("Texts {share} alike (word shingles).").format(share=f"{sim:.0%}")))
    images = cfp.image_hashes(conn)
    for i, j, d in cand.similar_images(cand.hashes([h for _s, h in images]), image_bits, st_image):
        scored.append(("similar_image", images[i][0], images[j][0], 1 - d / 64,
                       _("Images alike: perceptual hashes differ in {bits} of 64 bits.").format(bits=d)))
    if stats is not None:
        stats.update(near_duplicate=st_text, similar_image=st_image)
    claims = cfp.claims(conn, (s for _k, a, b, _s, _r in scored for s in (a, b)))
    out: list[Flag] = []
    for kind, a, b, strength, why in scored:
        ra, rb = claims.get(a, []), claims.get(b, [])
        if not _differ(ra, rb):
            continue
        reason = why + " " + _("Claimed as {a} and as {b}.").format(a=_who(ra[0]), b=_who(rb[0]))
        out.append(Flag(kind, strength, reason, [Evidence.of(r) for r in ra + rb]))
    return out


def _fmt(d: dt.date) -> str:
    return d.strftime("%d-%m-%Y")


def dates_outside(conn: Any, *, days_before: int, days_after: int) -> list[Flag]:
    out: list[Flag] = []
    for row, raw in cfp.dated_claims(conn):
        try:
            dates = json.loads(raw or "[]")
            start, end = span(row.periode, int(row.tahun))
        except (ValueError, TypeError):
            continue
        lo, hi = start - dt.timedelta(days=days_before), end + dt.timedelta(days=days_after)
        found = [(dt.date.fromisoformat(d["date"]), d) for d in dates]
        strong = [(d, x) for d, x in found if x.get("strong")]
        pdf = [(d, x) for d, x in found if x["source"] in ("pdf_created", "pdf_modified")]
        if strong:
            if any(lo <= d <= hi for d, _x in strong):
                continue
            shown, strength = strong, 1.0
        elif pdf and all(d < lo for d, _x in pdf):
            shown, strength = pdf, 0.6
        else:
            continue
        what = "; ".join(f"{_(SOURCES[x['source']])} {_fmt(d)}" + (f" (\u201c{x['quote']}\u201d)" if x.get("quote")
                                                                  else "") for d, x in shown[:5])
        reason = _("Dated outside {periode} {tahun} ({start} to {end}): {dates}.").format(
            periode=row.periode, tahun=row.tahun, start=_fmt(start), end=_fmt(end), dates=what)
        out.append(Flag("date_outside", strength, reason, [Evidence.of(row)]))
    return out


def _at(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def bursts(conn: Any, *, tz: str, deadline_days: int, hours: float, files: int, share: float) -> list[Flag]:
    groups: dict[tuple[str, int, str], list[Any]] = defaultdict(list)
    for r in cfp.period_claims(conn):
        groups[(r.nip, int(r.tahun), r.periode)].append(r)
    zone = ZoneInfo(tz)
    out: list[Flag] = []
    for (nip, tahun, periode), rows in sorted(groups.items()):
        if len(rows) < files:
            continue
        try:
            end = span(periode, tahun)[1] + dt.timedelta(days=deadline_days + 1)
        except ValueError:
            continue
        deadline = dt.datetime.combine(end, dt.time.min, zone)
        window = deadline - dt.timedelta(hours=hours)
        late = [r for r in rows if window <= _at(r.received_at) < deadline]
        if len(late) >= files and len(late) / len(rows) >= share:
            reason = _("{n} of {total} files of {nip} for {periode} {tahun} were received in the {hours} hours "
                       "before the deadline ({deadline}).").format(
                n=len(late), total=len(rows), nip=nip, periode=periode, tahun=tahun, hours=f"{hours:g}",
                deadline=_fmt(end))
            out.append(Flag("burst", len(late) / len(rows), reason, [Evidence.of(r) for r in late]))
    return out


def off_topic(archive: Archive, *, unit: str | None, tahun: int | None) -> list[Flag]:
    from ..skp.relevance import suspicious

    judged = suspicious(archive, unit=unit, tahun=tahun)
    if not judged:
        return []
    with cfp.read(archive.catalog) as conn:
        rows = {r.id: r for r in cfp.claims_by_id(conn, [j.submission_id for j in judged])}
    out = []
    for j in judged:
        row = rows.get(j.submission_id)
        if row is not None:
            out.append(Flag("off_topic", 1 - (j.score or 0.0), j.reason[:1].upper() + j.reason[1:] + ".",
                            [Evidence.of(row)]))
    return out


# --------------------------------------------------------------------------- all

def _keep(flag: Flag, tahun: int | None, nips: frozenset[str] | None, scope: Scope | None) -> bool:
    ev = flag.evidence
    if tahun is not None and not any(e.tahun == tahun for e in ev):
        return False
    if nips is not None and not any(e.nip in nips for e in ev):
        return False
    return scope is None or all(e.nip is not None and scope.allows(e.nip, e.tahun) for e in ev)


#: catalog URL -> (catalog state, language and settings; the flags of each run computed for them)
_CACHE: dict[str, tuple[tuple[Any, ...], dict[str, list[Flag]]]] = {}
_LOCK = threading.Lock()


def flags(archive: Archive, *, tahun: int | None = None, unit: str | None = None,
          kinds: Iterable[str] | None = None, scope: Scope | None = None, cached: bool = True) -> list[Flag]:
    """Every red flag in the archive (within ``tahun``, ``unit``, ``kinds`` and the viewer's
    ``scope``: a flag is shown only when the viewer may see all its evidence), highest score first.
    The flags from the catalog are reused while its state is unchanged (``cached=False``: recompute)."""
    from ..catalog.text import unit_nips

    cfg = archive.config.flags
    wanted = set(kinds or KINDS)
    nips = frozenset(unit_nips(archive.catalog, unit)) if unit else None
    found: list[Flag] = []
    with cfp.read(archive.catalog) as conn:
        runs: list[tuple[str, Callable[[], list[Flag]]]] = [
            ("same_bytes", lambda: same_bytes(conn)),
            ("near", lambda: near_duplicates(conn, text_similarity=cfg.text_similarity,
                                             image_bits=cfg.image_distance)),
            ("date_outside", lambda: dates_outside(conn, days_before=cfg.days_before, days_after=cfg.days_after)),
            ("burst", lambda: bursts(conn, tz=archive.config.archive.timezone, deadline_days=cfg.deadline_days,
                                     hours=cfg.burst_hours, files=cfg.burst_files, share=cfg.burst_share)),
        ]
        key = (cfp.state(conn), current_language(), repr(cfg), archive.config.archive.timezone)
        with _LOCK:
            entry = _CACHE.get(archive.catalog.url)
            done = entry[1] if cached and entry is not None and entry[0] == key else {}
            _CACHE[archive.catalog.url] = (key, done)
        for name, run in runs:
            if name in wanted or (name == "near" and wanted & {"near_duplicate", "similar_image"}):
                if name not in done:
                    done[name] = run()
                found.extend(f for f in done[name] if f.kind in wanted)
    if "off_topic" in wanted:
        found.extend(off_topic(archive, unit=unit, tahun=tahun))
    kept = [f for f in found if _keep(f, tahun, nips, scope)]
    return sorted(kept, key=lambda f: (-f.score, KINDS.index(f.kind), f.evidence[0].submission_id if f.evidence
                                       else 0))
