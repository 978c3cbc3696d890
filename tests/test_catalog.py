"""Catalog transactions on SQLite: readers see a snapshot and never hold up the writer."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import NIP_A, Workspace, make_pdf

from archiver.catalog.schema import submissions


def test_a_long_read_does_not_block_ingest(ws: Workspace) -> None:
    ws.put(f"{NIP_A}/2026/TW1/RHK-01/a.pdf", make_pdf("pertama"))
    assert ws.cli("ingest").exit_code == 0
    with ws.open() as reader, reader.catalog.read() as conn:
        count = sa.select(sa.func.count()).select_from(submissions)
        assert conn.execute(count).scalar_one() == 1
        ws.put(f"{NIP_A}/2026/TW1/RHK-01/b.pdf", make_pdf("kedua"))
        done = threading.Event()
        result: list[int] = []

        def ingest() -> None:
            result.append(ws.cli("ingest").exit_code)
            done.set()

        threading.Thread(target=ingest, daemon=True).start()
        assert done.wait(30), "ingest waited for a reader's transaction"
        assert result == [0]
        assert conn.execute(count).scalar_one() == 1  # the reader's snapshot is stable
    with ws.open() as archive, archive.catalog.read() as conn:
        assert conn.execute(count).scalar_one() == 2


@pytest.mark.embedded("the SQLite catalog's write-ahead log")
def test_checkpoint_moves_the_log_into_the_database_file(ws: Workspace, tmp_path: Path) -> None:
    """What the index batch writer calls after each batch (so the ingesting process's commits do not run
    the automatic checkpoint): afterwards the database file alone holds the committed rows."""
    import shutil
    import sqlite3

    def rows_in_file_alone(name: str) -> int:
        copy = tmp_path / name
        shutil.copyfile(ws.root / "archive" / "catalog.sqlite", copy)  # without its -wal
        with sqlite3.connect(copy) as db:
            return int(db.execute("select count(*) from submissions").fetchone()[0])

    from archiver import ingest

    with ws.open() as archive:
        archive.catalog.checkpoint()
        ws.put(f"{NIP_A}/2026/TW1/RHK-01/a.pdf", make_pdf("pertama"))
        assert [r.status for r in ingest.scan(archive, steps=())] == ["archived"]
        assert rows_in_file_alone("before.sqlite") == 0  # still in the write-ahead log
        archive.catalog.checkpoint()
        assert rows_in_file_alone("after.sqlite") == 1
