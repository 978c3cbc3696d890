"""The S3 blob store against a real S3 server (moto's standalone server) on loopback.

One server per session (tests/s3server.py), a subprocess on a free port; every test gets its own bucket.
Also here: the local store's temp cleanup never touches another host's files.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from conftest import Workspace, make_pdf, set_config_value, wait_for
from s3server import KEYS, session_s3_server

from archiver.config_sections import S3Settings
from archiver.errors import ConfigError, NotFound, StoreError
from archiver.store import LocalBlobStore, open_store
from archiver.store_files import _host, temp_name
from archiver.store_s3 import S3BlobStore

MB = 1024 * 1024


@pytest.fixture(scope="module")
def s3_url() -> str:
    """moto's S3 server on 127.0.0.1 (a real HTTP server speaking the S3 protocol), one per session."""
    return session_s3_server().url


def _client(url: str) -> Any:
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1")


@pytest.fixture
def bucket(s3_url: str) -> str:
    name = f"arsip-{uuid.uuid4().hex[:12]}"
    _client(s3_url).create_bucket(Bucket=name)
    return name


def _settings(url: str, bucket: str, **kw: Any) -> S3Settings:
    return S3Settings(endpoint_url=url, bucket=bucket, region="us-east-1", **kw)


def _store(url: str, bucket: str, tmp: Path, **kw: Any) -> S3BlobStore:
    store = open_store("s3", tmp, _settings(url, bucket, **kw))
    assert isinstance(store, S3BlobStore)
    return store


def _pattern(n: int, seed: bytes = b"skp") -> bytes:
    block = hashlib.sha256(seed).digest() * 32768  # 1 MiB, not all one byte
    return (block * (n // len(block) + 1))[:n]


def test_round_trip_small_and_multipart(s3_url: str, bucket: str, tmp_path: Path) -> None:
    store = _store(s3_url, bucket, tmp_path, part_size_mb=5)
    small = b"Laporan kinerja triwulan I"
    sha, new = store.put_bytes(small)
    assert (sha, new) == (hashlib.sha256(small).hexdigest(), True)
    big = _pattern(12 * MB + 123)
    staged = store.stage(io.BytesIO(big))
    assert staged.path.read_bytes()[:10] == big[:10] and staged.size == len(big)
    assert staged.commit() is True
    assert not staged.path.exists()
    big_sha = hashlib.sha256(big).hexdigest()
    assert staged.sha256 == big_sha

    assert store.exists(sha) and store.exists(big_sha) and not store.exists("0" * 64)
    assert store.size(sha) == len(small) and store.size(big_sha) == len(big)
    assert sorted(store.digests()) == sorted([sha, big_sha])
    with store.open(sha) as fh:
        assert fh.read() == small
    with store.open(big_sha) as fh:  # seekable, as parsers need
        fh.seek(-100, os.SEEK_END)
        assert fh.read() == big[-100:]
        fh.seek(5 * MB - 3)
        assert fh.read(10) == big[5 * MB - 3:5 * MB + 7]
    with store.local_path(big_sha) as p:
        assert p.read_bytes() == big and p.parent == tmp_path / "tmp"
    assert not p.exists()
    keys = [o["Key"] for o in _client(s3_url).list_objects_v2(Bucket=bucket)["Contents"]]
    assert f"blobs/{big_sha[:2]}/{big_sha[2:4]}/{big_sha}" in keys
    gets: list[str] = []
    store.client.meta.events.register("before-call.s3.GetObject", lambda **kw: gets.append("GET"))
    assert store.rehash(sha) == sha and store.rehash(big_sha) == big_sha  # the server's checksums: HEAD only
    assert gets == []
    assert store.rehash_full(sha) == sha and store.rehash_full(big_sha) == big_sha
    assert gets
    full = _store(s3_url, bucket, tmp_path, verify_reads_bytes=True)
    full.client.meta.events.register("before-call.s3.GetObject", lambda **kw: gets.append("full"))
    assert full.rehash(big_sha) == big_sha and "full" in gets
    with pytest.raises(NotFound):
        store.open("1" * 64)
    with pytest.raises(NotFound):
        store.size("1" * 64)
    with pytest.raises(NotFound):
        store.local_path("1" * 64).__enter__()
    assert store.reserved_paths() == (tmp_path / "tmp",)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_rehash_sees_replaced_bytes(s3_url: str, bucket: str, tmp_path: Path) -> None:
    """Bytes replaced behind the archive's back: the stored checksum (or a re-read) says so."""
    store = _store(s3_url, bucket, tmp_path, part_size_mb=5)
    a, _ = store.put_bytes(b"asli")
    b, _ = store.put_bytes(b"asli juga")
    c = store.stage(io.BytesIO(_pattern(11 * MB)))
    c.commit()
    raw = _client(s3_url)
    raw.put_object(Bucket=bucket, Key=store.key_of(a), Body=b"palsu", ChecksumAlgorithm="SHA256")
    raw.put_object(Bucket=bucket, Key=store.key_of(b), Body=b"palsu juga")  # no checksum kept
    raw.put_object(Bucket=bucket, Key=store.key_of(c.sha256), Body=b"palsu besar", ChecksumAlgorithm="SHA256")
    assert store.rehash(a) == hashlib.sha256(b"palsu").hexdigest()
    assert store.rehash(b) == hashlib.sha256(b"palsu juga").hexdigest()
    assert store.rehash(c.sha256) == hashlib.sha256(b"palsu besar").hexdigest()


def test_overwrite_refused(s3_url: str, bucket: str, tmp_path: Path) -> None:
    store = _store(s3_url, bucket, tmp_path, part_size_mb=5)
    sha, new = store.put_bytes(b"dokumen SKP")
    assert new is True
    assert store.put_bytes(b"dokumen SKP") == (sha, False)
    big = _pattern(6 * MB)
    big_sha = hashlib.sha256(big).hexdigest()
    assert store.stage(io.BytesIO(big)).commit() is True
    # Another node racing past the HEAD check: the conditional write refuses, nothing changes.
    other = tmp_path / "other"
    other.write_bytes(b"bytes lain")
    assert store._upload(other, sha, other.stat().st_size) is False
    other.write_bytes(_pattern(7 * MB, b"lain"))
    assert store._upload(other, big_sha, other.stat().st_size) is False
    with store.open(sha) as fh:
        assert fh.read() == b"dokumen SKP"
    assert store.rehash_full(big_sha) == big_sha
    assert _client(s3_url).list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


CHILD = textwrap.dedent("""
    import hashlib, json, sys, time
    from pathlib import Path
    from archiver.config_sections import S3Settings
    from archiver.store import open_store
    url, bucket, tmp, src, slow = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], float(sys.argv[5])
    store = open_store("s3", tmp, S3Settings(endpoint_url=url, bucket=bucket, region="us-east-1", part_size_mb=5))
    if slow:  # the network is slow: time for the parent to kill this process mid-upload
        store.client.meta.events.register("before-send.s3.UploadPart", lambda **kw: time.sleep(slow))
    store.exists("0" * 64)  # connections and botocore's models loaded before measuring
    def status(field):  # kB; VmHWM is this process's peak (ru_maxrss would include the forking parent's)
        with open("/proc/self/status") as st:
            return next(int(line.split()[1]) for line in st if line.startswith(field + ":"))
    before = status("VmRSS")
    with open(src, "rb") as fh:
        staged = store.stage(fh)
    new = staged.commit()
    digest = hashlib.sha256()
    with store.open(staged.sha256) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    after = status("VmHWM")
    print(json.dumps({"sha256": staged.sha256, "new": new, "read": digest.hexdigest(),
                      "grew_kb": after - before}))
""")


def _child(s3_url: str, bucket: str, tmp: Path, src: Path, slow: float = 0) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, s3_url, bucket, str(tmp), str(src), str(slow)],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, **KEYS})


