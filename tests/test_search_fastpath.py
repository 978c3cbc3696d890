"""The conjunctive fast path of the search index against Whoosh's own matchers.

Queries of required words under exact filters are answered by reading posting blocks into
arrays (``archiver.search._whoosh.fastpath``). Here a real multi-segment index, with replaced (deleted)
documents and words that occur once, answers several hundred queries both ways; ranks,
scores and totals must agree. Whoosh's reference runs without block skipping, which can drop
a document whose score ties the N-th best.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3Codec
from whoosh.support.charset import accent_map

from archiver.search import IndexDoc, Page
from archiver.search._accents import ACCENT_MAP
from archiver.search._analysis import index_terms
from archiver.search._whoosh import WhooshBackend, fastpath
from archiver.search._whoosh import index as whoosh_index
from archiver.search._whoosh.query import parse_query
from archiver.search._whoosh.schema import analyze, make_schema

WORDS = ("laksana melaksanakan pelaksanaan kelola pengelolaan nilai penilaian susun penyusunan rencana "
         "perencanaan awas pengawasan layan pelayanan lapor laporan pelaporan adu pengaduan giat kegiatan "
         "anggaran periksa pemeriksaan latih pelatihan sosialisasi koordinasi tingkat peningkatan arsip "
         "kearsipan bayar pembayaran tugas penugasan ukur pengukuran capai capaian rekam rekaman dinas "
         "kantor daerah pegawai aparatur rapat notulen undangan surat keputusan kepala inspektorat desa "
         "masyarakat informasi aplikasi dokumen berkas lampiran belanja barang jasa gedung kendaraan aset").split()
NIPS = [f"19850315201001{i:04d}" for i in range(40)]
UNITS = [f"UNIT-{i:02d}" for i in range(8)]


def make_doc(i: int, r: random.Random) -> IndexDoc:
    weights = [1.0 / (k + 1) for k in range(len(WORDS))]
    words = r.choices(WORDS, weights, k=r.randint(5, 80))
    if i % 97 == 0:
        words.append(f"tunggal{i}x")  # a word in one document only: an inlined posting
    name = f"{r.choice(['laporan', 'notulen', 'surat'])}_{i}.pdf"
    return IndexDoc(key=str(i), sha256=f"{i:064x}", name=name, path=f"drop/{name}",
                    received=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i), text=" ".join(words),
                    nip=r.choice(NIPS), tahun=r.choice([2025, 2026]), periode=r.choice(["TW1", "TW2", "TW3", "TW4"]),
                    rhk=f"RHK-{r.randint(1, 4):02d}", type="pdf", unit=r.choice(UNITS), status="archived")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> WhooshBackend:
    r = random.Random(5)
    docs = [make_doc(i, r) for i in range(1500)]
    fti = WhooshBackend(tmp_path_factory.mktemp("fast") / "index")
    fti.rebuild(iter(docs[:900]))
    for lo, hi in ((900, 1200), (1200, 1500)):  # two more segments, written incrementally
        with fti.writer() as w:
            for d in docs[lo:hi]:
                w.put(d)
    with fti.writer() as w:  # replaced documents: deletions in the older segments
        for d in docs[:600:7]:
            d.periode, d.text = "TW4", d.text + " revisi pelaksanaan"
            w.put(d)
    return fti


def queries(n: int) -> list[tuple[str, dict[str, object]]]:
    r = random.Random(9)
    out: list[tuple[str, dict[str, object]]] = []
    for _ in range(n):
        q = " ".join(r.sample(WORDS, r.choice([1, 2, 3])))
        f = r.choice([{}, {"nip": r.choice(NIPS)}, {"unit": r.choice(UNITS)},
                      {"periode": r.choice(["TW1", "TW4"]), "tahun": 2026}, {"nip": r.sample(NIPS, 3)},
                      {"rhk": "RHK-02", "type": "pdf"}, {"nip": "199901012020011001"},
                      {"date_from": dt.date(2026, 1, 20), "date_to": dt.date(2026, 2, 10)},   # hours 456-983
                      {"date_from": dt.date(2026, 2, 27), "unit": r.choice(UNITS)}, {"date_to": dt.date(2026, 1, 5)}])
        out.append((q, f))
    return out + [("tunggal97x", {}), ("tunggal194x laporan", {"tahun": 2025}),
                  ("revisi pelaksanaan", {"periode": "TW4"}), ("pelaksanaan pelaksanaan", {})]


def search(index: WhooshBackend, q: str, f: dict[str, object], **kw: object) -> Page:
    dates = {k: f[k] for k in ("date_from", "date_to") if k in f}
    filters = {k: v for k, v in f.items() if k not in dates}
    return index.search(q, filters=filters, limit=10, **dates, **kw)  # type: ignore[arg-type]


def ranked(page: Page) -> list[tuple[str, float]]:
    return [(h.key, round(h.score, 6)) for h in page.hits]


def test_fast_path_answers_like_whoosh(index: WhooshBackend) -> None:
    assert len(list(index.path.glob("*.seg"))) >= 2 or len(list(index.path.glob("*.trm"))) >= 2
    differ = []
    for q, f in queries(300):
        assert fastpath.conjunction(parse_query(q), {k: (v,) for k, v in f.items()}) is not None
        fast, ref = search(index, q, f), search(index, q, f, fast=False)
        # documents tied with the last one may differ: the fast path keeps the lowest keys, Whoosh the first found
        cut = ranked(ref)[-1][1] if ref.hits else None
        if [s for _, s in ranked(fast)] != [s for _, s in ranked(ref)] \
                or [h for h in ranked(fast) if h[1] != cut] != [h for h in ranked(ref) if h[1] != cut] \
                or (ref.total is not None and fast.total != ref.total):
            differ.append((q, f, ranked(fast), ranked(ref), fast.total, ref.total))
    assert not differ, "\n".join(map(repr, differ[:4]))


def test_fast_path_counts_exactly_and_drops_replaced_versions(index: WhooshBackend) -> None:
    page = index.search("revisi pelaksanaan", limit=1000)
    assert page.total == len(page.hits) == len(range(0, 600, 7))
    assert {h.fields["periode"] for h in page.hits} == {"TW4"}
    assert index.search("tunggal97x", limit=5).total == 1
    assert index.search("kegiatan", filters={"nip": "199901012020011001"}).hits == []


def test_other_query_shapes_use_whoosh(index: WhooshBackend) -> None:
    for q in ('"laporan kegiatan"', "rapat OR notulen", "laporan NOT rapat", "sosialis*", "nip:198503152010010001"):
        assert fastpath.conjunction(parse_query(q), {}) is None
        assert index.search(q, limit=5).hits or q.startswith("nip:")


def test_index_without_positionless_field_still_searches_and_takes_writes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """An index built before the ``words`` field existed, with Whoosh's own posting blocks
    (tuples, 128 a block), keeps working until `archiver reindex`."""
    monkeypatch.setattr(whoosh_index, "codec", lambda: W3Codec())
    fti = WhooshBackend(tmp_path / "old")
    schema = make_schema()
    schema.remove("words")
    name = fti.new_generation_name()
    fti.storage().create_index(schema, indexname=name)
    fti._set_current(name)
    r = random.Random(3)
    with fti.writer() as w:
        for i in range(200):
            w.put(make_doc(i, r))
    for q, f in queries(40):
        assert ranked(search(fti, q, f)) == ranked(search(fti, q, f, fast=False))


def test_index_terms_are_the_analyzers_terms() -> None:
    """Index writes analyse text once in Python (``_analysis.index_terms``); queries go through the
    Whoosh analyzer chain. Both must make the same terms, or words would stop matching."""
    texts = ["Laporan Pelaksanaan kegiatan dan café NAÏVE 2026 a b_c x1 Rp.5.000 pengaduan’s yang di-kelola ÉTÉ",
             "PENILAIAN  kinerja\tpegawai\n\nnegeri sipil: menetapkan, ditetapkan; penetapan (ketetapan)",
             "Ünïcödé àçcèñts ôn wörds lïkë pemeriksaan — dan ke di x y z",
             " ".join(WORDS)]
    for text in texts:
        assert index_terms(text) == analyze(text)
    assert index_terms("melaksanakan pelaksanaan") == ["laksana", "laksana"]


def test_accent_table_is_whooshs() -> None:
    """Analysis folds accents with its own copy of Whoosh's table (no Whoosh import there)."""
    assert ACCENT_MAP == accent_map


