"""Prometheus metrics of the archive, in the text format ``/metrics`` serves.

Two kinds:

- **From the catalog, read at scrape time** (``CatalogMetrics``): submissions by status, the
  index queue, index lag (pending submissions and the age of the oldest), ingest latency
  (a file's last change in the share -> archived: ``received_at`` minus its mtime),
  extraction latency (blob stored -> its text extracted), verify runs and failures (the
  ``verified`` custody events). Every web worker process reads the same catalog, so any
  worker answers the same numbers, and the watcher's work is counted without the watcher
  serving anything. Histograms are kept incrementally: each scrape reads only the rows
  added since the previous one (by submission id, custody seq, or extraction time older
  than ``SETTLE_S``).
- **Process-local, from the web app** (``SEARCH_SECONDS``, ``LOGIN_FAILURES``). With
  ``archiver serve --workers N`` they use prometheus-client's multiprocess mode: each worker
  writes its values to files in ``$PROMETHEUS_MULTIPROC_DIR`` (set by ``serve`` to a fresh
  folder) and a scrape of any worker adds them up.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
import threading
from bisect import bisect_left
from collections import Counter as Tally
from collections.abc import Iterator, Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from .archive import Archive, iso
from .catalog import core as subs
from .catalog import ops

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Extracted texts younger than this are counted by a later scrape (a slow writer may commit late).
SETTLE_S = 60.0

INGEST_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 6 * 3600, 86400, 7 * 86400)
EXTRACT_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)
SEARCH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

SEARCH_SECONDS = Histogram("archiver_search_seconds", "Time to answer a search request (web page or API).",
                           ["endpoint"], buckets=SEARCH_BUCKETS, registry=None)
LOGIN_FAILURES = Counter("archiver_login_failures", "Failed web logins (wrong name or password, or locked out).",
                         ["reason"], registry=None)


class _Histogram:
    """Cumulative bucket counts kept by hand (the values come from the catalog, not from calls)."""

    def __init__(self, buckets: Sequence[float]) -> None:
        self.bounds = list(buckets)
        self.counts = [0] * (len(self.bounds) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        value = max(value, 0.0)
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    def family(self, name: str, doc: str) -> HistogramMetricFamily:
        buckets: list[tuple[str, float]] = []
        total = 0
        for bound, n in zip([*map(str, self.bounds), "+Inf"], self.counts, strict=True):
            total += n
            buckets.append((bound, total))
        return HistogramMetricFamily(name, doc, buckets=buckets, sum_value=self.sum)


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class CatalogMetrics:
    """The catalog's numbers as a prometheus-client collector (one per web worker process)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._lock = threading.Lock()
        self._last_id = 0
        self._ingest = _Histogram(INGEST_BUCKETS)
        self._extract_mark = ""
        self._extract = _Histogram(EXTRACT_BUCKETS)
        self._verify_seq = 0
        self._verify_runs = 0
        self._verify_failures = 0
        self._verify_last: tuple[float, bool] | None = None
        self._blob_failures: Tally[str] = Tally()

    def _catch_up(self) -> None:
        cat = self.archive.catalog
        while True:
            rows = ops.received_since(cat, self._last_id)
            for sid, received_at, mtime_ns, status in rows:
                self._last_id = sid
                received = _seconds(received_at)
                if received is not None and status != "ignored":
                    self._ingest.observe(received - mtime_ns / 1e9)
            if len(rows) < 50_000:
                break
        until = iso(self.archive.clock() - dt.timedelta(seconds=SETTLE_S))
        if until > self._extract_mark:
            for stored_at, extracted_at in ops.extracted_between(cat, self._extract_mark, until):
                a, b = _seconds(stored_at), _seconds(extracted_at)
                if a is not None and b is not None:
                    self._extract.observe(b - a)
            self._extract_mark = until
        for seq, at, text in ops.verify_events_since(cat, self._verify_seq):
            self._verify_seq = seq
            try:
                detail = json.loads(text)
                ok = bool(detail.get("ok"))
            except (ValueError, AttributeError):
                detail, ok = {}, False
            if detail.get("scope", "archive") != "archive":  # one blob re-checked (verify, scheduled fixity)
                if not ok:
                    self._blob_failures[str(detail.get("via", ""))] += 1
                continue
            self._verify_runs += 1
            self._verify_failures += 0 if ok else 1
            self._verify_last = (_seconds(at) or 0.0, ok)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            self._catch_up()
            yield self._ingest.family("archiver_ingest_latency_seconds",
                                      "Time from a file's last change in the share to its submission being recorded.")
            yield self._extract.family("archiver_extraction_latency_seconds",
                                       "Time from a blob being stored to its text being extracted (OCR included).")
            runs = CounterMetricFamily("archiver_verify_runs", "Runs of `archiver verify` recorded in the custody log.")
            runs.add_metric([], self._verify_runs)
            yield runs
            fails = CounterMetricFamily("archiver_verify_failures", "Runs of `archiver verify` that found problems.")
            fails.add_metric([], self._verify_failures)
            yield fails
            blobs = CounterMetricFamily("archiver_blob_check_failures",
                                        "Blobs found changed or missing when re-hashed, by what checked them.",
                                        labels=["via"])
            for via, n in sorted(self._blob_failures.items()):
                blobs.add_metric([via or "verify"], n)
            yield blobs
            if self._verify_last is not None:
                last = GaugeMetricFamily("archiver_verify_last_ok", "1 when the latest verify found no problem.")
                last.add_metric([], 1.0 if self._verify_last[1] else 0.0)
                yield last
                when = GaugeMetricFamily("archiver_verify_last_timestamp_seconds", "When the latest verify ran.")
                when.add_metric([], self._verify_last[0])
                yield when
        yield from self._gauges()

    def _gauges(self) -> Iterator[Metric]:
        cat = self.archive.catalog
        by_status = GaugeMetricFamily("archiver_submissions", "Submissions (files received) by status.",
                                      labels=["status"])
        counts = subs.counts_by_status(cat)
        for status in sorted({*counts, "archived", "duplicate", "unlinked", "quarantined", "ignored", "disposed"}):
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status
        queue = GaugeMetricFamily("archiver_index_queue_length", "Submissions whose index write failed, to retry.")
        queue.add_metric([], ops.index_queue_length(cat))
        yield queue
        generation = self._generation()
        pending, oldest = ops.index_pending(cat, generation)
        lag = GaugeMetricFamily("archiver_index_pending", "Stored submissions the search index does not hold yet.")
        lag.add_metric([], pending)
        yield lag
        age = GaugeMetricFamily("archiver_index_lag_seconds", "Age of the oldest submission not yet in the index.")
        since = _seconds(oldest)
        age.add_metric([], max(0.0, self.archive.clock().timestamp() - since) if since is not None else 0.0)
        yield age

    def _generation(self) -> str | None:
        from .search import backend_of

        try:
            return backend_of(self.archive).generation()
        except Exception as exc:  # noqa: BLE001 - a broken index pointer: every submission counts as pending
            log.warning("metrics: the index pointer cannot be read: %s", exc)
            return None


def exposition(collector: CatalogMetrics) -> bytes:
    """The metrics in Prometheus' text format: the catalog's, and this process's (or all workers')."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(SEARCH_SECONDS)
        registry.register(LOGIN_FAILURES)
    registry.register(collector)
    return generate_latest(registry)


def prepare_workers(workers: int) -> Path | None:
    """Before starting several web worker processes: a fresh folder for their shared metrics,
    named in the environment they inherit. Returns it when this call created it (remove it after)."""
    if workers <= 1 and not os.environ.get(MULTIPROC_ENV):
        return None
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):  # values of a previous run must not be added to this one
            stale.unlink(missing_ok=True)
        return None
    folder = Path(tempfile.mkdtemp(prefix="archiver-metrics-"))
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def remove_folder(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(MULTIPROC_ENV, None)


def observe_search(endpoint: str, seconds: float) -> None:
    SEARCH_SECONDS.labels(endpoint=endpoint).observe(seconds)


def count_login_failure(reason: str) -> None:
    LOGIN_FAILURES.labels(reason=reason).inc()


__all__ = ["CONTENT_TYPE", "CatalogMetrics", "count_login_failure", "exposition", "observe_search",
           "prepare_workers", "remove_folder"]
