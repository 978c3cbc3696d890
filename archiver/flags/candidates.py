"""Near-duplicate candidates from the stored fingerprints, grouped in memory (numpy), and their
verification, vectorized (pure functions over arrays; the detector reads the arrays).

A *band* is one way two items may meet: a text's LSH band (6 MinHash values) or an image's pair
of hash bytes (in any of its 4 rotations). Items with the same value in a band form a *group*.

- a group of at most ``GROUP_LIMIT`` items gives all its pairs;
- a larger group is a template's signature, not evidence of copying (1,500 letters on one
  letterhead share the bands whose 6 minima fall in the letterhead's words): its items are paired
  only when they also meet in a second band, so 40 copies of one circular are still found
  (they meet in every band) while letters on one template are not paired by the thousand.

Candidates are then verified all at once: MinHash agreement (estimated Jaccard) for texts, the
smallest Hamming distance over the 4 rotations for images.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .fingerprint import BANDS, PERMS, ROWS

#: Items sharing one band value beyond which the value is a template's signature (see above).
GROUP_LIMIT = 50
#: Groups larger than this are not paired at all, even by a second band (degenerate content:
#: blank pages, black photos); counted in ``Stats.skipped``.
GROUP_MAX = 5000

IntArray = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


@dataclass
class Stats:
    items: int = 0
    candidates: int = 0          # distinct pairs proposed
    common_groups: int = 0       # groups over GROUP_LIMIT (paired by a second band only)
    skipped: int = 0             # groups over GROUP_MAX
    verified: int = 0            # pairs that passed the similarity test
    extra: dict[str, int] = field(default_factory=dict)


def _runs(values: U64) -> tuple[IntArray, IntArray, IntArray]:
    """(order, run starts, run lengths) of equal values."""
    order = np.argsort(values, kind="stable")
    sv = values[order]
    if len(sv) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return order.astype(np.int64), empty, empty
    starts = np.flatnonzero(np.concatenate(([True], sv[1:] != sv[:-1])))
    lengths = np.diff(np.concatenate((starts, [len(sv)])))
    return order.astype(np.int64), starts.astype(np.int64), lengths.astype(np.int64)


def _pairs_in_runs(ids: IntArray, run: IntArray, longest: int, n: int) -> IntArray:
    """Codes ``a * n + b`` (a < b) of every pair of items within the same run; ``ids`` are sorted
    by run, ``run`` is each element's run number."""
    out: list[IntArray] = []
    for d in range(1, longest):
        same = run[d:] == run[:-d]
        if not same.any():
            continue
        a, b = ids[:-d][same], ids[d:][same]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        out.append(lo[keep] * n + hi[keep])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _group_pairs(items: IntArray, values: U64, n: int, lo: int, hi: int) -> tuple[IntArray, list[IntArray]]:
    """Pairs within groups of lo..hi items of one band, and the members of the groups over hi."""
    order, starts, lengths = _runs(values)
    big = [np.unique(items[order[s:s + k]]) for s, k in zip(starts, lengths, strict=True) if k > hi]
    small = (lengths >= lo) & (lengths <= hi)
    if not small.any():
        return np.zeros(0, dtype=np.int64), big
    run_of = np.repeat(np.arange(len(starts)), lengths)
    chosen = np.repeat(small, lengths)
    ids, run = items[order][chosen], run_of[chosen]
    return _pairs_in_runs(ids, run, int(lengths[small].max()), n), big


def _entries_of(items: IntArray, members: IntArray) -> IntArray:
    """Indexes of the entries of ``members`` in a band whose ``items`` are sorted."""
    left = np.searchsorted(items, members, "left")
    lengths = np.searchsorted(items, members, "right") - left
    if not lengths.any():
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    out: IntArray = (np.arange(int(lengths.sum())) - np.repeat(offsets, lengths) + np.repeat(left, lengths))
    return out.astype(np.int64)


def candidates(bands: list[tuple[IntArray, U64]], n: int, stats: Stats) -> IntArray:
    """Distinct pair codes (a * n + b, a < b) of items meeting in some band (see the module).
    Each band is (items, values) with ``items`` sorted (an item may have several values)."""
    codes: list[IntArray] = []
    commons: list[tuple[int, IntArray]] = []
    for b, (items, values) in enumerate(bands):
        got, big = _group_pairs(items, values, n, 2, GROUP_LIMIT)
        codes.append(got)
        commons.extend((b, members) for members in big)
    stats.common_groups = len(commons)
    for b, members in commons:
        if len(members) > GROUP_MAX:
            stats.skipped += 1
            continue
        for b2, (items, values) in enumerate(bands):
            if b2 == b:
                continue
            inside = _entries_of(items, members)
            got, _big = _group_pairs(items[inside], values[inside], n, 2, GROUP_MAX)
            codes.append(got)
    out = np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    stats.candidates = len(out)
    return out


