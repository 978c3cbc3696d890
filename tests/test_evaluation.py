"""Evaluation rules, tindak lanjut, and the workbook/JSON import through the real CLI, checked
against SKPs imported with `archiver skp import`."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from conftest import NIP_A, NIP_B
from test_documents_data import BIDANG, UNIT, UNIT_NAME, import_skps

from archiver.catalog import evaluation as repo
from archiver.errors import ConfigError
from archiver.evaluation.distribution import check_distribution
from archiver.evaluation.rules import (
    OrgPredikat,
    Predikat,
    Rating,
    parse_rating,
    predikat,
)
from archiver.evaluation.tindak_lanjut import DEFAULTS, load_tindak_lanjut

A, S, B = Rating.DI_ATAS, Rating.SESUAI, Rating.DI_BAWAH
P = Predikat


@pytest.mark.parametrize(("hasil", "perilaku", "expected"), [
    (A, B, P.KURANG), (A, S, P.BAIK), (A, A, P.SANGAT_BAIK),
    (S, B, P.KURANG), (S, S, P.BAIK), (S, A, P.BAIK),
    (B, B, P.SANGAT_KURANG), (B, S, P.BUTUH_PERBAIKAN), (B, A, P.BUTUH_PERBAIKAN),
])
def test_predikat_matrix(hasil: Rating, perilaku: Rating, expected: Predikat) -> None:
    assert predikat(hasil, perilaku) is expected


def test_rating_parsing_is_tolerant_but_strict() -> None:
    assert parse_rating("di atas ekspektasi") is A
    assert parse_rating("DI_BAWAH") is B
    with pytest.raises(ValueError, match="DI ATAS EKSPEKTASI, SESUAI EKSPEKTASI"):
        parse_rating("bagus")


def _spread(**counts: int) -> list[Predikat]:
    return [p for name, n in counts.items() for p in [P[name.upper()]] * n]


def test_distribution_istimewa_names_the_70_percent_limit() -> None:
    w = check_distribution(OrgPredikat.ISTIMEWA, _spread(sangat_baik=8, baik=2))
    assert len(w) == 1 and "melebihi batas paling banyak 70%" in w[0].message and "80,0%" in w[0].message
    assert check_distribution(OrgPredikat.ISTIMEWA, _spread(sangat_baik=7, baik=3)) == []


def test_distribution_baik_requires_some_butuh_perbaikan_or_kurang() -> None:
    msgs = [w.message for w in check_distribution(OrgPredikat.BAIK, _spread(baik=6, sangat_baik=4))]
    assert any("tidak ada pegawai dengan predikat Butuh Perbaikan dan/atau Kurang/Misconduct" in m for m in msgs)
    assert check_distribution(OrgPredikat.BAIK, _spread(baik=6, sangat_baik=2, butuh_perbaikan=2)) == []
    # Baik must be the largest group
    msgs = [w.message for w in check_distribution(OrgPredikat.BAIK, _spread(baik=3, sangat_baik=5, kurang=2))]
    assert any("bukan predikat terbanyak" in m for m in msgs)


def test_distribution_low_organisational_predikat() -> None:
    w = check_distribution(OrgPredikat.BUTUH_PERBAIKAN, _spread(butuh_perbaikan=5, sangat_baik=2, baik=3))
    msgs = " | ".join(x.message for x in w)
    assert "paling sedikit 60%" in msgs and "paling banyak 10%" in msgs
    w = check_distribution(OrgPredikat.SANGAT_KURANG, _spread(sangat_kurang=7, kurang=2, sangat_baik=1))
    assert [x.rule.kind for x in w] == ["none"] and "tidak membolehkan Sangat Baik" in w[0].message
    assert check_distribution(OrgPredikat.KURANG, _spread(kurang=6, butuh_perbaikan=1, baik=3)) == []
    assert check_distribution(OrgPredikat.KURANG, []) == []


def test_tindak_lanjut_defaults_and_override(tmp_path: Path) -> None:
    assert load_tindak_lanjut(tmp_path) == DEFAULTS
    (tmp_path / "tindak_lanjut.toml").write_text('[tindak_lanjut]\nbaik = "Pertahankan & tingkatkan"\n')
    texts = load_tindak_lanjut(tmp_path)
    assert texts[P.BAIK] == "Pertahankan & tingkatkan" and texts[P.SANGAT_BAIK] == DEFAULTS[P.SANGAT_BAIK]
    (tmp_path / "tindak_lanjut.toml").write_text('[tindak_lanjut]\nbaikk = "x"\nkurang = 3\n')
    with pytest.raises(ConfigError) as exc:
        load_tindak_lanjut(tmp_path)
    text = str(exc.value)
    assert "kunci 'baikk' tidak dikenal; maksud Anda 'baik'?" in text and "kurang: tulis teksnya" in text


def test_tindak_lanjut_cli_writes_editable_file(ws) -> None:  # type: ignore[no-untyped-def]
    res = ws.cli("eval", "tindak-lanjut", "--write")
    assert res.exit_code == 0, res.output
    assert "sangat_baik = " in (ws.root / "tindak_lanjut.toml").read_text()
    out = ws.cli_json("eval", "tindak-lanjut")[0]
    assert out["BUTUH PERBAIKAN"].startswith("Pejabat Penilai Kinerja")


# ----------------------------------------------------------------------------- import

def fill_workbook(path: Path, evaluasi: list[list[object]], realisasi: list[list[object]] = (),  # type: ignore[assignment]
                  perilaku: list[list[object]] = (), capaian: list[list[object]] = ()) -> Path:  # type: ignore[assignment]
    wb = openpyxl.load_workbook(path)
    for sheet, rows in (("Evaluasi", evaluasi), ("Realisasi", realisasi), ("Perilaku", perilaku),
                        ("Capaian Organisasi", capaian)):
        for r, values in enumerate(rows, 2):
            for c, v in enumerate(values, 1):
                wb[sheet].cell(row=r, column=c, value=v)
    wb.save(path)
    return path


def test_workbook_template_import_roundtrip(ws) -> None:  # type: ignore[no-untyped-def]
    import_skps(ws)
    book = ws.root / "evaluasi.xlsx"
    res = ws.cli("eval", "template", str(book))
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Petunjuk", "Evaluasi", "Realisasi", "Perilaku", "Capaian Organisasi"]
    assert [c.value for c in wb["Evaluasi"][1]] == ["NIP", "TAHUN", "PERIODE", "RATING HASIL KERJA",
                                                    "RATING PERILAKU KERJA", "CATATAN"]
    assert "PREDIKAT" not in [c.value for c in wb["Evaluasi"][1]]  # never typed
    fill_workbook(book,
                  [[NIP_A, 2026, "TW1", "DI ATAS EKSPEKTASI", "DI ATAS EKSPEKTASI", "Pertahankan"],
                   [NIP_B, 2026, "Triwulan I", "di bawah ekspektasi", "sesuai ekspektasi", None]],
                  [[NIP_A, 2026, "TW1", "RHK-01", "IKI-01", "2 aplikasi & 1 <modul>", "Sesuai rencana"],
                   [NIP_A, 2026, "TW1", "rhk 1", "iki 2", "100 %", None]],
                  [[NIP_A, 2026, "TW1", "Akuntabel", "Disiplin waktu"], [NIP_A, 2026, "TW1", 1, "Ramah"]],
                  [[UNIT_NAME, 2026, "TW1", "Baik", "Capaian rencana aksi", "Dr. Kartini", "", "Sekda"]])
    out = ws.cli_json("eval", "import", str(book))[0]
    assert out["evaluasi"] == 2 and out["capaian_organisasi"] == 1
    assert {p["nip"]: p["predikat"] for p in out["predikat"]} == {NIP_A: "SANGAT BAIK", NIP_B: "BUTUH PERBAIKAN"}
    with ws.open() as archive, archive.catalog.read() as conn:
        ev = repo.get_evaluasi(conn, NIP_A, 2026, "TW1")
        assert ev is not None and ev.predikat is P.SANGAT_BAIK
        assert [(r.rhk, r.iki, r.realisasi) for r in ev.realisasi] == [
            ("RHK-01", "IKI-01", "2 aplikasi & 1 <modul>"), ("RHK-01", "IKI-02", "100 %")]
        assert [(p.nilai, p.nama) for p in ev.perilaku] == [(1, "Berorientasi Pelayanan"), (2, "Akuntabel")]
        cap = repo.get_capaian(conn, UNIT_NAME.lower(), 2026, "TW1")
        assert cap is not None and cap.predikat is OrgPredikat.BAIK and cap.penetap_nama == "Dr. Kartini"
    # importing again replaces, not duplicates
    assert ws.cli("eval", "import", str(book)).exit_code == 0
    with ws.open() as archive, archive.catalog.read() as conn:
        assert len(repo.list_evaluasi(conn, tahun=2026)) == 2


def test_workbook_problems_all_reported_with_sheet_row_column(ws) -> None:  # type: ignore[no-untyped-def]
    import_skps(ws)
    book = ws.root / "salah.xlsx"
    ws.cli("eval", "template", str(book))
    fill_workbook(book,
                  [[NIP_A, 2026, "TW1", "bagus", "SESUAI EKSPEKTASI"],
                   [NIP_A, 2026, "TW1", "SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI"],
                   [1.98503152010011e17, 2026, "TW9", "SESUAI", None]],
                  [[NIP_B, 2026, "TW1", "RHK-01", "IKI-01", "3"], [NIP_A, 2026, "TW1", "RHK-01", "IKI-01", None]],
                  [[NIP_A, 2026, "TW1", "Jujur", "x"]],
                  [["Dinas", 2026, "TW1", "Luar Biasa"]])
    res = ws.cli("eval", "import", str(book))
    assert res.exit_code == 1
    err = res.stderr
    expected = [
        "lembar 'Evaluasi' baris 2, kolom D (RATING HASIL KERJA): 'bagus' bukan rating",
        "lembar 'Evaluasi' baris 4, kolom A (NIP): NIP tersimpan sebagai angka",
        "lembar 'Evaluasi' baris 4, kolom C (PERIODE): 'TW9' bukan periode",
        "lembar 'Evaluasi' baris 4, kolom E (RATING PERILAKU KERJA): kosong",
        "lembar 'Realisasi' baris 2: tidak ada baris pada lembar 'Evaluasi' untuk NIP " + NIP_B,
        "lembar 'Realisasi' baris 3, kolom F (REALISASI): kosong",
        "lembar 'Perilaku' baris 2, kolom D (PERILAKU KERJA): 'Jujur' bukan nilai dasar BerAKHLAK",
        "lembar 'Capaian Organisasi' baris 2, kolom D (CAPAIAN KINERJA ORGANISASI): 'Luar Biasa'",
    ]
    for e in expected:
        assert e in err, f"missing: {e}\n{err}"
    assert "tidak ada yang diimpor" in err
    with ws.open() as archive, archive.catalog.read() as conn:
        assert repo.list_evaluasi(conn) == []


def test_json_import_and_its_problems(ws) -> None:  # type: ignore[no-untyped-def]
    import_skps(ws)
    good = {"evaluasi": [{"nip": NIP_A, "tahun": 2026, "periode": "TW2", "rating_hasil_kerja": "SESUAI EKSPEKTASI",
                          "rating_perilaku": "DI BAWAH EKSPEKTASI",
                          "realisasi": [{"rhk": "RHK-01", "iki": "IKI-01", "realisasi": "3 aplikasi"}],
                          "perilaku": [{"perilaku": "Loyal", "umpan_balik": "Perlu perbaikan"}]}],
            "capaian_organisasi": [{"unit": BIDANG, "tahun": 2026, "periode": "TW2", "predikat": "ISTIMEWA"}]}
    f = ws.root / "ev.json"
    f.write_text(json.dumps(good))
    out = ws.cli_json("eval", "import", str(f))[0]
    assert out["predikat"][0]["predikat"] == "KURANG/MISCONDUCT"
    bad = {"evaluasi": [{"nip": NIP_A, "tahun": "dua ribu", "periode": "TW2", "rating_hasil_kerja": "SESUAI",
                         "rating_perilaku": "SESUAI", "predikat": "SANGAT BAIK",
                         "realisasi": [{"rhk": "RHK-01", "iki": "", "realisasi": "x"}]}], "extra": 1}
    f.write_text(json.dumps(bad))
    res = ws.cli("--lang", "en", "eval", "import", str(f))
    assert res.exit_code == 1
    for e in ("extra: unknown key", "evaluasi[0].predikat: unknown key", "evaluasi[0].tahun: 'dua ribu' is not a year"):
        assert e in res.stderr, res.stderr


def test_import_is_checked_against_the_imported_skps(ws) -> None:  # type: ignore[no-untyped-def]
    """Every evaluated pegawai needs an SKP of the year, every realisasi one of its indicators,
    every capaian organisasi a unit kerja of the SKPs (code or name, any case)."""
    data = {"evaluasi": [
        {"nip": NIP_A, "tahun": 2026, "periode": "TW1", "rating_hasil_kerja": "SESUAI EKSPEKTASI",
         "rating_perilaku": "SESUAI EKSPEKTASI",
         "realisasi": [{"rhk": "RHK-01", "iki": "IKI-01", "realisasi": "2 modul"},
                       {"rhk": "RHK-01", "iki": "IKI-03", "realisasi": "x"}]},
        {"nip": NIP_A, "tahun": 2025, "periode": "TW1", "rating_hasil_kerja": "SESUAI EKSPEKTASI",
         "rating_perilaku": "SESUAI EKSPEKTASI"}],
        "capaian_organisasi": [{"unit": "Dinas Perhubungan", "tahun": 2026, "periode": "TW1", "predikat": "BAIK"},
                               {"unit": UNIT.lower(), "tahun": 2026, "periode": "TW1", "predikat": "BAIK"}]}
    f = ws.root / "ev.json"
    f.write_text(json.dumps(data))
    res = ws.cli("--lang", "en", "eval", "import", str(f))  # no SKP imported at all yet
    assert res.exit_code == 1
    assert f"evaluasi[0].nip: NIP {NIP_A} has no SKP for 2026; import the SKP first" in res.stderr
    assert "capaian_organisasi[1].unit: 'diskominfo' is not a unit kerja of the imported SKPs" in res.stderr
    import_skps(ws)
    res = ws.cli("--lang", "en", "eval", "import", str(f))
    assert res.exit_code == 1
    err = res.stderr
    assert f"evaluasi[1].nip: NIP {NIP_A} has no SKP for 2025" in err
    assert f"evaluasi[0].realisasi[1].rhk: RHK-01 IKI-03 is not an indicator of the SKP of NIP {NIP_A} (2026); " \
           "known: RHK-01 IKI-01, RHK-01 IKI-02, RHK-02 IKI-03" in err
    assert "capaian_organisasi[0].unit: 'Dinas Perhubungan' is not a unit kerja" in err
    assert "diskominfo" not in err and "evaluasi[0].nip" not in err
    with ws.open() as archive, archive.catalog.read() as conn:
        assert repo.list_evaluasi(conn) == []  # nothing imported
    del data["evaluasi"][1], data["evaluasi"][0]["realisasi"][1], data["capaian_organisasi"][0]
    f.write_text(json.dumps(data))
    assert ws.cli("eval", "import", str(f)).exit_code == 0


# ----------------------------------------------------------------------------- imports never store wrong data quietly

def test_missing_realisasi_sheet_is_an_error_not_an_empty_realisasi(ws) -> None:  # type: ignore[no-untyped-def]
    """Saving an evaluation replaces its realisasi: a workbook without the sheet would erase them."""
    import_skps(ws)
    book = ws.root / "evaluasi.xlsx"
    ws.cli("eval", "template", str(book))
    fill_workbook(book, [[NIP_A, 2026, "TW1", "SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI"]])
    wb = openpyxl.load_workbook(book)
    del wb["Realisasi"]
    wb.save(book)
    res = ws.cli("--lang", "en", "eval", "import", str(book))
    assert res.exit_code == 1
    assert "evaluasi.xlsx: sheet 'Realisasi' is missing; the evaluations would be saved without realisasi" \
        in res.stderr
    assert "1 problem; nothing was imported" in res.stderr
    # an empty Realisasi sheet says so explicitly: imported
    book = ws.root / "evaluasi-2.xlsx"
    ws.cli("eval", "template", str(book))
    fill_workbook(book, [[NIP_A, 2026, "TW1", "SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI"]])
    res = ws.cli("eval", "import", str(book))
    assert res.exit_code == 0, res.output
    # realisasi rows without their Evaluasi sheet: named once
    book = ws.root / "evaluasi-3.xlsx"
    ws.cli("eval", "template", str(book))
    fill_workbook(book, [], [[NIP_A, 2026, "TW1", "RHK-01", "IKI-01", "3"], [NIP_A, 2026, "TW1", "RHK-01", "IKI-02",
                                                                            "4"]])
    wb = openpyxl.load_workbook(book)
    del wb["Evaluasi"]
    wb.save(book)
    res = ws.cli("--lang", "en", "eval", "import", str(book))
    assert res.exit_code == 1
    assert "sheet 'Evaluasi' is missing; the rows on sheet(s) 'Realisasi' belong to evaluations" in res.stderr
    assert "no row in sheet 'Evaluasi'" not in res.stderr


def test_repeated_problem_listed_once_and_no_cascade(ws) -> None:  # type: ignore[no-untyped-def]
    import_skps(ws)
    book = ws.root / "evaluasi.xlsx"
    ws.cli("eval", "template", str(book))
    fill_workbook(book, [[NIP_A, 2026, "TW1", "bagus", "SESUAI EKSPEKTASI"]],  # a wrong rating: row 2
                  [[NIP_A, 2026, "TW1", "RHK-01", "IKI-01", "3"]]  # belongs to that row: not reported again
                  + [[NIP_B, 2026, "TW2", "RHK-01", f"IKI-0{n % 2 + 1}", "3"] for n in range(6)])  # rows 3-8
    res = ws.cli("eval", "import", str(book))
    assert res.exit_code == 1
    err = res.stderr
    assert f"lembar 'Realisasi' baris 3\u20138: tidak ada baris pada lembar 'Evaluasi' untuk NIP {NIP_B}, 2026 TW2" \
        in err
    assert "baris 2: tidak ada baris" not in err and err.count("tidak ada baris") == 1
    assert "lembar 'Evaluasi' baris 2, kolom D (RATING HASIL KERJA): 'bagus' bukan rating" in err
    assert "2 masalah; tidak ada yang diimpor" in err


def test_reimport_counts_new_changed_unchanged(ws) -> None:  # type: ignore[no-untyped-def]
    import_skps(ws)
    book = ws.root / "evaluasi.xlsx"
    ws.cli("eval", "template", str(book))
    rows = [[NIP_A, 2026, "TW1", "SESUAI EKSPEKTASI", "SESUAI EKSPEKTASI"],
            [NIP_B, 2026, "TW1", "SESUAI EKSPEKTASI", "DI ATAS EKSPEKTASI"]]
    fill_workbook(book, rows, [[NIP_A, 2026, "TW1", "RHK-01", "IKI-01", "3"]],
                  capaian=[[UNIT_NAME, 2026, "TW1", "Baik"]])
    res = ws.cli("--lang", "en", "eval", "import", str(book))
    assert res.exit_code == 0, res.output
    assert ("Imported evaluasi.xlsx: evaluasi: 2 new, 0 changed, 0 unchanged; "
            "capaian organisasi: 1 new, 0 changed, 0 unchanged") in res.stdout
    res = ws.cli("eval", "import", str(book))
    assert "evaluasi: 0 baru, 0 berubah, 2 tetap" in res.stdout and "(tidak ada yang berubah)" in res.stdout
    fill_workbook(book, [rows[0], [NIP_B, 2026, "TW1", "DI ATAS EKSPEKTASI", "DI ATAS EKSPEKTASI"]])
    out = ws.cli_json("eval", "import", str(book))[0]
    assert out["evaluasi"] == 2
    assert out["changes"] == {"evaluasi": {"new": 0, "changed": 1, "unchanged": 1},
                              "capaian_organisasi": {"new": 0, "changed": 0, "unchanged": 1}}
    with ws.open() as archive, archive.catalog.read() as conn:
        ev = repo.get_evaluasi(conn, NIP_B, 2026, "TW1")
        assert ev is not None and ev.predikat is P.SANGAT_BAIK
        assert len(repo.get_evaluasi(conn, NIP_A, 2026, "TW1").realisasi) == 1  # type: ignore[union-attr]