@pytest.mark.slow
def test_large_file_streams_in_bounded_memory(s3_url: str, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "besar.bin"
    data = _pattern(64 * MB)
    src.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    del data
    proc = _child(s3_url, bucket, tmp_path / "archive", src)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0
    res = json.loads(out)
    assert res["sha256"] == sha and res["new"] is True and res["read"] == sha
    # Staging uses the local store's ring of at most 8 x 4 MiB buffers, the upload one 5 MiB part.
    assert res["grew_kb"] < 48 * 1024, f"uploading and reading 64 MB grew the process by {res['grew_kb']} KB"
    assert _store(s3_url, bucket, tmp_path / "archive").size(sha) == 64 * MB


@pytest.mark.slow
def test_upload_killed_midway_leaves_nothing(s3_url: str, bucket: str, tmp_path: Path) -> None:
    src = tmp_path / "besar.bin"
    data = _pattern(40 * MB, b"kill")
    src.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    archive = tmp_path / "archive"
    raw = _client(s3_url)
    proc = _child(s3_url, bucket, archive, src, slow=0.5)
    try:
        def in_flight() -> bool:
            ups = raw.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
            return bool(ups) and bool(raw.list_parts(Bucket=bucket, Key=ups[0]["Key"],
                                                     UploadId=ups[0]["UploadId"]).get("Parts"))
        wait_for(in_flight, timeout=60, what="a part uploaded")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    store = _store(s3_url, bucket, archive, part_size_mb=5)
    assert not store.exists(sha) and list(store.digests()) == []
    left = sorted(p.suffix for p in (archive / "tmp").iterdir())
    assert left == [".tmp", ".upload"]  # the dead writer's staged file and its upload marker
    assert store.cleanup_temp() == 2
    assert list((archive / "tmp").iterdir()) == []
    assert raw.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []  # its parts aborted
    with open(src, "rb") as fh:
        assert store.stage(fh).commit() is True
    assert store.rehash(sha) == sha and store.rehash_full(sha) == sha


def test_local_cleanup_never_removes_other_hosts_temp_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "archive")
    tmp = store.tmpdir
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that is no longer alive (reaped, so not a zombie)
    host = _host()
    old = time.time() - 10 * 86400
    files = {
        "mine_dead": f"{host}-{gone.pid}-{uuid.uuid4().hex}.tmp",
        "mine_alive": temp_name(),
        "mine_alive_old": temp_name(),
        "other_dead": f"lain-host-{gone.pid}-{uuid.uuid4().hex}.tmp",
        "other_old": f"node-2.bkd.example-{os.getpid()}-{uuid.uuid4().hex}.tmp",
        "legacy_new": f"{gone.pid}-{uuid.uuid4().hex}.tmp",
        "legacy_old": f"{gone.pid}-{uuid.uuid4().hex}.tmp",
    }
    for label, name in files.items():
        (tmp / name).write_bytes(b"x")
        if label.endswith("_old"):
            os.utime(tmp / name, (old, old))
    assert files["mine_alive"].startswith(f"{host}-{os.getpid()}-")
    assert store.cleanup_temp() == 3
    left = {label for label, name in files.items() if (tmp / name).exists()}
    assert left == {"mine_alive", "other_dead", "other_old", "legacy_new"}


