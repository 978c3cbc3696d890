"""Catalog transactions on SQLite: readers see a snapshot and never hold up the writer."""

from __future__ import annotations

import threading

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
