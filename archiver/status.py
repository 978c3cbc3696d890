"""The state of an archive at a glance: counts, size, latest ingests and problems, watcher state,
every node's heartbeat and the work queue."""

from __future__ import annotations

import json
from typing import Any

from .archive import Archive
from .catalog import anchors as catalog_anchors
from .catalog import core as subs
from .catalog import jobs
from .i18n import _, render
from .store import process_alive
from .work import MISSED_BEATS

WATCHER_STATE = "watcher.json"


def archive_status(archive: Archive, *, problems: int = 10) -> dict[str, Any]:
    cat = archive.catalog
    with cat.read() as conn:
        n_blobs, total = subs.blob_totals(conn)
        latest = subs.latest(conn, limit=problems)
        bad = subs.latest(conn, limit=problems, problems_only=True)

    def shape(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"received_at": r["received_at"], "status": r["status"], "path": f"{r['share']}/{r['relpath']}",
                 "reason": render(r["reason"]) or None} for r in rows]

    state_file = archive.config.archive.path / WATCHER_STATE
    watcher = None
    if state_file.is_file():
        try:
            watcher = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            watcher = {"state": _("unreadable state file")}
        pid = watcher.get("pid")  # a `kill -9` leaves the last state file behind
        alive = isinstance(pid, int) and pid > 0 and process_alive(pid)
        if watcher.get("state") not in ("stopped", None) and not alive:
            watcher["state"] = _("not running (was {state} when it last wrote its state)").format(
                state=watcher.get("state"))
    failed = catalog_anchors.failed_blobs(cat, None, limit=problems)  # blobs whose latest check failed
    integrity = [{"sha256": f["sha256"], "checked_at": f["checked_at"], "via": f["via"],
                  "path": f"{f['share']}/{f['relpath']}", "actual": f["actual"]} for f in failed]
    return {"counts": subs.counts_by_status(cat), "blobs": int(n_blobs), "bytes": int(total),
            "latest": shape(latest), "problems": shape(bad), "watcher": watcher, "integrity": integrity,
            **node_status(archive, problems=problems)}


def node_status(archive: Archive, *, problems: int = 10) -> dict[str, Any]:
    """Every node (process) of the archive with its heartbeat, the work queue's depth and failed jobs.

    A node whose last heartbeat is older than ``MISSED_BEATS`` of its intervals is "not responding"."""
    cat = archive.catalog
    rows, now = jobs.list_nodes(cat)
    for r in rows:
        age = now - r.pop("heartbeat")
        r["seconds_since_heartbeat"] = round(max(0.0, age), 1)
        r["responding"] = r["state"] == "stopped" or age <= MISSED_BEATS * r["interval"]
        if not r["responding"]:
            r["state"] = "not responding"
    failed = [{"job": f["id"], "kind": f["kind"], "submission_id": f["submission_id"], "attempts": f["attempts"],
               "node": f["node"], "at": f["updated_at"], "path": f"{f['share']}/{f['relpath']}",
               "reason": render(f["last_error"]) or None} for f in jobs.failed_jobs(cat, limit=problems)]
    return {"nodes": rows, "work": {"mode": archive.config.work.mode, **jobs.counts(cat)}, "failed_jobs": failed}
