"""Messages in the reader's language: one gettext message catalog, Bahasa Indonesia by default.

Every sentence a person reads (CLI output, errors and hints, web pages, import reports,
custody descriptions) is written in the code in English and wrapped::

    from archiver.i18n import _, N_, ngettext
    raise UsageError(_("No SKP for NIP {nip} in {tahun}.").format(nip=nip, tahun=tahun))
    click.echo(ngettext("{n} file archived", "{n} files archived", n).format(n=n))
    LABEL = N_("archived")        # marked at import time, translated where it is shown: _(LABEL)

The Indonesian translations live in ``archiver/locale/id/LC_MESSAGES/<part>.po`` (one part per
area, so translators and developers do not edit one huge file), compiled beside them to
``.mo`` by ``python tools/i18n.py compile``; English is the source text itself.
``tests/test_i18n.py`` fails on any wrapped message without an Indonesian translation, on any
user-facing literal left unwrapped, and on a ``.mo`` older than its ``.po``.

The language is per context (a ``ContextVar``): the CLI sets it once from ``--lang`` /
``ARCHIVER_LANG`` / ``[archive] language``; the web sets it per request from the user's
choice (cookie), the browser's ``Accept-Language``, or the configuration. Generated official
documents are always Indonesian: they follow the regulation's forms, not the reader.
"""

from __future__ import annotations

import gettext as _gettext
import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.core import negotiate_locale
from babel.support import Translations

#: Languages with a catalog ("en" is the source text). The first is the default.
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
LOCALE_DIR = Path(__file__).parent / "locale"

_language: ContextVar[str] = ContextVar("archiver_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """All parts of ``language``'s catalog merged into one (English: the source text)."""
    merged: Translations | None = None
    for mo in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.mo")):
        with mo.open("rb") as fp:
            part = Translations(fp, domain="archiver")
        merged = part if merged is None else merged.merge(part)
    return merged if merged is not None else _gettext.NullTranslations()


def current_language() -> str:
    return _language.get()


def normalize_language(value: str | None) -> str | None:
    """``"id"``, ``"en"`` (also ``id_ID``, ``en-US``, ``Indonesia`` ...) or None when unknown/empty."""
    if not value:
        return None
    v = value.strip().lower().replace("_", "-")
    if v in ("id", "in", "ind", "indonesia", "indonesian", "bahasa", "bahasa indonesia") \
            or v.startswith(("id-", "in-")):
        return "id"
    if v in ("en", "eng", "english", "inggris") or v.startswith("en-"):
        return "en"
    return None


def set_language(language: str) -> None:
    """Use ``language`` for the rest of this context (the CLI: the whole process)."""
    _language.set(normalize_language(language) or DEFAULT_LANGUAGE)


@contextmanager
def use_language(language: str) -> Iterator[None]:
    token = _language.set(normalize_language(language) or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The language to answer a browser in, from its ``Accept-Language`` header (RFC 9110 q-values)."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate(accept_language.split(",")):
        tag, _sep, params = item.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _eq, v = p.strip().partition("=")
            if k.strip() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if tag.strip() and q > 0:
            ranked.append((-q, i, tag.strip().replace("-", "_")))
    preferred = [tag for _q, _i, tag in sorted(ranked)]
    chosen = negotiate_locale(preferred, [*LANGUAGES, "id_ID", "en_US", "en_GB"])
    return normalize_language(chosen) or default


def gettext(message: str) -> str:
    """``message`` (English source text) in the current language."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` (Indonesian has one form; English two)."""
    return translations(_language.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` where the same English word needs different translations (e.g. a status vs a verb)."""
    return translations(_language.get()).pgettext(context, message)


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (module-level labels)."""
    return message


def deferred(message: str, **args: object) -> str:
    """A message to store now (a quarantine or unlinked reason, a custody description) and show
    later in the reader's language: ``render()`` translates it when shown. ``message`` must be a
    literal (the extractor finds ``deferred("...")`` like ``_("...")``); ``args`` are JSON values,
    and may themselves be ``deferred(...)`` texts."""
    return json.dumps({"i18n": message, "args": args}, ensure_ascii=False, sort_keys=True)


def render(stored: str | None) -> str:
    """A stored message in the current language. Text stored before messages were deferred (or
    by hand) is shown as it is."""
    if not stored or not stored.startswith('{"'):
        return stored or ""
    try:
        data = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(data, dict) or not isinstance(data.get("i18n"), str):
        return stored
    args = {k: render(v) if isinstance(v, str) else v for k, v in (data.get("args") or {}).items()}
    try:
        return gettext(data["i18n"]).format(**args)
    except (KeyError, IndexError, ValueError):
        return str(data["i18n"])


#: Click's own messages ("Usage:", "Missing option", "Show this message and exit." ...): Click
#: calls the stdlib ``gettext`` it imported by name, so those names are pointed at ours.
_CLICK_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
                  "click.types", "click.termui", "click.utils", "click.shell_completion")


def install_click() -> None:
    """Make Click's built-in texts follow the current language (idempotent)."""
    for name in _CLICK_MODULES:
        mod = importlib.import_module(name)
        if hasattr(mod, "_"):
            mod._ = gettext  # type: ignore[attr-defined]
        if hasattr(mod, "ngettext"):
            mod.ngettext = ngettext  # type: ignore[attr-defined]
    # click.Path translates its name ("file", "directory", "path") once, when an option is
    # declared at import time: name it in the language current when an error is shown instead.
    click_types = importlib.import_module("click.types")
    if not isinstance(click_types.Path.__dict__.get("name"), property):
        click_types.Path.name = property(_click_path_name, lambda self, value: None)


#: click.Path's names, translated by the click part of the catalog.
_CLICK_PATH_NAMES = ("file", "directory", "path")


def _click_path_name(path_type: object) -> str:
    file_okay, dir_okay = getattr(path_type, "file_okay", True), getattr(path_type, "dir_okay", True)
    name = _CLICK_PATH_NAMES[0 if file_okay and not dir_okay else 1 if dir_okay and not file_okay else 2]
    return gettext(name)
