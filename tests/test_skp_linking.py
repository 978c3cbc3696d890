"""Evidence meets the SKP: pending links, unlinked codes, relink with custody, coverage, tree, relevance."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from conftest import make_docx, make_pdf, make_png
from skp_sample import KABID, KADIS, PPPK, STAFF, TAHUN, tables

from archiver import i18n
from archiver.catalog import custody
from archiver.search._whoosh import WhooshBackend
from archiver.skp.relevance import judge, terms
from archiver.skp.selection import load_skp

T = f"{STAFF}/{TAHUN}"


def _import(ws, tmp_path: Path, data: dict, name: str = "skp.json") -> None:
    p = tmp_path / name
    p.write_text(json.dumps(data), encoding="utf-8")
    res = ws.cli("skp", "import", str(p))
    assert res.exit_code == 0, res.output


def _status(ws) -> dict[str, dict]:
    return {r["path"].split(f"{TAHUN}/", 1)[1]: r for r in ws.cli_json("list")}


def test_evidence_before_skp_is_pending_then_resolved_or_unlinked(ws, tmp_path: Path) -> None:
    ws.put(f"{T}/TW1/RHK-01/undangan rapat modul.pdf", make_pdf("Undangan rapat modul perizinan"))
    ws.put(f"{T}/TW1/IKI-02/uji fungsi.pdf", make_pdf("Hasil uji fungsi modul"))
    ws.put(f"{T}/TW1/RHK-09/laporan.pdf", make_pdf("Laporan"))
    ws.put(f"{T}/TW1/RHK-02/IKI-01/salah tempat.pdf", make_pdf("Notulen"))
    assert ws.cli("ingest").exit_code == 0
    before = _status(ws)
    assert {r["status"] for r in before.values()} == {"archived"}  # January: no SKP yet, nothing unlinked
    _import(ws, tmp_path, tables())
    after = _status(ws)
    assert after["TW1/RHK-01/undangan rapat modul.pdf"]["status"] == "archived"
    assert after["TW1/IKI-02/uji fungsi.pdf"]["status"] == "archived"  # an indicator code in the RHK place
    bad = after["TW1/RHK-09/laporan.pdf"]
    assert bad["status"] == "unlinked"
    # the reason is stored with its values and read in the reader's language (Indonesian by default)
    assert "RHK-09 tidak ada dalam SKP 2026 NIP 198503152010011002 (RHK-nya: RHK-01, RHK-02)" \
        in i18n.render(bad["reason"])
    with i18n.use_language("en"):
        assert "RHK-09 does not exist in the 2026 SKP of NIP 198503152010011002 (its RHK: RHK-01, RHK-02)" \
            in i18n.render(bad["reason"])
    wrong = after["TW1/RHK-02/IKI-01/salah tempat.pdf"]
    assert wrong["status"] == "unlinked" and "IKI-01 termasuk RHK-01, bukan RHK-02" in i18n.render(wrong["reason"])
    unlinked = {r["id"] for r in ws.cli_json("list", "--status", "unlinked")}
    assert unlinked == {bad["id"], wrong["id"]}
    with ws.open() as archive:  # the search index was told at once (it carries the status)
        page = WhooshBackend(archive.config.index.path).search("", filters={"status": "unlinked"})
        assert {int(h.key) for h in page.hits} == unlinked
    with ws.open() as archive, archive.catalog.read() as conn:
        kinds = [e["kind"] for e in custody.history(conn, submission_id=bad["id"])]
    assert kinds == ["received", "archived", "unlinked"]
    # a new file under a wrong code is unlinked at ingest, now that the SKP is there
    ws.put(f"{T}/TW2/RHK-07/foto.png", make_png())
    res = ws.cli_json("ingest")
    assert res[0]["status"] == "unlinked" and "RHK-07 tidak ada" in i18n.render(res[0]["reason"])
    # the SKP gains RHK-09: its evidence comes back
    t = tables()
    t["rhk"].append({"nip": STAFF, "tahun": TAHUN, "kode": "RHK-09", "jenis": "TAMBAHAN", "teks": "Pelaporan"})
    t["indikator"].append({"nip": STAFF, "tahun": TAHUN, "rhk": "RHK-09", "kode": "IKI-09", "aspek": "Kuantitas",
                           "teks": "Jumlah laporan", "target": "4", "satuan": "laporan"})
    _import(ws, tmp_path, t, "skp2.json")
    assert _status(ws)["TW1/RHK-09/laporan.pdf"]["status"] == "archived"
    with ws.open() as archive, archive.catalog.read() as conn:
        assert custody.history(conn, submission_id=bad["id"])[-1]["kind"] == "relinked"


def test_relink_fixes_a_link_with_a_custody_event(ws, tmp_path: Path) -> None:
    _import(ws, tmp_path, tables())
    ws.put(f"{T}/TW1/RHK-05/notulen.docx", make_docx("Notulen rapat modul perizinan"))
    [sub] = ws.cli_json("ingest")
    assert sub["status"] == "unlinked"
    res = ws.cli("relink", str(sub["submission_id"]), "--rhk", "RHK-07")
    assert res.exit_code == 1 and "RHK-07 tidak ada" in res.stderr
    res = ws.cli("relink", str(sub["submission_id"]), "--iki", "iki 1")
    assert res.exit_code == 0, res.output
    row = ws.cli_json("list")[0]
    assert (row["status"], row["rhk"]) == ("archived", "RHK-01")
    with ws.open() as archive, archive.catalog.read() as conn:
        ev = custody.history(conn, submission_id=sub["submission_id"])[-1]
    assert ev["kind"] == "relinked"
    assert ev["detail"]["from"]["rhk"] == "RHK-05" and ev["detail"]["to"]["iki"] == "IKI-01"
    assert ev["actor"].startswith("cli")
    # moving it to another pegawai whose SKP is not imported yet: allowed, pending
    other = "199001012015032001"
    res = ws.cli("relink", str(sub["submission_id"]), "--rhk", "RHK-03", "--nip", other, "--json")
    assert json.loads(res.stdout)["skp"] == "pending"
    assert ws.cli("verify").exit_code == 0  # the custody chain is intact
    assert ws.cli("relink", "999", "--rhk", "RHK-01").exit_code == 1


def test_coverage_against_the_evidence_plan(ws, tmp_path: Path) -> None:
    _import(ws, tmp_path, tables())
    ws.put(f"{T}/TW1/RHK-01/IKI-01/Undangan rapat.pdf", make_pdf("Undangan"))
    ws.put(f"{T}/TW1/RHK-01/IKI-01/daftar_hadir.pdf", make_pdf("Daftar hadir"))
    ws.put(f"{T}/02/RHK-01/IKI-01/daftar hadir (salinan).pdf", make_pdf("Daftar hadir"))  # same bytes: counts once
    assert ws.cli("ingest").exit_code == 0
    rows = {(r["iki"], r["periode"]): r for r in ws.cli_json("coverage", "--nip", STAFF, "--tahun", str(TAHUN))}
    tw1 = rows[("IKI-01", "TW1")]
    assert tw1["found"] == 2 and tw1["status"] == "kurang"
    assert tw1["by_jenis"] == {"Undangan": 1, "Daftar Hadir": 1}
    assert tw1["missing"] == ["Notulen (0/1)"]
    assert rows[("IKI-01", "TW2")]["missing"] == ["Laporan (0/2)"]
    assert rows[("IKI-02", "TW3")]["missing"] == ["bukti dukung (0/1)"]  # no plan: one file per periode
    ws.put(f"{T}/TW1/RHK-01/IKI-01/notulen.docx", make_docx("Notulen rapat"))
    ws.cli("ingest")
    out = tmp_path / "cakupan.xlsx"
    res = ws.cli("coverage", "--unit", "APTIKA", "--periode", "TW1", "--xlsx", str(out), "--tahun", str(TAHUN))
    assert res.exit_code == 0
    wb = openpyxl.load_workbook(out)
    sheet = wb["Cakupan Bukti Dukung"]
    vals = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    staff_iki1 = next(v for v in vals if v[0] == STAFF and v[7] == "IKI-01")
    assert staff_iki1[13] == "lengkap" and staff_iki1[11] == 3
    assert {v[0] for v in vals} == {STAFF, KABID, PPPK}  # APTIKA only, every pegawai x indicator for TW1
    assert all(v[4] == "TW1" for v in vals)


def test_tree_and_subordinates(ws, tmp_path: Path) -> None:
    _import(ws, tmp_path, tables())
    res = ws.cli("skp", "tree", "--tahun", str(TAHUN))
    assert res.exit_code == 1  # RHK-02 (tambahan) of the staff supports nothing
    lines = res.stdout.splitlines()
    assert lines[0].startswith("[SS-01] Meningkatnya kualitas layanan")
    assert lines[1].strip().startswith("└─ RHK-01 Terwujudnya layanan") and "Kepala Dinas" in lines[1]
    assert lines[2].startswith("        └─ RHK-01 Tersedianya aplikasi")
    assert "RHK yang tidak mendukung apa pun (1)" in res.stdout and "RHK-02 Sosialisasi keamanan" in res.stdout
    assert "tidak mengintervensi RHK pimpinan" in res.stdout
    data = json.loads(ws.cli("skp", "tree", "--tahun", str(TAHUN), "--json").stdout)
    kabid = data["tree"][0]["children"][0]["children"][0]
    assert kabid["nip"] == KABID and {c["nip"] for c in kabid["children"]} == {STAFF, PPPK}
    from archiver.skp.tree import subordinates

    with ws.open() as archive:
        assert subordinates(archive, KADIS) == {KABID, STAFF, PPPK}
        assert subordinates(archive, STAFF) == set()


def test_relevance_prefers_the_matching_indicator(ws, tmp_path: Path) -> None:
    _import(ws, tmp_path, tables())
    with ws.open() as archive:
        skp = load_skp(archive, STAFF, TAHUN)
    assert skp is not None
    good = terms("Notulen rapat pemutakhiran modul aplikasi perizinan daring: modul pendaftaran dimutakhirkan")
    unrelated = terms("Kwitansi pembelian alat tulis kantor dan konsumsi rapat bulanan bagian umum")
    misfiled = terms("Materi sosialisasi keamanan informasi bagi pegawai: kata sandi dan phishing")
    own, _, _ = judge(skp, "RHK-01", "IKI-01", good)
    assert own >= 0.4
    own, _, _ = judge(skp, "RHK-01", "IKI-01", unrelated)
    assert own < 0.2
    own, best, best_score = judge(skp, "RHK-01", "IKI-01", misfiled)
    assert best == "RHK-02/IKI-03" and best_score - own >= 0.25
