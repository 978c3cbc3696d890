"""Shared fixtures: real workspaces on the real file system, real SQLite, the real CLI.

The test stack: by default every workspace is the embedded default (SQLite in the archive
folder, local blobs). ``ARCHIVER_TEST_STACK=cluster`` gives every workspace the tests create
(``write_workspace``, ``archiver init``) its own PostgreSQL database on one session-wide
cluster (tests/pgcluster.py) and its own bucket on one session-wide S3 server
(tests/s3server.py); ``ARCHIVER_TEST_SEARCH=postgres`` adds ``[index] backend = "postgres"``.
Tests about the embedded default itself are marked ``@pytest.mark.embedded("why")`` and skip
on the cluster stack with that reason.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

import archiver.config
from archiver.archive import Archive
from archiver.catalog import Catalog
from archiver.cli import main
from archiver.config import Config, load_config, write_workspace
from archiver.samplefiles import text_pdf

NIP_A = "198503152010011002"  # PNS, born 1985-03-15, TMT 2010-01, male
NIP_B = "199001012015032001"  # PNS, born 1990-01-01, TMT 2015-03, female
IN_CI = os.environ.get("CI") == "true"
STACK = os.environ.get("ARCHIVER_TEST_STACK", "") or "embedded"
CLUSTER = STACK == "cluster"


def require_program(name: str) -> str:
    """Path of a system program; in CI (where .ci/run installs it) a missing one fails, never skips."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed, but .ci/run installs it")
        pytest.skip(f"{name} not installed (run .ci/run to install it)")
    return path


# ----------------------------------------------------------------- the test stack

def set_config_value(text: str, section: str, key: str, value: str) -> str:
    """``text`` (a watch_config.toml) with ``key = value`` (a TOML literal) in ``[section]``,
    replacing the key's line there or adding it right after the section's header."""
    header = re.search(rf"^\[{re.escape(section)}\][ \t]*$", text, flags=re.MULTILINE)
    assert header is not None, f"no [{section}] in the configuration"
    following = re.search(r"^\[", text[header.end():], flags=re.MULTILINE)
    end = header.end() + following.start() if following else len(text)
    body, n = re.subn(rf"^{re.escape(key)}[ \t]*=.*$", f"{key} = {value}", text[header.end():end], count=1,
                      flags=re.MULTILINE)
    if n == 0:
        body = f"\n{key} = {value}" + body
    return text[:header.end()] + body + text[end:]


def _cluster_config(text: str) -> str:
    """The default configuration pointed at a fresh database and a fresh bucket of the session's servers."""
    import uuid

    from pgcluster import session_cluster
    from s3server import session_s3_server

    url = session_cluster().new_database(f"ws_{uuid.uuid4().hex[:16]}")
    s3 = session_s3_server()
    text = set_config_value(text, "archive", "catalog_url", f'"{url}"')
    text = set_config_value(text, "archive", "blob_store", '"s3"')
    text = set_config_value(text, "s3", "endpoint_url", f'"{s3.url}"')
    text = set_config_value(text, "s3", "bucket", f'"{s3.new_bucket()}"')
    text = set_config_value(text, "s3", "region", '"us-east-1"')
    if os.environ.get("ARCHIVER_TEST_SEARCH") == "postgres":
        text = set_config_value(text, "index", "backend", '"postgres"')
    return text


@pytest.fixture(scope="session", autouse=True)
def _test_stack() -> Iterator[None]:
    """On the cluster stack every new workspace's configuration names its own database and bucket."""
    if not CLUSTER:
        yield
        return
    render = archiver.config.render_default_config
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(archiver.config, "render_default_config", lambda: _cluster_config(render()))
        yield


