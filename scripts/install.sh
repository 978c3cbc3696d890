#!/usr/bin/env bash
# Install archiver and everything it needs on a fresh Debian/Ubuntu machine.
#   bash scripts/install.sh          # system packages (apt) + archiver in a virtual environment of its own
#   bash scripts/install.sh --dev    # the same, but editable and with the test tools (CI, scripts/check.sh)
# The virtual environment is $ARCHIVER_VENV (default /opt/archiver/venv as root, else
# ~/.local/share/archiver/venv); `archiver` is linked into $ARCHIVER_BIN_DIR (default
# /usr/local/bin as root, else ~/.local/bin). An `archiver` there that is not ours is never
# replaced: the script stops and says so. Nothing is installed into the system Python.
# System packages: libmagic (file types by content), Tesseract with Indonesian and English
# (OCR), LibreOffice Writer (DOCX -> PDF), Chromium (end-to-end tests of the web UI), fonts,
# python3-venv (the virtual environment), systemd (systemd-analyze rates the service units).
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
for arg in "$@"; do
    case "$arg" in
        --dev) DEV=1 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "install.sh: pilihan tidak dikenal: $arg (pakai --dev atau tanpa pilihan)" >&2; exit 2 ;;
    esac
done
step() { echo "==> $*" >&2; }
# shellcheck source=scripts/venv-paths.sh
. scripts/venv-paths.sh

APT_PACKAGES=(
    libmagic1 file util-linux
    tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng
    libreoffice-writer-nogui fonts-dejavu-core fonts-liberation
    poppler-utils
    chromium
    python3-venv systemd
    openssl  # the tests' RFC 3161 time-stamping authority on loopback (openssl ts -reply)
    softhsm2  # PKCS#11 token for `generate --sign` with pkcs11_module (tests/test_signing_pkcs11.py)
    postgresql  # the tests' throwaway PostgreSQL cluster on loopback (tests/pgcluster.py; a catalog_url server)
)
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    step "Memperbarui daftar paket (apt-get update)"
    $SUDO apt-get update -qq
    step "Memasang paket sistem: ${APT_PACKAGES[*]}"
    $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
else
    echo "apt-get tidak ada: pasang sendiri paket berikut: ${APT_PACKAGES[*]}" >&2
fi

PYTHON="${ARCHIVER_PYTHON:-python3}"
if [ -x "$ARCHIVER_VENV/bin/python" ]; then
    step "Memakai virtual environment yang sudah ada: $ARCHIVER_VENV"
else
    step "Membuat virtual environment $ARCHIVER_VENV ($("$PYTHON" --version))"
    mkdir -p "$(dirname "$ARCHIVER_VENV")"
    "$PYTHON" -m venv "$ARCHIVER_VENV"
fi
if [ "$DEV" = 1 ]; then
    step "Memasang archiver dari $PWD ke $ARCHIVER_VENV (editable, dengan alat uji: pytest, ruff, mypy)"
    "$ARCHIVER_VENV/bin/python" -m pip install --progress-bar off -e '.[test]'
    # An editable install leaves the sources without bytecode (pip compiles only what it copies):
    # under PYTHONDONTWRITEBYTECODE (CI, containers) every archiver command would compile its
    # ~150 modules again, ~0.25 s each time. Compile them once here.
    step "Mengompilasi bytecode archiver/ (compileall)"
    "$ARCHIVER_VENV/bin/python" -m compileall -q archiver
else
    step "Memasang archiver dari $PWD ke $ARCHIVER_VENV"
    "$ARCHIVER_VENV/bin/python" -m pip install --progress-bar off .
fi

TARGET="$ARCHIVER_VENV/bin/archiver"
LINK="$ARCHIVER_BIN_DIR/archiver"
mkdir -p "$ARCHIVER_BIN_DIR"
if [ -L "$LINK" ] && [ "$(readlink -f "$LINK")" = "$(readlink -f "$TARGET")" ]; then
    step "$LINK sudah menunjuk ke $TARGET"
elif [ -e "$LINK" ] || [ -L "$LINK" ]; then
    echo "install.sh: $LINK sudah ada dan bukan archiver dari $ARCHIVER_VENV: tidak diganti." >&2
    echo "  Bila itu archiver lama, hapus dulu (rm $LINK) lalu jalankan lagi, atau pilih folder lain:" >&2
    echo "  ARCHIVER_BIN_DIR=/folder/lain bash scripts/install.sh. archiver yang baru: $TARGET" >&2
    exit 1
else
    step "Menautkan $LINK -> $TARGET"
    ln -s "$TARGET" "$LINK"
fi
FOUND="$(command -v archiver || true)"
if [ -z "$FOUND" ]; then
    echo "Catatan: $ARCHIVER_BIN_DIR belum ada di PATH; tambahkan: export PATH=\"$ARCHIVER_BIN_DIR:\$PATH\"" >&2
elif [ "$(readlink -f "$FOUND")" != "$(readlink -f "$TARGET")" ]; then
    echo "Catatan: perintah archiver yang lebih dulu di PATH adalah $FOUND, bukan $LINK" >&2
fi
step "Selesai: $("$TARGET" --version)"
