"""The atasan scope on real SKP imports: transitive through pejabat penilai, year by year.

The demo Dinas for year T (KADIS -> KABID_APT -> PRAKOM, KADIS -> KABID_IKP -> HUMAS), then
the SKPs of T+1 in which PRAKOM moved under KABID_IKP, and evidence for T, T+1 and T+2
(no SKP imported yet). Real import, real ingest, the real app; no mocks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_web import PASSWORD, login

from archiver.accounts import add_user, list_users, visible_nips
from archiver.archive import Archive
from archiver.config import load_config
from archiver.ingest import scan
from archiver.samplefiles import text_pdf
from archiver.skp.demo import (
    HUMAS,
    KABID_APT,
    KABID_IKP,
    KADIS,
    OPERATOR,
    PRAKOM,
    build_demo,
    demo_tables,
)
from archiver.skp.importer import import_obj
from archiver.skp.tree import subordinates, subordinates_by_year
from archiver.web.app import create_app

T = dt.date.today().year
USERS = (("kadis", "atasan", KADIS), ("apt", "atasan", KABID_APT), ("ikp", "atasan", KABID_IKP),
         ("prakom", "pegawai", PRAKOM), ("humas", "pegawai", HUMAS), ("audit", "auditor", None))


def moved_tables(tahun: int) -> dict:
    """The demo's SKPs of ``tahun`` with PRAKOM appraised by the Kepala Bidang IKP."""
    tables = demo_tables(tahun)
    for skp in tables["skp"]:
        if skp["nip"] == PRAKOM:
            skp["penilai_nip"] = KABID_IKP
    return tables


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    out = build_demo(tmp_path_factory.mktemp("scope") / "ws", tahun=T)
    config = load_config(out.config)
    drop = config.share("drop").path
    files = {
        "lama": f"{PRAKOM}/{T}/TW2/RHK-01/IKI-01/Laporan kenari tahun lama.pdf",
        "baru": f"{PRAKOM}/{T + 1}/TW1/RHK-01/IKI-01/Laporan kenari tahun baru.pdf",
        "depan": f"{PRAKOM}/{T + 2}/TW1/RHK-01/IKI-01/Laporan kenari tahun depan.pdf",
        "humas": f"{HUMAS}/{T}/TW2/RHK-01/Laporan kenari humas.pdf",
    }
    for key, rel in files.items():
        (drop / rel).parent.mkdir(parents=True, exist_ok=True)
        (drop / rel).write_bytes(text_pdf([[f"Laporan kenari {key}"]]))
    sha: dict[str, str] = {}
    with Archive.open(config, actor="test") as archive:
        import_obj(archive, moved_tables(T + 1), "test")
        by_path = {r.relpath: r for r in scan(archive)}
        for key, rel in files.items():
            digest = by_path[rel].sha256
            assert digest, by_path[rel]
            sha[key] = digest
        for name, role, nip in USERS:
            add_user(archive.catalog, name, role, PASSWORD, nip=nip, now=archive.now())
    return out.config, sha


def client(config: Path, user: str) -> TestClient:
    c = TestClient(create_app(load_config(config)))
    assert login(c, user).status_code == 303  # type: ignore[attr-defined]
    return c


def test_the_tree_is_followed_year_by_year(site: tuple[Path, dict[str, str]]) -> None:
    config, _ = site
    with Archive.open(load_config(config)) as archive:
        by_year = subordinates_by_year(archive, KABID_APT)
        assert PRAKOM in by_year[T] and OPERATOR in by_year[T]
        assert PRAKOM not in by_year[T + 1] and OPERATOR in by_year[T + 1]
        assert PRAKOM in subordinates(archive, KABID_IKP, tahun=T + 1)
        assert {PRAKOM, HUMAS, KABID_APT, OPERATOR} <= subordinates(archive, KADIS, tahun=T)  # transitive
        scope = visible_nips(archive, next(u for u in list_users(archive.catalog) if u.name == "apt"))
        assert scope is not None
        assert scope.allows(PRAKOM, T) and not scope.allows(PRAKOM, T + 1) and not scope.allows(PRAKOM, None)
        assert scope.allows(KABID_APT, None) and not scope.allows(HUMAS, T)


def test_atasan_sees_staff_evidence_of_the_years_they_appraise(site: tuple[Path, dict[str, str]]) -> None:
    config, sha = site
    expected = {  # user -> the files they may open; every other one is 404
        "apt": {"lama"},
        "ikp": {"baru", "depan", "humas"},
        "kadis": {"lama", "baru", "depan", "humas"},  # two levels down, both years
        "prakom": {"lama", "baru", "depan"},  # their own, every year
        "humas": {"humas"},
        "audit": {"lama", "baru", "depan", "humas"},
    }
    for user, allowed in expected.items():
        c = client(config, user)
        for key, digest in sha.items():
            want = 200 if key in allowed else 404
            assert c.get(f"/e/{digest}").status_code == want, (user, key)
            assert c.get(f"/e/{digest}/unduh").status_code == want, (user, key)
            assert c.get(f"/api/evidence/{digest}").status_code == want, (user, key)
        listed = {r["sha256"] for r in c.get("/api/evidence", params={"limit": 200}).json()["items"]}
        assert listed & set(sha.values()) == {sha[k] for k in allowed}, user


def test_search_and_coverage_follow_the_same_scope(site: tuple[Path, dict[str, str]]) -> None:
    config, sha = site
    apt, ikp = client(config, "apt"), client(config, "ikp")
    found = {h["sha256"] for h in apt.get("/api/search", params={"q": "kenari"}).json()["results"]}
    assert found == {sha["lama"]}
    found = {h["sha256"] for h in ikp.get("/api/search", params={"q": "kenari", "nip": PRAKOM}).json()["results"]}
    assert found == {sha["baru"], sha["depan"]}
    assert {r["nip"] for r in apt.get("/api/coverage", params={"tahun": T}).json()["rows"]} >= {PRAKOM, OPERATOR}
    assert PRAKOM not in {r["nip"] for r in apt.get("/api/coverage", params={"tahun": T + 1}).json()["rows"]}
    assert PRAKOM in {r["nip"] for r in ikp.get("/api/coverage", params={"tahun": T + 1}).json()["rows"]}
    me = apt.get("/api/me").json()
    assert {KABID_APT, PRAKOM, OPERATOR} <= set(me["visible_nips"]) and HUMAS not in me["visible_nips"]