# --------------------------------------------------------------------------- texts

_MIX = np.uint64(0x9E3779B97F4A7C15)


def text_band_values(sigs: npt.NDArray[np.uint32]) -> list[tuple[IntArray, U64]]:
    """The LSH bands of MinHash signatures (n x PERMS): one 64-bit value per item and band."""
    n = len(sigs)
    items = np.arange(n, dtype=np.int64)
    out = []
    wide = sigs.astype(np.uint64)
    with np.errstate(over="ignore"):
        for b in range(BANDS):
            v = np.full(n, np.uint64(b + 1), dtype=np.uint64)
            for c in range(b * ROWS, (b + 1) * ROWS):
                v = (v ^ wide[:, c]) * _MIX
                v ^= v >> np.uint64(29)
            out.append((items, v))
    return out


def signatures(raw: list[bytes]) -> npt.NDArray[np.uint32]:
    """Stored MinHash signatures (PERMS little-endian uint32 each) as one n x PERMS array."""
    if not raw:
        return np.zeros((0, PERMS), dtype=np.uint32)
    return np.frombuffer(b"".join(raw), dtype="<u4").reshape(len(raw), PERMS).astype(np.uint32)


def similar_texts(sigs: npt.NDArray[np.uint32], threshold: float, stats: Stats) -> list[tuple[int, int, float]]:
    """(i, j, estimated Jaccard) of the texts at least ``threshold`` alike."""
    n = len(sigs)
    stats.items = n
    codes = candidates(text_band_values(sigs), n, stats)
    a, b = codes // max(n, 1), codes % max(n, 1)
    sims = np.zeros(len(codes))
    for i in range(0, len(codes), 200_000):  # bounded memory: 200,000 x PERMS booleans at a time
        sims[i:i + 200_000] = (sigs[a[i:i + 200_000]] == sigs[b[i:i + 200_000]]).mean(axis=1)
    keep = np.flatnonzero(sims >= threshold)
    stats.verified = len(keep)
    return [(int(a[k]), int(b[k]), float(sims[k])) for k in keep]


# --------------------------------------------------------------------------- images

def hashes(raw: list[str]) -> npt.NDArray[np.uint64]:
    """Stored pHashes (4 rotations x 16 hex) as an n x 4 array."""
    return np.array([[int(h[i:i + 16], 16) for i in range(0, 64, 16)] for h in raw], dtype=np.uint64).reshape(-1, 4)


def image_band_values(h: npt.NDArray[np.uint64]) -> list[tuple[IntArray, U64]]:
    """Each pair of hash bytes (28) is a band; an image has a value in it for each rotation (the
    keys ``fingerprint.image_bands`` stores, as numbers)."""
    m = len(h)
    items = np.repeat(np.arange(m, dtype=np.int64), 4)
    byte = [((h >> np.uint64(8 * (7 - i))) & np.uint64(0xFF)).ravel() for i in range(8)]
    out = []
    for i, j in itertools.combinations(range(8), 2):
        v = (byte[i] << np.uint64(8)) | byte[j]
        pairs = np.unique(items * 65536 + v.astype(np.int64))  # one value per image, whatever rotation
        out.append((pairs // 65536, (pairs % 65536).astype(np.uint64)))
    return out


def distances(h: npt.NDArray[np.uint64], a: IntArray, b: IntArray) -> IntArray:
    """Smallest Hamming distance between image b and any rotation of image a."""
    d = np.bitwise_count(h[a] ^ h[b][:, :1])
    out: IntArray = d.min(axis=1).astype(np.int64)
    return out


def similar_images(h: npt.NDArray[np.uint64], max_bits: int, stats: Stats) -> list[tuple[int, int, int]]:
    """(i, j, bits) of the images whose hashes differ in at most ``max_bits`` bits (i < j: any
    rotation of image i against image j, as ``fingerprint.image_distance``)."""
    m = len(h)
    stats.items = m
    codes = candidates(image_band_values(h), m, stats)
    a, b = codes // max(m, 1), codes % max(m, 1)
    d = np.zeros(len(codes), dtype=np.int64)
    for i in range(0, len(codes), 1_000_000):  # a before b: as ``fingerprint.image_distance(a, b)``
        d[i:i + 1_000_000] = distances(h, a[i:i + 1_000_000], b[i:i + 1_000_000])
    keep = np.flatnonzero(d <= max_bits)
    stats.verified = len(keep)
    return [(int(a[k]), int(b[k]), int(d[k])) for k in keep]