@pytest.fixture(autouse=True)
def _close_idle_catalog_connections() -> Iterator[None]:
    """On the cluster stack every test workspace has its own database, and the engines a test
    (and the apps it starts) leaves behind keep their pooled connections open, until PostgreSQL
    refuses new clients ("too many clients already") in a later test. After each test the idle
    connections of the engines it made are closed (an engine stays usable: it reconnects)."""
    if not CLUSTER:
        yield
        return
    import archiver.catalog as catalog_mod

    made: list[Any] = []
    original = catalog_mod.make_engine

    def tracked(url: str) -> Any:
        engine = original(url)
        made.append(engine)
        return engine

    catalog_mod.make_engine = tracked  # type: ignore[assignment]
    try:
        yield
    finally:
        catalog_mod.make_engine = original  # type: ignore[assignment]
        for engine in made:
            engine.dispose()


def pytest_configure(config: pytest.Config) -> None:
    if STACK not in ("embedded", "cluster"):
        raise pytest.UsageError(f"ARCHIVER_TEST_STACK={STACK!r}: use 'cluster' (PostgreSQL + S3) or leave it unset")
    if CLUSTER:
        from pgcluster import _bin_dir

        if _bin_dir() is None:
            raise pytest.UsageError("ARCHIVER_TEST_STACK=cluster needs PostgreSQL's server (scripts/install.sh --dev)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    mark = item.get_closest_marker("embedded")
    if CLUSTER and mark is not None:
        why = mark.args[0] if mark.args else "about the embedded default"
        pytest.skip(f"embedded default only: {why}")
    whoosh = item.get_closest_marker("whoosh")
    if whoosh is not None and CLUSTER and os.environ.get("ARCHIVER_TEST_SEARCH") == "postgres":
        pytest.skip(f"Whoosh index only: {whoosh.args[0] if whoosh.args else 'about the Whoosh index itself'}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from pgcluster import stop_session_cluster
    from s3server import stop_session_s3_server

    stop_session_s3_server()
    stop_session_cluster()


class CatalogRows:
    """Raw SQL on a workspace's catalog through the library's engine, SQLite or PostgreSQL alike:
    ``execute(sql, params)`` with ``?`` placeholders; rows are tuples that also take column names."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    def execute(self, statement: str, params: tuple[Any, ...] | list[Any] = ()) -> _Rows:
        parts = statement.split("?")
        assert len(parts) == len(params) + 1, "one parameter per ?"
        sql = parts[0] + "".join(f":p{i}{part}" for i, part in enumerate(parts[1:]))
        return _Rows(self.conn.execute(sa.text(sql), {f"p{i}": v for i, v in enumerate(params)}))


class Row(tuple[Any, ...]):
    keys: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        return super().__getitem__(self.keys[key] if isinstance(key, str) else key)


class _Rows:
    def __init__(self, result: sa.CursorResult[Any]) -> None:
        self.result = result
        self.keys = {k: i for i, k in enumerate(result.keys())} if result.returns_rows else {}

    def _row(self, raw: Any) -> Row:
        row = Row(tuple(raw))
        row.keys = self.keys
        return row

    def fetchone(self) -> Row | None:
        raw = self.result.fetchone()
        return None if raw is None else self._row(raw)

    def fetchall(self) -> list[Row]:
        return [self._row(r) for r in self.result.fetchall()]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


class FixedClock:
    """An injectable clock: tests move time instead of sleeping."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.t = start or dt.datetime(2026, 3, 2, 1, 0, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += dt.timedelta(seconds=seconds)


@dataclass
class Workspace:
    root: Path
    config_path: Path
    runner: CliRunner = field(default_factory=CliRunner)

    @property
    def drop(self) -> Path:
        return self.root / "drop"

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    def open(self, **kw: Any) -> Archive:
        return Archive.open(self.config, **kw)

    def put(self, relpath: str, data: bytes | str, share: Path | None = None) -> Path:
        """Drop a file into the share (creating folders), as a staff member would."""
        p = (share or self.drop) / relpath
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        return p

    def cli(self, *args: str, input: str | None = None) -> Result:
        """Run the real CLI in-process against this workspace."""
        return self.runner.invoke(main, ["--config", str(self.config_path), "--quiet", *args], input=input,
                                  catch_exceptions=False)

    def cli_json(self, *args: str) -> list[dict[str, Any]]:
        res = self.cli(*args, "--json")
        return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]

    @contextmanager
    def db(self, *, read: bool = False, foreign_keys: bool = True) -> Iterator[CatalogRows]:
        """One committed write transaction on this workspace's catalog (SQLite or PostgreSQL), for
        tests that tamper with rows behind the archive's back; ``read=True``: a read-only snapshot
        instead (``catalog.read()``, no write lock); ``foreign_keys=False`` lets a write break a
        reference (SQLite's pragma, PostgreSQL's replica role)."""
        catalog = Catalog(self.config.archive.resolved_catalog_url)
        try:
            if read:
                with catalog.read() as conn:
                    yield CatalogRows(conn)
                return
            with catalog.engine.connect() as conn:
                sqlite = conn.dialect.name == "sqlite"
                if not foreign_keys and sqlite:  # outside a transaction, or SQLite ignores it
                    conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
                with conn.begin():
                    if not foreign_keys and not sqlite:
                        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                    yield CatalogRows(conn)
        finally:
            catalog.close()

    def replace_blob(self, sha256: str, data: bytes) -> None:
        """Replace a stored blob's bytes behind the archive's back: the local file (made writable
        first) or the S3 object (with the new bytes' checksum, as a careful tamperer would)."""
        with self.open() as archive:
            store: Any = archive.store
            if hasattr(store, "path_of"):
                path = store.path_of(sha256)
                path.chmod(0o644)
                path.write_bytes(data)
            else:
                store.client.put_object(Bucket=store.bucket, Key=store.key_of(sha256), Body=data,
                                        ChecksumAlgorithm="SHA256")

    def damage_blob(self, sha256: str) -> None:
        """Flip one bit in the middle of a stored blob (doing it twice restores it)."""
        with self.open() as archive, archive.store.open(sha256) as fh:
            data = bytearray(fh.read())
        data[len(data) // 2] ^= 0x01
        self.replace_blob(sha256, bytes(data))

    def remove_blob(self, sha256: str) -> None:
        with self.open() as archive:
            store: Any = archive.store
            if hasattr(store, "path_of"):
                store.path_of(sha256).unlink()
            else:
                store.client.delete_object(Bucket=store.bucket, Key=store.key_of(sha256))

    def run(self, *args: str, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
        """Run the CLI as a separate process (for signals, kills, real exit codes)."""
        return subprocess.run([sys.executable, "-m", "archiver", "--config", str(self.config_path), *args],
                              capture_output=True, text=True, timeout=timeout, **kw)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh workspace made by `archiver init` (drop/, archive/, index/, watch_config.toml)."""
    cfg = write_workspace(tmp_path / "ws")
    return Workspace(cfg.parent, cfg)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


# ----------------------------------------------------------------- real sample files

def make_pdf(text: str = "Laporan kegiatan", pages: int = 1) -> bytes:
    """A small but real PDF with a text layer, one line per page ("TEXT halaman N")."""
    return text_pdf([[f"{text} halaman {i + 1}"] for i in range(pages)])


def make_docx(*paragraphs: str) -> bytes:
    from docx import Document

    doc = Document()
    for p in paragraphs or ("Notulen rapat koordinasi",):
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def make_xlsx(rows: list[list[Any]] | None = None) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows or [["Kegiatan", "Jumlah"], ["Sosialisasi", 3]]:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def make_png(size: tuple[int, int] = (64, 48), color: str = "navy") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def make_exe() -> bytes:
    """The start of a Windows program (MZ + PE header): what libmagic calls an executable."""
    return b"MZ\x90\x00" + b"\x00" * 56 + (64).to_bytes(4, "little") + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 300


def wait_for(pred: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """The first true value of ``pred()``, polled every 50 ms; AssertionError naming ``what`` after ``timeout`` s."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
