"""Sections of ``watch_config.toml`` beyond the core archive: the work queue, custody anchors,
the S3 blob store, fixity and signing. ``archiver.config`` re-exports them and assembles
``Config``; each setting is declared once, here or there, with its default and help text.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .i18n import _


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def resolve_path(value: str | Path, info: ValidationInfo) -> Path:
    """A path from the file, relative to the configuration file's folder (``info.context["base"]``)."""
    base = (info.context or {}).get("base", Path.cwd())
    p = Path(os.path.expanduser(str(value)))
    return p if p.is_absolute() else (Path(base) / p).resolve()


class WorkSettings(Section):
    mode: Literal["inline", "queue"] = Field(default="inline", description=(
        "Where text extraction and indexing of new files run. \"inline\": in the process that archived "
        "the file (one server). \"queue\": ingest puts a job in the catalog and `archiver work` processes "
        "on any node take the jobs (several servers on a PostgreSQL catalog)."))
    lease_seconds: float = Field(strict=True, default=60.0, ge=1, le=3600, description="How long a node holds a "
                                 "job unless it renews the lease (it does while working); then another may take it.")
    max_attempts: int = Field(strict=True, default=3, ge=1, le=50, description="Tries of a job before it is "
                              "marked failed with its last error (shown by `archiver status`).")
    workers: int = Field(strict=True, default=0, ge=0, le=64, description="Worker processes of `archiver work` "
                         "(and of `archiver run` in queue mode) on this node; 0 means one per CPU core.")
    heartbeat_seconds: float = Field(strict=True, default=5.0, ge=0.2, le=300, description="How often each process "
                                     "records it is alive; `archiver status` flags one silent for 3 beats.")
    node_name: str = Field(default="", pattern=r"^[A-Za-z0-9._-]{0,100}$", description="This server's name in "
                           "`archiver status` (empty: the host name); each process is NAME/role/pid.")


