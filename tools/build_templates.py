#!/usr/bin/env python3
"""Build the Word templates in templates/ (docxtpl: Jinja tags inside ordinary .docx files).

    python tools/build_templates.py                 # regenerate templates/*.docx
    python tools/build_templates.py --preview out/  # also render each with its sample context (+ PDF)

The layout follows skp-reference §5 (A4, Arial 10 pt, bordered tables, centred bold titles).
Tags used: ``{{ x }}`` values, ``{%tr for ... %}`` table-row loops, ``{%p ... %}`` paragraph
blocks and ``{% vm %}`` (docxtpl's vertical merge of a cell over its loop). Administrators
may edit the generated files in Word or LibreOffice; `archiver templates check` validates them.

Form rules built in: every table row is kept on one page (``w:cantSplit``); a section heading
(A. UTAMA, B. TAMBAHAN) appears only when it has rows; the rating, predikat and capaian lines
list every option and strike through the ones not chosen (a struck and a plain run per option,
``pilihan.*`` in the data); the evaluation carries the distribution curve as a picture
(``{{ kurva.gambar }}``, drawn when the document is rendered).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout: the archiver next to this script

from archiver.documents.converter import PdfConverter  # noqa: E402
from archiver.documents.render import Renderer  # noqa: E402
from archiver.documents.sample import sample_context  # noqa: E402
from archiver.documents.templates import kind_of  # noqa: E402

FONT = "Arial"
NO_W = 1.0  # cm: the NO column
SIZE = 10
CENTER, LEFT, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT

PERSON_ROWS = [("NAMA", "nama"), ("NIP", "nip"), ("PANGKAT/GOL RUANG", "pangkat"), ("JABATAN", "jabatan"),
               ("UNIT KERJA", "unit_kerja")]


# ----------------------------------------------------------------------------- primitives

def new_document(landscape: bool = False) -> DocumentObject:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(1.8))
    sec.top_margin, sec.bottom_margin = Cm(1.5), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(SIZE)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    pf = style.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(0), 1.0
    doc.core_properties.author = "archiver"
    doc.core_properties.title = ""
    return doc


def usable_width(doc: DocumentObject) -> float:
    sec = doc.sections[0]
    width, left, right = sec.page_width, sec.left_margin, sec.right_margin
    assert width is not None and left is not None and right is not None  # new_document sets them
    return (width - left - right) / 360000  # EMU -> cm


def para(target: DocumentObject | _Cell, text: str = "", *, bold: bool = False, align: int | None = None,
         size: float | None = None, first: bool = False, italic: bool = False) -> object:
    """Add a paragraph (or fill a cell's first, empty paragraph) with one run of ``text``."""
    p = target.paragraphs[0] if first else target.add_paragraph()
    if align is not None:
        p.alignment = align
    if text:
        run = p.add_run(text)
        run.bold = bold
        run.italic = italic
        if size:
            run.font.size = Pt(size)
    return p


def title(doc: DocumentObject, lines: Sequence[str], size: float = 11) -> None:
    for line in lines:
        para(doc, line, bold=True, align=CENTER, size=size)
    para(doc)


def table(doc: DocumentObject, widths: Sequence[float], rows: int = 0, borders: bool = True) -> Table:
    t: Table = doc.add_table(rows=rows, cols=len(widths))
    if borders:
        t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    t._widths = list(widths)  # type: ignore[attr-defined]
    for col, w in zip(t.columns, widths, strict=True):  # tblGrid: what LibreOffice lays out by
        col.width = Cm(w)
    for r in t.rows:
        _size_row(t, r.cells)
    return t


def _size_row(t: Table, cells: Sequence[_Cell]) -> None:
    for c, w in zip(cells, t._widths, strict=False):  # type: ignore[attr-defined]
        c.width = Cm(w)


def row(t: Table, *texts: str, bold: bool = False, align: int | None = None, size: float | None = None,
        merge: tuple[int, int] | None = None, header: bool = False, vcenter: bool = False) -> list[_Cell]:
    """Add a row; ``texts`` fill cells left to right ('' leaves a cell empty); merge=(a, b) spans a..b."""
    r = t.add_row()  # type: ignore[no-untyped-call]  # python-docx leaves it unannotated
    cells = r.cells
    _size_row(t, cells)
    if merge:
        a, b = merge
        cells[a].merge(cells[b])
    filled = list(r.cells)
    seen: list[_Cell] = []
    i = 0
    for c in filled:
        if any(c._tc is s._tc for s in seen):
            continue
        seen.append(c)
        if i < len(texts) and texts[i]:
            para(c, texts[i], bold=bold, align=align, size=size, first=True)
        if vcenter:
            c.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        i += 1
    trpr = r._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))  # a row is never split across pages
    if header:
        trpr.append(OxmlElement("w:tblHeader"))
    return seen