def _s3_workspace(ws: Workspace, url: str, bucket: str) -> None:
    text = ws.config_path.read_text(encoding="utf-8")
    text = set_config_value(text, "archive", "blob_store", '"s3"')
    text = set_config_value(text, "s3", "endpoint_url", f'"{url}"')
    text = set_config_value(text, "s3", "bucket", f'"{bucket}"')
    text = set_config_value(text, "s3", "region", '"us-east-1"')
    ws.config_path.write_text(text, encoding="utf-8")


def test_ingest_verify_search_with_s3_store(s3_url: str, bucket: str, ws: Workspace) -> None:
    _s3_workspace(ws, s3_url, bucket)
    ws.put(f"{'198503152010011002'}/2026/TW1/laporan.pdf", make_pdf("Laporan pengelolaan arsip"))
    ws.put("198503152010011002/2026/TW1/catatan.txt", "Notulen rapat koordinasi kepegawaian\n")
    res = ws.cli("ingest")
    assert res.exit_code == 0, res.output
    store = ws.open().store
    assert isinstance(store, S3BlobStore)
    digests = sorted(store.digests())
    assert len(digests) == 2
    assert not (ws.root / "archive" / "blobs").exists()  # nothing stored locally
    res = ws.cli("verify")
    assert res.exit_code == 0, res.output
    found = {r["name"] for r in ws.cli_json("search", "pengelolaan")}
    assert found == {"laporan.pdf"}
    found = {r["name"] for r in ws.cli_json("search", "koordinasi")}
    assert found == {"catatan.txt"}
    # Export (a BagIt zip) and backup read the blobs through the store, not from a local folder.
    out = ws.root.parent / "paket.zip"
    res = ws.cli("export", "--nip", "198503152010011002", "--tahun", "2026", "-o", str(out), "--json")
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(out) as zf:
        payload = {n.rsplit("/", 1)[-1]: zf.read(n) for n in zf.namelist() if "/data/" in n}
    assert payload["catatan.txt"] == b"Notulen rapat koordinasi kepegawaian\n"
    res = ws.cli("backup", str(ws.root.parent / "cadangan"))
    if ws.config.archive.resolved_catalog_url.startswith("sqlite"):
        assert res.exit_code == 0, res.output
    else:  # the cluster test stack: a PostgreSQL catalog is backed up with pg_dump, as the message says
        assert res.exit_code == 2 and "pg_dump" in res.output, res.output
    assert list((ws.root / "archive" / "tmp").iterdir()) == []  # downloads for parsers were removed
    # The same run in a separate process (the real entry point), then tampering found by verify.
    assert ws.run("verify").returncode == 0
    _client(s3_url).put_object(Bucket=bucket, Key=store.key_of(digests[0]), Body=b"diubah",
                               ChecksumAlgorithm="SHA256")
    res = ws.cli("verify")
    assert res.exit_code != 0 and digests[0] in res.output


def test_keys_in_config_refused(ws: Workspace) -> None:
    text = ws.config_path.read_text(encoding="utf-8")
    ws.config_path.write_text(text.replace("[s3]\n", "[s3]\naws_secret_access_key = \"rahasia\"\n", 1),
                              encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        ws.config  # noqa: B018 - loading is the test
    assert "kunci akses tidak boleh ditulis" in "\n".join(err.value.details or [])
    res = ws.cli("status")
    assert res.exit_code != 0 and "AWS_SECRET_ACCESS_KEY" in res.output and "Traceback" not in res.output


def test_s3_without_bucket_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"\[s3\] bucket kosong"):
        open_store("s3", tmp_path, S3Settings())


def test_credentials_file(s3_url: str, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "kredensial"
    creds.write_text("[arsip]\naws_access_key_id = testing\naws_secret_access_key = testing\n", encoding="utf-8")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    store = _store(s3_url, bucket, tmp_path, credentials_file=str(creds), credentials_profile="arsip")
    assert store.put_bytes(b"dengan berkas kredensial")[1] is True
    with pytest.raises(StoreError, match="tidak memiliki bagian"):
        _store(s3_url, bucket, tmp_path, credentials_file=str(creds))
