"""Search benchmark, PostgreSQL full-text backend beside Whoosh in the same run: the same
generated corpus (``bench_search.Corpus``) loaded into both, then p50/p95 of the same query
shapes (snippets included, as the search service makes them) and the time for a new document
to become searchable. A throwaway PostgreSQL cluster is started (Debian's server binaries,
``tests/pgcluster.py``) and removed. Not part of the test suite.

    python bench/bench_search_pg.py                   # 100,000 documents
    python bench/bench_search_pg.py --docs 10000      # quicker

Targets at 100,000 documents (issue 16): p95 <= 50 ms filtered, <= 250 ms for 3 words.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import sqlalchemy as sa  # noqa: E402
from bench_search import DATE_KEYS, Corpus, bench_whoosh, line, pct, query_shapes, timed  # noqa: E402
from pgcluster import Cluster, _bin_dir  # noqa: E402

from archiver.catalog import Catalog  # noqa: E402
from archiver.search import IndexDoc  # noqa: E402
from archiver.search._postgres import PostgresBackend  # noqa: E402
from archiver.search._snippets import make_snippet  # noqa: E402

TARGETS = {"3 words, unfiltered": 250.0}
FILTERED_TARGET = 50.0


def bench_postgres(url: str, c: Corpus, n_docs: int, n_queries: int, texts: dict[str, str]) -> dict[str, list[float]]:
    catalog = Catalog(url)
    catalog.migrate()
    fti = PostgresBackend(catalog)

    def docs() -> Iterator[IndexDoc]:
        for i in range(n_docs):
            d, text = c.doc(i)
            texts[d.key] = text
            yield d

    t0 = time.perf_counter()
    fti.rebuild(docs())
    build = time.perf_counter() - t0
    with catalog.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE search_docs")
        size = conn.execute(sa.text("SELECT pg_total_relation_size('search_docs')")).scalar_one() / 1048576
    print(f"  full reindex (build)              {build:8.1f} s   ({n_docs / build:.0f} docs/s, {size:.0f} MB "
          "with indexes)")

    def ask(q: tuple[str, dict[str, Any]]) -> Any:
        dates = {k: v for k, v in q[1].items() if k in DATE_KEYS}
        filters = {k: v for k, v in q[1].items() if k not in DATE_KEYS}
        page = fti.search(q[0], filters=filters, limit=10, **dates)
        for h in page.hits:
            h.snippet = make_snippet(texts.get(h.key, ""), page.terms)
        return page

    results: dict[str, list[float]] = {}
    for label, queries in query_shapes(c, n_queries, n_docs).items():
        it = iter(queries)
        ask(queries[0])
        results[label] = timed(lambda it=it: ask(next(it)), len(queries))
        print(line(label, results[label]))
    lat = []
    for k in range(20):
        d, text = c.doc(n_docs + k)
        d.text = text + f" penandaunik{k}x"
        t = time.perf_counter()
        with fti.writer() as w:
            w.put(d)
        page = fti.search(f"penandaunik{k}x", limit=1)
        lat.append((time.perf_counter() - t) * 1000)
        assert page.hits and page.hits[0].key == d.key
    results["new document searchable"] = lat
    print(line("new document searchable", lat) + f"   max {max(lat):.0f} ms")
    catalog.close()
    return results


def verdict(name: str, res: dict[str, list[float]]) -> None:
    for label, ms in res.items():
        if label == "new document searchable":
            continue
        target = TARGETS.get(label, FILTERED_TARGET if "+" in label else None)
        if target is not None:
            p95 = pct(ms, 95)
            print(f"  {name:<8} {label:<30} p95 {p95:7.1f} ms  target <= {target:.0f} ms  "
                  f"{'ok' if p95 <= target else 'MISSED'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200, help="queries per shape")
    ap.add_argument("--words", type=int, default=300, help="words per document")
    ap.add_argument("--procs", type=int, default=2, help="Whoosh writer processes for the build")
    args = ap.parse_args()
    bindir = _bin_dir()
    if bindir is None:
        sys.exit("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    work = Path(tempfile.mkdtemp(prefix="bench_search_pg_"))
    work.chmod(0o755)
    (work / "pg").mkdir()
    cluster = Cluster(bindir, work / "pg")
    try:
        print(f"== {args.docs:,} documents of ~{args.words} words ==")
        texts: dict[str, str] = {}
        print("-- Whoosh")
        wh = bench_whoosh(work / "whoosh", Corpus(words=args.words), args.docs, args.queries, args.procs, texts,
                          baseline=0)
        texts.clear()
        print("-- PostgreSQL (tsvector + GIN)")
        pg = bench_postgres(cluster.new_database("bench"), Corpus(words=args.words), args.docs, args.queries, texts)
        print("-- targets (p95)")
        verdict("whoosh", wh)
        verdict("postgres", pg)
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