def tag_row(t: Table, tag: str) -> None:
    """A row holding only a docxtpl row tag ({%tr ... %}): docxtpl replaces the whole row with it."""
    row(t, tag, merge=(0, len(t.columns) - 1), size=8)


def cell_lines(cell: _Cell, lines: Sequence[tuple[str, bool]], size: float | None = None) -> None:
    """Fill a cell with several paragraphs: (text, bold)."""
    for i, (text, bold) in enumerate(lines):
        para(cell, text, bold=bold, first=i == 0, size=size)


def options(p: Any, key: str, bold: bool = False) -> None:
    """Every option of ``pilihan.<key>`` in one paragraph, ' / ' between them, the ones not chosen
    struck through (the form's "*": strike what does not apply)."""
    runs = [(f"{{% for o in pilihan.{key} %}}{{% if not loop.first %}} / {{% endif %}}", False),
            ("{% if not o.dipilih %}{{ o.teks }}{% endif %}", True),
            ("{% if o.dipilih %}{{ o.teks }}{% endif %}{% endfor %}", False)]
    for text, strike in runs:
        run = p.add_run(text)
        run.bold = bold
        run.font.strike = strike


def options_row(t: Table, label: str, key: str) -> None:
    r = row(t, label, "", bold=True)
    options(r[1].paragraphs[0], key, bold=True)


def page_break(doc: DocumentObject) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def footer(doc: DocumentObject, text: str) -> None:
    ft = doc.sections[0].footer
    p = ft.paragraphs[0]
    run = p.add_run(text + "    Hal. ")
    run.font.size = Pt(8)
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), "16")
    rpr.append(sz)
    r.append(rpr)
    t = OxmlElement("w:t")
    t.text = "1"
    r.append(t)
    fld.append(r)
    p._p.append(fld)


# ----------------------------------------------------------------------------- shared blocks

def instansi_periode(doc: DocumentObject, right: str = "PERIODE PENILAIAN: {{ periode_penilaian }}") -> None:
    """Instansi left, periode penilaian right, on one line (9 pt: it fits a portrait page)."""
    w = usable_width(doc)
    t = table(doc, [w * 0.4, w * 0.6], borders=False)
    row(t, "{{ instansi|upper }}", right, bold=True, size=9)
    t.rows[-1].cells[1].paragraphs[0].alignment = RIGHT


def identity(doc: DocumentObject, with_atasan: bool = False) -> None:
    """NO | PEGAWAI YANG DINILAI | NO | PEJABAT PENILAI KINERJA (label and value columns)."""
    w = usable_width(doc)
    t = table(doc, [NO_W, w * 0.17, w * 0.5 - NO_W - w * 0.17, NO_W, w * 0.17, w * 0.5 - NO_W - w * 0.17])
    r = row(t, "NO", "PEGAWAI YANG DINILAI", "", "NO", "PEJABAT PENILAI KINERJA", bold=True, align=CENTER)
    r[1].merge(r[2])
    r[4].merge(r[5])
    for i, (label, key) in enumerate(PERSON_ROWS, 1):
        right_label = "{{ label_unit_penilai }}" if key == "unit_kerja" else label
        row(t, str(i), label, f"{{{{ pegawai.{key} }}}}", str(i), right_label, f"{{{{ penilai.{key} }}}}")
    para(doc)


