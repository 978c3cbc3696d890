"""Core commands: init, ingest, list, status, verify, types."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import click

from .. import ingest as ingest_mod
from ..catalog import STATUSES
from ..catalog import core as subs
from ..config import write_workspace
from ..evidence import REVIEW_FILTER_STATES, SIGNATURE_STATES, Filters
from ..filetypes import KNOWN_TYPES
from ..i18n import N_, _, ngettext, render
from ..ingest import CHANGING
from ..labels import status_label
from .common import AppContext, emit_json, emit_table, pass_app
from .group import main

_EXAMPLE_FILE = "198503152010011002/2026/TW1/RHK-01/laporan.pdf"

#: "3 archived, 1 duplicate" in the ingest summary (the statuses themselves are codes, as --status takes them).
_COUNTED = {"archived": N_("{n} archived"), "duplicate": N_("{n} duplicate"), "unlinked": N_("{n} unlinked"),
            "quarantined": N_("{n} quarantined"), "ignored": N_("{n} ignored"),
            "disposed": N_("{n} disposed"), CHANGING: N_("{n} still changing")}

_COLOURS = {"archived": "green", "duplicate": "cyan", "unlinked": "yellow", "quarantined": "red", "ignored": "white",
            CHANGING: "yellow"}


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help=N_("Overwrite an existing watch_config.toml."))
def init(directory: Path, force: bool) -> None:
    """Create a workspace: DIRECTORY/watch_config.toml and the folders it names.

    DIRECTORY/drop is the one share, DIRECTORY/archive the archive, DIRECTORY/index
    the index. Edit the file to add shares (one [shares.NAME] table each).

    \b
    Example:
      archiver init /srv/arsip-kinerja
    """
    target = write_workspace(directory, force=force)
    click.echo(_("Created {path}").format(path=target))
    click.echo(_("Drop evidence into {folder} as NIP/TAHUN/PERIODE/RHK/file, e.g.").format(
        folder=target.parent / "drop"))
    click.echo("  " + _EXAMPLE_FILE)
    click.echo(_("then run: {command}").format(command=f"archiver --config {target} ingest"))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines: path, status, sha256, reason, ..."))
@pass_app
def ingest(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Archive files: every configured share (no PATHS), or the given files and folders.

    Each file gets one status: archived, duplicate (known bytes, a new submission),
    unlinked (archived, but its folders do not name pegawai/periode/RHK), quarantined
    (kept but not accepted, with the reason) or ignored (temporary/system files).
    Files already archived and unchanged are skipped cheaply.
    Exit status: 0 when nothing was quarantined, 1 otherwise.

    \b
    Example:
      archiver ingest
      archiver ingest drop/198503152010011002/2026/TW1 --json
    """
    archive = app.archive
    results = ingest_mod.ingest_paths(archive, paths) if paths else ingest_mod.scan(archive)
    counts: Counter[str] = Counter()
    with app.progress(unit="file", desc=_("ingesting")) as bar:
        for r in results:
            counts[r.status] += 1
            bar.update(1)
            if as_json:
                emit_json({k: v for k, v in r.as_dict().items() if k not in ("share", "relpath", "transient")})
            elif not app.quiet or r.status in ("quarantined", CHANGING):  # -q: only problems, on stderr
                detail = render(r.reason) or r.key.replace(iki=None).label()
                out = click.get_text_stream("stderr") if app.quiet else click.get_text_stream("stdout")
                bar.write(f"{click.style(r.status.ljust(11), fg=_COLOURS.get(r.status))} {r.path}"
                          + (f"  — {detail}" if detail else ""), file=out)
    if not as_json and not app.quiet:
        summary = ", ".join(_(_COUNTED[s]).format(n=counts[s]) for s in (*STATUSES, CHANGING) if counts[s]) \
            or _("nothing new")
        click.echo(_("Ingest finished: {summary}.").format(summary=summary), err=True)
    if counts[CHANGING]:
        click.echo(ngettext("{n} file is still changing (being copied or written) and was not archived; "
                            "run `archiver ingest` again when it is done.",
                            "{n} files are still changing (being copied or written) and were not archived; "
                            "run `archiver ingest` again when they are done.",
                            counts[CHANGING]).format(n=counts[CHANGING]), err=True)
    if counts["quarantined"] or counts[CHANGING]:
        raise SystemExit(1)


