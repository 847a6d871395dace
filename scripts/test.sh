#!/usr/bin/env bash
# Set up runyard with its test extras and run the whole suite (pytest, ruff and mypy included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh test,all
exec .venv/bin/python -m pytest "$@"
