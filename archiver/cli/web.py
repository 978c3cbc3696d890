"""Web commands: serve (the web app), run (watcher + web app), user (web accounts)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Any

import click

from ..accounts import ROLES, add_user, list_users, set_disabled
from ..archive import Archive
from ..config import Config
from ..errors import ConfigMissing, UsageError
from ..i18n import N_, _
from .common import AppContext, emit_json, emit_table, pass_app
from .group import main
from .watch import configure_logging

log = logging.getLogger(__name__)

_host = click.option("--host", default="127.0.0.1", show_default=True,
                     help=N_("Address to listen on (0.0.0.0 for every interface; put https in front)."))
_port = click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help=N_("TCP port."))
_secure = click.option("--cookie-secure", type=click.Choice(["auto", "always", "never"]), default="auto",
                       show_default=True, help=N_("Secure flag on cookies: auto = when the request came over https."))
_proxy = click.option("--behind-proxy", "proxy_ip", metavar="IP", default=None,
                      help=N_("Trust X-Forwarded-Proto/For from this proxy address (e.g. 127.0.0.1)."))
_public = click.option("--public-url", metavar="URL", default="",
                       help=N_("The address staff use (https://arsip.example.go.id): evidence permalinks are "
                               "built on it."))


def _serve(app_ctx: AppContext, host: str, port: int, cookie_secure: str, proxy_ip: str | None,
           public_url: str, workers: int = 1, json_log: bool = False) -> None:
    import uvicorn

    from ..metrics import prepare_workers, remove_folder
    from ..web import app as web_app
    from ..web.auth import WebSettings
    from .ops import uvicorn_log_config

    if public_url and not public_url.startswith(("https://", "http://")):
        raise UsageError(_("--public-url {url!r}: write the full address, e.g. {example}").format(
            url=public_url, example="https://arsip.example.go.id"))
    common: dict[str, Any] = {
        "host": host, "port": port, "log_level": "warning" if app_ctx.quiet else "info",
        "proxy_headers": proxy_ip is not None, "forwarded_allow_ips": proxy_ip or "127.0.0.1",
        "server_header": False}
    log_config = uvicorn_log_config(json_log, app_ctx.quiet)
    if log_config is not None:
        common["log_config"] = log_config
    if log_config is None:  # with --json-log, uvicorn's own JSON line says where it listens
        click.echo(_("Web archive: {url}  (Ctrl+C to stop)").format(url=f"http://{host}:{port}/"), err=True)
    if workers > 1:  # separate processes: searches run in parallel (one process is bound by its GIL)
        if app_ctx.config.source is None:
            raise UsageError(_("--workers above 1 needs a configuration file"))
        os.environ[web_app.ENV_CONFIG] = str(app_ctx.config.source)
        os.environ[web_app.ENV_COOKIE_SECURE] = cookie_secure
        os.environ[web_app.ENV_PUBLIC_URL] = public_url
        app_ctx.archive  # noqa: B018 - the catalog migrated (or refused, exit 2) once, before the workers start
        metrics_dir = prepare_workers(workers)  # the workers add up their metrics through files there
        try:
            uvicorn.run("archiver.web.app:app_from_environment", factory=True, workers=workers, **common)
        finally:
            remove_folder(metrics_dir)
        return
    app = web_app.create_app(app_ctx.config, settings=WebSettings(cookie_secure=cookie_secure, public_url=public_url))
    uvicorn.run(app, **common)


@main.command()
@_host
@_port
@_secure
@_proxy
@_public
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help=N_("Web server processes; more than one lets searches run in parallel (e.g. one per core)."))
@click.option("--json-log", is_flag=True,
              help=N_("Log one JSON object per line (requests too), as `watch --json-log`."))
@pass_app
def serve(app: AppContext, host: str, port: int, cookie_secure: str, proxy_ip: str | None, public_url: str,
          workers: int, json_log: bool) -> None:
    """Start the web app: search, evidence pages, coverage, documents and the JSON API.

    Create accounts first with `archiver user add`. Behind an https reverse proxy, pass
    --behind-proxy with the proxy's address so cookies get the Secure flag.

    \b
    Example:
      archiver user add admin --role admin --password-stdin < admin-password.txt
      archiver serve --port 8080 --behind-proxy 127.0.0.1 --public-url https://arsip.example.go.id --workers 2
    """
    from ..work import heartbeat

    if json_log:
        configure_logging(True, app.quiet)
    with heartbeat(app.archive, "serve"):  # `archiver status` lists every node by its heartbeat
        _serve(app, host, port, cookie_secure, proxy_ip, public_url, workers, json_log)


@main.command()
@_host
@_port
@_secure
@_proxy
@_public
@click.option("--json-log", is_flag=True,
              help=N_("Log one JSON object per line: the watcher's decisions and the web app's."))
@pass_app
def run(app: AppContext, host: str, port: int, cookie_secure: str, proxy_ip: str | None, public_url: str,
        json_log: bool) -> None:
    """Start the watcher and the web app together (one process, for a small office).

    The watcher runs in its own thread with its own catalog connections and logs one line
    per decision, as `archiver watch` does; it stops when the web server stops (Ctrl+C or
    SIGTERM). To try it with example data, create the demo workspace first.

    \b
    Example:
      archiver demo demo && archiver --config demo/watch_config.toml run
      archiver --config /srv/arsip/watch_config.toml run --port 8080
    """
    try:
        config = app.config  # a missing or broken configuration stops here, before anything starts
    except ConfigMissing as exc:
        raise ConfigMissing(exc.message, hint=_("{hint}; to try it with example data: {command}").format(
            hint=exc.hint, command="archiver demo demo && archiver --config demo/watch_config.toml run")) from None
    # The catalog is migrated (or refused: newer than this code, exit 2) here, once, before the
    # watcher thread and the web app each open it.
    app.archive  # noqa: B018
    configure_logging(json_log, app.quiet)
    stop = threading.Event()
    # SIGTERM (systemd, docker stop) ends the process cleanly like Ctrl+C: uvicorn shuts the
    # server down and hands the signal back; the watcher is then stopped below, as `archiver
    # watch` stops, instead of dying in the middle of a file.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    from ..work import heartbeat, start_workers, stop_workers, worker_count

    watcher = threading.Thread(target=_watch, args=(config, stop), name="watcher", daemon=True)
    watcher.start()
    # [work] mode = "queue": this node's workers take text and index jobs, in processes of their own.
    workers = start_workers(config, worker_count(config)) if config.work.mode == "queue" else []
    try:
        with heartbeat(app.archive, "run"):
            _serve(app, host, port, cookie_secure, proxy_ip, public_url, json_log=json_log)
    finally:
        stop.set()
        stop_workers(workers)
        watcher.join(timeout=30)


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _watch(config: Config, stop: threading.Event) -> None:
    """The watcher in its own thread, with its own Archive (its own catalog engine and connections)."""
    from ..watcher import Watcher  # the watcher (watchdog, ingest) only when `run` starts it

    try:
        with Archive.open(config) as archive:
            Watcher(archive).run(stop)
    except Exception:  # noqa: BLE001 - the web app keeps serving; the log says why the watcher stopped
        log.exception("the watcher stopped; the web app goes on (restart `archiver run` to watch again)")


# --------------------------------------------------------------------------- users

@main.group()
def user() -> None:
    """Manage web accounts (pegawai, atasan, auditor, admin).

    \b
    Example:
      archiver user add budi --role pegawai --nip 198503152010011002 --password-stdin
    """


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES),
              help=N_("pegawai: own evidence; atasan: subordinates' too; auditor: all, read-only; admin: all."))
@click.option("--nip", help=N_("18-digit NIP (required for pegawai and atasan)."))
@click.option("--password-stdin", is_flag=True, help=N_("Read the password from the first line of stdin."))
@pass_app
def user_add(app: AppContext, name: str, role: str, nip: str | None, password_stdin: bool) -> None:
    """Create a web account. Without --password-stdin the password is asked twice.

    \b
    Example:
      printf '%s\\n' 'kata-sandi-panjang' | archiver user add budi --role pegawai \\
          --nip 198503152010011002 --password-stdin
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError(_("no password on stdin"), hint=_("pipe it in: {command}").format(
                command="printf '%s\\n' PASSWORD | archiver user add ..."))
    else:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    archive = app.archive
    u = add_user(archive.catalog, name, role, password, nip=nip, now=archive.now())
    if u.nip:
        click.echo(_("Created user {name} ({role}, NIP {nip}).").format(name=u.name, role=u.role, nip=u.nip))
    else:
        click.echo(_("Created user {name} ({role}).").format(name=u.name, role=u.role))


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines: name, role, nip, disabled."))
@pass_app
def user_list(app: AppContext, as_json: bool) -> None:
    """List web accounts.

    \b
    Example:
      archiver user list --json
    """
    users = list_users(app.archive.catalog)
    if as_json:
        for u in users:
            emit_json({k: v for k, v in u.as_dict().items() if k != "id"})
        return
    emit_table(({**u.as_dict(), "state": _("disabled") if u.disabled else _("active")} for u in users),
               [("name", N_("NAME"), 20), ("role", N_("ROLE"), 8), ("nip", "NIP", 18), ("state", N_("STATE"), 0)])


@user.command("disable")
@click.argument("name")
@pass_app
def user_disable(app: AppContext, name: str) -> None:
    """Disable a web account; its sessions end at once.

    \b
    Example:
      archiver user disable budi
    """
    set_disabled(app.archive.catalog, name, True)
    click.echo(_("Disabled user {name}.").format(name=name))


@user.command("enable")
@click.argument("name")
@pass_app
def user_enable(app: AppContext, name: str) -> None:
    """Enable a disabled web account again.

    \b
    Example:
      archiver user enable budi
    """
    set_disabled(app.archive.catalog, name, False)
    click.echo(_("Enabled user {name}.").format(name=name))
