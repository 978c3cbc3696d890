"""What every command shares: the lazily opened Archive, JSON Lines output, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import click
from tqdm import tqdm

from .. import i18n
from ..archive import Archive
from ..config import Config, load_config
from ..errors import ArchiverError
from ..i18n import _


@dataclass
class AppContext:
    config_path: str | None = None
    quiet: bool = False
    language_fixed: bool = False  # --lang or ARCHIVER_LANG given: the configuration's language does not apply
    _config: Config | None = field(default=None, repr=False)
    _archive: Archive | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            if not self.language_fixed:
                i18n.set_language(self._config.archive.language)
        return self._config

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            self._archive = Archive.open(self.config)
        return self._archive

    def progress(self, total: int | None = None, unit: str = "file", desc: str | None = None,
                 unit_scale: bool = False) -> tqdm[Any]:
        return tqdm(total=total, unit=unit, desc=desc, unit_scale=unit_scale, file=sys.stderr,
                    disable=True if self.quiet else None, leave=False, dynamic_ncols=True)

    def apply_configured_language(self) -> None:
        """Speak the configuration's language from the start (even for errors in the arguments),
        when there is a readable configuration; a broken one is reported by the command that needs it."""
        try:
            self.config  # noqa: B018 - loads it and applies [archive] language
        except ArchiverError:
            self._config = None

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()


pass_app = click.make_pass_decorator(AppContext)


def emit_json(obj: Any) -> None:
    """One JSON object per line on stdout."""
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def emit_table(rows: Iterable[dict[str, Any]], columns: list[tuple[str, str, int]]) -> int:
    """Human output: fixed-width columns (key, header, width; width 0 = the rest of the line).

    Headers are marked with ``N_()`` where the columns are defined and shown translated."""
    head = "  ".join(_(h).ljust(w) if w else _(h) for _key, h, w in columns)
    click.echo(click.style(head, bold=True))
    n = 0
    for row in rows:
        cells = []
        for key, _h, w in columns:
            v = row.get(key)
            text = "" if v is None else str(v)
            cells.append((text[: w - 1] + "…" if w and len(text) > w else text.ljust(w)) if w else text)
        click.echo("  ".join(cells))
        n += 1
    return n


def web_account(app: AppContext, name: str) -> Any:
    """The web account named by ``--as`` (its password asked for on the terminal): commands that act
    as a person (dispositions, findings) record that account, as its web actions would."""
    from ..accounts import authenticate
    from ..errors import PermissionDenied

    password = click.prompt(_("Password of {name}").format(name=name), hide_input=True, err=True)
    user = authenticate(app.archive.catalog, name, password)
    if user is None:
        raise PermissionDenied(_("wrong user name or password for {name}").format(name=name))
    return user
