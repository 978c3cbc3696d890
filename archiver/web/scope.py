"""What a user may see: the one function every query of the web layer goes through.

``visible_nips(archive, user)`` is None for roles that see everything (auditor, admin),
else the set of NIPs whose evidence the user may see: a pegawai their own, an atasan
their own and their subordinates' (from the SKP tree in ``archiver.skp``).
Evidence outside the set does not exist for that user (404, never 403).
"""

from __future__ import annotations

from ..archive import Archive
from ..skp.tree import subordinates
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


def may_see(scope: Scope, nip: str | None) -> bool:
    return scope is None or (nip is not None and nip in scope)
