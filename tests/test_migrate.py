"""`archiver migrate`, migrations under a lock, and catalogs the code is not at (issue 16, item 2).

Real SQLite workspaces and a real PostgreSQL cluster on loopback (tests/pgcluster.py); the CLI
runs as separate processes, started at once where the point is concurrency.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from conftest import Workspace, wait_for
from pgcluster import Cluster, pg_cluster  # noqa: F401

import archiver
from archiver.archive import Archive
from archiver.catalog import Catalog
from archiver.catalog.migration import MIGRATE_LOCK_KEY, heads

MIGRATIONS = Path(archiver.__file__).parent / "migrations"
FUTURE = "0999_from_the_future"


def _alembic() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


HEADS = sorted(ScriptDirectory.from_config(_alembic()).get_heads())
ALL = sorted(s.revision for s in ScriptDirectory.from_config(_alembic()).walk_revisions())


def _set(ws: Workspace, key: str, value: str) -> None:
    """Change one [archive] key of the workspace's watch_config.toml (the rendered default has each once)."""
    text = ws.config_path.read_text(encoding="utf-8")
    lines = [f"{key} = {value}" if line.startswith(f"{key} = ") else line for line in text.splitlines()]
    assert any(line.startswith(f"{key} = ") for line in text.splitlines()), key
    ws.config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _on_postgresql(ws: Workspace, cluster: Cluster, name: str) -> str:
    url = cluster.new_database(name)
    _set(ws, "catalog_url", json.dumps(url))
    return url