def person_block(t: Table, number: str, heading: str, who: str) -> None:
    row(t, number, heading, bold=True, merge=(1, 2))
    for label, key in PERSON_ROWS:
        row(t, "", label, f"{{{{ {who}.{key} }}}}")


def signatures(doc: DocumentObject, left: tuple[str, str], right: tuple[str, str],
               place_left: bool = False) -> None:
    """Two signature blocks: (role, who) each; the place and date go on the right (or both)."""
    w = usable_width(doc)
    para(doc)
    t = table(doc, [w / 2, w / 2], borders=False)
    r = row(t, "", "", align=CENTER)
    for cell, (role, who), dated in ((r[0], left, place_left), (r[1], right, True)):
        nip = f"{{% if {who}.nip %}}NIP {{{{ {who}.nip }}}}{{% endif %}}"  # a penilai may have no NIP
        lines = [("{{ tempat }}, {{ tanggal }}" if dated else "", False), (role, False), ("", False), ("", False),
                 ("", False), (f"{{{{ {who}.nama }}}}", True), (nip, False)]
        cell_lines(cell, lines)
        for p in cell.paragraphs:
            p.alignment = CENTER


def perilaku_table(doc: DocumentObject, with_feedback: bool) -> None:
    w = usable_width(doc)
    if with_feedback:
        widths = [NO_W, w * 0.4, w * 0.27, w - NO_W - w * 0.67]
    else:
        widths = [NO_W, w * 0.55, w - NO_W - w * 0.55]
    t = table(doc, widths)
    heads = ["NO", "PERILAKU KERJA", "EKSPEKTASI KHUSUS PIMPINAN" + ("" if with_feedback else " (**)")]
    if with_feedback:
        heads.append("UMPAN BALIK BERKELANJUTAN BERDASARKAN BUKTI DUKUNG")
    row(t, *heads, bold=True, align=CENTER, header=True)
    tag_row(t, "{%tr for p in perilaku %}")
    r = row(t, "{{ p.no }}", "", "{{ p.ekspektasi }}", *(["{{ p.umpan_balik }}"] if with_feedback else []))
    cell_lines(r[1], [("{{ p.nama }}", True), ("{%p for g in p.panduan %}", False), ("- {{ g }}", False),
                      ("{%p endfor %}", False)])
    tag_row(t, "{%tr endfor %}")


def section_header(t: Table, text: str) -> None:
    """A heading row across the table, kept on the page of the row after it."""
    cells = row(t, text, bold=True, merge=(0, len(t.columns) - 1))
    cells[0].paragraphs[0].paragraph_format.keep_with_next = True


# ----------------------------------------------------------------------------- hasil kerja tables

