"""A throwaway PostgreSQL cluster for tests: Debian's server binaries, a data folder in /tmp,
listening on 127.0.0.1 on a free port, trust authentication, stopped at the end.

    from pgcluster import pg_cluster                      # a session fixture (re-exported by a test module)
    url = pg_cluster.new_database("ingest_race")          # postgresql+psycopg://archiver@127.0.0.1:PORT/ingest_race

One cluster per session (``session_cluster()``), shared with the cluster test stack
(``ARCHIVER_TEST_STACK=cluster``, see conftest.py), stopped when the session ends.

PostgreSQL refuses to run as root, so under root the cluster runs as the ``postgres`` system
user (made by Debian's postgresql package, which .ci/run installs). A missing server fails
the test in CI (``require_program`` semantics) and skips it elsewhere.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import IN_CI


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    USER = "archiver"

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", self.USER, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(root / "server.log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c max_connections=200", "start")

    def _run(self, program: str, *args: str) -> str:
        out = subprocess.run([*self._as, str(self.bindir / program), *args], capture_output=True, text=True,
                             timeout=120, check=False, cwd=self.root)
        if out.returncode != 0:
            server_log = self.root / "server.log"
            log = server_log.read_text(errors="replace")[-2000:] if server_log.exists() else ""
            raise RuntimeError(f"{program} failed ({out.returncode}): {out.stderr[-2000:]}\n{log}")
        return out.stdout

    def new_database(self, name: str) -> str:
        """Create database ``name`` (lowercase letters, digits, _) and return its SQLAlchemy URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.USER, name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        except RuntimeError:
            pass


def _require_server() -> Path:
    """The folder of PostgreSQL's server programs; fails in CI (``.ci/run`` installs them), skips elsewhere."""
    bindir = _bin_dir()
    if bindir is None:
        if IN_CI:
            pytest.fail("PostgreSQL's server (initdb, pg_ctl) is not installed, but .ci/run installs it")
        pytest.skip("PostgreSQL's server is not installed (run .ci/run to install it)")
    try:
        import psycopg  # noqa: F401 - the driver the catalog URL names
    except ImportError:
        if IN_CI:
            pytest.fail("psycopg is not installed, but the test extra installs it")
        pytest.skip("psycopg is not installed")
    return bindir


_session: Cluster | None = None


def session_cluster() -> Cluster:
    """The session's cluster, started on first use and stopped by ``stop_session_cluster``
    (conftest's ``pytest_sessionfinish``): the ``pg_cluster`` fixture and the cluster test
    stack (``ARCHIVER_TEST_STACK=cluster``) share it."""
    global _session
    if _session is None:
        bindir = _require_server()
        root = Path(tempfile.mkdtemp(prefix="archiver-pg-"))
        os.chmod(root, 0o755)
        try:
            _session = Cluster(bindir, root)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
    return _session


def stop_session_cluster() -> None:
    global _session
    if _session is not None:
        _session.stop()
        shutil.rmtree(_session.root, ignore_errors=True)
        _session = None


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    yield session_cluster()
