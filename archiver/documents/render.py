"""Rendering: one strict, autoescaping Jinja environment and a cached docxtpl renderer.

* ``StrictUndefined``: a template that asks for data the context lacks fails, and the
  error names the document's subject (pegawai/unit) and the full field path
  (``pegawai.pangkat``), never a silent blank.
* Autoescaping: values are XML-escaped, so ``&``, ``<`` and quotes in names and RHK texts
  render intact instead of breaking the document.
* ``None`` renders as an empty string (an unfilled optional field, e.g. a penilai without NIP).
* The template file is read once and each of its XML parts is cleaned up (docxtpl's
  ``patch_xml``) and compiled once per process: a batch of 500 documents parses and compiles
  each template a single time.
* Pictures: the data holds what a picture shows, never the picture (the data is hashed and
  recorded as JSON); ``kurva.gambar`` (the distribution curve of the evaluation) is drawn from
  ``kurva.seri`` when the document is rendered (``chart.png``: same data, same PNG bytes).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, NoReturn

import jinja2
from docx.shared import Cm
from docxtpl import DocxTemplate, InlineImage  # type: ignore[import-untyped]

from ..errors import UsageError
from ..i18n import _
from . import chart

#: Width of the distribution curve in the document (it keeps its aspect ratio).
KURVA_WIDTH_CM = 17.0


class RenderError(UsageError):
    """A template could not be rendered with the data given (names template, subject and field)."""


class _PathDict(dict):  # type: ignore[type-arg]
    """A context mapping that knows where it sits (``hasil_kerja.utama[0]``), for error messages."""

    __slots__ = ("_path",)
    _path: str


def _tag(obj: Any, path: str) -> Any:
    if isinstance(obj, dict):
        d = _PathDict((k, _tag(v, f"{path}.{k}" if path else str(k))) for k, v in obj.items())
        d._path = path
        return d
    if isinstance(obj, list):
        return [_tag(v, f"{path}[{i}]") for i, v in enumerate(obj)]
    return obj


class MissingField(jinja2.StrictUndefined):
    """StrictUndefined whose message is the full path of the missing field."""

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        obj = self._undefined_obj
        name = self._undefined_name
        if obj is jinja2.utils.missing:
            field = name or "?"
        else:
            parent = getattr(obj, "_path", None)
            field = f"{parent}.{name}" if parent else (name or "?")
        raise jinja2.UndefinedError(_("field {field!r} is missing").format(field=field))

    __str__ = __iter__ = __len__ = __eq__ = __ne__ = __bool__ = __hash__ = _fail_with_undefined_error


def _finalize(value: Any) -> Any:
    return "" if value is None else value


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(undefined=MissingField, autoescape=True, finalize=_finalize)
    env.filters["upper"] = lambda v: str(v).upper()
    return env


class _CachingTemplate(DocxTemplate):  # type: ignore[misc]  # docxtpl has no type information
    """docxtpl's template with compiled Jinja templates shared through ``cache`` (keyed by XML) and
    docxtpl's clean-up of each part's XML (``patch_xml``, a pure function of the XML) through ``patched``."""

    def __init__(self, source: Any, cache: dict[str, jinja2.Template], patched: dict[str, str]) -> None:
        super().__init__(source)
        self._compiled = cache
        self._patched = patched

    def patch_xml(self, src_xml: str) -> str:
        out = self._patched.get(src_xml)
        if out is None:
            out = self._patched[src_xml] = str(super().patch_xml(src_xml))
        return out

    def render_xml_part(self, src_xml: str, part: Any, context: dict[str, Any],
                        jinja_env: jinja2.Environment | None = None) -> str:
        src_xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)
        template = self._compiled.get(src_xml)
        if template is None:
            assert jinja_env is not None
            template = self._compiled[src_xml] = jinja_env.from_string(src_xml)
        self.current_rendering_part = part
        dst_xml = template.render(context)
        dst_xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", dst_xml)
        dst_xml = dst_xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return str(self.resolve_listing(dst_xml))


class Renderer:
    """Render templates to DOCX bytes. One per batch (it caches templates)."""

    def __init__(self) -> None:
        self.env = make_env()
        self._bytes: dict[Path, tuple[tuple[int, int], bytes]] = {}
        self._compiled: dict[str, jinja2.Template] = {}
        self._patched: dict[str, str] = {}

    def template_bytes(self, path: Path) -> bytes:
        st = path.stat()
        key = (st.st_mtime_ns, st.st_size)
        cached = self._bytes.get(path)
        if cached is None or cached[0] != key:
            cached = self._bytes[path] = (key, path.read_bytes())
        return cached[1]

    def render(self, template: Path, context: dict[str, Any], *, subject: str = "") -> bytes:
        """DOCX bytes of ``template`` filled with ``context``. RenderError names template, subject, field."""
        doc = _CachingTemplate(io.BytesIO(self.template_bytes(template)), self._compiled, self._patched)
        tagged = _tag(context, "")
        kurva = tagged.get("kurva")
        if isinstance(kurva, dict) and "seri" in kurva:
            kurva["gambar"] = InlineImage(doc, io.BytesIO(chart.png(kurva["seri"])), width=Cm(KURVA_WIDTH_CM))
        try:
            doc.render(tagged, self.env, autoescape=True)
        except jinja2.UndefinedError as exc:
            raise RenderError(_("template {template}: data for {subject} is incomplete: {error}").format(
                template=template.name, subject=subject or _("the document"), error=exc.message),
                hint=_("fill the field in the data, or correct the template "
                       "(`archiver templates check` lists the fields it may use)")) from None
        except jinja2.TemplateError as exc:
            raise RenderError(_("template {template}: {error}").format(template=template.name, error=exc),
                              hint=_("run `archiver templates check` to see every problem of the template")) from None
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()
