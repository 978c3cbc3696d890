"""Words for the codes the catalog stores (a submission's status, a custody event's kind, a
user's role), in the reader's language. The codes themselves stay as they are: they are what
``--status``, the API and the database speak."""

from __future__ import annotations

from .i18n import pgettext


def status_label(status: str) -> str:
    """A submission's current status."""
    labels = {"archived": pgettext("status", "archived"), "duplicate": pgettext("status", "duplicate"),
              "unlinked": pgettext("status", "not linked"), "quarantined": pgettext("status", "quarantined"),
              "ignored": pgettext("status", "ignored"), "disposed": pgettext("status", "disposed")}
    return labels.get(status, status)


def event_label(kind: str) -> str:
    """A custody event's kind."""
    labels = {
        "received": pgettext("event", "received"), "archived": pgettext("event", "archived"),
        "duplicate": pgettext("event", "duplicate"), "unlinked": pgettext("event", "not linked"),
        "quarantined": pgettext("event", "quarantined"), "ignored": pgettext("event", "ignored"),
        "moved": pgettext("event", "moved"), "removed": pgettext("event", "removed from the folder"),
        "relinked": pgettext("event", "relinked"), "verified": pgettext("event", "integrity checked"),
        "exported": pgettext("event", "exported"), "downloaded": pgettext("event", "downloaded"),
        "viewed": pgettext("event", "viewed"), "generated": pgettext("event", "generated"),
        "released": pgettext("event", "released from quarantine"),
        "imported": pgettext("event", "imported"),
        "finding": pgettext("event", "finding"),
        "hold_set": pgettext("event", "legal hold set"),
        "hold_released": pgettext("event", "legal hold released"),
        "disposition_proposed": pgettext("event", "disposition proposed"),
        "disposition_approved": pgettext("event", "disposition approved"),
        "disposition_cancelled": pgettext("event", "disposition cancelled"),
        "disposed": pgettext("event", "disposed"),
        "reviewed": pgettext("event", "reviewed"),
        "share_created": pgettext("event", "share link created"),
        "share_revoked": pgettext("event", "share link revoked"),
        "share_accessed": pgettext("event", "opened through a share link"),
    }
    return labels.get(kind, kind)


def role_label(role: str) -> str:
    labels = {"pegawai": pgettext("role", "Pegawai"), "atasan": pgettext("role", "Atasan / Assessor"),
              "auditor": pgettext("role", "Auditor"), "admin": pgettext("role", "Admin")}
    return labels.get(role, role)
