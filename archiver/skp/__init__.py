"""SKP (Sasaran Kinerja Pegawai, PermenPANRB 6/2022): the model, its import and validation,
the performance tree, linking evidence to RHK/indicators, coverage and relevance.

    model.py      dataclasses (pure)            master.py    BerAKHLAK, golongan, jenis bukti
    sheets.py     input tables layout           validate.py  every problem with sheet/row/column
    workbook.py   xlsx template and reader      jsonio.py    the same tables as JSON
    selection.py  SKPs of a pegawai or unit     importer.py  read -> validate -> save -> relink
    resolution.py submissions -> RHK/IKI        coverage.py  evidence vs the evidence plan
    tree.py       cascading tree                relevance.py text vs indicator score
    demo.py       a ready example workspace

The SQL of the SKP tables (migration 0003_skp) is ``archiver.catalog.skp``.
"""
