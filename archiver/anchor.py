"""Anchoring the custody chain outside the catalog: RFC 3161 timestamps and the anchor log.

The chain (``catalog.custody``) proves that no event was edited *unless* someone recomputes every
hash after the edit, or cuts events off the end and updates the head: the database file alone
cannot tell. An anchor fixes the head (seq, hash) outside it:

* with ``[anchor] tsa_url``, a time-stamping authority (BSrE/BSSN's, or any RFC 3161 TSA) signs
  the SHA-256 of a small canonical statement naming the head; the token (its DER response) is
  kept in ``custody_anchors`` and copied into every audit package;
* always, one line per anchor is appended to ``[anchor] log_path`` (outside the catalog, with its
  own hash chain: each line carries the hash of the line before), so an edit of the database
  alone is caught even without a TSA.

``check_anchors`` (run by ``archiver verify``) holds the chain to every anchor: an event at an
anchored sequence number with another hash means the chain was rewritten; a chain shorter
than an anchor means it was cut.

Client library: **rfc3161-client** (Trail of Bits, 1.0.x; the Rust ``cryptography`` stack, also
used by sigstore) builds the request, parses the response and verifies the token against the
configured TSA roots, with no other dependency. pyHanko's timestamp client would pull in aiohttp
and its own certificate validator for what is, here, one request and one signature check. The
HTTP POST itself is the standard library's ``urllib`` (RFC 3161 section 3.4).
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .archive import Archive, iso
from .catalog import anchors as q
from .errors import ArchiverError, UsageError
from .i18n import _

log = logging.getLogger(__name__)

STATEMENT_VERSION = 1
MAX_RESPONSE = 1024 * 1024


class TsaError(ArchiverError):
    """The time-stamping authority could not be reached or its answer was not usable."""


@dataclass(frozen=True)
class AnchorResult:
    id: int
    seq: int
    hash: str
    reason: str
    at: str
    tsa_url: str | None
    gen_time: str | None
    tsa_error: str | None = None

    @property
    def timestamped(self) -> bool:
        return self.gen_time is not None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "seq": self.seq, "hash": self.hash, "reason": self.reason, "at": self.at,
                "tsa_url": self.tsa_url, "gen_time": self.gen_time, "tsa_error": self.tsa_error}


def statement_for(seq: int, hash_: str, at: str, extra: dict[str, Any] | None = None) -> str:
    """The exact text an anchor timestamps (canonical JSON)."""
    body = {"archiver_anchor": STATEMENT_VERSION, "seq": seq, "hash": hash_, "at": at, **(extra or {})}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


# --------------------------------------------------------------------------- the TSA


def request_token(url: str, data: bytes, *, timeout: float = 30.0) -> tuple[bytes, str]:
    """Ask the TSA at ``url`` to timestamp ``data`` (its SHA-256). Returns (DER response, TSA time)."""
    from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder, decode_timestamp_response

    req = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    http = urllib.request.Request(url, data=req.as_bytes(), method="POST",
                                  headers={"Content-Type": "application/timestamp-query",
                                           "Accept": "application/timestamp-reply"})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as resp:
            body = resp.read(MAX_RESPONSE + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TsaError(_("TSA {url} cannot be reached: {error}").format(url=url, error=getattr(exc, 'reason', exc)),
                       hint=_("check [anchor] tsa_url and the network; the anchor is still written to the "
                              "anchor log")) from None
    if len(body) > MAX_RESPONSE:
        raise TsaError(_("the answer of TSA {url} is too large").format(url=url))
    try:
        tsr = decode_timestamp_response(body)
    except (ValueError, TypeError) as exc:
        raise TsaError(_("the answer of TSA {url} is not a valid RFC 3161 token: {error}").format(
            url=url, error=exc)) from None
    if tsr.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TsaError(_("TSA {url} refused the request (status {status}: {text})").format(
            url=url, status=tsr.status, text=" ".join(tsr.status_string)))
    if tsr.tst_info.message_imprint.message != hashlib.sha256(data).digest():
        raise TsaError(_("the token from TSA {url} does not stamp the data asked for").format(url=url))
    if req.nonce is not None and tsr.tst_info.nonce != req.nonce:
        raise TsaError(_("the token from TSA {url} carries another nonce (an old answer replayed?)").format(url=url))
    return body, iso(tsr.tst_info.gen_time.replace(tzinfo=tsr.tst_info.gen_time.tzinfo or dt.UTC))


def load_roots(path: Path) -> list[Any]:
    """The TSA root certificates (PEM, one or more) that tokens are checked against."""
    from cryptography import x509

    try:
        return list(x509.load_pem_x509_certificates(path.read_bytes()))
    except (OSError, ValueError) as exc:
        raise UsageError(_("{path}: the TSA certificate cannot be read: {error}").format(path=path, error=exc),
                         hint=_("give a PEM file holding the TSA root certificate ([anchor] tsa_ca_file)")) from None


def check_token(token: bytes, statement: str, roots: list[Any]) -> str | None:
    """None when the token is a valid timestamp of ``statement`` under ``roots``; else what is wrong."""
    from rfc3161_client import VerifierBuilder, decode_timestamp_response

    try:
        tsr = decode_timestamp_response(token)
    except (ValueError, TypeError) as exc:
        return _("damaged token: {error}").format(error=exc)
    if tsr.tst_info.message_imprint.message != hashlib.sha256(statement.encode("utf-8")).digest():
        return _("the token does not stamp this anchor statement (the statement or the token was replaced)")
    if not roots:
        return _("the token cannot be checked: no TSA root certificate")
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(tsr, statement.encode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - any failure of the check is a finding, never a crash
        return _("invalid TSA signature: {error}").format(error=exc)
    return None


def token_time(token: bytes) -> str | None:
    from rfc3161_client import decode_timestamp_response

    try:
        return iso(decode_timestamp_response(token).tst_info.gen_time)
    except (ValueError, TypeError):
        return None


# --------------------------------------------------------------------------- the anchor log


def _line_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "line"}
    return _sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _last_line(fh: Any) -> dict[str, Any] | None:
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    if end == 0:
        return None
    fh.seek(max(0, end - 8192))
    lines = [ln for ln in fh.read().splitlines() if ln.strip()]
    try:
        last = json.loads(lines[-1])
    except (ValueError, IndexError):
        raise UsageError(_("the anchor log is damaged on its last line"),
                         hint=_("run `archiver verify`; do not edit the anchor log")) from None
    return last if isinstance(last, dict) else None


def append_log(path: Path, *, at: str, seq: int, hash_: str, statement: str, token: bytes | None) -> str:
    """Append one anchor line (hash-chained to the line before); returns its hash. fsync'd."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        last = _last_line(fh)
        entry = {"n": (int(last["n"]) + 1) if last else 1, "at": at, "seq": seq, "hash": hash_,
                 "statement_sha256": _sha256(statement), "token_sha256": _sha256(token) if token else None,
                 "prev": str(last["line"]) if last else "0" * 64}
        entry["line"] = _line_hash(entry)
        fh.write((json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    return str(entry["line"])


@dataclass(frozen=True)
class AnchorProblem:
    kind: str  # anchor, anchor_log
    subject: str
    message: str


def read_log(path: Path) -> tuple[list[dict[str, Any]], list[AnchorProblem]]:
    """The lines of the anchor log, and every break in its own chain."""
    entries: list[dict[str, Any]] = []
    problems: list[AnchorProblem] = []
    prev, n = "0" * 64, 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                ok_shape = isinstance(entry, dict) and isinstance(entry.get("n"), int)
            except ValueError:
                ok_shape = False
            if not ok_shape:
                problems.append(AnchorProblem("anchor_log", str(lineno), _("{path} line {lineno} is damaged").format(
                    path=path, lineno=lineno)))
                continue
            n += 1
            if entry["n"] != n or entry.get("prev") != prev or _line_hash(entry) != entry.get("line"):
                problems.append(AnchorProblem("anchor_log", str(lineno),
                                              _("{path} line {lineno} does not follow on from the line before "
                                                "(a line was edited, inserted or deleted)").format(
                                                  path=path, lineno=lineno)))
            prev, n = str(entry.get("line")), int(entry["n"])
            entries.append(entry)
    return entries, problems


# --------------------------------------------------------------------------- anchoring


def log_path(archive: Archive) -> Path:
    return archive.config.anchor.log_path


def anchor_now(archive: Archive, reason: str = "manual", *, extra: dict[str, Any] | None = None,
               only_if_moved: bool = False) -> AnchorResult | None:
    """Anchor the chain head now: TSA token (when configured), anchor log line, catalog row.

    A TSA that fails does not stop the anchor: the head still goes to the log and the catalog,
    and ``tsa_error`` says why it has no token. None when the chain is empty, or (with
    ``only_if_moved``) when the head is the one anchored last and nothing would change.
    """
    cfg = archive.config.anchor
    with archive.catalog.read() as conn:
        head = q.head(conn)
    if head is None:
        return None
    seq, hash_ = head
    if only_if_moved:
        last = q.last_anchor(archive.catalog)
        if last and (last["seq"], last["hash"]) == head and (last["token"] or not cfg.tsa_url):
            return None
    at = archive.now()
    statement = statement_for(seq, hash_, at, extra)
    token = gen_time = tsa_error = None
    if cfg.tsa_url:
        try:
            token, gen_time = request_token(cfg.tsa_url, statement.encode("utf-8"), timeout=cfg.tsa_timeout_seconds)
        except TsaError as exc:
            tsa_error = exc.message
            log.warning("anchor without a timestamp: %s", exc.message)
    line = append_log(cfg.log_path, at=at, seq=seq, hash_=hash_, statement=statement, token=token)
    with archive.catalog.begin() as conn:
        anchor_id = q.add_anchor(conn, at=at, seq=seq, hash_=hash_, reason=reason, statement=statement,
                                 tsa_url=cfg.tsa_url or None, token=token, gen_time=gen_time, log_hash=line)
    return AnchorResult(anchor_id, seq, hash_, reason, at, cfg.tsa_url or None, gen_time, tsa_error)


def anchor_records(archive: Archive) -> list[dict[str, Any]]:
    """Every anchor as an audit package carries it (the token in base64)."""
    with archive.catalog.read() as conn:
        rows = q.anchors(conn)
    return [{"id": r["id"], "at": r["at"], "seq": r["seq"], "hash": r["hash"], "reason": r["reason"],
             "statement": r["statement"], "tsa_url": r["tsa_url"], "gen_time": r["gen_time"],
             "token": base64.b64encode(r["token"]).decode("ascii") if r["token"] else None} for r in rows]


def _statement_problem(row: dict[str, Any]) -> str | None:
    try:
        body = json.loads(row["statement"])
    except (ValueError, TypeError):
        return _("the anchor statement is not JSON")
    if not isinstance(body, dict) or (body.get("seq"), body.get("hash")) != (row["seq"], row["hash"]):
        return _("the anchor statement does not name the chain head its row records (the row was edited)")
    return None


def check_anchors(archive: Archive) -> Iterator[AnchorProblem]:
    """Hold the custody chain to every anchor (catalog rows and the anchor log); yield every problem."""
    cfg = archive.config.anchor
    roots = load_roots(cfg.tsa_ca_path) if cfg.tsa_ca_path else []
    with archive.catalog.read() as conn:
        rows = q.anchors(conn)
        end = q.last_seq(conn)

        def against_chain(subject: str, seq: int, hash_: str, when: str) -> Iterator[AnchorProblem]:
            if seq > end:
                yield AnchorProblem("anchor", subject, _(
                    "the custody chain ends at event {end}, but it was anchored up to event {seq} on {when}: "
                    "events were cut from the end of the chain").format(end=end, seq=seq, when=when))
                return
            actual = q.event_hash_at(conn, seq)
            if actual != hash_:
                yield AnchorProblem("anchor", subject, _(
                    "event {seq} no longer matches the anchor of {when}: the custody chain was rewritten before "
                    "that anchor").format(seq=seq, when=when))

        for row in rows:
            subject = _("anchor {id}").format(id=row["id"])
            yield from against_chain(subject, row["seq"], row["hash"], row["at"])
            problem = _statement_problem(row)
            if problem:
                yield AnchorProblem("anchor", subject, f"{subject}: {problem}")
            if row["token"]:
                problem = check_token(row["token"], row["statement"], roots)
                if problem:
                    yield AnchorProblem("anchor", subject, f"{subject} ({row['at']}): {problem}")
        path = cfg.log_path
        if not path.exists():
            if any(r["log_hash"] for r in rows):
                yield AnchorProblem("anchor_log", str(path), _(
                    "anchor log {path} is missing, but the catalog records {n} anchors").format(path=path, n=len(rows)))
            return
        entries, problems = read_log(path)
        yield from problems
        by_statement = {_sha256(r["statement"]): r for r in rows}
        logged = set()
        for e in entries:
            subject = _("anchor log line {n}").format(n=e["n"])
            logged.add(e.get("statement_sha256"))
            if isinstance(e.get("seq"), int) and isinstance(e.get("hash"), str):
                yield from against_chain(subject, e["seq"], e["hash"], str(e.get("at")))
            if e.get("statement_sha256") not in by_statement:
                yield AnchorProblem("anchor", subject, _(
                    "{subject} ({at}) is not in the catalog: the anchor was deleted from the catalog").format(
                        subject=subject, at=e.get("at")))
        for r in rows:
            if r["log_hash"] and _sha256(r["statement"]) not in logged:
                yield AnchorProblem("anchor", _("anchor {id}").format(id=r["id"]), _(
                    "anchor {id} ({at}) is not in anchor log {path}").format(id=r["id"], at=r["at"], path=path))