def hk_kuantitatif(doc: DocumentObject, evaluasi: bool) -> None:
    w = usable_width(doc)
    fixed = [NO_W]
    if evaluasi:
        rest = w - NO_W
        widths = fixed + [rest * f for f in (0.13, 0.14, 0.09, 0.15, 0.09, 0.19, 0.21)]
    else:
        rest = w - NO_W
        widths = fixed + [rest * f for f in (0.21, 0.23, 0.13, 0.27, 0.16)]  # ASPEK: "Kuantitas" on one line
    t = table(doc, widths)
    heads = ["NO", "RENCANA HASIL KERJA PIMPINAN YANG DIINTERVENSI" + ("" if evaluasi else " (*)"),
             "RENCANA HASIL KERJA", "ASPEK", "INDIKATOR KINERJA INDIVIDU", "TARGET"]
    if evaluasi:
        heads += ["REALISASI BERDASARKAN BUKTI DUKUNG", "UMPAN BALIK BERKELANJUTAN BERDASARKAN BUKTI DUKUNG"]
    row(t, *heads, bold=True, align=CENTER, header=True, size=9, vcenter=True)
    row(t, *[f"({i})" for i in range(1, len(heads) + 1)], align=CENTER, size=8)
    for letter, key in (("A", "utama"), ("B", "tambahan")):
        tag_row(t, f"{{%tr if hasil_kerja.{key} %}}")  # no heading without rows
        section_header(t, f"{letter}. {key.upper()}")
        tag_row(t, f"{{%tr for r in hasil_kerja.{key} %}}")
        tag_row(t, "{%tr for i in r.indikator %}")
        cells = ["{% vm %}{{ r.no }}", "{% vm %}{{ r.pimpinan }}", "{% vm %}{{ r.teks }}", "{{ i.aspek }}",
                 "{{ i.teks }}", "{{ i.target }}"]
        if evaluasi:
            cells += ["{{ i.realisasi }}", "{{ i.umpan_balik }}"]
        row(t, *cells)
        tag_row(t, "{%tr endfor %}")
        tag_row(t, "{%tr endfor %}")
        tag_row(t, "{%tr endif %}")


def hk_kualitatif(doc: DocumentObject, evaluasi: bool) -> None:
    w = usable_width(doc)
    widths = [NO_W, (w - NO_W) * 0.5, (w - NO_W) * 0.25, (w - NO_W) * 0.25] if evaluasi else [NO_W, w - NO_W]
    t = table(doc, widths)
    heads = ["NO", "RENCANA HASIL KERJA"]
    if evaluasi:
        heads += ["REALISASI BERDASARKAN BUKTI DUKUNG", "UMPAN BALIK BERKELANJUTAN BERDASARKAN BUKTI DUKUNG"]
    row(t, *heads, bold=True, align=CENTER, header=True, size=9)
    for letter, key in (("A", "utama"), ("B", "tambahan")):
        tag_row(t, f"{{%tr if hasil_kerja.{key} %}}")  # no heading without rows
        section_header(t, f"{letter}. {key.upper()}")
        tag_row(t, f"{{%tr for r in hasil_kerja.{key} %}}")
        r = row(t, "{{ r.no }}", "")
        cell_lines(r[1], [("{{ r.teks }}", False), ("{%p if r.penugasan %}", False),
                          ("(Penugasan dari: {{ r.penugasan }})", False), ("{%p endif %}", False),
                          ("Ukuran keberhasilan / Indikator Kinerja Individu, dan Target:", True),
                          ("{%p for i in r.indikator %}", False), ("- {{ i.teks }}: {{ i.target }}", False),
                          ("{%p endfor %}", False)])
        if evaluasi:
            for cell, key2 in ((r[2], "realisasi"), (r[3], "umpan_balik")):
                cell_lines(cell, [("{%p for i in r.indikator %}", False), (f"- {{{{ i.{key2} }}}}", False),
                                  ("{%p endfor %}", False)])
        tag_row(t, "{%tr endfor %}")
        tag_row(t, "{%tr endif %}")


def hk_jpt(doc: DocumentObject, evaluasi: bool) -> None:
    w = usable_width(doc)
    rest = w - NO_W
    fr = (0.22, 0.26, 0.12, 0.14, 0.12, 0.14) if evaluasi else (0.32, 0.34, 0.16, 0.18)
    t = table(doc, [NO_W] + [rest * f for f in fr])
    heads = ["NO", "RENCANA HASIL KERJA", "INDIKATOR KINERJA INDIVIDU", "TARGET", "PERSPEKTIF"]
    if evaluasi:
        heads += ["REALISASI BERDASARKAN BUKTI DUKUNG", "UMPAN BALIK BERKELANJUTAN BERDASARKAN BUKTI DUKUNG"]
    row(t, *heads, bold=True, align=CENTER, header=True, size=9, vcenter=True)
    row(t, *[f"({i})" for i in range(1, len(heads) + 1)], align=CENTER, size=8)
    for letter, key in (("A", "utama"), ("B", "tambahan")):
        tag_row(t, f"{{%tr if hasil_kerja.{key} %}}")  # no heading without rows
        section_header(t, f"{letter}. {key.upper()}")
        tag_row(t, f"{{%tr for r in hasil_kerja.{key} %}}")
        tag_row(t, "{%tr for i in r.indikator %}")
        rhk = "{% vm %}{{ r.teks }}{% if r.penugasan %} (penugasan dari {{ r.penugasan }}){% endif %}"
        cells = ["{% vm %}{{ r.no }}", rhk, "{{ i.teks }}", "{{ i.target }}", "{{ i.perspektif }}"]
        if evaluasi:
            cells += ["{{ i.realisasi }}", "{{ i.umpan_balik }}"]
        row(t, *cells)
        tag_row(t, "{%tr endfor %}")
        tag_row(t, "{%tr endfor %}")
        tag_row(t, "{%tr endif %}")


