"""One exception root for the whole library, translated at the edges.

    ArchiverError                 exit 1, HTTP 500 unless a subclass says otherwise
    ├── UsageError                exit 2, HTTP 400   wrong arguments or input the user must fix
    │   └── ConfigError           exit 2             watch_config.toml is wrong (names file and key)
    │       └── ConfigMissing     exit 2             there is no watch_config.toml where it was looked for
    ├── NotFound                  exit 1, HTTP 404
    ├── PermissionDenied          exit 1, HTTP 403
    ├── StoreError                exit 1             the blob store could not read or write
    │   └── DiskFull              exit 1, HTTP 507   no space left (ENOSPC, EDQUOT, SQLite's SQLITE_FULL)
    └── ValidationFailed          exit 1, HTTP 422   input checked and found wanting (all problems listed)

The CLI prints ``Error: <message>`` and exits with ``exit_code``; the web layer maps
``http_status`` to one JSON/HTML shape. The library never prints.
"""

from __future__ import annotations

import errno

from .i18n import _


class ArchiverError(Exception):
    exit_code = 1
    http_status = 500

    def __init__(self, message: str, *, hint: str | None = None, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = list(details or [])

    def __str__(self) -> str:
        text = self.message
        if self.details:
            text += "\n" + "\n".join(f"  - {d}" for d in self.details)
        if self.hint:
            text += "\n  " + _("hint: {hint}").format(hint=self.hint)
        return text


class UsageError(ArchiverError):
    exit_code = 2
    http_status = 400


class ConfigError(UsageError):
    """The configuration file is wrong; the message names the file and the key."""


class ConfigMissing(ConfigError):
    """No configuration file where it was looked for (the faces may suggest the demo)."""


class NotFound(ArchiverError):
    http_status = 404


class PermissionDenied(ArchiverError):
    http_status = 403


class StoreError(ArchiverError):
    pass


class ValidationFailed(ArchiverError):
    http_status = 422


class DiskFull(StoreError):
    """No space left where the archive, catalog or index writes; what exists stays readable."""

    http_status = 507


#: errno values that mean "no space left" (EDQUOT: the user's quota is used up).
DISK_FULL_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if e is not None)


def disk_full(what: str) -> DiskFull:
    """The one message for a full disk (``what``: what could not be written)."""
    return DiskFull(_("Disk full: {what} cannot be written.").format(what=what),
                    hint=_("free disk space or raise the quota, then run this command again; the existing "
                           "archive stays intact, searchable and verifiable"))
