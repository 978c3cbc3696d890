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
            "katalog memakai PostgreSQL: cadangkan katalognya dengan pg_dump, bukan dengan `archiver backup`",
            hint="pg_dump --format=custom --file=/cadangan/katalog.dump NAMA_DB (lalu salin folder arsip "
                 f"{cfg.archive.path}/blobs, watch_config.toml, templates/ dan anchors/); pulihkan dengan "
                 "pg_restore --clean --dbname NAMA_DB /cadangan/katalog.dump")


def backup(archive: Archive, dest: Path, *, link: bool = False, progress: Progress | None = None) -> BackupReport:
    """Copy the archive to ``dest`` (new, empty, or an earlier backup of it) without stopping it."""
    cfg = archive.config
    require_sqlite(cfg)
    dest = dest.expanduser().resolve()
    workspace = cfg.source.parent if cfg.source else None
    for name, root in [("[archive] path", cfg.archive.path), ("[index] path", cfg.index.path),
                       *((f"[shares.{n}] path", s.path) for n, s in cfg.shares.items())]:
        if _inside(dest, root):
            raise UsageError(f"folder cadangan {dest} berada di dalam {name} ({root})",
                             hint="simpan cadangan di luar arsip dan share, sebaiknya di disk lain")
    _prepare_dest(dest)
    (dest / MANIFEST).unlink(missing_ok=True)  # from here on the folder is an unfinished backup
    report = BackupReport(str(dest))
    entries: dict[str, str] = {}

    # Anchors before the catalog: an anchor log newer than the catalog copy would look like a
    # truncated chain; an older one only leaves the newest events unanchored, as between two anchors.
    if cfg.source is not None:
        rel = f"config/{CONFIG_NAME}"
        entries[rel], _ = _copy(cfg.source, dest / rel)
        report.extras.append(rel)
    for extra in EXTRA_DIRS:
        src_dir = workspace / extra if workspace else None
        shutil.rmtree(dest / extra, ignore_errors=True)  # exactly what the workspace holds now
        if src_dir is None or not src_dir.is_dir():
            continue
        for f in _files(src_dir):
            rel = f"{extra}/{f.relative_to(src_dir).as_posix()}"
            entries[rel], _ = _copy(f, dest / rel)
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
            problems.append(f"blob {sha256}: tidak dapat disalin: {exc}")
            continue
        if digest != sha256:
            target.unlink(missing_ok=True)
            problems.append(f"blob {sha256} di arsip sudah berubah (isinya kini {digest}); jalankan `archiver verify`")
            continue
        entries[rel] = sha256
        report.blobs_copied += 1
        report.bytes_copied += n
        if progress:
            progress(n)
    if problems:
        raise StoreError(f"cadangan di {dest} tidak lengkap: {len(problems)} blob bermasalah", details=problems[:50],
                         hint="perbaiki arsipnya (lihat `archiver verify`), lalu jalankan backup lagi")

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
        raise UsageError(f"{dest} bukan folder",
                         hint="sebutkan folder tujuan cadangan (baru, kosong, atau cadangan lama)")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / INFO).is_file() and not (dest / CATALOG).is_file():
        raise UsageError(f"folder {dest} berisi berkas lain dan bukan folder cadangan arsip",
                         hint="pilih folder baru atau kosong, atau folder cadangan sebelumnya (ia diperbarui)")
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
        raise UsageError(f"{src} bukan cadangan yang lengkap: {MANIFEST} tidak ada",
                         hint="cadangan yang terputus tidak dapat dipulihkan; jalankan `archiver backup` lagi")
    out: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, rel = line.partition("  ")
        parts = Path(rel).parts
        if not sep or len(digest) != 64 or not rel or Path(rel).is_absolute() or ".." in parts:
            raise UsageError(f"{path} baris {lineno}: bukan baris manifest yang sah: {line[:120]!r}")
        out[rel] = digest
    for needed in (CATALOG, INFO):
        if needed not in out:
            raise UsageError(f"{path}: {needed} tidak tercantum; folder ini bukan cadangan archiver")
    return out


def check_backup(src: Path, *, progress: Progress | None = None) -> dict[str, str]:
    """Re-hash every file the manifest lists; raise listing every missing or changed one."""
    entries = read_manifest(src)
    problems = []
    for rel, digest in entries.items():
        f = src / rel
        if not f.is_file():
            problems.append(f"{rel}: tidak ada")
            continue
        actual = _hash(f)
        if actual != digest:
            problems.append(f"{rel}: isinya berubah (SHA-256 {actual}, manifest {digest})")
        if progress:
            progress(f.stat().st_size)
    if problems:
        raise ArchiverError(f"cadangan {src} rusak: {len(problems)} berkas tidak cocok dengan manifest",
                            details=problems[:50], hint="pakai cadangan lain; cadangan ini tidak dipulihkan")
    return entries


# --------------------------------------------------------------------------- restore


def _empty(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def restore(src: Path, workspace: Path, *, link: bool = False, reindex: bool = True,
            progress: Progress | None = None) -> RestoreReport:
    """Restore a backup into a new, empty workspace folder, after checking its manifest."""
    src, workspace = src.expanduser().resolve(), workspace.expanduser().resolve()
    if not src.is_dir():
        raise UsageError(f"folder cadangan {src} tidak ada")
    if not _empty(workspace):
        raise UsageError(f"folder tujuan {workspace} tidak kosong",
                         hint="pemulihan hanya ke folder baru atau kosong; arsip yang ada tidak pernah ditimpa")
    entries = check_backup(src, progress=progress)
    rel_config = f"config/{CONFIG_NAME}"
    if rel_config not in entries:
        raise UsageError(f"cadangan {src} tidak memuat {CONFIG_NAME}",
                         hint=f"salin watch_config.toml yang benar ke {src / rel_config}, lalu jalankan "
                              "`sha256sum` dan tambahkan barisnya ke manifest")
    workspace.mkdir(parents=True, exist_ok=True)
    config_path = workspace / CONFIG_NAME
    _copy(src / rel_config, config_path)
    config = load_config(config_path, check_folders=False)
    catalog_file = ops.sqlite_file(config.archive.resolved_catalog_url)
    if catalog_file is None:
        raise UsageError(f"{config_path}: [archive] catalog_url bukan SQLite; pulihkan katalog PostgreSQL dengan "
                         "pg_restore")
    busy = [f"{what} {p}" for what, p in (("[archive] path", config.archive.path), ("[index] path", config.index.path))
            if not _empty(p)] + ([f"katalog {catalog_file}"] if catalog_file.exists() else [])
    if busy:
        raise UsageError("tujuan pemulihan sudah berisi data: " + "; ".join(busy),
                         hint="ubah path di watch_config.toml cadangan ke folder kosong, atau pulihkan di mesin lain")
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
        raise StoreError(f"{changed} berkas berubah saat disalin dari {src}; pemulihan di {workspace} tidak sah",
                         hint="hapus folder tujuan dan ulangi pemulihan dari cadangan lain")
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
        raise UsageError(f"{src / INFO} tidak dapat dibaca: {exc}") from None
    return data if isinstance(data, dict) else {}
