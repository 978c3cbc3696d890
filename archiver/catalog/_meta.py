"""The catalog's one ``MetaData`` (its tables: ``schema`` and ``schema_workspace``)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
