"""The Archive: one object that holds what every face needs (config, catalog, store, clock).

    archive = Archive.open(load_config(path))
    for result in ingest.scan(archive): ...

Other modules take an Archive and do one job; faces (CLI, watcher, web) never reach
around it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog
from .config import Config
from .store import BlobStore, open_store

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(t: dt.datetime) -> str:
    """UTC timestamp as stored in the catalog: 2026-11-23T03:10:00.123456Z."""
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@dataclass
class Archive:
    config: Config
    catalog: Catalog
    store: BlobStore
    clock: Clock = utc_now
    actor: str = field(default_factory=default_actor)

    @classmethod
    def open(cls, config: Config, *, clock: Clock = utc_now, actor: str | None = None,
             migrate: bool = True) -> Archive:
        """Open ``config``'s archive. The catalog is migrated on open (``[archive] migrate_on_open``)
        or only checked to be current; ``migrate=False`` skips both (`archiver migrate` itself, and
        processes started by one that has already opened the catalog)."""
        config.archive.path.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(config.archive.resolved_catalog_url)
        try:  # a catalog newer than this code, or behind it with migrate_on_open = false: exit 2
            if migrate and config.archive.migrate_on_open:
                catalog.migrate()
            elif migrate:
                catalog.check_current()
            store = open_store(config.archive.blob_store, config.archive.path, config.s3)
        except BaseException:
            catalog.close()
            raise
        return cls(config, catalog, store, clock, actor or default_actor())

    def now(self) -> str:
        return iso(self.clock())

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