HASIL_KERJA: dict[str, Callable[[DocumentObject, bool], None]] = {
    "kuantitatif": hk_kuantitatif, "kualitatif": hk_kualitatif, "jpt": hk_jpt}

SKP_TITLE = ["SASARAN KINERJA PEGAWAI", "PENDEKATAN HASIL KERJA {{ pendekatan }}", "{{ bagi }}"]


# ----------------------------------------------------------------------------- documents

def build_skp(variant: str) -> DocumentObject:
    doc = new_document()
    title(doc, SKP_TITLE)
    instansi_periode(doc)
    identity(doc)
    para(doc, "HASIL KERJA", bold=True)
    HASIL_KERJA[variant](doc, False)
    para(doc)
    para(doc, "PERILAKU KERJA", bold=True)
    perilaku_table(doc, with_feedback=False)
    signatures(doc, ("Pegawai yang Dinilai", "pegawai"), ("Pejabat Penilai Kinerja", "penilai"))
    para(doc)
    if variant != "jpt":
        para(doc, "(*) Jika RHK pimpinan yang diintervensi adalah RHK JPT/organisasi, tuliskan beserta IKI-nya "
                  "(atau sasaran dan indikator organisasi).", size=8, italic=True)
    para(doc, "(**) Pimpinan dapat memberikan ekspektasi khusus pada aspek perilaku kerja mana pun.",
         size=8, italic=True)
    page_break(doc)
    title(doc, ["LAMPIRAN SASARAN KINERJA PEGAWAI", "PENDEKATAN HASIL KERJA {{ pendekatan }}", "{{ bagi }}"])
    instansi_periode(doc)
    w = usable_width(doc)
    t = table(doc, [NO_W, w - NO_W])
    for heading, key in (("DUKUNGAN SUMBER DAYA", "dukungan_sumber_daya"),
                         ("SKEMA PERTANGGUNGJAWABAN", "skema_pertanggungjawaban"), ("KONSEKUENSI", "konsekuensi")):
        section_header(t, heading)
        tag_row(t, f"{{%tr for x in lampiran.{key} %}}")
        row(t, "{{ loop.index }}", "{{ x }}")
        tag_row(t, "{%tr endfor %}")
        tag_row(t, f"{{%tr if not lampiran.{key} %}}")  # a heading is never left without a line
        row(t, "", "-")
        tag_row(t, "{%tr endif %}")
    signatures(doc, ("Pegawai yang Dinilai", "pegawai"), ("Pejabat Penilai Kinerja", "penilai"))
    footer(doc, "Dokumen milik {{ pegawai.nama }} (NIP {{ pegawai.nip }})")
    return doc


