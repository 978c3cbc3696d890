"""HTML rendering: the Jinja2 environment (autoescape on for every template), filters and
the context every page gets (user, CSRF token, which features are installed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from .. import i18n
from ..accounts import Session

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
_ZONE_LABEL = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}

STATUS_LABEL = {
    "archived": "diarsipkan", "duplicate": "duplikat", "unlinked": "belum tertaut",
    "quarantined": "karantina", "ignored": "diabaikan",
}
EVENT_LABEL = {
    "received": "diterima", "archived": "diarsipkan", "duplicate": "duplikat", "unlinked": "belum tertaut",
    "quarantined": "dikarantina", "ignored": "diabaikan", "moved": "dipindah", "removed": "dihapus dari folder",
    "relinked": "ditautkan ulang", "verified": "diperiksa integritasnya", "exported": "diekspor",
    "downloaded": "diunduh", "viewed": "dilihat", "generated": "dibuat", "released": "dilepas dari karantina",
}
ROLE_LABEL = {"pegawai": "Pegawai", "atasan": "Atasan / Penilai", "auditor": "Auditor", "admin": "Admin"}


def make_templates(timezone: str) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every template, whatever its name: file names and reasons come from staff
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # {{ _("Search") }}, {{ _("%(n)s files", n=n) }}, {% trans %}: the request's language (i18n's ContextVar)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True,  # type: ignore[attr-defined]
                                  pgettext=i18n.pgettext)
    zone = ZoneInfo(timezone)
    label = _ZONE_LABEL.get(timezone, timezone)

    def local_time(value: str | None) -> str:
        if not value:
            return "-"
        try:
            t = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return value
        return t.astimezone(zone).strftime("%d-%m-%Y %H:%M:%S") + f" {label}"

    def filesize(n: int | None) -> str:
        if n is None:
            return "-"
        size = float(n)
        for unit in ("B", "KB", "MB", "GB"):
            if size < 1024 or unit == "GB":
                return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}".replace(".", ",")
            size /= 1024
        return f"{n} B"

    env.filters.update(local_time=local_time, filesize=filesize, status_label=lambda s: STATUS_LABEL.get(s, s),
                       event_label=lambda s: EVENT_LABEL.get(s, s), role_label=lambda s: ROLE_LABEL.get(s, s))
    return Jinja2Templates(env=env)


def render(request: Request, name: str, session: Session | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    base = {"user": session.user if session else None, "csrf_token": session.csrf if session else "",
            "features": request.app.state.features, "path": request.url.path,
            "lang": i18n.current_language(), "languages": i18n.LANGUAGE_NAMES}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
