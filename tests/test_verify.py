"""`archiver verify`: every kind of damage is detected, named, and reported together."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager

from conftest import NIP_A, CatalogRows, make_docx, make_pdf

RHK1 = f"{NIP_A}/2026/TW1/RHK-01"


def _ingest_three(ws) -> list[dict]:
    ws.put(f"{RHK1}/a.pdf", make_pdf("satu"))
    ws.put(f"{RHK1}/b.pdf", make_pdf("dua"))
    ws.put(f"{RHK1}/c.docx", make_docx("tiga"))
    return ws.cli_json("ingest")


def _verify(ws) -> tuple[int, dict]:
    res = ws.cli("verify", "--json")
    return res.exit_code, json.loads(res.stdout)


def _db(ws) -> AbstractContextManager[CatalogRows]:
    return ws.db()


def test_clean_archive_verifies_and_records_an_event(ws) -> None:
    _ingest_three(ws)
    code, rep = _verify(ws)
    assert code == 0 and rep["ok"] and rep["blobs_checked"] == 3 and rep["problems"] == []
    with _db(ws) as db:
        assert db.execute("select kind from events order by seq desc limit 1").fetchone() == ("verified",)
    code, rep = _verify(ws)  # the verified event itself keeps the chain intact
    assert code == 0


def test_flipped_byte_deleted_blob_and_edited_event_are_all_named(ws) -> None:
    a, b, c = _ingest_three(ws)
    ws.damage_blob(a["sha256"])
    ws.remove_blob(b["sha256"])
    with _db(ws) as db:
        db.execute("update events set detail = replace(detail, 'c.docx', 'x.docx') where seq = 6")
    code, rep = _verify(ws)
    assert code == 1 and not rep["ok"]
    kinds = {(p["kind"], p["subject"]) for p in rep["problems"]}
    assert ("blob_modified", a["sha256"]) in kinds
    assert ("blob_missing", b["sha256"]) in kinds
    assert ("chain", "6") in kinds
    human = ws.cli("verify")
    assert human.exit_code == 1
    assert a["sha256"] in human.output and b["sha256"] in human.output and "peristiwa 6" in human.output


def test_deleted_event_and_truncated_chain_are_detected(ws) -> None:
    _ingest_three(ws)
    with _db(ws) as db:
        db.execute("delete from events where seq = 3")
    code, rep = _verify(ws)
    assert code == 1
    assert any("hilang" in p["message"] and p["subject"] == "4" for p in rep["problems"])


def test_removing_the_last_events_is_detected(ws) -> None:
    _ingest_three(ws)
    with _db(ws) as db:
        last = db.execute("select max(seq) from events").fetchone()[0]
        db.execute("delete from events where seq >= ?", (last - 1,))
    code, rep = _verify(ws)
    assert code == 1
    assert any("dihapus dari ujung rantai" in p["message"] for p in rep["problems"])


def test_rehashed_forgery_still_breaks_the_chain(ws) -> None:
    """Editing an event and recomputing its own hash is caught by the next event's link."""
    from archiver.catalog.custody import event_hash

    _ingest_three(ws)
    with _db(ws) as db:
        row = db.execute("select seq, at, kind, actor, submission_id, sha256, detail, prev_hash from events "
                         "where seq = 2").fetchone()
        detail = row[6].replace('"size":', '"size":1')
        h = event_hash(row[0], row[1], row[2], row[3], row[4], row[5], detail, row[7])
        db.execute("update events set detail = ?, hash = ? where seq = 2", (detail, h))
    code, rep = _verify(ws)
    assert code == 1
    assert [p["subject"] for p in rep["problems"]] == ["3"]


def test_orphan_blob_and_row_without_blob(ws) -> None:
    _ingest_three(ws)
    with ws.open() as arc:
        sha, _ = arc.store.put_bytes(b"bytes nobody catalogued")
    with ws.db(foreign_keys=False) as db:
        db.execute("update submissions set sha256 = ? where id = 1", ("f" * 64,))
    code, rep = _verify(ws)
    kinds = {p["kind"] for p in rep["problems"]}
    assert code == 1 and {"orphan_blob", "submission_without_blob"} <= kinds
    assert any(p["subject"] == sha for p in rep["problems"])
