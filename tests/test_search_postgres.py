"""The PostgreSQL full-text backend and index markers per index (issue 16, item 4), against a
real PostgreSQL cluster and real `archiver` processes: the same hits as Whoosh for the same
queries, a file ingested by one process searchable from another at once, two nodes with
their own Whoosh folders on one catalog that no longer undo each other's work, `reindex`
on the PostgreSQL backend, the same errors for bad queries, and an old SQLite catalog
upgraded with its markers kept."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import NIP_A, NIP_B, Workspace, set_config_value
from pgcluster import Cluster, pg_cluster  # noqa: F401

from archiver.catalog import text as ctext
from archiver.config import load_config, write_workspace
from archiver.errors import ArchiverError, UsageError
from archiver.search import backend_of, search
from archiver.search._indexing import _docs
from archiver.search._postgres import PostgresBackend
from archiver.search._whoosh import WhooshBackend

CORPUS = {
    f"{NIP_A}/2026/TW1/RHK-01/laporan-kegiatan.txt": "Laporan kegiatan sosialisasi program kerja dinas.",
    f"{NIP_A}/2026/TW1/RHK-02/hasil-rapat.txt": "Kami melaporkan hasil rapat koordinasi bidang.",
    f"{NIP_A}/2026/TW2/RHK-01/evaluasi.txt": "Pelaksanaan rapat evaluasi kinerja pegawai triwulan.",
    f"{NIP_A}/2025/TW4/RHK-03/notulen.txt": "Notulen rapat dan laporan keuangan tahunan.",
    f"{NIP_B}/2026/TW1/RHK-01/sosialisasi.txt": "Sosialisasi peraturan baru kepada seluruh pegawai.",
    f"{NIP_B}/2026/TW1/RHK-02/anggaran.txt": "Dokumen perencanaan anggaran tahunan dan laporan.",
    f"{NIP_B}/2026/TW2/RHK-01/bulanan.txt": "Laporan dan kegiatan bulanan unit kerja.",
    f"{NIP_B}/2026/TW3/RHK-02/terbalik.txt": "Kegiatan lapangan, laporan menyusul.",
    f"{NIP_B}/2025/TW2/RHK-01/pelatihan.txt": "Pelatihan teknis sosialisasi aplikasi kepegawaian.",
}

QUERIES = [
    "laporan", "melaporkan", "laporan kegiatan", '"laporan kegiatan"', '"laporan dan kegiatan"',
    "rapat OR sosialisasi", "laporan NOT rapat", "NOT rapat", "sosialis*", "lapor* rapat",
    f"nip:{NIP_A} laporan", "(rapat OR sosialisasi) pegawai", "tahun:2025", "name:notulen.txt",
    "xyzzy", "",
]
FILTERS: list[dict[str, object]] = [
    {}, {"nip": NIP_B}, {"periode": ("TW1", "TW2")}, {"tahun": "2026", "rhk": "RHK-01"}, {"nip": ()},
]


def _pg_workspace(root: Path, cluster: Cluster, name: str, *, backend: str = "postgres") -> Workspace:
    cfg = write_workspace(root / "ws")
    text = set_config_value(cfg.read_text(), "archive", "catalog_url", f'"{cluster.new_database(name)}"')
    cfg.write_text(set_config_value(text, "index", "backend", f'"{backend}"'))
    return Workspace(cfg.parent, cfg)


def _put_corpus(ws: Workspace) -> None:
    for rel, body in CORPUS.items():
        ws.put(rel, body)


def _ok(out: object) -> None:
    assert getattr(out, "returncode", 1) == 0, (getattr(out, "stdout", "")[-2000:], getattr(out, "stderr", "")[-3000:])
    assert "Traceback" not in getattr(out, "stderr", "")


@pytest.fixture(scope="module")
def corpus_ws(tmp_path_factory: pytest.TempPathFactory, pg_cluster: Cluster) -> Workspace:  # noqa: F811
    ws = _pg_workspace(tmp_path_factory.mktemp("pgsearch"), pg_cluster, "pgsearch_corpus")
    _put_corpus(ws)
    _ok(ws.run("ingest", timeout=300))
    return ws


def test_same_hits_as_whoosh(corpus_ws: Workspace, tmp_path: Path) -> None:
    archive = corpus_ws.open()
    try:
        pg = backend_of(archive)
        assert isinstance(pg, PostgresBackend)
        assert pg.check() == len(CORPUS)
        whoosh = WhooshBackend(tmp_path / "whoosh")
        whoosh.rebuild(list(_docs(archive, ctext.indexable_ids(archive.catalog))))
        today = dt.datetime.now(dt.UTC).date()
        ranges = [(None, None), (today - dt.timedelta(days=1), None), (None, today - dt.timedelta(days=1))]
        checked = 0
        for q in QUERIES:
            for f in FILTERS:
                for start, end in ranges:
                    want = whoosh.search(q, filters=f, date_from=start, date_to=end, limit=100, fast=False)
                    got = pg.search(q, filters=f, date_from=start, date_to=end, limit=100)
                    assert sorted(h.key for h in got.hits) == sorted(h.key for h in want.hits), (q, f, start, end)
                    assert got.total == len(want.hits), (q, f)
                    assert got.terms == want.terms, q
                    checked += bool(want.hits)
        assert checked > 40  # most combinations find something: the comparison is not of empty lists
        # words are stemmed alike: both forms find the same two reports
        names = {h.fields["name"] for h in pg.search("melaporkan", limit=100).hits}
        assert names == {h.fields["name"] for h in pg.search("laporan", limit=100).hits}
        assert "hasil-rapat.txt" in names and "laporan-kegiatan.txt" in names
        # the phrase keeps word order: "laporan kegiatan" is not "kegiatan ... laporan"
        phrase = {h.fields["name"] for h in pg.search('"laporan kegiatan"', limit=100).hits}
        assert "terbalik.txt" not in phrase and "laporan-kegiatan.txt" in phrase
        # ranked: more of the words, better score; the service adds snippets from the catalog
        res = search(archive, "laporan kegiatan", limit=5)
        assert res.results and "<b>" in res.results[0]["snippet"]
    finally:
        archive.close()


@pytest.mark.parametrize("bad", ['"laporan', "(rapat", "foo:bar", "*lapor", "OR rapat", "yang dan"])
def test_bad_query_same_error_as_whoosh(corpus_ws: Workspace, tmp_path: Path, bad: str) -> None:
    archive = corpus_ws.open()
    try:
        with pytest.raises(UsageError) as pg_err:
            backend_of(archive).search(bad)
        with pytest.raises(UsageError) as wh_err:
            WhooshBackend(tmp_path / "w").search(bad)
        assert pg_err.value.message == wh_err.value.message
    finally:
        archive.close()


def test_ingested_on_one_node_is_searchable_on_another_at_once(corpus_ws: Workspace) -> None:
    corpus_ws.put(f"{NIP_A}/2026/TW3/RHK-01/baru.txt", "Berita acara serah terima barang inventaris.")
    _ok(corpus_ws.run("ingest", timeout=300))
    done = time.monotonic()
    archive = corpus_ws.open()   # another process than the ingest: this test's
    try:
        hits = search(archive, "inventaris serah").results
        took = time.monotonic() - done
    finally:
        archive.close()
    assert [h["name"] for h in hits] == ["baru.txt"]
    assert took < 1.0, took
    # and from a third process, through the command line
    out = corpus_ws.run("search", "inventaris", "--json")
    _ok(out)
    assert "baru.txt" in out.stdout


def test_reindex_on_the_postgres_backend(corpus_ws: Workspace) -> None:
    archive = corpus_ws.open()
    try:
        before = backend_of(archive).generation()
    finally:
        archive.close()
    out = corpus_ws.run("reindex", "--json", timeout=300)
    _ok(out)
    report = json.loads(out.stdout)
    assert report["generation"] != before and report["documents"] >= len(CORPUS)
    again = corpus_ws.run("reindex", "--pending", "--json")
    _ok(again)
    assert json.loads(again.stdout)["indexed"] == 0
    archive = corpus_ws.open()
    try:
        assert ctext.pending_ids(archive.catalog, report["generation"]) == []
        assert backend_of(archive).check() == report["documents"]  # the old generation's rows are gone
        assert search(archive, "laporan").results
    finally:
        archive.close()


def test_two_nodes_with_their_own_whoosh_folders_do_not_ping_pong(tmp_path: Path,
                                                                   pg_cluster: Cluster) -> None:  # noqa: F811
    ws = _pg_workspace(tmp_path, pg_cluster, "pgsearch_nodes", backend="whoosh")
    node2 = ws.root / "node2.toml"
    node2.write_text(set_config_value(ws.config_path.read_text(), "index", "path", '"index2"'))
    _put_corpus(ws)
    _ok(ws.run("ingest", timeout=300))

    def index_pass(config: Path) -> int:
        out = ws.run("--config", str(config), "reindex", "--pending", "--json")
        _ok(out)
        return int(json.loads(out.stdout)["indexed"])

    n = len(CORPUS)
    assert index_pass(node2) == n          # node 2's folder is new: it builds its own index
    assert index_pass(ws.config_path) == 0  # node 1's markers survived node 2's build
    assert index_pass(node2) == 0
    _ok(ws.run("--config", str(node2), "reindex"))  # a rebuild resets only its own markers
    assert index_pass(ws.config_path) == 0
    assert index_pass(node2) == 0
    for config in (ws.config_path, node2):
        out = ws.run("--config", str(config), "search", "laporan", "--json")
        _ok(out)
        assert out.stdout.count("submission_id") >= 4


@pytest.mark.embedded("a SQLite catalog")
def test_postgres_backend_with_sqlite_catalog_is_a_config_error(ws: Workspace) -> None:
    ws.config_path.write_text(set_config_value(ws.config_path.read_text(), "index", "backend", '"postgres"'))
    with pytest.raises(ArchiverError) as err:
        load_config(ws.config_path)
    text = str(err.value) + " ".join(getattr(err.value, "details", []) or [])
    assert "[index] backend" in text and "catalog_url" in text
    out = ws.run("status")
    assert out.returncode != 0 and "Traceback" not in out.stderr and "[index] backend" in out.stderr


@pytest.mark.embedded("upgrading a SQLite catalog written before 0010")
def test_old_sqlite_catalog_keeps_its_markers(ws: Workspace) -> None:
    _put_corpus(ws)
    _ok(ws.run("ingest", timeout=300))
    catalog_path = ws.config.archive.path / "catalog.sqlite"
    engine = sa.create_engine(f"sqlite:///{catalog_path}")
    with engine.begin() as conn:  # the catalog as code before 0010 left it
        conn.exec_driver_sql("DROP TABLE search_docs")
        conn.exec_driver_sql("DROP TABLE search_live")
        conn.exec_driver_sql("CREATE TABLE old_markers AS SELECT submission_id, generation, indexed_at "
                             "FROM search_indexed")
        conn.exec_driver_sql("DROP TABLE search_indexed")
        conn.exec_driver_sql("CREATE TABLE search_indexed (submission_id INTEGER NOT NULL PRIMARY KEY "
                             "REFERENCES submissions (id), generation VARCHAR(40) NOT NULL, "
                             "indexed_at VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO search_indexed SELECT * FROM old_markers")
        conn.exec_driver_sql("DROP TABLE old_markers")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0006_index_queue' "
                             "WHERE version_num = '0010_search_nodes'")
        n = conn.exec_driver_sql("SELECT count(*) FROM search_indexed").scalar_one()
    engine.dispose()
    assert n == len(CORPUS)
    (ws.config.index.path / "IDENTITY").unlink()  # a folder written before index ids existed
    out = ws.run("reindex", "--pending", "--json")  # migrates on open, then an index pass
    _ok(out)
    assert json.loads(out.stdout)["indexed"] == 0
    with ws.db(read=True) as db:
        rows = db.execute("SELECT index_id, generation FROM search_indexed").fetchall()
    assert len(rows) == n and all(r[0] == r[1] for r in rows)
    ws.put(f"{NIP_A}/2026/TW3/RHK-01/baru.txt", "Berita acara serah terima.")
    _ok(ws.run("ingest"))  # the folder adopts its generation's name as its id: one index, one set of markers
    with ws.db(read=True) as db:
        ids = {r[0] for r in db.execute("SELECT index_id FROM search_indexed").fetchall()}
    assert ids == {rows[0][1]} == {(ws.config.index.path / "IDENTITY").read_text()}
    n += 1
    shutil.rmtree(ws.config.index.path)  # a lost index is rebuilt under a new id; old markers are ignored
    out = ws.run("reindex", "--pending", "--json")
    _ok(out)
    assert json.loads(out.stdout)["indexed"] == n


def test_two_ingests_at_once_write_one_shared_index(tmp_path: Path, pg_cluster: Cluster) -> None:  # noqa: F811
    ws = _pg_workspace(tmp_path, pg_cluster, "pgsearch_writers")
    (ws.root / "drop2").mkdir()
    with ws.config_path.open("a") as f:
        f.write('\n[shares.drop2]\npath = "drop2"\npattern = "{nip}/{tahun}/{periode}/{rhk}/..."\n')
    n = 40
    for i in range(n):
        share = ws.drop if i % 2 else ws.root / "drop2"
        ws.put(f"{NIP_A}/2026/TW1/RHK-01/catatan-{i:02d}.txt", f"Catatan kegiatan penanda{i:02d}x nomor {i}.", share)
    procs = [subprocess.Popen([sys.executable, "-m", "archiver", "--config", str(ws.config_path), "ingest", share],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for share in (str(ws.drop), str(ws.root / "drop2"))]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0 and "Traceback" not in err, err[-3000:]
    archive = ws.open()
    try:
        backend = backend_of(archive)
        assert backend.check() == n
        assert ctext.pending_ids(archive.catalog, backend.generation()) == []
        for i in range(n):
            assert [h.fields["name"] for h in backend.search(f"penanda{i:02d}x").hits] == [f"catatan-{i:02d}.txt"]
    finally:
        archive.close()
