#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry (run by a developer, never at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cp package.json "$tmp/"
(cd "$tmp" && npm install --silent --no-audit --no-fund)
dest=src/fupin/static/vendor
mkdir -p "$dest/bootstrap-icons/fonts"
cp "$tmp/node_modules/bootstrap/dist/css/bootstrap.min.css" "$tmp/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js" \
   "$tmp/node_modules/htmx.org/dist/htmx.min.js" "$dest/"
cp "$tmp/node_modules/bootstrap-icons/font/bootstrap-icons.min.css" "$dest/bootstrap-icons/"
cp "$tmp/node_modules/bootstrap-icons/font/fonts/"* "$dest/bootstrap-icons/fonts/"
rm -rf "$tmp"
echo "vendored into $dest"
