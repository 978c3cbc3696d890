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
from ..evidence import SIGNATURE_STATES, Filters
from ..filetypes import KNOWN_TYPES
from ..ingest import CHANGING
from ..verify import verify as verify_archive
from .common import AppContext, emit_json, emit_table, pass_app
from .group import main

_COLOURS = {"archived": "green", "duplicate": "cyan", "unlinked": "yellow", "quarantined": "red", "ignored": "white",
            CHANGING: "yellow"}


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing watch_config.toml.")
def init(directory: Path, force: bool) -> None:
    """Create a workspace: DIRECTORY/watch_config.toml and the folders it names.

    DIRECTORY/drop is the one share, DIRECTORY/archive the archive, DIRECTORY/index
    the index. Edit the file to add shares (one [shares.NAME] table each).

    \b
    Example:
      archiver init /srv/arsip-kinerja
    """
    target = write_workspace(directory, force=force)
    click.echo(f"Created {target}")
    click.echo(f"Drop evidence into {target.parent / 'drop'} as NIP/TAHUN/PERIODE/RHK/file, e.g.")
    click.echo("  198503152010011002/2026/TW1/RHK-01/laporan.pdf")
    click.echo(f"then run: archiver --config {target} ingest")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: path, status, sha256, reason, ...")
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
    with app.progress(desc="ingest") as bar:
        for r in results:
            counts[r.status] += 1
            bar.update(1)
            if as_json:
                emit_json({k: v for k, v in r.as_dict().items() if k not in ("share", "relpath", "transient")})
            elif not app.quiet or r.status in ("quarantined", CHANGING):  # -q: only problems, on stderr
                detail = r.reason or r.key.replace(iki=None).label()
                out = click.get_text_stream("stderr") if app.quiet else click.get_text_stream("stdout")
                bar.write(f"{click.style(r.status.ljust(11), fg=_COLOURS.get(r.status))} {r.path}"
                          + (f"  — {detail}" if detail else ""), file=out)
    if not as_json and not app.quiet:
        summary = ", ".join(f"{counts[s]} {s}" for s in (*STATUSES, CHANGING) if counts[s]) or "nothing new"
        click.echo(f"Ingest finished: {summary}.", err=True)
    if counts[CHANGING]:
        click.echo(f"{counts[CHANGING]} berkas masih berubah (sedang disalin atau ditulis) dan belum diarsipkan; "
                   "jalankan `archiver ingest` lagi setelah selesai.", err=True)
    if counts["quarantined"] or counts[CHANGING]:
        raise SystemExit(1)


_LIST_COLUMNS = [("id", "ID", 6), ("status", "STATUS", 11), ("nip", "NIP", 18), ("tahun", "TAHUN", 5),
                 ("periode", "PERIODE", 7), ("rhk", "RHK", 8), ("v", "V", 2), ("sha", "SHA256", 12),
                 ("path", "PATH", 0)]


@main.command("list")
@click.option("--nip", help="Only this pegawai (18-digit NIP).")
@click.option("--tahun", type=int, help="Only this year.")
@click.option("--periode", help="Only this periode (TW1-TW4, 01-12, TAHUNAN).")
@click.option("--status", type=click.Choice(STATUSES), help="Only submissions with this status.")
@click.option("--signature", type=click.Choice(SIGNATURE_STATES),
              help="Only files whose signature check is: valid, invalid, untrusted, none or error.")
