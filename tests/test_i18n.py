"""Bahasa Indonesia by default, English by setting, through one gettext catalog.

The catalog checks use the same code as ``python tools/i18n.py check``: every message the code
and templates wrap has an Indonesian translation with the same placeholders, every compiled
``.mo`` matches its ``.po``, no literal sentence reaches a person without the catalog.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver import i18n
from archiver.cli import main

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("i18n_tools", REPO / "tools" / "i18n.py")
assert _spec and _spec.loader
tools = importlib.util.module_from_spec(_spec)
sys.modules["i18n_tools"] = tools
_spec.loader.exec_module(tools)


def _report(lines: list[str]) -> str:
    return f"{len(lines)} problem(s):\n" + "\n".join(lines[:60])


def test_every_wrapped_message_has_an_indonesian_translation() -> None:
    found = [p for p in tools.problems() if "no Indonesian translation" in p or "placeholders" in p
             or "differently" in p]
    assert not found, _report(found)


def test_no_user_facing_literal_bypasses_the_catalog() -> None:
    found = tools.unwrapped() + tools.unwrapped_templates()
    assert not found, _report(found)


def test_compiled_catalogs_match_their_sources_and_hold_no_stale_entries() -> None:
    found = [p for p in tools.problems() if "compile" in p or "no longer used" in p or "has no" in p]
    assert not found, _report(found)


def test_the_lint_catches_what_it_must(tmp_path: Path) -> None:
    """The unwrapped-literal check itself: it cannot pass on code that shows raw text."""
    bad = tmp_path / "bad.py"
    bad.write_text('import click\nfrom archiver.errors import UsageError\n'
                   'def f(n):\n'
                   '    click.echo(f"Imported {n} files")\n'
                   '    raise UsageError("no such NIP", hint="check the folder")\n'
                   '    click.echo("SKP")  # an acronym reads the same in both languages\n'
                   '    click.echo(_("Imported {n} files").format(n=n))\n', encoding="utf-8")
    bad_rel = bad.relative_to(tmp_path)
    found = [line.replace(str(tmp_path) + "/", "") for line in _unwrapped_outside_repo(bad)]
    assert [f.split(": not translatable")[0] for f in found] == [f"{bad_rel}:4", f"{bad_rel}:5", f"{bad_rel}:5"]


def _unwrapped_outside_repo(path: Path) -> list[str]:
    old = tools.ROOT
    tools.ROOT = path.parent
    try:
        return list(tools.unwrapped([path]))
    finally:
        tools.ROOT = old


def test_language_negotiation_follows_rfc_9110_q_values() -> None:
    assert i18n.negotiate(None) == "id"
    assert i18n.negotiate("") == "id"
    assert i18n.negotiate("en-US,en;q=0.9,id;q=0.8") == "en"
    assert i18n.negotiate("id-ID,id;q=0.9,en-US;q=0.8") == "id"
    assert i18n.negotiate("en;q=0.2, id;q=0.7") == "id"
    assert i18n.negotiate("fr-FR,de;q=0.9") == "id"  # nothing we speak: the configured default
    assert i18n.negotiate("fr-FR", default="en") == "en"
    assert i18n.negotiate("en;q=0, id") == "id"


def test_the_language_is_per_context() -> None:
    assert i18n.current_language() == "id"
    with i18n.use_language("en"):
        assert i18n._("hint: {hint}") == "hint: {hint}"
    assert i18n._("hint: {hint}") == "petunjuk: {hint}"


def test_cli_speaks_indonesian_by_default_and_english_by_option_env_or_config(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = tmp_path / "nowhere" / "watch_config.toml"
    default = runner.invoke(main, ["--config", str(missing), "status"])
    assert default.exit_code == 2 and "Galat:" in default.output, default.output
    english = runner.invoke(main, ["--lang", "en", "--config", str(missing), "status"])
    assert english.exit_code == 2 and "Error:" in english.output and "Galat" not in english.output
    env = runner.invoke(main, ["--config", str(missing), "status"], env={"ARCHIVER_LANG": "en"})
    assert "Error:" in env.output, env.output
    assert i18n.current_language() == "id"  # a run's language does not outlive it

    ws = tmp_path / "ws"
    assert runner.invoke(main, ["init", str(ws)]).exit_code == 0
    cfg = ws / "watch_config.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('language = "id"', 'language = "en"'), encoding="utf-8")
    bad = runner.invoke(main, ["--config", str(cfg), "list", "--nip", "12"])
    assert "Error:" in bad.output and "Galat" not in bad.output, bad.output
    overridden = runner.invoke(main, ["--lang", "id", "--config", str(cfg), "list", "--nip", "12"])
    assert "Galat:" in overridden.output, overridden.output


def test_cli_help_and_clicks_own_texts_are_translated() -> None:
    out = subprocess.run([sys.executable, "-m", "archiver", "--help"], capture_output=True, text=True,
                         env={**os.environ, "ARCHIVER_LANG": ""}, check=True).stdout
    assert "Penggunaan:" in out and "Opsi:" in out and "Perintah:" in out, out
    en = subprocess.run([sys.executable, "-m", "archiver", "--lang", "en", "--help"], capture_output=True,
                        text=True, check=True).stdout
    assert "Usage:" in en and "Options:" in en and "Commands:" in en
    assert "Tampilkan pesan ini lalu keluar." in out and "Tampilkan versi lalu keluar." in out
    assert "Show this message and exit." in en and "Show the version and exit." in en  # Click's own options too
    by_env = subprocess.run([sys.executable, "-m", "archiver", "--help"], capture_output=True, text=True,
                            env={**os.environ, "ARCHIVER_LANG": "en"}, check=True).stdout
    assert by_env == en  # $ARCHIVER_LANG counts before an eager --help


@pytest.mark.parametrize("header,cookie,expected", [
    (None, None, "id"), ("en-US,en;q=0.9", None, "en"), ("en-US,en;q=0.9", "id", "id"), (None, "en", "en"),
])
def test_web_pages_follow_cookie_then_accept_language(tmp_path: Path, header: str | None, cookie: str | None,
                                                      expected: str) -> None:
    from fastapi.testclient import TestClient

    from archiver.config import load_config, write_workspace
    from archiver.web.app import LANG_COOKIE, create_app

    cfg = load_config(write_workspace(tmp_path / "ws"))
    client = TestClient(create_app(cfg))
    if cookie:
        client.cookies.set(LANG_COOKIE, cookie)
    r = client.get("/login", headers={"Accept-Language": header} if header else {})
    assert r.status_code == 200
    assert r.headers["content-language"] == expected
    assert f'<html lang="{expected}"' in r.text
    word = {"id": "Masuk", "en": "Sign in"}[expected]
    assert word in r.text, r.text[:2000]
