"""A real S3 server for tests: moto's standalone server as a subprocess on 127.0.0.1, one per
test session, started on first use and stopped at the end of the session (conftest's
``pytest_sessionfinish``). Each test or workspace makes its own bucket.

    from s3server import KEYS, session_s3_server
    server = session_s3_server()           # the S3 endpoint is server.url
    bucket = server.new_bucket()           # arsip-0123abcd4567

While it runs the process environment holds test access keys (``KEYS``), so the store, the CLI
in-process and every CLI subprocess authenticate the way an operator's node would: from the
environment, never from the configuration file.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from typing import Any

KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class S3Server:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._saved = {k: os.environ.get(k) for k in KEYS}
        os.environ.update(KEYS)
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 30
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            if self.proc.poll() is not None or time.monotonic() > end:
                self.stop()
                raise RuntimeError(f"moto's S3 server did not start on port {self.port}")
            time.sleep(0.05)

    def client(self) -> Any:
        import boto3  # type: ignore[import-untyped]

        return boto3.client("s3", endpoint_url=self.url, region_name="us-east-1")

    def new_bucket(self) -> str:
        name = f"arsip-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for k, v in self._saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_session: S3Server | None = None


def session_s3_server() -> S3Server:
    """The session's S3 server, started on first use."""
    global _session
    if _session is None:
        _session = S3Server()
    return _session


def stop_session_s3_server() -> None:
    global _session
    if _session is not None:
        _session.stop()
        _session = None
