"""Audit packages: the evidence of pegawai for a period as one BagIt bag (RFC 8493) in a zip.

An Inspektorat audit or a BKN review checks the package without archiver: any BagIt tool
(bagit-python, bagit-java, Bagger) validates it. The zip holds one folder, the bag::

    <bag>/bagit.txt                    BagIt-Version 1.0, UTF-8
    <bag>/bag-info.txt                 NIP(s), unit, tahun, periode, item count, export time ...
    <bag>/manifest-sha256.txt          every payload file, SHA-256
    <bag>/manifest-sha512.txt          every payload file, SHA-512
    <bag>/custody.jsonl                the custody events of the exported items (hash-chained)
    <bag>/anchors.jsonl                the custody chain's anchors, the export's last (RFC 3161 tokens)
    <bag>/tsa-ca.pem                   the TSA root certificate(s), when a TSA is configured
    <bag>/index.html                   daftar bukti (Bahasa Indonesia) with links to the files
    <bag>/daftar-bukti.csv             the same list for a spreadsheet
    <bag>/tagmanifest-sha256.txt, tagmanifest-sha512.txt
    <bag>/data/<nip>/<periode>/<RHK>/<name>   the original bytes from the blob store

The modules, by job:

* :mod:`.selection` - what goes in: ``ExportCriteria`` (a ``Filters`` selection: a triwulan
  takes in its months), the items and their Windows-safe names (:mod:`.safenames`);
* :mod:`.payload` - the blobs linked or copied into the bag, hashed once (bounded memory);
* :mod:`.tagfiles` - bag-info, manifests, custody.jsonl, index.html (a Jinja2 template in
  ``templates/``) and the CSV list;
* :mod:`.build` - ``export_bag``: the steps in order, the bagit-python self-check, the zip,
  the ``exported`` custody event;
* :mod:`.verify` - ``verify_bag``: a zip in place (streaming, nothing extracted) or, for a
  folder, bagit-python's own validation; every problem is collected and reported.
"""

from __future__ import annotations

from .build import ExportReport, check_output, export_bag
from .common import Progress
from .selection import BagInfo, ExportCriteria, Item, select_items
from .verify import BagProblem, BagReport, verify_bag

__all__ = ["BagInfo", "BagProblem", "BagReport", "ExportCriteria", "ExportReport", "Item", "Progress",
           "check_output", "export_bag", "select_items", "verify_bag"]
