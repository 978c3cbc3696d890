"""Building an audit package: choose, place, describe, check with bagit-python, zip, record.

1. the items are chosen in the catalog and named (:mod:`.selection`);
2. each blob is linked or copied into a temporary folder next to the output and hashed
   once (:mod:`.payload`); the manifests are written from these digests (``bagit.make_bag``
   would read every file again, and it ``chdir``s the whole process, unsafe in the web
   server's threads), with the other tag files (:mod:`.tagfiles`);
3. the bagit library re-opens the folder and checks structure, Payload-Oxum and
   completeness (no re-hash) before anything is zipped;
4. the folder is streamed into a ZIP64 file under a temporary name, fsynced, hashed and
   renamed into place atomically; the temporary folder is removed;
5. an ``exported`` custody event (criteria, item count, the zip's SHA-256) is appended.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import bagit  # type: ignore[import-untyped]

from ..archive import Archive
from ..catalog import custody
from ..errors import NotFound, StoreError, UsageError
from ..fsutil import fsync_dir
from ..i18n import _
from ..store import process_alive
from .common import CHUNK, Progress, digest, parse_utc
from .payload import build_payload
from .safenames import safe_component
from .selection import BagInfo, ExportCriteria, Item, id_ranges, name_items, select_items
from .tagfiles import write_tag_files

#: Types whose bytes are already compressed: stored in the zip as they are (deflating costs CPU, saves nothing).
_PRECOMPRESSED = frozenset({"pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "jpeg", "png", "gif", "webp",
                            "heic", "mp4"})


@dataclass
class ExportReport:
    path: str
    sha256: str
    size: int
    items: int
    payload_bytes: int
    export_id: str
    event_seq: int
    hardlinked: int = 0
    copied: int = 0
    criteria: dict[str, Any] = field(default_factory=dict)
    anchor: dict[str, Any] | None = None  # the custody chain's anchor for this export (archiver.anchor)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def export_bag(archive: Archive, criteria: ExportCriteria, out: Path, progress: Progress | None = None, *,
               info: BagInfo | None = None, overwrite: bool = False, hardlinks: bool = True) -> ExportReport:
    """Write the audit package ``out`` (a .zip) and record an ``exported`` custody event."""
    out = check_output(archive, out, overwrite=overwrite)
    items = select_items(archive, criteria)
    if not items:
        raise NotFound(_("nothing to export: no stored evidence for {criteria}").format(criteria=criteria.describe()),
                       hint=_("check the NIP, tahun and periode with `archiver list`"))
    bag_name = safe_component(out.stem, 60, also="%")
    name_items(archive, items, bag_name)
    export_id = uuid.uuid4().hex
    at = archive.now()
    _remove_stale_work(out)
    work = out.parent / f".{out.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp"
    work.mkdir()
    try:
        bag = work / bag_name
        linked, copied = build_payload(archive.store, bag, items, hardlinks, progress)
        anchor = write_tag_files(archive, bag, items, criteria, info or BagInfo(), at, export_id)
        _self_check(bag)
        tmp_zip = work / "bag.zip.part"
        _zip_bag(bag, bag_name, items, tmp_zip, at, archive.config.archive.timezone, progress)
        bag_digest, size = digest(tmp_zip, "sha256"), tmp_zip.stat().st_size
        manifest_digest = digest(bag / "manifest-sha256.txt", "sha256")
        os.replace(tmp_zip, out)
        fsync_dir(out.parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # unlinks only: never chmod, the links share the blobs' inodes
    payload = sum(it.size for it in items)
    detail = {"export_id": export_id, "criteria": criteria.as_dict(), "items": len(items), "bytes": payload,
              "file": out.name, "bag_sha256": bag_digest, "bag_size": size, "manifest_sha256": manifest_digest,
              "submissions": id_ranges(it.id for it in items)}
    try:
        with archive.catalog.begin() as conn:
            seq = custody.append(conn, "exported", at=at, actor=archive.actor, detail=detail)
    except BaseException:
        out.unlink(missing_ok=True)  # a package without its custody event must not exist
        raise
    return ExportReport(str(out), bag_digest, size, len(items), payload, export_id, seq, linked, copied,
                        criteria.as_dict(), anchor)


def check_output(archive: Archive, out: Path, *, overwrite: bool = False) -> Path:
    """The output must be a .zip outside every share and outside the blob store."""
    out = Path(os.path.abspath(out))
    if out.suffix.lower() != ".zip":
        raise UsageError(_("{file}: the package is a zip file; name it *.zip").format(file=out))
    if not out.parent.is_dir():
        raise UsageError(_("{folder} does not exist; create the folder first").format(folder=out.parent))
    real = Path(os.path.realpath(out.parent)) / out.name
    for name, share in archive.config.shares.items():
        if real.is_relative_to(os.path.realpath(share.path)):
            raise UsageError(_("{file} lies inside share {name!r} ({path}): the package would be archived as "
                               "evidence itself").format(file=out, name=name, path=share.path),
                             hint=_("write it outside every share"))
    for inner in archive.store.reserved_paths():
        if real.is_relative_to(os.path.realpath(inner)):
            raise UsageError(_("{file} lies inside the blob store ({path})").format(file=out, path=inner),
                             hint=_("write it elsewhere"))
    if out.exists() and not overwrite:
        raise UsageError(_("{file} already exists").format(file=out),
                         hint=_("pass --force to replace it, or choose another name"))
    return out


def _remove_stale_work(out: Path) -> None:
    """Temporary folders of this output left by an export that was killed (its process is gone)."""
    for p in out.parent.glob(f".{out.name}.*-*.tmp"):
        pid = p.name[len(out.name) + 2:].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)


def _self_check(bag: Path) -> None:
    """The reference implementation must read our bag: structure, Payload-Oxum, completeness (no re-hash)."""
    try:
        bagit.Bag(str(bag)).validate(completeness_only=True)
    except bagit.BagError as exc:
        raise StoreError(_("the package failed its own BagIt check before zipping: {error}").format(error=exc)) \
            from exc


# --------------------------------------------------------------------------- zip

def _zip_bag(bag: Path, bag_name: str, items: list[Item], target: Path, at: str, zone: str,
             progress: Progress | None) -> None:
    total = sum(it.size for it in items)
    export_time = _zip_time(at, zone)
    tags = sorted(p.name for p in bag.iterdir() if p.is_file())
    tags.sort(key=lambda n: n != "bagit.txt")  # bagit.txt first, as tools expect to find it early
    advance: Callable[[int], object] | None = (lambda n: progress("zip", n, total)) if progress else None
    with open(target, "xb") as raw:
        with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
            for name in tags:
                _add(zf, bag / name, f"{bag_name}/{name}", export_time, zipfile.ZIP_DEFLATED, None)
            for it in items:
                method = zipfile.ZIP_STORED if it.type in _PRECOMPRESSED else zipfile.ZIP_DEFLATED
                _add(zf, bag / it.bag_path, f"{bag_name}/{it.bag_path}", _zip_time(it.received_at, zone), method,
                     advance)
        raw.flush()
        os.fsync(raw.fileno())


def _add(zf: zipfile.ZipFile, src: Path, arcname: str, when: tuple[int, int, int, int, int, int], method: int,
         advance: Callable[[int], object] | None) -> None:
    zi = zipfile.ZipInfo(arcname, date_time=when)
    zi.compress_type = method
    zi.external_attr = 0o644 << 16
    with open(src, "rb") as fin:
        zi.file_size = os.fstat(fin.fileno()).st_size  # lets zipfile choose ZIP64 up front for large files
        with zf.open(zi, "w") as fout:
            while chunk := fin.read(CHUNK):
                fout.write(chunk)
                if advance:
                    advance(len(chunk))


def _zip_time(value: str, zone: str) -> tuple[int, int, int, int, int, int]:
    """A zip entry's local date and time (zip has no zone; never before 1980, which zip cannot hold)."""
    t = parse_utc(value) or dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
    local = max(t.astimezone(ZoneInfo(zone)).replace(tzinfo=None), dt.datetime(1980, 1, 1))
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)
