"""Configuration: ``watch_config.toml`` loaded into frozen, validated objects.

Each setting is declared once, below, with its default and its help text. The default
file that ``archiver init`` writes (and the repository's ``watch_config.toml``) is
rendered from these declarations, so the documentation cannot drift from the code.

Relative paths resolve against the folder of the configuration file.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import ConfigError
from .pathpattern import DEFAULT_PATTERN, PathPattern, PatternError

CONFIG_NAME = "watch_config.toml"
ENV_VAR = "ARCHIVER_CONFIG"

#: Types accepted as evidence by default (names from archiver.filetypes).
DEFAULT_TYPES = [
    "pdf", "docx", "doc", "xlsx", "xls", "pptx", "ppt", "odt", "ods", "odp", "rtf",
    "text", "csv", "jpeg", "png", "gif", "tiff", "webp", "heic", "bmp", "mp4",
]
DEFAULT_IGNORE = [
    "~$*", ".~lock.*", "*.crdownload", "*.part", "*.partial", "*.tmp", "*.temp", "*.download",
    "Thumbs.db", "desktop.ini", ".DS_Store", "._*", ".Trashes", ".TemporaryItems",
    "$RECYCLE.BIN", "System Volume Information", ".stfolder", ".git",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _resolve(value: str | Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base", Path.cwd())
    p = Path(os.path.expanduser(str(value)))
    return p if p.is_absolute() else (Path(base) / p).resolve()


class ArchiveSettings(_Section):
    path: Path = Field(default=Path("archive"), description=(
        "Folder of the archive: write-once blobs, temporary files and, by default, the SQLite catalog. "
        "Created when missing. Keep it outside every share."))
    catalog_url: str = Field(default="", description=(
        "SQLAlchemy URL of the catalog. Empty means sqlite:///<archive path>/catalog.sqlite. "
        "For a large deployment: postgresql+psycopg://user@host/archiver"))
    migrate_on_open: bool = Field(strict=True, default=True, description=(
        "Upgrade the catalog's schema when a command opens it (right for the embedded SQLite catalog). "
        "Several servers on one PostgreSQL catalog set it false and run `archiver migrate` once during an "
        "upgrade, then restart the nodes; a catalog that is behind then stops every command with exit 2."))
    blob_store: Literal["local", "s3"] = Field(default="local", description=(
        "Where blobs live. 'local' keeps them under the archive path; 's3' puts them in an "
        "S3-compatible object store set in [s3] (temporary files stay under the archive path)."))
    timezone: str = Field(default="Asia/Jakarta", description=(
        "Office time zone for display: Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT). "
        "Times are stored in UTC."))

    _resolve_path = field_validator("path")(_resolve)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}; write Asia/Jakarta, Asia/Makassar or Asia/Jayapura") from None
        return v

    @property
    def resolved_catalog_url(self) -> str:
        return self.catalog_url or f"sqlite:///{self.path / 'catalog.sqlite'}"


class IndexSettings(_Section):
    path: Path = Field(default=Path("index"), description=(
        "Folder of the full-text index (Whoosh). Derived data: `archiver reindex` rebuilds it "
        "from the catalog and the blobs."))
    fast_path: bool = Field(strict=True, default=True, description=(
        "Answer 'all these words, under these filters' by reading the index's posting lists directly "
        "(10-30x faster at 100,000 documents). false uses Whoosh's own matchers for every query: "
        "slower, same results."))
    batch_size: int = Field(strict=True, default=200, ge=1, le=10_000, description=(
        "Ingest writes new files to the index in batches, one commit per batch: a batch is written "
        "when it holds this many files or its oldest file has waited batch_seconds, whichever comes first."))
    batch_seconds: float = Field(strict=True, default=0.5, gt=0, le=60, description=(
        "Longest time a newly archived file waits for its batch (the watcher writes a file dropped "
        "alone within about this time plus a quarter second)."))
    writer_process: bool = Field(strict=True, default=True, description=(
        "Write full batches (a burst of batch_size files or more) in a separate index writer process, "
        "so storing and cataloguing the next files does not wait for the index (about 1.5x the files per "
        "second of a burst on 2 cores). false writes every batch in a thread of the ingesting process."))
    max_words_per_document: int = Field(strict=True, default=5_000, ge=100, le=1_000_000, description=(
        "Most distinct words one document adds to the index. Beyond it the rarest words are left out "
        "(words seen once first: random strings, encoded data, OCR noise), so one file cannot make the "
        "index many times its size (each distinct word costs about 400 bytes). The text is kept whole "
        "in the catalog; a report of 50 pages holds about 3,000 distinct words."))
    max_chars_per_document: int = Field(strict=True, default=1_000_000, ge=1_000, le=100_000_000, description=(
        "Most characters of one document's text that are indexed (about 300 pages); the rest is not "
        "searchable but stays in the catalog."))

    _resolve_path = field_validator("path")(_resolve)


class LimitSettings(_Section):
    max_file_size_mb: float = Field(strict=True, default=200.0, gt=0, description=(
        "Files larger than this are quarantined (their bytes are kept, not accepted as evidence)."))
    allowed_types: list[str] = Field(default_factory=lambda: list(DEFAULT_TYPES), description=(
        "File types accepted as evidence, judged by content, not by extension. Known types: "
        "see `archiver types`. Anything else is quarantined."))
    ignore: list[str] = Field(default_factory=lambda: list(DEFAULT_IGNORE), description=(
        "Names (shell patterns, matched on each file and folder name) that are never archived: "
        "editor lock files, partial downloads, OS litter. They are recorded as ignored."))

    @field_validator("allowed_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        from .filetypes import KNOWN_TYPES

        unknown = [t for t in v if t not in KNOWN_TYPES]
        if unknown:
            raise ValueError(f"unknown type(s) {', '.join(map(repr, unknown))}; "
                             f"known types: {', '.join(sorted(KNOWN_TYPES))}")
        return v


class ExtractSettings(_Section):
    timeout_seconds: float = Field(strict=True, default=60.0, gt=0, description=(
        "Longest time text extraction may take for one file (OCR has its own limit below); a file "
        "that takes longer is archived flagged 'no text: extraction timed out'."))
    memory_mb: int = Field(strict=True, default=1024, ge=256, description=(
        "Memory the extraction worker process may use; a file that needs more is archived flagged 'no text'."))
    max_pixels: int = Field(strict=True, default=60_000_000, ge=1_000_000, description=(
        "Largest image (width x height) that is decoded: larger ones are decompression bombs or posters."))
    max_unzipped_mb: int = Field(strict=True, default=300, ge=10, description=(
        "Largest inflated size of the zip members of one Word/Excel/OpenDocument file (zip bombs)."))
    max_text_chars: int = Field(strict=True, default=2_000_000, ge=10_000, description=(
        "Text kept per file for search; the rest is cut (noted in the file's metadata)."))
    ocr: bool = Field(strict=True, default=True, description=(
        "Read text from photos, scans and PDF pages without a text layer with Tesseract at ingest. "
        "false (or Tesseract missing): such files wait as 'text pending' for `archiver reindex --ocr`."))
    ocr_languages: str = Field(default="ind+eng", pattern=r"^[a-z_]{3,}(\+[a-z_]{3,})*$", description=(
        "Tesseract language data to use (Debian packages tesseract-ocr-ind, tesseract-ocr-eng)."))
    max_ocr_pages: int = Field(strict=True, default=50, ge=1, description=(
        "Pages without a text layer read by OCR per PDF; later pages are skipped (noted in the metadata)."))
    ocr_timeout_seconds: float = Field(strict=True, default=300.0, gt=0, description=(
        "Longest time OCR may take for one file, all its pages together."))
    workers: int = Field(strict=True, default=0, ge=0, le=64, description=(
        "Files parsed at the same time, each in its own worker process under the limits above; "
        "0 means one per CPU core."))


class WatchSettings(_Section):
    reconcile_interval_seconds: float = Field(strict=True, default=300.0, ge=5, description=(
        "How often `archiver watch` rescans every share in full. The scan is the truth; "
        "file events only make ingest fast."))
    retry_attempts: int = Field(strict=True, default=5, ge=0, le=50, description=(
        "How many times a transient error (file locked, permission flapping, disk full) is retried, "
        "with growing waits, before the file is quarantined."))


class AnchorSettings(_Section):
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

    _resolve_path = field_validator("log_path")(_resolve)

    @field_validator("tsa_ca_file")
    @classmethod
    def _ca(cls, v: str, info: ValidationInfo) -> str:
        return str(_resolve(v, info)) if v else v

    @field_validator("tsa_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError(f"{v!r} is not an http(s) URL of a time-stamping authority")
        return v

    @model_validator(mode="after")
    def _ca_needed(self) -> AnchorSettings:
        if self.tsa_url and not self.tsa_ca_file:
            raise ValueError("tsa_url needs tsa_ca_file: the TSA's root certificate (PEM) that tokens are "
                             "checked against")
        return self

    @property
    def tsa_ca_path(self) -> Path | None:
        return Path(self.tsa_ca_file) if self.tsa_ca_file else None


class S3Settings(_Section):
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
            raise ValueError(f"kunci akses tidak boleh ditulis di berkas konfigurasi ({', '.join(secret)}); hapus "
                             "dan berikan lewat AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY atau credentials_file")
        return data

    _resolve_creds = field_validator("credentials_file")(lambda v, info: str(_resolve(v, info)) if v else v)


class FixitySettings(_Section):
    period_days: int = Field(strict=True, default=90, ge=1, le=3650, description=(
        "`archiver watch` re-hashes part of the archive each day, oldest check first, so that every blob "
        "is checked again within this many days. A blob that fails is shown in `archiver status` and on "
        "the web page /masalah."))
    daily_percent: float = Field(strict=True, default=0.0, ge=0, le=100, description=(
        "Share of the blobs re-hashed each day; 0 means just enough to meet period_days. More is allowed "
        "(the checks then come round sooner)."))


class WebAppSettings(_Section):
    metrics_allow: list[str] = Field(default_factory=list, description=(
        "Addresses (IPs or CIDR networks, e.g. [\"127.0.0.1\", \"10.0.5.0/24\"]) that may read the "
        "Prometheus metrics at /metrics without logging in (the scraper). Anyone else needs an admin "
        "session. Behind a reverse proxy the address is the proxy's unless `archiver serve --behind-proxy` "
        "trusts it. /healthz needs no login and shows no names or paths."))

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        import ipaddress

        for item in v:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network; write e.g. \"10.0.5.7\" "
                                 "or \"10.0.5.0/24\"") from None
        return v


class ShareSettings(_Section):
    path: Path = Field(description="Folder that staff drop evidence into (a local folder or a mounted SMB/NFS share).")
    pattern: str = Field(default=DEFAULT_PATTERN, description=(
        "Folders that link a file to pegawai and indicator: fields {nip} {tahun} {periode} {rhk} {iki} {nama}, "
        "'*' for any folder, a final '...' for any sub-folders. "
        "Example: 198503152010011002/2026/TW1/RHK-01/laporan.pdf"))
    polling: bool = Field(strict=True, default=False, description=(
        "true for network shares (SMB/CIFS/NFS) where file events never arrive: the share is polled instead."))
    poll_interval_seconds: float = Field(strict=True, default=5.0, ge=0.5, description=(
        "With polling = true, seconds between polls (a 1 s poll of 50,000 files costs ~40% of a core; 5 s ~11%)."))
    settle_seconds: float = Field(strict=True, default=2.0, ge=0, description=(
        "A file is ingested only once its size and modification time have not changed for this long."))

    _resolve_path = field_validator("path")(_resolve)

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str) -> str:
        try:
            PathPattern(v)
        except PatternError as exc:
            raise ValueError(str(exc)) from None
        return v

    @property
    def path_pattern(self) -> PathPattern:
        return PathPattern(self.pattern)


def _resolve_optional(value: str | Path | None, info: ValidationInfo) -> Path | None:
    return None if value is None or value == "" else _resolve(value, info)


class SignSettings(_Section):
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
        return [_resolve(x, info) for x in v] if isinstance(v, list) and all(isinstance(x, str) for x in v) else v


class SignerSettings(_Section):
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
            raise ValueError("a signer needs exactly one of pkcs12, pkcs11_module or remote_url"
                             + (f" (found {', '.join(sources)})" if sources else ""))
        if self.pkcs11_module and not (self.pkcs11_token and self.pkcs11_key_label):
            raise ValueError("a PKCS#11 signer needs pkcs11_token and pkcs11_key_label")
        if self.remote_url and not self.remote_user:
            raise ValueError("a remote signer needs remote_user (the signer's id at the service)")
        return self


class Config(_Section):
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings, description="The archive itself.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Full-text search.")
    limits: LimitSettings = Field(default_factory=LimitSettings, description="What is accepted as evidence.")
    extract: ExtractSettings = Field(default_factory=ExtractSettings, description=(
        "Text extraction for search (runs in a separate worker process under these limits)."))
    watch: WatchSettings = Field(default_factory=WatchSettings, description="The watcher (`archiver watch`).")
    s3: S3Settings = Field(default_factory=S3Settings, description=(
        "S3-compatible blob store, used when [archive] blob_store = \"s3\". Access keys come from the "
        "environment or credentials_file, never from this file."))
    anchor: AnchorSettings = Field(default_factory=AnchorSettings, description=(
        "Anchoring the custody chain outside the catalog: RFC 3161 timestamps and the anchor log."))
    fixity: FixitySettings = Field(default_factory=FixitySettings, description=(
        "Scheduled fixity: the watcher re-hashes stored blobs every day."))
    web: WebAppSettings = Field(default_factory=WebAppSettings, description=(
        "The web app (`archiver serve`): health and metrics for monitoring."))
    sign: SignSettings = Field(default_factory=SignSettings, description=(
        "Electronic signatures (PAdES): checking signed evidence, and signing generated documents. Each "
        "signer is a table [signers.NAME] (e.g. pegawai, pejabat, atasan) with label and one of pkcs12, "
        "pkcs11_module + pkcs11_token + pkcs11_key_label, or remote_url + remote_user, and the passphrase "
        "or PIN from passphrase_env or passphrase_file (never written here). See docs/signing.md."))
    signers: dict[str, SignerSettings] = Field(default_factory=dict, description=(
        "Signers for `archiver generate --sign NAME`, one table each: [signers.NAME]."))
    shares: dict[str, ShareSettings] = Field(description=(
        "Shared folders, one table each: [shares.NAME]. NAME is short and stable (it is recorded with every file)."))
    source: Path | None = Field(default=None, exclude=True, description="(internal) the file this was loaded from")

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: dict[str, ShareSettings]) -> dict[str, ShareSettings]:
        if not v:
            raise ValueError("at least one share is needed, e.g. [shares.drop] with path = \"drop\"")
        for name in v:
            if not name.replace("-", "").replace("_", "").isalnum():
                raise ValueError(f"share name {name!r} must be letters, digits, '-' or '_'")
        return v

    def share(self, name: str) -> ShareSettings:
        try:
            return self.shares[name]
        except KeyError:
            raise ConfigError(f"no share named {name!r}; configured shares: {', '.join(self.shares)}") from None

    def share_for(self, path: Path) -> tuple[str, str] | None:
        """(share name, POSIX path relative to it) for an absolute path inside a share."""
        for name, share in self.shares.items():
            try:
                rel = path.relative_to(share.path)
            except ValueError:
                continue
            return name, rel.as_posix()
        return None


# --------------------------------------------------------------------------- loading

def find_config(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The configuration file to use: --config, else $ARCHIVER_CONFIG, else ./watch_config.toml."""
    candidate = explicit or os.environ.get(ENV_VAR) or CONFIG_NAME
    path = Path(candidate).expanduser()
    if path.is_dir():
        path = path / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"no configuration file at {path}",
            hint="run `archiver init DIR` to create one, or pass --config PATH (or set ARCHIVER_CONFIG)")
    return path.resolve()


