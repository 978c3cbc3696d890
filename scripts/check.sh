#!/usr/bin/env bash
# What CI checks, in order: lint (ruff), strict types (mypy --strict), then the whole test suite twice:
# on the embedded default (SQLite, local blobs) and on PostgreSQL + S3.
#   bash scripts/check.sh            # everything
#   bash scripts/check.sh -k search  # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
# These are the checks CI runs: a system program the tests need and scripts/install.sh installs
# (PostgreSQL, LibreOffice, Tesseract, Chromium, ...) fails its tests when missing, never skips
# (tests/conftest.py: require_program; a bare `pytest` outside CI skips them with a message).
export CI=true
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
echo "== pytest (embedded default)" >&2
"$PY" -m pytest -q "$@"
# The whole suite again with every test workspace on PostgreSQL + S3: a throwaway cluster from
# Debian's postgresql package and moto's S3 server, both on loopback (tests/conftest.py).
echo "== pytest (PostgreSQL + S3)" >&2
ARCHIVER_TEST_STACK=cluster "$PY" -m pytest -q -rfEs "$@"