def build_evaluasi(variant: str) -> DocumentObject:
    doc = new_document(landscape=variant != "kualitatif")
    title(doc, ["EVALUASI KINERJA PEGAWAI", "PENDEKATAN HASIL KERJA {{ pendekatan }}", "{{ bagi }}",
                "PERIODE: {{ periode.label }}"])
    instansi_periode(doc)
    identity(doc)
    w = usable_width(doc)
    t = table(doc, [w * 0.35, w * 0.65], borders=False)
    options_row(t, "CAPAIAN KINERJA ORGANISASI*", "capaian_organisasi")
    row(t, "POLA DISTRIBUSI:", "", bold=True)
    para(doc, "{{ kurva.judul }}", bold=True, align=CENTER, size=9)
    para(doc, "{{ kurva.gambar }}", align=CENTER)
    para(doc, "{% if kurva.ketentuan %}Ketentuan pola distribusi: {{ kurva.ketentuan }}.{% endif %}", size=8,
         italic=True, align=CENTER)
    para(doc)
    para(doc, "HASIL KERJA", bold=True)
    HASIL_KERJA[variant](doc, True)
    para(doc)
    t = table(doc, [w * 0.35, w * 0.65], borders=False)
    options_row(t, "RATING HASIL KERJA*", "rating_hasil_kerja")
    para(doc)
    para(doc, "PERILAKU KERJA", bold=True)
    perilaku_table(doc, with_feedback=True)
    para(doc)
    t = table(doc, [w * 0.35, w * 0.65], borders=False)
    options_row(t, "RATING PERILAKU KERJA*", "rating_perilaku")
    options_row(t, "PREDIKAT KINERJA PEGAWAI*", "predikat")
    w2 = usable_width(doc)
    para(doc)
    s = table(doc, [w2 / 2, w2 / 2], borders=False)
    r = row(s, "", "")
    cell_lines(r[1], [("{{ tempat }}, {{ tanggal }}", False), ("Pejabat Penilai Kinerja", False), ("", False),
                      ("", False), ("", False), ("{{ penilai.nama }}", True),
                      ("{% if penilai.nip %}NIP {{ penilai.nip }}{% endif %}", False)])
    for p in r[1].paragraphs:
        p.alignment = CENTER
    para(doc, "* coret yang tidak perlu. Rating ditetapkan oleh Pejabat Penilai Kinerja; predikat dihitung dari "
              "matriks rating hasil kerja dan rating perilaku kerja (PermenPANRB 6/2022).", size=8, italic=True)
    footer(doc, "Dokumen milik {{ pegawai.nama }} (NIP {{ pegawai.nip }})")
    return doc


def build_dokumen_evaluasi() -> DocumentObject:
    doc = new_document()
    title(doc, ["DOKUMEN EVALUASI KINERJA PEGAWAI", "PERIODE: {{ periode.label }}"])
    instansi_periode(doc)
    w = usable_width(doc)
    t = table(doc, [NO_W, w * 0.38, w - NO_W - w * 0.38])
    person_block(t, "1", "PEGAWAI YANG DINILAI", "pegawai")
    person_block(t, "2", "PEJABAT PENILAI KINERJA", "penilai")
    person_block(t, "3", "ATASAN PEJABAT PENILAI KINERJA", "atasan_penilai")
    row(t, "4", "EVALUASI KINERJA", bold=True, merge=(1, 2))
    for label, key in (("CAPAIAN KINERJA ORGANISASI*", "capaian_organisasi"),
                       ("RATING HASIL KERJA*", "rating_hasil_kerja"), ("RATING PERILAKU KERJA*", "rating_perilaku"),
                       ("PREDIKAT KINERJA PEGAWAI*", "predikat")):
        r = row(t, "", label, "")
        options(r[2].paragraphs[0], key)
    row(t, "5", "CATATAN/REKOMENDASI", bold=True, merge=(1, 2))
    r = row(t, "", "", merge=(1, 2))
    cell_lines(r[1], [("{{ rekomendasi }}", False), ("{%p if catatan %}", False), ("Catatan: {{ catatan }}", False),
                      ("{%p endif %}", False)])
    signatures(doc, ("Pegawai yang Dinilai", "pegawai"), ("Pejabat Penilai Kinerja", "penilai"), place_left=True)
    para(doc)
    para(doc, "* coret yang tidak perlu.", size=8, italic=True)
    return doc


