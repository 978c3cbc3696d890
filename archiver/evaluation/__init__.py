"""Evaluation of pegawai performance (PermenPANRB 6/2022, SE MenPANRB 3/2023).

``rules``         ratings, the predikat matrix, organisational predikat (pure)
``distribution``  the allowed spread of predikat per organisational predikat (pure, warnings)
``tindak_lanjut`` follow-up recommendation texts per predikat (editable TOML, Indonesian defaults)
``model``         evaluation records (realisasi, umpan balik, ratings) as plain dataclasses
``importer``      workbook template, workbook and JSON import with every problem reported at once
(the SQL of the evaluation tables is ``archiver.catalog.evaluation``)
"""
