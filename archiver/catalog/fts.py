"""Queries of the PostgreSQL full-text index (``archiver.search._postgres``): index documents
per generation in ``search_docs`` (a ``tsvector`` with a GIN index, filter columns with btree
indexes) and the live generation in ``search_live``.

Several nodes write at once: documents are upserted (``ON CONFLICT``) in key order, inside
a transaction holding a shared advisory lock; a rebuild switches the live generation under
the exclusive one, so a write lands either wholly before the switch or wholly after it.
Searches take no lock and never wait.

A search condition arrives as a small tree built by the backend (no SQL there)::

    ("match", tsquery text) ("eq", column, value) ("prefix", column, value)
    ("and", [conds]) ("or", [conds]) ("not", cond) ("true",)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from . import Catalog
from .concurrency import is_postgresql, upsert
from .schema import search_docs, search_live

#: The two-key advisory lock of the search index (writers shared, the generation switch exclusive).
SEARCH_LOCK_CLASS = 0x53524348  # "SRCH"
CHUNK = 500
#: Columns a search may select on (the filter fields of ``archiver.search._query``).
COLUMNS = frozenset({"nip", "tahun", "periode", "rhk", "type", "unit", "sha256", "name", "status"})
OUT = ("key", "sha256", "name", "path", "nip", "tahun", "periode", "rhk", "type", "unit", "status",
       "received", "created")

Cond = tuple[Any, ...]


def is_postgres_catalog(catalog: Catalog) -> bool:
    return catalog.engine.dialect.name == "postgresql"


# --------------------------------------------------------------------------- generations

def live_generation(catalog: Catalog, name: str) -> str | None:
    with catalog.read() as conn:
        return conn.execute(sa.select(search_live.c.generation).where(search_live.c.name == name)).scalar()


def create_live(catalog: Catalog, name: str, generation: str, at: str) -> str:
    """Make ``generation`` live unless one is already (another node was first); the live one."""
    with catalog.begin() as conn:
        conn.execute(postgresql.insert(search_live)
                     .values(name=name, generation=generation, switched_at=at).on_conflict_do_nothing())
        return str(conn.execute(sa.select(search_live.c.generation).where(search_live.c.name == name)).scalar_one())


def _lock(conn: Connection, *, exclusive: bool) -> None:
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    conn.execute(sa.text(f"SELECT {fn}(:cls, 0)"), {"cls": SEARCH_LOCK_CLASS})


def switch_live(catalog: Catalog, name: str, generation: str, at: str) -> str | None:
    """Make ``generation`` live once the writers running now have committed; the previous one."""
    with catalog.begin() as conn:
        _lock(conn, exclusive=True)
        old = conn.execute(sa.select(search_live.c.generation).where(search_live.c.name == name)
                           .with_for_update()).scalar()
        stmt = postgresql.insert(search_live).values(name=name, generation=generation, switched_at=at)
        conn.execute(stmt.on_conflict_do_update(index_elements=["name"],
                                                set_={"generation": generation, "switched_at": at}))
    return old


def drop_generation(catalog: Catalog, generation: str) -> None:
    with catalog.begin() as conn:
        conn.execute(search_docs.delete().where(search_docs.c.generation == generation))


def doc_count(catalog: Catalog, generation: str) -> int:
    with catalog.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(search_docs)
                                .where(search_docs.c.generation == generation)).scalar_one())


# --------------------------------------------------------------------------- writing

def _upsert(conn: Connection, generation: str, rows: Sequence[dict[str, Any]]) -> None:
    """Rows (``terms``: a tsvector literal) upserted in key order (one lock order for every node)."""
    ordered = sorted(rows, key=lambda r: int(r["key"]))
    for i in range(0, len(ordered), CHUNK):
        upsert(conn, search_docs, [{**r, "generation": generation} for r in ordered[i:i + CHUNK]],
               keys=("generation", "key"))

def write_live(catalog: Catalog, name: str, rows: Sequence[dict[str, Any]], deletes: Iterable[int]) -> str | None:
    """Upsert and delete documents of the live generation in one transaction; which generation
    that was (None: there is no index)."""
    with catalog.begin() as conn:
        _lock(conn, exclusive=False)
        generation = conn.execute(sa.select(search_live.c.generation).where(search_live.c.name == name)).scalar()
        if generation is None:
            return None
        if rows:
            _upsert(conn, generation, rows)
        gone = sorted(set(deletes))
        if gone:
            conn.execute(search_docs.delete().where(search_docs.c.generation == generation,
                                                    search_docs.c.key.in_(gone)))
        return str(generation)


def write_generation(catalog: Catalog, generation: str, rows: Sequence[dict[str, Any]]) -> None:
    """Add documents to a generation being built (not live yet: no lock)."""
    with catalog.begin() as conn:
        _upsert(conn, generation, rows)


# --------------------------------------------------------------------------- searching

def _where(cond: Cond) -> Any:
    kind = cond[0]
    if kind == "match":
        return search_docs.c.terms.op("@@")(sa.cast(sa.literal(cond[1]), postgresql.TSQUERY))
    if kind in ("eq", "prefix"):
        col = cond[1]
        if col not in COLUMNS:
            raise ValueError(f"not a search column: {col!r}")
        c = search_docs.c[col]
        if kind == "eq":
            return c == str(cond[2])
        escaped = str(cond[2]).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return c.like(escaped + "%", escape="\\")
    if kind == "and":
        return sa.and_(sa.true(), *(_where(c) for c in cond[1]))
    if kind == "or":
        return sa.or_(sa.false(), *(_where(c) for c in cond[1]))
    if kind == "not":
        return sa.not_(sa.func.coalesce(_where(cond[1]), sa.false()))  # a NULL column is "not equal"
    if kind == "true":
        return sa.true()
    raise ValueError(f"unknown search condition {kind!r}")


#: A query's matches that are ranked: the newest ones. Ranking reads each match's tsvector, so
#: a query matching half of 100,000 documents would read 50,000 of them; beyond this many
#: matches the best of the newest RANK_CANDIDATES are returned and the total is not counted.
RANK_CANDIDATES = 1000


def search(catalog: Catalog, generation: str, cond: Cond, *, rank: str | None,
           filters: Mapping[str, tuple[str, ...]], received: tuple[dt.datetime | None, dt.datetime | None],
           limit: int) -> tuple[list[tuple[float, dict[str, Any]]], int | None]:
    """(score, fields) of the best ``limit`` documents of ``generation`` meeting ``cond`` and the
    filters (each column any of its values), ranked by ``rank`` (a tsquery: ``ts_rank_cd``;
    None: newest first), and how many there are in all (None: more than RANK_CANDIDATES)."""
    d = search_docs.c
    q = sa.select(d.key).where(d.generation == generation, _where(cond))
    for col, values in filters.items():
        if col == "key":  # submission ids, given as index keys (text)
            q = q.where(d.key.in_([int(v) for v in values]))
            continue
        if col not in COLUMNS:
            raise ValueError(f"not a search column: {col!r}")
        q = q.where(d[col] == values[0] if len(values) == 1 else d[col].in_(values))
    start, end = received
    if start is not None:
        q = q.where(d.received >= start)
    if end is not None:
        q = q.where(d.received <= end)
    cap = max(RANK_CANDIDATES, limit)
    # the matches' keys first (newest first, at most cap + 1), without reading their tsvectors
    found = q.order_by(d.received.desc(), d.key.desc()).limit(cap + 1).cte("found").prefix_with("MATERIALIZED")
    score: Any = (sa.func.ts_rank_cd(d.terms, sa.cast(sa.literal(rank), postgresql.TSQUERY), 1)
                  if rank else sa.literal(0.0))
    out = (sa.select(*(d[c] for c in OUT), score.label("score"), sa.func.count().over().label("total"))
           .select_from(found.join(search_docs, sa.and_(d.generation == generation, d.key == found.c.key))))
    out = out.order_by(sa.desc("score"), d.key) if rank else out.order_by(d.received.desc(), d.key.desc())
    with catalog.read() as conn:
        if not is_postgresql(conn):
            raise ValueError("the PostgreSQL search index needs a PostgreSQL catalog")
        rows = conn.execute(out.limit(limit)).all()
    n = int(rows[0].total) if rows else 0
    return [(float(r.score), {c: getattr(r, c) for c in OUT}) for r in rows], (n if n <= cap else None)
