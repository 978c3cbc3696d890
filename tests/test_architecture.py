"""House rules of the code base (issue 13), checked by reading the source with ``ast``.

- All SQL lives in ``archiver/catalog/`` (and the Alembic migrations): no other module imports
  a SQL library; the faces (``archiver/cli/``, ``archiver/web/``) never, without exception.
- The library (``archiver/`` minus the faces) never imports a face.
- No import cycles between archiver modules (module-level and function-level imports count;
  imports under ``if TYPE_CHECKING:`` do not, they never run).
- No module is longer than ``MAX_LINES`` lines.
- Only the Whoosh backend of the search package imports ``whoosh``.

Nothing here imports archiver: a broken module still gets its rules checked.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "archiver"

#: Third-party packages that speak SQL; only the modules below may import them.
SQL_LIBRARIES = ("sqlalchemy", "alembic", "sqlite3")
SQL_ALLOWED = ("archiver.catalog", "archiver.migrations")

#: The faces: user interfaces over the library. The library never imports them.
FACES = ("archiver.cli", "archiver.web")
#: ``python -m archiver`` starts the command line: an entry point, counted as a face.
ENTRY_POINTS = ("archiver.__main__",)

#: The modules allowed to import whoosh (a name covers the module and, for a package, everything in it).
WHOOSH_ALLOWED = ("archiver.search._whoosh",)

MAX_LINES = 600


# --------------------------------------------------------------------------- reading the source

@dataclass(frozen=True)
class Import:
    module: str          # the importing module, dotted
    path: Path
    line: int
    target: str          # what is imported, absolute and dotted ("sqlalchemy.orm", "archiver.catalog")
    names: tuple[str, ...]  # for "from X import a, b": a, b
    type_checking: bool  # under "if TYPE_CHECKING:"
    function: str | None  # the enclosing function, None at module level (class bodies run at import)
    source: str          # the statement, for messages

    def where(self) -> str:
        scope = f", in {self.function}()" if self.function else ""
        guard = ", under TYPE_CHECKING" if self.type_checking else ""
        return f"{self.path.relative_to(PACKAGE.parent)}:{self.line}{scope}{guard}: {self.source}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every archiver module by dotted name."""
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, level: int, target: str | None) -> str:
    """The absolute name of a relative import's module."""
    if level == 0:
        return target or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, path: Path) -> None:
        self.module, self.path = module, path
        self.imports: list[Import] = []
        self._type_checking = False
        self._function: list[str] = []

    def _add(self, node: ast.stmt | ast.expr, target: str, names: tuple[str, ...]) -> None:
        source = ast.unparse(node)  # one line, without comments
        self.imports.append(Import(self.module, self.path, node.lineno, target, names, self._type_checking,
                                   ".".join(self._function) or None, source))

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            outer, self._type_checking = self._type_checking, True
            for stmt in node.body:
                self.visit(stmt)
            self._type_checking = outer
            for stmt in node.orelse:
                self.visit(stmt)
        else:
            self.generic_visit(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for d in node.decorator_list:  # decorators run at definition time, in the enclosing scope
            self.visit(d)
        self._function.append(node.name)
        for stmt in node.body:
            self.visit(stmt)
        self._function.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name, ())

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._add(node, _resolve(self.module, node.level, node.module), tuple(a.name for a in node.names))

    def visit_Call(self, node: ast.Call) -> None:
        # importlib.import_module("archiver.x") with a literal name counts as an import too
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and not node.args[0].value.startswith("."):
            self._add(node, node.args[0].value, ())
        self.generic_visit(node)


@cache
def imports_of(module: str) -> tuple[Import, ...]:
    path = modules()[module]
    text = path.read_text(encoding="utf-8")
    collector = _Collector(module, path)
    collector.visit(ast.parse(text, filename=str(path)))
    return tuple(collector.imports)


def all_imports() -> Iterator[Import]:
    for module in modules():
        yield from imports_of(module)


def _imports_package(imp: Import, packages: tuple[str, ...]) -> bool:
    """Whether the statement imports one of these top-level packages (or anything inside them)."""
    return _within(imp.target, packages)


def archiver_targets(imp: Import) -> list[str]:
    """The archiver modules this statement makes Python load, most specific first.

    ``from archiver.catalog import bags`` loads the module ``archiver.catalog.bags``;
    ``from archiver.catalog import Catalog`` needs ``archiver.catalog`` (its ``__init__``).
    """
    known = modules()
    if imp.names:  # from X import a, b
        out = [f"{imp.target}.{n}" for n in imp.names if f"{imp.target}.{n}" in known]
        if len(out) < len(imp.names) and imp.target in known:
            out.append(imp.target)  # a name defined in X itself
        return out
    parts = imp.target.split(".")
    for i in range(len(parts), 0, -1):  # import X.Y.Z: the deepest module that exists
        name = ".".join(parts[:i])
        if name in known:
            return [name]
    return []


def _fail_if(found: list[str], title: str) -> None:
    """Fail with one line per finding (no assertion rewriting noise)."""
    if found:
        pytest.fail(f"{title}:\n  " + "\n  ".join(found), pytrace=False)


# --------------------------------------------------------------------------- rule: SQL only in the catalog

def _sql_imports() -> dict[str, list[Import]]:
    out: dict[str, list[Import]] = {}
    for imp in all_imports():
        if not _within(imp.module, SQL_ALLOWED) and _imports_package(imp, SQL_LIBRARIES):
            out.setdefault(imp.module, []).append(imp)
    return out


