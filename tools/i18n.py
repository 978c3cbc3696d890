"""The message catalog's tools: what the code asks for, what the catalog has, and the .mo files.

    python tools/i18n.py check              every problem tests/test_i18n.py fails on
    python tools/i18n.py missing [PATH...]  wrapped messages with no Indonesian translation, as .po entries
    python tools/i18n.py compile            every archiver/locale/id/LC_MESSAGES/*.po to its .mo

A translator edits the ``.po`` parts (any PO editor, e.g. Poedit), then runs ``compile``.
Messages are found the way Babel's extractor finds them (``_``, ``gettext``, ``ngettext``,
``pgettext``, ``N_`` in Python; ``_``/``trans`` in the Jinja2 templates), plus the docstrings
of Click commands (their help text).
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "archiver"
CATALOG_DIR = PACKAGE / "locale" / "id" / "LC_MESSAGES"

METHOD_MAP = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS_MAP = {"**/templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}


#: Babel's keywords plus archiver.i18n.deferred (a message stored now, translated when shown).
KEYWORDS = {**DEFAULT_KEYWORDS, "deferred": None}

#: The part that translates Click's own texts ("Usage:", "Missing option" ...; archiver.i18n
#: points Click's gettext at the catalog). Its msgids are written in Click's code, not in
#: archiver's, so they are checked against Click's sources instead of archiver's: an entry is
#: stale when the installed Click no longer asks for it.
CLICK_PART = "click"
#: Texts Click passes through ``_()`` as a variable, which the extractor cannot see.
CLICK_RUNTIME_MESSAGES = {"required"}


@dataclass(frozen=True)
class Message:
    msgid: str | tuple[str, str]
    context: str | None
    where: str  # path:line

    @property
    def key(self) -> tuple[str, str | None]:
        mid = self.msgid[0] if isinstance(self.msgid, tuple) else self.msgid
        return mid, self.context


def _package_dir(dirpath: str) -> bool:
    """Babel skips folders starting with "_" by default; archiver's private packages
    (search/_whoosh, search/_postgres) hold messages too."""
    name = Path(dirpath).name
    return not name.startswith(".") and name != "__pycache__"


def extracted() -> list[Message]:
    """Every message the code and templates ask the catalog for."""
    out: list[Message] = []
    for filename, lineno, msgid, _comments, context in extract_from_dir(
            str(PACKAGE), METHOD_MAP, OPTIONS_MAP, keywords=KEYWORDS, directory_filter=_package_dir):
        if not msgid or (isinstance(msgid, tuple) and not msgid[0]):
            continue
        out.append(Message(msgid, context, f"archiver/{filename}:{lineno}"))
    out.extend(command_docstrings())
    return out


def click_messages() -> set[str]:
    """The msgids (singular) of the installed Click's own texts."""
    import click
    out = set(CLICK_RUNTIME_MESSAGES)
    for _f, _l, msgid, _c, _ctx in extract_from_dir(str(Path(click.__file__).parent), [("**.py", "python")],
                                                    keywords=DEFAULT_KEYWORDS):
        out.add(msgid[0] if isinstance(msgid, tuple) else msgid)
    return out


def _is_click_command(dec: ast.expr) -> bool:
    f = dec.func if isinstance(dec, ast.Call) else dec
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    return name in ("command", "group")


