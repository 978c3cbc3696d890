#!/bin/sh
# Container entry point: on first start, put the container's configuration into the config volume
# ($ARCHIVER_INITIAL_CONFIG: the embedded one, or the PostgreSQL one of compose profile "multi"),
# then run `archiver ARGS` (default: run --json-log --host 0.0.0.0). Files are 0640, folders 0750.
set -eu
umask 0027
config="${ARCHIVER_CONFIG:-/srv/archiver/config/watch_config.toml}"
initial="${ARCHIVER_INITIAL_CONFIG:-/usr/share/archiver/watch_config.toml}"
if [ ! -e "$config" ]; then
    echo "archiver: $config belum ada; menyalin konfigurasi awal $initial" >&2
    cp "$initial" "$config"
fi
exec archiver "$@"