@click.option("--limit", type=int, help="At most this many (newest first).")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines with every field.")
@pass_app
def list_(app: AppContext, nip: str | None, tahun: int | None, periode: str | None, status: str | None,
          signature: str | None, limit: int | None, as_json: bool) -> None:
    """List submissions (every file received, with its status and link).

    \b
    Example:
      archiver list --nip 198503152010011002 --periode TW1
      archiver list --status quarantined --json
      archiver list --signature invalid
    """
    filters = Filters(nip=nip, tahun=tahun, periode=periode, status=status, signature=signature).normalized()
    rows = subs.list_submissions(app.archive.catalog, filters, limit=limit, newest_first=bool(limit))
    if as_json:
        for row in rows:
            row["path"] = f"{row['share']}/{row['relpath']}"
            emit_json(row)
        return

    def shaped() -> object:
        for row in rows:
            yield {**row, "v": row["version"], "sha": (row["sha256"] or "")[:12],
                   "path": f"{row['share']}/{row['relpath']}" + (f"  — {row['reason']}" if row["reason"] else "")}

    n = emit_table(shaped(), _LIST_COLUMNS)  # type: ignore[arg-type]
    click.echo(f"{n} submission(s)", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.option("--problems", "n_problems", default=10, show_default=True, help="How many latest problems to show.")
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
    click.echo(f"Archive: {app.config.archive.path}  ({st['blobs']} blobs, {st['bytes'] / 1048576:.1f} MB)")
    click.echo("Submissions: " + (", ".join(f"{st['counts'].get(s, 0)} {s}" for s in STATUSES)))
    for key, title in (("watcher", "Watcher"),):
        if st.get(key):
            w = st[key]
            click.echo(f"{title}: {w.get('state')} (pid {w.get('pid')}), queue {w.get('queue')}, "
                       f"updated {w.get('updated_at')}")
    _echo_nodes(st)
    if st["latest"]:
        click.echo("Latest ingests:")
        for p in st["latest"]:
            click.echo(f"  {p['received_at']}  {p['status']:<11} {p['path']}")
    if st["problems"]:
        click.echo("Latest problems:")
        for p in st["problems"]:
            click.echo(f"  {p['received_at']}  {p['status']:<11} {p['path']}  — {p['reason']}")
    if st.get("integrity"):
        click.echo(click.style("Blob tidak utuh (gagal pemeriksaan integritas terakhir):", fg="red"))
        for f in st["integrity"]:
            what = f"isinya kini ber-hash {f['actual']}" if f["actual"] else "hilang dari penyimpanan"
            click.echo(f"  {f['checked_at']}  {f['sha256']}  {f['path']}  — {what} (diperiksa lewat {f['via']})")


def _echo_nodes(st: dict[str, Any]) -> None:
    """Every node with its heartbeat, the work queue and its failed jobs (`archiver status`)."""
    w = st["work"]
    if st["nodes"] or w["mode"] == "queue" or any(w[k] for k in ("queued", "running", "failed")):
        click.echo(f"Antrean kerja ({w['mode']}): {w['queued']} menunggu, {w['running']} berjalan, "
                   f"{w['failed']} gagal, {w['done']} selesai")
    if st["nodes"]:
        click.echo("Node:")
    for n in st["nodes"]:
        state = n["state"] if n["responding"] else click.style("tidak merespons", fg="red")
        click.echo(f"  {n['name']:<40} {state:<15} detak terakhir {n['heartbeat_at']} "
                   f"({n['seconds_since_heartbeat']:g} dtk lalu), {n['jobs_done']} selesai, {n['jobs_failed']} gagal")
    if st["failed_jobs"]:
        click.echo(click.style("Pekerjaan gagal (tidak dicoba lagi):", fg="red"))
        for f in st["failed_jobs"]:
            click.echo(f"  {f['at']}  {f['path']}  — {f['reason']} ({f['attempts']} percobaan, node {f['node']})")


@main.command()
@click.argument("submission", type=int)
@click.option("--note", required=True, help="Why this file is accepted as evidence (kept in the custody log).")
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
    click.echo(f"Submission {submission} ({r.path}) released: now {r.status}.")


@main.command("verify")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every problem.")
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
    archive = app.archive
    with app.progress(unit="B", unit_scale=True, desc="verify") as bar:
        def advance(n: int) -> None:
            bar.update(n)

        report = verify_archive(archive, progress=advance)
    if as_json:
        emit_json(report.as_dict())
    else:
        click.echo(f"Checked {report.blobs_checked} blobs ({report.bytes_checked / 1048576:.1f} MB) "
                   f"and {report.events_checked} custody events.")
        for p in report.problems:
            click.echo(click.style("PROBLEM ", fg="red") + f"[{p.kind}] {p.message}")
        click.echo("Archive intact." if report.ok else f"{len(report.problems)} problem(s) found.")
        if report.not_recorded:
            click.echo(f"Peringatan: hasil pemeriksaan tidak dicatat di log custody ({report.not_recorded})", err=True)
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
