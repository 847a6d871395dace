#!/usr/bin/env bash
# Set up runyard with its test extras and run the whole suite (pytest, ruff and mypy included).
set -euo pipefail
cd "$(dirname "$0")/.."
# integrations: the frameworks tests/integrations trains with (torch CPU from this machine's wheel).
bash scripts/setup-venv.sh test,all,integrations
# CI must run the browser tests (tests/server/web), so it gets Debian's Chromium when missing.
if [ "${CI:-}" = "true" ] && [ ! -x /usr/bin/chromium ]; then
    bash scripts/install-chromium.sh
fi
exec .venv/bin/python -m pytest "$@"
