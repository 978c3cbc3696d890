"""`archiver work`: worker processes that take text extraction and indexing jobs from the queue."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from ..catalog import jobs
from ..errors import UsageError
from ..i18n import N_, _
from .common import AppContext, emit_json, pass_app
from .group import main
from .watch import configure_logging


@main.command("work")
@click.option("--once", is_flag=True, help=N_("Stop when the queue is empty (every job done or failed)."))
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help=N_("Worker processes on this node (default: [work] workers; 0 = one per CPU core)."))
@click.option("--json", "as_json", is_flag=True, help=N_("At the end, one JSON object: the queue's depth per state."))
@click.option("--json-log", is_flag=True, help=N_("Log one JSON object per line, as `watch --json-log`."))
@pass_app
def work_cmd(app: AppContext, once: bool, workers: int | None, as_json: bool, json_log: bool) -> None:
    """Take text extraction and indexing jobs from the catalog's queue ([work] mode = "queue").

    Start it on every node that should share the work: each job is taken by one worker,
    and a node killed mid-job leaves its job to another once its lease expires
    ([work] lease_seconds). A job that fails [work] max_attempts times is marked failed
    and shown by `archiver status`. SIGTERM or Ctrl-C stop it after the current job.

    \b
    Example:
      archiver --config /srv/arsip/watch_config.toml work --workers 4
      archiver work --once
    """
    from ..work import start_workers, stop_workers, work, worker_count

    config = app.config
    app.archive  # noqa: B018 - the catalog migrated (or refused, exit 2) once, before the workers start
    if config.work.mode != "queue":
        logging.getLogger(__name__).warning("[work] mode = %r: ingest does not queue jobs; only jobs already "
                                            "queued are taken", config.work.mode)
    configure_logging(json_log, app.quiet)
    n = worker_count(config, workers)
    if n > 1 and config.source is None:
        raise UsageError(_("--workers above 1 needs a configuration file"))
    stop = threading.Event()
    procs = start_workers(config, n, once=once) if n > 1 else []

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("archiver.work").info("sinyal %s: berhenti setelah pekerjaan yang sedang berjalan",
                                                signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        if procs:
            while any(p.is_alive() for p in procs) and not stop.wait(0.5):
                pass
        else:
            work(config, once=once, stop=stop)
    finally:
        stop_workers(procs)
    counts = jobs.counts(app.archive.catalog)
    if as_json:
        emit_json({"workers": n, **counts})
    elif not app.quiet:
        click.echo(_("Work queue: {queued} waiting, {running} running, {done} done, {failed} failed.").format(
            queued=counts["queued"], running=counts["running"], done=counts["done"], failed=counts["failed"]))