def test_faces_never_import_sql() -> None:
    found = [imp.where() for mod, imps in _sql_imports().items() if _within(mod, FACES + ENTRY_POINTS)
             for imp in imps]
    _fail_if(found, (
        f"the faces ({', '.join(FACES)}) build no SQL: they call archiver.catalog or the library. "
        f"These import {'/'.join(SQL_LIBRARIES)}"))


def test_library_does_not_import_sql() -> None:
    sql = _sql_imports()
    found = [imp.where() for mod, imps in sql.items()
             if not _within(mod, FACES + ENTRY_POINTS) for imp in imps]
    _fail_if(found, (
        f"all SQL lives in archiver/catalog/ (and archiver/migrations/); move these queries there. "
        f"These modules import {'/'.join(SQL_LIBRARIES)}"))


# --------------------------------------------------------------------------- rule: the library never imports a face

def test_library_never_imports_a_face() -> None:
    found = [f"{imp.where()}  (loads {', '.join(t for t in archiver_targets(imp) if _within(t, FACES))})"
             for imp in all_imports()
             if not _within(imp.module, FACES + ENTRY_POINTS)
             and any(_within(t, FACES) for t in archiver_targets(imp))]
    _fail_if(found, (
        f"the library never imports a face ({', '.join(FACES)}); pass what it needs in, or move the code "
        f"into the library"))


# --------------------------------------------------------------------------- rule: no import cycles

def import_graph() -> dict[str, dict[str, Import]]:
    """module -> {imported archiver module: the first statement that imports it}, TYPE_CHECKING aside."""
    graph: dict[str, dict[str, Import]] = {m: {} for m in modules()}
    for imp in all_imports():
        if imp.type_checking:
            continue
        for target in archiver_targets(imp):
            if target != imp.module:
                graph[imp.module].setdefault(target, imp)
    return graph


def _strongly_connected(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        component.append(m)
                        if m == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def _shortest_cycle(graph: dict[str, dict[str, Import]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as a list of modules (first repeated at the end)."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child not in members:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # cannot happen in a strongly connected component


def test_no_import_cycles() -> None:
    graph = import_graph()
    reports = []
    for component in _strongly_connected(graph):
        cycle = _shortest_cycle(graph, component)
        steps = [f"{a} -> {b}    {graph[a][b].where()}" for a, b in zip(cycle, cycle[1:], strict=False)]
        others = f" (modules tangled together: {', '.join(component)})" if len(component) > len(cycle) - 1 else ""
        reports.append(f"cycle {' -> '.join(cycle)}{others}\n    " + "\n    ".join(steps))
    _fail_if(reports, (
        "archiver modules import each other in a circle (module- and function-level imports count, "
        "TYPE_CHECKING ones do not); break each by moving the shared part into a module both import"))


# --------------------------------------------------------------------------- rule: short modules

def test_no_module_over_max_lines() -> None:
    long = sorted(((len(p.read_text(encoding="utf-8").splitlines()), m, p) for m, p in modules().items()),
                  reverse=True)
    found = [f"{p.relative_to(PACKAGE.parent)}: {n} lines" for n, m, p in long if n > MAX_LINES]
    _fail_if(found, f"modules over {MAX_LINES} lines; split them by what their parts serve")


# --------------------------------------------------------------------------- rule: whoosh behind one backend

def test_only_the_whoosh_backend_imports_whoosh() -> None:
    found = [imp.where() for imp in all_imports()
             if _imports_package(imp, ("whoosh",)) and not _within(imp.module, WHOOSH_ALLOWED)]
    _fail_if(found, (
        f"only {', '.join(WHOOSH_ALLOWED)} may import whoosh (the search engine stays swappable); "
        f"these import it"))


# --------------------------------------------------------------------------- the checker itself

def test_the_checker_sees_the_tree() -> None:
    """Guards against a rule passing because it read nothing."""
    mods = modules()
    assert "archiver.catalog" in mods and "archiver.cli" in mods, sorted(mods)
    assert any(_imports_package(i, ("sqlalchemy",)) for i in imports_of("archiver.catalog"))
    # relative imports resolve from a module and from a package's __init__
    assert _resolve("archiver.cli.group", 2, "errors") == "archiver.errors"
    assert _resolve("archiver.cli", 2, "errors") == "archiver.errors"
    assert _resolve("archiver.cli.group", 1, None) == "archiver.cli"
    group = {t for i in imports_of("archiver.cli.group") for t in archiver_targets(i)}
    assert {"archiver.errors", "archiver.cli.common"} <= group, group


def test_the_cycle_finder() -> None:
    def imp(a: str, b: str) -> Import:
        return Import(a, PACKAGE / "x.py", 1, b, (), False, None, f"import {b}")

    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "d"), ("f", "a")]
    graph: dict[str, dict[str, Import]] = {m: {} for m in "abcdef"}
    for a, b in edges:
        graph[a][b] = imp(a, b)
    assert sorted(_strongly_connected(graph)) == [["a", "b", "c"], ["d", "e"]]
    assert _shortest_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]
    assert _shortest_cycle(graph, ["d", "e"]) == ["d", "e", "d"]
    graph["a"] = {}
    assert _strongly_connected(graph) == [["d", "e"]]
