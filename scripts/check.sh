#!/usr/bin/env bash
# What CI checks, in order: lint (ruff), strict types (mypy --strict), then the whole test suite.
#   bash scripts/check.sh            # everything
#   bash scripts/check.sh -k search  # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
# The Python of archiver's virtual environment when `scripts/install.sh --dev` made it for this
# checkout (editable, with the test tools); otherwise python3 as found on PATH.
# shellcheck source=scripts/venv-paths.sh
. scripts/venv-paths.sh
PY=python3
if "$ARCHIVER_VENV/bin/python" -c 'import sys, pytest, mypy, ruff, archiver
sys.exit(not archiver.__file__.startswith(sys.argv[1]))' "$PWD/" 2>/dev/null; then
    PY="$ARCHIVER_VENV/bin/python"
fi
echo "== python: $PY" >&2
echo "== ruff check" >&2
"$PY" -m ruff check archiver tests bench tools
echo "== mypy --strict (configured in pyproject.toml)" >&2
"$PY" -m mypy
echo "== pytest" >&2
"$PY" -m pytest -q "$@"
