#!/usr/bin/env bash
# Set up runyard and run the main job on the embedded store with a demo project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
export RUNYARD_DIR="${RUNYARD_DIR:-$PWD/runyard}"
.venv/bin/runyard demo
.venv/bin/runyard ls
.venv/bin/runyard ls demo