def build_bukti() -> DocumentObject:
    doc = new_document(landscape=True)
    title(doc, ["DAFTAR BUKTI DUKUNG", "SASARAN KINERJA PEGAWAI TAHUN {{ tahun }}", "PERIODE: {{ periode.label }}"])
    w = usable_width(doc)
    t = table(doc, [w * 0.2, w * 0.8], borders=False)
    for label, key in (("INSTANSI", "instansi"),):
        row(t, label, f": {{{{ {key} }}}}")
    for label, key in PERSON_ROWS:
        row(t, label, f": {{{{ pegawai.{key} }}}}")
    para(doc)
    # SHA-256 and the permalink wrap; IKI wide enough for its code and text
    t = table(doc, [NO_W] + [(w - NO_W) * f for f in (0.14, 0.13, 0.06, 0.13, 0.045, 0.06, 0.085, 0.15, 0.155,
                                                      0.045)])
    row(t, "NO", "RHK", "IKI", "PERIODE", "NAMA BERKAS", "JENIS", "UKURAN", "DIARSIPKAN", "SHA-256", "TAUTAN",
        "VERSI", bold=True, align=CENTER, header=True, size=7, vcenter=True)
    tag_row(t, "{%tr for b in bukti %}")
    r = row(t, "{{ b.no }}", "{{ b.rhk }}", "{{ b.iki }}", "{{ b.periode }}", "", "{{ b.jenis }}",
            "{{ b.ukuran }}", "{{ b.diarsipkan }}", "{{ b.sha256 }}", "{{ b.tautan }}", "{{ b.versi }}", size=8)
    cell_lines(r[4], [("{{ b.nama }}", False), ("{%p if b.mencurigakan %}", False),
                      ("(!) PERLU DIPERIKSA: {{ b.alasan }}", True), ("{%p endif %}", False)], size=8)
    tag_row(t, "{%tr endfor %}")
    para(doc)
    para(doc, "Jumlah bukti dukung: {{ jumlah }}. {%if not bukti %}Belum ada bukti dukung yang diarsipkan "
              "untuk periode ini.{% endif %}")
    para(doc, "{%p if jumlah_mencurigakan %}")
    para(doc, "(!) {{ jumlah_mencurigakan }} berkas ditandai PERLU DIPERIKSA: isinya tampak tidak berkaitan dengan "
              "indikator tempat berkas itu diajukan. Periksa dan pindahkan bila salah tempat.", size=8, bold=True)
    para(doc, "{%p endif %}")
    para(doc, "TAUTAN: alamat berkas di aplikasi web arsip (buka pada alamat server arsip).", size=8, italic=True)
    para(doc, "Keaslian setiap berkas dapat dibuktikan dengan menghitung SHA-256 isinya dan membandingkannya "
              "dengan daftar ini serta catatan arsip (archiver verify).", size=8, italic=True)
    para(doc, "Dicetak dari arsip pada {{ dicetak }}.", size=8, italic=True)
    footer(doc, "Daftar bukti dukung {{ pegawai.nama }} (NIP {{ pegawai.nip }})")
    return doc


