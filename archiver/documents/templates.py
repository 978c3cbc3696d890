"""Where templates live, which document kinds exist, and ``check_template``.

Templates are looked up first in the workspace's ``templates/`` folder (next to
``watch_config.toml``: the administrator's edited copies), then in the ``templates/``
folder shipped with archiver. ``check_template`` reports, with the template's name,
Jinja syntax errors, unknown filters and tests, and every variable or field that the
document's data does not have (checked against ``sample.sample_context``).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from jinja2 import nodes

from ..errors import NotFound, UsageError
from ..i18n import N_, _
from .render import make_env
from .sample import sample_context

#: An installed archiver carries the templates in the package (setup.py copies them into the
#: wheel); a checkout uses the repository's top-level ``templates/`` folder.
_PACKAGED_DIR = Path(__file__).resolve().parent / "shipped_templates"
_CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "templates"
SHIPPED_DIR = _PACKAGED_DIR if _PACKAGED_DIR.is_dir() else _CHECKOUT_DIR

#: Document kind -> its template names (without .docx); the first is the default variant.
KINDS: dict[str, tuple[str, ...]] = {
    "skp": ("skp_kuantitatif", "skp_kualitatif", "skp_jpt"),
    "evaluasi": ("evaluasi_kuantitatif", "evaluasi_kualitatif", "evaluasi_jpt"),
    "dokumen-evaluasi": ("dokumen_evaluasi",),
    "bukti": ("bukti",),
    "rekap": ("rekap",),
}


def kind_of(name: str) -> str:
    """The document kind of a template name ('skp_jpt.docx' -> 'skp')."""
    stem = Path(name).stem
    for kind, names in KINDS.items():
        if stem in names:
            return kind
    for kind in sorted(KINDS, key=len, reverse=True):
        if stem.startswith(kind.replace("-", "_")):
            return kind
    raise UsageError(_("template {name}: cannot tell which document it is from its name").format(name=name),
                     hint=_("name it after the template it replaces, e.g. {names} (or pass --kind)").format(
                         names=", ".join(f"{n}.docx" for names in KINDS.values() for n in names)))


def template_dirs(workspace: Path | None) -> list[Path]:
    dirs = [workspace / "templates"] if workspace else []
    return [*dirs, SHIPPED_DIR]


_MISSING_HINT = (
    N_("run `python tools/build_templates.py` to build the shipped templates again")
    if SHIPPED_DIR == _CHECKOUT_DIR else
    N_("install archiver again (its package holds no templates), or put your own templates in the folder "
       "templates/ beside watch_config.toml"))


def find_template(name: str, workspace: Path | None) -> Path:
    for d in template_dirs(workspace):
        p = d / f"{name}.docx"
        if p.is_file():
            return p
    raise NotFound(_("template {name}.docx not found in {folders}").format(
        name=name, folders=_(" or ").join(str(d) for d in template_dirs(workspace))), hint=_(_MISSING_HINT))


def all_templates(workspace: Path | None) -> list[Path]:
    return [find_template(n, workspace) for names in KINDS.values() for n in names]


# ----------------------------------------------------------------------------- checking

@dataclass(frozen=True)
class TemplateProblem:
    template: str
    kind: str  # syntax, filter, test, variable, file
    message: str

    def __str__(self) -> str:
        return f"{self.template}: {self.message}"


def template_xml(path: Path) -> str:
    """The patched (docxtpl) XML of body, headers and footers, one paragraph per line."""
    tpl = DocxTemplate(str(path))
    doc = Document(str(path))
    xml = tpl.patch_xml(tpl.xml_to_string(doc._element.body))
    for rel in doc.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            xml += tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob)))
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _near(xml: str, lineno: int | None) -> str:
    if not lineno:
        return ""
    lines = xml.splitlines()
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1] if 0 < lineno <= len(lines) else "").strip()
    return " " + _("(near: {text!r})").format(text=text[:120]) if text else ""


def check_template(path: Path, kind: str | None = None) -> list[TemplateProblem]:
    """Every problem of one template; empty when it is fine for its document kind."""
    name = path.name
    try:
        kind = kind or kind_of(name)
    except UsageError as exc:
        return [TemplateProblem(name, "file", exc.message)]
    if not zipfile.is_zipfile(path):
        return [TemplateProblem(name, "file", _("not a Word .docx file (save it as Word Document, .docx)"))]
    try:
        xml = template_xml(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable docx is reported, not raised
        return [TemplateProblem(name, "file", _("cannot be read as a Word document: {error}").format(error=exc))]
    env = make_env()
    try:
        ast = env.parse(xml)
    except jinja2.TemplateSyntaxError as exc:
        return [TemplateProblem(name, "syntax", _("Jinja syntax error: {error}").format(error=exc.message)
                                + _near(xml, exc.lineno))]
    checker = _Checker(env, sample_context(kind), name)
    checker.visit(ast, {})
    return checker.problems


_ANY = object()


class _Checker:
    def __init__(self, env: jinja2.Environment, schema: dict[str, Any], name: str) -> None:
        self.env = env
        self.schema = schema
        self.name = name
        self.problems: list[TemplateProblem] = []
        self._seen: set[str] = set()

    def _report(self, kind: str, message: str) -> None:
        if message not in self._seen:
            self._seen.add(message)
            self.problems.append(TemplateProblem(self.name, kind, message))

    def visit(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        if isinstance(node, nodes.For):
            self.visit(node.iter, scope)
            seq = self.resolve(node.iter, scope)
            elem = seq[0] if isinstance(seq, list) and seq else _ANY
            inner = dict(scope, loop=_ANY)
            self._bind(node.target, elem, inner)
            for child in node.body:
                self.visit(child, inner)
            if node.test is not None:
                self.visit(node.test, inner)
            for child in node.else_:
                self.visit(child, scope)
            return
        if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            if isinstance(node, nodes.Assign):
                self.visit(node.node, scope)
            else:
                for child in node.body:
                    self.visit(child, scope)
            self._bind(node.target, _ANY, scope)
            return
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            return  # macros: their own parameters; not used by archiver's templates
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            self.resolve(node, scope)
            if isinstance(node, nodes.Getitem):
                self.visit(node.arg, scope)
            return
        if isinstance(node, nodes.Filter) and node.name not in self.env.filters:
            self._report("filter", _("unknown filter {name!r}; known filters include: {known}").format(
                name=node.name, known="upper, lower, title, default, join, length, replace, trim"))
        if isinstance(node, nodes.Test) and node.name not in self.env.tests:
            self._report("test", _("unknown test {name!r}").format(name=node.name))
        for child in node.iter_child_nodes():
            self.visit(child, scope)

    def _bind(self, target: nodes.Node, value: Any, scope: dict[str, Any]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = value
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self._bind(item, _ANY, scope)

    def resolve(self, node: nodes.Node, scope: dict[str, Any]) -> Any:
        """The sample value an expression names (or _ANY); reports unknown names and fields."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in self.schema:
                return self.schema[node.name]
            if node.name in self.env.globals:
                return _ANY
            self._report("variable", _("unknown variable {name!r}; this document's data has: {known}").format(
                name=node.name, known=", ".join(sorted(self.schema))))
            return _ANY
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            key = node.attr if isinstance(node, nodes.Getattr) else (
                node.arg.value if isinstance(node.arg, nodes.Const) else None)
            base = self.resolve(node.node, scope)
            if key is None or base is _ANY:
                return _ANY
            if isinstance(base, dict):
                if key in base:
                    return base[key]
                self._report("variable", _("unknown field {field!r}; {parent} has: {known}").format(
                    field=_dotted(node), parent=_dotted(node.node), known=", ".join(sorted(base))))
                return _ANY
            if isinstance(base, list) and isinstance(key, int):
                return base[0] if base else _ANY
            return _ANY
        self.visit(node, scope)
        return _ANY


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_dotted(node.node)}[{node.arg.value!r}]"
    return "…"