def test_fast_path_turns_itself_off_under_another_whoosh(index: WhooshBackend, monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    assert fastpath.AVAILABLE and fastpath.supported(fastpath.WRITTEN_FOR)
    with caplog.at_level("WARNING", logger=fastpath.__name__):
        assert not fastpath.supported("2.7.6")
    assert "written for whoosh-reloaded 2.7.5, but 2.7.6 is installed" in caplog.text
    monkeypatch.setattr(fastpath, "AVAILABLE", False)
    calls: list[object] = []
    monkeypatch.setattr(fastpath, "fast_search", lambda *a: calls.append(a))
    for q, f in queries(30):  # Whoosh's matchers with block skipping: ties at the cut may differ
        whoosh, reference = search(index, q, f), search(index, q, f, fast=False)
        assert [sc for _, sc in ranked(whoosh)] == [sc for _, sc in ranked(reference)]
    assert calls == []


def test_index_written_under_the_old_module_names_opens() -> None:
    """Tables of contents pickle the codec and the stem function by name; an index written
    before ``archiver.search`` named them ``archiver.fulltext._Codec`` / ``archiver.stemming.stem``."""
    import pickle

    from archiver.search._stemming import stem
    from archiver.search._whoosh.codec import Codec

    assert pickle.loads(b"carchiver.fulltext\n_Codec\n.") is Codec
    assert pickle.loads(b"carchiver.stemming\nstem\n.") is stem
