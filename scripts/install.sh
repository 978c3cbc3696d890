#!/usr/bin/env bash
# Install archiver and everything it needs on a fresh Debian/Ubuntu machine.
#   bash scripts/install.sh          # system packages (apt) + archiver with test extras (pip)
# System packages: libmagic (file types by content), Tesseract with Indonesian and English
# (OCR), LibreOffice Writer (DOCX -> PDF), Chromium (end-to-end tests of the web UI), fonts.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    libmagic1 file util-linux
    tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng
    libreoffice-writer-nogui fonts-dejavu-core fonts-liberation
    poppler-utils
    chromium
)
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
else
    echo "apt-get not found: install these yourself: ${APT_PACKAGES[*]}" >&2
fi
# A Debian system Python refuses pip (PEP 668) unless told; a venv or pyenv Python does not.
if ! python3 -m pip install -q -e '.[test]'; then
    echo "pip refused; retrying with --break-system-packages (or run this script inside a venv)" >&2
    python3 -m pip install -q --break-system-packages -e '.[test]'
fi
