#!/usr/bin/env bash
# Runs Kindred on the bundled sample artworks, in a throw-away library: build, import, search, info.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked
bin="${CARGO_TARGET_DIR:-target}/release/kindred"
lib="${1:-$(mktemp -d)/library}"
"$bin" --library "$lib" import assets/samples
"$bin" --library "$lib" search assets/samples/unsorted-van-gogh-sunflowers.jpg --top 5
"$bin" --library "$lib" search assets/samples/animals-tiger.png --aspect texture --top 5
"$bin" --library "$lib" info
echo "library kept in $lib; try: $bin --library $lib search YOUR_IMAGE.jpg"
