#!/usr/bin/env bash
# Set up runyard and serve it on the embedded store with a demo project (a live run included).
# Extra arguments go to `runyard serve` (e.g. --port 8080; or set RUNYARD_PORT=8080).
# `serve --demo` binds the port first (in use: one line, exit 2), creates the demo project
# only when it is missing, and stops its live run when the server stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
export RUNYARD_DIR="${RUNYARD_DIR:-$PWD/runyard}"
exec .venv/bin/runyard serve --demo "$@"
