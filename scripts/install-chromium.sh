#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/server/web). Playwright drives this
# system browser; `playwright install` (a download from Microsoft's CDN) is never needed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: /usr/bin/chromium"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Chromium is missing. Install it as root:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
echo "installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
