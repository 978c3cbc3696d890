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
from typing import TYPE_CHECKING, Any

from .catalog import Catalog
from .config import Config
from .store import LocalBlobStore

if TYPE_CHECKING:
    from .ingest import IngestResult

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(t: dt.datetime) -> str:
    """UTC timestamp as stored in the catalog: 2026-11-23T03:10:00.123456Z."""
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


#: Called after a submission with stored bytes is committed (extraction, indexing, relevance).
ArchivedHook = Callable[["Archive", "IngestResult"], None]


@dataclass
class Archive:
    config: Config
    catalog: Catalog
    store: LocalBlobStore
    clock: Clock = utc_now
    actor: str = field(default_factory=default_actor)
    on_archived: list[ArchivedHook] = field(default_factory=list)

    @classmethod
    def open(cls, config: Config, *, clock: Clock = utc_now, actor: str | None = None,
             migrate: bool = True) -> "Archive":
        config.archive.path.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(config.archive.resolved_catalog_url)
        if migrate:
            catalog.migrate()
        store = LocalBlobStore(config.archive.path)
        archive = cls(config, catalog, store, clock, actor or default_actor())
        archive.on_archived.extend(_load_hooks())
        return archive

    def now(self) -> str:
        return iso(self.clock())

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


#: Steps run after each archived submission, in order, as "module:function".
#: A feature that must see every archived file adds itself here (one line).
FEATURE_HOOKS: list[str] = [
    "archiver.indexing:index_after_archive",
    "archiver.skp.resolution:resolve_after_archive",
]


def _load_hooks() -> list[ArchivedHook]:
    import importlib

    hooks = []
    for spec in FEATURE_HOOKS:
        module, _, name = spec.partition(":")
        hooks.append(getattr(importlib.import_module(module), name))
    return hooks
