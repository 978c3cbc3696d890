"""The distribution curve of the Evaluasi Kinerja Pegawai form (skp-reference §4.5, §5.2 item 5), as a PNG.

"KURVA DISTRIBUSI PREDIKAT KINERJA PEGAWAI DENGAN CAPAIAN KINERJA ORGANISASI <X>": the five
predikat on the x axis (low -> high), the number of pegawai on the y axis. Bars are the unit's
pegawai per predikat in the periode; the line is the expected pattern for the organisation's
predikat (``REFERENCE``: a spread that satisfies every rule of ``evaluation.distribution.PATTERNS``,
scaled to the number of pegawai rated).

Drawn with Pillow only, from the data alone: the same data gives the same PNG bytes (no
timestamps or metadata are written, the font is Pillow's bundled one).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ..evaluation.rules import OrgPredikat, Predikat

P = Predikat

#: Percent of pegawai per predikat that the pattern for each organisational predikat expects
#: (a shape that meets every rule of the pattern: majority, limits, required predikat).
REFERENCE: dict[OrgPredikat, dict[Predikat, int]] = {
    OrgPredikat.ISTIMEWA: {P.SANGAT_BAIK: 60, P.BAIK: 25, P.BUTUH_PERBAIKAN: 10, P.KURANG: 5, P.SANGAT_KURANG: 0},
    OrgPredikat.BAIK: {P.SANGAT_BAIK: 15, P.BAIK: 60, P.BUTUH_PERBAIKAN: 15, P.KURANG: 10, P.SANGAT_KURANG: 0},
    OrgPredikat.BUTUH_PERBAIKAN: {P.SANGAT_BAIK: 5, P.BAIK: 20, P.BUTUH_PERBAIKAN: 60, P.KURANG: 10,
                                  P.SANGAT_KURANG: 5},
    OrgPredikat.KURANG: {P.SANGAT_BAIK: 5, P.BAIK: 10, P.BUTUH_PERBAIKAN: 15, P.KURANG: 60, P.SANGAT_KURANG: 10},
    OrgPredikat.SANGAT_KURANG: {P.SANGAT_BAIK: 0, P.BAIK: 10, P.BUTUH_PERBAIKAN: 10, P.KURANG: 15,
                                P.SANGAT_KURANG: 65},
}

WIDTH, HEIGHT = 1400, 560
_LEFT, _RIGHT, _TOP, _BOTTOM = 110, 40, 70, 110
_BAR = (120, 144, 176)
_LINE = (192, 57, 43)
_AXIS = (0, 0, 0)
_GRID = (215, 215, 215)


def series(org: OrgPredikat | None, counts: dict[Predikat, int]) -> list[dict[str, Any]]:
    """One point per predikat, low -> high: its label, the pegawai counted, and the count the
    pattern expects (one decimal; None without an organisational predikat)."""
    total = sum(counts.values())
    out = []
    for p in Predikat:
        expected = round(REFERENCE[org][p] * total / 100, 1) if org is not None else None
        out.append({"predikat": p.label, "jumlah": counts.get(p, 0), "pola": expected})
    return out


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _centered(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int,
              fill: tuple[int, int, int] = _AXIS) -> None:
    font = _font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text((xy[0] - (right - left) / 2, xy[1] - (bottom - top) / 2 - top), text, font=font, fill=fill)


def png(points: Sequence[dict[str, Any]]) -> bytes:
    """The curve as PNG bytes (``points`` from ``series``); its title is printed above it in the document."""
    img = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    x0, x1, y0, y1 = _LEFT, WIDTH - _RIGHT, HEIGHT - _BOTTOM, _TOP
    top_value = max([1.0, *(float(p["jumlah"]) for p in points), *(float(p["pola"] or 0) for p in points)])
    step = max(1, int(-(-top_value // 5)))  # about five grid lines, whole pegawai
    y_max = step * int(-(-top_value // step))

    def y_of(v: float) -> float:
        return y0 - (y0 - y1) * v / y_max

    for v in range(0, y_max + 1, step):
        y = y_of(v)
        draw.line([(x0, y), (x1, y)], fill=_GRID, width=1)
        font = _font(20)
        left, _t, right, _b = draw.textbbox((0, 0), str(v), font=font)
        draw.text((x0 - 14 - (right - left), y - 12), str(v), font=font, fill=_AXIS)
    draw.line([(x0, y0), (x1, y0)], fill=_AXIS, width=2)
    draw.line([(x0, y0), (x0, y1)], fill=_AXIS, width=2)
    slot = (x1 - x0) / max(1, len(points))
    centres = [x0 + slot * (i + 0.5) for i in range(len(points))]
    for cx, p in zip(centres, points, strict=True):
        n = int(p["jumlah"])
        if n:
            draw.rectangle([(cx - slot * 0.28, y_of(n)), (cx + slot * 0.28, y0)], fill=_BAR, outline=_AXIS)
        _centered(draw, (cx, y_of(n) - 16), str(n), 22)
        _centered(draw, (cx, y0 + 26), str(p["predikat"]), 22)
    line = [(cx, y_of(float(p["pola"]))) for cx, p in zip(centres, points, strict=True) if p["pola"] is not None]
    if len(line) > 1:
        draw.line(line, fill=_LINE, width=4, joint="curve")
        for x, y in line:
            draw.ellipse([(x - 7, y - 7), (x + 7, y + 7)], fill=_LINE)
    # legend and axis names
    ly = HEIGHT - 40
    draw.rectangle([(x0, ly - 10), (x0 + 30, ly + 10)], fill=_BAR, outline=_AXIS)
    draw.text((x0 + 40, ly - 12), "Jumlah pegawai", font=_font(20), fill=_AXIS)
    if line:
        draw.line([(x0 + 300, ly), (x0 + 340, ly)], fill=_LINE, width=4)
        draw.text((x0 + 350, ly - 12), "Pola distribusi (acuan)", font=_font(20), fill=_AXIS)
    draw.text((12, y1 - 50), "Frekuensi (pegawai)", font=_font(20), fill=_AXIS)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False, compress_level=9)
    return out.getvalue()
