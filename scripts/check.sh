#!/usr/bin/env bash
# What CI checks, in order: lint (ruff), strict types (mypy --strict), then the whole test suite.
#   bash scripts/check.sh            # everything
#   bash scripts/check.sh -k search  # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff check" >&2
python3 -m ruff check archiver tests bench tools
echo "== mypy --strict (configured in pyproject.toml)" >&2
python3 -m mypy
echo "== pytest" >&2
python3 -m pytest -q "$@"