def build_rekap() -> DocumentObject:
    doc = new_document()
    title(doc, ["REKAPITULASI PREDIKAT KINERJA PEGAWAI", "PERIODE: {{ periode.label }} TAHUN {{ tahun }}"])
    w = usable_width(doc)
    t = table(doc, [w * 0.35, w * 0.65], borders=False)
    row(t, "INSTANSI", ": {{ instansi }}")
    row(t, "UNIT KERJA", ": {{ unit }}")
    row(t, "CAPAIAN KINERJA ORGANISASI", ": {{ capaian_organisasi }}", bold=False)
    para(doc)
    t = table(doc, [NO_W] + [(w - NO_W) * f for f in (0.3, 0.24, 0.15, 0.15, 0.16)])
    row(t, "NO", "NAMA / NIP", "JABATAN", "RATING HASIL KERJA", "RATING PERILAKU KERJA", "PREDIKAT",
        bold=True, align=CENTER, header=True, size=9, vcenter=True)
    tag_row(t, "{%tr for p in pegawai %}")
    r = row(t, "{{ p.no }}", "", "{{ p.jabatan }}", "{{ p.rating_hasil_kerja }}", "{{ p.rating_perilaku }}",
            "{{ p.predikat }}", size=9)
    cell_lines(r[1], [("{{ p.nama }}", False), ("NIP {{ p.nip }}", False)], size=9)
    tag_row(t, "{%tr endfor %}")
    para(doc)
    para(doc, "SEBARAN PREDIKAT DAN POLA DISTRIBUSI", bold=True)
    t = table(doc, [w * 0.24, w * 0.1, w * 0.15, w * 0.51])
    row(t, "PREDIKAT", "JUMLAH", "PERSENTASE", "KETENTUAN POLA DISTRIBUSI", bold=True, align=CENTER, size=9)
    tag_row(t, "{%tr for s in sebaran %}")
    row(t, "{{ s.predikat }}", "{{ s.jumlah }}", "{{ s.persen }}", "{{ s.ketentuan }}", size=9)
    tag_row(t, "{%tr endfor %}")
    para(doc)
    para(doc, "Pegawai dinilai: {{ jumlah_dinilai }}; belum dinilai: {{ jumlah_belum }}.")
    para(doc, "HASIL PEMERIKSAAN POLA DISTRIBUSI", bold=True)
    para(doc, "{%p if sesuai_pola %}")
    para(doc, "Sebaran predikat kinerja pegawai sesuai dengan pola distribusi.")
    para(doc, "{%p else %}")
    para(doc, "Sebaran predikat kinerja pegawai tidak sesuai dengan pola distribusi:")
    para(doc, "{%p for x in peringatan %}")
    para(doc, "- {{ x }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc)
    s = table(doc, [w / 2, w / 2], borders=False)
    r = row(s, "", "")
    cell_lines(r[1], [("{{ tempat }}, {{ tanggal }}", False), ("{{ penandatangan.jabatan }}", False), ("", False),
                      ("", False), ("", False), ("{{ penandatangan.nama }}", True),
                      ("{% if penandatangan.nip %}NIP {{ penandatangan.nip }}{% endif %}", False)])
    for p in r[1].paragraphs:
        p.alignment = CENTER
    return doc


BUILDERS: dict[str, Callable[[], DocumentObject]] = {
    "skp_kuantitatif": lambda: build_skp("kuantitatif"),
    "skp_kualitatif": lambda: build_skp("kualitatif"),
    "skp_jpt": lambda: build_skp("jpt"),
    "evaluasi_kuantitatif": lambda: build_evaluasi("kuantitatif"),
    "evaluasi_kualitatif": lambda: build_evaluasi("kualitatif"),
    "evaluasi_jpt": lambda: build_evaluasi("jpt"),
    "dokumen_evaluasi": build_dokumen_evaluasi,
    "bukti": build_bukti,
    "rekap": build_rekap,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "templates", help="folder for the .docx templates")
    ap.add_argument("--preview", type=Path, help="also render each template with its sample context here")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        path = args.out / f"{name}.docx"
        build().save(str(path))
        print(f"wrote {path}")
    if args.preview:
        args.preview.mkdir(parents=True, exist_ok=True)
        renderer = Renderer()
        outs = []
        for name in BUILDERS:
            out = args.preview / f"{name}.docx"
            out.write_bytes(renderer.render(args.out / f"{name}.docx", sample_context(kind_of(name))))
            outs.append(out)
            print(f"rendered {out}")
        try:
            with PdfConverter() as conv:
                for c in conv.convert(outs, args.preview):
                    print(f"pdf {c.pdf or c.error}")
        except Exception as exc:  # noqa: BLE001 - preview only
            print(f"no PDF preview: {exc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
