#!/usr/bin/env bash
# Set up runyard and serve it on the embedded store with a demo project (a live run included).
# Extra arguments go to `runyard serve` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
export RUNYARD_DIR="${RUNYARD_DIR:-$PWD/runyard}"
exec .venv/bin/runyard serve --demo "$@"