def load_config(path: str | os.PathLike[str] | None = None, *, check_folders: bool = True) -> Config:
    """Load, validate and resolve a configuration file. Raises ConfigError naming file and key."""
    file = find_config(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}",
                          hint="strings need quotes (path = \"drop\"), booleans are true/false") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot be read: {exc}") from None
    try:
        config = Config.model_validate({**data, "source": file}, context={"base": file.parent})
    except ValidationError as exc:
        raise ConfigError(f"{file}: {exc.error_count()} problem(s) in the configuration",
                          details=[_describe(e) for e in exc.errors()]) from None
    if check_folders:
        _check_folders(config, file)
    return config


def _key(loc: tuple[Any, ...]) -> tuple[str, str]:
    """('shares', 'drop', 'polling') -> ('[shares.drop]', 'polling')."""
    parts = [str(p) for p in loc]
    if len(parts) == 1:
        return "(top level)", parts[0]
    return "[" + ".".join(parts[:-1]) + "]", parts[-1]


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The settings model that a table location names: () -> Config, ('shares', 'x') -> ShareSettings."""
    if not loc:
        return Config
    if loc[0] in ("shares", "signers"):
        return (ShareSettings if loc[0] == "shares" else SignerSettings) if len(loc) == 2 else None
    ann = Config.model_fields[str(loc[0])].annotation if loc[0] in Config.model_fields else None
    return ann if len(loc) == 1 and isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _describe(err: Any) -> str:
    loc = tuple(err["loc"])
    table, key = _key(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        known = [k for k in (parent.model_fields if parent else {}) if k != "source"]
        guess = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {guess[0]!r}? " if guess else ""
        return f"{table}: unknown key {key!r}; {hint}known keys here: {', '.join(known)}"
    if kind == "missing":
        return f"{table}: key {key!r} is required; add it, e.g. {key} = \"...\""
    got = err.get("input")
    msg = err["msg"].removeprefix("Value error, ")
    expected = {
        "bool_parsing": "write true or false (no quotes)",
        "bool_type": "write true or false (no quotes)",
        "float_parsing": "write a number such as 2.5",
        "float_type": "write a number such as 2.5",
        "int_parsing": "write a whole number",
        "int_type": "write a whole number",
        "string_type": "write text in double quotes",
        "list_type": "write a list such as [\"pdf\", \"docx\"]",
        "dict_type": "write a table such as [shares.drop]",
        "model_type": "write a table",
        "literal_error": msg,
    }.get(kind)
    shown = f" = {got!r}" if got is not None and not isinstance(got, dict) else ""
    return f"{table} {key}{shown}: {msg}" + (f"; {expected}" if expected and expected != msg else "")


def _check_folders(config: Config, file: Path) -> None:
    problems = []
    roots = {name: s.path for name, s in config.shares.items()}
    for name, root in roots.items():
        if not root.is_dir():
            problems.append(f"[shares.{name}] path: folder {root} does not exist; create it or fix the path")
        for other, oroot in roots.items():
            if other != name and root.is_relative_to(oroot):
                problems.append(f"[shares.{name}] path: {root} lies inside share {other!r}; shares must not overlap")
        for what, p in (("[archive] path", config.archive.path), ("[index] path", config.index.path)):
            if p.is_relative_to(root):
                problems.append(f"{what}: {p} lies inside share {name!r}; keep it outside every share")
    for what, p in (("[archive] path", config.archive.path), ("[index] path", config.index.path)):
        if not p.is_dir() and not p.parent.is_dir():
            problems.append(f"{what}: neither {p} nor its parent folder exists")
    if problems:
        raise ConfigError(f"{file}: {len(problems)} problem(s) with folders", details=problems)


# --------------------------------------------------------------------------- the default file

def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, Path):
        return _toml_value(v.as_posix())
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        if len(v) > 6:
            return "[\n" + "".join(f"    {_toml_value(x)},\n" for x in v) + "]"
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def _wrap(text: str, prefix: str = "# ") -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, 88, initial_indent=prefix, subsequent_indent=prefix)) + "\n"


def _section(title: str, model: type[_Section], values: dict[str, Any], doc: str) -> str:
    out = f"\n{_wrap(doc)}[{title}]\n"
    for name, f in model.model_fields.items():
        out += _wrap(f.description or "") + f"{name} = {_toml_value(values[name])}\n"
    return out


def render_default_config(share_name: str = "drop", share_path: str = "drop") -> str:
    """The documented default ``watch_config.toml`` (every key, with its help)."""
    head = (
        "# archiver configuration. Every key is shown with its default and what it does.\n"
        "# Relative paths resolve against the folder of this file.\n"
        "# Check it with `archiver status`; a wrong key stops every command with a message naming it.\n"
    )
    out = head
    for name in ("archive", "s3", "index", "limits", "extract", "watch", "anchor", "fixity", "web", "sign"):
        f = Config.model_fields[name]
        model = f.annotation
        assert isinstance(model, type) and issubclass(model, _Section)
        defaults = {k: (fd.default_factory() if fd.default_factory else fd.default)  # type: ignore[call-arg]
                    for k, fd in model.model_fields.items()}
        out += _section(name, model, defaults, f.description or "")
    share_defaults = {k: fd.default for k, fd in ShareSettings.model_fields.items()}
    share_defaults["path"] = share_path
    out += _section(f"shares.{share_name}", ShareSettings, share_defaults,
                    Config.model_fields["shares"].description or "")
    return out


def write_workspace(directory: Path, *, force: bool = False) -> Path:
    """Create DIR/watch_config.toml and the folders it names (drop, archive, index)."""
    directory = directory.expanduser().resolve()
    target = directory / CONFIG_NAME
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists", hint="pass --force to overwrite it, or choose another folder")
    for sub in ("drop", "archive", "index"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    target.write_text(render_default_config(), encoding="utf-8")
    return target
