#!/usr/bin/env bash
# Runs Kindred on the bundled sample artworks, in a throw-away library: build, import, search, info.
#   scripts/demo.sh [--app] [LIBRARY_DIR]    --app: then open the desktop app on that library
set -euo pipefail
cd "$(dirname "$0")/.."
app=0
if [ "${1:-}" = "--app" ]; then app=1; shift; fi
scripts/setup.sh
cargo build --release --locked
bin="${CARGO_TARGET_DIR:-target}/release/kindred"
lib="${1:-$(mktemp -d)/library}"
"$bin" --library "$lib" import assets/samples
"$bin" --library "$lib" search assets/samples/unsorted-van-gogh-sunflowers.jpg --top 5
"$bin" --library "$lib" search assets/samples/animals-tiger.png --aspect texture --top 5
"$bin" --library "$lib" info
if [ "$app" = 1 ]; then
  exec "$bin" --library "$lib" --open assets/samples/unsorted-van-gogh-sunflowers.jpg
fi
echo "library kept in $lib; try: $bin --library $lib   (the desktop app)"
