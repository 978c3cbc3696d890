"""archiver: a trustworthy archive of ASN performance evidence (bukti dukung kinerja)."""

__version__ = "0.1.0"
