"""Relevance: how well a linked evidence file's text matches the RHK/indicator it is filed under.

score = share of the indicator's content words (RHK text + indicator text + rencana aksi,
stemmed with archiver.stemming when present) that occur in the file's text or name.
A file is *suspicious* when it has text to judge and its score is low, or another
indicator of the same SKP matches it much better. Files without extractable text
(most photos) are not judged. Scores are cached per submission in ``skp_relevance``,
keyed by what they were computed against, so a relink or SKP change recomputes them.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..catalog import skp as q
from ..evidence import EvidenceKey
from ..i18n import _
from ..search import (
    stem,  # the stemmer the index uses
    text_of,
)
from .model import Indikator, Rhk, Skp
from .resolution import RESOLVED, current_submissions, link_codes, resolve
from .selection import load_scope

if TYPE_CHECKING:
    from ..archive import Archive

log = logging.getLogger(__name__)

#: Below this score a file with text is suspicious.
THRESHOLD = 0.2
#: Another indicator matching this much better marks the file as probably misfiled.
MARGIN = 0.25
#: A text with fewer content words than this is too short to judge.
MIN_WORDS = 4
#: Part of every cached score's key: raise it when ``score`` changes.
SCORE_VERSION = 2

STOP = frozenset(("yang", "dan", "di", "ke", "dari", "untuk", "dengan", "pada", "ini", "itu", "dalam", "atau",
                  "adalah", "oleh", "sebagai", "akan", "juga", "tidak", "ada", "telah", "sudah", "karena", "bahwa",
                  "para", "secara", "serta", "agar", "dapat", "tersebut", "kepada", "bagi", "hal", "maka", "jumlah",
                  "persentase", "tersedianya", "terlaksananya", "tersusunnya", "meningkatnya", "terwujudnya",
                  "kegiatan", "dokumen", "pelaksanaan", "tahun", "bulan", "sesuai", "halaman", "nomor", "tanggal",
                  "pdf", "docx", "xlsx", "jpg", "png", "rhk", "iki", "the", "and", "of"))
_WORD = re.compile(r"[a-z]{3,}")


def terms(text: str) -> set[str]:
    out = set()
    for w in _WORD.findall((text or "").casefold()):
        if w in STOP:
            continue
        s = stem(w)
        if s not in STOP and len(s) >= 3:
            out.add(s)
    return out


def indicator_text(r: Rhk, i: Indikator | None) -> str:
    parts = [r.teks]
    for ind in ([i] if i else list(r.indikator)):
        parts.append(ind.teks)
        parts.extend(p.rencana_aksi for p in ind.rencana)
    return " ".join(parts)


def score(query: set[str], doc: set[str]) -> float:
    """The share of the indicator's words the file holds; a file that says less than the indicator
    (a photo's caption, a short note) is judged on the share of what it says: a caption of five
    words, three of them the indicator's, matches well, however long the indicator's text is."""
    if not query:
        return 0.0
    return len(query & doc) / min(len(query), max(len(doc), MIN_WORDS))


@dataclass
class Judgement:
    submission_id: int
    path: str
    nip: str
    tahun: int
    periode: str | None
    rhk: str
    iki: str | None
    score: float | None  # None: no text to judge
    best: str  # "RHK-02/IKI-03": the indicator the text matches best
    best_score: float | None
    suspicious: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def key(self) -> EvidenceKey:
        """Where the judged file is filed (pegawai, year, periode, RHK, indicator)."""
        return EvidenceKey(self.nip, self.tahun, self.periode, self.rhk, self.iki)


def judge(skp: Skp, rhk: str, iki: str | None, doc: set[str]) -> tuple[float, str, float]:
    """(score against its own indicator, best other indicator, its score)."""
    own_r = skp.find_rhk(rhk)
    found = skp.find_iki(iki) if iki else None
    own_i = found[1] if found else None
    own = score(terms(indicator_text(own_r, own_i)), doc) if own_r else 0.0
    best, best_score = f"{rhk}/{iki or '-'}", own
    for r, i in skp.indikator():
        s = score(terms(indicator_text(r, i)), doc)
        if s > best_score:
            best, best_score = f"{r.kode}/{i.kode}", s
    return own, best, best_score


def _link_key(sha256: str, rhk: str, iki: str | None, skp: Skp) -> str:
    # SCORE_VERSION: a change of the score's formula recomputes the cached scores
    return hashlib.sha256(f"{SCORE_VERSION}|{sha256}|{rhk}|{iki}|{q.content_hash(skp)}".encode()).hexdigest()


def _text(archive: Archive, sha256: str) -> str | None:
    try:
        return text_of(archive, sha256)
    except Exception:  # noqa: BLE001 - a file whose text cannot be extracted is simply not judged
        log.warning("no text for %s", sha256, exc_info=True)
        return None


def judge_all(archive: Archive, *, unit: str | None = None, nip: str | None = None, tahun: int | None = None,
              periode: str | None = None) -> list[Judgement]:
    skps = {(s.nip, s.tahun): s for s in load_scope(archive, unit=unit, nip=nip, tahun=tahun)}
    if not skps:
        return []
    with archive.catalog.read() as conn:
        subs = current_submissions(conn, nips={n for n, _ in skps}, tahun=tahun)
        cached = q.relevance_cache(conn)
    out: list[Judgement] = []
    fresh: list[dict[str, Any]] = []
    for row in subs:
        skp = skps.get((row.nip, row.tahun))
        if skp is None or (periode and row.periode != periode):
            continue
        res = resolve(skp, *link_codes(row), row.periode)
        if res.state != RESOLVED or not res.rhk:
            continue
        key = _link_key(row.sha256, res.rhk, res.iki, skp)
        c = cached.get(row.id)
        if c is not None and c.link_key == key:
            own, best, best_score = c.score, c.best, c.best_score
        else:
            text = _text(archive, row.sha256)
            doc = terms(f"{text or ''} {row.name}") if text is not None else set()
            if text is None or len(terms(text)) < MIN_WORDS:
                own, best, best_score = None, f"{res.rhk}/{res.iki or '-'}", None
            else:
                own, best, best_score = judge(skp, res.rhk, res.iki, doc)
            fresh.append({"submission_id": row.id, "link_key": key, "score": own, "best": best,
                          "best_score": best_score, "computed_at": archive.now()})
        out.append(_judgement(row, res.rhk, res.iki, own, best, best_score))
    q.save_relevance(archive.catalog, fresh)
    return out


def _judgement(row: Any, rhk: str, iki: str | None, own: float | None, best: str,
               best_score: float | None) -> Judgement:
    reason, bad = "", False
    if own is None:
        reason = _("no text to judge (photo or scan without text)")
    else:
        own_code = f"{rhk}/{iki or '-'}"
        better = best_score is not None and best != own_code and best_score - own >= MARGIN
        if own < THRESHOLD:
            bad = True
            reason = _("its text shares only {share} of the words of {code}").format(share=f"{own:.0%}", code=own_code)
        if better:
            bad = True
            reason = (reason + "; " if reason else "") + _("it matches {code} better ({share})").format(
                code=best, share=f"{best_score:.0%}")
    return Judgement(row.id, f"{row.share}/{row.relpath}", row.nip, row.tahun, row.periode, rhk, iki, own, best,
                     best_score, bad, reason)


def suspicious(archive: Archive, **kw: Any) -> list[Judgement]:
    """Linked evidence that looks unrelated to its indicator (lowest score first)."""
    items = [j for j in judge_all(archive, **kw) if j.suspicious]
    return sorted(items, key=lambda j: (j.score or 0.0, j.submission_id))
