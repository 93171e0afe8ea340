#!/usr/bin/env bash
# Screenshot of the desktop app's results gallery, under Xvfb (no real display needed).
#   scripts/screenshot.sh [OUT.png]     (default: assets/screenshot-gallery.png)
# Builds Kindred, imports assets/samples into a throw-away library, opens the app with a query
# (`kindred --open IMAGE`, as if the image had been dropped on the window) and grabs the screen.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-assets/screenshot-gallery.png}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kindred/target}"
scripts/setup.sh
command -v import >/dev/null || scripts/apt-install.sh imagemagick
cargo build --locked
bin="$CARGO_TARGET_DIR/debug/kindred"
work=$(mktemp -d); trap 'kill $app $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" --library "$work/lib" import assets/samples
cp assets/samples/unsorted-van-gogh-sunflowers.jpg "$work/query.jpg"   # a file outside the library
Xvfb :97 -screen 0 1200x800x24 -nolisten tcp & xvfb=$!
sleep 1
DISPLAY=:97 XDG_CONFIG_HOME="$work/config" "$bin" --library "$work/lib" --open "$work/query.jpg" & app=$!
sleep 8   # window up, model loaded, results and thumbnails in
DISPLAY=:97 import -window root "$OUT"
echo "saved $OUT"
