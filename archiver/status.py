"""The state of an archive at a glance: counts, size, latest ingests and problems, watcher state."""

from __future__ import annotations

import json
from typing import Any

from .archive import Archive
from .catalog import anchors as catalog_anchors
from .catalog import core as subs
from .store import process_alive

WATCHER_STATE = "watcher.json"


def archive_status(archive: Archive, *, problems: int = 10) -> dict[str, Any]:
    cat = archive.catalog
    with cat.read() as conn:
        n_blobs, total = subs.blob_totals(conn)
        latest = subs.latest(conn, limit=problems)
        bad = subs.latest(conn, limit=problems, problems_only=True)

    def shape(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"received_at": r["received_at"], "status": r["status"], "path": f"{r['share']}/{r['relpath']}",
                 "reason": r["reason"]} for r in rows]

    state_file = archive.config.archive.path / WATCHER_STATE
    watcher = None
    if state_file.is_file():
        try:
            watcher = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            watcher = {"state": "unreadable state file"}
        pid = watcher.get("pid")  # a `kill -9` leaves the last state file behind
        alive = isinstance(pid, int) and pid > 0 and process_alive(pid)
        if watcher.get("state") not in ("stopped", None) and not alive:
            watcher["state"] = f"not running (was {watcher.get('state')} when it last wrote its state)"
    failed = catalog_anchors.failed_blobs(cat, None, limit=problems)  # blobs whose latest check failed
    integrity = [{"sha256": f["sha256"], "checked_at": f["checked_at"], "via": f["via"],
                  "path": f"{f['share']}/{f['relpath']}", "actual": f["actual"]} for f in failed]
    return {"counts": subs.counts_by_status(cat), "blobs": int(n_blobs), "bytes": int(total),
            "latest": shape(latest), "problems": shape(bad), "watcher": watcher, "integrity": integrity}
