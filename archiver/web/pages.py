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
from ..findings.model import status_label as finding_status
from ..findings.model import step_label as finding_step
from ..review import state_label as review_state_label
from . import texts

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
_ZONE_LABEL = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


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

    env.filters.update(local_time=local_time, filesize=texts.filesize, status_label=texts.status_label,
                       event_label=texts.event_label, role_label=texts.role_label, via_label=texts.via_label,
                       stored_text=i18n.render, web_hint=texts.web_hint, web_text=texts.web_text)
    env.globals.update(describe_event=texts.describe_event, review_label=review_state_label,
                       finding_status=finding_status, finding_step=finding_step)
    return Jinja2Templates(env=env)


def render(request: Request, name: str, session: Session | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    base = {"user": session.user if session else None, "csrf_token": session.csrf if session else "",
            "features": request.app.state.features, "path": request.url.path,
            "lang": i18n.current_language(), "languages": i18n.LANGUAGE_NAMES,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else "")}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
