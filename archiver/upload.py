"""Evidence uploaded through the web: placed in a share as if its owner had dropped it there.

    upload.skp_choices(skp)                        the RHK and IKI of an SKP, as a person picks them
    upload.periode_choices(skp)                    the periodes its periode penilaian covers
    upload.upload_share(archive)                   the share uploads go to (the first configured)
    upload.folders_for(pattern, key, nama=...)     the folders the share's pattern gives a key
    upload.place(root, folders, name, source)      the bytes in the share, never overwriting
    upload.ingest_placed(archive, share, relpath, actor=...)   the same pipeline as a dropped file
    upload.reassign(archive, id, nip=..., ...)     a pegawai files their own unlinked file under their RHK

A file in the share is never overwritten: a second ``laporan.pdf`` becomes ``laporan (2).pdf``.
Names keep what the person sent, minus folder parts, control characters and the characters a
Windows share cannot hold. Nothing is written outside the share's root (folders that lead
elsewhere through links are refused). The custody log names the uploader as the actor of the
``received`` event and of its outcome, exactly as the watcher's events name the watcher.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .archive import Archive
from .catalog import core as subs
from .catalog import skp as q
from .errors import ConfigError, NotFound, UsageError
from .evidence import EvidenceKey
from .i18n import _
from .ingest import ingest_file
from .pathpattern import DEFAULT_PATTERN, PathPattern
from .periode import ALL, ANNUAL, overlaps, span
from .skp.model import Skp
from .skp.resolution import relink

#: The longest file name written into a share (bytes of UTF-8; most file systems allow 255).
MAX_NAME_BYTES = 200
_WINDOWS_BAD = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
#: The name given to a file whose name has nothing left after cleaning.
FALLBACK_NAME = "berkas"


@dataclass(frozen=True)
class Choice:
    """One RHK, or one indicator under its RHK, as the upload form offers it."""

    value: str  # "RHK-01" or "RHK-01/IKI-02": what the form sends
    rhk: str
    iki: str | None
    label: str


@dataclass(frozen=True)
class Outcome:
    """What became of one uploaded file."""

    name: str  # the original name as the person sent it (cleaned)
    relpath: str
    status: str  # archived | duplicate | unlinked | quarantined | ignored
    reason: str | None = None  # a stored (i18n.deferred) message
    sha256: str | None = None
    submission_id: int | None = None


def skp_choices(skp: Skp) -> list[Choice]:
    """Every RHK of ``skp``, each followed by its indicators."""
    out: list[Choice] = []
    for r in skp.rhk:
        out.append(Choice(r.kode, r.kode, None, f"{r.kode} — {r.teks}"))
        out.extend(Choice(f"{r.kode}/{i.kode}", r.kode, i.kode, f"{r.kode} / {i.kode} — {i.teks}")
                   for i in r.indikator)
    return out


def find_choice(skp: Skp | None, value: str) -> Choice | None:
    """The choice ``value`` names in ``skp`` (None: not one of its RHK or indicators)."""
    return next((c for c in skp_choices(skp) if c.value == value), None) if skp else None


def periode_choices(skp: Skp) -> list[str]:
    """The canonical periodes (TW1..TW4, months, TAHUNAN) inside the SKP's periode penilaian."""
    return [p for p in ALL if p == ANNUAL or overlaps(span(p, skp.tahun), skp.start, skp.end)]


def skp_years(archive: Archive, nip: str | None = None) -> list[int]:
    """Years with an SKP (of ``nip``), newest first."""
    return sorted({t for _n, t, _m in q.skp_heads(archive.catalog, nip=nip)}, reverse=True)


def skp_people(archive: Archive, tahun: int) -> list[tuple[str, str]]:
    """(NIP, name) of every pegawai with an SKP in ``tahun``, by name."""
    return [(n, nama) for n, _t, nama in q.skp_heads(archive.catalog, tahun=tahun)]


def upload_share(archive: Archive) -> str:
    """The share uploads are written to: the first one configured."""
    return next(iter(archive.config.shares))


