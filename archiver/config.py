"""Configuration: ``watch_config.toml`` loaded into frozen, validated objects.

Each setting is declared once, below, with its default and its help text. The default
file that ``archiver init`` writes (and the repository's ``watch_config.toml``) is
rendered from these declarations, so the documentation cannot drift from the code.

Relative paths resolve against the folder of the configuration file.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .config_sections import (
    AnchorSettings,
    FixitySettings,
    FlagSettings,
    RetentionSettings,
    S3Settings,
    ShareLinkSettings,
    SignerSettings,
    SignSettings,
    WorkSettings,
)
from .config_sections import Section as _Section
from .config_sections import resolve_path as _resolve
from .errors import ConfigError, ConfigMissing
from .i18n import N_, _, ngettext
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
    language: Literal["id", "en"] = Field(default="id", description=(
        "Language of what people read: CLI output, errors, web pages ('id' Bahasa Indonesia, 'en' English). "
        "`--lang` or ARCHIVER_LANG overrides it for a command; on the web a user's choice, then the "
        "browser's Accept-Language, come first. Generated official documents are always Indonesian."))

    _resolve_path = field_validator("path")(_resolve)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("unknown time zone {zone}; write Asia/Jakarta, Asia/Makassar or Asia/Jayapura").format(
                zone=repr(v))) from None
        return v

    @property
    def resolved_catalog_url(self) -> str:
        return self.catalog_url or f"sqlite:///{self.path / 'catalog.sqlite'}"


class IndexSettings(_Section):
    backend: Literal["whoosh", "postgres"] = Field(default="whoosh", description=(
        "Where the full-text index lives. 'whoosh': files in the path folder below, one index per "
        "server. 'postgres': tables in the PostgreSQL catalog ([archive] catalog_url), one index that "
        "every server writes and searches (a file archived on one is found on all at once); needs a "
        "PostgreSQL catalog. After changing it run `archiver reindex`."))
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
        "second of a burst on 2 cores). The process runs at a lower priority (nice 10), so on a busy "
        "machine storing evidence comes first; it also checks the batch's PDF signatures. false writes "
        "every batch in a thread of the ingesting process."))
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
            raise ValueError(_("unknown type(s) {types}; known types: {known}").format(
                types=", ".join(map(repr, unknown)), known=", ".join(sorted(KNOWN_TYPES))))
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


class WebAppSettings(_Section):
    base_url: str = Field(default="", description=(
        "The web app's address as staff open it, e.g. https://arsip.bkpsdm.example.go.id. Generated "
        "documents (Daftar Bukti Dukung) print each file's permalink as <base_url>/e/<sha256>; empty "
        "prints the path /e/<sha256> only."))
    metrics_allow: list[str] = Field(default_factory=list, description=(
        "Addresses (IPs or CIDR networks, e.g. [\"127.0.0.1\", \"10.0.5.0/24\"]) that may read the "
        "Prometheus metrics at /metrics without logging in (the scraper). Anyone else needs an admin "
        "session. Behind a reverse proxy the address is the proxy's unless `archiver serve --behind-proxy` "
        "trusts it. /healthz needs no login and shows no names or paths."))

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if v and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", v):
            raise ValueError(_("{value} is not a web address; write e.g. https://arsip.example.go.id")
                             .format(value=repr(v)))
        return v

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        import ipaddress

        for item in v:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(_('{item} is not an IP address or network; write e.g. "10.0.5.7" or "10.0.5.0/24"')
                                 .format(item=repr(item))) from None
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


class Config(_Section):
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings, description="The archive itself.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Full-text search.")
    limits: LimitSettings = Field(default_factory=LimitSettings, description="What is accepted as evidence.")
    extract: ExtractSettings = Field(default_factory=ExtractSettings, description=(
        "Text extraction for search (runs in a separate worker process under these limits)."))
    watch: WatchSettings = Field(default_factory=WatchSettings, description="The watcher (`archiver watch`).")
    work: WorkSettings = Field(default_factory=WorkSettings, description=(
        "Work spread over nodes: text extraction and indexing jobs, and each process's heartbeat."))
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
    retention: RetentionSettings = Field(default_factory=RetentionSettings, description=(
        "Retention of records (`archiver retention status`, `archiver dispose`, the page /retensi)."))
    share_links: ShareLinkSettings = Field(default_factory=ShareLinkSettings, description=(
        "Read-only share links for external auditors (`archiver share`, the page /bagikan)."))
    flags: FlagSettings = Field(default_factory=FlagSettings, description=(
        "Red flags (`archiver flags`, the page /tanda): near-duplicate thresholds, date tolerance, bursts."))
    signers: dict[str, SignerSettings] = Field(default_factory=dict, description=(
        "Signers for `archiver generate --sign NAME`, one table each: [signers.NAME]."))
    shares: dict[str, ShareSettings] = Field(description=(
        "Shared folders, one table each: [shares.NAME]. NAME is short and stable (it is recorded with every file)."))
    source: Path | None = Field(default=None, exclude=True, description="(internal) the file this was loaded from")

    @model_validator(mode="after")
    def _postgres_index(self) -> Config:
        if self.index.backend == "postgres" and not self.archive.resolved_catalog_url.startswith("postgres"):
            raise ValueError(_('[index] backend = "postgres" needs a PostgreSQL catalog: set [archive] catalog_url '
                               '= "postgresql+psycopg://user@host/db", or [index] backend = "whoosh"'))
        return self

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: dict[str, ShareSettings]) -> dict[str, ShareSettings]:
        if not v:
            raise ValueError(_('at least one share is needed, e.g. [shares.drop] with path = "drop"'))
        for name in v:
            if not name.replace("-", "").replace("_", "").isalnum():
                raise ValueError(_("share name {name} must be letters, digits, '-' or '_'").format(name=repr(name)))
        return v

    def share(self, name: str) -> ShareSettings:
        try:
            return self.shares[name]
        except KeyError:
            raise ConfigError(_("no share named {name}; configured shares: {shares}").format(
                name=repr(name), shares=", ".join(self.shares))) from None

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
        raise ConfigMissing(
            _("no configuration file at {path}").format(path=path),
            hint=_("run `archiver init DIR` to create one, or pass --config PATH (or set ARCHIVER_CONFIG)"))
    return path.resolve()


#: tomllib's messages (English) for the mistakes a hand-edited file has, in the reader's language.
_TOML_MESSAGES = {
    "Invalid value": N_("invalid value"),
    "Cannot overwrite a value": N_("a key is set twice"),
    "Invalid statement": N_("invalid line"),
    "Unterminated string": N_("a text is not closed with a quote"),
    "Unclosed array": N_("a list is not closed with ]"),
    "Expected '=' after a key in a key/value pair": N_("'=' is missing after the key"),
    "Expected newline or end of document after a statement": N_("only one key = value per line"),
}


def toml_error(exc: tomllib.TOMLDecodeError) -> str:
    """Where and why a TOML file does not parse, in the reader's language where the mistake is a
    common one (else tomllib's own words)."""
    text = str(exc)
    m = re.fullmatch(r"(.*?) \((?:at line (\d+), column (\d+)|at end of document)\)", text, re.S)
    if not m:
        return text
    what = m.group(1)
    if what.startswith("Cannot declare"):
        message = _("a table is declared twice")
    else:
        message = _(_TOML_MESSAGES[what]) if what in _TOML_MESSAGES else what
    if m.group(2):
        return _("line {line}, column {column}: {message}").format(line=m.group(2), column=m.group(3),
                                                                   message=message)
    return _("at the end of the file: {message}").format(message=message)


def load_config(path: str | os.PathLike[str] | None = None, *, check_folders: bool = True) -> Config:
    """Load, validate and resolve a configuration file. Raises ConfigError naming file and key."""
    file = find_config(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{file}: not valid TOML: {error}").format(file=file, error=toml_error(exc)),
                          hint=_('strings need quotes (path = "drop"), booleans are true/false')) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{file}: cannot be read: {error}").format(file=file, error=exc)) from None
    try:
        config = Config.model_validate({**data, "source": file}, context={"base": file.parent})
    except ValidationError as exc:
        raise ConfigError(ngettext("{file}: {n} problem in the configuration", "{file}: {n} problems in the "
                                   "configuration", exc.error_count()).format(file=file, n=exc.error_count()),
                          details=[_describe(e) for e in exc.errors()]) from None
    if check_folders:
        _check_folders(config, file)
    return config


def _key(loc: tuple[Any, ...]) -> tuple[str, str]:
    """('shares', 'drop', 'polling') -> ('[shares.drop]', 'polling')."""
    parts = [str(p) for p in loc]
    if len(parts) == 1:
        return _("(top level)"), parts[0]
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
    if not loc:  # a check of the whole file (it names its keys itself)
        return str(err["msg"]).removeprefix("Value error, ")
    table, key = _key(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        known = [k for k in (parent.model_fields if parent else {}) if k != "source"]
        import difflib  # only for a mistyped key: not on every command's path

        guess = difflib.get_close_matches(key, known, n=1)
        if guess:
            return _("{table}: unknown key {key}; did you mean {guess}? known keys here: {known}").format(
                table=table, key=repr(key), guess=repr(guess[0]), known=", ".join(known))
        return _("{table}: unknown key {key}; known keys here: {known}").format(
            table=table, key=repr(key), known=", ".join(known))
    if kind == "missing":
        return _('{table}: key {key} is required; add it, e.g. {name} = "..."').format(
            table=table, key=repr(key), name=key)
    got = err.get("input")
    msg = _pydantic_message(kind, err.get("ctx") or {}, str(err["msg"]))
    expected = {
        "bool_parsing": _("write true or false (no quotes)"),
        "bool_type": _("write true or false (no quotes)"),
        "float_parsing": _("write a number such as 2.5"),
        "float_type": _("write a number such as 2.5"),
        "int_parsing": _("write a whole number"),
        "int_type": _("write a whole number"),
        "string_type": _("write text in double quotes"),
        "list_type": _('write a list such as ["pdf", "docx"]'),
        "dict_type": _("write a table such as [shares.drop]"),
        "model_type": _("write a table"),
        "literal_error": msg,
    }.get(kind)
    shown = f" = {got!r}" if got is not None and not isinstance(got, dict) else ""
    return f"{table} {key}{shown}: {msg}" + (f"; {expected}" if expected and expected != msg else "")


#: Pydantic's own messages for the error types a hand-edited configuration produces, in the
#: reader's language (pydantic's English text is the fallback for the rare others).
_PYDANTIC_MESSAGES = {
    "bool_parsing": N_("not true or false"),
    "bool_type": N_("not true or false"),
    "int_parsing": N_("not a whole number"),
    "int_type": N_("not a whole number"),
    "int_from_float": N_("not a whole number"),
    "float_parsing": N_("not a number"),
    "float_type": N_("not a number"),
    "string_type": N_("not text"),
    "list_type": N_("not a list"),
    "dict_type": N_("not a table"),
    "model_type": N_("not a table"),
    "model_attributes_type": N_("not a table"),
    "path_type": N_("not a path"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "string_too_short": N_("must be at least {min_length} characters long"),
    "string_too_long": N_("must be at most {max_length} characters long"),
    "too_short": N_("needs at least {min_length} items"),
    "too_long": N_("may hold at most {max_length} items"),
    "string_pattern_mismatch": N_("does not have the expected form ({pattern})"),
    "literal_error": N_("must be one of: {expected}"),
    "enum": N_("must be one of: {expected}"),
}


def _pydantic_message(kind: str, ctx: dict[str, Any], fallback: str) -> str:
    """``kind``'s message (a pydantic error type) in the reader's language; our own validators'
    messages (``value_error``) are already translated; anything else keeps pydantic's text."""
    if kind == "value_error" or kind not in _PYDANTIC_MESSAGES:
        return fallback.removeprefix("Value error, ")
    args = {k: v for k, v in ctx.items() if isinstance(v, (str, int, float))}
    if kind in ("literal_error", "enum") and isinstance(ctx.get("expected"), str):
        values = re.findall(r"'((?:[^'\\]|\\.)*)'", ctx["expected"])
        args["expected"] = ", ".join(values) if values else ctx["expected"]
    try:
        return _(_PYDANTIC_MESSAGES[kind]).format(**args)
    except (KeyError, IndexError, ValueError):
        return fallback.removeprefix("Value error, ")


def _check_folders(config: Config, file: Path) -> None:
    problems = []
    roots = {name: s.path for name, s in config.shares.items()}
    for name, root in roots.items():
        if not root.is_dir():
            problems.append(_("[shares.{name}] path: folder {root} does not exist; create it or fix the path").format(
                name=name, root=root))
        for other, oroot in roots.items():
            if other != name and root.is_relative_to(oroot):
                problems.append(_("[shares.{name}] path: {root} lies inside share {other}; shares must not overlap")
                                .format(name=name, root=root, other=repr(other)))
        for what, p in (("[archive] path", config.archive.path), ("[index] path", config.index.path)):
            if p.is_relative_to(root):
                problems.append(_("{what}: {path} lies inside share {name}; keep it outside every share").format(
                    what=what, path=p, name=repr(name)))
    for what, p in (("[archive] path", config.archive.path), ("[index] path", config.index.path)):
        if not p.is_dir() and not p.parent.is_dir():
            problems.append(_("{what}: neither {path} nor its parent folder exists").format(what=what, path=p))
    if problems:
        raise ConfigError(ngettext("{file}: {n} problem with folders", "{file}: {n} problems with folders",
                                   len(problems)).format(file=file, n=len(problems)), details=problems)


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
    for name in ("archive", "s3", "index", "limits", "extract", "watch", "work", "anchor", "fixity", "web", "sign",
                 "share_links", "retention", "flags"):
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
        raise ConfigError(_("{target} already exists").format(target=target),
                          hint=_("pass --force to overwrite it, or choose another folder"))
    for sub in ("drop", "archive", "index"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    target.write_text(render_default_config(), encoding="utf-8")
    return target
