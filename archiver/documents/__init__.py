"""Official documents from editable Word templates (docxtpl), DOCX and PDF.

``templates``  where templates live, which kinds exist, ``check_template`` (syntax, variables, filters)
``render``     the Jinja environment (strict, autoescaped) and a cached docxtpl renderer
``sample``     a complete example context per kind: the schema that templates are checked against
``context``    contexts built from the SKP model, the evaluation tables and the archive
``workers``    a batch rendered in worker processes (one per core), the parent records
``converter``  DOCX -> PDF through LibreOffice, one process per core for a batch, a time limit per document
``generate``   one document or a whole unit: render, convert, store and record custody
"""
