"""The tables declared in archiver/catalog/schema.py match what the migrations create.

A fresh catalog (SQLite; PostgreSQL on the cluster test stack) is migrated to every head and
read back with SQLAlchemy's inspector;
each table, column (type family, length, nullability) and primary key must agree with
``archiver.catalog.schema.metadata``. Adding a table or column to one side only fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import CLUSTER
from sqlalchemy.engine.reflection import Inspector

from archiver.catalog import Catalog
from archiver.catalog.schema import metadata

#: Tables the migration machinery owns, not the catalog.
BOOKKEEPING = {"alembic_version"}


@pytest.fixture(scope="module")
def inspector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inspector]:
    if CLUSTER:
        from pgcluster import session_cluster

        catalog = Catalog(session_cluster().new_database("schema_check"))
    else:
        path: Path = tmp_path_factory.mktemp("schema") / "catalog.sqlite"
        catalog = Catalog(f"sqlite:///{path}")
    catalog.migrate()
    try:
        yield sa.inspect(catalog.engine)
    finally:
        catalog.close()


def _family(t: sa.types.TypeEngine[Any]) -> str:
    """The generic type a column's type belongs to: VARCHAR and TEXT are String, BIGINT is Integer."""
    affinity = t._type_affinity
    return (affinity or type(t)).__name__


def _describe(t: sa.types.TypeEngine[Any]) -> str:
    length = getattr(t, "length", None)
    return f"{_family(t)}({length})" if length else _family(t)


def test_same_tables(inspector: Inspector) -> None:
    migrated = set(inspector.get_table_names()) - BOOKKEEPING
    declared = set(metadata.tables)
    problems = [f"table {t!r} is created by the migrations but not declared in schema.py"
                for t in sorted(migrated - declared)]
    problems += [f"table {t!r} is declared in schema.py but no migration creates it"
                 for t in sorted(declared - migrated)]
    if problems:
        pytest.fail("schema.py and the migrations disagree:\n  " + "\n  ".join(problems), pytrace=False)


def test_same_columns(inspector: Inspector) -> None:
    problems: list[str] = []
    migrated_tables = set(inspector.get_table_names())
    for name, table in sorted(metadata.tables.items()):
        if name not in migrated_tables:
            continue  # reported by test_same_tables
        reflected = {c["name"]: c for c in inspector.get_columns(name)}
        declared = {c.name: c for c in table.columns}
        for col in sorted(set(reflected) - set(declared)):
            problems.append(f"{name}.{col}: created by the migrations but not declared in schema.py")
        for col in sorted(set(declared) - set(reflected)):
            problems.append(f"{name}.{col}: declared in schema.py but no migration creates it")
        for col in sorted(set(declared) & set(reflected)):
            want, got = declared[col], reflected[col]
            want_type = want.type.dialect_impl(inspector.bind.dialect)  # a type's variant for this database
            if (_family(want_type), getattr(want_type, "length", None)) != \
                    (_family(got["type"]), getattr(got["type"], "length", None)):
                problems.append(f"{name}.{col}: schema.py says {_describe(want_type)}, "
                                f"the migrations create {got['type']} ({_describe(got['type'])})")
            if bool(want.nullable) != bool(got["nullable"]):
                problems.append(f"{name}.{col}: schema.py says nullable={want.nullable}, "
                                f"the migrations create nullable={got['nullable']}")
    if problems:
        pytest.fail("schema.py and the migrations disagree:\n  " + "\n  ".join(problems), pytrace=False)


def test_same_primary_keys(inspector: Inspector) -> None:
    problems: list[str] = []
    migrated_tables = set(inspector.get_table_names())
    for name, table in sorted(metadata.tables.items()):
        if name not in migrated_tables:
            continue
        want = [c.name for c in table.primary_key.columns]
        got = list(inspector.get_pk_constraint(name)["constrained_columns"])
        if want != got:
            problems.append(f"{name}: schema.py's primary key is {want}, the migrations create {got}")
    if problems:
        pytest.fail("schema.py and the migrations disagree:\n  " + "\n  ".join(problems), pytrace=False)


def test_same_foreign_keys(inspector: Inspector) -> None:
    problems: list[str] = []
    migrated_tables = set(inspector.get_table_names())
    for name, table in sorted(metadata.tables.items()):
        if name not in migrated_tables:
            continue
        want = sorted((fk.parent.name, fk.column.table.name, fk.column.name) for fk in table.foreign_keys)
        got = sorted((col, fk["referred_table"], ref) for fk in inspector.get_foreign_keys(name)
                     for col, ref in zip(fk["constrained_columns"], fk["referred_columns"], strict=True))
        if want != got:
            problems.append(f"{name}: schema.py's foreign keys are {want}, the migrations create {got}")
    if problems:
        pytest.fail("schema.py and the migrations disagree:\n  " + "\n  ".join(problems), pytrace=False)
