"""The state of an archive at a glance: counts, size, latest ingests and problems, watcher state."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from .archive import Archive
from .catalog import blobs, submissions
from .store import process_alive

WATCHER_STATE = "watcher.json"


def archive_status(archive: Archive, *, problems: int = 10) -> dict[str, Any]:
    cat = archive.catalog
    with cat.read() as conn:
        n_blobs, total = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(blobs.c.size), 0))).one()
        cols = [submissions.c.received_at, submissions.c.status, submissions.c.share, submissions.c.relpath,
                submissions.c.reason]
        latest = conn.execute(sa.select(*cols).order_by(submissions.c.id.desc()).limit(problems)).all()
        bad = conn.execute(sa.select(*cols).where(submissions.c.status.in_(("quarantined", "unlinked")))
                           .order_by(submissions.c.id.desc()).limit(problems)).all()

    def shape(rows: list[Any]) -> list[dict[str, Any]]:
        return [{"received_at": r.received_at, "status": r.status, "path": f"{r.share}/{r.relpath}",
                 "reason": r.reason} for r in rows]

    state_file = archive.config.archive.path / WATCHER_STATE
    watcher = None
    if state_file.is_file():
        try:
            watcher = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            watcher = {"state": "unreadable state file"}
        pid = watcher.get("pid")  # a `kill -9` leaves the last state file behind
        if watcher.get("state") not in ("stopped", None) and not (isinstance(pid, int) and pid > 0 and process_alive(pid)):
            watcher["state"] = f"not running (was {watcher.get('state')} when it last wrote its state)"
    return {"counts": cat.counts_by_status(), "blobs": int(n_blobs), "bytes": int(total),
            "latest": shape(latest), "problems": shape(bad), "watcher": watcher}
