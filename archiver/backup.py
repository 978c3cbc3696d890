"""Backup and restore of a whole archive, while the service keeps running.

    report = backup(archive, Path("/mnt/cadangan/arsip"))
    report = restore(Path("/mnt/cadangan/arsip"), Path("/srv/arsip-baru"))

A backup folder holds::

    catalog.sqlite          the catalog, one consistent snapshot (SQLite's online backup API)
    blobs/ab/cd/<sha256>    every blob that snapshot names (copied, or hard-linked with link=True)
    config/watch_config.toml, templates/..., anchors/...   the workspace's configuration,
                            edited Word templates and custody anchors, when present
    backup.json             when, from where, what it holds
    manifest-sha256.txt     SHA-256 of every file above (``sha256sum -c`` reads it too)

Consistency comes from the ingest order: a blob is durable before the catalog row that names
it, so every blob the snapshot names is in the store when it is copied, and blobs archived
after the snapshot are left for the next backup (no orphans). Blobs never change, so a
second backup into the same folder copies only the new ones. The manifest is removed first
and written last: a folder without one is an interrupted backup, and ``restore`` refuses it.

A PostgreSQL catalog is backed up with ``pg_dump`` (``backup`` says how and stops).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .archive import Archive
from .catalog import ops
from .config import CONFIG_NAME, Config, load_config
from .errors import ArchiverError, StoreError, UsageError
from .fsutil import fsync_dir
from .i18n import _, ngettext

MANIFEST = "manifest-sha256.txt"
INFO = "backup.json"
CATALOG = "catalog.sqlite"
EXTRA_DIRS = ("templates", "anchors")  # workspace folders copied as they are, when present
FORMAT = 1
CHUNK = 1024 * 1024

Progress = Callable[[int], object]


@dataclass
class BackupReport:
    dest: str
    blobs: int = 0
    blobs_copied: int = 0
    bytes_copied: int = 0
    files: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    extras: list[str] = field(default_factory=list)
    manifest_sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RestoreReport:
    workspace: str
    config: str
    files_checked: int = 0
    blobs: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    indexed: int | None = None
    shares: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- files


def _copy(src: Path, dst: Path, *, link: bool = False, mode: int | None = None) -> tuple[str, int]:
    """Copy (or hard-link) ``src`` to ``dst`` through a temporary name; (sha256 of what dst holds, size)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.part")
    tmp.unlink(missing_ok=True)
    if link:
        os.link(src, tmp)
        with open(tmp, "rb") as fh:
            digest, size = hashlib.file_digest(fh, "sha256").hexdigest(), tmp.stat().st_size
    else:
        h = hashlib.sha256()
        size = 0
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            while chunk := fin.read(CHUNK):
                h.update(chunk)
                fout.write(chunk)
                size += len(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        digest = h.hexdigest()
        if mode is not None:
            os.chmod(tmp, mode)
    os.replace(tmp, dst)
    return digest, size


def _hash(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _files(root: Path) -> Iterator[Path]:
    """Regular files under ``root`` (links are not followed), sorted."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink():
                yield p


def blob_relpath(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


# --------------------------------------------------------------------------- backup


def require_sqlite(cfg: Config) -> None:
    """``archiver backup`` copies a SQLite catalog; a PostgreSQL one is dumped with pg_dump (exit 2, with how)."""
    if ops.sqlite_file(cfg.archive.resolved_catalog_url) is None:
        raise UsageError(
            _("the catalog uses PostgreSQL: back its catalog up with pg_dump, not with `archiver backup`"),
            hint=_("pg_dump --format=custom --file=/backup/catalog.dump DB_NAME (then copy the archive folder "
                   "{blobs}, watch_config.toml, templates/ and anchors/); restore with "
                   "pg_restore --clean --dbname DB_NAME /backup/catalog.dump").format(
                       blobs=f"{cfg.archive.path}/blobs"))


def backup(archive: Archive, dest: Path, *, link: bool = False, progress: Progress | None = None) -> BackupReport:
    """Copy the archive to ``dest`` (new, empty, or an earlier backup of it) without stopping it."""
    cfg = archive.config
    require_sqlite(cfg)
    dest = dest.expanduser().resolve()
    workspace = cfg.source.parent if cfg.source else None
    for name, root in [("[archive] path", cfg.archive.path), ("[index] path", cfg.index.path),
                       *((f"[shares.{n}] path", s.path) for n, s in cfg.shares.items())]:
        if _inside(dest, root):
            raise UsageError(_("backup folder {dest} is inside {name} ({root})").format(
                dest=dest, name=name, root=root),
                             hint=_("keep the backup outside the archive and the shares, preferably on another disk"))
    _prepare_dest(dest)
    (dest / MANIFEST).unlink(missing_ok=True)  # from here on the folder is an unfinished backup
    report = BackupReport(str(dest))
    entries: dict[str, str] = {}

    # Anchors before the catalog: an anchor log newer than the catalog copy would look like a
    # truncated chain; an older one only leaves the newest events unanchored, as between two anchors.
    if cfg.source is not None:
        rel = f"config/{CONFIG_NAME}"
        entries[rel], _size = _copy(cfg.source, dest / rel)
        report.extras.append(rel)
    for extra in EXTRA_DIRS:
        src_dir = workspace / extra if workspace else None
        shutil.rmtree(dest / extra, ignore_errors=True)  # exactly what the workspace holds now
        if src_dir is None or not src_dir.is_dir():
            continue
        for f in _files(src_dir):
            rel = f"{extra}/{f.relative_to(src_dir).as_posix()}"
            entries[rel], _size = _copy(f, dest / rel)
        report.extras.append(extra)

    tmp_catalog = dest / f".{CATALOG}.part"
    tmp_catalog.unlink(missing_ok=True)
    ops.online_backup(archive.catalog, tmp_catalog)
    os.replace(tmp_catalog, dest / CATALOG)
    entries[CATALOG] = _hash(dest / CATALOG)
    copy = ops.read_copy(dest / CATALOG)
    report.counts = copy.counts

    problems: list[str] = []
    for sha256, size in copy.blobs:
        rel = blob_relpath(sha256)
        target = dest / rel
        report.blobs += 1
        if target.is_file() and target.stat().st_size == size:
            entries[rel] = sha256  # blobs never change; restore re-hashes every one
            continue
        try:
            with archive.store.local_path(sha256) as src:
                digest, n = _copy(src, target, link=link, mode=0o444)
        except (OSError, ArchiverError) as exc:
            problems.append(_("blob {sha256}: cannot be copied: {error}").format(sha256=sha256, error=exc))
            continue
        if digest != sha256:
            target.unlink(missing_ok=True)
            problems.append(_("blob {sha256} in the archive has changed (its content is now {digest}); "
                              "run `archiver verify`").format(sha256=sha256, digest=digest))
            continue
        entries[rel] = sha256
        report.blobs_copied += 1
        report.bytes_copied += n
        if progress:
            progress(n)
    if problems:
        raise StoreError(ngettext("the backup in {dest} is incomplete: {n} blob has problems",
                                  "the backup in {dest} is incomplete: {n} blobs have problems",
                                  len(problems)).format(dest=dest, n=len(problems)), details=problems[:50],
                         hint=_("repair the archive (see `archiver verify`), then run the backup again"))

    info = {"format": FORMAT, "created_at": archive.now(), "source": str(workspace or cfg.archive.path),
            "catalog_revisions": copy.revisions, "counts": copy.counts, "blobs": report.blobs,
            "extras": report.extras}
    (dest / INFO).write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    entries[INFO] = _hash(dest / INFO)
    report.files = len(entries)
    report.manifest_sha256 = _write_manifest(dest, entries)
    return report


def _prepare_dest(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise UsageError(_("{dest} is not a folder").format(dest=dest),
                         hint=_("name the folder to back up to (new, empty, or an earlier backup)"))
    if dest.is_dir() and any(dest.iterdir()) and not (dest / INFO).is_file() and not (dest / CATALOG).is_file():
        raise UsageError(_("folder {dest} holds other files and is not an archive backup folder").format(dest=dest),
                         hint=_("choose a new or empty folder, or an earlier backup folder (it is updated)"))
    dest.mkdir(parents=True, exist_ok=True)


def _write_manifest(dest: Path, entries: dict[str, str]) -> str:
    text = "".join(f"{digest}  {rel}\n" for rel, digest in sorted(entries.items()))
    tmp = dest / f".{MANIFEST}.part"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, dest / MANIFEST)
    for folder in {dest, *((dest / rel).parent for rel in entries)}:
        fsync_dir(folder)
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- checking a backup


def read_manifest(src: Path) -> dict[str, str]:
    """relpath -> sha256 of a backup folder; refuses a missing manifest or a path leaving the folder."""
    path = src / MANIFEST
    if not path.is_file():
        raise UsageError(_("{src} is not a complete backup: {manifest} is missing").format(src=src, manifest=MANIFEST),
                         hint=_("an interrupted backup cannot be restored; run `archiver backup` again"))
    out: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, rel = line.partition("  ")
        parts = Path(rel).parts
        if not sep or len(digest) != 64 or not rel or Path(rel).is_absolute() or ".." in parts:
            raise UsageError(_("{path} line {lineno}: not a valid manifest line: {line}").format(
                path=path, lineno=lineno, line=repr(line[:120])))
        out[rel] = digest
    for needed in (CATALOG, INFO):
        if needed not in out:
            raise UsageError(_("{path}: {needed} is not listed; this folder is not an archiver backup").format(
                path=path, needed=needed))
    return out


def check_backup(src: Path, *, progress: Progress | None = None) -> dict[str, str]:
    """Re-hash every file the manifest lists; raise listing every missing or changed one."""
    entries = read_manifest(src)
    problems = []
    for rel, digest in entries.items():
        f = src / rel
        if not f.is_file():
            problems.append(_("{rel}: missing").format(rel=rel))
            continue
        actual = _hash(f)
        if actual != digest:
            problems.append(_("{rel}: its content changed (SHA-256 {actual}, manifest {digest})").format(
                rel=rel, actual=actual, digest=digest))
        if progress:
            progress(f.stat().st_size)
    if problems:
        raise ArchiverError(ngettext("backup {src} is damaged: {n} file does not match the manifest",
                                     "backup {src} is damaged: {n} files do not match the manifest",
                                     len(problems)).format(src=src, n=len(problems)),
                            details=problems[:50], hint=_("use another backup; this one is not restored"))
    return entries


# --------------------------------------------------------------------------- restore


def _empty(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def restore(src: Path, workspace: Path, *, link: bool = False, reindex: bool = True,
            progress: Progress | None = None) -> RestoreReport:
    """Restore a backup into a new, empty workspace folder, after checking its manifest."""
    src, workspace = src.expanduser().resolve(), workspace.expanduser().resolve()
    if not src.is_dir():
        raise UsageError(_("backup folder {src} does not exist").format(src=src))
    if not _empty(workspace):
        raise UsageError(_("target folder {workspace} is not empty").format(workspace=workspace),
                         hint=_("restore only into a new or empty folder; an existing archive is never overwritten"))
    entries = check_backup(src, progress=progress)
    rel_config = f"config/{CONFIG_NAME}"
    if rel_config not in entries:
        raise UsageError(_("backup {src} does not contain {config}").format(src=src, config=CONFIG_NAME),
                         hint=_("copy the right watch_config.toml to {path}, then run `sha256sum` and add its line "
                                "to the manifest").format(path=src / rel_config))
    workspace.mkdir(parents=True, exist_ok=True)
    config_path = workspace / CONFIG_NAME
    _copy(src / rel_config, config_path)
    config = load_config(config_path, check_folders=False)
    catalog_file = ops.sqlite_file(config.archive.resolved_catalog_url)
    if catalog_file is None:
        raise UsageError(_("{path}: [archive] catalog_url is not SQLite; restore a PostgreSQL catalog with "
                           "pg_restore").format(path=config_path))
    busy = [f"{what} {p}" for what, p in (("[archive] path", config.archive.path), ("[index] path", config.index.path))
            if not _empty(p)] + ([_("catalog {path}").format(path=catalog_file)] if catalog_file.exists() else [])
    if busy:
        raise UsageError(_("the restore target already holds data: {what}").format(what="; ".join(busy)),
                         hint=_("change the paths in the backup's watch_config.toml to empty folders, or restore "
                                "on another machine"))
    report = RestoreReport(str(workspace), str(config_path), files_checked=len(entries))
    store_root = config.archive.path
    copied: list[tuple[str, str]] = []
    for rel, digest in sorted(entries.items()):
        if rel.startswith("blobs/"):
            copied.append((_copy(src / rel, store_root / rel, link=link, mode=0o444)[0], digest))
            report.blobs += 1
        elif rel.split("/", 1)[0] in EXTRA_DIRS:
            copied.append((_copy(src / rel, workspace / rel)[0], digest))
    catalog_file.parent.mkdir(parents=True, exist_ok=True)
    copied.append((_copy(src / CATALOG, catalog_file, mode=0o640)[0], entries[CATALOG]))
    changed = sum(1 for got, want in copied if got != want)
    if changed:  # the backup changed after it was checked (a disk failing under us)
        raise StoreError(ngettext("{n} file changed while being copied from {src}; the restore in {workspace} is "
                                  "not valid", "{n} files changed while being copied from {src}; the restore in "
                                  "{workspace} is not valid", changed).format(n=changed, src=src, workspace=workspace),
                         hint=_("delete the target folder and restore again from another backup"))
    for name, share in config.shares.items():
        if not share.path.exists():
            share.path.mkdir(parents=True)
            report.shares.append(name)
    config.index.path.mkdir(parents=True, exist_ok=True)
    report.counts = ops.read_copy(catalog_file).counts
    with Archive.open(config, actor="cli:restore") as archive:
        if reindex:
            from .search import reindex as rebuild

            report.indexed = rebuild(archive).documents
    return report


def backup_info(src: Path) -> dict[str, Any]:
    try:
        data = json.loads((src / INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(_("{path} cannot be read: {error}").format(path=src / INFO, error=exc)) from None
    return data if isinstance(data, dict) else {}