def command_docstrings() -> Iterator[Message]:
    """Click command help: the docstring as Click shows it (cleaned, cut at a form feed)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(_is_click_command(d) for d in node.decorator_list):
                doc = ast.get_docstring(node, clean=False)
                if doc:
                    text = inspect.cleandoc(doc).partition("\f")[0]
                    yield Message(text, None, f"{path.relative_to(ROOT)}:{node.lineno}")


def catalog_parts() -> dict[str, Catalog]:
    parts: dict[str, Catalog] = {}
    for po in sorted(CATALOG_DIR.glob("*.po")):
        with po.open("rb") as fp:
            cat = parts[po.stem] = read_po(fp, locale="id", domain="archiver")
        if b"POT-Creation-Date" not in po.read_bytes():  # else Babel stamps "now": a different .mo every minute
            cat.creation_date = _FIXED_DATE
    return parts


_FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def compiled(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


_BRACE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)?(?:[!:][^{}]*)?\}(?!\})")
_PERCENT = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)[sdifr]")


def placeholders(text: str) -> set[str]:
    return {m.group(0).split(":")[0].split("!")[0].rstrip("}") + "}" for m in _BRACE.finditer(text)} | \
        {m.group(0) for m in _PERCENT.finditer(text)}


def problems() -> list[str]:
    """Everything wrong with the catalog, one line each (empty: all well)."""
    out: list[str] = []
    parts = catalog_parts()
    translated: dict[tuple[str, str | None], tuple[str, str]] = {}  # key -> (part, msgstr)
    for name, cat in parts.items():
        for m in cat:
            if not m.id:
                continue
            mid = m.id[0] if isinstance(m.id, tuple) else m.id
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            if "fuzzy" in m.flags or not all(strings):
                continue
            key = (mid, m.context)
            if key in translated and translated[key][1] != strings[0]:
                out.append(f"{name}.po and {translated[key][0]}.po translate {mid!r} differently")
            translated[key] = (name, strings[0])
            want = placeholders(mid)
            # a plural's forms may use the singular's placeholders or the plural's (Indonesian has
            # one form, which is the plural's: "{n} files" / "Did you mean one of: {possibilities}?")
            allowed = [want, placeholders(m.id[1])] if isinstance(m.id, tuple) else [want]
            for s in strings:
                if placeholders(s) not in allowed:
                    out.append(f"{name}.po: placeholders of {s!r} are not those of {mid!r} ({sorted(want)})")
        mo = CATALOG_DIR / f"{name}.mo"
        if not mo.exists() or mo.read_bytes() != compiled(cat):
            out.append(f"{mo.relative_to(ROOT)} is not compiled from {name}.po: run `python tools/i18n.py compile`")
    for mo in CATALOG_DIR.glob("*.mo"):
        if mo.stem not in parts:
            out.append(f"{mo.relative_to(ROOT)} has no {mo.stem}.po")
    out += unwrapped() + unwrapped_templates()
    wanted = extracted()
    seen: set[tuple[str, str | None]] = set()
    for msg in wanted:
        seen.add(msg.key)
        if msg.key not in translated:
            out.append(f"{msg.where}: no Indonesian translation for {msg.key[0]!r}")
    clicks = click_messages() if CLICK_PART in parts else set()
    for m in parts.get(CLICK_PART, Catalog()):
        mid = m.id[0] if isinstance(m.id, tuple) else m.id
        if mid and mid not in clicks:
            out.append(f"{CLICK_PART}.po: {mid!r} is no longer used by Click (remove it)")
    for key, (name, _s) in translated.items():
        if key not in seen and name != CLICK_PART:
            out.append(f"{name}.po: {key[0]!r} is no longer used by the code (remove it)")
    return out


#: Calls whose text a person reads: the first positional argument and these keywords must be
#: wrapped (``_()``, ``ngettext()``, ``N_()``) or computed, never a literal sentence.
USER_FACING_CALLS = {
    "echo", "secho", "style", "prompt", "confirm", "fail", "Abort", "BadParameter", "ClickException",
    "ArchiverError", "UsageError", "ConfigError", "NotFound", "PermissionDenied", "StoreError",
    "ValidationFailed", "DiskFull", "disk_full", "HTTPException",
}
USER_FACING_KEYWORDS = {"help", "hint", "message", "desc", "detail", "details", "notice", "reason", "prompt"}
#: Words that read the same in both languages (acronyms, names): a literal of only these is fine.
_SAME_IN_BOTH = re.compile(r"\b(?:[A-Z][A-Z0-9./-]+|[A-Z]{1,2}\d+|archiver|OK|SHA-256|BagIt|PostgreSQL|SQLite|"
                           r"Whoosh|LibreOffice|TW\d|S\d|e-Kinerja|N/A|kB|KB|MB|GB|s|ms)\b")
_WORD = re.compile(r"[^\W\d_]{2,}")
#: A source line ending with this comment is not read by a person (a code, a key, a log line).
NOT_SHOWN = "# i18n: not shown"


def _reads_as_text(node: ast.expr) -> bool:
    """A literal (or f-string, or list of them) with words a person would need translated."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_WORD.search(_SAME_IN_BOTH.sub(" ", node.value)))
    if isinstance(node, ast.JoinedStr):
        literal = " ".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return bool(_WORD.search(_SAME_IN_BOTH.sub(" ", literal)))
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_reads_as_text(e) for e in node.elts)
    if isinstance(node, ast.BinOp):
        return _reads_as_text(node.left) or _reads_as_text(node.right)
    return False


