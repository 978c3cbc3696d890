"""The anchors of an audit package: written at export, checked offline by ``verify-bag``.

At export the custody chain is anchored (``archiver.anchor``) with a statement that also names
the export and the SHA-256 of the bag's ``custody.jsonl``; the bag then carries:

* ``anchors.jsonl`` - every anchor of the archive up to this export (the export's last), each
  with its statement and, when a TSA is configured, its RFC 3161 token (base64 DER);
* ``tsa-ca.pem`` - the TSA root certificate(s) of ``[anchor] tsa_ca_file``, when configured.

``verify-bag`` checks, without the archive: every token against the TSA roots (``--tsa-ca``,
else the bag's own ``tsa-ca.pem``, said so), each statement against its row, that no anchor
names an earlier event than one before it (the chain was cut before the export), that the
export anchor names this bag and its ``custody.jsonl`` as it is now, and that every custody
event still hashes to its recorded hash and agrees with any anchor at its sequence number.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from ..anchor import anchor_now, anchor_records, check_token, load_roots
from ..archive import Archive
from ..catalog.custody import event_hash
from ..i18n import _

ANCHORS = "anchors.jsonl"
TSA_CA = "tsa-ca.pem"


def write_anchor_files(archive: Archive, bag: Path, export_id: str) -> dict[str, Any] | None:
    """Anchor the chain for this export and write the anchor tag files. Call after custody.jsonl."""
    custody_sha = hashlib.sha256((bag / "custody.jsonl").read_bytes()).hexdigest()
    result = anchor_now(archive, "export", extra={"export_id": export_id, "custody_sha256": custody_sha})
    with open(bag / ANCHORS, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in anchor_records(archive))
    ca = archive.config.anchor.tsa_ca_path
    if ca is not None and ca.is_file():
        shutil.copyfile(ca, bag / TSA_CA)
    return result.as_dict() if result else None


class _Report(Protocol):
    info: dict[str, list[str]]
    anchor: dict[str, Any]

    def add(self, kind: str, path: str, message: str) -> None: ...


def _lines(data: bytes, name: str, report: _Report) -> list[dict[str, Any]]:
    out = []
    for n, raw in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            report.add("anchor" if name == ANCHORS else "custody", name, _("line {n} is not a JSON object").format(n=n))
            continue
        out.append(value)
    return out


def _roots(read: Callable[[str], bytes | None], tsa_ca: Path | None, report: _Report) -> list[Any]:
    if tsa_ca is not None:
        report.anchor["roots"] = str(tsa_ca)
        return load_roots(tsa_ca)
    pem = read(TSA_CA)
    if pem is None:
        report.anchor["roots"] = None
        return []
    from cryptography import x509

    report.anchor["roots"] = _("{file} inside the package (pass --tsa-ca to use your own root)").format(file=TSA_CA)
    try:
        return list(x509.load_pem_x509_certificates(pem))
    except ValueError as exc:
        report.add("anchor", TSA_CA, _("the TSA certificate inside the package is damaged: {error}").format(error=exc))
        return []


def check_bag_anchors(read: Callable[[str], bytes | None], report: _Report, tsa_ca: Path | None = None) -> None:
    """Add every anchor problem of a bag to ``report`` (a bag from before anchors has none to check)."""
    data = read(ANCHORS)
    if data is None:
        return
    records = _lines(data, ANCHORS, report)
    if not records:
        report.add("anchor", ANCHORS, _("{file} is empty").format(file=ANCHORS))
        return
    roots = _roots(read, tsa_ca, report)
    highest = 0
    anchored: dict[int, str] = {}
    for rec in records:
        subject = _("anchor {id} ({at})").format(id=rec.get("id"), at=rec.get("at"))
        seq, hash_ = rec.get("seq"), rec.get("hash")
        try:
            statement = json.loads(str(rec.get("statement")))
        except ValueError:
            statement = None
        if not isinstance(statement, dict) or (statement.get("seq"), statement.get("hash")) != (seq, hash_) \
                or not isinstance(seq, int):
            report.add("anchor", ANCHORS,
                       _("{anchor}: the anchor statement does not match its line").format(anchor=subject))
            continue
        if rec.get("token"):
            try:
                token = base64.b64decode(str(rec["token"]), validate=True)
            except ValueError:
                report.add("anchor", ANCHORS, _("{anchor}: the token is not base64").format(anchor=subject))
            else:
                problem = check_token(token, str(rec["statement"]), roots)
                if problem:
                    report.add("anchor", ANCHORS, f"{subject}: {problem}")
        if seq < highest:
            report.add("anchor", ANCHORS, _("{anchor} names event {seq}, but an earlier anchor already reached event "
                                            "{highest}: the custody chain was cut before the export").format(
                anchor=subject, seq=seq, highest=highest))
        highest = max(highest, seq)
        anchored[seq] = str(hash_)
    last = records[-1]
    statement = json.loads(str(last.get("statement"))) if isinstance(last.get("statement"), str) else {}
    statement = statement if isinstance(statement, dict) else {}
    report.anchor.update({"seq": last.get("seq"), "at": last.get("at"), "tsa_url": last.get("tsa_url"),
                          "gen_time": last.get("gen_time"), "timestamped": bool(last.get("token")),
                          "anchors": len(records)})
    export_id = next(iter(report.info.get("External-Identifier") or []), None)
    if last.get("reason") != "export" or statement.get("export_id") != export_id:
        report.add("anchor", ANCHORS,
                   _("the last anchor is not the export anchor of this package (External-Identifier)"))
    custody = read("custody.jsonl")
    if custody is None:
        report.add("anchor", "custody.jsonl", _("custody.jsonl is missing, although the export anchor stamped it"))
        return
    if statement.get("custody_sha256") != hashlib.sha256(custody).hexdigest():
        report.add("anchor", "custody.jsonl", _("custody.jsonl was changed after the export: its content is not what "
                                                "the export anchor stamped"))
    export_seq = int(last.get("seq") or 0)
    for ev in _lines(custody, "custody.jsonl", report):
        _check_event(ev, export_seq, anchored, report)


def _check_event(ev: dict[str, Any], export_seq: int, anchored: dict[int, str], report: _Report) -> None:
    seq = ev.get("seq")
    try:
        h = event_hash(int(ev["seq"]), ev["at"], ev["kind"], ev["actor"], ev.get("submission_id"), ev.get("sha256"),
                       ev["detail_json"], ev["prev_hash"])
    except (KeyError, TypeError, ValueError):
        report.add("custody", "custody.jsonl", _("event {seq} is incomplete").format(seq=seq))
        return
    if h != ev.get("hash"):
        report.add("custody", "custody.jsonl", _("event {seq} ({kind}) was changed: its content no longer matches "
                                                 "its hash").format(seq=seq, kind=ev.get("kind")))
    if isinstance(seq, int) and seq > export_seq:
        report.add("custody", "custody.jsonl", _("event {seq} is newer than the export anchor (event {anchor}): "
                                                 "inserted after the export").format(seq=seq, anchor=export_seq))
    if isinstance(seq, int) and seq in anchored and anchored[seq] != ev.get("hash"):
        report.add("custody", "custody.jsonl", _("event {seq} differs from the anchor at that event").format(seq=seq))
