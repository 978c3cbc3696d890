"""Checking a bag offline: a .zip in place (streamed, nothing extracted, the zip's own CRC-32 checked on
the way) or an unpacked folder (bagit-python's own validation). Every problem is collected and reported."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import bagit  # type: ignore[import-untyped]

from ..errors import NotFound
from ..i18n import _
from .anchors import check_bag_anchors
from .common import CHUNK, Progress


@dataclass(frozen=True)
class BagProblem:
    kind: str  # structure, unsafe, missing, unexpected, checksum, damaged, oxum
    path: str  # the file inside the bag ("data/..."), or "" for the bag as a whole
    message: str


@dataclass
class BagReport:
    path: str
    files: int = 0
    bytes: int = 0
    algorithms: list[str] = field(default_factory=list)
    info: dict[str, list[str]] = field(default_factory=dict)
    problems: list[BagProblem] = field(default_factory=list)
    anchor: dict[str, Any] = field(default_factory=dict)  # the export anchor found (see .anchors)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, path: str, message: str) -> None:
        self.problems.append(BagProblem(kind, path, message))

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "path": self.path, "files": self.files, "bytes": self.bytes,
                "algorithms": self.algorithms, "info": self.info, "problems": [asdict(p) for p in self.problems],
                "anchor": self.anchor}


def verify_bag(path: Path, progress: Progress | None = None, *, tsa_ca: Path | None = None) -> BagReport:
    """Check a bag offline: a .zip in place (streamed, nothing extracted) or a folder (with bagit-python).

    Every problem is collected: each checksum mismatch names the file and the algorithm. The
    custody anchors are checked too (TSA tokens against ``tsa_ca``, else the bag's own copy).
    """
    path = Path(path)
    if path.is_dir():
        report = _verify_folder(path)
        check_bag_anchors(lambda n: (path / n).read_bytes() if (path / n).is_file() else None, report, tsa_ca)
        return report
    if not path.is_file():
        raise NotFound(_("{path} does not exist").format(path=path))
    return _ZipBag(path, progress, tsa_ca).verify()


def _verify_folder(path: Path) -> BagReport:
    report = BagReport(str(path))
    try:
        bag = bagit.Bag(str(path))
        report.algorithms = list(bag.algorithms)
        report.info = {k: v if isinstance(v, list) else [v] for k, v in bag.info.items()}
        bag.validate()
    except bagit.BagValidationError as exc:
        for d in exc.details or []:
            kind = {"ChecksumMismatch": "checksum", "FileMissing": "missing",
                    "UnexpectedFile": "unexpected"}.get(type(d).__name__, "structure")
            report.add(kind, str(getattr(d, "path", "")).replace(os.sep, "/"), str(d))
        if not exc.details:
            report.add("oxum" if "Oxum" in exc.message else "structure", "", exc.message)
    except bagit.BagError as exc:
        report.add("structure", "", str(exc))
    else:
        entries = bag.payload_entries()
        report.files = len(entries)
        report.bytes = sum((path / p).stat().st_size for p in entries)
    return report


def _decode_manifest_path(raw: str) -> str:
    return raw.replace("%0D", "\r").replace("%0d", "\r").replace("%0A", "\n").replace("%0a", "\n") \
        .replace("%25", "%")


def _unsafe(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ":" in parts[0] or any(p == ".." for p in parts)


class _ZipBag:
    """One streaming pass over a zipped bag; the zip's own CRC-32 is checked on the way."""

    def __init__(self, path: Path, progress: Progress | None, tsa_ca: Path | None = None) -> None:
        self.path = path
        self.tsa_ca = tsa_ca
        self.progress = progress
        self.report = BagReport(str(path))
        self.root = ""
        self.manifests: dict[str, dict[str, str]] = {}  # alg -> NFC path -> digest
        self.tagmanifests: dict[str, dict[str, str]] = {}
        self.raw_names: dict[str, str] = {}  # NFC path -> path as written in the manifest

    def verify(self) -> BagReport:
        try:
            with zipfile.ZipFile(self.path) as zf:
                self._check(zf)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            self.report.add("damaged", "", _("{name} is not a readable zip file: {error}").format(
                name=self.path.name, error=exc))
        return self.report

    def _check(self, zf: zipfile.ZipFile) -> None:
        members = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        for name in members:
            if _unsafe(name):
                self.report.add("unsafe", name, _("{name!r} would be written outside the folder it is unpacked into")
                                .format(name=name))
        if not self._find_root(members):
            return
        self._read_tag_files(zf, members)
        if not self.manifests:
            self.report.add("structure", "", _("no payload manifest (manifest-<algorithm>.txt) in the bag"))
            return
        self._check_payload(zf, members)
        self._check_tag_manifests(zf, members)

        def read(name: str) -> bytes | None:
            info = members.get(self.root + name)
            return zf.read(info) if info is not None else None

        check_bag_anchors(read, self.report, self.tsa_ca)

    def _find_root(self, members: dict[str, zipfile.ZipInfo]) -> bool:
        if "bagit.txt" in members:
            return True
        tops = {n.split("/", 1)[0] for n in members}
        if len(tops) == 1 and f"{next(iter(tops))}/bagit.txt" in members:
            self.root = next(iter(tops)) + "/"
            return True
        self.report.add("structure", "bagit.txt", _("no bagit.txt: this zip does not hold one BagIt bag "
                                                    "(at its top or in a single top-level folder)"))
        return False

    def _text(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
        try:
            data = zf.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            self.report.add("damaged", info.filename[len(self.root):],
                            _("cannot be read from the zip: {error}").format(error=exc))
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.report.add("structure", info.filename[len(self.root):], _("is not UTF-8 text"))
            return None

    def _read_tag_files(self, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> None:
        bagit_txt = self._text(zf, members[self.root + "bagit.txt"])
        if bagit_txt is not None:
            if bagit_txt.startswith("\ufeff"):
                self.report.add("structure", "bagit.txt", _("bagit.txt must not start with a byte-order mark"))
            if "BagIt-Version:" not in bagit_txt or "Tag-File-Character-Encoding:" not in bagit_txt:
                self.report.add("structure", "bagit.txt",
                                _("bagit.txt lacks BagIt-Version or Tag-File-Character-Encoding"))
        info = members.get(self.root + "bag-info.txt")
        if info is not None and (text := self._text(zf, info)) is not None:
            for line in text.splitlines():
                key, sep, value = line.partition(":")
                if sep and not line[:1].isspace():
                    self.report.info.setdefault(key.strip(), []).append(value.strip())
        for name, member in sorted(members.items()):
            rel = name[len(self.root):]
            for prefix, store in (("manifest-", self.manifests), ("tagmanifest-", self.tagmanifests)):
                if "/" in rel or not rel.startswith(prefix) or not rel.endswith(".txt"):
                    continue
                alg = rel[len(prefix):-4]
                if alg not in hashlib.algorithms_available:
                    self.report.add("structure", rel,
                                    _("unknown checksum algorithm {algorithm!r}").format(algorithm=alg))
                    continue
                if (text := self._text(zf, member)) is not None:
                    store[alg] = self._parse_manifest(rel, text)
        self.report.algorithms = sorted(self.manifests)

    def _parse_manifest(self, rel: str, text: str) -> dict[str, str]:
        entries: dict[str, str] = {}
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            digest, _sep, raw = line.strip().partition(" ")
            target = _decode_manifest_path(raw.strip().lstrip("*"))
            if not target:
                self.report.add("structure", rel, _("line {n} is not 'checksum path'").format(n=n))
                continue
            if _unsafe(target):
                self.report.add("unsafe", target, _("{file} names a path outside the bag").format(file=rel))
                continue
            key = unicodedata.normalize("NFC", target)
            if key in entries:
                self.report.add("structure", target, _("{file} lists it twice").format(file=rel))
            entries[key] = digest.lower()
            self.raw_names.setdefault(key, target)
        return entries

    def _check_payload(self, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> None:
        payload = {unicodedata.normalize("NFC", n[len(self.root):]): i for n, i in members.items()
                   if n.startswith(self.root + "data/")}
        total = sum(i.file_size for i in payload.values())
        for alg, entries in sorted(self.manifests.items()):
            for key in sorted(set(entries) - set(payload)):
                self.report.add("missing", self.raw_names[key],
                                _("listed in {file} but not in the bag").format(file=f"manifest-{alg}.txt"))
            for key in sorted(set(payload) - set(entries)):
                self.report.add("unexpected", key,
                                _("in the bag but not listed in {file}").format(file=f"manifest-{alg}.txt"))
        for key, info in sorted(payload.items()):
            wanted = {alg: entries[key] for alg, entries in self.manifests.items() if key in entries}
            got, size = self._hash_member(zf, info, key, list(wanted), total)
            if got is None:
                continue
            self.report.files += 1
            self.report.bytes += size
            for alg, digest in wanted.items():
                if got[alg] != digest:
                    self.report.add("checksum", key, _("{file}: {algorithm} does not match (the file was changed "
                                                       "or damaged): expected {expected}, found {found}").format(
                        file=key, algorithm=alg, expected=digest, found=got[alg]))
        self._check_oxum(len(payload), sum(i.file_size for i in payload.values()))

    def _hash_member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, algs: list[str],
                     total: int) -> tuple[dict[str, str] | None, int]:
        hashers = {alg: hashlib.new(alg) for alg in algs}
        size = 0
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(CHUNK):
                    size += len(chunk)
                    for h in hashers.values():
                        h.update(chunk)
                    if self.progress:
                        self.progress("periksa", len(chunk), total)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            self.report.add("damaged", key, _("{file}: damaged inside the zip ({error})").format(file=key, error=exc))
            return None, size
        return {alg: h.hexdigest() for alg, h in hashers.items()}, size

    def _check_oxum(self, files: int, size: int) -> None:
        values = self.report.info.get("Payload-Oxum")
        if not values:
            return
        oxum = values[0]
        octets, _sep, count = oxum.partition(".")
        if not (octets.isdigit() and count.isdigit()):
            self.report.add("oxum", "bag-info.txt", _("Payload-Oxum {oxum!r} is malformed").format(oxum=oxum))
        elif (int(octets), int(count)) != (size, files):
            self.report.add("oxum", "bag-info.txt", _("Payload-Oxum says {count} files and {octets} bytes; "
                                                      "the bag holds {files} files and {size} bytes").format(
                count=count, octets=octets, files=files, size=size))

    def _check_tag_manifests(self, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> None:
        for alg, entries in sorted(self.tagmanifests.items()):
            for key, digest in sorted(entries.items()):
                info = members.get(self.root + key)
                if info is None:
                    self.report.add("missing", key,
                                    _("listed in {file} but not in the bag").format(file=f"tagmanifest-{alg}.txt"))
                    continue
                got, _size = self._hash_member(zf, info, key, [alg], 0)
                if got is not None and got[alg] != digest:
                    self.report.add("checksum", key, _("{file}: {algorithm} does not match {manifest} "
                                                       "(expected {expected}, found {found})").format(
                        file=key, algorithm=alg, manifest=f"tagmanifest-{alg}.txt", expected=digest, found=got[alg]))
