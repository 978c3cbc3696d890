"""What a user may see: the one function every query of the web layer goes through.

``visible_nips(archive, user)`` is None for roles that see everything (auditor, admin),
else the set of NIPs whose evidence the user may see: a pegawai their own, an atasan
their own and their subordinates' (from the SKP tree in ``archiver.skp``).
Evidence outside the set does not exist for that user (404, never 403).
"""

from __future__ import annotations

import importlib

from ..archive import Archive
from .users import User

Scope = frozenset[str] | None
SEE_ALL = ("auditor", "admin")


def visible_nips(archive: Archive, user: User) -> Scope:
    if user.role in SEE_ALL:
        return None
    if not user.nip:
        return frozenset()
    if user.role == "atasan":
        return frozenset({user.nip, *subordinates(archive, user.nip)})
    return frozenset({user.nip})


def subordinates(archive: Archive, nip: str) -> set[str]:
    """Everyone the atasan/penilai with this NIP appraises, directly or further down the SKP tree.

    Empty while the SKP model (``archiver.skp``) is not in this build: an atasan then sees
    only their own evidence (never more than the tree grants).
    """
    try:
        tree = importlib.import_module("archiver.skp.tree")
    except ImportError:
        return set()
    find = getattr(tree, "subordinates", None)
    return set(find(archive, nip)) if callable(find) else set()


def may_see(scope: Scope, nip: str | None) -> bool:
    return scope is None or (nip is not None and nip in scope)
