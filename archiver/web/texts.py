"""Words the pages show for stored values, in the reader's language: statuses, custody event
kinds and their details as a short sentence, roles, file sizes.

A custody event's ``detail`` is structured data (JSON) written by the library; the evidence
page never shows it raw. ``describe_event`` turns it into one sentence per kind, and any key it
does not know into a readable ``key: value`` list (never a Python repr).
"""

from __future__ import annotations

import re
from typing import Any

from .. import i18n
from ..i18n import _
from ..labels import event_label, role_label, status_label

__all__ = ["describe_event", "event_label", "role_label", "status_label"]


def via_label(via: str) -> str:
    """How something was done: through the web, the API, a download, the periodic check ..."""
    labels = {"web": _("the web"), "api": _("the API"), "download": _("a download"),
              "fixity": _("the periodic check"), "verify": _("the archive check"), "cli": _("the command line")}
    return labels.get(via, via)


def filesize(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    comma = i18n.current_language() == "id"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            if unit == "B":
                return f"{size:.0f} {unit}"
            text = f"{size:.1f} {unit}"
            return text.replace(".", ",") if comma else text
        size /= 1024
    return f"{n} B"


def link_text(link: Any) -> str:
    """An evidence link (``{"nip", "tahun", "periode", "rhk", "iki"}``) as "NIP … / 2026 / TW1 / RHK-01"."""
    if not isinstance(link, dict) or not any(link.get(k) for k in ("nip", "tahun", "periode", "rhk", "iki")):
        return _("nothing (no pegawai/periode/RHK)")
    parts = [f"NIP {link['nip']}" if link.get("nip") else "", str(link.get("tahun") or ""),
             str(link.get("periode") or ""), str(link.get("rhk") or ""), str(link.get("iki") or "")]
    return " / ".join(p for p in parts if p)


def value_text(value: Any) -> str:
    """Any stored value, readable: no braces, no quotes, no Python repr."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return i18n.render(value)
    if isinstance(value, dict):
        if set(value) <= {"nip", "tahun", "periode", "rhk", "iki"}:
            return link_text(value)
        return ", ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value)
    return str(value)


def _where(d: dict[str, Any], key: str = "path") -> str:
    share, path = d.get("share"), d.get(key)
    return f"{share}/{path}" if share and path else str(path or share or "")


#: Keys that are internal bookkeeping (hashes of tags, raw bytes of names, file times): not shown.
_INTERNAL = {"mtime_ns", "path_hex", "to_hex", "template_sha256", "data_sha256", "source_sha256", "scope",
             "manifest_sha256", "bag_sha256", "criteria", "submissions", "export_id"}

_OUTCOMES = ("archived", "duplicate", "unlinked", "quarantined", "ignored")


def _sentence(kind: str, d: dict[str, Any]) -> tuple[str, set[str]] | None:
    """The sentence for a known event kind and the keys it used (None: not a known shape)."""
    if kind == "received":
        return (_("received at {where} ({size})").format(where=_where(d), size=filesize(d.get("size"))),
                {"share", "path", "size"})
    if kind in _OUTCOMES:
        text = _("version {version} at {where}, filed under {link}").format(
            version=d.get("version", "-"), where=_where(d), link=link_text(d.get("link")))
        if d.get("reason"):
            text += "; " + _("reason: {reason}").format(reason=i18n.render(str(d["reason"])))
        return text, {"share", "path", "size", "version", "link", "reason"}
    if kind == "moved":
        text = _("moved from {source} to {target}").format(source=d.get("from", "-"), target=d.get("to", "-"))
        if "link" in d:
            text += "; " + _("filed under {link}").format(link=link_text(d["link"]))
        if d.get("status"):
            text += "; " + _("status: {status}").format(status=status_label(str(d["status"])))
        return text, {"share", "from", "to", "size", "status", "link"}
    if kind == "removed":
        return (_("removed from {where}; the archive keeps its evidence").format(where=_where(d)),
                {"share", "path", "size"})
    if kind == "relinked":
        if d.get("from") == d.get("to"):
            text = _("linked again to {link}").format(link=link_text(d.get("to")))
        else:
            text = _("relinked from {source} to {target}").format(source=link_text(d.get("from")),
                                                                  target=link_text(d.get("to")))
        if d.get("reason"):
            text += "; " + _("reason: {reason}").format(reason=i18n.render(str(d["reason"])))
        return text, {"share", "path", "from", "to", "status", "skp", "reason", "link"}
    if kind == "released":
        text = _("accepted as evidence (now {status})").format(status=status_label(str(d.get("status", "-"))))
        if d.get("note"):
            text += "; " + _("note: {note}").format(note=d["note"])
        if d.get("was"):
            text += "; " + _("was quarantined because: {reason}").format(reason=i18n.render(str(d["was"])))
        return text, {"share", "path", "status", "note", "was"}
    if kind in ("downloaded", "viewed"):
        who = role_label(str(d["role"])) if d.get("role") else "-"
        text = (_("downloaded by {who} via {via}") if kind == "downloaded" else _("viewed by {who} via {via}")
                ).format(who=who, via=via_label(str(d.get("via", "-"))))
        if d.get("name"):
            text += "; " + _("file name: {name}").format(name=d["name"])
        return text, {"via", "role", "name", "generated"}
    if kind == "verified":
        if d.get("scope") == "blob" or "blobs" not in d:
            via = via_label(str(d.get("via", "-")))
            if d.get("ok"):
                text = _("intact: the content matches its SHA-256 (checked via {via})").format(via=via)
            else:
                text = _("DAMAGED: the content no longer matches its SHA-256 (checked via {via})").format(via=via)
            return text, {"via", "ok", "actual", "scope"}
        text = (_("archive check: {blobs} files, {events} events, no problems") if d.get("ok") else
                _("archive check: {blobs} files, {events} events, {problems} problems")).format(
            blobs=d.get("blobs", 0), events=d.get("events", 0), problems=d.get("problems", 0))
        return text, {"ok", "blobs", "events", "problems"}
    if kind == "exported":
        return (_("exported in the audit package {file} ({items} files)").format(
            file=d.get("file", "-"), items=d.get("items", 0)), {"file", "items", "bytes", "bag_size"})
    if kind == "imported":
        what = {"skp": "SKP", "evaluasi": _("evaluation")}.get(str(d.get("import")), str(d.get("import", "-")))
        return (_("{what} imported from the uploaded file {name}").format(what=what, name=d.get("name", "-")),
                {"via", "role", "name", "import", "changes"})
    if kind == "finding":
        return _finding_sentence(d)
    if kind == "reviewed":
        from ..review import state_label

        text = _("judged: {state}").format(state=state_label(str(d.get("state", "-"))))
        if d.get("reason"):
            text += "; " + _("reason: {reason}").format(reason=d["reason"])
        if d.get("page"):
            text += "; " + _("page: {page}").format(page=d["page"])
        return text, {"state", "reason", "page", "role", "review"}
    if kind == "generated":
        return (_("generated as {filename} (template {template})").format(
            filename=d.get("filename", "-"), template=d.get("template", "-")),
            {"kind", "subject", "tahun", "periode", "format", "filename", "template", "signers"})
    if kind in ("share_created", "share_revoked", "share_accessed"):
        return _share_sentence(kind, d)
    if kind in ("hold_set", "hold_released", "disposition_proposed", "disposition_approved", "disposition_cancelled",
                "disposed"):
        from ..retention import event_sentence

        return event_sentence(kind, d)
    return None


def _share_sentence(kind: str, d: dict[str, Any]) -> tuple[str, set[str]]:
    """A share link's events (archiver.share_links)."""
    if kind == "share_created":
        return (_("share link #{link} created for {items} files, valid until {expires}: {description}").format(
            link=d.get("link", "-"), items=d.get("items", 0), expires=d.get("expires_at", "-"),
            description=d.get("description", "")), {"link", "items", "expires_at", "description"})
    if kind == "share_revoked":
        return _("share link #{link} revoked").format(link=d.get("link", "-")), {"link"}
    what = d.get("what")
    text = (_("file downloaded through share link #{link} from address {client}") if what == "file"
            else _("audit package downloaded through share link #{link} from address {client}") if what == "bag"
            else _("share link #{link} opened from address {client}")).format(
        link=d.get("link", "-"), client=d.get("client", "-"))
    return text, {"link", "client", "what"}


def _finding_sentence(d: dict[str, Any]) -> tuple[str, set[str]]:
    """A step of a finding (archiver.findings)."""
    texts = {"opened": _("finding #{finding} opened"), "recommended": _("recommendation of finding #{finding} written"),
             "evidence_added": _("basis evidence added to finding #{finding}"),
             "answered": _("follow-up of finding #{finding} submitted"), "closed": _("finding #{finding} closed"),
             "reopened": _("finding #{finding} reopened")}
    text = texts.get(str(d.get("step")), _("finding #{finding}")).format(finding=d.get("finding", "-"))
    if d.get("submissions"):
        text += "; " + _("evidence: {ids}").format(ids=", ".join(map(str, d["submissions"])))
    if d.get("due"):
        text += "; " + _("due {date}").format(date=d["due"])
    if d.get("note"):
        text += "; " + _("note: {note}").format(note=d["note"])
    return text, {"step", "finding", "submissions", "due", "note", "judul", "unit", "nip", "tahun", "periode", "rhk",
                  "iki"}


def describe_event(kind: str, detail: dict[str, Any]) -> str:
    """A custody event's detail as a short sentence in the reader's language."""
    known = _sentence(kind, detail)
    text, used = known if known else ("", set())
    rest = [f"{k}: {value_text(v)}" for k, v in detail.items() if k not in used and k not in _INTERNAL]
    return "; ".join(p for p in [text, *rest] if p)


#: A command line a hint from the library may name (`archiver verify`, --nip): not for web pages.
_COMMAND = re.compile(r"`[^`]*`|\barchiver [a-z]|(?:^|[\s(])--[a-z]")
_RUN = re.compile(r"`[^`]*`|\barchiver [a-z]")
_OPTION = re.compile(r"(^|[\s(])--([a-z][a-z0-9-]*)")


def web_hint(hint: str | None) -> str | None:
    """A library hint as the web shows it: dropped when it tells the reader to run a command."""
    if not hint or _COMMAND.search(hint):
        return None
    return hint


def web_text(message: str) -> str:
    """A library message as the web shows it: the clauses (``; ...``) that name a command are left
    out, and a command-line option it names (``--nip 123: ...``) reads as the field (``nip 123: ...``)."""
    parts = [p for p in message.split("; ") if not _RUN.search(p)]
    return _OPTION.sub(r"\1\2", "; ".join(parts) if parts else message)
