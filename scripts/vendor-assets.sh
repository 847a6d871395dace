#!/usr/bin/env bash
# Re-fetch the pinned front-end libraries from the npm registry into the package's static
# folder, with their licenses, so the wheel needs no build step and no CDN at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
static=src/runyard/server/web/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NAME VERSION DEST FILE...
    local name=$1 version=$2 dest=$3
    shift 3
    (cd "$work" && npm pack --silent "$name@$version" >/dev/null && mkdir -p "$name" && tar xzf "$name-$version.tgz" -C "$name")
    mkdir -p "$static/$dest"
    for file in "$@"; do
        cp "$work/$name/package/$file" "$static/$dest/"
    done
}

fetch swagger-ui-dist 5.35.0 swagger-ui swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE
fetch uplot 1.6.32 uplot dist/uPlot.iife.min.js dist/uPlot.min.css LICENSE
echo "vendored into $static"
