"""The tag files of a bag: bagit.txt, bag-info.txt, the manifests, custody.jsonl, the list of evidence
(index.html from a Jinja2 template, daftar-bukti.csv), the findings the evidence is linked to
(findings.csv, and a table in index.html; only when there are any), the judgements of the exported
files (tinjauan.csv, every one with its reason and answers; only when there are any) and the tag
manifests."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote
from zoneinfo import ZoneInfo

import bagit  # type: ignore[import-untyped]
import jinja2

from ..archive import Archive
from ..catalog import bags as catalog_bags
from ..catalog import reviews as catalog_reviews
from ..findings.model import Finding, status_text, touching
from .anchors import write_anchor_files
from .common import ALGORITHMS, BAGIT_VERSION, digest, parse_utc
from .selection import BagInfo, ExportCriteria, Item, nips_of

_ZONE_LABEL = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("archiver.bags", "templates"),
    autoescape=jinja2.select_autoescape(("html", "html.j2")),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def write_tag_files(archive: Archive, bag: Path, items: list[Item], criteria: ExportCriteria, info: BagInfo,
                    at: str, export_id: str) -> dict[str, Any] | None:
    """Every tag file of the bag (its payload is in place, each item with its SHA-512).
    Returns the export's anchor of the custody chain (see :mod:`.anchors`)."""
    zone = archive.config.archive.timezone
    (bag / "bagit.txt").write_text(f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n",
                                   encoding="utf-8")
    for alg in ALGORITHMS:
        with open(bag / f"manifest-{alg}.txt", "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(f"{it.sha256 if alg == 'sha256' else it.sha512}  {it.bag_path}\n" for it in items)
    _write_bag_info(bag / "bag-info.txt", items, criteria, info, at, export_id, archive.actor)
    with open(bag / "custody.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n"
                      for event in custody_events(archive, items))
    anchor = write_anchor_files(archive, bag, export_id)  # stamps custody.jsonl as written above
    findings = touching(archive, [it.id for it in items])
    if findings:
        with open(bag / "findings.csv", "w", encoding="utf-8-sig", newline="") as fh:
            _write_findings(fh, findings, items)
    judged = {sid: h for sid, h in catalog_reviews.history(archive.catalog, [it.id for it in items]).items() if h}
    if judged:
        with open(bag / "tinjauan.csv", "w", encoding="utf-8-sig", newline="") as fh:
            _write_reviews(fh, judged, items, zone)
    with open(bag / "index.html", "w", encoding="utf-8", newline="\n") as fh:
        _write_index(fh, items, criteria, info, at, zone, archive.actor, findings)
    with open(bag / "daftar-bukti.csv", "w", encoding="utf-8-sig", newline="") as fh:
        _write_csv(fh, items, zone)
    tag_files = sorted(p.name for p in bag.iterdir() if p.is_file() and not p.name.startswith("tagmanifest-"))
    for alg in ALGORITHMS:
        lines = [f"{digest(bag / n, alg)}  {n}\n" for n in tag_files]
        (bag / f"tagmanifest-{alg}.txt").write_text("".join(lines), encoding="utf-8")
    return anchor


def _tag_value(value: object) -> str:
    return " ".join(str(value).split())  # one line: no CR/LF can break the tag file


def _write_bag_info(path: Path, items: list[Item], criteria: ExportCriteria, info: BagInfo, at: str,
                    export_id: str, actor: str) -> None:
    payload = sum(it.size for it in items)
    tags: list[tuple[str, object]] = []
    if info.organization:
        tags.append(("Source-Organization", info.organization))
    if info.contact_name:
        tags.append(("Contact-Name", info.contact_name))
    if info.contact_email:
        tags.append(("Contact-Email", info.contact_email))
    tags.append(("External-Description", info.description or
                 f"Bukti dukung kinerja pegawai ({criteria.describe()}), diekspor dari archiver"))
    tags += [("External-Identifier", export_id), ("Bagging-Date", at[:10]),
             ("Bag-Software-Agent", f"archiver {version('archiver')} (bagit-python {bagit.VERSION})"),
             ("Payload-Oxum", f"{payload}.{len(items)}"), ("Bag-Size", human_size(payload))]
    tags += [("NIP", n) for n in nips_of(items)]
    if criteria.unit:
        tags.append(("Unit-Kerja", criteria.unit))
    if criteria.finding is not None:
        tags.append(("Temuan", criteria.finding))
    tags += [("Tahun", criteria.tahun or "semua"), ("Periode", criteria.periode or "semua"), ("Item-Count", len(items)),
             ("Export-Time", at), ("Exported-By", actor),
             ("Versions", "semua versi" if criteria.all_versions else "versi terakhir"),
             ("Removed-Included", "ya" if criteria.include_removed else "tidak")]
    path.write_text("".join(f"{k}: {_tag_value(v)}\n" for k, v in tags), encoding="utf-8")


def custody_events(archive: Archive, items: list[Item]) -> Iterator[dict[str, Any]]:
    """Every custody event of the exported submissions (and of their blobs alone), by sequence."""
    for row in catalog_bags.custody_rows(archive.catalog, (it.id for it in items), (it.sha256 for it in items)):
        row["detail_json"] = row["detail"]  # the exact text the event hash covers
        row["detail"] = json.loads(row["detail"])
        yield row


def local_time(value: str, zone: str) -> str:
    """A catalog timestamp as local time with its zone (``02-03-2026 08:00:00 WIB``)."""
    t = parse_utc(value)
    if t is None:
        return value
    return t.astimezone(ZoneInfo(zone)).strftime("%d-%m-%Y %H:%M:%S") + " " + _ZONE_LABEL.get(zone, zone)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


@dataclass(frozen=True)
class _IndexRow:
    """One line of index.html, as text (the template escapes it)."""

    no: int
    href: str
    name: str
    nip: str
    periode: str
    rhk: str
    version: int
    size: str
    sha256: str
    received: str
    origin: str


def _index_rows(items: list[Item], zone: str) -> Iterator[_IndexRow]:
    for n, it in enumerate(items, 1):
        yield _IndexRow(no=n, href=quote(it.bag_path), name=it.bag_path.rsplit("/", 1)[-1], nip=it.key.nip or "-",
                        periode=it.key.periode or "-", rhk=it.key.rhk or "-", version=it.version,
                        size=human_size(it.size), sha256=it.sha256, received=local_time(it.received_at, zone),
                        origin=f"{it.share}/{it.relpath}")


def _write_index(fh: TextIO, items: list[Item], criteria: ExportCriteria, info: BagInfo, at: str, zone: str,
                 actor: str, findings: list[Finding]) -> None:
    summary = [("NIP", ", ".join(nips_of(items))), ("Unit kerja", criteria.unit or "-"),
               ("Tahun", str(criteria.tahun or "semua")), ("Periode", criteria.periode or "semua"),
               ("Jumlah berkas", str(len(items))), ("Total ukuran", human_size(sum(it.size for it in items))),
               ("Versi", "semua versi" if criteria.all_versions else "versi terakhir setiap berkas"),
               ("Waktu ekspor", local_time(at, zone)), ("Diekspor oleh", actor),
               ("Instansi", info.organization or "-")]
    template = _templates.get_template("index.html.j2")
    if criteria.finding is not None:
        summary.insert(0, ("Temuan", f"nomor {criteria.finding}"))
    in_bag = {it.id: it.bag_path for it in items}
    found = [{"id": f.id, "judul": f.judul, "lingkup": f.scope_text, "rekomendasi": f.rekomendasi or "-",
              "status": status_text(f), "files": [(quote(in_bag[e.submission_id]), in_bag[e.submission_id][5:])
                                                  for e in f.evidence if e.submission_id in in_bag]}
             for f in findings]
    fh.writelines(template.generate(tahun=criteria.tahun or "", summary=summary, rows=_index_rows(items, zone),
                                    findings=found))


def _write_csv(fh: TextIO, items: list[Item], zone: str) -> None:
    w = csv.writer(fh)
    w.writerow(["no", "berkas", "nip", "tahun", "periode", "rhk", "iki", "versi", "status", "ukuran", "sha256",
                "sha512", "diterima", "lokasi_asal", "id_arsip"])
    for n, it in enumerate(items, 1):
        w.writerow([n, it.bag_path, *it.key.columns().values(), it.version, it.status, it.size,
                    it.sha256, it.sha512, local_time(it.received_at, zone), f"{it.share}/{it.relpath}", it.id])


def _write_findings(fh: TextIO, findings: list[Finding], items: list[Item]) -> None:
    """One line per finding touching the bag's evidence: its APIP elements, status and evidence."""
    in_bag = {it.id: it.bag_path for it in items}
    w = csv.writer(fh)
    w.writerow(["no_temuan", "judul", "lingkup", "kondisi", "kriteria", "sebab", "akibat", "rekomendasi",
                "jatuh_tempo", "status", "tindak_lanjut", "bukti"])
    for f in findings:
        evidence = [f"{e.submission_id}:{'dasar' if e.role == 'basis' else 'tindak-lanjut'}:{e.sha256}"
                    + (f":{in_bag[e.submission_id]}" if e.submission_id in in_bag else "") for e in f.evidence]
        w.writerow([f.id, f.judul, f.scope_text, f.kondisi, f.kriteria, f.sebab, f.akibat, f.rekomendasi or "",
                    f.due or "", status_text(f), " | ".join(f"{s['at'][:10]} {s['actor']}: {s['text']}"
                                                            for s in f.answers),
                    "; ".join(evidence)])


#: Review states as the bag writes them (a bag is an Indonesian document whatever the reader's language).
_REVIEW_STATES = {"diterima": "diterima", "perlu_perbaikan": "perlu perbaikan", "ditolak": "ditolak"}


def _write_reviews(fh: TextIO, judged: dict[int, list[dict[str, Any]]], items: list[Item], zone: str) -> None:
    """One line per judgement of an exported file, oldest first (the last one of a file counts), with
    the new versions the pegawai sent as answers."""
    w = csv.writer(fh)
    w.writerow(["id_arsip", "berkas", "versi", "keputusan", "alasan", "halaman", "penilai", "peran", "waktu",
                "dijawab_dengan", "berlaku"])
    for it in items:
        history = judged.get(it.id, [])
        for n, j in enumerate(history, 1):
            answers = "; ".join(f"v{a['number']}:{a['id']}:{a['sha256']}" for a in j["answered_by"])
            w.writerow([it.id, it.bag_path, it.version, _REVIEW_STATES.get(j["state"], j["state"]), j["reason"] or "",
                        j["page"] or "", j["actor"], j["role"], local_time(j["at"], zone), answers,
                        "ya" if n == len(history) else "tidak"])
