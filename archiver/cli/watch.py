"""`archiver watch`: the live watcher as a foreground service (systemd runs it as is)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import sys
import threading
from types import FrameType
from typing import Any

import click

from ..i18n import N_
from .common import AppContext, pass_app
from .group import main

_DECISION_FIELDS = ("path", "status", "reason")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the decision's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        decision = getattr(record, "decision", None)
        if isinstance(decision, dict):
            out.update(decision)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(json_log: bool, quiet: bool) -> None:
    """Decisions are the watcher's output: shown at INFO unless --quiet; JSON with --json-log."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter() if json_log else
                         logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    logging.captureWarnings(True)  # library warnings (watchdog) become log lines, JSON ones too
    if not quiet:
        for name in ("archiver.watcher", "archiver.reconcile", "archiver.ingest"):
            logging.getLogger(name).setLevel(min(logging.INFO, root.level or logging.INFO))


@main.command()
@click.option("--json-log", is_flag=True, help=N_("Log one JSON object per line (time, level, path, status, reason)."))
@pass_app
def watch(app: AppContext, json_log: bool) -> None:
    """Watch every configured share and archive each file once it is complete.

    Native file events, or polling for shares with `polling = true` (SMB/CIFS/NFS mounts).
    A file is taken once its size and time stop changing for the share's settle_seconds;
    a full reconcile scan at start and every [watch] reconcile_interval_seconds catches
    anything events missed. Renames are recorded as moves, deletions as removals (the
    archive keeps the evidence). One line is logged per decision. SIGTERM or Ctrl-C stop
    it cleanly; `archiver status` shows its queue while it runs.

    \b
    Example:
      archiver --config /srv/arsip/watch_config.toml watch --json-log
    """
    from ..watcher import Watcher
    from ..work import heartbeat

    configure_logging(json_log, app.quiet)
    watcher = Watcher(app.archive)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("archiver.watcher").info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with heartbeat(app.archive, "watch"):  # `archiver status` lists every node by its heartbeat
        watcher.run(stop)