class AnchorSettings(Section):
    tsa_url: str = Field(default="", description=(
        "URL of an RFC 3161 time-stamping authority (BSrE/BSSN's or any) that timestamps the head of the "
        "custody chain on a schedule, on every export and on `archiver anchor`. Empty: the head is only "
        "written to log_path. May be the same TSA as [sign] tsa_url."))
    tsa_ca_file: str = Field(default="", description=(
        "PEM file with the TSA's root certificate(s); `archiver verify` checks every token against it. "
        "Required when tsa_url is set."))
    tsa_timeout_seconds: float = Field(strict=True, default=30.0, gt=0, le=600, description=(
        "Longest wait for the TSA's answer; a TSA that fails leaves the anchor in log_path only "
        "(the next one tries again)."))
    log_path: Path = Field(default=Path("anchors/anchors.log"), description=(
        "Append-only anchor log outside the catalog: one hash-chained line per anchor, so that editing "
        "the database alone (cutting or recomputing the chain) is caught. Keep it (and back it up) apart "
        "from the catalog; never edit it."))
    interval_minutes: float = Field(strict=True, default=60.0, ge=1, description=(
        "How often `archiver watch` anchors the chain head (only when new events arrived)."))

    _resolve_path = field_validator("log_path")(resolve_path)

    @field_validator("tsa_ca_file")
    @classmethod
    def _ca(cls, v: str, info: ValidationInfo) -> str:
        return str(resolve_path(v, info)) if v else v

    @field_validator("tsa_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError(_("{url} is not an http(s) URL of a time-stamping authority").format(url=repr(v)))
        return v

    @model_validator(mode="after")
    def _ca_needed(self) -> AnchorSettings:
        if self.tsa_url and not self.tsa_ca_file:
            raise ValueError(_("tsa_url needs tsa_ca_file: the TSA's root certificate (PEM) that tokens are "
                               "checked against"))
        return self

    @property
    def tsa_ca_path(self) -> Path | None:
        return Path(self.tsa_ca_file) if self.tsa_ca_file else None


class S3Settings(Section):
    endpoint_url: str = Field(default="", description=(
        "URL of the S3-compatible server (MinIO, Ceph radosgw, Garage, ...), e.g. https://s3.bkd.example:9000. "
        "Empty means Amazon S3 itself in `region`. Used only when [archive] blob_store = \"s3\"."))
    bucket: str = Field(default="", description=(
        "Bucket holding the blobs (created beforehand by the storage administrator; turn on its Object Lock "
        "in compliance mode where the server offers it, so no one can overwrite or delete an archived blob)."))
    prefix: str = Field(default="blobs/", pattern=r"^([^/]+/)*$", description=(
        "Start of every object name, empty or ending in '/': a blob is <prefix>ab/cd/<sha256>. Several "
        "archives may share a bucket with different prefixes."))
    region: str = Field(default="", description=(
        "Region name for request signing (e.g. us-east-1); empty: the SDK's default."))
    credentials_file: str = Field(default="", description=(
        "File holding the access key in the AWS credentials format ([default] with aws_access_key_id and "
        "aws_secret_access_key; readable by the service user only). Empty: the environment "
        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or the SDK's usual places. "
        "Keys are never written in this file."))
    credentials_profile: str = Field(default="default", description="Section of credentials_file to use.")
    part_size_mb: int = Field(strict=True, default=8, ge=5, le=512, description=(
        "Size of each part of a multipart upload (files larger than this are uploaded in parts, one part "
        "in memory at a time; S3 requires at least 5)."))
    verify_reads_bytes: bool = Field(strict=True, default=False, description=(
        "false: `archiver verify` and fixity compare each object with the SHA-256 checksum the server "
        "stored when it received the bytes (a HEAD request; a full read where the server keeps none). "
        "true: download and re-hash every object (slow, and the server may bill the transfer)."))

    @model_validator(mode="before")
    @classmethod
    def _no_keys(cls, data: Any) -> Any:
        secret = [str(k) for k in (data if isinstance(data, dict) else ()) if any(
            w in str(k).lower() for w in ("key_id", "secret", "token"))]
        if secret:
            raise ValueError(_("access keys must not be written in the configuration file ({keys}); remove them "
                               "and give them through AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or credentials_file")
                             .format(keys=", ".join(secret)))
        return data

    _resolve_creds = field_validator("credentials_file")(lambda v, info: str(resolve_path(v, info)) if v else v)


class FixitySettings(Section):
    period_days: int = Field(strict=True, default=90, ge=1, le=3650, description=(
        "`archiver watch` re-hashes part of the archive each day, oldest check first, so that every blob "
        "is checked again within this many days. A blob that fails is shown in `archiver status` and on "
        "the web page /masalah."))
    daily_percent: float = Field(strict=True, default=0.0, ge=0, le=100, description=(
        "Share of the blobs re-hashed each day; 0 means just enough to meet period_days. More is allowed "
        "(the checks then come round sooner)."))


def _resolve_optional(value: str | Path | None, info: ValidationInfo) -> Path | None:
    return None if value is None or value == "" else resolve_path(value, info)


class SignSettings(Section):
    tsa_url: str = Field(default="", description=(
        "URL of an RFC 3161 time-stamping authority (BSrE/BSSN's or any) whose token is added to every "
        "signature `archiver generate --sign` makes. Empty: signatures carry only the signer's clock."))
    trust_roots: list[Path] = Field(default_factory=list, description=(
        "Root certificates (PEM files, e.g. the BSrE root) that signatures on incoming PDFs must lead to; "
        "a signature under any other root is shown as 'untrusted'."))
    visible: bool = Field(strict=True, default=True, description=(
        "Signatures that `generate --sign` makes show a box on the last page (name, time); false: invisible."))
    check_timeout_seconds: float = Field(strict=True, default=30.0, gt=0, le=600, description=(
        "Longest time the check of one incoming signed PDF may take (in a separate process under the "
        "[extract] memory limit); a file that takes longer is recorded as 'error'."))

    @field_validator("trust_roots", mode="before")
    @classmethod
    def _roots(cls, v: Any, info: ValidationInfo) -> Any:
        return [resolve_path(x, info) for x in v] if isinstance(v, list) and all(isinstance(x, str) for x in v) else v


class SignerSettings(Section):
    label: str = Field(default="", description="Role printed in the signature box, e.g. \"Pejabat Penilai Kinerja\".")
    pkcs12: Path | None = Field(default=None, description="PKCS#12 file (.p12/.pfx) with the key and certificate.")
    pkcs11_module: Path | None = Field(default=None, description="PKCS#11 library of a token (e.g. libsofthsm2.so).")
    pkcs11_token: str = Field(default="", description="Label of the PKCS#11 token.")
    pkcs11_key_label: str = Field(default="", description="Label of the key (and its certificate) on the token.")
    remote_url: str = Field(default="", description="URL of a remote signing service (BSrE-style API).")
    remote_user: str = Field(default="", description="The signer's id at the remote service (e.g. NIK).")
    passphrase_env: str = Field(default="", description=(
        "Environment variable holding the passphrase (PKCS#12), PIN (PKCS#11) or remote passphrase."))
    passphrase_file: Path | None = Field(default=None, description=(
        "File holding it instead (first line; keep it readable by the service user only)."))

    _resolve_paths = field_validator("pkcs12", "pkcs11_module", "passphrase_file", mode="before")(_resolve_optional)

    @model_validator(mode="after")
    def _one_source(self) -> SignerSettings:
        sources = [k for k, v in (("pkcs12", self.pkcs12), ("pkcs11_module", self.pkcs11_module),
                                  ("remote_url", self.remote_url)) if v]
        if len(sources) != 1:
            if sources:
                raise ValueError(_("a signer needs exactly one of pkcs12, pkcs11_module or remote_url (found "
                                   "{found})").format(found=", ".join(sources)))
            raise ValueError(_("a signer needs exactly one of pkcs12, pkcs11_module or remote_url"))
        if self.pkcs11_module and not (self.pkcs11_token and self.pkcs11_key_label):
            raise ValueError(_("a PKCS#11 signer needs pkcs11_token and pkcs11_key_label"))
        if self.remote_url and not self.remote_user:
            raise ValueError(_("a remote signer needs remote_user (the signer's id at the service)"))
        return self


class ShareLinkSettings(Section):
    default_days: int = Field(strict=True, default=14, ge=1, le=3650, description=(
        "How long a new share link for external auditors (BPK/BPKP) stays valid unless its maker "
        "chooses otherwise."))
    max_days: int = Field(strict=True, default=90, ge=1, le=3650, description=(
        "The longest validity a share link may be given; a link is revoked at any time from the web page "
        "/bagikan or with `archiver share revoke`."))

    @model_validator(mode="after")
    def _default_within_max(self) -> ShareLinkSettings:
        if self.default_days > self.max_days:
            raise ValueError(_("default_days ({default}) is longer than max_days ({max})").format(
                default=self.default_days, max=self.max_days))
        return self


class FlagSettings(Section):
    text_similarity: float = Field(strict=True, default=0.6, gt=0, le=1, description=(
        "Two different files whose texts share at least this estimated share of 3-word shingles "
        "(Jaccard, from MinHash) are near-duplicates (re-saved, re-scanned or lightly edited)."))
    image_distance: int = Field(strict=True, default=12, ge=0, le=32, description=(
        "Two images (or scanned pages) whose perceptual hashes differ in at most this many of 64 bits, "
        "in any of 4 rotations, are near-duplicates."))
    days_before: int = Field(strict=True, default=31, ge=0, le=3650, description=(
        "A date found in a file may be this many days before its period starts without a flag."))
    days_after: int = Field(strict=True, default=45, ge=0, le=3650, description=(
        "A date found in a file may be this many days after its period ends without a flag "
        "(reports are written after the period)."))
    deadline_days: int = Field(strict=True, default=5, ge=0, le=365, description=(
        "The deadline of a period: this many days after its last day."))
    burst_hours: float = Field(strict=True, default=48.0, gt=0, le=24 * 60, description=(
        "Uploads by one pegawai for one period received within this many hours before its deadline "
        "count as a burst."))
    burst_files: int = Field(strict=True, default=10, ge=2, le=100_000, description=(
        "How many files in that window make a burst."))
    burst_share: float = Field(strict=True, default=0.5, gt=0, le=1, description=(
        "...and what share of the pegawai's files for that period they must be at least."))


class RetentionSettings(Section):
    """Years each kind of record is kept (0: permanently), counted from the end of the record's tahun
    (evidence, SKP and evaluation data) or from its date when it has no tahun. See docs/retention.md:
    the defaults are deliberately long and each office must confirm them against its own JRA."""

    evidence_years: int = Field(strict=True, default=10, ge=0, le=100, description=(
        "Bukti dukung (evidence files): years after the end of their tahun (an unlinked file without a "
        "tahun: after it was received). Then an admin may propose its disposition; a second admin approves. "
        "0 keeps it permanently."))
    workbooks_years: int = Field(strict=True, default=10, ge=0, le=100, description=(
        "Imported SKP and evaluation workbooks: years after the end of their tahun (0: permanently). "
        "Shown by `archiver retention status`; archiver does not dispose of them yet."))
    documents_years: int = Field(strict=True, default=10, ge=0, le=100, description=(
        "Generated documents (SKP, Evaluasi Kinerja, Dokumen Evaluasi, rekap): years after the end of their "
        "tahun (0: permanently). Shown by `archiver retention status`; archiver does not dispose of them yet."))
    quarantined_years: int = Field(strict=True, default=2, ge=0, le=100, description=(
        "Quarantined files (refused as evidence): years after they were received (0: permanently). Shown by "
        "`archiver retention status`; archiver does not dispose of them yet. The custody log is never "
        "disposed of."))