def _versions(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


def _upgrade_to(url: str, target: str) -> None:
    """Migrate a catalog only as far as ``target`` (what an older archiver left)."""
    catalog = Catalog(url)
    try:
        with catalog.begin() as conn:
            cfg = _alembic()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    finally:
        catalog.close()


def _stamp_future(url: str) -> None:
    """What a newer archiver leaves: a revision this code does not carry."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :new WHERE version_num = :old"),
                         {"new": FUTURE, "old": HEADS[-1]})
    finally:
        engine.dispose()


def _cli(ws: Workspace, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------- SQLite (the embedded default)

def test_migrate_upgrades_a_new_catalog_then_has_nothing_to_do(ws: Workspace) -> None:
    first = ws.run("migrate", "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["before"] == [] and report["after"] == HEADS and sorted(report["applied"]) == ALL
    assert report["applied"][0] == "0001_core"  # the base first, every revision after the one it revises
    again = ws.run("migrate")
    assert again.returncode == 0, again.stderr
    assert "Katalog sudah mutakhir" in again.stdout and "tidak ada migrasi yang dijalankan" in again.stdout


def test_the_heads_read_without_alembic_are_alembics() -> None:
    """A catalog at these heads is opened without importing Alembic (catalog.migration.heads)."""
    assert list(heads()) == HEADS


def test_migrate_on_open_false_stops_a_catalog_that_is_behind(ws: Workspace) -> None:
    _set(ws, "migrate_on_open", "false")
    url = ws.config.archive.resolved_catalog_url
    _upgrade_to(url, "0001_core")  # an older archiver's catalog
    for args in (["status"], ["list"], ["serve", "--port", "0"]):
        res = ws.run(*args)
        assert res.returncode == 2, (args, res.stderr)
        assert "jalankan `archiver migrate`" in res.stderr and "0002_text" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
    assert _versions(url) == ["0001_core"]  # nothing migrated behind the operator's back
    res = ws.run("migrate")
    assert res.returncode == 0, res.stderr
    assert f"{len(ALL) - 1} revisi dijalankan" in res.stdout
    assert _versions(url) == HEADS
    assert ws.run("status").returncode == 0


def test_migrate_on_open_true_upgrades_an_older_catalog_on_open(ws: Workspace) -> None:
    url = ws.config.archive.resolved_catalog_url
    _upgrade_to(url, "0001_core")
    res = ws.run("status")
    assert res.returncode == 0, res.stderr
    assert _versions(url) == HEADS


# --------------------------------------------------------------------------- a catalog newer than the code

def _refused(ws: Workspace, url: str) -> None:
    ws.run("migrate").check_returncode()
    _stamp_future(url)
    for args in (["status"], ["migrate"], ["list"], ["verify"], ["serve", "--port", "0"],
                 ["run", "--port", "0"], ["serve", "--port", "0", "--workers", "2"]):
        res = ws.run(*args, timeout=60)
        assert res.returncode == 2, (args, res.stderr)
        assert FUTURE in res.stderr and "archiver yang lebih baru" in res.stderr, (args, res.stderr)
        assert "Traceback" not in res.stderr, (args, res.stderr)
    _set(ws, "migrate_on_open", "false")  # checked, not migrated: refused the same way
    res = ws.run("status")
    assert res.returncode == 2 and FUTURE in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert FUTURE in _versions(url)  # left as the newer code wrote it


def test_a_catalog_from_newer_code_is_refused_sqlite(ws: Workspace) -> None:
    _refused(ws, ws.config.archive.resolved_catalog_url)


def test_a_catalog_from_newer_code_is_refused_postgresql(ws: Workspace, pg_cluster: Cluster) -> None:  # noqa: F811
    _refused(ws, _on_postgresql(ws, pg_cluster, "newer_code"))


# --------------------------------------------------------------------------- PostgreSQL: many at once

def test_four_processes_start_at_once_on_an_empty_postgresql(ws: Workspace, pg_cluster: Cluster) -> None:  # noqa: F811
    url = _on_postgresql(ws, pg_cluster, "first_start")
    procs = [_cli(ws, *args) for args in (["status"], ["migrate", "--json"], ["status"], ["migrate", "--json"])]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err
    assert _versions(url) == HEADS
    applied = [json.loads(out)["applied"] for p, (out, _) in zip(procs, outs, strict=True) if "--json" in p.args]
    assert all(sorted(a) in ([], ALL) for a in applied), applied  # whoever upgraded ran each revision once


def test_processes_queue_on_the_advisory_lock_and_one_migrates(ws: Workspace, pg_cluster: Cluster) -> None:  # noqa: F811
    """Deterministic overlap: the lock is held while four processes find the catalog empty and queue
    for it; once free, one migrates and the other three read the version again and find it done."""
    url = _on_postgresql(ws, pg_cluster, "advisory_lock")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    waiting = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    try:
        with engine.connect() as holder:
            holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATE_LOCK_KEY})
            procs = [_cli(ws, "migrate", "--json") for _ in range(4)]
            try:
                wait_for(lambda: holder.execute(waiting).scalar() == 4, timeout=120, what="four processes waiting")
                assert all(p.poll() is None for p in procs)
                assert not sa.inspect(holder).has_table("alembic_version")  # nothing done without the lock
            finally:
                holder.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATE_LOCK_KEY})
            outs = [p.communicate(timeout=120) for p in procs]
    finally:
        engine.dispose()
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0 and "Traceback" not in err, err
    applied = sorted(sorted(json.loads(out)["applied"]) for out, _ in outs)
    assert applied == [[], [], [], ALL]
    assert _versions(url) == HEADS


def test_two_threads_open_an_empty_postgresql_at_once(ws: Workspace, pg_cluster: Cluster) -> None:  # noqa: F811
    """`archiver run`'s web app and watcher each open the archive: in one process, at the same moment."""
    url = _on_postgresql(ws, pg_cluster, "two_threads")
    config = ws.config
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            Archive.open(config).close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert _versions(url) == HEADS


def test_run_first_start_on_an_empty_postgresql(ws: Workspace, pg_cluster: Cluster) -> None:  # noqa: F811
    url = _on_postgresql(ws, pg_cluster, "run_first_start")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = _cli(ws, "run", "--port", str(port))
    try:
        def healthy() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"`archiver run` exited: {proc.communicate()[1]}")
            try:  # 200 only when the catalog answers and the watcher's state is fresh
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", params=[("check", "catalog"), ("check", "watcher")],
                              timeout=2)
            except httpx.TransportError:
                return False
            return r.status_code == 200

        wait_for(healthy, timeout=90, what="/healthz with the watcher running")
        assert httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "the watcher stopped" not in err and "Traceback" not in err, err
    assert _versions(url) == HEADS


@pytest.mark.parametrize("value", ["true", "false"])
def test_migrate_on_open_is_a_strict_boolean(ws: Workspace, value: str) -> None:
    _set(ws, "migrate_on_open", value)
    assert ws.config.archive.migrate_on_open is (value == "true")
    _set(ws, "migrate_on_open", '"no"')
    res = ws.run("status")
    assert res.returncode == 2 and "migrate_on_open" in res.stderr, res.stderr
