# Where scripts/install.sh puts archiver (sourced by install.sh and check.sh; override by environment):
#   ARCHIVER_VENV     its virtual environment: /opt/archiver/venv as root, else ~/.local/share/archiver/venv
#   ARCHIVER_BIN_DIR  where the `archiver` command is linked: /usr/local/bin as root, else ~/.local/bin
if [ "$(id -u)" = 0 ]; then
    ARCHIVER_VENV="${ARCHIVER_VENV:-/opt/archiver/venv}"
    ARCHIVER_BIN_DIR="${ARCHIVER_BIN_DIR:-/usr/local/bin}"
else
    ARCHIVER_VENV="${ARCHIVER_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/archiver/venv}"
    ARCHIVER_BIN_DIR="${ARCHIVER_BIN_DIR:-$HOME/.local/bin}"
fi
