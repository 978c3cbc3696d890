"""Path patterns: map a file's place in a share to pegawai, tahun, periode and RHK.

A pattern describes the folders above a file, one segment per folder::

    {nip}/{tahun}/{periode}/{rhk}/...

Each segment is literal text with ``{field}`` placeholders (``{nip} - {nama}`` matches
``198503152010011002 - Budi Santoso``), or ``*`` for any one folder. A final ``...``
allows any further folders below. Fields: nip, tahun, periode, rhk, iki (indicator code),
nama (free text, recorded only). Matching ignores case.

Parsing never fails: a path that does not fit gives a Link with ``problem`` set, so the
file is archived as unlinked with that reason instead of being dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .evidence import EvidenceKey, normalize_iki, normalize_rhk
from .i18n import _, deferred
from .nip import NipError, parse_nip
from .periode import normalize_periode

FIELDS = ("nip", "tahun", "periode", "rhk", "iki", "nama")
DEFAULT_PATTERN = "{nip}/{tahun}/{periode}/{rhk}/..."
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
#: How a person names each field (domain words, the same in Indonesian and English).
_FIELD_WORDS = {"nip": "NIP", "tahun": "tahun", "periode": "periode (TW1-TW4, 01-12, TAHUNAN)", "rhk": "RHK",
                "iki": "IKI", "nama": "nama"}


class PatternError(ValueError):
    """The pattern itself is malformed (a configuration error)."""


@dataclass(frozen=True)
class Link:
    """What a file's folders say: its evidence key (the fields found), the pegawai's name
    when the pattern has ``{nama}``, and the problem when the path does not fit."""

    key: EvidenceKey = field(default_factory=EvidenceKey)
    nama: str | None = None
    problem: str | None = None

    @property
    def linked(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _Segment:
    text: str
    regex: re.Pattern[str] | None  # None for "*"
    fields: tuple[str, ...] = field(default=())


def _joined(problems: list[str]) -> str | None:
    """The problems (stored messages) as one stored message, separated by "; "."""
    if len(problems) <= 1:
        return problems[0] if problems else None
    return deferred("{first}; {rest}", first=problems[0], rest=_joined(problems[1:]))


class PathPattern:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        parts = [p.strip() for p in pattern.strip().strip("/").split("/")]
        if not parts or parts == [""]:
            raise PatternError(_("the pattern is empty; write for example {example}").format(example=DEFAULT_PATTERN))
        self.open_ended = parts[-1] == "..."
        if self.open_ended:
            parts = parts[:-1]
        seen: set[str] = set()
        segments = []
        for part in parts:
            if part == "...":
                raise PatternError(_("'...' may only end the pattern (in {pattern})").format(pattern=repr(pattern)))
            if part in ("", ".", ".."):
                raise PatternError(_("empty or relative folder {part} in pattern {pattern}").format(
                    part=repr(part), pattern=repr(pattern)))
            if part == "*":
                segments.append(_Segment(part, None))
                continue
            if part.count("{") != part.count("}"):
                raise PatternError(_("unbalanced braces in {part} (pattern {pattern})").format(
                    part=repr(part), pattern=repr(pattern)))
            names = _PLACEHOLDER.findall(part)
            for name in names:
                if name not in FIELDS:
                    raise PatternError(_("unknown field {field} in pattern {pattern}; known fields: {known}").format(
                        field="{" + name + "}", pattern=repr(pattern), known=", ".join("{" + f + "}" for f in FIELDS)))
                if name in seen:
                    raise PatternError(_("field {field} appears twice in pattern {pattern}").format(
                        field="{" + name + "}", pattern=repr(pattern)))
                seen.add(name)
            regex, pos = "", 0
            for m in _PLACEHOLDER.finditer(part):
                regex += re.escape(part[pos:m.start()]) + f"(?P<{m.group(1)}>.+?)"
                pos = m.end()
            regex += re.escape(part[pos:])
            segments.append(_Segment(part, re.compile(f"^{regex}$", re.IGNORECASE), tuple(names)))
        self.segments = tuple(segments)
        self.fields = tuple(seen)

    def __repr__(self) -> str:
        return f"PathPattern({self.pattern!r})"

    @property
    def layout(self) -> str:
        """The folders as a person reads them: ``{nip}/{tahun}/{periode}/{rhk}/...`` is
        ``NIP/TAHUN/PERIODE/RHK/...``."""
        return _PLACEHOLDER.sub(lambda m: m.group(1).upper(), self.pattern)

    @staticmethod
    def _named(segments: tuple[_Segment, ...]) -> str:
        """What ``segments`` stand for, in the domain's words (the same in both languages)."""
        words = [_FIELD_WORDS[n] for seg in segments for n in seg.fields]
        return ", ".join(words) if words else "..."

    def parse(self, relpath: str) -> Link:
        """Link for a file at ``relpath`` (POSIX, relative to the share root)."""
        folders = relpath.split("/")[:-1]
        values: dict[str, str] = {}
        problems: list[str] = []
        for i, seg in enumerate(self.segments):
            if i >= len(folders):
                problems.append(deferred("the folders do not yet say the {missing}: put the file in a folder "
                                         "such as {layout}", missing=self._named(self.segments[i:]),
                                         layout=self.layout))
                break
            if seg.regex is None:
                continue
            m = seg.regex.match(folders[i])
            if not m:
                problems.append(deferred("folder {folder} should be the {what}: put the file in a folder such "
                                         "as {layout}", folder=repr(folders[i]), what=self._named((seg,)),
                                         layout=self.layout))
                break
            values.update({k: v.strip() for k, v in m.groupdict().items()})
        if not problems and not self.open_ended and len(folders) > len(self.segments):
            problems.append(deferred("the file is in too many folders: put it directly in a folder such as "
                                     "{layout}", layout=self.layout))
        key: dict[str, Any] = {}
        if "nip" in values:
            try:
                key["nip"] = parse_nip(values["nip"]).nip
            except NipError as exc:
                problems.append(exc.stored)
        if "tahun" in values:
            t = unicodedata.normalize("NFKC", values["tahun"])  # full-width ２０２６ is 2026, like TW１
            if re.fullmatch(r"20[0-9]{2}", t):
                key["tahun"] = int(t)
            else:
                problems.append(deferred("folder {folder} is not a year such as 2026", folder=repr(t)))
        if "periode" in values:
            p = normalize_periode(values["periode"])
            if p is None:
                problems.append(deferred("folder {folder} is not a periode (write TW1-TW4, a month 01-12, or "
                                         "TAHUNAN)", folder=repr(values["periode"])))
            else:
                key["periode"] = p
        if "rhk" in values:
            key["rhk"] = normalize_rhk(values["rhk"])
        if "iki" in values:
            key["iki"] = normalize_iki(values["iki"])
        return Link(EvidenceKey(**key), values.get("nama"), _joined(problems))

