"""Is the archive able to work: catalog, blob store, search index and watcher, each checked for real.

    report = check_health(archive)            # every part
    report = check_health(archive, parts=("catalog", "store"))

What ``/healthz`` answers (for load balancers and monitoring). A report names each part, whether
it is fine and, when it is not, a short reason in Bahasa Indonesia; it never carries paths,
names or exception text (those go to the log).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterable
from typing import Any

from .archive import Archive
from .catalog import ops
from .i18n import N_, _
from .status import WATCHER_STATE

log = logging.getLogger(__name__)

PARTS = ("catalog", "store", "index", "watcher")
#: The watcher rewrites its state file about once a second; older than this, it is not running.
WATCHER_STALE_S = 120.0


def check_health(archive: Archive, *, parts: Iterable[str] = PARTS) -> dict[str, Any]:
    """``{"ok": bool, "checks": {part: {"ok": bool, ...}}}`` for the parts asked for."""
    wanted = [p for p in PARTS if p in set(parts)]
    checks: dict[str, dict[str, Any]] = {}
    for part in wanted:
        try:
            checks[part] = _CHECKS[part](archive)
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure, it never raises
            log.warning("health check %s failed: %s", part, exc)
            checks[part] = {"ok": False, "reason": _(_REASONS[part])}
    return {"ok": all(c["ok"] for c in checks.values()), "checks": checks}


_REASONS = {"catalog": N_("the catalog cannot be read"), "store": N_("the file store cannot be read"),
            "index": N_("the search index cannot be opened"), "watcher": N_("the watcher's status cannot be read")}


def _catalog(archive: Archive) -> dict[str, Any]:
    ops.ping(archive.catalog)
    return {"ok": True}


def _store(archive: Archive) -> dict[str, Any]:
    next(iter(archive.store.digests()), None)  # lists the store for real
    for folder in archive.store.reserved_paths():
        if not folder.is_dir() or not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
            log.warning("health: store folder %s is missing or not writable", folder)
            return {"ok": False, "reason": _("the file store folder is missing or cannot be written")}
    return {"ok": True}


def _index(archive: Archive) -> dict[str, Any]:
    from .search import backend_of

    backend = backend_of(archive)
    generation = backend.generation()
    if generation is None:
        pending, _oldest = ops.index_pending(archive.catalog, None)
        if pending:
            return {"ok": False, "reason": _("there is no search index yet; run `archiver reindex`")}
        return {"ok": True, "documents": 0}
    backend.segment_count()  # opens the live generation
    return {"ok": True}


def _parse(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _watcher(archive: Archive) -> dict[str, Any]:
    state_file = archive.config.archive.path / WATCHER_STATE
    if not state_file.is_file():
        return {"ok": False, "state": "absent", "reason": _("the watcher (archiver watch/run) has never run")}
    state = json.loads(state_file.read_text(encoding="utf-8"))
    now = archive.clock()
    updated, last = _parse(state.get("updated_at")), _parse(state.get("last_reconcile_at"))
    since = last or _parse(state.get("started_at"))  # before the first scan ends: since the start
    out: dict[str, Any] = {"ok": True, "state": str(state.get("state")), "updated_at": state.get("updated_at"),
                           "last_reconcile_at": state.get("last_reconcile_at")}
    overdue = 2 * archive.config.watch.reconcile_interval_seconds + 600
    if state.get("state") == "stopped":
        out.update(ok=False, reason=_("the watcher has stopped"))
    elif updated is None or (now - updated).total_seconds() > WATCHER_STALE_S:
        out.update(ok=False, reason=_("the watcher is not running (its status is not being updated)"))
    elif since is not None and (now - since).total_seconds() > overdue:
        out.update(ok=False, reason=_("the watcher's rescan is overdue"))
    return out


_CHECKS = {"catalog": _catalog, "store": _store, "index": _index, "watcher": _watcher}
