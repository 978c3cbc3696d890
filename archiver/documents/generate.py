"""Generate documents: plan (build contexts), render DOCX, convert to PDF, store and record.

Every output is stored in the blob store and catalogued, together with the template it
came from and the canonical JSON of its data; a ``generated`` custody event carries the
three hashes, and ``generated_documents`` indexes them, so a document found later can be
proven to be the one archiver generated (``prove``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..archive import Archive
from ..catalog import core as subs
from ..catalog import custody, dumps
from ..catalog import documents as docs_q
from ..catalog import evaluation as eval_q
from ..errors import ArchiverError, NotFound, UsageError
from ..evaluation.model import CapaianOrganisasi
from ..evaluation.rules import Predikat
from ..evaluation.tindak_lanjut import load_tindak_lanjut
from ..i18n import _, use_language
from ..periode import ANNUAL, QUARTERS, normalize_periode, quarter_of
from ..signing.sign import passphrase, sign_pdf, signer_settings
from ..skp.resolution import link_codes
from . import context as C
from .converter import convert_all
from .render import Renderer
from .skpdata import SkpData, SkpSource
from .templates import KINDS, find_template
from .workers import RenderTask, render_all

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


@dataclass
class Job:
    kind: str
    subject: str  # NIP, or the unit for a rekap
    tahun: int
    periode: str
    label: str  # who the document is about, for messages
    template: Path | None = None
    context: dict[str, Any] | None = None
    error: str | None = None

    @property
    def stem(self) -> str:
        subject = re.sub(r"[^0-9A-Za-z]+", "-", self.subject).strip("-") or "unit"
        return f"{self.kind}_{subject}_{self.tahun}_{self.periode}"


@dataclass
class Generated:
    job: Job
    docx: Path | None = None
    docx_sha256: str | None = None
    pdf: Path | None = None
    pdf_sha256: str | None = None
    signed_pdf: Path | None = None  # the PDF signed by the signers of --sign, beside the unsigned one
    signed_sha256: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.job.kind, "subject": self.job.subject, "tahun": self.job.tahun,
                "periode": self.job.periode, "docx": str(self.docx) if self.docx else None,
                "docx_sha256": self.docx_sha256, "pdf": str(self.pdf) if self.pdf else None,
                "pdf_sha256": self.pdf_sha256, "signed_pdf": str(self.signed_pdf) if self.signed_pdf else None,
                "signed_sha256": self.signed_sha256, "error": self.error or self.job.error}


# ----------------------------------------------------------------------------- planning

def _periode(kind: str, periode: str | None) -> str:
    if kind == "skp":
        return ANNUAL
    if periode is None:
        if kind == "bukti":
            return ANNUAL
        raise UsageError(_("generate {kind} needs --periode").format(kind=kind),
                         hint=_("e.g. --periode TW1 (TW4 = IV-AKHIR)"))
    p = normalize_periode(periode)
    if p is None:
        raise UsageError(_("--periode {periode!r} is not a periode").format(periode=periode),
                         hint=_("write TW1, TW2, TW3, TW4 or TAHUNAN"))
    return p


def plan(archive: Archive, source: SkpSource, kind: str, *, tahun: int, nip: str | None = None,
         unit: str | None = None, periode: str | None = None, signed: dt.date | None = None,
         draft: bool = False) -> list[Job]:
    """One Job per document; a pegawai whose data is incomplete gets a Job with ``error`` set.

    ``signed`` is the date printed next to the signatures of evaluasi, dokumen-evaluasi and
    rekap (default: today in the office's time zone); an SKP carries its own date.
    An evaluasi whose indicators lack a realisasi is refused (the error names them) unless
    ``draft``: then they print "belum diisi"."""
    if kind not in KINDS:
        raise UsageError(_("unknown document kind {kind!r}; choose one of: {kinds}").format(
            kind=kind, kinds=", ".join(KINDS)))
    if (nip is None) == (unit is None):
        raise UsageError(_("give either --nip or --unit"))
    p = _periode(kind, periode)
    if signed is None:
        signed = archive.clock().astimezone(ZoneInfo(archive.config.archive.timezone)).date()
    workspace = archive.config.source.parent if archive.config.source else None
    if kind == "rekap":
        if unit is None:
            skp = source.skp(str(nip), tahun)
            if skp is None:
                raise NotFound(_("no SKP {tahun} for NIP {nip}, so its unit is unknown").format(tahun=tahun, nip=nip))
            unit = skp.unit
        return [_rekap_job(archive, source, unit, tahun, p, workspace, signed)]
    nips = [str(nip)] if nip else source.unit_nips(str(unit), tahun)
    if not nips:
        raise NotFound(_("no SKP {tahun} in unit {unit!r}").format(tahun=tahun, unit=unit),
                       hint=_("write the unit's code or name as imported (see `archiver skp tree`)"))
    tindak = load_tindak_lanjut(workspace) if kind == "dokumen-evaluasi" else {}
    units: dict[str, tuple[str, ...]] = {}
    spread: dict[str, list[Predikat]] = {}  # unit -> the predikat of its pegawai (the curve's bars)
    jobs = []
    for n in nips:
        job = Job(kind, n, tahun, p, label=f"NIP {n}")
        try:
            # The source is asked outside any catalog transaction: a catalog-backed source opens its
            # own connection, and SQLite serialises transactions (BEGIN IMMEDIATE).
            skp = source.skp(n, tahun)
            if skp is None:
                raise NotFound(_("NIP {nip} has no SKP for {tahun}; import the SKP first").format(nip=n, tahun=tahun))
            job.label = f"{skp.pegawai.nama} (NIP {n})"
            if skp.unit not in units:
                units[skp.unit] = _unit_names(source, skp.unit)
            flagged = _suspicious(archive, n, tahun) if kind == "bukti" else {}  # writes its cache: no transaction
            with archive.catalog.read() as conn:
                if kind == "evaluasi" and skp.unit not in spread:
                    spread[skp.unit] = _unit_predikat(conn, source, skp.unit, tahun, p)
                job.template, job.context = _build(archive, conn, kind, skp, p, workspace, tindak, signed,
                                                   units[skp.unit], spread.get(skp.unit), draft, flagged)
        except ArchiverError as exc:
            job.error = str(exc)
        jobs.append(job)
    return jobs


def _build(archive: Archive, conn: Any, kind: str, skp: SkpData, periode: str, workspace: Path | None,
           tindak: dict[Any, str], signed: dt.date | None, unit_names: Sequence[str],
           unit_predikat: Sequence[Predikat] | None = None, draft: bool = False,
           flagged: dict[int, str] | None = None) -> tuple[Path, dict[str, Any]]:
    variant = C.skp_variant(skp)
    if kind == "skp":
        return find_template(f"skp_{variant}", workspace), C.skp_context(skp)
    if kind == "bukti":
        subs = _evidence(conn, skp, periode)
        return find_template("bukti", workspace), C.bukti_context(
            skp, periode, subs, archive.config.archive.timezone, archive.now(), base_url=archive.config.web.base_url,
            suspicious=flagged)
    ev = eval_q.get_evaluasi(conn, skp.pegawai.nip, skp.tahun, periode)
    if ev is None:
        raise NotFound(_("{nama} (NIP {nip}) has no evaluation for {periode} {tahun}; "
                         "import it with `archiver eval import`").format(
            nama=skp.pegawai.nama, nip=skp.pegawai.nip, periode=periode, tahun=skp.tahun))
    capaian = _capaian(conn, unit_names, skp.tahun, periode)
    if kind == "evaluasi":
        return find_template(f"evaluasi_{variant}", workspace), C.evaluasi_context(
            skp, ev, capaian, signed, unit_predikat=unit_predikat, draft=draft)
    return find_template("dokumen_evaluasi", workspace), C.dokumen_evaluasi_context(skp, ev, capaian, tindak, signed)


def _unit_predikat(conn: Any, source: SkpSource, unit: str, tahun: int, periode: str) -> list[Predikat]:
    """The predikat of every pegawai of ``unit`` (and its sub-units) rated for the periode."""
    evs = (eval_q.get_evaluasi(conn, n, tahun, periode) for n in source.unit_nips(unit, tahun))
    return [ev.predikat for ev in evs if ev is not None]


def _suspicious(archive: Archive, nip: str, tahun: int) -> dict[int, str]:
    """Submission id -> why its text looks unrelated to its indicator, as `archiver coverage --suspicious`
    judges it; the reason in Indonesian (it is printed in the document)."""
    from ..skp.relevance import suspicious

    with use_language("id"):
        return {j.submission_id: j.reason for j in suspicious(archive, nip=nip, tahun=tahun)}


def _unit_names(source: SkpSource, unit: str) -> tuple[str, ...]:
    ref = source.unit(unit)
    return (ref.names if ref else ()) or (unit,)


def _capaian(conn: Any, unit_names: Sequence[str], tahun: int, periode: str) -> CapaianOrganisasi | None:
    """The capaian kinerja organisasi of the unit, else of its nearest parent that has one."""
    for name in unit_names:
        found = eval_q.get_capaian(conn, name, tahun, periode)
        if found is not None:
            return found
    return None


def _evidence(conn: Any, skp: SkpData, periode: str) -> list[dict[str, Any]]:
    """The pegawai's archived evidence for the SKP year and periode, as the share holds it now:
    the latest version of every file (not removed, not unlinked), with the RHK and indicator it
    is filed under resolved against the SKP (a folder ``IKI-02`` alone names RHK-01 if IKI-02 is
    one of its indicators)."""
    rhk_of_iki = {i.kode.upper(): r.kode for r in skp.rhk for i in r.indikator}
    out = []
    for row in docs_q.latest_evidence(conn, skp.pegawai.nip, skp.tahun):
        p = row["periode"] or ""
        if not (periode == ANNUAL or p == periode or (periode in QUARTERS and quarter_of(p) == periode)):
            continue
        rhk, iki = link_codes(row)
        if iki and not rhk:
            rhk = rhk_of_iki.get(iki.upper())
        out.append({**row, "rhk": rhk, "iki": iki})
    out.sort(key=lambda x: (x["periode"] or "", x["rhk"] or "~", x["iki"] or "", x["relpath"], x["id"]))
    return out


def _rekap_job(archive: Archive, source: SkpSource, unit: str, tahun: int, periode: str, workspace: Path | None,
               signed: dt.date | None) -> Job:
    ref = source.unit(unit)
    name = ref.nama if ref else unit
    job = Job("rekap", ref.kode if ref else unit, tahun, periode, label=f"unit {name}")
    skps = [s for s in (source.skp(n, tahun) for n in source.unit_nips(unit, tahun)) if s is not None]
    if not skps:
        job.error = _("no SKP {tahun} in unit {unit!r}").format(tahun=tahun, unit=unit)
        return job
    with archive.catalog.read() as conn:
        members = [(skp, eval_q.get_evaluasi(conn, skp.pegawai.nip, tahun, periode)) for skp in skps]
        capaian = _capaian(conn, (ref.names if ref else ()) or (unit,), tahun, periode)
    job.template = find_template("rekap", workspace)
    job.context = C.rekap_context(name, skps[0].instansi, tahun, periode, members, capaian, signed)
    return job


# ----------------------------------------------------------------------------- running

def _put(archive: Archive, conn: Any, data: bytes, mime: str, type_: str) -> str:
    sha, _new = archive.store.put_bytes(data)
    if not subs.blob_known(conn, sha):
        subs.add_blob(conn, sha, size=len(data), mime=mime, type_name=type_, at=archive.now())
    return sha


@dataclass
class _Recorder:
    """Stores and records outputs; the only writer of a run (workers render, the caller's process records)."""

    archive: Archive
    template_cache: dict[Path, str] = field(default_factory=dict)
    data_sha: dict[Path, str] = field(default_factory=dict)  # DOCX -> the hash of its data, for its PDF

    def docx(self, job: Job, path: Path, data: bytes, data_json: bytes) -> str:
        """Store the DOCX with its data (canonical JSON) and template; one transaction."""
        with self.archive.catalog.begin() as conn:
            data_sha = self.data_sha[path] = _put(self.archive, conn, data_json, "application/json", "text")
            return self._record(conn, job, path, data, "docx", data_sha, None)

    def pdf(self, job: Job, path: Path, source: Path, source_sha: str | None) -> str:
        with self.archive.catalog.begin() as conn:
            return self._record(conn, job, path, path.read_bytes(), "pdf", self.data_sha.get(source, ""), source_sha)

    def signed(self, job: Job, path: Path, data: bytes, source: Path, pdf_sha: str | None,
               signers: Sequence[str]) -> str:
        """Store a signed PDF; its source is the unsigned PDF (custody detail names the signers)."""
        with self.archive.catalog.begin() as conn:
            return self._record(conn, job, path, data, "pdf", self.data_sha.get(source, ""), pdf_sha,
                                signers=list(signers))

    def _record(self, conn: Any, job: Job, path: Path, data: bytes, fmt: str, data_sha: str,
                source_sha: str | None, signers: list[str] | None = None) -> str:
        archive = self.archive
        assert job.template is not None
        tpl_sha = self.template_cache.get(job.template)
        if tpl_sha is None:  # stored once per run: a batch shares its template
            tpl_sha = self.template_cache[job.template] = _put(archive, conn, job.template.read_bytes(),
                                                               DOCX_MIME, "docx")
        sha = _put(archive, conn, data, DOCX_MIME if fmt == "docx" else PDF_MIME, fmt)
        now = archive.now()
        detail = {"kind": job.kind, "subject": job.subject, "tahun": job.tahun, "periode": job.periode,
                  "format": fmt, "filename": path.name, "template": job.template.name,
                  "template_sha256": tpl_sha, "data_sha256": data_sha, "source_sha256": source_sha}
        if signers:
            detail["signers"] = signers
        seq = custody.append(conn, "generated", at=now, actor=archive.actor, sha256=sha, detail=detail)
        docs_q.record_generated(conn, kind=job.kind, subject=job.subject, tahun=job.tahun, periode=job.periode,
                                   format=fmt, filename=path.name, sha256=sha, template=job.template.name,
                                   template_sha256=tpl_sha, data_sha256=data_sha, source_sha256=source_sha,
                                   generated_at=now, event_seq=seq)
        return sha


def run(archive: Archive, jobs: Sequence[Job], outdir: Path, *, pdf: bool = False,
        renderer: Renderer | None = None, per_document_timeout: float = 60.0,
        progress: Callable[[Generated], None] | None = None, workers: int | None = None,
        converters: int | None = None, sign: Sequence[str] = ()) -> Iterator[Generated]:
    """Render (and convert) every job; yields one Generated per job, DOCX first, then PDF.

    ``workers`` processes render the DOCX at once and ``converters`` LibreOffice processes make the
    PDFs (each default: one per core); this process stores and records every output. Without PDF
    the results come in the order of ``jobs``; with PDF, as each conversion finishes. A document
    that fails is reported with its error and the others are still made.

    ``sign`` names signers (``[signers.NAME]``) who sign each PDF in turn; the signed copy is
    written as ``STEM_ttd.pdf`` and recorded beside the unsigned one (``archiver.signing.sign``)."""
    if sign:
        if not pdf:
            raise UsageError(_("--sign signs the PDF: add --pdf"))
        for name in sign:  # a wrong name or a missing passphrase stops the run before any rendering
            passphrase(name, signer_settings(archive.config, name))
    outdir.mkdir(parents=True, exist_ok=True)
    recorder = _Recorder(archive)
    tasks = {i: RenderTask(job.template, job.context, job.label, outdir / f"{job.stem}.docx")
             for i, job in enumerate(jobs)
             if not job.error and job.context is not None and job.template is not None}
    done: list[Generated] = []
    # closed when this loop ends, so the worker processes are gone before the PDFs are made
    with closing(render_all(list(tasks.values()), workers=workers, renderer=renderer)) as rendered:
        for i, job in enumerate(jobs):
            g = Generated(job)
            if i not in tasks:
                g.error = job.error or _("nothing to render")
            else:
                r = next(rendered)
                if r.data is None:
                    g.error = r.error
                else:
                    try:
                        g.docx = r.task.dest
                        g.docx_sha256 = recorder.docx(job, g.docx, r.data, dumps(r.task.context).encode("utf-8"))
                    except ArchiverError as exc:
                        g.error = str(exc)
            done.append(g)
            if not pdf:
                if progress:
                    progress(g)
                yield g
    if not pdf:
        return
    by_source = {g.docx.resolve(): g for g in done if g.docx is not None}
    for g in done:
        if g.docx is None:
            if progress:
                progress(g)
            yield g
    if not by_source:
        return
    for c in convert_all(list(by_source), outdir, converters=converters, per_document_timeout=per_document_timeout):
        g = by_source[c.source]
        if c.pdf is None:
            g.error = _("PDF of {name}: {error}").format(name=c.source.name, error=c.error)  # the DOCX stays made
        else:
            assert g.docx is not None
            g.pdf = c.pdf
            g.pdf_sha256 = recorder.pdf(g.job, c.pdf, g.docx, g.docx_sha256)
            if sign:
                _sign(archive, recorder, g, sign)
        if progress:
            progress(g)
        yield g


def _sign(archive: Archive, recorder: _Recorder, g: Generated, names: Sequence[str]) -> None:
    assert g.pdf is not None and g.docx is not None
    try:
        data = sign_pdf(archive.config, g.pdf.read_bytes(), names)
        target = g.pdf.with_name(f"{g.pdf.stem}_ttd.pdf")
        target.write_bytes(data)
        g.signed_pdf = target
        g.signed_sha256 = recorder.signed(g.job, target, data, g.docx, g.pdf_sha256, names)
    except ArchiverError as exc:  # the unsigned PDF stays made and recorded
        g.error = _("signature of {name}: {error}").format(name=g.pdf.name, error=exc.message) \
            + (f" ({exc.hint})" if exc.hint else "")


# ----------------------------------------------------------------------------- proving

def prove(archive: Archive, path: Path) -> dict[str, Any]:
    """Is ``path`` a document archiver generated? Its records, and whether template and data are intact."""
    with open(path, "rb") as fh:
        sha = hashlib.file_digest(fh, "sha256").hexdigest()
    with archive.catalog.read() as conn:
        records = docs_q.find_generated(conn, sha)
    checks = []
    for r in records:
        ok = True
        for key in ("template_sha256", "data_sha256"):
            digest = r[key]
            ok = ok and archive.store.exists(digest) and archive.store.rehash(digest) == digest
        checks.append({**r, "intact": ok})
    return {"path": str(path), "sha256": sha, "generated": bool(records), "records": checks}