_LIST_COLUMNS = [("id", "ID", 6), ("status", N_("STATUS"), 11), ("nip", "NIP", 18), ("tahun", "TAHUN", 5),
                 ("periode", "PERIODE", 7), ("rhk", "RHK", 8), ("v", "V", 2), ("sha", "SHA256", 12),
                 ("path", N_("PATH"), 0)]


@main.command("list")
@click.option("--nip", help=N_("Only this pegawai (18-digit NIP)."))
@click.option("--tahun", type=int, help=N_("Only this year."))
@click.option("--periode", help=N_("Only this periode (TW1-TW4, 01-12, TAHUNAN)."))
@click.option("--status", type=click.Choice(STATUSES), help=N_("Only submissions with this status."))
@click.option("--signature", type=click.Choice(SIGNATURE_STATES),
              help=N_("Only files whose signature check is: valid, invalid, untrusted, none or error."))
@click.option("--review", type=click.Choice(REVIEW_FILTER_STATES),
              help=N_("Only submissions whose review is: menunggu (awaiting), diterima, perlu_perbaikan or ditolak."))
@click.option("--limit", type=int, help=N_("At most this many (newest first)."))
@click.option("--json", "as_json", is_flag=True, help=N_("JSON Lines with every field."))
@pass_app
def list_(app: AppContext, nip: str | None, tahun: int | None, periode: str | None, status: str | None,
          signature: str | None, review: str | None, limit: int | None, as_json: bool) -> None:
    """List submissions (every file received, with its status and link).

    \b
    Example:
      archiver list --nip 198503152010011002 --periode TW1
      archiver list --status quarantined --json
      archiver list --signature invalid
      archiver list --review perlu_perbaikan
    """
    filters = Filters(nip=nip, tahun=tahun, periode=periode, status=status, signature=signature,
                      review=review).normalized()
    rows = subs.list_submissions(app.archive.catalog, filters, limit=limit, newest_first=bool(limit))
    if as_json:
        from ..review import states

        found = list(rows)
        judged = states(app.archive, [row["id"] for row in found])
        for row in found:
            row["path"] = f"{row['share']}/{row['relpath']}"
            row["review"] = judged[row["id"]]
            emit_json(row)
        return

    def shaped() -> object:
        for row in rows:
            yield {**row, "v": row["version"], "sha": (row["sha256"] or "")[:12],
                   "path": f"{row['share']}/{row['relpath']}"
                   + (f"  — {render(row['reason'])}" if row["reason"] else "")}

    n = emit_table(shaped(), _LIST_COLUMNS)  # type: ignore[arg-type]
    click.echo(ngettext("{n} submission", "{n} submissions", n).format(n=n), err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object."))
@click.option("--problems", "n_problems", default=10, show_default=True, help=N_("How many latest problems to show."))
@pass_app
def status(app: AppContext, as_json: bool, n_problems: int) -> None:
    """Show counts by status, the archive's size and the latest problems.

    \b
    Example:
      archiver status --json
    """
    from ..status import archive_status

    st = archive_status(app.archive, problems=n_problems)
    if as_json:
        emit_json(st)
        return
    click.echo(_("Archive: {path}  ({blobs} blobs, {mb} MB)").format(
        path=app.config.archive.path, blobs=st["blobs"], mb=f"{st['bytes'] / 1048576:.1f}"))
    click.echo(_("Submissions: {counts}").format(
        counts=", ".join(_(_COUNTED[s]).format(n=st["counts"].get(s, 0)) for s in STATUSES
                         if s != "disposed" or st["counts"].get(s))))
    if st.get("watcher"):
        w = st["watcher"]
        click.echo(_("Watcher: {state} (pid {pid}), queue {queue}, updated {updated}").format(
            state=w.get("state"), pid=w.get("pid"), queue=w.get("queue"), updated=w.get("updated_at")))
    _echo_nodes(st)
    if st["latest"]:
        click.echo(_("Latest ingests:"))
        for p in st["latest"]:
            click.echo(f"  {p['received_at']}  {p['status']:<11} {p['path']}")
    if st["problems"]:
        click.echo(_("Latest problems:"))
        for p in st["problems"]:
            click.echo(f"  {p['received_at']}  {p['status']:<11} {p['path']}  — {render(p['reason'])}")
    if st.get("integrity"):
        click.echo(click.style(_("Blobs not intact (failed their latest integrity check):"), fg="red"))
        for f in st["integrity"]:
            what = (_("its content now hashes to {sha256}").format(sha256=f["actual"]) if f["actual"]
                    else _("missing from storage"))
            click.echo(f"  {f['checked_at']}  {f['sha256']}  {f['path']}  — "
                       + _("{what} (checked by {via})").format(what=what, via=f["via"]))


def _echo_nodes(st: dict[str, Any]) -> None:
    """Every node with its heartbeat, the work queue and its failed jobs (`archiver status`)."""
    w = st["work"]
    if st["nodes"] or w["mode"] == "queue" or any(w[k] for k in ("queued", "running", "failed")):
        click.echo(_("Work queue ({mode}): {queued} waiting, {running} running, {failed} failed, {done} done").format(
            mode=w["mode"], queued=w["queued"], running=w["running"], failed=w["failed"], done=w["done"]))
    if st["nodes"]:
        click.echo(_("Nodes:"))
    for n in st["nodes"]:
        state = n["state"] if n["responding"] else click.style(_("not responding"), fg="red")
        click.echo(f"  {n['name']:<40} {state:<15} " + _(
            "last heartbeat {at} ({seconds} s ago), {done} done, {failed} failed").format(
            at=n["heartbeat_at"], seconds=f"{n['seconds_since_heartbeat']:g}", done=n["jobs_done"],
            failed=n["jobs_failed"]))
    if st["failed_jobs"]:
        click.echo(click.style(_("Failed jobs (not tried again):"), fg="red"))
        for f in st["failed_jobs"]:
            click.echo(f"  {f['at']}  {f['path']}  — " + _("{reason} ({attempts} attempts, node {node})").format(
                reason=render(f["reason"]), attempts=f["attempts"], node=f["node"]))


@main.command()
@click.argument("submission", type=int)
@click.option("--note", required=True, help=N_("Why this file is accepted as evidence (kept in the custody log)."))
@pass_app
def release(app: AppContext, submission: int, note: str) -> None:
    """Accept a quarantined file (from `archiver list --status quarantined`) as evidence.

    Only files whose bytes the archive holds (wrong type, too large) can be released;
    the decision is a `released` custody event with your note.

    \b
    Example:
      archiver release 17 --note "foto kegiatan dalam format HEIC, diperiksa manual"
    """
    from ..ingest import release as do_release

    r = do_release(app.archive, submission, note=note)
    click.echo(_("Submission {id} ({path}) released: now {status}.").format(id=submission, path=r.path,
                                                                             status=status_label(r.status)))


@main.command("verify")
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object with every problem."))
@pass_app
def verify_cmd(app: AppContext, as_json: bool) -> None:
    """Check the archive's integrity: re-hash every blob, match blobs and catalog rows,
    walk the custody chain, hold every submission to the custody events that made it
    (re-pointed or re-assigned evidence is named) and the chain to its anchors (TSA
    tokens, the anchor log). Reports every problem found; exit 1 if there is any.

    \b
    Example:
      archiver verify --json
    """
    from ..verify import verify as verify_archive  # only this command of the module needs it

    archive = app.archive
    with app.progress(unit="B", unit_scale=True, desc=_("verifying")) as bar:
        def advance(n: int) -> None:
            bar.update(n)

        report = verify_archive(archive, progress=advance)
    if as_json:
        emit_json(report.as_dict())
    else:
        click.echo(_("Checked {blobs} blobs ({mb} MB) and {events} custody events.").format(
            blobs=report.blobs_checked, mb=f"{report.bytes_checked / 1048576:.1f}", events=report.events_checked))
        for p in report.problems:
            click.echo(click.style(_("PROBLEM") + " ", fg="red") + f"[{p.kind}] {p.message}")
        n = len(report.problems)
        click.echo(_("Archive intact.") if report.ok
                   else ngettext("{n} problem found.", "{n} problems found.", n).format(n=n))
        if report.not_recorded:
            click.echo(_("Warning: the result of the check was not recorded in the custody log ({reason})").format(
                reason=report.not_recorded), err=True)
    if not report.ok:
        raise SystemExit(1)


@main.command()
def types() -> None:
    """List the file type names usable in [limits] allowed_types.

    \b
    Example:
      archiver types
    """
    for name in sorted(KNOWN_TYPES):
        click.echo(name)
