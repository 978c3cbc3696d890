"""Electronic signatures (PAdES): checking signed evidence, and signing generated documents.

* ``check``: a signed PDF dropped as evidence is validated on ingest in a child process
  under limits (``worker``), and the result (valid, invalid, untrusted, none, error) is
  stored in the catalog; ``archiver list --signature`` and search filter by it.
* ``sign``: ``archiver generate --pdf --sign NAME`` signs with pyHanko, a key from a
  PKCS#12 file, a PKCS#11 token or a remote signing service (``remote``), visibly or not,
  with an RFC 3161 timestamp when ``[sign] tsa_url`` is set; several signers in turn, each
  an incremental update of the same file.

pyHanko is imported only when a signature is made or checked (it is slow to import).
"""

from __future__ import annotations

from .model import SIGNATURE_STATES, STATE_LABELS, SignatureCheck

__all__ = ["SIGNATURE_STATES", "STATE_LABELS", "SignatureCheck"]