def safe_name(raw: str) -> str:
    """The file name to write: no folders, no control characters, nothing a Windows share refuses."""
    name = unicodedata.normalize("NFC", re.split(r"[/\\]", raw)[-1])
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = _WINDOWS_BAD.sub("_", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    if stem.upper() in _WINDOWS_RESERVED:
        name = f"_{name}"
    while len(name.encode()) > MAX_NAME_BYTES:
        stem = stem[:-1].rstrip(" .")
        name = f"{stem}.{suffix}" if dot and stem else stem
    return name or FALLBACK_NAME


def _folder_value(value: str) -> str:
    return safe_name(value) if value else ""


def folders_for(pattern: PathPattern, key: EvidenceKey, *, nama: str = "") -> list[str]:
    """The folders ``pattern`` gives a file of ``key`` (nip, tahun, periode, rhk and maybe iki).
    A ConfigError when the pattern cannot place it (a ``*`` folder, or no NIP, tahun, periode or RHK)."""
    needed = {"nip", "tahun", "periode"}
    if not needed <= set(pattern.fields) or not {"rhk", "iki"} & set(pattern.fields) \
            or any(s.regex is None for s in pattern.segments):
        raise _cannot_place(pattern)
    values = {"nip": key.nip, "tahun": str(key.tahun or ""), "periode": key.periode, "rhk": key.rhk,
              "iki": key.iki, "nama": _folder_value(nama)}
    folders = []
    for seg in pattern.segments:
        text = seg.text
        for f in seg.fields:
            value = values.get(f)
            if not value:
                if f == "iki":
                    raise UsageError(_("choose an indicator (IKI): the shared folder files evidence by indicator"))
                raise _cannot_place(pattern)
            text = text.replace("{" + f + "}", value)
        folders.append(text)
    if key.iki and "iki" not in pattern.fields and pattern.open_ended:
        folders.append(key.iki)  # RHK-01/IKI-02/file.pdf: the indicator, as staff file it by hand
    link = pattern.parse("/".join([*folders, "x"]))
    got = link.key
    if not link.linked or (got.nip, got.tahun, got.periode) != (key.nip, key.tahun, key.periode) \
            or ("rhk" in pattern.fields and got.rhk != key.rhk):
        raise _cannot_place(pattern)
    return folders


def _cannot_place(pattern: PathPattern) -> ConfigError:
    return ConfigError(_("uploading is not possible: the folder pattern of the shared folder ({pattern}) does not "
                         "name the NIP, tahun, periode and RHK of a file").format(pattern=pattern.pattern),
                       hint=_("ask the administrator to set the pattern to {default}").format(default=DEFAULT_PATTERN))


def _numbered(name: str, n: int) -> str:
    if n == 1:
        return name
    stem, dot, suffix = name.rpartition(".")
    return f"{stem} ({n}).{suffix}" if dot and stem else f"{name} ({n})"


def place(root: Path, folders: list[str], name: str, source: Path) -> str:
    """Copy ``source`` into ``root/folders/name`` (a free name: ``name (2)``, ...). Returns the relpath."""
    target = root
    for folder in folders:  # one level at a time: a folder that is a link is never followed
        target = target / folder
        if target.is_symlink() or folder in ("", ".", ".."):
            raise UsageError(_("the folder {folder} leads outside the shared folder; nothing was written").format(
                folder="/".join(folders)))
        target.mkdir(exist_ok=True)
    taken = {n.lower() for n in os.listdir(target)}  # Windows clients see names without case
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for n in range(1, 10_000):
        candidate = _numbered(name, n)
        if candidate.lower() in taken:
            continue
        try:
            fd = os.open(target / candidate, flags, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            (target / candidate).unlink(missing_ok=True)
            raise
        return "/".join([*folders, candidate])
    raise UsageError(_("too many files named {name} in {folder}").format(name=name, folder="/".join(folders)))


def ingest_placed(archive: Archive, share: str, relpath: str, *, actor: str, name: str) -> Outcome:
    """Ingest a file just placed in ``share``, with ``actor`` in the custody log."""
    result = ingest_file(dataclasses.replace(archive, actor=actor), share, relpath)
    if result is not None:
        return Outcome(name, relpath, result.status, result.reason, result.sha256, result.submission_id)
    with archive.catalog.read() as conn:  # the watcher took it first: report what it recorded
        state = subs.file_state_of(conn, share, relpath)
        row = subs.get(conn, state.submission_id) if state is not None and state.submission_id else None
    if row is None:
        return Outcome(name, relpath, "pending")
    return Outcome(name, relpath, row.status, row.reason, row.sha256, row.id)


def own_problem(archive: Archive, submission_id: int, nip: str) -> Any:
    """A submission of ``nip`` that is unlinked, or NotFound (the same answer for anyone else's)."""
    with archive.catalog.read() as conn:
        row = subs.get(conn, submission_id)
    if row is None or row.nip != nip or row.status != "unlinked" or not row.sha256:
        raise NotFound(_("file not found"))
    return row


def reassign(archive: Archive, submission_id: int, *, nip: str, tahun: int, choice: str, periode: str,
             actor: str) -> dict[str, Any]:
    """File one of ``nip``'s own unlinked files under an RHK (or indicator) of their own SKP of
    ``tahun`` (custody: ``relinked`` by ``actor``)."""
    own_problem(archive, submission_id, nip)
    skp = q.load_skp(archive.catalog, nip, tahun)
    picked = find_choice(skp, choice)
    if skp is None or picked is None:
        raise UsageError(_("choose one of the RHK of your SKP for {tahun}").format(tahun=tahun))
    if periode not in periode_choices(skp):
        raise UsageError(_("choose a periode of your SKP for {tahun}").format(tahun=tahun))
    return relink(archive, submission_id, rhk=picked.rhk, iki=picked.iki, nip=nip, tahun=tahun, periode=periode,
                  actor=actor)
