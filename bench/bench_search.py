"""Search benchmark: latency p50/p95 at 10,000 and 100,000 documents of generated Indonesian
government text, time for a new document to become searchable, full reindex time, and the
same corpus in Tantivy (pre-stemmed in Python) for a ratio. Not part of the test suite.

    python bench/bench_search.py                 # 10,000 and 100,000 documents
    python bench/bench_search.py --docs 2000     # quick
    python bench/bench_search.py --docs 10000 --procs 2 --no-tantivy

Targets at 100,000 documents: p95 <= 50 ms for queries filtered by pegawai, unit or periode,
<= 250 ms for unfiltered three-word queries; a new document searchable within 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver.search import IndexDoc
from archiver.search import _stemming as stemming
from archiver.search._snippets import make_snippet
from archiver.search._whoosh import WhooshBackend
from archiver.search._whoosh.schema import analyze

# Word families of Indonesian government writing: root first, then affixed forms.
FAMILIES = """
laksana melaksanakan pelaksanaan dilaksanakan terlaksana pelaksana
kelola mengelola pengelolaan dikelola pengelola
nilai menilai penilaian dinilai penilai
tetap menetapkan penetapan ditetapkan ketetapan
susun menyusun penyusunan disusun susunan
rencana merencanakan perencanaan direncanakan
awas mengawasi pengawasan diawasi pengawas
layan melayani pelayanan dilayani layanan
bina membina pembinaan dibina pembina
lapor melaporkan pelaporan dilaporkan laporan pelapor
adu mengadukan pengaduan diadukan aduan
giat kegiatan
anggar menganggarkan penganggaran dianggarkan anggaran
evaluasi mengevaluasi dievaluasi
monitor memonitor pemantauan dipantau pantau memantau
periksa memeriksa pemeriksaan diperiksa pemeriksa
data mendata pendataan didata
latih melatih pelatihan dilatih pelatih
sosialisasi mensosialisasikan disosialisasikan
koordinasi mengoordinasikan dikoordinasikan koordinator
tingkat meningkatkan peningkatan ditingkatkan
kembang mengembangkan pengembangan dikembangkan perkembangan
terap menerapkan penerapan diterapkan
verifikasi memverifikasi diverifikasi
ajuan mengajukan pengajuan diajukan
setuju menyetujui persetujuan disetujui
kirim mengirimkan pengiriman dikirim
terima menerima penerimaan diterima
arsip mengarsipkan pengarsipan diarsipkan kearsipan
urus mengurus pengurusan diurus
hitung menghitung perhitungan dihitung
bayar membayar pembayaran dibayarkan
serah menyerahkan penyerahan diserahkan
tugas menugaskan penugasan ditugaskan
atur mengatur pengaturan diatur peraturan
sedia menyediakan penyediaan disediakan persediaan
pimpin memimpin pemimpin kepemimpinan dipimpin pimpinan
kerja bekerja pekerjaan dikerjakan kinerja
ukur mengukur pengukuran diukur
capai mencapai pencapaian dicapai capaian
rekam merekam perekaman direkam rekaman
tulis menulis penulisan ditulis tulisan
""".strip().splitlines()
NOUNS = """
dinas kantor daerah provinsi kabupaten kota kecamatan kelurahan desa pegawai aparatur sipil negara
sekretariat bidang seksi subbagian bagian umum keuangan kepegawaian program target realisasi
indikator sasaran strategis rapat notulen undangan surat keputusan kepala sekretaris inspektorat
badan lembaga kementerian menteri gubernur bupati walikota camat lurah masyarakat publik informasi
aplikasi sistem dokumen berkas lampiran formulir tahun triwulan bulan semester anggaran belanja
modal barang jasa gedung kendaraan peralatan perlengkapan aset inventaris pengadaan kontrak rekanan
penyedia honorarium perjalanan transportasi akomodasi konsumsi operasional pemeliharaan perbaikan
kesehatan pendidikan sosial ekonomi pertanian perikanan peternakan perindustrian perdagangan
koperasi pariwisata kebudayaan lingkungan hidup kebersihan pertamanan perhubungan pekerjaan jalan
jembatan irigasi perumahan permukiman kependudukan pencatatan sipil kesejahteraan perlindungan anak
perempuan pemuda olahraga kinerja merit kompetensi jabatan fungsional struktural pelaksana pengawas
administrator disiplin cuti absensi kehadiran tunjangan gaji pensiun mutasi promosi sertifikat
diklat bimbingan teknis
""".split()
FILLERS = """
yang dan di ke dari untuk dengan pada ini itu dalam atau adalah oleh sebagai akan telah
""".split()

PERIODES = ["TW1", "TW2", "TW3", "TW4"]


class Corpus:
    def __init__(self, seed: int = 7, words: int = 300, pegawai: int = 2000, units: int = 50) -> None:
        self.rng = random.Random(seed)
        self.vocab = [w for line in FAMILIES for w in line.split()] + NOUNS
        self.rng.shuffle(self.vocab)
        # Zipf-like weights: a few very common words, a long tail
        self.weights = [1.0 / (i + 1) ** 0.9 for i in range(len(self.vocab))]
        self.words = words
        self.nips = [f"19{self.rng.randint(60, 99)}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
                     f"20{self.rng.randint(0, 20):02d}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 2)}"
                     f"{self.rng.randint(1, 999):03d}" for _ in range(pegawai)]
        self.units = [f"UNIT-{i:03d}" for i in range(units)]

    def text(self) -> str:
        r = self.rng
        out = []
        content = r.choices(self.vocab, self.weights, k=self.words)
        for i, w in enumerate(content):
            out.append(w)
            if r.random() < 0.25:
                out.append(r.choice(FILLERS))
            if i % 15 == 14:
                out[-1] += "."
        return " ".join(out).capitalize()

    def doc(self, i: int) -> tuple[IndexDoc, str]:
        r = self.rng
        text = self.text()
        name = f"{r.choice(['laporan', 'notulen', 'surat', 'rekap', 'bukti', 'dokumentasi'])}_{i}.pdf"
        doc = IndexDoc(key=str(i), sha256=f"{i:064x}", name=name, path=f"drop/{i}/{name}",
                       received=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i),
                       text=text, nip=r.choice(self.nips), tahun=r.choice([2024, 2025, 2026]),
                       periode=r.choice(PERIODES), rhk=f"RHK-{r.randint(1, 10):02d}", type="pdf",
                       unit=r.choice(self.units), status="archived")
        return doc, text

    def query_words(self, n: int) -> str:
        # words from the common-to-middle range of the distribution, in any affixed form
        lo, hi = 5, min(len(self.vocab), 250)
        return " ".join(self.rng.sample(self.vocab[lo:hi], n))


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def line(label: str, ms: list[float]) -> str:
    return f"  {label:<34} p50 {pct(ms, 50):8.1f} ms   p95 {pct(ms, 95):8.1f} ms"


DATE_KEYS = ("date_from", "date_to")


def query_shapes(c: Corpus, n: int, n_docs: int) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    r = random.Random(11)
    days = max(1, n_docs // 1440)  # documents arrive one a minute from 2026-01-01

    def week() -> dict[str, Any]:
        start = dt.date(2026, 1, 1) + dt.timedelta(days=r.randint(0, max(0, days - 7)))
        return {"date_from": start, "date_to": start + dt.timedelta(days=6)}

    return {
        "1 word, unfiltered": [(c.query_words(1), {}) for _ in range(n)],
        "3 words, unfiltered": [(c.query_words(3), {}) for _ in range(n)],
        "2 words + pegawai (nip)": [(c.query_words(2), {"nip": r.choice(c.nips)}) for _ in range(n)],
        "2 words + unit": [(c.query_words(2), {"unit": r.choice(c.units)}) for _ in range(n)],
        "2 words + periode + tahun": [(c.query_words(2), {"periode": r.choice(PERIODES), "tahun": 2026})
                                      for _ in range(n)],
        "3 words + pegawai (nip)": [(c.query_words(3), {"nip": r.choice(c.nips)}) for _ in range(n)],
        "2 words + one week archived": [(c.query_words(2), week()) for _ in range(n)],
    }


def bench_whoosh(folder: Path, c: Corpus, n_docs: int, n_queries: int, procs: int,
                 texts: dict[str, str], baseline: int = 30) -> dict[str, list[float]]:
    fti = WhooshBackend(folder)

    def docs() -> Iterator[IndexDoc]:
        for i in range(n_docs):
            d, text = c.doc(i)
            texts[d.key] = text
            yield d

    t0 = time.perf_counter()
    fti.rebuild(docs(), procs=procs)
    build = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in folder.iterdir()) / 1048576
    print(f"  full reindex (build)              {build:8.1f} s   ({n_docs / build:.0f} docs/s, {size:.0f} MB, "
          f"procs={procs})")
    info = stemming.cache_info()
    print(f"  stem cache                        {info.currsize} words, {info.hits} hits, {info.misses} misses")

    def ask(q: tuple[str, dict[str, Any]], fast: bool = True) -> Any:
        dates = {k: v for k, v in q[1].items() if k in DATE_KEYS}
        filters = {k: v for k, v in q[1].items() if k not in DATE_KEYS}
        page = fti.search(q[0], filters=filters, limit=10, fast=fast, **dates)
        for h in page.hits:  # what the search service adds: a snippet per hit
            h.snippet = make_snippet(texts.get(h.key, ""), page.terms)
        return page

    results: dict[str, list[float]] = {}
    for label, queries in query_shapes(c, n_queries, n_docs).items():
        it = iter(queries)
        ask(queries[0])  # warm
        ms = timed(lambda it=it: ask(next(it)), len(queries))
        results[label] = ms
        # baseline, same index and queries: Whoosh's own matchers (what every query used before the
        # conjunctive fast path), on the first `baseline` queries of the shape
        base_q = queries[:baseline]
        it = iter(base_q)
        base = timed(lambda it=it: ask(next(it), fast=False), len(base_q)) if base_q else []
        same_q = ms[:len(base_q)]
        ratio = (f"   Whoosh matchers p95 {pct(base, 95):7.1f} ms on {len(base_q)}: "
                 f"x{pct(base, 95) / pct(same_q, 95):.1f}") if base else ""
        print(line(label, ms) + ratio)

    # a new document becomes searchable: open writer, add, commit, search finds it
    lat = []
    for k in range(20):
        d, text = c.doc(n_docs + k)
        d.text = text + f" penandaunik{k}x"
        texts[d.key] = d.text
        t = time.perf_counter()
        with fti.writer(timeout=10) as w:
            w.put(d)
        page = fti.search(f"penandaunik{k}x", limit=1)
        lat.append((time.perf_counter() - t) * 1000)
        assert page.hits and page.hits[0].key == d.key
    results["new document searchable"] = lat
    print(line("new document searchable", lat) + f"   max {max(lat):.0f} ms")
    return results


def bench_tantivy(folder: Path, c: Corpus, n_docs: int, n_queries: int, whoosh: dict[str, list[float]]) -> None:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("key", stored=True, tokenizer_name="raw")
    sb.add_text_field("content", stored=False, tokenizer_name="whitespace")
    for f in ("nip", "unit", "periode", "tahun"):
        sb.add_text_field(f, stored=False, tokenizer_name="raw")
    schema = sb.build()
    folder.mkdir(parents=True, exist_ok=True)
    ix = tantivy.Index(schema, path=str(folder))
    c2 = Corpus()  # the same corpus: same seed
    t0 = time.perf_counter()
    w = ix.writer(heap_size=256 * 1024 * 1024)
    for i in range(n_docs):
        d, text = c2.doc(i)
        w.add_document(tantivy.Document(key=d.key, content=" ".join(analyze(f"{d.name} {text}")), nip=d.nip,
                                        unit=d.unit, periode=d.periode, tahun=str(d.tahun)))
    w.commit()
    w.wait_merging_threads()
    build = time.perf_counter() - t0
    ix.reload()
    print(f"  tantivy build (stemmed in Python) {build:8.1f} s   ({n_docs / build:.0f} docs/s)")
    searcher = ix.searcher()
    Occur = tantivy.Occur

    def tq(q: str, filters: dict[str, Any]) -> Any:
        parts = [(Occur.Must, tantivy.Query.term_query(schema, "content", t)) for t in analyze(q)]
        parts += [(Occur.Must, tantivy.Query.term_query(schema, k, str(v))) for k, v in filters.items()]
        return tantivy.Query.boolean_query(parts)

    for label, queries in query_shapes(c, n_queries, n_docs).items():
        if any(k in DATE_KEYS for _, f in queries for k in f):
            continue  # the Tantivy side has no date field
        it = iter(queries)
        ms = timed(lambda it=it: searcher.search(tq(*next(it)), 10).hits, len(queries))
        ratio = pct(whoosh[label], 95) / max(pct(ms, 95), 1e-3)
        print(line("tantivy " + label, ms) + f"   whoosh/tantivy p95 x{ratio:.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", default="10000,100000", help="comma-separated corpus sizes (default 10000,100000)")
    ap.add_argument("--queries", type=int, default=200, help="queries per shape")
    ap.add_argument("--words", type=int, default=300, help="words per document")
    ap.add_argument("--procs", type=int, default=2, help="writer processes for the build")
    ap.add_argument("--baseline", type=int, default=30,
                    help="queries per shape also run through Whoosh's own matchers, for the ratio (0: none)")
    ap.add_argument("--no-tantivy", action="store_true")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    args = ap.parse_args()
    measure_stemmer()
    for n in (int(x) for x in args.docs.split(",")):
        work = Path(tempfile.mkdtemp(prefix="bench_search_", dir=args.dir))
        try:
            print(f"\n== {n:,} documents of ~{args.words} words ==")
            c = Corpus(words=args.words)
            texts: dict[str, str] = {}
            res = bench_whoosh(work / "whoosh", c, n, args.queries, args.procs, texts, args.baseline)
            texts.clear()
            if not args.no_tantivy:
                bench_tantivy(work / "tantivy", Corpus(words=args.words), n, args.queries, res)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def measure_stemmer() -> None:
    """Why PySastrawi: exact roots on a word list with known roots, and its speed with/without cache."""
    known = {
        "melaksanakan": "laksana", "pelaksanaan": "laksana", "pengaduan": "adu", "mengadukan": "adu",
        "pengelolaan": "kelola", "penilaian": "nilai", "penetapan": "tetap", "penyusunan": "susun",
        "perencanaan": "rencana", "pengawasan": "awas", "pelayanan": "layan", "pembinaan": "bina",
        "dilaporkan": "lapor", "kegiatan": "giat", "penganggaran": "anggar", "pemeriksaan": "periksa",
        "pendataan": "data", "pelatihan": "latih", "peningkatan": "tingkat", "pengembangan": "kembang",
        "penerapan": "terap", "pengajuan": "aju", "persetujuan": "tuju", "pengiriman": "kirim",
        "penerimaan": "terima", "perhitungan": "hitung", "pembayaran": "bayar", "penyerahan": "serah",
        "penugasan": "tugas", "pengaturan": "atur", "penyediaan": "sedia", "kepemimpinan": "pimpin",
        "pekerjaan": "kerja", "pengukuran": "ukur", "pencapaian": "capai", "perekaman": "rekam",
        "ditindaklanjuti": "tindaklanjut", "pertanggungjawaban": "tanggungjawab",
    }
    stemming.stem.cache_clear()
    ok = sum(stemming.stem(w) == root for w, root in known.items())
    try:
        import snowballstemmer  # type: ignore[import-not-found]

        sb = snowballstemmer.stemmer("indonesian")
        sb_ok: str = f"{sum(sb.stemWord(w) == root for w, root in known.items())}/{len(known)}"
    except ImportError:
        sb_ok = "n/a (snowballstemmer not installed)"
    words = [w for line in FAMILIES for w in line.split()] + NOUNS
    stemming.stem.cache_clear()
    t = time.perf_counter()
    for w in words:
        stemming.stem(w)
    cold = (time.perf_counter() - t) / len(words) * 1e6
    t = time.perf_counter()
    for _ in range(20):
        for w in words:
            stemming.stem(w)
    warm = (time.perf_counter() - t) / (20 * len(words)) * 1e6
    print("== stemmer ==")
    print(f"  PySastrawi exact roots            {ok}/{len(known)}  (snowball: {sb_ok})")
    print(f"  first sight of a word             {cold:8.1f} us/word ({1e6 / cold:,.0f} words/s)")
    print(f"  cached                            {warm:8.2f} us/word ({1e6 / warm:,.0f} words/s)")


if __name__ == "__main__":
    main()