def unwrapped(paths: list[Path] | None = None) -> list[str]:
    """User-facing literals in Python code that do not go through the catalog."""
    out: list[str] = []
    for path in paths or sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            args: list[ast.expr] = list(node.args[:1]) if name in USER_FACING_CALLS else []
            args += [k.value for k in node.keywords if k.arg in USER_FACING_KEYWORDS]
            for a in args:
                if _reads_as_text(a) and not lines[a.lineno - 1].rstrip().endswith(NOT_SHOWN):
                    text = ast.get_source_segment(source, a) or ""
                    out.append(f"{path.relative_to(ROOT)}:{a.lineno}: not translatable: {text[:80]}")
    return out


def unwrapped_templates() -> list[str]:
    """Words in the Jinja2 templates outside ``{{ _(...) }}`` / ``{% trans %}`` (text and
    the title/placeholder/aria-label/alt attributes a person reads, a button's value, a meta
    description). Each template is read whole, with every ``{{ ... }}`` / ``{% ... %}`` /
    ``{# ... #}`` masked, so an expression inside a tag (``<option {% if x %}selected{% endif %}>``)
    does not cut it in two."""
    out: list[str] = []
    attr = re.compile(r'\b(title|placeholder|aria-label|alt|value|content)\s*=\s*"([^"]*)"')
    jinja = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<(script|style)\b.*?</\1>", re.S)

    def blank(m: re.Match[str]) -> str:  # same length, same lines: positions stay those of the source
        return re.sub(r"[^\n]", " ", m.group(0))

    for path in sorted(PACKAGE.rglob("templates/*.html")):
        source = path.read_text(encoding="utf-8")
        marked = jinja.sub(blank, source)
        pieces: list[tuple[int, str]] = []
        for tag in re.finditer(r"<[^>]*>", marked):
            button = re.match(r"<(button|input[^>]*type=\"(submit|button|reset)\")", tag.group(0))
            description = re.match(r'<meta[^>]*name="description"', tag.group(0))
            for a in attr.finditer(tag.group(0)):
                if (a.group(1) == "value" and not button) or (a.group(1) == "content" and not description):
                    continue
                pieces.append((tag.start() + a.start(), a.group(2)))
        text_only = re.sub(r"<[^>]*>", lambda m: "<" + blank(m)[1:-1] + ">", marked)
        pieces += [(m.start(), m.group(0)) for m in re.finditer(r"[^<>]+", text_only)]
        for start, text in sorted(pieces):
            text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
            if _WORD.search(_SAME_IN_BOTH.sub(" ", text)):
                line = source.count("\n", 0, start) + 1
                out.append(f"{path.relative_to(ROOT)}:{line}: not translatable: {' '.join(text.split())[:80]}")
    return out


def missing(paths: list[str]) -> str:
    """The untranslated messages (under ``paths``, if given) as .po entries to fill in."""
    parts = catalog_parts()
    have = {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context)
            for cat in parts.values() for m in cat if m.id and all(m.string if isinstance(m.string, tuple)
                                                                  else (m.string,))}
    cat = Catalog(locale="id")
    for msg in extracted():
        if msg.key in have or (paths and not any(msg.where.startswith(p.rstrip("/")) for p in paths)):
            continue
        path, _c, line = msg.where.rpartition(":")
        cat.add(msg.msgid, context=msg.context, locations=[(path, int(line))])
    from babel.messages.pofile import write_po
    buf = io.BytesIO()
    write_po(buf, cat, omit_header=True, width=100)
    return buf.getvalue().decode("utf-8")


def compile_all() -> list[Path]:
    written = []
    for name, cat in catalog_parts().items():
        mo = CATALOG_DIR / f"{name}.mo"
        data = compiled(cat)
        if not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
            written.append(mo)
    return written


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "compile":
        for p in compile_all():
            print(f"wrote {p.relative_to(ROOT)}")
        return 0
    if cmd == "missing":
        sys.stdout.write(missing(argv[1:]))
        return 0
    if cmd == "check":
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
