"""SKP model, workbook template, import and validation: real xlsx files, real SQLite, the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from skp_sample import KABID, KADIS, PPPK, STAFF, TAHUN, tables, write_workbook

from archiver import i18n
from archiver.catalog.schema import skp_rhk, skp_skp
from archiver.skp import master
from archiver.skp.jsonio import bundle_tables, tables_from_obj
from archiver.skp.model import parse_target
from archiver.skp.selection import load_skp
from archiver.skp.validate import rows_text, validate


def test_template_has_indonesian_headers_example_and_lists(ws, tmp_path: Path) -> None:
    out = tmp_path / "skp.xlsx"
    res = ws.cli("skp", "template", str(out))
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Petunjuk"
    assert {"Unit Kerja", "Pegawai", "SKP", "RHK", "Indikator", "Rencana Bukti", "Perilaku Kerja", "Lampiran"} <= set(
        wb.sheetnames)
    assert wb["Daftar"].sheet_state == "hidden"
    ind = wb["Indikator"]
    headers = [c.value for c in ind[1]]
    assert "Indikator Kinerja Individu *" in headers and "Aspek" in headers
    assert ind.cell(2, 5).value.startswith("Jumlah")  # the example row
    lists = {str(dv.sqref): dv.formula1 for dv in ind.data_validations.dataValidation}
    aspek_col = headers.index("Aspek") + 1
    assert any(ref.startswith(openpyxl.utils.get_column_letter(aspek_col)) for ref in lists)
    daftar = {wb["Daftar"].cell(1, j).value: [wb["Daftar"].cell(i, j).value for i in range(2, 8)]
              for j in range(1, wb["Daftar"].max_column + 1)}
    assert daftar["aspek"][:4] == ["Kuantitas", "Kualitas", "Waktu", "Biaya"]
    # refusing to overwrite
    assert ws.cli("skp", "template", str(out)).exit_code == 2


def test_workbook_import_is_idempotent_and_listed(ws, tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "skp.xlsx", tables())
    first = ws.cli("skp", "import", str(book))
    assert first.exit_code == 0, first.output
    # Bahasa Indonesia by default
    assert "Diimpor dari skp.xlsx: SKP: 4 baru, 0 berubah, 0 tetap" in first.stdout
    assert "normatif" in first.stderr  # the Terlaksananya... indicator: a warning, not an error
    with ws.open() as archive, archive.catalog.read() as conn:
        before = [tuple(r) for r in conn.execute(sa.select(skp_skp).order_by(skp_skp.c.id))]
        n_rhk = conn.execute(sa.select(sa.func.count()).select_from(skp_rhk)).scalar_one()
    second = ws.cli("skp", "import", str(book))
    assert second.exit_code == 0 and "SKP: 0 baru, 0 berubah, 4 tetap" in second.stdout
    assert "(tidak ada yang berubah)" in second.stdout
    with ws.open() as archive, archive.catalog.read() as conn:
        assert [tuple(r) for r in conn.execute(sa.select(skp_skp).order_by(skp_skp.c.id))] == before
        assert conn.execute(sa.select(sa.func.count()).select_from(skp_rhk)).scalar_one() == n_rhk == 5
    rows = {r["nip"]: r for r in ws.cli_json("skp", "list")}
    assert set(rows) == {KADIS, KABID, STAFF, PPPK}
    assert rows[STAFF]["nama"] == "Budi Santoso, S.Kom." and rows[STAFF]["tahun"] == TAHUN
    assert rows[STAFF]["unit"] == "APTIKA" and rows[STAFF]["jabatan"] == "Pranata Komputer Ahli Muda"
    assert rows[STAFF]["rhk"] == 2 and rows[STAFF]["iki"] == 3 and rows[STAFF]["penilai_nip"] == KABID
    # --unit takes sub-units: DISKOMINFO holds APTIKA
    assert len(ws.cli_json("skp", "list", "--unit", "diskominfo")) == 4
    assert [r["nip"] for r in ws.cli_json("skp", "list", "--unit", "APTIKA")] == [STAFF, KABID, PPPK]


def test_json_and_workbook_describe_the_same_skp(ws, tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "skp.xlsx", tables())
    assert ws.cli("skp", "import", str(book)).exit_code == 0
    js = tmp_path / "skp.json"
    js.write_text(json.dumps(tables()), encoding="utf-8")
    res = ws.cli("skp", "import", str(js), "--json")
    report = json.loads(res.stdout)
    assert report["skp"] == {"new": 0, "updated": 0, "unchanged": 4}
    # the saved SKP reads back as the model: snapshots, golongan normalised, periods, plan, perilaku
    with ws.open() as archive:
        skp = load_skp(archive, STAFF, TAHUN)
    assert skp is not None
    assert skp.pegawai.pangkat_golongan == "Penata, III/c"
    assert skp.penilai.nama == "Sri Rahayu, S.Kom., M.M." and skp.penilai.pangkat_golongan == "Pembina, IV/a"
    assert skp.atasan_penilai and skp.atasan_penilai.nip == KADIS
    assert skp.periode == ("TW1", "TW2", "TW3", "TW4")
    iki1 = skp.find_iki("IKI-01")[1]
    assert iki1.rencana[0].jenis_bukti == ("Undangan", "Daftar Hadir", "Notulen")
    assert str(skp.find_iki("IKI-02")[1].target) == "90-100 %"
    assert skp.perilaku[0].ekspektasi.startswith("Menanggapi") and len(skp.perilaku) == 7
    assert skp.rhk[0].rhk_pimpinan_teks == "Tersedianya aplikasi layanan publik yang andal"
    assert skp.lampiran.konsekuensi == ("Sesuai ketentuan TPP",)
    # and writes out as the same tables (a round trip through the model)
    with i18n.use_language("en"):
        bundle, problems = validate(tables_from_obj(bundle_tables(
            type(validate(tables_from_obj(tables()))[0])(skp=(skp,)))))  # SKP alone: pegawai unknown
    assert any("is not on sheet 'Pegawai' nor already imported" in p.message for p in problems)


def _bad_tables() -> dict:
    t = tables()
    t["pegawai"].append({"nip": "198502302010011004", "nama": "Tanggal Salah", "jenis_pegawai": "PNS",
                         "jabatan": "Staf", "jenis_jabatan": "PELAKSANA", "unit": "APTIKA"})  # 30 Feb
    t["pegawai"].append({"nip": "199205172022211002", "nama": "Bukan PNS", "jenis_pegawai": "PNS",
                         "jabatan": "Staf", "jenis_jabatan": "PELAKSANA", "unit": "APTIKA"})  # month 21
    t["pegawai"].append({"nip": "199001012015033001", "nama": "Jenis Kelamin", "jenis_pegawai": "PNS",
                         "jabatan": "Staf", "jenis_jabatan": "PELAKSANA", "unit": "APTIKA"})  # gender digit 3
    t["pegawai"][2]["golongan"] = "III/x"
    t["rhk"].append({"nip": STAFF, "tahun": TAHUN, "kode": "RHK-03", "jenis": "UTAMA", "rhk_pimpinan": "RHK-07",
                     "teks": "RHK tanpa indikator"})
    t["rhk"].append({"nip": STAFF, "tahun": TAHUN, "kode": "rhk 1", "jenis": "UTAMA", "teks": "Kode ganda"})
    t["indikator"][2]["target"] = ""
    t["indikator"][2]["satuan"] = ""
    t["indikator"][4]["target"] = "terlaksana"
    t["indikator"][4]["satuan"] = ""
    t["skp"][3]["penilai_nip"] = ""
    t["skp"][1]["akhir"] = f"{TAHUN + 1}-01-31"
    t["skp"][0]["akhir"] = f"{TAHUN}-06-30"
    t["rencana"].append({"nip": KADIS, "tahun": TAHUN, "iki": "IKI-01", "periode": "TW3", "jenis_bukti": "Laporan"})
    return t


def test_validation_reports_every_problem_with_sheet_row_column(ws, tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "bad.xlsx", _bad_tables())
    res = ws.cli("--lang", "en", "skp", "import", str(book))
    assert res.exit_code == 1
    err = res.stderr
    expected = [
        "sheet 'Pegawai', row 7, column A (NIP): NIP 198502302010011004: "
        "digits 1-8 (19850230) are not a real birth date",
        "sheet 'Pegawai', row 8, column A (NIP): NIP 199205172022211002: digits 13-14 (21) must be the TMT month",
        "sheet 'Pegawai', row 9, column A (NIP): NIP 199001012015033001: digit 15 must be 1",
        "sheet 'Pegawai', row 5, column D (Golongan): 'III/x' is not a golongan",
        "sheet 'RHK', row 8, column C (Kode RHK): RHK RHK-03 has no indicator",
        "sheet 'RHK', row 8, column F (Kode RHK Pimpinan yang Diintervensi): RHK-07 does not exist in the 2026 SKP "
        "of the pejabat penilai",
        "sheet 'RHK', row 9, column C (Kode RHK): duplicate RHK code RHK-01 in this SKP (already on row 5)",
        "sheet 'Indikator', row 5, column H (Target): the indicator has no target",
        "sheet 'Indikator', row 7, column H (Target): target 'terlaksana' is not measurable",
        "sheet 'SKP', row 6, column H (Nama Pejabat Penilai): the pejabat penilai is missing",
        "sheet 'SKP', row 4, column E (Akhir Periode): 2027-01-31 is outside the year 2026",
        "sheet 'Rencana Bukti', row 7, column D (Periode): periode TW3 is outside the SKP's periode penilaian",
    ]
    for line in expected:
        assert line in err, f"missing: {line}\n---\n{err}"
    assert "nothing was imported" in err
    assert ws.cli_json("skp", "list") == []


def test_nip_typed_as_number_and_pppk_code_block(ws, tmp_path: Path) -> None:
    t = tables()
    t["skp"] = t["skp"][:1]
    t["rhk"], t["indikator"] = [t["rhk"][0]], [t["indikator"][0]]
    t["rencana"], t["perilaku"], t["lampiran"] = [], [], []
    t["pegawai"] = t["pegawai"][:1] + [t["pegawai"][3]]  # the PPPK NIP (code 21) is valid as PPPK
    book = write_workbook(tmp_path / "skp.xlsx", t)
    wb = openpyxl.load_workbook(book)
    wb["Pegawai"]["A3"].value = int(KADIS)  # what Excel does to a NIP typed in a General cell
    wb.save(book)
    res = ws.cli("--lang", "en", "skp", "import", str(book))
    assert res.exit_code == 1
    assert "sheet 'Pegawai', row 3, column A (NIP): the NIP 1.97204101998031e+17 was entered as a number" in res.stderr
    assert "format the column as Text" in res.stderr
    assert "sheet 'Pegawai', row 4" not in res.stderr  # 199205172022211001: code 21 is fine for a PPPK


def test_golongan_target_and_normative_rules() -> None:
    for raw in ("III/a", "III.a", "IIIa", "iii - a", "Penata Muda, III/a", "Penata Muda"):
        assert master.normalize_golongan(raw) == "III/a", raw
    assert master.normalize_golongan("Penata Muda Tk. I") == "III/b"
    assert master.normalize_golongan("IV/e") == "IV/e" and master.normalize_golongan("II/e") is None
    assert master.normalize_golongan("9", "PPPK") == "IX" and master.normalize_golongan("XVIII", "PPPK") is None
    assert master.pangkat_of("IV/c") == "Pembina Utama Muda"
    t = parse_target("90 - 100 persen")
    assert (t.nilai, t.nilai_maks, t.satuan, t.measurable) == (90, 100, "persen", True)
    assert not parse_target("Baik").measurable and parse_target("3,5", "indeks").nilai == 3.5
    assert master.is_normative("Terlaksananya kegiatan sosialisasi")
    assert master.is_normative("Tersusunnya laporan kinerja")
    assert not master.is_normative("Jumlah laporan kinerja yang disusun")
    assert not master.is_normative("Terlaksananya 12 kegiatan sosialisasi")
    assert [v.nama for v in master.BERAKHLAK] == ["Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis",
                                                 "Loyal", "Adaptif", "Kolaboratif"]
    assert all(len(v.panduan) == 3 for v in master.BERAKHLAK)


def test_leader_skp_missing_is_a_warning_and_later_checked(ws, tmp_path: Path) -> None:
    t = tables()
    only_staff = {k: [r for r in v if r.get("nip", STAFF) == STAFF] for k, v in t.items() if k in
                  ("skp", "rhk", "indikator", "rencana", "perilaku", "lampiran")}
    only_staff.update(unit=t["unit"], pegawai=t["pegawai"])
    js = tmp_path / "staff.json"
    js.write_text(json.dumps(only_staff), encoding="utf-8")
    res = ws.cli("--lang", "en", "skp", "import", str(js))
    assert res.exit_code == 0, res.output
    assert "cannot check RHK-01: the 2026 SKP of the pejabat penilai (Sri Rahayu, S.Kom., M.M.) is not imported" \
        in res.stderr
    # now the leader arrives without the RHK the staff intervenes: re-importing the staff is refused
    t2 = tables()
    t2["rhk"][1]["kode"] = "RHK-05"
    t2["indikator"][1]["rhk"] = "RHK-05"
    js2 = tmp_path / "all.json"
    js2.write_text(json.dumps(t2), encoding="utf-8")
    res = ws.cli("--lang", "en", "skp", "import", str(js2))
    assert res.exit_code == 1
    assert "RHK-01 does not exist in the 2026 SKP of the pejabat penilai (Sri Rahayu, S.Kom., M.M., NIP " \
           f"{KABID}); their RHK are: RHK-05" in res.stderr


@pytest.mark.parametrize("name", ["skp.txt", "missing.xlsx"])
def test_import_refuses_unknown_files(ws, tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    if name.endswith(".txt"):
        p.write_text("x")
    res = ws.cli("skp", "import", str(p))
    assert res.exit_code == 2 and "Galat:" in res.stderr


# --------------------------------------------------------------------------- imports never store wrong data quietly

OTHER = "198001012005011001"  # a valid NIP that is on no sheet


def test_penilai_and_atasan_must_be_pegawai(ws, tmp_path: Path) -> None:
    t = tables()
    t["skp"][2]["penilai_nip"] = OTHER  # STAFF (row 5): a penilai that is nowhere
    t["skp"][3]["atasan_nip"] = OTHER  # PPPK (row 6): an atasan that is nowhere
    t["skp"][1]["penilai_nama"] = "Joko Susilo"  # KABID (row 4): the name is not KADIS's
    res = ws.cli("--lang", "en", "skp", "import", str(write_workbook(tmp_path / "skp.xlsx", t)))
    assert res.exit_code == 1
    err = res.stderr
    assert (f"sheet 'SKP', row 5, column G (NIP Pejabat Penilai): the pejabat penilai's NIP {OTHER} is not on "
            "sheet 'Pegawai' nor already imported: add this pegawai") in err
    assert (f"sheet 'SKP', row 6, column L (NIP Atasan Pejabat Penilai): the atasan pejabat penilai's NIP {OTHER} "
            "is not on sheet 'Pegawai'") in err
    assert (f"sheet 'SKP', row 4, column H (Nama Pejabat Penilai): 'Joko Susilo' is not the name of NIP {KADIS} "
            "('Ir. Hendra Wijaya, M.T.' on sheet 'Pegawai')") in err
    assert "there is no SKP for NIP" not in err  # the RHK/indicator rows of those SKPs: no cascade
    assert ws.cli_json("skp", "list") == []
    # a penilai imported before (in the catalog) is found without being on this workbook
    leaders = {k: [r for r in v if r.get("nip") in (KADIS, KABID) or k in ("unit", "sasaran")]
               for k, v in tables().items()}
    assert ws.cli("skp", "import", str(write_workbook(tmp_path / "leaders.xlsx", leaders))).exit_code == 0
    staff = {k: [r for r in v if r.get("nip") == STAFF] for k, v in tables().items() if k not in ("unit", "sasaran")}
    res = ws.cli("skp", "import", str(write_workbook(tmp_path / "staff.xlsx", staff)))
    assert res.exit_code == 0, res.output
    assert ws.cli_json("skp", "list", "--nip", STAFF)[0]["penilai"] == "Sri Rahayu, S.Kom., M.M."


def test_unit_in_target_must_agree_with_satuan(ws, tmp_path: Path) -> None:
    t = tables()
    t["indikator"][1]["target"] = "5 dokumen"  # KABID, row 4: Satuan says 'aplikasi'
    t["indikator"][2]["target"] = "4 modul"  # STAFF, row 5: Satuan says 'modul' too
    res = ws.cli("--lang", "en", "skp", "import", str(write_workbook(tmp_path / "skp.xlsx", t)))
    assert res.exit_code == 1
    assert ("sheet 'Indikator', row 4, column H (Target): target '5 dokumen' contains the unit 'dokumen' but Satuan "
            "says 'aplikasi'; write only the number in Target (5) and the unit in Satuan") in res.stderr
    assert "row 5" not in res.stderr
    t["indikator"][1]["target"] = "5"
    assert ws.cli("skp", "import", str(write_workbook(tmp_path / "skp.xlsx", t))).exit_code == 0
    with ws.open() as archive:
        skp = load_skp(archive, STAFF, TAHUN)
        assert skp is not None
        target = skp.find_iki("IKI-01")[1].target
        assert (target.nilai, target.satuan, str(target)) == (4, "modul", "4 modul")


def test_missing_sheet_is_named_once(ws, tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "skp.xlsx", tables())
    wb = openpyxl.load_workbook(book)
    del wb["SKP"]
    wb.save(book)
    res = ws.cli("--lang", "en", "skp", "import", str(book))
    assert res.exit_code == 1
    err = res.stderr
    assert "sheet 'SKP': the sheet is missing, but the rows on sheet(s) 'RHK', 'Indikator', 'Rencana Bukti', " \
           "'Perilaku Kerja', 'Lampiran' belong to SKPs listed there" in err
    assert "1 error; nothing was imported" in err
    assert "there is no SKP" not in err and err.count("\n  - ") == 1


def test_one_wrong_value_on_many_rows_is_reported_once(ws, tmp_path: Path) -> None:
    t = tables()
    t["rhk"] += [{"nip": OTHER, "tahun": TAHUN, "kode": f"RHK-{n:02d}", "jenis": "UTAMA", "teks": "Salah NIP"}
                 for n in range(1, 16)]  # rows 8-22
    t["rhk"][0]["nip"] = OTHER  # row 3
    res = ws.cli("skp", "import", str(write_workbook(tmp_path / "skp.xlsx", t)))
    assert res.exit_code == 1
    assert (f"lembar 'RHK', baris 3, 8\u201322, kolom A (NIP Pegawai): tidak ada SKP untuk NIP {OTHER} tahun "
            f"{TAHUN} pada lembar 'SKP'") in res.stderr
    assert res.stderr.count(f"NIP {OTHER}") == 1
    assert rows_text([4, 5, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]) == "4, 5, 9\u201321"
    assert rows_text([7]) == "7" and rows_text([1, 2]) == "1, 2"


@pytest.mark.parametrize("name", ["skp.xls", "skp.csv"])
def test_xls_and_csv_are_refused_with_save_as_xlsx(ws, tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    p.write_bytes(b"\xd0\xcf\x11\xe0" if name.endswith(".xls") else b"NIP;Nama\n")
    res = ws.cli("skp", "import", str(p))
    assert res.exit_code == 2
    assert f"{name}: berkas .{name.split('.')[1]} tidak dapat diimpor; simpan sebagai .xlsx" in res.stderr
    assert "Simpan Sebagai" in res.stderr and "Excel atau LibreOffice" in res.stderr
    res = ws.cli("--lang", "en", "eval", "import", str(p))
    assert res.exit_code == 2 and "save it as .xlsx" in res.stderr


def test_reimport_reports_new_changed_unchanged(ws, tmp_path: Path) -> None:
    t = tables()
    assert ws.cli("skp", "import", str(write_workbook(tmp_path / "skp.xlsx", t))).exit_code == 0
    t["indikator"][1]["target"] = "6"  # KABID's SKP changes
    res = ws.cli("--lang", "en", "skp", "import", str(write_workbook(tmp_path / "skp.xlsx", t)))
    assert res.exit_code == 0, res.output
    assert "Imported skp.xlsx: SKP: 0 new, 1 changed, 3 unchanged; pegawai: 0 new, 0 changed, 4 unchanged" \
        in res.stdout
    assert "nothing changed" not in res.stdout


def test_example_row_typed_over_is_explained(ws, tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "skp.xlsx", tables())
    wb = openpyxl.load_workbook(book)
    wb["SKP"]["B2"].value = 2031  # the example with another year: still the example, ignored
    wb["Pegawai"]["A2"].value = OTHER  # the admin's own pegawai typed over the example
    wb["Pegawai"]["B2"].value = "Dewi Lestari"
    wb.save(book)
    res = ws.cli("--lang", "en", "skp", "import", str(book))
    assert res.exit_code == 1
    assert (f"sheet 'Pegawai', row 2: row 2 is the template's example row and is never imported, but it holds "
            f"other data (A2 = '{OTHER}'); data starts on row 3") in res.stderr
    assert "'SKP', row 2" not in res.stderr
    for cell in wb["Pegawai"][2]:
        cell.value = None
    wb.save(book)  # the example row emptied: fine
    assert ws.cli("skp", "import", str(book)).exit_code == 0
