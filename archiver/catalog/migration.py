"""Schema migrations: the catalog brought to every feature's newest revision (Alembic "heads").

Several processes may migrate one catalog at once: the servers of a deployment starting
together on an empty PostgreSQL database, or the web and watcher threads of `archiver run`.
On PostgreSQL the upgrade runs under a session advisory lock (one fixed key) held for its
whole length, and the version is read again once the lock is held, so exactly one process
upgrades and the others find the work done. On SQLite the write transaction (``BEGIN
IMMEDIATE``) serialises the same way, and the version is read again inside it.

A catalog stamped with a revision this code does not know was migrated by newer code: it is
refused (exit 2) with a message naming the revision, and nothing is changed.

Every command opens the catalog, and nearly always it is exactly at this code's heads: that case
is recognised without Alembic (whose import costs more than most commands), from the revision
ids written in ``archiver/migrations/versions/*.py`` and one ``SELECT`` of ``alembic_version``.
Anything else (a fresh, older or newer catalog) goes through Alembic.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import UsageError
from ..i18n import _

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from . import Catalog

MIGRATIONS = Path(__file__).parent.parent / "migrations"

#: The PostgreSQL advisory lock key every archiver process takes to migrate ("archmigr").
MIGRATE_LOCK_KEY = 0x617263686D696772


@dataclass(frozen=True)
class MigrationReport:
    """What one migration did: the revisions before and after, and those run (oldest first)."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    applied: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"before": list(self.before), "after": list(self.after), "applied": list(self.applied)}


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


#: ``revision = "0001_core"``, ``down_revision: str | None = None``, ``down_revision = ("a", "b")`` at
#: the start of a line of a revision file (the last one wins: the docstring comes first).
_ASSIGNMENT = re.compile(r"""^(revision|down_revision)[ \t]*(?::[^=\n]*)?=[ \t]*"""
                         r"""(None|"[^"\n]*"|'[^'\n]*'|\([^)]*\)|\[[^\]]*\])[ \t]*(?:#.*)?$""", re.MULTILINE)


@functools.cache
def heads() -> tuple[str, ...]:
    """This code's heads (sorted), read from the revision files without Alembic: the revisions
    no other revision revises. tests/test_migrate.py checks them against Alembic's."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = {key: ast.literal_eval(value) for key, value in _ASSIGNMENT.findall(path.read_text("utf-8"))}
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        revised.update(_as_tuple(found.get("down_revision")))
    return tuple(sorted(revisions - revised))


def _at_heads(conn: Connection) -> tuple[str, ...] | None:
    """The catalog's revisions if they are exactly this code's heads (nothing to run), else None."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    current = tuple(sorted(row[0] for row in conn.execute(sa.text("SELECT version_num FROM alembic_version"))))
    return current if current == heads() else None


@functools.cache
def _script() -> ScriptDirectory:
    """The migration scripts this code carries (read once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


def _ancestry(script: ScriptDirectory, revisions: tuple[str, ...]) -> set[str]:
    """Every revision at or below ``revisions`` (what a catalog at those revisions has run)."""
    out: set[str] = set()
    for rev in revisions:
        out.update(s.revision for s in script.iterate_revisions(rev, "base"))
    return out


def _version(conn: Connection) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The catalog's revisions and the revisions still to run (oldest first); refuses a newer catalog."""
    current = _at_heads(conn)
    if current is not None:
        return current, ()
    script = _script()
    current = _current(conn)
    known = {s.revision for s in script.walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise _too_new(unknown)
    done = _ancestry(script, current)
    return current, tuple(rev for rev in _upgrade_order(script) if rev not in done)


def _current(conn: Connection) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def _upgrade_order(script: ScriptDirectory) -> list[str]:
    """Every revision, each after the ones it revises; among those ready, the lowest id first."""
    below = {s.revision: _as_tuple(s.down_revision) for s in script.walk_revisions()}
    order: list[str] = []
    while len(order) < len(below):
        ready = min(rev for rev, downs in below.items() if rev not in order and all(d in order for d in downs))
        order.append(ready)
    return order


def _as_tuple(down: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if down is None:
        return ()
    return (down,) if isinstance(down, str) else tuple(down)


def _too_new(unknown: list[str]) -> UsageError:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = f"archiver {version('archiver')}"
    except PackageNotFoundError:
        ours = _("this archiver")
    return UsageError(_("This catalog was migrated by a newer archiver: revisions {revisions} are unknown to "
                        "{ours}. The catalog was not changed.").format(revisions=", ".join(unknown), ours=ours),
                      hint=_("install on this server the archiver version that migrated the catalog (see "
                             "`archiver --version` on that server), then run this command again"))


@contextmanager
def _migration_lock(catalog: Catalog) -> Iterator[None]:
    """PostgreSQL: the advisory lock, on its own connection, for the whole upgrade (SQLite: nothing)."""
    if catalog.engine.dialect.name != "postgresql":
        yield
        return
    with catalog.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATE_LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATE_LOCK_KEY})


def upgrade(catalog: Catalog) -> MigrationReport:
    """Bring the catalog to every head, under the lock; a catalog already there costs one read."""
    with catalog.read() as conn:  # up to date: no lock, no write transaction (which a full disk refuses)
        before, pending = _version(conn)
    if not pending:
        return MigrationReport(before, before, ())
    with _migration_lock(catalog), catalog.begin() as conn:
        before, pending = _version(conn)  # again, under the lock: another process may have done it
        if pending:
            from alembic import command

            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
        after = _current(conn)
    return MigrationReport(before, after, pending)


def check_current(catalog: Catalog) -> None:
    """For ``[archive] migrate_on_open = false``: refuse a catalog that is behind (or newer)."""
    with catalog.read() as conn:
        _before, pending = _version(conn)
    if pending:
        raise UsageError(_("The catalog has not been migrated to this archiver version (revisions not run yet: "
                           "{revisions}) and [archive] migrate_on_open = false: run `archiver migrate` first.")
                         .format(revisions=", ".join(pending)),
                         hint=_("in a deployment of several servers, run `archiver migrate` once from one server, "
                                "then restart the nodes"))
